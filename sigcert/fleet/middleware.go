package fleet

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// rateLimitID prefixes the rate-limit middleware's ID in the SDK's stack;
// each limiter has its own ID, so the same option given twice adds it once,
// while two limiters (a Runner's Rate and one in its Options) both hold.
const rateLimitID = "SigcertFleetRateLimit"

// RateLimit returns an SDK option that holds every HTTP attempt of the calls
// it is given to perSecond requests a second, with bursts of up to burst: one token
// of an x/time/rate limiter per attempt, retries included, so that a retry
// storm cannot exceed the rate either. One RateLimit value is one limiter:
// pass the same value to every client or Uploader that shares an account's
// budget. It goes through sigcert.WithAPIOptions, iam.NewFromConfig or a
// single call's options alike; fakes that run no SDK middleware (such as
// sigcerttest.Fake) ignore it.
//
// A rate of zero or less, NaN or +Inf means no limit; a burst below 1
// counts as 1.
//
// The limiter's bucket starts empty, so a run's first requests go out at
// the rate rather than in one burst. A client cannot know how much of the
// account's burst is left, and requests do not reach IAM evenly spaced as
// they left (a slow first few, then the rest close behind): a bucket as
// full as the account's, at the account's rate, leaves no room for that,
// and one stray Throttling makes the SDK's adaptive retryer cut the rate
// for seconds. Starting empty keeps the account's burst as that room, at a
// cost of burst ÷ perSecond once. While idle, the bucket refills up to
// burst like any token bucket: for a limiter used again after a pause,
// give a burst under the account's.
//
// The middleware sits in the Finalize step right after the SDK's "Retry"
// middleware (aws/retry.Attempt, whose ID is "Retry"), the place where each
// attempt, not each call, passes; it waits for a token while ctx lasts.
func RateLimit(perSecond float64, burst int) func(*iam.Options) {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		return func(*iam.Options) {}
	}
	if burst < 1 {
		burst = 1
	}
	lim := rate.NewLimiter(rate.Limit(perSecond), burst)
	lim.AllowN(time.Now(), burst) // start empty (see above)
	return func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return insertAfterRetry(st, &rateLimit{lim: lim, id: fmt.Sprintf("%s/%p", rateLimitID, lim)})
		})
	}
}

type rateLimit struct {
	lim *rate.Limiter
	id  string
}

func (m *rateLimit) ID() string { return m.id }

func (m *rateLimit) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	if err := m.lim.Wait(ctx); err != nil {
		// Wait also refuses at once when ctx's deadline comes before the
		// token would: that is the deadline passing, so it matches
		// context.DeadlineExceeded as the wait's end would, and callers
		// (sigcert, the Runner) treat it as the context's end.
		switch _, hasDeadline := ctx.Deadline(); {
		case ctx.Err() != nil:
			err = ctx.Err()
		case hasDeadline:
			err = fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("fleet: waiting for the request rate: %w", err)
	}
	return next.HandleFinalize(ctx, in)
}

// insertAfterRetry puts m right after the SDK's retry middleware, or at the
// start of Finalize if a client was built without one. A middleware whose ID
// is already there (the same option given twice) is not added again.
func insertAfterRetry(st *middleware.Stack, m middleware.FinalizeMiddleware) error {
	if _, ok := st.Finalize.Get(m.ID()); ok {
		return nil
	}
	if _, ok := st.Finalize.Get("Retry"); ok {
		return st.Finalize.Insert(m, "Retry", middleware.After)
	}
	return st.Finalize.Add(m, middleware.Before)
}

// attemptCounterID names the middleware that counts HTTP attempts for a Run.
const attemptCounterID = "SigcertFleetAttempts"

// countAttempts is an SDK option that counts, into the run found in the
// call's context, each HTTP attempt by operation and each attempt answered
// with a throttling code.
func countAttempts(o *iam.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return insertAfterRetry(st, attemptCounter{})
	})
}

type attemptCounter struct{}

func (attemptCounter) ID() string { return attemptCounterID }

// throttles is the SDK's own list of throttling codes (Throttling,
// ThrottlingException, RequestLimitExceeded, ...), the list its retryers use
// (aws/retry/standard.go DefaultThrottleErrorCodes).
var throttles = retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}

func (attemptCounter) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleFinalize(ctx, in)
	if c := countersFrom(ctx); c != nil {
		c.attempt(middleware.GetOperationName(ctx), err != nil && throttles.IsErrorThrottle(err) == aws.TrueTernary)
	}
	return out, md, err
}
