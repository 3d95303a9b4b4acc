package sigcert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// Previous says what Rotate does with the user's other certificates once
// the new one is attached.
type Previous int

const (
	// KeepPrevious leaves them as they are.
	KeepPrevious Previous = iota
	// DeactivatePrevious makes the Active ones Inactive: callers still
	// signing with the old key fail, and the old certificate can be
	// reactivated. The usual choice.
	DeactivatePrevious
	// DeletePrevious deletes them.
	DeletePrevious
)

// String returns the name of the constant.
func (p Previous) String() string {
	switch p {
	case KeepPrevious:
		return "KeepPrevious"
	case DeactivatePrevious:
		return "DeactivatePrevious"
	case DeletePrevious:
		return "DeletePrevious"
	}
	return fmt.Sprintf("Previous(%d)", int(p))
}

// RotatePolicy says how Rotate treats the certificates a user already has.
type RotatePolicy struct {
	// Previous is what happens to the other certificates after the upload.
	Previous Previous
	// DeleteActiveForRoom allows Rotate, when the user is at IAM's quota of
	// two and holds no Inactive certificate, to delete the oldest Active one
	// to make room. Without it Rotate refuses with ErrLimitExceeded and
	// changes nothing.
	DeleteActiveForRoom bool
}

// Action is one kind of step Rotate takes.
type Action string

// The steps of a rotation.
const (
	ActionDelete     Action = "delete"     // a certificate was deleted
	ActionUpload     Action = "upload"     // the new certificate was uploaded
	ActionActivate   Action = "activate"   // a certificate was made Active
	ActionDeactivate Action = "deactivate" // a certificate was made Inactive
)

// Step is one change Rotate made, or tried to make.
type Step struct {
	Action        Action
	CertificateID string
	// Why says what the step was for, e.g. "make room under the quota".
	Why string
}

// String describes the step, e.g. "delete ASCA... (make room under the quota of 2)".
func (s Step) String() string {
	if s.CertificateID == "" {
		return fmt.Sprintf("%s (%s)", s.Action, s.Why)
	}
	return fmt.Sprintf("%s %s (%s)", s.Action, s.CertificateID, s.Why)
}

// Rotation is the report of a rotation that completed.
type Rotation struct {
	// New is the certificate now attached and Active.
	New *Certificate
	// Steps lists every change made, in order. A rerun that finds the work
	// done reports no steps.
	Steps []Step
	// Certificates is what the user holds at the end.
	Certificates []*Certificate
}

// RotateError reports a rotation that stopped part way, and the state it
// left the user in. It unwraps to the failure, so errors.Is matches its
// sentinel.
type RotateError struct {
	UserName string
	// Done lists the steps that completed before the failure.
	Done []Step
	// Failed is the step that failed; its Action is "" if the failure came
	// before any change (listing the user's certificates).
	Failed Step
	// Certificates is what the user holds now, listed after the failure,
	// or, if that list failed too, as derived from the steps done
	// (StateListed false). When the failure was the first list, nothing is
	// known: Certificates is nil, and the message says so.
	Certificates []*Certificate
	StateListed  bool
	// Err is the failure.
	Err error

	unlisted bool // the failure was the first list: the state is unknown
}

// Error implements the error interface.
func (e *RotateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sigcert: rotate %s: ", userLabel(e.UserName))
	if e.Failed.Action != "" {
		fmt.Fprintf(&b, "%s failed: ", e.Failed)
	}
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "sigcert: "))
	if len(e.Done) == 0 {
		b.WriteString("; nothing was changed")
	} else {
		b.WriteString("; done before the failure: ")
		for i, s := range e.Done {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(s.String())
		}
	}
	switch {
	case e.StateListed:
		b.WriteString("; the user now holds: ")
	case e.unlisted:
		b.WriteString("; could not list the user's certificates")
		return b.String()
	default:
		b.WriteString("; the user should now hold (could not list): ")
	}
	b.WriteString(describe(e.Certificates))
	return b.String()
}

// Unwrap returns Err.
func (e *RotateError) Unwrap() error { return e.Err }

// Rotate puts a new certificate on the user the way IAM's quota of two is
// designed for: upload the new one, then retire the old ones.
//
//  1. Pre-flight, as Upload; a refusal changes nothing.
//  2. If the user is at the quota, make room by deleting the oldest Inactive
//     certificate; an Active one only if policy.DeleteActiveForRoom.
//  3. Upload the new certificate, as Ensure does (a rerun after a crash finds
//     it attached and goes on; if it was left Inactive, it is activated).
//  4. Deactivate or delete the others, as policy.Previous says.
//
// A completed rotation returns every step taken. A failure returns a
// *RotateError naming the steps done, the step that failed, and what the user
// holds now. Rotate never deletes an Active certificate unless the policy
// allows it, so a user who had an Active certificate still has one. A delete
// answered NoSuchEntity counts as done if the user's certificates, listed
// afresh, confirm it is gone: that is how the SDK's retry of a delete whose
// response was lost ends.
func (u *Uploader) Rotate(ctx context.Context, req Request, policy RotatePolicy) (*Rotation, error) {
	if err := u.ready(ctx, "Rotate"); err != nil {
		return nil, err
	}
	parsed, err := u.Check(req)
	if err != nil {
		return nil, err
	}
	defer u.locks.lock(req.UserName)()

	r := &rotation{u: u, ctx: ctx, user: req.UserName}
	held, err := u.List(ctx, req.UserName)
	if err != nil {
		return nil, &RotateError{UserName: req.UserName, Err: err, unlisted: true}
	}
	r.state = held
	want := identity(req.CertificateBody, parsed)
	newIdx := slices.IndexFunc(held, func(c *Certificate) bool { return identity(c.CertificateBody, c.X509) == want })

	var fresh *Certificate
	if newIdx >= 0 {
		fresh = held[newIdx]
		if fresh.Status != types.StatusTypeActive {
			if err := r.setStatus(fresh, types.StatusTypeActive, "the new certificate was attached but not Active"); err != nil {
				return nil, err
			}
		}
	} else {
		if len(held) >= iamspec.CertificatesPerUser {
			victim := roomVictim(held, policy.DeleteActiveForRoom)
			if victim == nil {
				return nil, r.fail(Step{}, fmt.Errorf("%w: the user holds %d Active certificates and the policy does not allow deleting one to make room",
					ErrLimitExceeded, len(held)))
			}
			if err := r.delete(victim, "make room under the quota of "+fmt.Sprint(iamspec.CertificatesPerUser)); err != nil {
				return nil, err
			}
		}
		c, _, err := u.ensureLocked(ctx, req, parsed)
		step := Step{Action: ActionUpload, Why: "the new certificate"}
		if err != nil {
			return nil, r.fail(step, err)
		}
		step.CertificateID = c.CertificateID
		r.done = append(r.done, step)
		r.state = append(r.state, c)
		fresh = c
	}

	for _, old := range slices.Clone(r.state) {
		if old.CertificateID == fresh.CertificateID {
			continue
		}
		switch policy.Previous {
		case DeactivatePrevious:
			if old.Status == types.StatusTypeActive {
				if err := r.setStatus(old, types.StatusTypeInactive, "retire the previous certificate"); err != nil {
					return nil, err
				}
			}
		case DeletePrevious:
			if err := r.delete(old, "retire the previous certificate"); err != nil {
				return nil, err
			}
		}
	}
	return &Rotation{New: fresh, Steps: r.done, Certificates: r.state}, nil
}

// rotation is the state of one Rotate call.
type rotation struct {
	u     *Uploader
	ctx   context.Context
	user  string
	state []*Certificate // what the user holds, as far as this rotation knows
	done  []Step
}

func (r *rotation) delete(c *Certificate, why string) error {
	step := Step{Action: ActionDelete, CertificateID: c.CertificateID, Why: why}
	if err := r.u.Delete(r.ctx, r.user, c.CertificateID); err != nil {
		if !errors.Is(err, ErrNoSuchEntity) || r.ctx.Err() != nil {
			return r.fail(step, err)
		}
		// The SDK retries a delete whose response was lost, and the retry
		// finds the certificate gone: if the user's list confirms it, the
		// step is done.
		now, lerr := r.u.List(r.ctx, r.user)
		if lerr != nil || slices.ContainsFunc(now, func(x *Certificate) bool { return x.CertificateID == c.CertificateID }) {
			return r.failListed(step, err, now, lerr == nil)
		}
	}
	r.done = append(r.done, step)
	r.state = slices.DeleteFunc(r.state, func(x *Certificate) bool { return x.CertificateID == c.CertificateID })
	return nil
}

func (r *rotation) setStatus(c *Certificate, status types.StatusType, why string) error {
	step := Step{Action: ActionDeactivate, CertificateID: c.CertificateID, Why: why}
	if status == types.StatusTypeActive {
		step.Action = ActionActivate
	}
	if err := r.u.SetStatus(r.ctx, r.user, c.CertificateID, status); err != nil {
		return r.fail(step, err)
	}
	r.done = append(r.done, step)
	for i, x := range r.state {
		if x.CertificateID == c.CertificateID {
			cp := *x
			cp.Status = status
			r.state[i] = &cp
		}
	}
	return nil
}

// fail builds the RotateError for a failed step, listing the user's
// certificates afresh to report the state exactly.
func (r *rotation) fail(step Step, err error) error {
	if r.ctx.Err() == nil {
		if now, lerr := r.u.List(r.ctx, r.user); lerr == nil {
			return r.failListed(step, err, now, true)
		}
	}
	return r.failListed(step, err, nil, false)
}

// failListed builds the RotateError for a failed step, given the user's
// certificates as just listed (listed true) or not.
func (r *rotation) failListed(step Step, err error, now []*Certificate, listed bool) error {
	e := &RotateError{UserName: r.user, Done: r.done, Failed: step, Err: err, Certificates: r.state}
	if listed {
		e.Certificates, e.StateListed = now, true
	}
	return e
}

// roomVictim picks the certificate to delete to make room: the oldest
// Inactive one, else the oldest Active one if allowed.
func roomVictim(held []*Certificate, deleteActive bool) *Certificate {
	var victim *Certificate
	for _, c := range held {
		if c.Status == types.StatusTypeActive && !deleteActive {
			continue
		}
		switch {
		case victim == nil,
			victim.Status == types.StatusTypeActive && c.Status != types.StatusTypeActive,
			(victim.Status == types.StatusTypeActive) == (c.Status == types.StatusTypeActive) && c.UploadDate.Before(victim.UploadDate):
			victim = c
		}
	}
	return victim
}

func userLabel(user string) string {
	if user == "" {
		return "(the caller's own user)"
	}
	return user
}

func describe(certs []*Certificate) string {
	if len(certs) == 0 {
		return "no certificates"
	}
	parts := make([]string, len(certs))
	for i, c := range certs {
		parts[i] = fmt.Sprintf("%s (%s)", c.CertificateID, c.Status)
	}
	return strings.Join(parts, ", ")
}
