package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// attachBody puts body on user with status, behind the workflows' back.
func attachBody(t *testing.T, d *double, user, body string, status types.StatusType) {
	t.Helper()
	out, err := d.fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &body})
	if err != nil {
		t.Fatal(err)
	}
	if status != types.StatusTypeActive {
		if _, err := d.fake.UpdateSigningCertificate(context.Background(), &iam.UpdateSigningCertificateInput{UserName: &user, CertificateId: out.Certificate.CertificateId, Status: status}); err != nil {
			t.Fatal(err)
		}
	}
}

// planState is one account state for the plan tests: the statuses of the
// user's other certificates, and the new certificate's if already held.
type planState struct {
	others []types.StatusType
	held   types.StatusType // "": the new certificate is not held
}

func planStates() []planState {
	A, I := types.StatusTypeActive, types.StatusTypeInactive
	var out []planState
	for _, others := range [][]types.StatusType{nil, {A}, {I}, {A, A}, {A, I}, {I, A}, {I, I}} {
		out = append(out, planState{others: others})
		if len(others) < 2 {
			out = append(out, planState{others: others, held: A}, planState{others: others, held: I})
		}
	}
	return out
}

func writes(d *double) int {
	return d.Calls(iamspec.OpUpload) + d.Calls(iamspec.OpUpdate) + d.Calls(iamspec.OpDelete)
}

// planned turns a plan's steps into the Steps the call reports, the upload's
// id (which IAM assigns) taken from the call.
func planned(p *sigcert.Plan, r *sigcert.Rotation) []sigcert.Step {
	var out []sigcert.Step
	for _, s := range p.Steps {
		st := sigcert.Step{Action: s.Action, CertificateID: s.CertificateID, Why: s.Reason}
		if s.Action == sigcert.ActionUpload && r != nil && r.New != nil {
			st.CertificateID = r.New.CertificateID
		}
		out = append(out, st)
	}
	return out
}

// On an unchanged account, a plan is exactly what the call then does: over
// every state a user can be in (0-2 certificates, each Active or Inactive,
// the new one among them or not) and every policy, PlanRotate's steps are
// Rotate's, and PlanEnsure's upload happens exactly when Ensure uploads.
// Plans send no write.
func TestPlanIsWhatApplyDoes(t *testing.T) {
	ctx := context.Background()
	n := 0
	for _, st := range planStates() {
		for _, prev := range []sigcert.Previous{sigcert.KeepPrevious, sigcert.DeactivatePrevious, sigcert.DeletePrevious} {
			for _, room := range []bool{false, true} {
				policy := sigcert.RotatePolicy{Previous: prev, DeleteActiveForRoom: room}
				name := fmt.Sprintf("%v held %q %v room %v", st.others, st.held, prev, room)
				d := newDouble("Bob")
				prepare(t, d, "Bob", st.others...)
				body := newPEM()
				if st.held != "" {
					attachBody(t, d, "Bob", body, st.held)
				}
				up := newUploader(d)
				req := sigcert.Request{UserName: "Bob", CertificateBody: body}
				plan, perr := up.PlanRotate(ctx, req, policy)
				if w := writes(d); w != 0 {
					t.Fatalf("%s: PlanRotate sent %d writes", name, w)
				}
				r, err := up.Rotate(ctx, req, policy)
				n++
				if perr != nil || err != nil {
					if !errors.Is(perr, sigcert.ErrLimitExceeded) || !errors.Is(err, sigcert.ErrLimitExceeded) || writes(d) != 0 {
						t.Errorf("%s: plan %v, apply %v (%d writes); want both refused alike, nothing written", name, perr, err, writes(d))
					}
					continue
				}
				if diff := cmp.Diff(planned(plan, r), r.Steps); diff != "" {
					t.Errorf("%s: plan (-) and apply (+) differ:\n%s", name, diff)
				}
				wantHeld := len(st.others)
				if st.held != "" {
					wantHeld++
				}
				if plan.UserName != "Bob" || plan.Operation != "Rotate" || len(plan.Certificates) != wantHeld {
					t.Errorf("%s: plan %+v", name, plan)
				}
			}
		}
		// Ensure, from a fresh copy of the state.
		d := newDouble("Bob")
		prepare(t, d, "Bob", st.others...)
		body := newPEM()
		if st.held != "" {
			attachBody(t, d, "Bob", body, st.held)
		}
		up := newUploader(d)
		req := sigcert.Request{UserName: "Bob", CertificateBody: body}
		plan, err := up.PlanEnsure(ctx, req)
		if err != nil || writes(d) != 0 {
			t.Fatalf("PlanEnsure: %v, %d writes", err, writes(d))
		}
		_, err = up.Ensure(ctx, req)
		n++
		uploads := d.Calls(iamspec.OpUpload)
		if len(plan.Steps) != uploads || (uploads == 1 && plan.Steps[0].Action != sigcert.ActionUpload) {
			t.Errorf("%v held %q: plan %v, apply made %d uploads (%v)", st.others, st.held, plan.Steps, uploads, err)
		}
		if (plan.Holding != nil) != (st.held != "") {
			t.Errorf("%v held %q: plan.Holding %v", st.others, st.held, plan.Holding)
		}
	}
	if n < 90 {
		t.Errorf("only %d states compared", n)
	}
}

// A list showing more certificates than IAM's quota is not IAM's answer for
// one user: Rotate and PlanRotate refuse to act on it, with a *ServiceError
// matching ErrIncompleteResponse that names the list's request id.
func TestRotateRefusesAListOverTheQuota(t *testing.T) {
	d := mock(nil)
	d.ListPage = answer(page(7, false, "", listed("A1234567890123456789012345"), listed("B1234567890123456789012345"), listed("C1234567890123456789012345")))
	up := newUploader(d)
	req := sigcert.Request{UserName: "Bob", CertificateBody: newPEM()}
	_, perr := up.PlanRotate(context.Background(), req, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious})
	_, err := up.Rotate(context.Background(), req, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious})
	for _, err := range []error{perr, err} {
		var se *sigcert.ServiceError
		if !errors.Is(err, sigcert.ErrIncompleteResponse) || !errors.As(err, &se) || se.RequestID != "req-7" {
			t.Errorf("err = %v, want a *ServiceError matching ErrIncompleteResponse with request id req-7", err)
		}
	}
	if writes(d) != 0 {
		t.Errorf("%d writes", writes(d))
	}
}
