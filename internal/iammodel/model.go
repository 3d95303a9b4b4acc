// Package iammodel is the one model of IAM's signing-certificate semantics
// behind both fakes in sigcert/sigcerttest: the in-memory API and the local
// HTTP endpoint. It knows nothing about HTTP or the AWS SDK; its inputs are
// plain structs, its results are Certificate values, and its refusals are
// *Error values carrying IAM's code and message.
//
// # Users and callers
//
// A Model holds IAM users and access keys. Every operation names the access
// key id that signed the request (the caller); a request without a UserName
// acts on the user that owns that key, as IAM does. New creates the user
// DefaultUser with the access key DefaultAccessKeyID; AddUser and
// AddAccessKey add more. User names are matched exactly (case-sensitively).
//
// # Order of checks
//
// Each operation checks in this order and answers with the first refusal:
// the access key (InvalidClientTokenId), the UserName's constraints
// (ValidationError), the user's existence (NoSuchEntity), the other fields'
// constraints (ValidationError), and then what the operation is about:
// for Upload the certificate (MalformedCertificate), its uniqueness in the
// account (DuplicateCertificate) and the user's quota (LimitExceeded); for
// Update and Delete the certificate id (NoSuchEntity).
//
// # Concurrency
//
// A Model is safe for concurrent use. Each operation runs under one lock, so
// it applies completely or not at all, and concurrent operations behave as
// if they ran one after another.
package iammodel

import (
	"slices"
	"sync"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// The caller every new Model knows: the access key id DefaultAccessKeyID
// belongs to the user DefaultUser. DefaultSecretAccessKey is the secret to
// sign with; the model never checks signatures.
const (
	DefaultAccessKeyID     = "AKIASIGCERTTEST"
	DefaultSecretAccessKey = "sigcerttest-secret-access-key"
	DefaultUser            = "sigcerttest"
)

// Certificate statuses. A new certificate is Active; Update may set either.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// DefaultMaxItems is how many certificates List returns when MaxItems is
// absent, as IAM does.
const DefaultMaxItems = 100

// Certificate is one signing certificate as IAM returns it.
type Certificate struct {
	UserName      string
	CertificateID string
	// CertificateBody is exactly the body uploaded, byte for byte.
	CertificateBody string
	// Status is StatusActive or StatusInactive.
	Status string
	// UploadDate is the model's clock at upload, in UTC, truncated to the
	// millisecond (the precision IAM's responses carry).
	UploadDate time.Time
}

// Model is the state of one AWS account's IAM users, access keys and
// signing certificates. Create it with New.
type Model struct {
	mu     sync.Mutex
	now    func() time.Time
	users  map[string]*user
	keys   map[string]string // access key id → user name
	ders   map[string]string // DER of an attached certificate → its id
	issued map[string]bool   // every certificate id ever issued
	seq    uint64            // upload counter: orders certificates
}

type user struct {
	name  string
	certs []*cert // in upload order
}

type cert struct {
	Certificate
	der string
	seq uint64
}

// New returns a Model holding the user DefaultUser, owner of the access key
// DefaultAccessKeyID, and no certificates. Its clock is time.Now.
func New() *Model {
	m := &Model{
		now:    time.Now,
		users:  map[string]*user{DefaultUser: {name: DefaultUser}},
		keys:   map[string]string{DefaultAccessKeyID: DefaultUser},
		ders:   map[string]string{},
		issued: map[string]bool{},
	}
	return m
}

// SetClock makes now the model's clock: it dates uploads and decides
// whether a certificate has expired or is not yet valid. A nil now restores
// time.Now.
func (m *Model) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.mu.Lock()
	m.now = now
	m.mu.Unlock()
}

// AddUser creates the IAM user name. Adding a user that exists does
// nothing. It returns a ValidationError *Error if name fails IAM's
// constraints on user names.
func (m *Model) AddUser(name string) error {
	if err := validate.UserName(name); err != nil {
		return fromValidate(err, iamspec.FieldUserName, iamspec.UserNamePattern, iamspec.UserNameMinLen, iamspec.UserNameMaxLen)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users[name] == nil {
		m.users[name] = &user{name: name}
	}
	return nil
}

// AddAccessKey gives the existing user an access key: requests signed with
// accessKeyID act as that user. Giving a key to another user moves it. It
// returns a ValidationError *Error for an empty key id or one with
// characters other than ASCII letters and digits, and a NoSuchEntity *Error
// for an unknown user.
func (m *Model) AddAccessKey(accessKeyID, userName string) error {
	if accessKeyID == "" || !isAlnum(accessKeyID) {
		return validation("AccessKeyId", constraintPattern("^[A-Za-z0-9]+$"))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users[userName] == nil {
		return newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser(userName))
	}
	m.keys[accessKeyID] = userName
	return nil
}

// UserOf returns the user owning accessKeyID, and whether there is one.
func (m *Model) UserOf(accessKeyID string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name, ok := m.keys[accessKeyID]
	return name, ok
}

// Users returns the names of all users, sorted.
func (m *Model) Users() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.users))
	for name := range m.users {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Certificates returns the certificates of user userName in upload order,
// or nil if the user holds none or does not exist. The result is a copy.
func (m *Model) Certificates(userName string) []Certificate {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[userName]
	if u == nil || len(u.certs) == 0 {
		return nil
	}
	out := make([]Certificate, len(u.certs))
	for i, c := range u.certs {
		out[i] = c.Certificate
	}
	return out
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
