package sigcert

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
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
	// changes nothing. The delete comes before the upload, and only IAM can
	// say whether it takes the upload: if it refuses it (DuplicateCertificate
	// when another user holds the certificate, MalformedCertificate), the
	// deleted certificate is gone, and the *RotateError says so.
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
// The steps are decided by the code PlanRotate runs, so a plan made on an
// unchanged account is what Rotate does. A completed rotation returns every
// step taken. A failure returns a *RotateError naming the steps done, the
// step that failed, and what the user holds now. Rotate never deletes an
// Active certificate unless the policy allows it, and it has IAM answer that
// the new certificate is Active before retiring an old one, so a user who had
// an Active certificate still has one (under the assumption below).
//
// An update or delete whose answer leaves its outcome unknown is sent again,
// within the call's one retry budget: both are idempotent in effect, so
// IAM's answer to the resend settles it (success; for a delete, NoSuchEntity
// after an earlier attempt's unknown outcome, or when the user's list, taken
// afresh, confirms the certificate is gone). A list, which can lag, is not
// taken as proof while the budget lasts. When it is spent, a deactivation or
// delete counts as done if the user's list shows it within the propagation
// window; an activation never does: Rotate stops before retiring anything,
// with a *RotateError whose Failed step is the activation. So the previous
// certificates are retired only after IAM has answered that the new one is
// Active: its upload's answer (a new certificate is Active), or an answer to
// its activation. The upload is confirmed by listing, as in Ensure; if a list
// rather than the upload's answer found it, Rotate activates it (IAM's answer
// again) before retiring any other.
//
// When the user already holds the new certificate, a list is all Rotate
// knows of its status: the promises assume that status did not change within
// IAM's propagation delay before the call (a list may still show the status
// from before such a change).
//
// Bounds, whatever the options, with A the retry attempts (at most 4): at
// most A uploads, A+3 writes (7), each one HTTP request, and 8A+26 list
// calls (58), each at most 3 HTTP requests. Locking is as for Ensure.
func (u *Uploader) Rotate(ctx context.Context, req Request, policy RotatePolicy) (*Rotation, error) {
	r, parsed, err := u.begin(ctx, "Rotate", "Rotate", req)
	if err != nil {
		return nil, err
	}
	unlock, err := r.lock()
	if err != nil {
		return nil, &RotateError{UserName: req.UserName, Err: err}
	}
	defer unlock()
	held, err := r.look()
	if err != nil {
		return nil, &RotateError{UserName: req.UserName, Err: err}
	}
	want := identity(req.CertificateBody, parsed)
	steps, err := decideRotate(held, want, policy)
	if err != nil {
		return nil, refusal(req.UserName, held, err)
	}
	rot := &rotation{run: r, state: held}
	for i, s := range steps {
		var err error
		switch s.Action {
		case ActionUpload:
			var c *Certificate
			var answered bool
			if c, answered, err = rot.upload(s, req, parsed, want); err == nil && (!isActive(c) || !answered && retires(steps[i+1:])) {
				// Found attached by a list, not put there by an upload
				// this call saw answered (an earlier run's upload that a
				// stale list hid): its listed status may lag, so activate
				// it, and have IAM's answer confirm it, before any retiring.
				err = rot.setStatus(PlanStep{Action: ActionActivate, CertificateID: c.CertificateID, Reason: reasonNotActive})
			}
		case ActionActivate, ActionDeactivate:
			err = rot.setStatus(s)
		case ActionDelete:
			err = rot.delete(s)
		}
		if err != nil {
			return nil, err
		}
	}
	return &Rotation{New: holding(rot.state, want), Steps: rot.done, Certificates: rot.state}, nil
}

// rotation is the state of one Rotate call.
type rotation struct {
	*run
	state []*Certificate // what the user holds, as far as this rotation knows
	done  []Step
}

func (r *rotation) upload(s PlanStep, req Request, parsed *x509.Certificate, want string) (got *Certificate, answered bool, err error) {
	_, err = r.step(s, func() (string, error) {
		c, ok, err := r.attach(req, parsed, want)
		if err != nil {
			return "", err
		}
		got, answered = c, ok
		return c.CertificateID, nil
	})
	if err != nil {
		return nil, false, r.fail(s, err)
	}
	r.finish(s, got.CertificateID)
	if !holdsID(r.state, got.CertificateID) {
		r.state = append(r.state, got)
	}
	return got, answered, nil
}

func (r *rotation) setStatus(s PlanStep) error {
	status := statusAfter(s.Action)
	_, err := r.step(s, func() (string, error) {
		return s.CertificateID, r.write(
			func() error { return r.u.setStatus(r.ctx, r.user, s.CertificateID, status, r.optFns, false) },
			func(held []*Certificate) bool { return hasStatus(held, s.CertificateID, status) },
			false, s.Action != ActionActivate)
	})
	if err != nil {
		return r.fail(s, err)
	}
	r.finish(s, s.CertificateID)
	r.state = withStatus(r.state, s.CertificateID, status)
	return nil
}

func (r *rotation) delete(s PlanStep) error {
	_, err := r.step(s, func() (string, error) {
		return s.CertificateID, r.write(
			func() error { return r.u.delete(r.ctx, r.user, s.CertificateID, r.optFns, false) },
			func(held []*Certificate) bool { return !holdsID(held, s.CertificateID) },
			true, true)
	})
	if err != nil {
		return r.fail(s, err)
	}
	r.finish(s, s.CertificateID)
	r.state = removeID(r.state, s.CertificateID)
	return nil
}

// finish records step s as done.
func (r *rotation) finish(s PlanStep, id string) {
	r.done = append(r.done, Step{Action: s.Action, CertificateID: id, Why: s.Reason})
}

// write sends one update or delete. Both are idempotent in effect: sent
// again, a change IAM already applied changes nothing (an update answers
// success, a delete NoSuchEntity). So an answer that leaves the outcome
// unknown is settled by sending again, within the call's budget, and IAM's
// answer then says the change is made; a list cannot say so, since it may
// lag, and show a status from before a change that did not happen. Only
// when the budget is spent, and only if byList, does write fall back to
// listing until applied says the change shows, over the propagation window;
// otherwise the unknown outcome is the error. gone marks a delete, whose
// NoSuchEntity means done when confirmed.
func (r *run) write(send func() error, applied func([]*Certificate) bool, gone, byList bool) error {
	uncertain := false
	for {
		err := send()
		if err == nil {
			return nil
		}
		if cerr := r.ctx.Err(); cerr != nil {
			return ended(err, cerr)
		}
		if gone && errors.Is(err, ErrNoSuchEntity) {
			if uncertain {
				return nil // an earlier attempt of ours deleted it
			}
			if held, lerr := r.list(); lerr == nil && applied(held) {
				return nil // someone else deleted it: the state is as wanted
			}
			if cerr := r.ctx.Err(); cerr != nil {
				return ended(err, cerr)
			}
			return err
		}
		if !OutcomeUnknown(err) {
			return err
		}
		uncertain = true
		ok, rerr := r.again(err)
		if ok {
			continue // send again: IAM's answer settles it
		}
		if !byList || r.ctx.Err() != nil {
			return rerr
		}
		// The budget is spent: the list is all that is left.
		_, seen, aerr := r.await(applied)
		if aerr != nil {
			if cerr := r.ctx.Err(); cerr != nil {
				return ended(err, cerr)
			}
			return aerr
		}
		if seen {
			return nil
		}
		return err
	}
}

// retires reports whether steps deactivate or delete a certificate.
func retires(steps []PlanStep) bool {
	for _, s := range steps {
		if s.Action == ActionDeactivate || s.Action == ActionDelete {
			return true
		}
	}
	return false
}

// fail builds the RotateError for a failed step, listing the user's
// certificates afresh (one request) to report the state exactly.
func (r *rotation) fail(s PlanStep, err error) error {
	e := &RotateError{UserName: r.user, Done: r.done, Err: err, Certificates: r.state, State: RotateStateDerived,
		Failed: Step{Action: s.Action, CertificateID: s.CertificateID, Why: s.Reason}}
	if r.ctx.Err() == nil {
		if now, lerr := r.list(); lerr == nil {
			e.Certificates, e.State = now, RotateStateListed
		}
	}
	e.StateListed = e.State == RotateStateListed
	return e
}

// refusal is the RotateError of a rotation that changed nothing because the
// decision refused, with the user's certificates as just listed.
func refusal(user string, held []*Certificate, err error) error {
	return &RotateError{UserName: user, Err: err, Certificates: held, State: RotateStateListed, StateListed: true}
}
