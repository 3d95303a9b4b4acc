package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// Cancelled while waiting to retry (Ensure's own loop, and the
// ConcurrentModification retry with an hour's backoff), the error still
// matches context.Canceled, as well as the failure it was waiting to retry,
// and the Uploader stays usable.
func TestCancelDuringRetryWait(t *testing.T) {
	t.Run("Ensure", func(t *testing.T) {
		srv := sigcerttest.NewServer("Bob")
		t.Cleanup(srv.Close)
		srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: iamspec.CodeServiceFailure})
		n, returned := notifyUploads(srv, true)
		up := newUploader(n)
		req := sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}
		// Ensure now waits (up to 50 ms) before listing again; should the
		// wait be over, the list hangs: either way the cancel must show.
		took, err := cancelWhenSignalled(returned, func(ctx context.Context) error { _, err := up.Ensure(ctx, req); return err })
		if took >= time.Second {
			t.Errorf("returned %v after the cancel", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if h := held(httpEndpoint{srv.Client(), srv}, "Bob"); len(h) != 0 {
			t.Errorf("Bob holds %v", h)
		}
		srv.ClearFaults()
		if _, err := up.Ensure(context.Background(), req); err != nil {
			t.Errorf("after the cancel: %v", err)
		}
	})
	t.Run("ConcurrentModification", func(t *testing.T) {
		srv := sigcerttest.NewServer("Bob")
		t.Cleanup(srv.Close)
		n, returned := notifyUploads(srv, false)
		up := newUploader(n, sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3, Base: time.Hour, Max: time.Hour}))
		req := sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}
		for _, call := range []struct {
			name string
			f    func(context.Context) error
		}{
			{"Upload", func(ctx context.Context) error { _, err := up.Upload(ctx, req); return err }},
			{"Ensure", func(ctx context.Context) error { _, err := up.Ensure(ctx, req); return err }},
			{"Rotate", func(ctx context.Context) error { _, err := up.Rotate(ctx, req, sigcert.RotatePolicy{}); return err }},
		} {
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification})
			took, err := cancelWhenSignalled(returned, call.f)
			if took >= time.Second {
				t.Errorf("%s: returned %v after the cancel", call.name, took)
			}
			if !errors.Is(err, context.Canceled) || !errors.Is(err, sigcert.ErrConcurrentModification) {
				t.Errorf("%s: err = %v, want context.Canceled and the ConcurrentModification it was waiting to retry", call.name, err)
			}
		}
		if h := held(httpEndpoint{srv.Client(), srv}, "Bob"); len(h) != 0 {
			t.Errorf("Bob holds %v", h)
		}
		if _, err := up.Upload(context.Background(), req); err != nil {
			t.Errorf("after the cancels: %v", err)
		}
	})
}

// cancelWhenSignalled runs call with a context it cancels when signal
// fires, and returns how long call took to return after the cancel, and its
// error.
func cancelWhenSignalled(signal <-chan struct{}, call func(context.Context) error) (time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	select {
	case <-signal:
	case err := <-done:
		return 0, fmt.Errorf("returned before the signal: %w", err)
	}
	start := time.Now()
	cancel()
	err := <-done
	return time.Since(start), err
}

// notifyUploads returns a double over srv's client that signals on
// returned when an upload has returned; with hangLists it first makes the
// next list hang for 5 s.
func notifyUploads(srv *sigcerttest.Server, hangLists bool) (d *double, returned chan struct{}) {
	d, returned = wrap(srv.Client()), make(chan struct{}, 1)
	d.After = func(ctx context.Context, op string, err error) {
		if op != iamspec.OpUpload {
			return
		}
		if hangLists {
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Latency: 5 * time.Second})
		}
		select {
		case returned <- struct{}{}:
		default:
		}
	}
	return d, returned
}

// Cancellation: the endpoint hangs for 5 s on one request; cancelling the
// context must end the call at once with context.Canceled, leave the user's
// certificates as the error says, and leave the Uploader usable.
func TestCancelReturnsPromptly(t *testing.T) {
	const A, I = types.StatusTypeActive, types.StatusTypeInactive
	deactivate := sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}
	upload := func(ctx context.Context, up *sigcert.Uploader, req sigcert.Request) error {
		_, err := up.Upload(ctx, req)
		return err
	}
	ensure := func(ctx context.Context, up *sigcert.Uploader, req sigcert.Request) error {
		_, err := up.Ensure(ctx, req)
		return err
	}
	rotate := func(ctx context.Context, up *sigcert.Uploader, req sigcert.Request) error {
		_, err := up.Rotate(ctx, req, deactivate)
		return err
	}
	tests := []struct {
		name string
		held []types.StatusType // Bob's certificates before
		hang string             // the operation whose request hangs
		call func(context.Context, *sigcert.Uploader, sigcert.Request) error
		done []sigcert.Action // the steps a cancelled Rotate reports done
	}{
		{"Upload", nil, iamspec.OpUpload, upload, nil},
		{"Ensure/list", nil, iamspec.OpList, ensure, nil},
		{"Ensure/upload", []types.StatusType{A}, iamspec.OpUpload, ensure, nil},
		{"Rotate/list", []types.StatusType{A}, iamspec.OpList, rotate, nil},
		{"Rotate/upload after making room", []types.StatusType{I, A}, iamspec.OpUpload, rotate, []sigcert.Action{sigcert.ActionDelete}},
		{"Rotate/deactivate", []types.StatusType{A}, iamspec.OpUpdate, rotate, []sigcert.Action{sigcert.ActionUpload}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sigcerttest.NewServer("Bob")
			t.Cleanup(srv.Close)
			ep := httpEndpoint{srv.Client(), srv}
			seed(t, ep, "Bob", tt.held...)
			initial := stateOf(srv, "Bob")
			c := sigcerttest.NewCert()
			req := sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}
			up := newUploader(srv.Client())

			srv.Inject(sigcerttest.Fault{Action: tt.hang, Latency: 5 * time.Second})
			took, err := cancelWhenSent(t, srv, tt.hang, func(ctx context.Context) error { return tt.call(ctx, up, req) })
			if took >= time.Second {
				t.Errorf("returned %v after the cancel, want well under a second", took)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			var re *sigcert.RotateError
			if errors.As(err, &re) {
				var got []sigcert.Action
				for _, s := range re.Done {
					got = append(got, s.Action)
				}
				if !slices.Equal(got, tt.done) {
					t.Errorf("RotateError.Done = %v, want actions %v", re.Done, tt.done)
				}
				afterDone, rerr := replaySteps(initial, re.Done, deactivate, fingerprintOf(c.DER))
				if rerr != nil || !afterDone.equal(stateOf(srv, "Bob")) {
					t.Errorf("Done %v from %v gives %v (%v); Bob holds %v", re.Done, initial, afterDone, rerr, stateOf(srv, "Bob"))
				}
				if re.StateListed || (re.Failed.Action != "" && !reported(re.Certificates).equal(afterDone)) {
					t.Errorf("cancelled: StateListed %v, Certificates %v, want derived %v", re.StateListed, reported(re.Certificates), afterDone)
				}
			} else if tt.done != nil {
				t.Errorf("err is %T, want a *RotateError", err)
			}

			// The same Uploader, the endpoint answering again.
			srv.ClearFaults()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // guards against a stuck user lock
			defer cancel()
			if err := tt.call(ctx, up, req); err != nil {
				t.Fatalf("after the cancel, with the faults cleared: %v", err)
			}
			if n := copiesOf(srv, fingerprintOf(c.DER), "Bob"); n != 1 {
				t.Errorf("Bob holds %d copies, want 1: %v", n, stateOf(srv, "Bob"))
			}
		})
	}
}

// cancelWhenSent runs call with a context it cancels as soon as the server
// has received a request of action, and returns how long call took to
// return after the cancel, and its error.
func cancelWhenSent(t *testing.T, srv *sigcerttest.Server, action string, call func(context.Context) error) (time.Duration, error) {
	t.Helper()
	before := srv.Requests(action)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); srv.Requests(action) == before; time.Sleep(time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("returned before sending %s: %v", action, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s request within 10 s", action)
		}
	}
	start := time.Now()
	cancel()
	err := <-done
	return time.Since(start), err
}
