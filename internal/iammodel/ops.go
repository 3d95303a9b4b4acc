package iammodel

import (
	"slices"
	"strconv"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// UploadInput is UploadSigningCertificate's parameters. A nil pointer is an
// absent parameter.
type UploadInput struct {
	// UserName is the user to attach the certificate to; nil means the
	// caller's own user.
	UserName *string
	// CertificateBody is the PEM text, stored byte for byte. Required.
	CertificateBody *string
}

// ListInput is ListSigningCertificates' parameters. A nil pointer is an
// absent parameter.
type ListInput struct {
	// UserName is the user to list; nil means the caller's own user.
	UserName *string
	// Marker is a Marker from a previous truncated List of the same user.
	Marker *string
	// MaxItems caps the page size (1 to 1000); nil means DefaultMaxItems.
	MaxItems *int
}

// ListOutput is one page of ListSigningCertificates.
type ListOutput struct {
	// Certificates are in upload order; never nil.
	Certificates []Certificate
	// IsTruncated reports whether more certificates follow; Marker then
	// fetches them.
	IsTruncated bool
	// Marker is set only when IsTruncated is true. It is opaque.
	Marker string
}

// UpdateInput is UpdateSigningCertificate's parameters. A nil pointer is an
// absent parameter.
type UpdateInput struct {
	// UserName owns the certificate; nil means the caller's own user.
	UserName *string
	// CertificateID is the certificate to change. Required.
	CertificateID *string
	// Status is StatusActive or StatusInactive. Required.
	Status *string
}

// DeleteInput is DeleteSigningCertificate's parameters. A nil pointer is an
// absent parameter.
type DeleteInput struct {
	// UserName owns the certificate; nil means the caller's own user.
	UserName *string
	// CertificateID is the certificate to delete. Required.
	CertificateID *string
}

// Upload attaches a certificate to a user, as UploadSigningCertificate does,
// and returns it. accessKeyID identifies the caller. Its refusals, in the
// order they are checked, are *Error values with these codes: Throttling,
// InvalidClientTokenId (unknown access key), ValidationError (UserName),
// NoSuchEntity (unknown user), ValidationError (missing body, or one that
// breaks IAM's length or character constraints), MalformedCertificate (not
// one PEM certificate of RFC 5280's structure, expired or not yet valid by
// the model's clock; the message echoes the body, as IAM's does),
// DuplicateCertificate (the same DER is attached to any user of the
// account), LimitExceeded (the user holds iamspec.CertificatesPerUser
// certificates).
//
// The user is checked before the body, and the quota after the body: both
// as recorded against IAM (IAM-FACTS.md). Whether IAM checks duplicates
// before the quota is not known; the model does.
func (m *Model) Upload(accessKeyID string, in UploadInput) (Certificate, error) {
	m.mu.Lock()
	if err := m.admit(); err != nil {
		m.mu.Unlock()
		return Certificate{}, err
	}
	now := m.clock()
	m.mu.Unlock()
	// The body's checks need no shared state: make them outside the lock,
	// so concurrent uploads do not queue behind each other's parses, and
	// report them in IAM's order below.
	der, bodyErr := checkBody(in.CertificateBody, now)

	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.target(accessKeyID, in.UserName, m.freshView())
	if err != nil {
		return Certificate{}, err
	}
	if bodyErr != nil {
		return Certificate{}, bodyErr
	}
	if _, dup := m.ders[string(der)]; dup {
		return Certificate{}, newError(iamspec.CodeDuplicateCertificate, iamspec.MsgDuplicateCertificate)
	}
	if len(u.certs) >= iamspec.CertificatesPerUser {
		return Certificate{}, newError(iamspec.CodeLimitExceeded, iamspec.MsgQuota)
	}
	w := m.newWrite()
	c := &cert{
		Certificate: Certificate{
			UserName:        u.name,
			CertificateID:   CertificateID(der),
			CertificateBody: *in.CertificateBody,
			Status:          StatusActive,
			UploadDate:      now.UTC().Truncate(timePrecision),
		},
		der:      string(der),
		seq:      w.seq,
		uploaded: w,
	}
	u.certs = append(u.certs, c)
	u.lastWrite = w.seq
	m.ders[c.der] = c
	return c.Certificate, nil
}

// checkBody applies Upload's checks of the body, in IAM's order, and returns
// the certificate's DER.
func checkBody(body *string, now time.Time) ([]byte, *Error) {
	if body == nil {
		return nil, validationNull(iamspec.FieldCertificateBody)
	}
	if err := checkBodyConstraints(*body); err != nil {
		return nil, err
	}
	der, err := judgeBody(*body, now)
	if err != nil {
		return nil, newError(iamspec.CodeMalformedCertificate, iamspec.MsgMalformedCertificate(*body))
	}
	return der, nil
}

// List returns one page of a user's certificates in upload order, as
// ListSigningCertificates does, as far as the propagation delay and stale
// reads let it see them. Its refusals, in the order they are checked:
// Throttling, InvalidClientTokenId, ValidationError (UserName), NoSuchEntity
// (unknown user), ValidationError (Marker's constraints, MaxItems outside
// 1..1000, or a Marker this model did not return for this user).
func (m *Model) List(accessKeyID string, in ListInput) (ListOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return ListOutput{}, err
	}
	u, err := m.find(accessKeyID, in.UserName)
	if err != nil {
		return ListOutput{}, err
	}
	v := m.readView(u.lastWrite)
	if !v.sees(u.born) {
		return ListOutput{}, noSuchUser(in.UserName, u)
	}
	if err := checkMarker(in.Marker); err != nil {
		return ListOutput{}, err
	}
	from := uint64(0)
	if in.Marker != nil {
		next, ok := decodeMarker(markerCertificates, foldName(u.name), *in.Marker)
		seq, err := strconv.ParseUint(next, 10, 64)
		if !ok || err != nil {
			return ListOutput{}, validation(iamspec.FieldMarker, *in.Marker, constraintMarker(iamspec.OpList))
		}
		from = seq
	}
	limit, verr := pageSize(in.MaxItems, DefaultMaxItems)
	if verr != nil {
		return ListOutput{}, verr
	}
	u.prune(v.now)
	out := ListOutput{Certificates: []Certificate{}}
	listed := u.listed(v)
	seqs := u.seqs()
	for _, c := range listed {
		seq := seqs[c.CertificateID]
		if seq < from {
			continue
		}
		if len(out.Certificates) == limit {
			out.IsTruncated = true
			out.Marker = encodeMarker(markerCertificates, foldName(u.name), strconv.FormatUint(seq, 10))
			break
		}
		out.Certificates = append(out.Certificates, c)
	}
	return out, nil
}

// seqs maps each certificate id the user holds or held (ghosts) to its
// upload sequence number.
func (u *user) seqs() map[string]uint64 {
	out := make(map[string]uint64, len(u.certs)+len(u.ghosts))
	for _, g := range u.ghosts {
		out[g.CertificateID] = g.seq
	}
	for _, c := range u.certs {
		out[c.CertificateID] = c.seq
	}
	return out
}

// Update sets a certificate's status, as UpdateSigningCertificate does. Its
// refusals, in the order they are checked: Throttling,
// InvalidClientTokenId, ValidationError (UserName), NoSuchEntity (unknown
// user), ValidationError (CertificateId missing or breaking its
// constraints, Status missing or neither Active nor Inactive), NoSuchEntity
// (no such certificate for this user).
//
// Whether IAM lets a caller set Expired is not known; the model refuses it
// as a value outside [Active, Inactive], which never lets a test pass what
// IAM might refuse.
func (m *Model) Update(accessKeyID string, in UpdateInput) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return err
	}
	u, err := m.target(accessKeyID, in.UserName, m.freshView())
	if err != nil {
		return err
	}
	if err := checkCertificateID(in.CertificateID); err != nil {
		return err
	}
	if in.Status == nil {
		return validationNull(iamspec.FieldStatus)
	}
	if *in.Status != StatusActive && *in.Status != StatusInactive {
		return validation(iamspec.FieldStatus, *in.Status, constraintEnum(StatusActive, StatusInactive))
	}
	i, err := u.find(*in.CertificateID)
	if err != nil {
		return err
	}
	c := u.certs[i]
	w := m.newWrite()
	c.prevStatus, c.Status, c.statusWrite = c.Status, *in.Status, w
	u.lastWrite = w.seq
	return nil
}

// Delete removes a certificate, as DeleteSigningCertificate does. Its
// refusals, in the order they are checked: Throttling,
// InvalidClientTokenId, ValidationError (UserName), NoSuchEntity (unknown
// user), ValidationError (CertificateId missing or breaking its
// constraints), NoSuchEntity (no such certificate for this user).
func (m *Model) Delete(accessKeyID string, in DeleteInput) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return err
	}
	u, err := m.target(accessKeyID, in.UserName, m.freshView())
	if err != nil {
		return err
	}
	if err := checkCertificateID(in.CertificateID); err != nil {
		return err
	}
	i, err := u.find(*in.CertificateID)
	if err != nil {
		return err
	}
	c := u.certs[i]
	delete(m.ders, c.der)
	u.certs = slices.Delete(u.certs, i, i+1)
	c.deleted = m.newWrite()
	u.lastWrite = c.deleted.seq
	// Kept as a ghost, which List shows while the deletion propagates.
	u.ghosts = append(u.ghosts, c)
	u.prune(m.clock())
	return nil
}

// find resolves the user a request acts on, whether or not its creation is
// visible yet: UserName if given, else the caller's own user. Callers hold
// m.mu.
func (m *Model) find(accessKeyID string, userName *string) (*user, error) {
	k, ok := m.keys[accessKeyID]
	if !ok {
		return nil, newError(iamspec.CodeInvalidClientTokenID, iamspec.MsgInvalidClientTokenID)
	}
	key := k.user
	if userName != nil {
		if err := checkUserName(*userName, iamspec.UserNameMaxLen); err != nil {
			return nil, err
		}
		key = foldName(*userName)
	}
	u := m.users[key]
	if u == nil {
		return nil, noSuchUser(userName, nil)
	}
	return u, nil
}

// target is find for a user the request must see: one whose creation has
// propagated to view v.
func (m *Model) target(accessKeyID string, userName *string, v view) (*user, error) {
	u, err := m.find(accessKeyID, userName)
	if err != nil {
		return nil, err
	}
	if !v.sees(u.born) {
		return nil, noSuchUser(userName, u)
	}
	return u, nil
}

// noSuchUser is IAM's NoSuchEntity for the user named, or for u when the
// request named none.
func noSuchUser(userName *string, u *user) *Error {
	name := ""
	switch {
	case userName != nil:
		name = *userName
	case u != nil:
		name = u.name
	}
	return newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser(name))
}

// find returns the index of the user's certificate id. Ids are matched
// exactly: whether IAM finds a certificate by its id in another case is not
// known (every recorded id is upper-case base32), and an exact match never
// lets a test pass that IAM might fail.
func (u *user) find(id string) (int, error) {
	for i, c := range u.certs {
		if c.CertificateID == id {
			return i, nil
		}
	}
	return -1, newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(id))
}
