package fleet_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// progressLog records a run's events the way Progress's users would: with
// no lock of its own, as the Runner serialises its calls. It notes any
// call that overlaps another.
type progressLog struct {
	events  []fleet.Event
	inside  atomic.Int32
	overlap atomic.Bool
}

func (l *progressLog) record(e fleet.Event) {
	if l.inside.Add(1) > 1 {
		l.overlap.Store(true)
	}
	// Stay inside a little, so that unserialised calls would meet here.
	for range 50 {
		runtime.Gosched()
	}
	l.events = append(l.events, e)
	l.inside.Add(-1)
}

// byEntry groups the events by entry index, in the order they came.
func (l *progressLog) byEntry() map[int][]fleet.Event {
	m := map[int][]fleet.Event{}
	for _, e := range l.events {
		m[e.Index] = append(m[e.Index], e)
	}
	return m
}

// tickClock advances a second each time it is read, so that every step
// the Uploader times takes at least a second on it.
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func TestProgressReportsEntriesAndStepsSerialised(t *testing.T) {
	names := users(8)
	fake := sigcerttest.NewFake(names...)
	olds := map[string]string{}
	entries := make([]fleet.Entry, len(names))
	news := make([]*certgen.Cert, len(names))
	for i, u := range names {
		old := certgen.Valid()
		give(t, fake, u, old.PEM)
		olds[u] = plannedID(old)
		news[i] = certgen.Valid()
		entries[i] = fleet.Entry{UserName: u, CertificateBody: news[i].PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}}
	}
	// One deactivation is refused: its step and its entry end in the error.
	fake.Inject(sigcerttest.Fault{Action: fleet.OpUpdate, Code: "AccessDenied", Count: 1})

	log := &progressLog{}
	clock := &tickClock{t: time.Now()}
	r := &fleet.Runner{API: fake, Concurrency: 4, Progress: log.record, Options: []sigcert.Option{sigcert.WithClock(clock.now)}}
	rep, err := r.Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	if log.overlap.Load() {
		t.Error("Progress was called by two goroutines at once")
	}
	if want := len(entries) * 6; len(log.events) != want {
		t.Errorf("%d events, want %d (start, upload ×2, deactivate ×2, end per entry)", len(log.events), want)
	}
	failedSteps := 0
	for i, evs := range log.byEntry() {
		if i < 0 || i >= len(entries) {
			t.Fatalf("event for entry %d: %+v", i, evs)
		}
		u := names[i]
		var kinds []fleet.EventKind
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
			if e.UserName != u || e.Mode != fleet.Rotate || e.DryRun {
				t.Errorf("entry %d (%s): event %+v", i, u, e)
			}
		}
		want := []fleet.EventKind{fleet.EntryStarted, fleet.StepStarted, fleet.StepEnded, fleet.StepStarted, fleet.StepEnded, fleet.EntryEnded}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("entry %d: kinds (-want +got):\n%s", i, diff)
			continue
		}
		up0, up1, de0, de1, end := evs[1], evs[2], evs[3], evs[4], evs[5]
		if up0.Action != sigcert.ActionUpload || up0.CertificateID != "" || up1.CertificateID != plannedID(news[i]) || up1.Err != nil || up1.Duration < time.Second {
			t.Errorf("entry %d: upload events %+v / %+v", i, up0, up1)
		}
		if de0.Action != sigcert.ActionDeactivate || de0.CertificateID != olds[u] || de1.CertificateID != olds[u] || de0.Reason == "" || de1.Duration < time.Second {
			t.Errorf("entry %d: deactivate events %+v / %+v, want %s", i, de0, de1, olds[u])
		}
		res := rep.Results[i]
		if end.Status != res.Status || end.Duration != res.Duration || !errors.Is(end.Err, res.Err) || (res.Err == nil) != (end.Err == nil) {
			t.Errorf("entry %d: end event %+v, result %s %v", i, end, res.Status, res.Err)
		}
		if de1.Err != nil {
			failedSteps++
			if !errors.Is(de1.Err, sigcert.ErrAccessDenied) || end.Status != fleet.Failed {
				t.Errorf("entry %d: failed step %v, entry %s", i, de1.Err, end.Status)
			}
		}
	}
	if failedSteps != 1 || rep.Summary.Failed != 1 {
		t.Errorf("%d failed steps, %d failed entries; want the one refused", failedSteps, rep.Summary.Failed)
	}
}

func TestProgressOfADryRunHasNoSteps(t *testing.T) {
	fake := sigcerttest.NewFake("Ann", "Ben")
	log := &progressLog{}
	entries := []fleet.Entry{
		{UserName: "Ann", CertificateBody: certgen.Valid().PEM, Mode: fleet.Ensure},
		{UserName: "Nobody", CertificateBody: certgen.Valid().PEM, Mode: fleet.Ensure},
	}
	if _, err := (&fleet.Runner{API: fake, DryRun: true, Progress: log.record}).Run(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	got := map[int][]fleet.EventKind{}
	for _, e := range log.events {
		got[e.Index] = append(got[e.Index], e.Kind)
		if !e.DryRun {
			t.Errorf("event %+v: DryRun false", e)
		}
		if e.Kind == fleet.EntryEnded && (e.Index == 1) != (e.Status == fleet.Failed) {
			t.Errorf("end of entry %d: %s %v", e.Index, e.Status, e.Err)
		}
	}
	want := map[int][]fleet.EventKind{0: {fleet.EntryStarted, fleet.EntryEnded}, 1: {fleet.EntryStarted, fleet.EntryEnded}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestProgressTakesThePlaceOfAStepObserverOnlyWhenSet(t *testing.T) {
	fake := sigcerttest.NewFake("Ann")
	var seen int
	obs := sigcert.WithStepObserver(func(sigcert.StepEvent) { seen++ })
	entry := []fleet.Entry{{UserName: "Ann", CertificateBody: certgen.Valid().PEM, Mode: fleet.Ensure}}
	if _, err := (&fleet.Runner{API: fake, Options: []sigcert.Option{obs}}).Run(context.Background(), entry); err != nil {
		t.Fatal(err)
	}
	if seen != 2 {
		t.Errorf("the caller's observer saw %d events without Progress, want the upload's 2", seen)
	}
}
