package fleet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
)

// TestRerunWhileWritesPropagateDoesNoHarm reruns a finished run at once,
// while IAM's lists do not yet show its writes (the model's propagation
// delay). The rerun sees the old state and uploads again; IAM, which has
// applied the first upload, refuses it as DuplicateCertificate. Today
// sigcert then looks once more and, still not seeing the certificate on
// the user, reports the duplicate (another user might hold it): the entry
// fails, having changed nothing. Either way the rerun must do no harm, and
// a rerun once the writes show finds every user done, with lists alone.
func TestRerunWhileWritesPropagateDoesNoHarm(t *testing.T) {
	const delay = 150 * time.Millisecond
	fake, entries := rotating(t, 5)
	fake.SetPropagationDelay(delay)
	r := &fleet.Runner{API: fake}
	rep, err := r.Run(context.Background(), entries)
	if err != nil || !rep.Done() {
		t.Fatalf("first run: %v %+v", err, rep.Summary)
	}

	rep, err = r.Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range rep.Results {
		if res.Err != nil && !errors.Is(res.Err, sigcert.ErrDuplicateCertificate) {
			t.Errorf("rerun during propagation: %s: %v", res.UserName, res.Err)
		}
	}
	t.Logf("rerun during propagation: %d failed with DuplicateCertificate, %d completed", rep.Summary.Failed, rep.Summary.Changed+rep.Summary.Unchanged)

	time.Sleep(delay) // every write shows now
	for _, e := range entries {
		if diff := cmp.Diff([]types.StatusType{types.StatusTypeInactive, types.StatusTypeActive}, statuses(fake, e.UserName)); diff != "" {
			t.Errorf("%s holds (-want +got):\n%s", e.UserName, diff)
		}
	}
	rep, err = r.Run(context.Background(), entries)
	if err != nil || rep.Summary.Unchanged != len(entries) {
		t.Fatalf("rerun after propagation: %v %+v", err, rep.Summary)
	}
	if diff := cmp.Diff(map[string]int{fleet.OpList: len(entries)}, rep.Summary.Calls); diff != "" {
		t.Errorf("rerun after propagation (-want +got):\n%s", diff)
	}
}
