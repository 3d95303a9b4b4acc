package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// An upload IAM applied but answered 500 or 503, or whose answer was lost,
// with the user's list lagging behind: Ensure waits for the list to show it
// and returns it, without a second upload and without an error.
func TestPropagationWaitFindsAnAppliedUpload(t *testing.T) {
	for _, f := range []fault{
		{Op: iamspec.OpUpload, Kind: applyThen, Code: "InternalFailure", Status: 500},
		{Op: iamspec.OpUpload, Kind: applyThen, Code: "ServiceUnavailable", Status: 503},
		{Op: iamspec.OpUpload, Kind: lost},
	} {
		t.Run(f.String(), func(t *testing.T) {
			d := newDouble("Bob")
			d.Lag = 5
			d.Script(f)
			clock := newSimClock()
			up := sigcert.NewUploader(d, sigcert.WithWait(clock.wait))
			got, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
			if err != nil {
				t.Fatalf("Ensure: %v", err)
			}
			if u := d.Calls(iamspec.OpUpload); u != 1 {
				t.Errorf("%d uploads, want 1", u)
			}
			if l := d.Calls(iamspec.OpList); l != 1+6 {
				t.Errorf("%d lists, want the first and 6 more (5 stale, then the one that shows it)", l)
			}
			if got == nil || got.CertificateID == "" {
				t.Errorf("got %v", got)
			}
			waited, _ := clock.total()
			if waited <= 0 || waited >= sigcert.DefaultPropagationWait {
				t.Errorf("waited %v, want some, within the window %v", waited, sigcert.DefaultPropagationWait)
			}
		})
	}
}

// The propagation wait is bounded by its window: with a lag longer than the
// window, Ensure waits just under the window per uncertain upload, and never
// longer in all than its retries allow.
func TestPropagationWaitIsBounded(t *testing.T) {
	for _, window := range []time.Duration{0, time.Second, sigcert.DefaultPropagationWait, time.Minute} {
		d := newDouble("Bob")
		d.Lag = 1000
		d.Script(fault{Op: iamspec.OpUpload, Kind: dropped, Count: 1000})
		clock := newSimClock()
		up := sigcert.NewUploader(d, sigcert.WithWait(clock.wait), sigcert.WithPropagationWait(window),
			sigcert.WithRetry(sigcert.Backoff{Attempts: 4, Base: time.Millisecond, Max: time.Millisecond}))
		_, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
		if !sigcert.OutcomeUnknown(err) {
			t.Errorf("window %v: err = %v, want the transport failure", window, err)
		}
		waited, _ := clock.total()
		// 4 uploads, each followed by a wait of 127/128 of the window, and
		// 3 backoffs of at most 1 ms.
		if max := 4*window*127/128 + 3*time.Millisecond; waited > max || (window > 0 && waited < 4*window*127/128) {
			t.Errorf("window %v: waited %v, want about %v", window, waited, max)
		}
		if l, want := d.Calls(iamspec.OpList), 1+4*8; window > 0 && l != want {
			t.Errorf("window %v: %d lists, want %d", window, l, want)
		}
	}
}

// A DuplicateCertificate to a first upload, with nothing uncertain before
// it, is reported at once: one more list, no wait, no second upload.
func TestDuplicateOnFirstUploadReportedAtOnce(t *testing.T) {
	d := newDouble("Bob", "Alice")
	body := newPEM()
	if _, err := newUploader(d).Upload(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: body}); err != nil {
		t.Fatal(err)
	}
	clock := newSimClock()
	_, err := sigcert.NewUploader(d, sigcert.WithWait(clock.wait)).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
	if !errors.Is(err, sigcert.ErrDuplicateCertificate) {
		t.Fatalf("err = %v, want ErrDuplicateCertificate", err)
	}
	if waited, n := clock.total(); n != 0 {
		t.Errorf("waited %v in %d waits, want none", waited, n)
	}
	if u, l := d.Calls(iamspec.OpUpload), d.Calls(iamspec.OpList); u != 2 || l != 2 {
		t.Errorf("%d uploads (Alice's and Bob's), %d lists; want 2 and 2", u, l)
	}
}

// After an uncertain upload, a DuplicateCertificate means "applied, maybe
// not visible yet": Ensure waits for the list to show it rather than report
// it. This is the lost-response sequence.
func TestDuplicateAfterLostUploadIsResolvedByWaiting(t *testing.T) {
	d := newDouble("Bob")
	d.Lag = 7
	// The first upload is lost; the lag hides it from the wait that follows
	// only if the wait were shorter: here the second upload is reached only
	// when the window is zero.
	d.Script(fault{Op: iamspec.OpUpload, Kind: lost})
	up := newUploader(d, sigcert.WithPropagationWait(0))
	got, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	// With no window, the second upload meets DuplicateCertificate and the
	// list still lags: the error is honest about it.
	if err == nil || !errors.Is(err, sigcert.ErrDuplicateCertificate) {
		t.Fatalf("with no propagation wait: got %v, %v; want ErrDuplicateCertificate", got, err)
	}
	d = newDouble("Bob")
	d.Lag = 7
	d.Script(fault{Op: iamspec.OpUpload, Kind: lost})
	if _, err := newUploader(d).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()}); err != nil {
		t.Errorf("with the default wait: %v", err)
	}
	if u := d.Calls(iamspec.OpUpload); u != 1 {
		t.Errorf("%d uploads, want 1", u)
	}
}

// The propagation wait ends the moment the context does.
func TestPropagationWaitHonoursContext(t *testing.T) {
	d := newDouble("Bob")
	d.Lag = 1000
	d.Script(fault{Op: iamspec.OpUpload, Kind: lost})
	ctx, cancel := context.WithCancel(context.Background())
	waits := 0
	up := sigcert.NewUploader(d, sigcert.WithWait(func(ctx context.Context, d time.Duration) error {
		if waits++; waits == 3 {
			cancel()
		}
		return ctx.Err()
	}))
	_, err := up.Ensure(ctx, sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if !errors.Is(err, context.Canceled) || !sigcert.OutcomeUnknown(err) {
		t.Errorf("err = %v, want the lost upload and context.Canceled", err)
	}
	if l := d.Calls(iamspec.OpList); l != 1+3 {
		t.Errorf("%d lists, want 4: none after the cancel", l)
	}
}

// Rotate settles its writes by IAM's answers: an update or delete IAM
// applied but answered 503 (or whose answer was lost), with the list
// lagging, is sent once more (both are idempotent: the update answers
// success, the delete NoSuchEntity) and not reported as failed; an upload is
// confirmed by waiting for the list, not sent twice, and the certificate the
// list found is then activated, with IAM's answer, before the previous one is
// retired.
func TestRotateSettlesAppliedWrites(t *testing.T) {
	for _, tt := range []struct {
		op    string
		calls int
		steps []sigcert.Action
	}{
		{iamspec.OpDelete, 2, []sigcert.Action{sigcert.ActionDelete, sigcert.ActionUpload, sigcert.ActionDeactivate}},
		{iamspec.OpUpload, 1, []sigcert.Action{sigcert.ActionDelete, sigcert.ActionUpload, sigcert.ActionActivate, sigcert.ActionDeactivate}},
		{iamspec.OpUpdate, 2, []sigcert.Action{sigcert.ActionDelete, sigcert.ActionUpload, sigcert.ActionDeactivate}},
	} {
		for _, kind := range []faultKind{applyThen, lost} {
			f := fault{Op: tt.op, Kind: kind, Code: "ServiceUnavailable", Status: 503}
			t.Run(f.String(), func(t *testing.T) {
				d := newDouble("Bob")
				prepare(t, d, "Bob", types.StatusTypeInactive, types.StatusTypeActive)
				d.Lag = 5
				d.Script(f)
				body := newPEM()
				r, err := newUploader(d).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body},
					sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
				if err != nil {
					t.Fatalf("Rotate: %v", err)
				}
				var got []sigcert.Action
				for _, s := range r.Steps {
					got = append(got, s.Action)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.steps) {
					t.Errorf("steps %v, want %v", r.Steps, tt.steps)
				}
				if n := d.Calls(tt.op); n != tt.calls {
					t.Errorf("%d calls of %s, want %d", n, tt.op, tt.calls)
				}
				if n, st := holders(d, body, "Bob"); n != 1 || st != types.StatusTypeActive {
					t.Errorf("Bob holds the new certificate %d times, %s", n, st)
				}
			})
		}
	}
}
