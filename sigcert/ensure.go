package sigcert

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// ensureBackoff paces Ensure's own retries after a failure that leaves it
// unknown whether the upload happened.
var ensureBackoff = Backoff{Attempts: 4, Base: 50 * time.Millisecond, Max: time.Second}

// Ensure makes sure the user holds the certificate, uploading it only if
// the user does not already: it is safe to rerun, after a crash or a lost
// response, and idempotent on any endpoint.
//
// The certificate is compared by its DER, so the same certificate with other
// line endings or surrounding whitespace counts as held. If the user holds
// it, Ensure returns the held certificate (whatever its Status) without
// uploading.
//
// Ensure never has the SDK retry an upload behind its back: after a failure
// that leaves the outcome unknown (a dropped connection, a 5xx, throttling),
// it lists the user's certificates and uploads again only if the certificate
// is not there, a few times with backoff, and lists them once more after the
// last upload before giving up. An upload answered
// DuplicateCertificate is resolved the same way; if another user holds the
// certificate, the error is ErrDuplicateCertificate. Other errors are those
// of Upload.
//
// Ensure and Rotate calls for the same user through one Uploader run one at
// a time; different users proceed in parallel.
func (u *Uploader) Ensure(ctx context.Context, req Request) (*Certificate, error) {
	if err := u.ready(ctx, "Ensure"); err != nil {
		return nil, err
	}
	parsed, err := u.Check(req)
	if err != nil {
		return nil, err
	}
	defer u.locks.lock(req.UserName)()
	c, _, err := u.ensureLocked(ctx, req, parsed)
	return c, err
}

// ensureLocked is Ensure with the user's lock held. uploaded reports whether
// this call's upload is the one that attached the certificate.
func (u *Uploader) ensureLocked(ctx context.Context, req Request, parsed *x509.Certificate) (c *Certificate, uploaded bool, err error) {
	want := identity(req.CertificateBody, parsed)
	noSDKRetry := append(append([]func(*iam.Options){}, u.s.optFns...), func(o *iam.Options) { o.RetryMaxAttempts = 1 })
	var lastErr error
	// Attempts uploads, each preceded by a look at the user's certificates,
	// and one more look after the last: an upload whose response was lost
	// may have landed, and must not be reported as a failure.
	for n := 0; n <= ensureBackoff.Attempts; n++ {
		if n > 0 {
			if err := sleep(ctx, ensureBackoff.delay(n-1)); err != nil {
				return nil, false, abandoned(lastErr, err)
			}
		}
		held, err := u.find(ctx, req.UserName, want)
		if err != nil {
			if lastErr != nil && outcomeUnknown(err) {
				continue
			}
			return nil, false, err
		}
		if held != nil {
			return held, false, nil
		}
		if errors.Is(lastErr, ErrDuplicateCertificate) || n == ensureBackoff.Attempts {
			return nil, false, lastErr // held by someone else, or out of attempts
		}
		c, err := u.upload(ctx, req, parsed, noSDKRetry)
		if err == nil {
			return c, true, nil
		}
		if !errors.Is(err, ErrDuplicateCertificate) && !outcomeUnknown(err) {
			return nil, false, err
		}
		lastErr = err
	}
	return nil, false, lastErr
}

// find returns the user's certificate with identity want, or nil.
func (u *Uploader) find(ctx context.Context, userName, want string) (*Certificate, error) {
	certs, err := u.List(ctx, userName)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if identity(c.CertificateBody, c.X509) == want {
			return c, nil
		}
	}
	return nil, nil
}

// outcomeUnknown reports whether err leaves it unknown whether IAM applied
// the request: no answer, a server failure, throttling, or a concurrent
// modification. A cancelled context is not retried.
func outcomeUnknown(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *ServiceError
	if !errors.As(err, &se) {
		return false
	}
	switch se.sentinel {
	case nil:
		var ae smithy.APIError
		return !errors.As(err, &ae) // no answer at all; an unknown code is an answer
	case ErrServiceFailure, ErrThrottling, ErrConcurrentModification:
		return true
	}
	return false
}
