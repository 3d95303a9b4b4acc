package sigcert_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestConcurrentModificationRetry(t *testing.T) {
	body := sigcerttest.NewCert().PEM
	ctx := context.Background()
	fast := sigcert.Backoff{Attempts: 3, Base: time.Microsecond}

	s := newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 2})
	if _, err := newUploader(s, sigcert.WithConcurrentModificationRetry(fast)).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: body}); err != nil {
		t.Errorf("two ConcurrentModification then success, 3 attempts: %v", err)
	}
	if s.Calls(iamspec.OpUpload) != 3 {
		t.Errorf("%d attempts, want 3", s.Calls(iamspec.OpUpload))
	}

	s = newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 3})
	_, err := newUploader(s, sigcert.WithConcurrentModificationRetry(fast)).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: body})
	if !errors.Is(err, sigcert.ErrConcurrentModification) || s.Calls(iamspec.OpUpload) != 3 {
		t.Errorf("bounded: err = %v after %d attempts, want ErrConcurrentModification after 3", err, s.Calls(iamspec.OpUpload))
	}

	s = newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 1})
	if _, err := newUploader(s).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: body}); !errors.Is(err, sigcert.ErrConcurrentModification) || s.Calls(iamspec.OpUpload) != 1 {
		t.Errorf("off by default: err = %v after %d attempts", err, s.Calls(iamspec.OpUpload))
	}

	// A long backoff ends with the context.
	s = newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 2})
	cctx, cancel := context.WithCancel(ctx)
	slow := sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3, Base: time.Hour, Max: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := newUploader(s, slow).Upload(cctx, sigcert.Request{UserName: "Bob", CertificateBody: body})
		done <- err
	}()
	for s.Calls(iamspec.OpUpload) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, sigcert.ErrConcurrentModification) {
		t.Errorf("cancelled during backoff: err = %v, want the last ConcurrentModification", err)
	}
}

// Extreme Backoff values neither panic nor overflow, and no wait exceeds
// the 5-minute cap.
func TestExtremeBackoffIsBounded(t *testing.T) {
	var waits []time.Duration
	d := newDouble("Bob")
	d.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeThrottling, Count: 1000})
	up := sigcert.NewUploader(d, sigcert.WithPropagationWait(0),
		sigcert.WithRetry(sigcert.Backoff{Attempts: 4, Base: time.Duration(1<<62 - 1), Max: -1}),
		sigcert.WithWait(func(ctx context.Context, w time.Duration) error { waits = append(waits, w); return nil }))
	up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	if len(waits) != 3 {
		t.Errorf("%d waits, want 3 backoffs", len(waits))
	}
	for _, w := range waits {
		if w < 0 || w > 5*time.Minute {
			t.Errorf("wait %v", w)
		}
	}
}
