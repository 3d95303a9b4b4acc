package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
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
		n := &notifyUpload{API: srv.Client(), srv: srv, hangLists: true, returned: make(chan struct{}, 1)}
		up := newUploader(n)
		req := sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM}
		// Ensure now waits (up to 50 ms) before listing again; should the
		// wait be over, the list hangs: either way the cancel must show.
		took, err := cancelWhenSignalled(n.returned, func(ctx context.Context) error { _, err := up.Ensure(ctx, req); return err })
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
		n := &notifyUpload{API: srv.Client(), srv: srv, returned: make(chan struct{}, 1)}
		up := newUploader(n, sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3, Base: time.Hour, Max: time.Hour}))
		req := sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM}
		for _, call := range []struct {
			name string
			f    func(context.Context) error
		}{
			{"Upload", func(ctx context.Context) error { _, err := up.Upload(ctx, req); return err }},
			{"Ensure", func(ctx context.Context) error { _, err := up.Ensure(ctx, req); return err }},
			{"Rotate", func(ctx context.Context) error { _, err := up.Rotate(ctx, req, sigcert.RotatePolicy{}); return err }},
		} {
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification})
			took, err := cancelWhenSignalled(n.returned, call.f)
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

// notifyUpload signals when an upload has returned; with hangLists it first
// makes the next list hang for 5 s.
type notifyUpload struct {
	sigcert.API
	srv       *sigcerttest.Server
	hangLists bool
	returned  chan struct{}
}

func (n *notifyUpload) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, o ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	out, err := n.API.UploadSigningCertificate(ctx, in, o...)
	if n.hangLists {
		n.srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Latency: 5 * time.Second})
	}
	select {
	case n.returned <- struct{}{}:
	default:
	}
	return out, err
}
