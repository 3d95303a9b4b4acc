package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert"
)

// DefaultConcurrency is how many entries a Runner works on at once when
// Concurrency is not set. Each entry waits on IAM most of its time, so a few
// goroutines per request a second are enough to reach the account's rate;
// more only queue behind Rate or the throttling.
const DefaultConcurrency = 16

// Runner runs many entries through one *sigcert.Uploader, several at a time,
// within the account's request rate.
//
// Set its fields before the first Run and leave them: the first Run builds
// the Uploader, the limiter and the retryer, and every later Run shares them,
// so several Runs of one Runner, even concurrent ones, share one request
// rate. A Runner must not be copied after first use.
type Runner struct {
	// API is the IAM client, usually an *iam.Client; required.
	API sigcert.API
	// Options configure the Uploader, as for sigcert.NewUploader (a clock,
	// a ConcurrentModification retry, SDK options...). The Runner adds its
	// own SDK options after them.
	Options []sigcert.Option

	// Concurrency is how many entries run at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Rate, when above zero, holds every HTTP attempt of the run, retries
	// included, to Rate requests a second with bursts of Burst (see
	// RateLimit; the limiter starts empty). At the account's rate nothing
	// is throttled while requests reach IAM about as evenly as they leave,
	// and a run takes its calls ÷ Rate; a little under it leaves room for
	// other clients of the account and for stalls on the way.
	Rate float64
	// Burst is the rate limiter's burst; below 1 means 1. At most the
	// account's burst.
	Burst int
	// Retryer is the SDK retryer set on every call. Nil means one adaptive
	// retryer (retry.NewAdaptiveMode) shared by every call of this Runner:
	// besides retrying, it slows all of them down when IAM answers
	// Throttling, which is what IAM asks of clients. Setting it replaces
	// whatever retryer API was built with; sigcert still sends each upload
	// once per attempt of its own, with the SDK's retries off (Ensure lists
	// before uploading again), so under throttling without a Rate only a
	// retryer that slows every call, as the adaptive one does, keeps
	// uploads from failing with Throttling. Every retry also draws on the
	// retryer's retry quota (the SDK's token bucket, refilled by
	// successes): under throttling without a Rate it can run out, and the
	// throttled calls then fail.
	Retryer aws.Retryer

	// Deliver, if set, receives each entry's Result as the entry ends, one
	// call at a time, and Run keeps none: Report.Results is nil and only
	// the Summary is returned. A Result holds the certificates the user
	// ends with, parsed (about 6 KB for a rotation), so this keeps a run's
	// memory flat however many entries it has; write each one out (a JSON
	// line, a table row) instead. The NotRun results of a cancelled run are
	// delivered too, after the others.
	Deliver func(Result)

	// DryRun plans each entry instead of running it (dryrun.go): sigcert's
	// PlanEnsure or PlanRotate, list calls only, no write. Result.Plan holds
	// the plan, and Status says what the apply would do.
	DryRun bool
	// Progress, if set, receives each entry's start and end and each step
	// of its Ensure or Rotate as it starts and ends (see Event). Calls are
	// serialised: Progress is never called by two goroutines at once, so it
	// needs no lock of its own, and each call is made on the entry's
	// goroutine, which waits for it: keep it quick. It takes the place of a
	// sigcert.WithStepObserver in Options.
	Progress func(Event)

	once      sync.Once
	up        *sigcert.Uploader
	deliverMu sync.Mutex
	prog      progress
}

// Status is what became of an entry.
type Status string

// The statuses.
const (
	// Changed: the entry completed and wrote something (an upload,
	// activation, deactivation or deletion).
	Changed Status = "changed"
	// Unchanged: the entry completed and found nothing to do.
	Unchanged Status = "unchanged"
	// Failed: the entry's workflow returned an error.
	Failed Status = "failed"
	// NotRun: the context ended before the entry started; nothing was
	// sent for it.
	NotRun Status = "not_run"
)

// Result is what happened to one entry.
type Result struct {
	// Index is the entry's index in the slice given to Run.
	Index    int
	UserName string
	Mode     Mode
	Status   Status
	// Certificate is, for Ensure, the certificate the user holds; for
	// Rotate, the new one (Rotation.New). Nil when the entry failed.
	Certificate *sigcert.Certificate
	// Rotation is Rotate's report; nil for Ensure and on failure.
	Rotation *sigcert.Rotation
	// Err is the failure (Failed), or the context's error (NotRun).
	Err error
	// Report is Rotate's account of a failure: the steps done, the one
	// that failed, and what the user holds now; nil otherwise.
	Report *sigcert.RotateError
	// Plan is what the entry would do, in a dry run (Runner.DryRun); nil
	// otherwise, and when planning failed.
	Plan *sigcert.Plan
	// Calls is how many API calls the entry made.
	Calls int
	// Duration is how long the entry ran, waits for the rate included.
	Duration time.Duration
}

// Summary counts a run's outcomes and traffic.
type Summary struct {
	Entries   int `json:"entries"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
	NotRun    int `json:"not_run"`
	// Calls counts the API calls sigcert made, by IAM operation name
	// (OpList, OpUpload, ...), whatever the API.
	Calls map[string]int `json:"calls"`
	// Attempts counts HTTP attempts by operation, the SDK's retries
	// included. Only calls through the SDK's middleware count, so with a
	// fake such as sigcerttest.Fake it stays empty.
	Attempts map[string]int `json:"attempts"`
	// Throttled is how many attempts IAM answered with a throttling code
	// (and the retryer then retried, or gave up on).
	Throttled int `json:"throttled"`
	// Elapsed is the run's wall time.
	Elapsed time.Duration `json:"elapsed_ns"`
	// DryRun says the entries were planned, not run (Runner.DryRun):
	// Changed counts the entries that would change.
	DryRun bool `json:"dry_run,omitempty"`
}

// TotalCalls is the sum of Calls.
func (s Summary) TotalCalls() int { return sum(s.Calls) }

// TotalAttempts is the sum of Attempts.
func (s Summary) TotalAttempts() int { return sum(s.Attempts) }

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Report is the outcome of a Run: a Result per entry, in entry order
// (none if Runner.Deliver took them), and their Summary.
//
// It encodes to JSON as {"results": [...], "summary": {...}}, each Result
// by Result.MarshalJSON.
type Report struct {
	Results []Result `json:"results"`
	Summary Summary  `json:"summary"`
}

// Done reports whether every entry completed.
func (r *Report) Done() bool {
	return r != nil && r.Summary.Failed == 0 && r.Summary.NotRun == 0
}

func (r *Runner) init() {
	retryer := r.Retryer
	if retryer == nil {
		retryer = retry.NewAdaptiveMode()
	}
	fns := []func(*iam.Options){func(o *iam.Options) { o.Retryer = retryer }, countAttempts}
	if r.Rate > 0 {
		fns = append(fns, RateLimit(r.Rate, r.Burst))
	}
	opts := append(append([]sigcert.Option{}, r.Options...), sigcert.WithAPIOptions(fns...))
	opts = append(opts, r.progressOptions()...)
	r.up = sigcert.NewUploader(countingAPI{api: r.API}, opts...)
}

// Run validates entries, then runs each: Ensure or Rotate for its user,
// Concurrency at a time.
//
// If any entry is invalid (see Validate), Run sends nothing and returns an
// *InvalidEntriesError listing every problem, with a nil Report. Otherwise
// every entry has a Result, in the Report or given to Deliver. An entry
// that fails does not stop the others. When ctx ends, entries not yet
// started are NotRun (nothing was sent for them), entries under way stop
// and are Failed with ctx's error in their Result (Rotate's Report says
// what they did), and Run returns the Report with ctx's error. If ctx ends
// only after every entry completed, Run returns nil.
//
// Run is safe to rerun with the same entries after a crash, a cancel or
// failures: Ensure and Rotate find the work already done and do only what
// is left, so a rerun of a finished run sends only list calls.
func (r *Runner) Run(ctx context.Context, entries []Entry) (*Report, error) {
	if r == nil || r.API == nil {
		return nil, errors.New("fleet: Runner has no API")
	}
	r.once.Do(r.init)
	if err := validateEntries(entries, r.up); err != nil {
		return nil, err
	}
	start := time.Now()
	run := newCounters()
	var (
		results []Result
		tally   statusTally
	)
	if r.Deliver == nil {
		results = make([]Result, len(entries))
	}
	done := func(res Result) {
		tally.add(res.Status)
		if res.Status == Failed && ctx.Err() != nil && errors.Is(res.Err, ctx.Err()) {
			tally.interrupt()
		}
		if r.Deliver == nil {
			results[res.Index] = res
			return
		}
		r.deliverMu.Lock()
		defer r.deliverMu.Unlock()
		r.Deliver(res)
	}
	workers := r.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	if workers > len(entries) {
		workers = len(entries)
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				done(r.runEntry(ctx, run, i, entries[i]))
			}
		}()
	}
	next := 0
	for ; next < len(entries); next++ {
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- next:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(jobs)
	wg.Wait()
	for i := next; i < len(entries); i++ {
		done(notRun(ctx, i, entries[i]))
	}

	rep := &Report{Results: results, Summary: Summary{Entries: len(entries)}}
	tally.mu.Lock()
	rep.Summary.Changed, rep.Summary.Unchanged = tally.n[Changed], tally.n[Unchanged]
	rep.Summary.Failed, rep.Summary.NotRun = tally.n[Failed], tally.n[NotRun]
	interrupted := tally.interrupted
	tally.mu.Unlock()
	run.mu.Lock()
	rep.Summary.Calls, rep.Summary.Attempts, rep.Summary.Throttled = run.calls, run.attempts, run.throttled
	run.mu.Unlock()
	rep.Summary.Elapsed = time.Since(start)
	rep.Summary.DryRun = r.DryRun
	if rep.Summary.NotRun > 0 || interrupted {
		return rep, ctx.Err()
	}
	return rep, nil
}

// notRun is the Result of an entry the context's end kept from starting.
// Its error matches ctx.Err() (context.Canceled or DeadlineExceeded) and,
// when the context was cancelled with a cause of its own, that cause too.
func notRun(ctx context.Context, i int, e Entry) Result {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	return Result{Index: i, UserName: e.UserName, Mode: e.Mode, Status: NotRun, Err: err}
}

// runEntry runs one entry's workflow, or plans it in a dry run.
func (r *Runner) runEntry(ctx context.Context, run *counters, i int, e Entry) Result {
	if ctx.Err() != nil {
		// Handed over as the context ended: still nothing sent.
		return notRun(ctx, i, e)
	}
	ended := r.entryStarted(i, e)
	tally := &entryTally{}
	ctx = withScope(ctx, run, tally)
	res := Result{Index: i, UserName: e.UserName, Mode: e.Mode}
	start := time.Now()
	req := sigcert.Request{UserName: e.UserName, CertificateBody: e.CertificateBody}
	switch {
	case r.DryRun:
		r.planEntry(ctx, req, e, &res)
	case e.Mode == Rotate:
		rot, err := r.up.Rotate(ctx, req, e.Policy)
		res.Err = err
		if err == nil {
			res.Rotation, res.Certificate = rot, rot.New
			res.Status = Unchanged
			if len(rot.Steps) > 0 {
				res.Status = Changed
			}
		}
	default: // Ensure; validate let nothing else through.
		cert, err := r.up.Ensure(ctx, req)
		res.Err = err
		if err == nil {
			res.Certificate = cert
			res.Status = Unchanged
			// Ensure answers alike whether it found or uploaded the
			// certificate; it uploads only when the user did not hold it.
			if tally.count(OpUpload) > 0 {
				res.Status = Changed
			}
		}
	}
	if res.Err != nil {
		res.Status = Failed
		errors.As(res.Err, &res.Report)
	}
	res.Duration = time.Since(start)
	res.Calls = tally.total()
	ended(res)
	return res
}

// statusTally counts results by status as they end, and whether any entry
// failed because the context ended.
type statusTally struct {
	mu          sync.Mutex
	n           map[Status]int
	interrupted bool
}

func (t *statusTally) interrupt() {
	t.mu.Lock()
	t.interrupted = true
	t.mu.Unlock()
}

func (t *statusTally) add(s Status) {
	t.mu.Lock()
	if t.n == nil {
		t.n = map[Status]int{}
	}
	t.n[s]++
	t.mu.Unlock()
}
