package fleet_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// rotating is a Fake whose users each hold one certificate, with the
// entries that rotate each of them to a new one, deactivating the old.
func rotating(t *testing.T, n int) (*sigcerttest.Fake, []fleet.Entry) {
	t.Helper()
	names := users(n)
	fake := sigcerttest.NewFake(names...)
	certs := newCerts(2 * n)
	entries := make([]fleet.Entry, n)
	for i, u := range names {
		give(t, fake, u, certs[i])
		entries[i] = fleet.Entry{UserName: u, CertificateBody: certs[n+i], Mode: fleet.Rotate, Policy: deactivate}
	}
	return fake, entries
}

// checkAccounted checks that results hold one Result per entry, in entry
// order, that their statuses add up to the summary, and that an entry not
// run sent nothing.
func checkAccounted(t *testing.T, entries []fleet.Entry, results []fleet.Result, s fleet.Summary) {
	t.Helper()
	if len(results) != len(entries) {
		t.Fatalf("%d results for %d entries", len(results), len(entries))
	}
	count := map[fleet.Status]int{}
	calls := 0
	for i, r := range results {
		if r.Index != i || r.UserName != entries[i].UserName || r.Mode != entries[i].Mode {
			t.Errorf("result %d is %d %s %s, want entry %d %s", i, r.Index, r.UserName, r.Mode, i, entries[i].UserName)
		}
		count[r.Status]++
		calls += r.Calls
		if r.Status == fleet.NotRun && (r.Calls != 0 || !errors.Is(r.Err, context.Canceled)) {
			t.Errorf("%s not run: %d calls, err %v", r.UserName, r.Calls, r.Err)
		}
		if r.Status == fleet.Failed && r.Err == nil {
			t.Errorf("%s failed without an error", r.UserName)
		}
	}
	if s.Entries != len(entries) || s.Changed != count[fleet.Changed] || s.Unchanged != count[fleet.Unchanged] ||
		s.Failed != count[fleet.Failed] || s.NotRun != count[fleet.NotRun] || s.Changed+s.Unchanged+s.Failed+s.NotRun != len(entries) {
		t.Errorf("summary %+v does not add up to the results %v", s, count)
	}
	if calls != s.TotalCalls() {
		t.Errorf("the results made %d calls, the summary says %d", calls, s.TotalCalls())
	}
}

// TestCancelMidRunLosesNothing cancels a run of several workers part way:
// every entry still has exactly one Result (delivered once, when Deliver
// takes them), entries not started sent nothing, and a rerun finishes the
// job with every user holding the new certificate Active and the old one
// Inactive.
func TestCancelMidRunLosesNothing(t *testing.T) {
	for _, deliver := range []bool{false, true} {
		fake, entries := rotating(t, 40)
		// Every call takes a little time, so several entries are under way
		// when the cancel comes.
		fake.Inject(sigcerttest.Fault{Latency: time.Millisecond, Count: 1 << 20})
		ctx, cancel := context.WithCancel(context.Background())
		api := &writeCounter{API: fake, after: 10, cancel: cancel}
		r := &fleet.Runner{API: api, Concurrency: 4}
		var (
			mu        sync.Mutex
			delivered []fleet.Result
		)
		if deliver {
			r.Deliver = func(res fleet.Result) {
				mu.Lock()
				delivered = append(delivered, res)
				mu.Unlock()
			}
		}
		rep, err := r.Run(ctx, entries)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Deliver %v: err %v, want context.Canceled", deliver, err)
		}
		results := rep.Results
		if deliver {
			if results != nil {
				t.Errorf("the Report kept %d results with Deliver set", len(results))
			}
			results = make([]fleet.Result, len(entries))
			seen := map[int]bool{}
			for _, res := range delivered {
				if seen[res.Index] {
					t.Errorf("entry %d delivered twice", res.Index)
				}
				seen[res.Index] = true
				results[res.Index] = res
			}
		}
		checkAccounted(t, entries, results, rep.Summary)
		// Ten uploads landed, at most four of them by entries still under
		// way when the cancel came.
		if s := rep.Summary; s.NotRun == 0 || s.Changed < 6 || s.Changed+s.Failed < 10 {
			t.Errorf("Deliver %v: %+v; want the first rotations done and the rest not run", deliver, rep.Summary)
		}

		fake.ClearFaults()
		rep, err = (&fleet.Runner{API: fake, Concurrency: 4}).Run(context.Background(), entries)
		if err != nil || !rep.Done() {
			t.Fatalf("rerun: %v %+v", err, rep.Summary)
		}
		for _, e := range entries {
			if diff := cmp.Diff([]types.StatusType{types.StatusTypeInactive, types.StatusTypeActive}, statuses(fake, e.UserName)); diff != "" {
				t.Errorf("%s holds (-want +got):\n%s", e.UserName, diff)
			}
		}
	}
}

// TestCancelWithEveryEntryUnderWayReturnsTheContextsError: when the
// context ends after every entry has started, none is NotRun, but those it
// stopped failed with its error: Run must still say the run was cut short.
func TestCancelWithEveryEntryUnderWayReturnsTheContextsError(t *testing.T) {
	fake, entries := rotating(t, 6)
	fake.Inject(sigcerttest.Fault{Latency: 20 * time.Millisecond, Count: 1 << 20})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &writeCounter{API: fake, after: 1, cancel: cancel}
	rep, err := (&fleet.Runner{API: api, Concurrency: len(entries)}).Run(ctx, entries)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled; summary %+v", err, rep.Summary)
	}
	checkAccounted(t, entries, rep.Results, rep.Summary)
	if rep.Summary.NotRun != 0 || rep.Summary.Failed == 0 {
		t.Errorf("%+v; want every entry started and the cancel to stop some", rep.Summary)
	}
	for _, r := range rep.Results {
		if r.Status == fleet.Failed && (!errors.Is(r.Err, context.Canceled) || r.Report == nil) {
			t.Errorf("%s: %v, report %v; want context.Canceled with Rotate's report", r.UserName, r.Err, r.Report)
		}
	}
}

// TestNotRunKeepsTheCancelsCause: an entry the context kept from running
// says why, by the context's error and by the cause it was cancelled with.
func TestNotRunKeepsTheCancelsCause(t *testing.T) {
	why := errors.New("operator stopped the batch")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(why)
	rep, err := (&fleet.Runner{API: sigcerttest.NewFake("Bob")}).Run(ctx,
		[]fleet.Entry{{UserName: "Bob", CertificateBody: newCerts(1)[0], Mode: fleet.Ensure}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if r := rep.Results[0]; r.Status != fleet.NotRun || !errors.Is(r.Err, context.Canceled) || !errors.Is(r.Err, why) {
		t.Errorf("%s: %v; want not_run matching context.Canceled and the cause", r.Status, r.Err)
	}
}
