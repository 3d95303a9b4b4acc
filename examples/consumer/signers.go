package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamkit/signingcert/sigcert"
)

// Signers registers and rotates the signing certificates of a team's IAM
// users. It turns sigcert's errors into the few outcomes its callers act
// on, and keeps IAM's request id for support tickets.
type Signers struct {
	up *sigcert.Uploader
}

// New returns Signers that call api: an *iam.Client in production, a double
// in tests.
func New(api sigcert.API, opts ...sigcert.Option) *Signers {
	return &Signers{up: sigcert.NewUploader(api, opts...)}
}

// The outcomes a caller acts on. Match them with errors.Is.
var (
	// ErrRejected: the certificate is unusable (malformed, expired, not yet
	// valid, a private key, too long). Fix the file.
	ErrRejected = errors.New("certificate rejected")
	// ErrInUse: the certificate is attached to another user.
	ErrInUse = errors.New("certificate attached to another user")
	// ErrQuotaFull: the user holds two certificates already; rotate.
	ErrQuotaFull = errors.New("user holds two certificates already; rotate instead")
	// ErrUnknownUser: there is no such IAM user.
	ErrUnknownUser = errors.New("no such user")
	// ErrUnavailable: IAM failed or throttled, or could not be reached;
	// try again later.
	ErrUnavailable = errors.New("IAM unavailable")
)

// Error is a failed Register or Rotate.
type Error struct {
	Op, User string
	// Outcome is one of the Err* values above, or nil for anything else.
	Outcome error
	// RequestID is IAM's request id, "" if IAM did not answer.
	RequestID string
	// Err is sigcert's error.
	Err error
}

// Error says what failed and, if IAM answered, the request id to quote.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %v", e.Op, e.User, e.Err)
	if e.RequestID != "" {
		msg += " [quote request id " + e.RequestID + "]"
	}
	return msg
}

// Unwrap returns the outcome and sigcert's error.
func (e *Error) Unwrap() []error { return []error{e.Outcome, e.Err} }

// outcomes maps sigcert's sentinels to what the caller does next.
var outcomes = []struct{ sigcert, outcome error }{
	{sigcert.ErrMalformedCertificate, ErrRejected},
	{sigcert.ErrInvalidCertificate, ErrRejected},
	{sigcert.ErrValidation, ErrRejected},
	{sigcert.ErrDuplicateCertificate, ErrInUse},
	{sigcert.ErrLimitExceeded, ErrQuotaFull},
	{sigcert.ErrNoSuchEntity, ErrUnknownUser},
	{sigcert.ErrServiceFailure, ErrUnavailable},
	{sigcert.ErrThrottling, ErrUnavailable},
}

func wrap(op, user string, err error) error {
	e := &Error{Op: op, User: user, Err: err}
	for _, o := range outcomes {
		if errors.Is(err, o.sigcert) {
			e.Outcome = o.outcome
			break
		}
	}
	var se *sigcert.ServiceError
	if errors.As(err, &se) {
		e.RequestID = se.RequestID
		if e.Outcome == nil && se.Code == "" && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			e.Outcome = ErrUnavailable // no answer: the connection failed
		}
	}
	return e
}

// Register makes sure user holds the certificate pemText and returns its
// id. It is safe to repeat: a certificate the user holds already is not
// uploaded again, and a response lost on the wire is recovered.
func (s *Signers) Register(ctx context.Context, user, pemText string) (string, error) {
	c, err := s.up.Ensure(ctx, sigcert.Request{UserName: user, CertificateBody: pemText})
	if err != nil {
		return "", wrap("register", user, err)
	}
	return c.CertificateID, nil
}

// Rotate attaches pemText to user and deactivates the user's other
// certificates, deleting the oldest Inactive one first if the user is at
// the quota. It returns the new certificate's id.
func (s *Signers) Rotate(ctx context.Context, user, pemText string) (string, error) {
	rot, err := s.up.Rotate(ctx, sigcert.Request{UserName: user, CertificateBody: pemText},
		sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
	if err != nil {
		return "", wrap("rotate", user, err)
	}
	return rot.New.CertificateID, nil
}
