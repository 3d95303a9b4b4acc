package fleet_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

var deactivate = sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}

func TestRunAppliesEachEntryAndSummarises(t *testing.T) {
	fake := sigcerttest.NewFake("Alice", "Bob", "Carol", "Dave")
	certs := newCerts(5)
	give(t, fake, "Alice", certs[0]) // holds the one her entry ensures
	give(t, fake, "Bob", certs[1])   // to be rotated away
	entries := []fleet.Entry{
		{UserName: "Alice", CertificateBody: certs[0], Mode: fleet.Ensure},
		{UserName: "Bob", CertificateBody: certs[2], Mode: fleet.Rotate, Policy: deactivate},
		{UserName: "Carol", CertificateBody: certs[3], Mode: fleet.Ensure},
		{UserName: "Nobody", CertificateBody: certs[4], Mode: fleet.Rotate},
	}
	rep, err := (&fleet.Runner{API: fake}).Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	var got []fleet.Status
	for _, r := range rep.Results {
		got = append(got, r.Status)
	}
	if diff := cmp.Diff([]fleet.Status{fleet.Unchanged, fleet.Changed, fleet.Changed, fleet.Failed}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if !errors.Is(rep.Results[3].Err, sigcert.ErrNoSuchEntity) || rep.Results[3].Report == nil {
		t.Errorf("Nobody: err %v, report %v; want ErrNoSuchEntity with Rotate's report", rep.Results[3].Err, rep.Results[3].Report)
	}
	if c := rep.Results[1].Certificate; c == nil || c.CertificateBody != certs[2] || rep.Results[1].Rotation == nil {
		t.Errorf("Bob's result does not carry the new certificate and the rotation: %+v", rep.Results[1])
	}
	if diff := cmp.Diff([]types.StatusType{types.StatusTypeInactive, types.StatusTypeActive}, statuses(fake, "Bob")); diff != "" {
		t.Errorf("Bob holds (-want +got):\n%s", diff)
	}
	s := rep.Summary
	if s.Entries != 4 || s.Changed != 2 || s.Unchanged != 1 || s.Failed != 1 || s.NotRun != 0 {
		t.Errorf("summary %+v, want 4 entries: 2 changed, 1 unchanged, 1 failed", s)
	}
	// Writes: Bob's upload and deactivate, Carol's upload; lists are
	// sigcert's business, but every call is some entry's.
	if s.Calls[fleet.OpUpload] != 2 || s.Calls[fleet.OpUpdate] != 1 || s.Calls[fleet.OpDelete] != 0 {
		t.Errorf("calls %v, want 2 uploads, 1 update, no delete", s.Calls)
	}
	perEntry := 0
	for _, r := range rep.Results {
		perEntry += r.Calls
	}
	if perEntry != s.TotalCalls() || s.TotalCalls() == 0 {
		t.Errorf("entries made %d calls, summary says %d", perEntry, s.TotalCalls())
	}
	if len(s.Attempts) != 0 {
		t.Errorf("attempts %v with a Fake, which runs no SDK middleware", s.Attempts)
	}
	if rep.Done() {
		t.Error("Done with a failed entry")
	}
}

func TestRerunAfterCancelledRunDoesOnlyWhatIsLeft(t *testing.T) {
	names := users(8)
	fake := sigcerttest.NewFake(names...)
	old, next := newCerts(len(names)), newCerts(len(names))
	var entries []fleet.Entry
	for i, u := range names {
		give(t, fake, u, old[i])
		entries = append(entries, fleet.Entry{UserName: u, CertificateBody: next[i], Mode: fleet.Rotate, Policy: deactivate})
	}
	// Every user needs two writes: upload the new one, deactivate the old.
	const writesPerUser = 2

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancelled right after the third upload: the third user's deactivate
	// never happens, and the other users never start.
	first := &writeCounter{API: fake, after: 3, cancel: cancel}
	rep, err := (&fleet.Runner{API: first, Concurrency: 1}).Run(ctx, entries)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: err %v, want context.Canceled", err)
	}
	s := rep.Summary
	if s.Changed != 2 || s.Failed != 1 || s.NotRun != 5 {
		t.Fatalf("cancelled run: %+v, want 2 changed, 1 failed, 5 not run", s)
	}
	if r := rep.Results[2]; r.Report == nil || len(r.Report.Done) != 1 || r.Report.Done[0].Action != sigcert.ActionUpload {
		t.Errorf("the interrupted entry's report should name its upload as done: %+v", r.Report)
	}
	for _, r := range rep.Results[3:] {
		if r.Status != fleet.NotRun || !errors.Is(r.Err, context.Canceled) || r.Calls != 0 {
			t.Errorf("%s: %s, %v, %d calls; want not_run, context.Canceled, 0 calls", r.UserName, r.Status, r.Err, r.Calls)
		}
	}

	second := &writeCounter{API: fake}
	rep, err = (&fleet.Runner{API: second, Concurrency: 1}).Run(context.Background(), entries)
	if err != nil || !rep.Done() {
		t.Fatalf("rerun: %v, %+v", err, rep.Summary)
	}
	if got, want := second.wrote(), writesPerUser*len(names)-first.wrote(); got != want || want != 11 {
		t.Errorf("rerun wrote %d times, want %d (the first run wrote %d)", got, want, first.wrote())
	}
	if rep.Results[2].Status != fleet.Changed || rep.Results[0].Status != fleet.Unchanged {
		t.Errorf("rerun: user 2 %s (only its deactivate was left), user 0 %s", rep.Results[2].Status, rep.Results[0].Status)
	}
	for _, u := range names {
		if diff := cmp.Diff([]types.StatusType{types.StatusTypeInactive, types.StatusTypeActive}, statuses(fake, u)); diff != "" {
			t.Errorf("%s holds (-want +got):\n%s", u, diff)
		}
	}

	// A third run finds everything done: one list per user, no write.
	third := &writeCounter{API: fake}
	rep, err = (&fleet.Runner{API: third}).Run(context.Background(), entries)
	if err != nil || rep.Summary.Unchanged != len(names) || third.wrote() != 0 {
		t.Errorf("run after done: %v, %+v, %d writes", err, rep.Summary, third.wrote())
	}
	if diff := cmp.Diff(map[string]int{fleet.OpList: len(names)}, rep.Summary.Calls); diff != "" {
		t.Errorf("calls of a finished run's rerun (-want +got):\n%s", diff)
	}
}

func TestRunWithEndedContextSendsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &writeCounter{API: sigcerttest.NewFake("Bob")}
	rep, err := (&fleet.Runner{API: api}).Run(ctx, []fleet.Entry{{UserName: "Bob", CertificateBody: newCerts(1)[0], Mode: fleet.Ensure}})
	if !errors.Is(err, context.Canceled) || rep.Summary.NotRun != 1 || rep.Summary.TotalCalls() != 0 {
		t.Errorf("err %v, summary %+v; want context.Canceled and 1 not run with no call", err, rep.Summary)
	}
}

func TestRunRefusesInvalidEntriesBeforeSending(t *testing.T) {
	api := &writeCounter{API: sigcerttest.NewFake("Bob")}
	rep, err := (&fleet.Runner{API: api}).Run(context.Background(), []fleet.Entry{{UserName: "Bob", Mode: fleet.Ensure}})
	var inv *fleet.InvalidEntriesError
	if !errors.As(err, &inv) || rep != nil {
		t.Fatalf("err %v, report %v; want *InvalidEntriesError and no report", err, rep)
	}
	if (&fleet.Runner{}).API != nil {
		t.Fatal("zero Runner has an API")
	}
	if _, err := (&fleet.Runner{}).Run(context.Background(), nil); err == nil {
		t.Error("a Runner without API ran")
	}
}

func TestRunOverHTTPCountsCallsAndAbsorbsThrottling(t *testing.T) {
	names := users(5)
	srv := sigcerttest.NewServer(names...)
	defer srv.Close()
	certs := newCerts(2 * len(names))
	var entries []fleet.Entry
	for i, u := range names {
		give(t, srv.Client(), u, certs[i])
		entries = append(entries, fleet.Entry{UserName: u, CertificateBody: certs[len(names)+i], Mode: fleet.Rotate, Policy: deactivate})
	}
	// What one rotation costs, measured on the same endpoint outside the
	// Runner: the Runner must add no call of its own.
	perUser := rotationCost(t, srv)

	srv.Inject(sigcerttest.Fault{Action: "ListSigningCertificates", Count: 2, Code: "Throttling"})
	r := &fleet.Runner{API: srv.Client(), Retryer: fastRetryer()}
	rep, err := r.Run(context.Background(), entries)
	if err != nil || !rep.Done() {
		t.Fatalf("%v %+v", err, rep.Summary)
	}
	want := map[string]int{}
	for op, n := range perUser {
		want[op] = n * len(names)
	}
	if diff := cmp.Diff(want, rep.Summary.Calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	want[fleet.OpList] += 2 // the two throttled attempts, retried by the SDK
	if diff := cmp.Diff(want, rep.Summary.Attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if rep.Summary.Throttled != 2 {
		t.Errorf("throttled %d, want 2", rep.Summary.Throttled)
	}
	for _, res := range rep.Results {
		if total := sumOf(perUser); res.Calls != total {
			t.Errorf("%s made %d calls, want %d", res.UserName, res.Calls, total)
		}
	}
}

func TestRateSpacesEveryAttempt(t *testing.T) {
	names := users(6)
	srv := sigcerttest.NewServer(names...)
	defer srv.Close()
	var entries []fleet.Entry
	for i, body := range newCerts(len(names)) {
		give(t, srv.Client(), names[i], body)
		entries = append(entries, fleet.Entry{UserName: names[i], CertificateBody: body, Mode: fleet.Ensure})
	}
	// Six lists at 100/s with no burst beyond one: the last waits 50 ms.
	const perSecond = 100
	r := &fleet.Runner{API: srv.Client(), Rate: perSecond, Burst: 1, Retryer: fastRetryer()}
	start := time.Now()
	rep, err := r.Run(context.Background(), entries)
	elapsed := time.Since(start)
	if err != nil || rep.Summary.Unchanged != len(names) {
		t.Fatalf("%v %+v", err, rep.Summary)
	}
	if floor := time.Duration(len(names)-1) * time.Second / perSecond; elapsed < floor {
		t.Errorf("%d requests took %v at %d/s; the rate allows no less than %v", len(names), elapsed, perSecond, floor)
	}
}

func TestDeliverGetsEveryResultAndTheReportKeepsNone(t *testing.T) {
	names := users(20)
	fake := sigcerttest.NewFake(names...)
	var entries []fleet.Entry
	for i, body := range newCerts(len(names)) {
		entries = append(entries, fleet.Entry{UserName: names[i], CertificateBody: body, Mode: fleet.Ensure})
	}
	seen := map[int]fleet.Status{}
	r := &fleet.Runner{API: fake, Concurrency: 4, Deliver: func(res fleet.Result) {
		seen[res.Index] = res.Status // unguarded: Deliver is called one at a time
	}}
	rep, err := r.Run(context.Background(), entries)
	if err != nil || rep.Results != nil {
		t.Fatalf("err %v, %d results kept", err, len(rep.Results))
	}
	if len(seen) != len(names) || rep.Summary.Changed != len(names) {
		t.Errorf("delivered %d of %d; summary %+v", len(seen), len(names), rep.Summary)
	}
	for i, st := range seen {
		if st != fleet.Changed {
			t.Errorf("entry %d: %s", i, st)
		}
	}
}

func TestRateLimitTakesATokenForEveryAttemptRetriesIncluded(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "ListSigningCertificates", Count: 2, Code: "Throttling"})
	limit := fleet.RateLimit(50, 1)
	// The same limiter given twice (client and Uploader) is one limiter:
	// count the rate middlewares in the stack once every option has run.
	limiters := 0
	inspect := func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			limiters = 0
			for _, id := range st.Finalize.List() {
				if strings.HasPrefix(id, "SigcertFleetRateLimit") {
					limiters++
				}
			}
			return nil
		})
	}
	up := sigcert.NewUploader(srv.Client(limit), sigcert.WithAPIOptions(limit, inspect))
	start := time.Now()
	if _, err := up.List(context.Background(), "Bob"); err != nil {
		t.Fatal(err)
	}
	// One call, three attempts: at 50/s with no burst, the third waits for
	// the second token after the first.
	if got := time.Since(start); got < 40*time.Millisecond {
		t.Errorf("3 attempts at 50/s took %v, want at least 40 ms", got)
	}
	if limiters != 1 {
		t.Errorf("%d rate-limit middlewares in the stack, want 1", limiters)
	}
	if n := srv.Requests("ListSigningCertificates"); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

// TestRunOverUsersHoldingExpiredCertificates: IAM's third status, Expired
// (set in the model by MarkExpired), is neither an error nor Active. A
// rotation makes room by deleting an Expired certificate as it would an
// Inactive one; Ensure, which never deletes, fails at the quota with
// LimitExceeded, named in the entry's result.
func TestRunOverUsersHoldingExpiredCertificates(t *testing.T) {
	fake := sigcerttest.NewFake("Mixed", "Retired", "Full")
	for _, u := range []string{"Mixed", "Mixed", "Retired", "Full", "Full"} {
		give(t, fake, u, newCerts(1)[0])
	}
	fake.MarkExpired("Mixed", *fake.Certificates("Mixed")[0].CertificateId)
	fake.MarkExpired("Retired", *fake.Certificates("Retired")[0].CertificateId)
	for _, c := range fake.Certificates("Full") {
		fake.MarkExpired("Full", *c.CertificateId)
	}
	c := newCerts(3)
	rep, err := (&fleet.Runner{API: fake}).Run(context.Background(), []fleet.Entry{
		{UserName: "Mixed", CertificateBody: c[0], Mode: fleet.Rotate, Policy: deactivate},
		{UserName: "Retired", CertificateBody: c[1], Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeletePrevious}},
		{UserName: "Full", CertificateBody: c[2], Mode: fleet.Ensure},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]types.StatusType{
		"Mixed":   {types.StatusTypeInactive, types.StatusTypeActive}, // the Expired one deleted for room
		"Retired": {types.StatusTypeActive},
		"Full":    {types.StatusTypeExpired, types.StatusTypeExpired},
	}
	for u, w := range want {
		if diff := cmp.Diff(w, statuses(fake, u)); diff != "" {
			t.Errorf("%s holds (-want +got):\n%s", u, diff)
		}
	}
	if rep.Results[0].Status != fleet.Changed || rep.Results[1].Status != fleet.Changed {
		t.Errorf("rotations: %s, %s", rep.Results[0].Status, rep.Results[1].Status)
	}
	if r := rep.Results[2]; r.Status != fleet.Failed || !errors.Is(r.Err, sigcert.ErrLimitExceeded) {
		t.Errorf("Full: %s %v; want failed with LimitExceeded", r.Status, r.Err)
	}
}

// TestRateLimitStartsEmpty: the limiter's first token comes after
// 1 ÷ perSecond, whatever the burst, so a run never spends the account's
// burst at its start (TestRunAtTheAccountsRateIsNeverThrottled fails
// without this: requests reach IAM bunched beyond a burst already spent).
func TestRateLimitStartsEmpty(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	up := sigcert.NewUploader(srv.Client(fleet.RateLimit(20, 5)))
	start := time.Now()
	if _, err := up.List(context.Background(), "Bob"); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 40*time.Millisecond {
		t.Errorf("the first request at 20/s left after %v, want about 50 ms", got)
	}
}
