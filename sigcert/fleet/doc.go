// Package fleet puts signing certificates on many IAM users at once, and
// audits what an account's users hold.
//
// # Applying
//
// A Runner takes one Entry per user (the user, the certificate, Ensure or
// Rotate with its sigcert.RotatePolicy) and runs them through one
// *sigcert.Uploader, Concurrency at a time:
//
//	r := &fleet.Runner{API: iam.NewFromConfig(cfg), Rate: 10, Burst: 5} // under your account's rate
//	rep, err := r.Run(ctx, entries)
//	var bad *fleet.InvalidEntriesError
//	switch {
//	case errors.As(err, &bad): // nothing was sent; bad.Problems lists every problem
//	case err != nil:           // ctx ended (rep says which entries did not run), or no API
//	}
//	for _, res := range rep.Results { ... res.Status, res.Err, res.Report ... }
//
// Entries are checked before anything is sent: empty fields, a bad mode or
// policy, sigcert's pre-flight refusals (a private key, an expired
// certificate, ...), a user named twice (IAM user names ignore case), and
// one certificate on two users, which IAM would refuse as
// DuplicateCertificate. Every problem is listed in one
// *InvalidEntriesError.
//
// A run is safe to repeat. Ensure and Rotate find work already done, so
// after a crash, a cancel or a failed entry, running the same entries again
// does only what is left; a rerun of a finished run only lists. One
// exception, harmless: rerun at once, before IAM's lists show the first
// run's uploads (IAM is eventually consistent), an entry can fail with
// DuplicateCertificate, having changed nothing; run it again a little
// later.
//
// Set DryRun to plan instead of apply: each Result.Plan lists the steps
// Ensure or Rotate would take, with their certificates and reasons, from
// the decision code the real calls run (sigcert's PlanEnsure and
// PlanRotate), and only list calls are sent. Progress receives each entry's
// start and end and each step's, one call at a time, for a progress bar or
// a log.
//
// # Rate
//
// IAM limits each account's request rate and answers Throttling beyond it.
// It publishes no figure for that rate that we found: find your account's by
// watching Summary.Throttled, which counts the attempts IAM throttled.
//
// Give Rate (and Burst): an x/time/rate limiter run as SDK middleware, one
// token per HTTP attempt, retries included, so a run takes its calls ÷
// Rate. Its bucket starts empty, so the account's own burst is left as
// room for requests that reach IAM less evenly than they left: with a full
// bucket at the start, the rotation of 1,000 users below (measured when
// Rotate still made 4 calls a user) was throttled 4 or 5 times in each of 3
// runs and took 1.38x to 1.50x its floor. RateLimit gives the same limiter
// to any client or Uploader.
//
// A Runner also sets one adaptive retryer (the SDK's retry.NewAdaptiveMode)
// on every call: it retries throttled attempts and slows every goroutine
// down together, uploads included (sigcert sends each upload with the
// SDK's retries off and retries it itself, after a list). It is the net,
// not the plan: it starts from no measured rate, and on a Throttling falls
// to 0.5 requests a second and climbs back over seconds. Without Rate, 50
// rotations whose floor at the account's rate is under 1 s took 16.3 s to
// 16.7 s (below), and a run at the account's rate that a stall of this
// machine got throttled 15 times took 1.40x its floor instead of 1.00x.
// A retryer that does not slow every call is worse without Rate: rotating
// 12 users with the SDK's standard retryer (10 ms between attempts), 1 of
// 12 failed in one of 3 runs with Throttling, and every run took 15 to 20
// times the lists it needed; before sigcert retried throttled calls
// itself, 9 to 12 of 12 failed (throttle_test.go).
//
// # Scale
//
// One process is enough. IAM's per-account request rate, not this machine,
// bounds a run: each entry spends its time waiting on IAM, and the default
// 16 goroutines already keep more requests in flight than a rate of a few
// hundred a second needs (rate × latency). More goroutines only queue
// behind the rate. Memory grows with the entries and the Results kept, not
// with the goroutines. Many accounts are many runs, one per account, each
// with its own credentials (a profile or an assumed role) and its own
// account's rate; they share nothing and can run side by side.
//
// Measured against the local endpoint (sigcerttest.Server), which answers
// every request after 20 ms and throttles as IAM does beyond 200 requests a
// second, burst 20 (the model's Throttling, HTTP 400 "Rate exceeded"), with
// Rate 200, Burst 20 and the default Concurrency, on 2 cores shared with
// other work:
//
//	SIGCERT_SCALE=1 go test -run '^$' -bench Fleet -benchtime 1x -count 3 ./sigcert/fleet
//
//	                          time           × floor (calls ÷ 200/s)  calls a user  throttled  failures
//	rotate 1,000 users        15.01 s        1.001 (3 runs)           3             0          0
//	ensure 1,000 holders       5.01 s        1.002 – 1.003 (2 runs)   1             0          0
//	rotate 50, no Rate        16.3 – 16.7 s  13.4 – 15.6 (3 runs)     4.3 – 5.0     7 – 11     0
//
// Rotate's three calls are list, upload, deactivate; "calls a user" counts
// sigcert's calls, so a throttled call retried by sigcert counts again.
// Before sigcert's Rotate dropped a second list, the rotation made 4 calls
// a user and took 20.01 s (1.000x to 1.001x in 5 runs, 0 throttled); a
// sixth run, with this package's tests compiling beside it, was throttled
// 15 times and took 1.40x: a stall of the process let requests reach the
// endpoint bunched beyond its burst, and the adaptive retryer then held the
// rate down for seconds after each Throttling.
//
// Memory, rotating against an IAM that stores nothing, so that the figures
// are the Runner's and sigcert's:
//
//	SIGCERT_SCALE=1 go test -run 'FleetMemory|FleetPeakRSS' -v ./sigcert/fleet
//
//	                          live heap after the run   peak heap in the run   peak RSS, child process
//	Deliver, 1,000 users      +0.00 MiB                 +2.4 – 2.6 MiB         18.3 → 18.8 MiB, 18.3 → 21.5 MiB
//	Deliver, 10,000 users     +0.00 – 0.01 MiB          +8.2 – 14.9 MiB        29.6 → 34.4 MiB, 31.9 → 39.7 MiB
//	Results kept, 1,000       +6.1 MiB (6.4 KB a user)  +7.0 – 8.4 MiB         17.8 → 23.7 MiB, 18.2 → 27.2 MiB
//	Results kept, 10,000      +60.5 MiB (6.3 KB a user) +81.5 – 97.2 MiB       29.5 → 107.4 MiB, 32.1 → 126.9 MiB
//
// (2 runs each; RSS "a → b": after building the entries, then after the
// run.) With Deliver the run keeps nothing: the live heap after it is where it
// started, at 1,000 users and at 10,000 alike. Its peak grows with the
// entries only as garbage the collector lets accumulate in proportion to
// the live heap (GOGC), not with what the run holds. A kept Result holds
// the parsed certificates (about 6 KB), so a large run should Deliver.
//
// # Auditing
//
// An Auditor lists the signing certificates of the given users, or of every
// user of the account (ListUsers, all pages, through UserLister, which
// *iam.Client satisfies), and reports for each its status, NotAfter, days
// left, key, subject, or why it does not parse. Its findings flag what
// needs attention: Active certificates expiring soon or already expired,
// users at IAM's quota of two or without an Active certificate, one
// certificate on two users, RSA keys under 2048 bits, and users whose
// certificates could not be listed. Audit.Flagged is the gate for CI.
package fleet
