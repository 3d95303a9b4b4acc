// Package iammodel is the one model of IAM's semantics behind both fakes in
// sigcert/sigcerttest: the in-memory API and the local HTTP endpoint. It
// covers signing certificates and the users that hold them. It knows
// nothing about HTTP or the AWS SDK; its inputs are plain structs, its
// results are plain values, and its refusals are *Error values carrying
// IAM's code and message.
//
// It is independent of the code it is used to test: it imports neither
// validate nor sigcert. Its constraints are compiled from the patterns as
// IAM's API model writes them (internal/iamspec), and it judges certificates
// with its own reading of PEM and of RFC 5280's structure (certjudge.go).
// Every rule cites its evidence where it is implemented; where evidence is
// missing the comment says so.
//
// # Users and callers
//
// A Model holds IAM users and access keys, each key with its secret. Every
// operation names the access key id that signed the request (the caller); a
// request without a UserName acts on the user that owns that key, as IAM
// does. New creates the user DefaultUser with the access key
// DefaultAccessKeyID and secret DefaultSecretAccessKey.
//
// User names are unique without regard to case, as IAM documents ("you
// cannot create resources named both "MyResource" and "myresource"",
// CreateUser in the IAM API reference). Lookups ignore case too, and answers
// carry the name as created: saltstack/salt issue 24947 reports IAM
// accepting a user name in another case than the user's (AddUserToGroup,
// then GetGroup listing the user in its own case), and noobaa/noobaa-core
// pull request 9323 reports that renaming a user to its own name in another
// case is refused with EntityAlreadyExists, as if the names were one. These
// are reports from users of IAM, not documentation.
//
// # Order of checks
//
// Each operation checks in this order and answers with the first refusal:
// the rate limit (Throttling, when one is set), the access key
// (InvalidClientTokenId), the UserName's constraints (ValidationError), the
// user's existence (NoSuchEntity), the other fields' constraints
// (ValidationError), and then what the operation is about.
//
// # Concurrency
//
// A Model is safe for concurrent use. Each operation runs under one lock, so
// it applies completely or not at all, and concurrent operations behave as
// if they ran one after another.
package iammodel

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// The caller every new Model knows: the access key id DefaultAccessKeyID
// belongs to the user DefaultUser, with the secret DefaultSecretAccessKey.
const (
	DefaultAccessKeyID     = "AKIASIGCERTTEST"
	DefaultSecretAccessKey = "sigcerttest-secret-access-key"
	DefaultUser            = "sigcerttest"
)

// Certificate statuses. A new certificate is Active; Update may set Active
// or Inactive. Expired is the third value of IAM's current API model
// (statusType); see MarkExpired.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
	StatusExpired  = "Expired"
)

// DefaultMaxItems is how many items a List returns when MaxItems is
// absent, as IAM does.
const DefaultMaxItems = 100

// Certificate is one signing certificate as IAM returns it.
type Certificate struct {
	UserName      string
	CertificateID string
	// CertificateBody is exactly the body uploaded, byte for byte.
	CertificateBody string
	// Status is StatusActive, StatusInactive or StatusExpired.
	Status string
	// UploadDate is the model's clock at upload, in UTC, truncated to the
	// millisecond (the precision IAM's responses carry).
	UploadDate time.Time
}

// Model is the state of one AWS account's IAM users, access keys and
// signing certificates. Create it with New.
type Model struct {
	mu    sync.Mutex
	now   func() time.Time
	users map[string]*user     // by foldName(name)
	keys  map[string]accessKey // by access key id
	ders  map[string]*cert     // DER of an attached certificate → it
	seq   uint64               // write counter: orders writes and uploads

	consistency // consistency.go
	limiter     // throttle.go
}

type accessKey struct {
	user   string // foldName of the owner
	secret string
}

type user struct {
	name    string
	id      string
	created time.Time
	certs   []*cert // in upload order
	born    write   // the CreateUser (zero for users made by setup)
	// ghosts are certificates deleted while their deletion is not visible
	// yet; List still shows them.
	ghosts []*cert
	// lastWrite is the sequence number of the latest write to the user's
	// certificates, which a stale read does not see.
	lastWrite uint64
}

type cert struct {
	Certificate
	der string
	seq uint64 // upload sequence number: orders certificates, markers

	uploaded write
	// The latest status change, and the status before it.
	statusWrite write
	prevStatus  string
	// deleted is set on ghosts.
	deleted write
}

// foldName is the key users are found by: IAM does not tell names apart
// by case. Names are ASCII (IAM's pattern), so ASCII folding is enough.
func foldName(name string) string { return strings.ToLower(name) }

// New returns a Model holding the user DefaultUser, owner of the access key
// DefaultAccessKeyID, and no certificates. Its clock is time.Now; it has
// no propagation delay and no rate limit.
func New() *Model {
	m := &Model{
		now:   time.Now,
		users: map[string]*user{},
		keys:  map[string]accessKey{},
		ders:  map[string]*cert{},
	}
	m.users[foldName(DefaultUser)] = m.newUser(DefaultUser, write{})
	m.keys[DefaultAccessKeyID] = accessKey{user: foldName(DefaultUser), secret: DefaultSecretAccessKey}
	return m
}

// SetClock makes now the model's clock: it dates uploads and users, decides
// whether a certificate has expired or is not yet valid, and drives the
// propagation delay and the rate limit. A nil now restores time.Now.
func (m *Model) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.mu.Lock()
	m.now = now
	m.mu.Unlock()
}

// AddUser creates the IAM user name at once, visible everywhere without
// any propagation delay (it is setup, not a request). Adding a user that
// exists, in any case, does nothing. It returns a ValidationError *Error if
// name breaks IAM's constraints on user names at creation.
func (m *Model) AddUser(name string) error {
	if err := checkUserName(name, iamspec.UserNameCreateMaxLen); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users[foldName(name)] == nil {
		m.users[foldName(name)] = m.newUser(name, write{})
	}
	return nil
}

// AddAccessKey gives the existing user an access key whose secret is
// DefaultSecretAccessKey: requests signed with accessKeyID act as that user.
// See AddAccessKeyWithSecret.
func (m *Model) AddAccessKey(accessKeyID, userName string) error {
	return m.AddAccessKeyWithSecret(accessKeyID, DefaultSecretAccessKey, userName)
}

// AddAccessKeyWithSecret gives the existing user an access key with the
// given secret: requests signed with accessKeyID act as that user, and a
// signature made with another secret is refused. Giving a key to another
// user moves it. It returns a ValidationError *Error for an empty key id or
// one with characters other than ASCII letters and digits, or an empty
// secret, and a NoSuchEntity *Error for an unknown user.
func (m *Model) AddAccessKeyWithSecret(accessKeyID, secret, userName string) error {
	if accessKeyID == "" || !isAlnum(accessKeyID) {
		return validation("AccessKeyId", accessKeyID, constraintPattern("[A-Za-z0-9]+"))
	}
	if secret == "" {
		return validation("SecretAccessKey", secret, constraintMinLen(1))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users[foldName(userName)] == nil {
		return newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser(userName))
	}
	m.keys[accessKeyID] = accessKey{user: foldName(userName), secret: secret}
	return nil
}

// Secret returns the secret access key of accessKeyID, and whether the
// model knows the key. The HTTP face verifies signatures with it.
func (m *Model) Secret(accessKeyID string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[accessKeyID]
	return k.secret, ok
}

// UserOf returns the user owning accessKeyID, and whether there is one.
func (m *Model) UserOf(accessKeyID string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[accessKeyID]
	if !ok || m.users[k.user] == nil {
		return "", false
	}
	return m.users[k.user].name, true
}

// Users returns the names of all users, sorted, whatever their visibility.
func (m *Model) Users() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.users))
	for _, u := range m.users {
		names = append(names, u.name)
	}
	slices.Sort(names)
	return names
}

// Certificates returns the certificates user userName holds now, in upload
// order, or nil if the user holds none or does not exist. It is the
// account's true state: the propagation delay does not apply. The result is
// a copy.
func (m *Model) Certificates(userName string) []Certificate {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[foldName(userName)]
	if u == nil || len(u.certs) == 0 {
		return nil
	}
	out := make([]Certificate, len(u.certs))
	for i, c := range u.certs {
		out[i] = c.Certificate
	}
	return out
}

// MarkExpired sets the status of the user's certificate id to Expired.
//
// IAM's current API model lists Expired as a status of a signing
// certificate, but no documentation or recorded response says when IAM
// sets it (at NotAfter? later? ever for old certificates?). So the model
// never sets it on its own; tests that want to see how code copes with an
// Expired certificate in a List set it here. It is an instant change, not a
// request: the propagation delay does not apply. It returns a NoSuchEntity
// *Error for an unknown user or certificate.
func (m *Model) MarkExpired(userName, certificateID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[foldName(userName)]
	if u == nil {
		return newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser(userName))
	}
	i, err := u.find(certificateID)
	if err != nil {
		return err
	}
	c := u.certs[i]
	c.prevStatus, c.Status, c.statusWrite = StatusExpired, StatusExpired, write{}
	return nil
}

// clock returns the model's current time. Callers hold m.mu.
func (m *Model) clock() time.Time { return m.now() }

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
