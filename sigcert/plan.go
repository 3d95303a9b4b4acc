package sigcert

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// This file holds the decisions of Ensure and Rotate: given what the user
// holds, which steps to take. The real calls and the plans run the same
// functions (decideEnsure, decideRotate), so that a plan made on an
// unchanged account is exactly what the call then does.

// Plan is what Ensure or Rotate would do for one user, found with list calls
// only: a dry run.
type Plan struct {
	// Operation is "Ensure" or "Rotate".
	Operation string
	// UserName is the request's user; "" for the caller's own user.
	UserName string
	// Steps are the changes the call would make, in order; none when the
	// user already holds what the request asks for.
	Steps []PlanStep
	// Certificates is what the user holds, as listed for the plan.
	Certificates []*Certificate
	// Holding is the user's certificate that is the request's, or nil if
	// the user does not hold it.
	Holding *Certificate
}

// PlanStep is one change a plan foresees.
type PlanStep struct {
	Action Action
	// CertificateID is the certificate the step acts on; "" for an upload,
	// whose id IAM assigns.
	CertificateID string
	// Reason says what the step is for, as Step.Why does once it is done.
	Reason string
}

// String describes the step, e.g. "delete ASCA... (make room under the quota of 2)".
func (s PlanStep) String() string {
	return Step{Action: s.Action, CertificateID: s.CertificateID, Why: s.Reason}.String()
}

// The reasons steps are taken, shared by plans and the steps done. The 2
// is iamspec.CertificatesPerUser (TestReasonsNameTheQuota).
const (
	reasonAttach        = "the user does not hold the certificate"
	reasonAttachAtQuota = "the user does not hold the certificate but holds IAM's quota of 2: " +
		"expect IAM to refuse it with LimitExceeded (rotate to replace one)"
	reasonUploadNew    = "the new certificate"
	reasonNotActive    = "the new certificate was attached but not Active"
	reasonMakeRoom     = "make room under the quota of 2"
	reasonRetire       = "retire the previous certificate"
	reasonOverTheQuota = "the list shows more certificates than IAM's quota of 2"
)

// PlanEnsure says what Ensure would do for req: nothing when the user holds
// the certificate, else one upload. It runs Ensure's pre-flight and its
// first list (with the same retry budget), and sends no write.
func (u *Uploader) PlanEnsure(ctx context.Context, req Request) (*Plan, error) {
	r, parsed, err := u.begin(ctx, "PlanEnsure", "Ensure", req)
	if err != nil {
		return nil, err
	}
	held, err := r.look()
	if err != nil {
		return nil, err
	}
	want := identity(req.CertificateBody, parsed)
	return &Plan{Operation: r.op, UserName: req.UserName, Steps: decideEnsure(held, want), Certificates: held, Holding: holding(held, want)}, nil
}

// PlanRotate says what Rotate would do for req under policy, with each step's
// certificate and reason. It runs Rotate's pre-flight and its first list
// (with the same retry budget), and sends no write. When Rotate would refuse
// (a user at the quota whom the policy does not allow to make room), the
// error is the *RotateError Rotate would return.
func (u *Uploader) PlanRotate(ctx context.Context, req Request, policy RotatePolicy) (*Plan, error) {
	r, parsed, err := u.begin(ctx, "PlanRotate", "Rotate", req)
	if err != nil {
		return nil, err
	}
	held, err := r.look()
	if err != nil {
		return nil, &RotateError{UserName: req.UserName, Err: err}
	}
	want := identity(req.CertificateBody, parsed)
	steps, err := decideRotate(held, want, policy)
	if err != nil {
		return nil, refusal(req.UserName, held, err)
	}
	return &Plan{Operation: r.op, UserName: req.UserName, Steps: steps, Certificates: held, Holding: holding(held, want)}, nil
}

// decideEnsure returns Ensure's steps: an upload unless the user holds the
// certificate with identity want.
//
// Ensure never frees room (Rotate does): at IAM's quota its upload is still
// sent, for IAM to answer (LimitExceeded, or DuplicateCertificate when
// another user holds the certificate), and the step's reason says which
// answer to expect, so that a plan shows the refusal coming.
func decideEnsure(held []*Certificate, want string) []PlanStep {
	if holding(held, want) != nil {
		return nil
	}
	if len(held) >= iamspec.CertificatesPerUser {
		return []PlanStep{{Action: ActionUpload, Reason: reasonAttachAtQuota}}
	}
	return []PlanStep{{Action: ActionUpload, Reason: reasonAttach}}
}

// decideRotate returns Rotate's steps for a user who holds held:
//
//  1. if the user holds the new certificate, activate it unless Active;
//  2. else, at the quota, delete the oldest Inactive certificate to make
//     room (the oldest Active one only if policy.DeleteActiveForRoom), then
//     upload;
//  3. retire the others as policy.Previous says.
//
// An error is a refusal to change anything.
func decideRotate(held []*Certificate, want string, policy RotatePolicy) ([]PlanStep, error) {
	if len(held) > iamspec.CertificatesPerUser {
		// Not an answer IAM gives for one user: refuse to act on it.
		e := incompleteResponse(iamspec.OpList, nil, fmt.Sprintf("%s (%d)", reasonOverTheQuota, len(held)))
		e.RequestID = held[len(held)-1].RequestID
		return nil, e
	}
	var steps []PlanStep
	fresh := holding(held, want)
	others := make([]*Certificate, 0, len(held))
	for _, c := range held {
		if c != fresh {
			others = append(others, c)
		}
	}
	if fresh != nil {
		if !isActive(fresh) {
			steps = append(steps, PlanStep{Action: ActionActivate, CertificateID: fresh.CertificateID, Reason: reasonNotActive})
		}
	} else {
		if len(held) >= iamspec.CertificatesPerUser {
			victim := roomVictim(held, policy.DeleteActiveForRoom)
			if victim == nil {
				return nil, fmt.Errorf("%w: the user holds %d Active certificates and the policy does not allow deleting one to make room",
					ErrLimitExceeded, len(held))
			}
			steps = append(steps, PlanStep{Action: ActionDelete, CertificateID: victim.CertificateID, Reason: reasonMakeRoom})
			others = removeID(others, victim.CertificateID)
		}
		steps = append(steps, PlanStep{Action: ActionUpload, Reason: reasonUploadNew})
	}
	for _, old := range others {
		switch policy.Previous {
		case DeactivatePrevious:
			if isActive(old) {
				steps = append(steps, PlanStep{Action: ActionDeactivate, CertificateID: old.CertificateID, Reason: reasonRetire})
			}
		case DeletePrevious:
			steps = append(steps, PlanStep{Action: ActionDelete, CertificateID: old.CertificateID, Reason: reasonRetire})
		}
	}
	return steps, nil
}

// roomVictim picks the certificate to delete to make room: the oldest
// Inactive one, else the oldest Active one if allowed.
func roomVictim(held []*Certificate, deleteActive bool) *Certificate {
	var victim *Certificate
	for _, c := range held {
		if isActive(c) && !deleteActive {
			continue
		}
		switch {
		case victim == nil,
			isActive(victim) && !isActive(c),
			isActive(victim) == isActive(c) && c.UploadDate.Before(victim.UploadDate):
			victim = c
		}
	}
	return victim
}

// removeID returns held without the certificate id, leaving held as it was.
func removeID(held []*Certificate, id string) []*Certificate {
	out := make([]*Certificate, 0, len(held))
	for _, c := range held {
		if c.CertificateID != id {
			out = append(out, c)
		}
	}
	return out
}

// statusAfter is the status a step leaves its certificate in.
func statusAfter(a Action) types.StatusType {
	if a == ActionActivate {
		return types.StatusTypeActive
	}
	return types.StatusTypeInactive
}
