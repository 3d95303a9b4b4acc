package sigcert_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// hangFirstList returns a double whose first list blocks until release is
// closed, and a channel closed when that list has started.
func hangFirstList(users ...string) (d *double, started, release chan struct{}) {
	d = newDouble(users...)
	started, release = make(chan struct{}), make(chan struct{})
	var hung atomic.Bool
	d.Before = func(ctx context.Context, op, user string) error {
		if op == iamspec.OpList && hung.CompareAndSwap(false, true) {
			close(started)
			<-release // ignores ctx: a call hung with no deadline
		}
		return nil
	}
	return d, started, release
}

// A call waiting for another call on the same user returns the moment its
// own context ends, with the context's error, and sends nothing.
func TestUserLockHonoursContext(t *testing.T) {
	for _, call := range []struct {
		name string
		run  func(up *sigcert.Uploader, ctx context.Context) error
	}{
		{"Ensure", func(up *sigcert.Uploader, ctx context.Context) error {
			_, err := up.Ensure(ctx, sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
			return err
		}},
		{"Rotate", func(up *sigcert.Uploader, ctx context.Context) error {
			_, err := up.Rotate(ctx, sigcert.Request{UserName: "Bob", CertificateBody: newPEM()}, sigcert.RotatePolicy{})
			return err
		}},
	} {
		t.Run(call.name, func(t *testing.T) {
			d, started, release := hangFirstList("Bob")
			defer close(release)
			up := newUploader(d)
			go up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := call.run(up, ctx)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("returned after %v, want about 20ms", took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want one matching context.DeadlineExceeded", err)
			}
			if n := d.Calls(iamspec.OpList); n != 1 {
				t.Errorf("%d lists, want only the hung one", n)
			}
		})
	}
}

// Bob and bob are one IAM user: their workflows wait for each other. A
// different user does not wait.
func TestUserLockIgnoresCase(t *testing.T) {
	d, started, release := hangFirstList("Bob", "Alice")
	up := newUploader(d)
	go up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err := up.Ensure(ctx, sigcert.Request{UserName: "bob", CertificateBody: newPEM()})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("bob while Bob is busy: err = %v, want it to wait until its deadline", err)
	}
	if _, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: newPEM()}); err != nil {
		t.Errorf("Alice while Bob is busy: %v, want no wait", err)
	}
	close(release)
}
