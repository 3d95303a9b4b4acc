package sigcert

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff bounds a retry: at most Attempts calls in all, waiting a random
// time (full jitter) up to Base·2ⁿ, capped at Max, between them. Attempts
// below 1 count as 1; a zero Max means 20·Base; no wait exceeds 5 minutes.
type Backoff struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// WithConcurrentModificationRetry retries any call IAM answers with
// ConcurrentModification, which the SDK's retryer does not retry, as b says.
// Waits end early when ctx is done: the error then matches both the last
// ConcurrentModification and the context's error. Off by default.
//
// It applies to the single calls (Upload, List, SetStatus, Delete). Inside
// Ensure and Rotate it does not apply: their one retry budget (WithRetry)
// covers ConcurrentModification with every other unknown outcome, so that
// the two never multiply.
func WithConcurrentModificationRetry(b Backoff) Option {
	return func(s *settings) { s.cmRetry = b }
}

// maxDelay caps any one wait, so that extreme Backoff values can neither
// overflow nor stall a call for longer than a caller could mean.
const maxDelay = 5 * time.Minute

// delay returns the wait before retry n (0-based): a random time up to
// Base·2ⁿ, capped at Max (20·Base when Max is zero) and at maxDelay.
func (b Backoff) delay(n int) time.Duration {
	base := min(max(b.Base, 0), maxDelay)
	limit := b.Max
	if limit <= 0 {
		limit = 20 * base // cannot overflow: base <= maxDelay
	}
	limit = min(limit, maxDelay)
	d := base
	for i := 0; i < n && d < limit; i++ {
		d *= 2 // d < limit <= maxDelay before doubling: no overflow
	}
	d = min(d, limit)
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// withCMRetry runs call, retrying it as the settings say while it fails with
// ErrConcurrentModification. call returns errors already mapped.
func withCMRetry[T any](ctx context.Context, s *settings, call func() (T, error)) (T, error) {
	for n := 0; ; n++ {
		v, err := call()
		if err == nil || !errors.Is(err, ErrConcurrentModification) || n+1 >= s.cmRetry.Attempts {
			return v, err
		}
		if serr := sleep(ctx, s.cmRetry.delay(n)); serr != nil {
			return v, abandoned(err, serr)
		}
	}
}

// abandoned is the error of a retry whose wait ctx cut short: it matches
// both the failure it was waiting to retry and the context's error, so that
// errors.Is(err, context.Canceled) holds as it does for a cancelled call.
func abandoned(last, ctxErr error) error {
	return fmt.Errorf("%w; stopped waiting to retry: %w", last, ctxErr)
}
