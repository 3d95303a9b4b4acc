package fleet

import (
	"strings"
	"sync"
	"time"

	"github.com/iamkit/signingcert/sigcert"
)

// EventKind says what an Event reports.
type EventKind string

// The kinds of Event, in the order an entry produces them: EntryStarted,
// then StepStarted and StepEnded for each step Ensure or Rotate takes (none
// in a dry run, which takes no step), then EntryEnded. An entry that never
// starts (NotRun) has no events.
const (
	EntryStarted EventKind = "entry_started"
	StepStarted  EventKind = "step_started"
	StepEnded    EventKind = "step_ended"
	EntryEnded   EventKind = "entry_ended"
)

// Event is one moment of a run, as Runner.Progress receives it: an entry
// starting or ending, or one of its steps (sigcert's StepEvent) starting or
// ending.
type Event struct {
	Kind EventKind
	// Index is the entry's index in the slice given to Run. For a step,
	// it is found by the step's user; if two Runs of one Runner act on the
	// same user at once, it may name either entry.
	Index    int
	UserName string
	Mode     Mode
	// DryRun is Runner.DryRun: the entry is planned, not run.
	DryRun bool

	// Action, CertificateID and Reason describe a step (StepStarted,
	// StepEnded) as sigcert.StepEvent does: an upload's CertificateID is
	// "" when it starts and IAM's id when it ends well.
	Action        sigcert.Action
	CertificateID string
	Reason        string

	// Status is the entry's Status (EntryEnded only).
	Status Status
	// Err is the step's or the entry's failure (StepEnded, EntryEnded).
	Err error
	// Duration is how long the step took, on the Uploader's clock, or how
	// long the entry ran (StepEnded, EntryEnded).
	Duration time.Duration
}

// progress is a Runner's bookkeeping for Progress: the lock that
// serialises its calls, and the entries running, by user, so that a step
// event (which names only its user) is told which entry it belongs to.
type progress struct {
	mu      sync.Mutex
	running map[string][]Event // lower-case user name → the entries' base events
}

// progressOptions are the Uploader options Progress needs: its step
// observer. With Progress set, it takes the place of a WithStepObserver in
// Runner.Options (sigcert keeps one observer, the last given).
func (r *Runner) progressOptions() []sigcert.Option {
	if r.Progress == nil {
		return nil
	}
	return []sigcert.Option{sigcert.WithStepObserver(r.stepEvent)}
}

// stepEvent passes one of sigcert's step events on to Progress.
func (r *Runner) stepEvent(se sigcert.StepEvent) {
	ev := Event{Kind: StepStarted, Index: -1, UserName: se.UserName,
		Action: se.Action, CertificateID: se.CertificateID, Reason: se.Reason}
	if se.Done {
		ev.Kind, ev.Err, ev.Duration = StepEnded, se.Err, se.Duration
	}
	p := &r.prog
	p.mu.Lock()
	defer p.mu.Unlock()
	if running := p.running[strings.ToLower(se.UserName)]; len(running) > 0 {
		ev.Index, ev.Mode, ev.DryRun = running[0].Index, running[0].Mode, running[0].DryRun
	}
	r.Progress(ev)
}

// entryStarted tells Progress entry i starts, and returns the function
// that tells it the entry ended. Without Progress both do nothing.
func (r *Runner) entryStarted(i int, e Entry) func(Result) {
	if r.Progress == nil {
		return func(Result) {}
	}
	base := Event{Index: i, UserName: e.UserName, Mode: e.Mode, DryRun: r.DryRun}
	key := strings.ToLower(e.UserName)
	p := &r.prog
	p.mu.Lock()
	if p.running == nil {
		p.running = map[string][]Event{}
	}
	p.running[key] = append(p.running[key], base)
	started := base
	started.Kind = EntryStarted
	func() {
		defer p.mu.Unlock()
		r.Progress(started)
	}()
	return func(res Result) {
		p.mu.Lock()
		defer p.mu.Unlock()
		running := p.running[key]
		for j, b := range running {
			if b.Index == i {
				running = append(running[:j:j], running[j+1:]...)
				break
			}
		}
		if len(running) == 0 {
			delete(p.running, key)
		} else {
			p.running[key] = running
		}
		ended := base
		ended.Kind, ended.Status, ended.Err, ended.Duration = EntryEnded, res.Status, res.Err, res.Duration
		r.Progress(ended)
	}
}
