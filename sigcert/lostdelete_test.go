package sigcert_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// A delete whose response is lost leaves its outcome unknown: Rotate does
// not send it again (the SDK's retries are off inside workflows) but lists,
// finds the certificate gone, as it wanted, and goes on, reporting the delete
// as done, whether it made room or retired the previous certificate.
func TestRotateLostDeleteResponse(t *testing.T) {
	const A, I = types.StatusTypeActive, types.StatusTypeInactive
	for _, tt := range []struct {
		name   string
		before []types.StatusType
		policy sigcert.RotatePolicy
		steps  []string // "old0", "old1", "new" stand for the ids
		after  []string
	}{
		{"retire", []types.StatusType{A}, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious},
			[]string{"upload new", "delete old0"}, []string{"new:Active"}},
		{"make room", []types.StatusType{I, A}, sigcert.RotatePolicy{Previous: sigcert.KeepPrevious},
			[]string{"delete old0", "upload new"}, []string{"old1:Active", "new:Active"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := sigcerttest.NewServer("Bob")
			defer srv.Close()
			ep := httpEndpoint{srv.Client(), srv}
			ids := seed(t, ep, "Bob", tt.before...)
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpDelete, ApplyThenDrop: true})
			r, err := newUploader(srv.Client()).Rotate(context.Background(),
				sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM}, tt.policy)
			if got := srv.Requests(iamspec.OpDelete); got != 1 {
				t.Errorf("%d delete requests, want 1 (the lost one, confirmed by listing)", got)
			}
			if err != nil {
				var re *sigcert.RotateError
				if errors.As(err, &re) {
					t.Fatalf("Rotate: %v (done %v, Bob holds %v)", err, re.Done, held(ep, "Bob"))
				}
				t.Fatalf("Rotate: %v", err)
			}
			names := func(in []string) []string {
				var out []string
				for _, s := range in {
					out = append(out, map[string]string{
						"upload new": "upload " + r.New.CertificateID, "delete old0": "delete " + ids[0],
						"new:Active": r.New.CertificateID + ":Active", "old1:Active": at(ids, 1) + ":Active",
					}[s])
				}
				return out
			}
			if diff := cmp.Diff(names(tt.steps), actions(r.Steps)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names(tt.after), held(ep, "Bob")); diff != "" {
				t.Errorf("Bob holds (-want +got):\n%s", diff)
			}
		})
	}
}
