package sigcert

import (
	"context"
	"crypto/x509"
	"errors"
)

// Ensure makes sure the user holds the certificate, uploading it only if
// the user does not already: it is safe to rerun, after a crash or a lost
// response, and idempotent on any endpoint.
//
// The certificate is compared by its DER, so the same certificate with other
// line endings or surrounding whitespace counts as held. If the user holds
// it, Ensure returns the held certificate (whatever its Status) without
// uploading.
//
// After an answer that leaves the upload's outcome unknown (OutcomeUnknown:
// a 5xx, a transport failure or timeout, Throttling, ConcurrentModification),
// Ensure waits for the certificate to show in the user's list, over the
// propagation window (WithPropagationWait), and uploads again only if it does
// not, within the call's one retry budget (WithRetry). A DuplicateCertificate
// after such an answer is resolved the same way. A DuplicateCertificate to
// the first upload, with nothing uncertain before it, is reported at once
// after one more list (with no wait) finds that the user does not hold it:
// another user holds the certificate. Other errors are those of Upload.
//
// Ensure knows what the user holds only from lists. If no list in the call's
// budget succeeds, it returns the lists' error (an unknown outcome) without
// uploading, even when the user holds the certificate. A list can also miss
// a change made within IAM's propagation delay before the call: an upload
// of a certificate the list did not show is then answered
// DuplicateCertificate and, if one more list still does not show it,
// reported though the user holds it; a rerun after the delay finds it.
//
// Bounds, whatever the options: at most 4 uploads (WithRetry's Attempts, A),
// each one HTTP request, and 1+8A list calls (33), each at most 3 HTTP
// requests (the SDK's retries of a read).
//
// Ensure and Rotate calls for the same user through one Uploader run one at
// a time (names compared without regard to case, as IAM compares them);
// different users proceed in parallel. Waiting for the user's lock ends, with
// the context's error, the moment ctx ends. A call with no user name acts on
// the caller's own user and serialises with other such calls only, not with
// calls that name that user.
func (u *Uploader) Ensure(ctx context.Context, req Request) (*Certificate, error) {
	r, parsed, err := u.begin(ctx, "Ensure", "Ensure", req)
	if err != nil {
		return nil, err
	}
	unlock, err := r.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	held, err := r.look()
	if err != nil {
		return nil, err
	}
	want := identity(req.CertificateBody, parsed)
	var got *Certificate
	for _, s := range decideEnsure(held, want) { // at most one: the upload
		if _, err := r.step(s, func() (string, error) {
			c, _, err := r.attach(req, parsed, want)
			if err != nil {
				return "", err
			}
			got = c
			return c.CertificateID, nil
		}); err != nil {
			return nil, err
		}
	}
	if got == nil {
		got = holding(held, want)
	}
	return got, nil
}

// attach uploads the certificate, which the last list did not show on the
// user, and resolves every uncertain answer by listing: it returns the
// certificate the user holds, whether this upload or an earlier one put it
// there. answered is true when the certificate is the one an upload's
// answer returned, whose status is IAM's word (a new certificate is
// Active), and false when a list found it, whose status may lag.
func (r *run) attach(req Request, parsed *x509.Certificate, want string) (c *Certificate, answered bool, err error) {
	shows := func(held []*Certificate) bool { return holding(held, want) != nil }
	uncertain := false
	for {
		c, err := r.u.uploadWith(r.ctx, req, parsed, r.optFns, false)
		if err == nil {
			return c, true, nil
		}
		if cerr := r.ctx.Err(); cerr != nil {
			return nil, false, ended(err, cerr)
		}
		dup := errors.Is(err, ErrDuplicateCertificate)
		if !dup && !OutcomeUnknown(err) {
			return nil, false, err // IAM's definite answer
		}
		if dup && !uncertain {
			// Nothing uncertain before: the certificate is attached to
			// someone. One list, without waiting, tells whether it is this
			// user (another call attached it since our list).
			held, lerr := r.list()
			if lerr == nil && shows(held) {
				return holding(held, want), false, nil
			}
			if cerr := r.ctx.Err(); cerr != nil {
				return nil, false, ended(err, cerr)
			}
			return nil, false, err
		}
		uncertain = true
		held, seen, aerr := r.await(shows)
		if aerr != nil {
			if cerr := r.ctx.Err(); cerr != nil {
				return nil, false, ended(err, cerr)
			}
			return nil, false, aerr
		}
		if seen {
			return holding(held, want), false, nil
		}
		if dup {
			// The window has passed and the user's list still does not
			// show it: another user holds the certificate.
			return nil, false, err
		}
		if ok, rerr := r.again(err); !ok {
			return nil, false, rerr
		}
	}
}
