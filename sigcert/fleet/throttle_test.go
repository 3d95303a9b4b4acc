package fleet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// throttledAccount is a local IAM that throttles as IAM does at perSecond
// requests a second with bursts of burst (the model's Throttling, HTTP 400
// "Rate exceeded"), whose users each hold one certificate, with the
// entries that rotate each of them to a new one, and what one such
// rotation costs on this endpoint outside any Runner.
func throttledAccount(t *testing.T, n int, perSecond float64, burst int) (*sigcerttest.Server, []fleet.Entry, map[string]int) {
	t.Helper()
	names := users(n)
	srv := sigcerttest.NewServer(names...)
	t.Cleanup(srv.Close)
	certs := newCerts(2 * n)
	entries := make([]fleet.Entry, n)
	for i, u := range names {
		give(t, srv.Client(), u, certs[i])
		entries[i] = fleet.Entry{UserName: u, CertificateBody: certs[n+i], Mode: fleet.Rotate, Policy: deactivate}
	}
	perUser := rotationCost(t, srv)
	srv.SetRateLimit(perSecond, burst) // the bucket starts full now
	return srv, entries, perUser
}

// TestRunAtTheAccountsRateIsNeverThrottled: a run whose Rate is the
// account's rate sends exactly the calls its rotations need, each once: not
// one attempt is throttled, so none is retried and nothing fails.
func TestRunAtTheAccountsRateIsNeverThrottled(t *testing.T) {
	const n, perSecond = 12, 100
	srv, entries, perUser := throttledAccount(t, n, perSecond, 8)
	before := srv.Requests("")
	// The account's rate and burst. The Runner's limiter starts empty, so
	// the account's burst is left to absorb the jitter between a request
	// leaving the limiter and reaching IAM.
	r := &fleet.Runner{API: srv.Client(), Rate: perSecond, Burst: 8}
	rep, err := r.Run(context.Background(), entries)
	if err != nil || !rep.Done() {
		t.Fatalf("%v %+v", err, rep.Summary)
	}
	want := map[string]int{}
	for op, c := range perUser {
		want[op] = c * n
	}
	if diff := cmp.Diff(want, rep.Summary.Calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, rep.Summary.Attempts); diff != "" {
		t.Errorf("attempts: a throttled attempt would be retried (-want +got):\n%s", diff)
	}
	if rep.Summary.Throttled != 0 {
		t.Errorf("%d attempts throttled at the account's rate", rep.Summary.Throttled)
	}
	if got := srv.Requests("") - before; got != sumOf(want) {
		t.Errorf("IAM received %d requests, want %d: exactly the minimum per user", got, sumOf(want))
	}
	for _, res := range rep.Results {
		if res.Calls != sumOf(perUser) {
			t.Errorf("%s: %d calls, want %d", res.UserName, res.Calls, sumOf(perUser))
		}
	}
	// The rate is what bounds the run: every request waits its turn.
	if floor := time.Duration(float64(sumOf(want)-1) / perSecond * float64(time.Second)); rep.Summary.Elapsed < floor {
		t.Errorf("%d requests in %v, faster than the rate allows (%v)", sumOf(want), rep.Summary.Elapsed, floor)
	}
}

// TestRunWithoutRateIsThrottledAndRetries is the control: the same kind of
// account, a run without Rate. Its first requests go all at once, beyond
// the account's burst, and IAM throttles some. Retries (the SDK's within a
// call, sigcert's across calls) absorb them, at the cost of requests IAM
// received beyond the work; what they cannot absorb fails its entry with
// Throttling, and nothing else, and a rerun at the account's rate finishes
// it. (With sigcert's own retries, 1 entry of 30 failed in about one run
// of 6; before them, none.)
//
// The entries are Ensure on users who hold their certificate: list calls
// only. The retryer here waits 10 ms (a token at 100/s) between attempts,
// with no retry quota, so that the test takes no real seconds. Two things
// it does not show, measured instead:
//
//   - Rotations. sigcert sends each upload once per attempt of its own, with
//     the SDK's retries off (a retry could not tell a lost upload from a
//     refused one), so a throttled upload is saved only by a retryer that
//     slows every call. With this retryer, rotating the 12 users of
//     TestRunAtTheAccountsRateIsNeverThrottled without Rate failed 9 to 12
//     of them (3 runs) with Throttling on the upload; once sigcert retried
//     throttled calls itself, 0 or 1 (on a deactivate), at 15 to 20 times
//     the lists needed.
//   - The Runner's default, the SDK's adaptive retryer, which slows every
//     call. Rotating those 12 users without Rate, it failed none, but took
//     5.6 s against 0.46 s at Rate 100: its client-side limiter starts from
//     nothing and falls to 0.5 requests a second on the first Throttling
//     (BenchmarkFleetAdaptiveOnly measures it at 50 users).
//
// That is why the docs recommend Rate, with adaptive retry as the net.
func TestRunWithoutRateIsThrottledAndRetries(t *testing.T) {
	const n, perSecond = 30, 100
	names := users(n)
	srv := sigcerttest.NewServer(names...)
	defer srv.Close()
	entries := make([]fleet.Entry, n)
	for i, body := range newCerts(n) {
		give(t, srv.Client(), names[i], body)
		entries[i] = fleet.Entry{UserName: names[i], CertificateBody: body, Mode: fleet.Ensure}
	}
	srv.SetRateLimit(perSecond, 8)
	before := srv.Requests("")
	waits := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 50
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 10 * time.Millisecond, nil })
	})
	r := &fleet.Runner{API: srv.Client(), Retryer: waits}
	rep, err := r.Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	if s.Throttled == 0 {
		t.Fatalf("nothing throttled without a rate: %+v", s)
	}
	var left []fleet.Entry
	for _, res := range rep.Results {
		switch {
		case res.Status == fleet.Failed && errors.Is(res.Err, sigcert.ErrThrottling):
			left = append(left, entries[res.Index])
		case res.Status != fleet.Unchanged:
			t.Errorf("%s: %s %v; want unchanged, or failed with Throttling", res.UserName, res.Status, res.Err)
		}
	}
	// Every attempt either did an entry's one list or was throttled; the
	// retries never add an upload.
	if s.Calls[fleet.OpList] < n || len(s.Calls) != 1 {
		t.Errorf("calls %v, want %d lists or more and nothing else", s.Calls, n)
	}
	if s.TotalAttempts() != n-len(left)+s.Throttled {
		t.Errorf("attempts %d, want the %d lists that succeeded + %d throttled", s.TotalAttempts(), n-len(left), s.Throttled)
	}
	if got := srv.Requests("") - before; got != s.TotalAttempts() {
		t.Errorf("IAM received %d requests, the Runner counted %d attempts", got, s.TotalAttempts())
	}
	t.Logf("without Rate: %d calls, %d throttled, %d failed, in %v", s.TotalCalls(), s.Throttled, len(left), s.Elapsed)
	if len(left) > 0 {
		rep, err := (&fleet.Runner{API: srv.Client(), Rate: perSecond, Burst: 8}).Run(context.Background(), left)
		if err != nil || rep.Summary.Unchanged != len(left) || rep.Summary.Throttled != 0 {
			t.Errorf("rerun of the throttled at the rate: %v %+v", err, rep.Summary)
		}
	}
}
