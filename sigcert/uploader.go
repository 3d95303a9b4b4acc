package sigcert

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// Uploader uploads signing certificates to IAM users, checking locally first
// everything IAM would refuse. It is safe for concurrent use by many
// goroutines; its settings do not change after NewUploader.
type Uploader struct {
	api   API
	s     settings
	locks *userLocks
}

// NewUploader returns an Uploader that calls api, usually an *iam.Client.
func NewUploader(api API, opts ...Option) *Uploader {
	u := &Uploader{api: api, s: defaultSettings(), locks: &userLocks{}}
	for _, o := range opts {
		if o != nil {
			o(&u.s)
		}
	}
	return u
}

// Request is what to upload.
type Request struct {
	// UserName is the IAM user to attach the certificate to. Empty: the
	// parameter is omitted, and IAM uses the user that signed the request.
	UserName string
	// CertificateBody is the certificate in PEM, sent byte for byte as given.
	CertificateBody string
}

// Certificate is a signing certificate attached to an IAM user.
type Certificate struct {
	UserName        string
	CertificateID   string
	CertificateBody string
	Status          types.StatusType
	// UploadDate is when IAM stored the certificate; zero if IAM omitted it.
	UploadDate time.Time

	// RequestID is IAM's request id for the call that returned this
	// certificate (for a listed one, the list call's page), or "" if none
	// was given.
	RequestID string
	// X509 is the parsed certificate, or nil when the body could not be
	// parsed or the X.509 checks were skipped.
	X509 *x509.Certificate
	// Fingerprint is the SHA-256 of the certificate's DER in lower-case hex,
	// or "" when the body holds no CERTIFICATE block. It is set even when
	// X509 is nil: for a well-formed certificate crypto/x509 cannot parse,
	// and for one uploaded with the X.509 checks skipped. The same
	// certificate in any PEM layout has the same fingerprint.
	Fingerprint string
	// ParseError says why a listed certificate's body did not parse, or
	// why crypto/x509 could not parse a certificate Upload, Ensure or
	// Rotate sent (see validate.Parse); nil when it did, and when the
	// X.509 checks were skipped on upload.
	ParseError error
}

// Upload checks req locally and, if nothing is refused, makes one call to
// IAM's UploadSigningCertificate.
//
// Errors:
//   - a local refusal is a *PreflightError, and nothing was sent: it matches
//     ErrValidation (lengths, patterns) or ErrMalformedCertificate (PEM,
//     X.509, validity, file path, private key), and the validate reason;
//   - IAM's answer is a *ServiceError matching the sentinel for its code
//     (ErrDuplicateCertificate, ErrLimitExceeded, ...), with the SDK's error
//     reachable by errors.As; a transport failure or cancelled context is a
//     *ServiceError matching no sentinel, and context errors stay matchable
//     with errors.Is;
//   - a success response without a complete certificate matches
//     ErrIncompleteResponse.
func (u *Uploader) Upload(ctx context.Context, req Request) (*Certificate, error) {
	if err := u.ready(ctx, iamspec.OpUpload); err != nil {
		return nil, err
	}
	p, err := u.preflight(req)
	if err != nil {
		return nil, err
	}
	c, err := u.upload(ctx, req, parsedX509(p), u.s.optFns)
	if err != nil {
		return nil, err
	}
	describeSent(c, p)
	return c, nil
}

// Fingerprint returns the SHA-256 of cert's DER in lower-case hex, as
// Certificate.Fingerprint holds it: the same certificate in any PEM layout
// has the same fingerprint. Fingerprint(nil), and a certificate with no
// DER (one not made by x509.ParseCertificate), give "": there is nothing to
// identify, and "" is what Certificate.Fingerprint holds then.
func Fingerprint(cert *x509.Certificate) string {
	if cert == nil || len(cert.Raw) == 0 {
		return ""
	}
	return fingerprintDER(cert.Raw)
}
