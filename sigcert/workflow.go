package sigcert

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// This file is the workflow layer's machinery, which Ensure and Rotate share
// and nothing beneath them uses: the one retry budget of a call, the
// propagation wait, the per-user lock and the step observer. Every bound on
// the calls a workflow makes follows from the rules here:
//
//   - A call has Attempts (A, at most 4) attempts in all for its requests: the
//     first send of each step is free, and A-1 retries are shared by every
//     step of the call. Only an unknown outcome (OutcomeUnknown) is retried.
//   - After a write whose outcome is unknown, and before retrying it, the run
//     lists the user's certificates until the change shows, at most
//     maxPolls (8) lists over the propagation window.
//   - The SDK's own retries are off for the workflow's writes, and
//     WithConcurrentModificationRetry does not apply, so a write is one HTTP
//     request. A list, which is safe to repeat, is at most listSDKAttempts (3)
//     HTTP requests, so that the SDK's retryer still paces a throttled
//     client.

// MaxRetryAttempts is the most attempts WithRetry can give a workflow call:
// more are clamped to it, so that Ensure never uploads more than four times,
// whatever the options.
const MaxRetryAttempts = 4

// DefaultPropagationWait is how long Ensure and Rotate wait, at most, for a
// change to show in the user's list after an answer that leaves its outcome
// unknown. IAM is eventually consistent ("Changes that I make are not always
// immediately visible", IAM User Guide, troubleshooting), and terraform's
// AWS provider waits up to two minutes for a new signing certificate to
// read back; ten seconds covers the usual delay of a few seconds.
const DefaultPropagationWait = 10 * time.Second

// maxPolls is how many lists one propagation wait makes at most.
const maxPolls = 8

// defaultRetry is the workflow's budget unless WithRetry says otherwise.
func defaultRetry() Backoff {
	return Backoff{Attempts: MaxRetryAttempts, Base: 50 * time.Millisecond, Max: time.Second}
}

// WithRetry sets the one retry budget of each Ensure and Rotate call (and
// of PlanEnsure and PlanRotate, which only list): b.Attempts attempts in
// all, from 1 to MaxRetryAttempts (4, the default; values outside are
// clamped), with b's backoff between them (default: Base 50 ms, Max 1 s,
// full jitter). The first send of each step is free; the Attempts-1 retries
// are shared by all the steps of the call, and only an answer that leaves the
// outcome unknown (OutcomeUnknown) is retried.
func WithRetry(b Backoff) Option {
	return func(s *settings) {
		b.Attempts = min(max(b.Attempts, 1), MaxRetryAttempts)
		s.retry = b
	}
}

// WithPropagationWait sets how long Ensure and Rotate wait, at most, for a
// change to become visible in the user's list after an answer that leaves
// its outcome unknown, after DuplicateCertificate following such an answer,
// or after a list that does not show the change. They list at once, then
// after waits of d/128, d/64, ..., d/2: 8 lists over 127/128 of d, stopping
// as soon as the list shows the change. Zero makes one list with no wait;
// negative counts as zero, and more than 40 minutes as 40 minutes. The
// default is DefaultPropagationWait (10 s).
func WithPropagationWait(d time.Duration) Option {
	return func(s *settings) {
		s.propagation = min(max(d, 0), maxDelay*8)
		s.propagationSet = true
	}
}

// WithWait replaces the function Ensure and Rotate wait with, for the
// retry backoff and the propagation wait. It must return ctx's error if ctx
// ends first. Tests pass one that advances a simulated clock, so that no
// test sleeps. A nil wait keeps the default, a timer.
func WithWait(wait func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) { s.wait = wait }
}

// WithStepObserver has f called as each step of Ensure and Rotate starts
// and ends: for progress, logs and metrics. f is called on the goroutine of
// the workflow, which waits for it; keep it quick.
func WithStepObserver(f func(StepEvent)) Option {
	return func(s *settings) { s.observer = f }
}

// StepEvent is one step of Ensure or Rotate starting (Done false) or ending
// (Done true), as WithStepObserver reports it.
type StepEvent struct {
	// Operation is "Ensure" or "Rotate".
	Operation string
	// UserName is the request's user; "" for the caller's own user.
	UserName string
	// Action is the step: upload, activate, deactivate or delete.
	Action Action
	// CertificateID is the certificate the step acts on; for an upload it
	// is "" at the start and IAM's id at a successful end.
	CertificateID string
	// Reason says what the step is for, as PlanStep.Reason does.
	Reason string
	// Done is false when the step starts and true when it ends.
	Done bool
	// Err is the step's failure when it ended in one; nil otherwise.
	Err error
	// Duration is how long the step took, retries and waits included, on
	// the Uploader's clock (WithClock); zero at the start.
	Duration time.Duration
}

// run is the state of one workflow call (Ensure, Rotate, or a plan of one).
type run struct {
	u      *Uploader
	ctx    context.Context
	op     string
	user   string
	optFns []func(*iam.Options) // for writes: one HTTP attempt each
	// listOptFns are for lists: at most listSDKAttempts HTTP attempts each.
	listOptFns []func(*iam.Options)
	retry      Backoff
	retries    int // retries left in the call's budget
	used       int // retries spent, for the backoff's growth
}

// begin opens a workflow call: it checks the Uploader and ctx (naming
// caller, the method called), runs the pre-flight on req, and returns the
// run of op (Ensure or Rotate, whose decisions a plan makes too) with the
// parsed certificate (nil when crypto/x509 could not parse it).
func (u *Uploader) begin(ctx context.Context, caller, op string, req Request) (*run, *x509.Certificate, error) {
	if err := u.ready(ctx, caller); err != nil {
		return nil, nil, err
	}
	parsed, err := u.Check(req)
	if err != nil {
		return nil, nil, err
	}
	return u.newRun(ctx, op, req.UserName), parsed, nil
}

func (u *Uploader) newRun(ctx context.Context, op, user string) *run {
	b := u.s.retry
	if b.Attempts == 0 {
		b = defaultRetry()
	}
	writes := append(append([]func(*iam.Options){}, u.s.optFns...), sdkAttempts(1))
	lists := append(append([]func(*iam.Options){}, u.s.optFns...), sdkAttempts(listSDKAttempts))
	return &run{u: u, ctx: ctx, op: op, user: user, optFns: writes, listOptFns: lists, retry: b, retries: b.Attempts - 1}
}

// listSDKAttempts is how many HTTP attempts the SDK may make for one list
// of a workflow: a read is safe to repeat, and the SDK's retryer (adaptive
// mode included) is what paces a client under Throttling. Three is the
// SDK's standard default (aws/retry/standard.go DefaultMaxAttempts).
const listSDKAttempts = 3

// sdkAttempts has the SDK make at most n HTTP attempts for a call, and never
// more than the caller's own client allows (RetryMaxAttempts, or its
// retryer's MaxAttempts). The per-call RetryMaxAttempts wraps the
// caller's retryer (kept, so that its client-side rate limiting still
// applies to every request) in retry.AddWithMaxAttempts; the SDK does that
// only when the per-call value differs from the client's
// (service/iam api_client.go, finalizeOperationRetryMaxAttempts), so when
// they are equal the wrapping is done here.
func sdkAttempts(n int) func(*iam.Options) {
	return func(o *iam.Options) {
		n := n
		if o.RetryMaxAttempts > 0 && o.RetryMaxAttempts < n {
			n = o.RetryMaxAttempts
		} else if o.RetryMaxAttempts == 0 && o.Retryer != nil && o.Retryer.MaxAttempts() > 0 && o.Retryer.MaxAttempts() < n {
			n = o.Retryer.MaxAttempts()
		}
		if o.RetryMaxAttempts == n && o.Retryer != nil {
			o.Retryer = retry.AddWithMaxAttempts(o.Retryer, n)
			return
		}
		o.RetryMaxAttempts = n
	}
}

// lock takes the user's lock, or returns the context's error, wrapped, the
// moment it ends while waiting.
func (r *run) lock() (unlock func(), err error) {
	if r.u.locks == nil {
		return nil, &misuseError{fmt.Sprintf("sigcert: %s: Uploader has no API; create it with NewUploader", r.op)}
	}
	unlock, err = r.u.locks.lock(r.ctx, r.user)
	if err != nil {
		return nil, fmt.Errorf("sigcert: stopped waiting for another call on user %s: %w", userLabel(r.user), err)
	}
	return unlock, nil
}

// wait waits d, or until the context ends.
func (r *run) wait(d time.Duration) error {
	if w := r.u.s.wait; w != nil {
		if err := w(r.ctx, d); err != nil {
			return err
		}
		return r.ctx.Err()
	}
	return sleep(r.ctx, d)
}

// propagation returns the propagation window.
func (r *run) propagation() time.Duration {
	if !r.u.s.propagationSet {
		return DefaultPropagationWait
	}
	return r.u.s.propagation
}

// again reports whether the call may try once more after failure, spending
// one retry of the budget and waiting its backoff. It never retries an
// answer that leaves the outcome known. err is the failure to return
// instead: failure itself, or, if the context ended, failure with the
// context's error.
func (r *run) again(failure error) (ok bool, err error) {
	if cerr := r.ctx.Err(); cerr != nil {
		return false, ended(failure, cerr)
	}
	if !OutcomeUnknown(failure) || r.retries <= 0 {
		return false, failure
	}
	r.retries--
	d := r.retry.delay(r.used)
	r.used++
	if werr := r.wait(d); werr != nil {
		return false, ended(failure, werr)
	}
	return true, nil
}

// list makes one list of the user's certificates: one SDK call of at most
// listSDKAttempts HTTP requests.
func (r *run) list() ([]*Certificate, error) {
	held, err := r.u.list(r.ctx, r.user, r.listOptFns, false)
	if err != nil && r.ctx.Err() != nil {
		return nil, ended(err, r.ctx.Err())
	}
	return held, err
}

// look lists the user's certificates, retrying an unknown outcome within
// the budget.
func (r *run) look() ([]*Certificate, error) {
	for {
		held, err := r.list()
		if err == nil {
			return held, nil
		}
		if ok, err := r.again(err); !ok {
			return nil, err
		}
	}
}

// await lists the user's certificates until shows says the change is
// visible, at most maxPolls times over the propagation window. seen is
// false when the window ended first; held is then the last list that
// answered (nil if none did). A list answered with a definite error ends
// the wait with that error; so does the context.
func (r *run) await(shows func(held []*Certificate) bool) (held []*Certificate, seen bool, err error) {
	window := r.propagation()
	for i := range maxPolls {
		if i > 0 {
			if window <= 0 {
				break
			}
			if err := r.wait(window >> (maxPolls - i)); err != nil {
				return nil, false, err
			}
		}
		now, err := r.list()
		switch {
		case err == nil:
			if shows(now) {
				return now, true, nil
			}
			held = now
		case r.ctx.Err() != nil:
			return nil, false, err
		case !OutcomeUnknown(err):
			return nil, false, err
		}
	}
	return held, false, nil
}

// step runs one step, telling the observer as it starts and ends. do
// returns the id of the certificate the step acted on.
func (r *run) step(s PlanStep, do func() (id string, err error)) (string, error) {
	obs := r.u.s.observer
	if obs == nil {
		return do()
	}
	ev := StepEvent{Operation: r.op, UserName: r.user, Action: s.Action, CertificateID: s.CertificateID, Reason: s.Reason}
	obs(ev)
	start := r.u.s.now()
	id, err := do()
	ev.Done, ev.Err, ev.Duration = true, err, r.u.s.now().Sub(start)
	if id != "" {
		ev.CertificateID = id
	}
	obs(ev)
	return id, err
}

// ended is the error of a workflow that stopped because its context ended:
// it matches both the failure it was handling (if any) and the context's
// error, so that errors.Is(err, context.Canceled) holds as it does for a
// call cancelled in flight.
func ended(failure, ctxErr error) error {
	switch {
	case failure == nil:
		return ctxErr
	case errors.Is(failure, ctxErr):
		return failure
	}
	return abandoned(failure, ctxErr)
}
