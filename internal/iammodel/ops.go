package iammodel

import (
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
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

// markerRE is IAM's Marker pattern; validate has no Marker check.
var markerRE = regexp.MustCompile(iamspec.MarkerPattern)

// Upload attaches a certificate to a user, as UploadSigningCertificate does,
// and returns it. accessKeyID identifies the caller. Its refusals, in the
// order they are checked, are *Error values with these codes:
// InvalidClientTokenId (unknown access key), ValidationError (UserName),
// NoSuchEntity (unknown user), ValidationError (missing body, or one that
// breaks IAM's length or character constraints), MalformedCertificate (not
// one parseable PEM certificate, expired or not yet valid by the model's
// clock; the message echoes the body, as IAM's does), DuplicateCertificate
// (the same DER is attached to any user), LimitExceeded (the user holds
// iamspec.CertificatesPerUser certificates).
func (m *Model) Upload(accessKeyID string, in UploadInput) (Certificate, error) {
	// The body's checks and the X.509 parse need no shared state: do them
	// before taking the lock, so concurrent uploads do not queue behind
	// each other's parses, and report them in IAM's order below.
	m.mu.Lock()
	now := m.clock()
	m.mu.Unlock()
	der, bodyErr := checkBody(in.CertificateBody, now)

	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.target(accessKeyID, in.UserName)
	if err != nil {
		return Certificate{}, err
	}
	if bodyErr != nil {
		return Certificate{}, bodyErr
	}
	body := *in.CertificateBody
	if _, dup := m.ders[der]; dup {
		return Certificate{}, newError(iamspec.CodeDuplicateCertificate, iamspec.MsgDuplicateCertificate)
	}
	if len(u.certs) >= iamspec.CertificatesPerUser {
		return Certificate{}, newError(iamspec.CodeLimitExceeded, iamspec.MsgQuota)
	}
	id, err := m.newID()
	if err != nil {
		return Certificate{}, newError(iamspec.CodeServiceFailure, "The model could not generate a certificate id: "+err.Error())
	}
	m.seq++
	c := &cert{
		Certificate: Certificate{
			UserName:        u.name,
			CertificateID:   id,
			CertificateBody: body,
			Status:          StatusActive,
			UploadDate:      now.UTC().Truncate(timePrecision),
		},
		der: der,
		seq: m.seq,
	}
	u.certs = append(u.certs, c)
	m.ders[der] = id
	m.issued[id] = true
	return c.Certificate, nil
}

// checkBody applies Upload's checks of the body, in IAM's order, and returns
// the certificate's DER.
func checkBody(body *string, now time.Time) (der string, err *Error) {
	if body == nil {
		return "", validation(iamspec.FieldCertificateBody, constraintNotNull())
	}
	if err := validate.CertificateBody(*body); err != nil {
		return "", fromValidate(err, iamspec.FieldCertificateBody, iamspec.CertificateBodyPattern,
			iamspec.CertificateBodyMinLen, iamspec.CertificateBodyMaxLen)
	}
	x, verr := validate.Certificate(*body, validate.CertificateOptions{CurrentTime: now})
	if verr != nil {
		return "", newError(iamspec.CodeMalformedCertificate, iamspec.MsgMalformedCertificate(*body))
	}
	return string(x.Raw), nil
}

// List returns one page of a user's certificates in upload order, as
// ListSigningCertificates does. Its refusals, in the order they are
// checked: InvalidClientTokenId, ValidationError (UserName), NoSuchEntity
// (unknown user), ValidationError (Marker's constraints, MaxItems outside
// 1..1000, or a Marker this model did not return for this user).
func (m *Model) List(accessKeyID string, in ListInput) (ListOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.target(accessKeyID, in.UserName)
	if err != nil {
		return ListOutput{}, err
	}
	from := uint64(0)
	if in.Marker != nil {
		mk := *in.Marker
		n := utf8.RuneCountInString(mk)
		if n < iamspec.MarkerMinLen {
			return ListOutput{}, validation(iamspec.FieldMarker, constraintMinLen(iamspec.MarkerMinLen))
		}
		if n > iamspec.MarkerMaxLen {
			return ListOutput{}, validation(iamspec.FieldMarker, constraintMaxLen(iamspec.MarkerMaxLen))
		}
		if !markerRE.MatchString(mk) {
			return ListOutput{}, validation(iamspec.FieldMarker, constraintPattern(iamspec.MarkerPattern))
		}
		seq, ok := decodeMarker(u.name, mk)
		if !ok {
			return ListOutput{}, validation(iamspec.FieldMarker, constraintMarker())
		}
		from = seq
	}
	limit := DefaultMaxItems
	if in.MaxItems != nil {
		limit = *in.MaxItems
		if limit < iamspec.MaxItemsMin {
			return ListOutput{}, validation(iamspec.FieldMaxItems, constraintMinValue(iamspec.MaxItemsMin))
		}
		if limit > iamspec.MaxItemsMax {
			return ListOutput{}, validation(iamspec.FieldMaxItems, constraintMaxValue(iamspec.MaxItemsMax))
		}
	}
	out := ListOutput{Certificates: []Certificate{}}
	for _, c := range u.certs {
		if c.seq < from {
			continue
		}
		if len(out.Certificates) == limit {
			out.IsTruncated = true
			out.Marker = encodeMarker(u.name, c.seq)
			break
		}
		out.Certificates = append(out.Certificates, c.Certificate)
	}
	return out, nil
}

// Update sets a certificate's status, as UpdateSigningCertificate does. Its
// refusals, in the order they are checked: InvalidClientTokenId,
// ValidationError (UserName), NoSuchEntity (unknown user), ValidationError
// (CertificateId missing or breaking its constraints, Status missing or
// neither Active nor Inactive), NoSuchEntity (no such certificate for this
// user).
func (m *Model) Update(accessKeyID string, in UpdateInput) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.target(accessKeyID, in.UserName)
	if err != nil {
		return err
	}
	if err := checkCertificateID(in.CertificateID); err != nil {
		return err
	}
	if in.Status == nil {
		return validation(iamspec.FieldStatus, constraintNotNull())
	}
	if err := validate.Status(*in.Status); err != nil {
		return validation(iamspec.FieldStatus, constraintEnum(StatusActive, StatusInactive))
	}
	i, err := u.find(*in.CertificateID)
	if err != nil {
		return err
	}
	u.certs[i].Status = *in.Status
	return nil
}

// Delete removes a certificate, as DeleteSigningCertificate does. Its
// refusals, in the order they are checked: InvalidClientTokenId,
// ValidationError (UserName), NoSuchEntity (unknown user), ValidationError
// (CertificateId missing or breaking its constraints), NoSuchEntity (no
// such certificate for this user).
func (m *Model) Delete(accessKeyID string, in DeleteInput) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.target(accessKeyID, in.UserName)
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
	delete(m.ders, u.certs[i].der)
	u.certs = slices.Delete(u.certs, i, i+1)
	return nil
}

// target resolves the user a request acts on: UserName if given, else the
// caller's own user. Callers hold m.mu.
func (m *Model) target(accessKeyID string, userName *string) (*user, error) {
	caller, ok := m.keys[accessKeyID]
	if !ok {
		return nil, newError(iamspec.CodeInvalidClientTokenID, iamspec.MsgInvalidClientTokenID)
	}
	name := caller
	if userName != nil {
		name = *userName
		if err := validate.UserName(name); err != nil {
			return nil, fromValidate(err, iamspec.FieldUserName, iamspec.UserNamePattern,
				iamspec.UserNameMinLen, iamspec.UserNameMaxLen)
		}
	}
	u := m.users[name]
	if u == nil {
		return nil, newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser(name))
	}
	return u, nil
}

// checkCertificateID checks a required CertificateId against IAM's
// constraints.
func checkCertificateID(id *string) error {
	if id == nil {
		return validation(iamspec.FieldCertificateID, constraintNotNull())
	}
	if err := validate.CertificateID(*id); err != nil {
		return fromValidate(err, iamspec.FieldCertificateID, iamspec.CertificateIDPattern,
			iamspec.CertificateIDMinLen, iamspec.CertificateIDMaxLen)
	}
	return nil
}

// find returns the index of the user's certificate id.
func (u *user) find(id string) (int, error) {
	for i, c := range u.certs {
		if c.CertificateID == id {
			return i, nil
		}
	}
	return -1, newError(iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(id))
}
