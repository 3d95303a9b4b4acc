package sigcert_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// everyOption is the options a caller might set to retry harder: none of
// them may lift the workflows' bounds.
func everyOption() []sigcert.Option {
	return []sigcert.Option{
		sigcert.WithRetry(sigcert.Backoff{Attempts: 100, Base: time.Millisecond}),
		sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 4}),
		sigcert.WithAPIOptions(func(o *iam.Options) { o.RetryMaxAttempts = 10 }),
	}
}

// A persistent failure costs Ensure at most 4 uploads, whatever the options:
// the 16 uploads and 5 lists came from the ConcurrentModification
// option nesting inside Ensure's loop.
func TestRetryBudgetBoundsCalls(t *testing.T) {
	for _, code := range []string{iamspec.CodeConcurrentModification, iamspec.CodeServiceFailure, iamspec.CodeThrottling} {
		for _, opts := range [][]sigcert.Option{nil, everyOption()} {
			t.Run(fmt.Sprintf("%s/%d options", code, len(opts)), func(t *testing.T) {
				d := newDouble("Bob")
				d.Script(fault{Op: iamspec.OpUpload, Code: code, Count: 1000})
				_, err := newUploader(d, opts...).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
				if sigcert.Code(err) != code {
					t.Errorf("err = %v, want %s", err, code)
				}
				if u := d.Calls(iamspec.OpUpload); u != sigcert.MaxRetryAttempts {
					t.Errorf("%d uploads, want exactly %d", u, sigcert.MaxRetryAttempts)
				}
				if l := d.Calls(iamspec.OpList); l > ensureMaxLists {
					t.Errorf("%d lists, bound %d", l, ensureMaxLists)
				}
			})
		}
	}
	t.Run("WithRetry lowers the budget", func(t *testing.T) {
		d := newDouble("Bob")
		d.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeThrottling, Count: 1000})
		newUploader(d, sigcert.WithRetry(sigcert.Backoff{Attempts: 2})).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
		if u := d.Calls(iamspec.OpUpload); u != 2 {
			t.Errorf("%d uploads, want 2", u)
		}
	})
}

// Under hostile schedules (any number of faults on any operation, lag
// beyond the propagation wait, every option set to retry harder), Ensure and
// Rotate stay within their documented bounds and never attach the
// certificate twice.
func TestCallBoundsUnderHostileSchedules(t *testing.T) {
	ops := []string{iamspec.OpUpload, iamspec.OpList, iamspec.OpUpdate, iamspec.OpDelete, ""}
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 30))
		d := newDouble("Bob", "Alice")
		before := randomStatuses2(rng, rng.IntN(3))
		prepare(t, d, "Bob", before...)
		d.Lag = rng.IntN(20)
		faults := schedule(rng, ops, 40)
		d.Script(faults...)
		up := newUploader(d, everyOption()...)
		body := newPEM()
		rotate := rng.IntN(2) == 0
		if rotate {
			policy := sigcert.RotatePolicy{Previous: sigcert.Previous(rng.IntN(3)), DeleteActiveForRoom: rng.IntN(2) == 0}
			up.Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body}, policy)
		} else {
			up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		}
		u, l := d.Calls(iamspec.OpUpload), d.Calls(iamspec.OpList)
		w := u + d.Calls(iamspec.OpUpdate) + d.Calls(iamspec.OpDelete)
		switch {
		case !rotate && (u > ensureMaxUploads || l > ensureMaxLists || w != u):
			t.Errorf("seed %d: Ensure made %d uploads, %d writes, %d lists (lag %d, %s)", seed, u, w, l, d.Lag, scheduleText(faults))
		case rotate && (u > rotateMaxUploads || w > rotateMaxWrites || l > rotateMaxLists):
			t.Errorf("seed %d: Rotate made %d uploads, %d writes, %d lists (lag %d, %s)", seed, u, w, l, d.Lag, scheduleText(faults))
		}
		if n, _ := holders(d, body, "Bob", "Alice"); n > 1 {
			t.Errorf("seed %d: attached %d times", seed, n)
		}
	}
}

// The SDK's own retries are off for the workflows' writes, so a write is one
// HTTP request: counted on a real endpoint, a persistent 500 costs Ensure
// exactly 4 upload requests (the SDK alone would make 3 per call, and the
// options ask for 10). A list, safe to repeat, is at most 3 requests: the
// SDK's retryer absorbs a short Throttling, and a persistent one costs at
// most 3 requests per list the budget allows.
func TestSDKRetriesOffInWorkflows(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: iamspec.CodeServiceFailure, Count: 1000})
	up := newUploader(srv.Client(), everyOption()...)
	_, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if sigcert.Code(err) != iamspec.CodeServiceFailure {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Requests(iamspec.OpUpload); n != sigcert.MaxRetryAttempts {
		t.Errorf("%d upload requests, want %d", n, sigcert.MaxRetryAttempts)
	}
	if n := srv.Requests(iamspec.OpList); n > ensureMaxLists {
		t.Errorf("%d list requests, bound %d", n, ensureMaxLists)
	}
	// Lists: two Throttling answers are the SDK's to retry, within one call.
	srv.ClearFaults()
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: iamspec.CodeThrottling, Count: 2})
	lists := srv.Requests(iamspec.OpList)
	d := wrap(srv.Client())
	if _, err := newUploader(d, everyOption()...).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()}); err != nil {
		t.Fatalf("Ensure after 2 Throttling lists: %v", err)
	}
	if n, calls := srv.Requests(iamspec.OpList)-lists, d.Calls(iamspec.OpList); n != 3 || calls != 1 {
		t.Errorf("%d list requests in %d calls, want 3 in 1", n, calls)
	}
	// A persistent Throttling: at most 3 requests per list call, 4 calls.
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: iamspec.CodeThrottling, Count: 1000})
	lists = srv.Requests(iamspec.OpList)
	d = wrap(srv.Client())
	_, err = newUploader(d, everyOption()...).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if sigcert.Code(err) != iamspec.CodeThrottling {
		t.Fatalf("err = %v", err)
	}
	if n, calls := srv.Requests(iamspec.OpList)-lists, d.Calls(iamspec.OpList); n != 3*sigcert.MaxRetryAttempts || calls != sigcert.MaxRetryAttempts {
		t.Errorf("%d list requests in %d calls, want %d in %d", n, calls, 3*sigcert.MaxRetryAttempts, sigcert.MaxRetryAttempts)
	}

	// Upload alone keeps the SDK's retries: that is what its caller chose.
	srv.ClearFaults()
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: iamspec.CodeServiceFailure, Count: 1000})
	before := srv.Requests(iamspec.OpUpload)
	up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if n := srv.Requests(iamspec.OpUpload) - before; n != 10 {
		t.Errorf("Upload with RetryMaxAttempts 10 made %d requests, want 10", n)
	}
}

// Rotate's retries are one budget for all its steps: failures spread over
// the delete, the upload and the deactivate share it.
func TestRotateSharesOneBudget(t *testing.T) {
	d := newDouble("Bob")
	prepare(t, d, "Bob", types.StatusTypeInactive, types.StatusTypeActive)
	d.Script(
		fault{Op: iamspec.OpDelete, Code: iamspec.CodeThrottling},
		fault{Op: iamspec.OpUpload, Code: iamspec.CodeThrottling},
		fault{Op: iamspec.OpUpdate, Code: iamspec.CodeThrottling, Count: 2},
	)
	_, err := newUploader(d).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()},
		sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
	if sigcert.Code(err) != iamspec.CodeThrottling {
		t.Fatalf("err = %v, want the fourth Throttling: the budget has 3 retries", err)
	}
	if w := d.Calls(iamspec.OpDelete) + d.Calls(iamspec.OpUpload) + d.Calls(iamspec.OpUpdate); w != 3+sigcert.MaxRetryAttempts-1 {
		t.Errorf("%d writes, want 3 steps + 3 retries", w)
	}
}

// A workflow's list never makes more HTTP attempts than the caller's own
// client allows: with RetryMaxAttempts 1 (AWS_MAX_ATTEMPTS=1), a throttled
// list is one request per list call, not the workflow's 3.
func TestListAttemptsNeverExceedTheClients(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: iamspec.CodeThrottling, Count: 1000})
	d := wrap(srv.Client(func(o *iam.Options) { o.RetryMaxAttempts = 1 }))
	_, err := newUploader(d, sigcert.WithRetry(sigcert.Backoff{Attempts: 2})).Ensure(context.Background(),
		sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if sigcert.Code(err) != iamspec.CodeThrottling {
		t.Fatalf("err = %v", err)
	}
	if n, calls := srv.Requests(iamspec.OpList), d.Calls(iamspec.OpList); n != calls || calls != 2 {
		t.Errorf("%d list requests in %d calls, want 2 in 2", n, calls)
	}
}
