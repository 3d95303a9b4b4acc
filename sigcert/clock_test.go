package sigcert_test

import (
	"context"
	"sync"
	"time"

	"github.com/iamkit/signingcert/sigcert"
)

// simClock is a simulated clock: waiting on it advances it at once, so that
// no test sleeps through a backoff or a propagation wait, and tests can read
// how long a call would have waited.
type simClock struct {
	mu     sync.Mutex
	now    time.Time
	waited time.Duration
	waits  int
}

func newSimClock() *simClock {
	return &simClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
}

// wait is a sigcert.WithWait function: it returns ctx's error if ctx is
// done, else advances the clock by d.
func (c *simClock) wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waited += d
	c.waits++
	return nil
}

// Now reads the clock.
func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// total returns the time waited so far and how many waits.
func (c *simClock) total() (time.Duration, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waited, c.waits
}

// newUploader is sigcert.NewUploader with the workflows' waits on a
// simulated clock of their own, so that tests never sleep.
func newUploader(api sigcert.API, opts ...sigcert.Option) *sigcert.Uploader {
	return sigcert.NewUploader(api, append([]sigcert.Option{sigcert.WithWait(newSimClock().wait)}, opts...)...)
}
