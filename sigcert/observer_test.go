package sigcert_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// The step observer sees each step start and end, in order, with the
// certificate, the reason, and the error of a failed step.
func TestStepObserverSeesEachStep(t *testing.T) {
	d := newDouble("Bob")
	prepare(t, d, "Bob", types.StatusTypeInactive, types.StatusTypeActive)
	var events []sigcert.StepEvent
	up := newUploader(d, sigcert.WithStepObserver(func(e sigcert.StepEvent) { events = append(events, e) }))
	r, err := up.Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()},
		sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, s := range r.Steps {
		want = append(want, "start "+string(s.Action), "end "+string(s.Action)+" "+s.CertificateID+" "+s.Why)
	}
	for _, e := range events {
		if e.Operation != "Rotate" || e.UserName != "Bob" || e.Err != nil || e.Duration < 0 {
			t.Errorf("event %+v", e)
		}
		if e.Done {
			got = append(got, "end "+string(e.Action)+" "+e.CertificateID+" "+e.Reason)
		} else {
			got = append(got, "start "+string(e.Action))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || len(r.Steps) != 3 {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// A failed step ends with its error.
	events = nil
	d.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeLimitExceeded})
	_, err = up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if len(events) != 2 || events[0].Done || !events[1].Done || !errors.Is(events[1].Err, sigcert.ErrLimitExceeded) || !errors.Is(err, sigcert.ErrLimitExceeded) {
		t.Errorf("events %+v, err %v", events, err)
	}
}
