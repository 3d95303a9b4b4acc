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
// does only what is left; a rerun of a finished run only lists.
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
// A Runner sets one adaptive retryer (the SDK's retry.NewAdaptiveMode) on
// every call: it retries throttled attempts and slows every goroutine down
// together. Starting from nothing, it backs off hard on the first
// Throttling, so give Rate as well, a little under the account's rate: it
// is an x/time/rate limiter run as SDK middleware, taking one token per HTTP
// attempt (retries included), and a run then takes about its calls ÷ Rate.
// RateLimit gives the same limiter to any client or Uploader.
//
// # Scale
//
// One process is enough. IAM's per-account request rate, not this machine,
// bounds a run: each entry spends its time waiting on IAM, and the default
// 16 goroutines already keep more requests in flight than a rate of a few
// hundred a second needs (rate × latency). More goroutines only queue
// behind the rate. Memory grows with the entries and their results, not
// with the goroutines. Many accounts are many runs, one per account, each
// with its own credentials (a profile or an assumed role) and its own
// account's rate; they share nothing and can run side by side.
//
// Measured against the local endpoint (sigcerttest.Server) with 20 ms on
// every request and Rate 200, Burst 20, default Concurrency:
//
//	SIGCERT_SCALE=1 go test -run '^$' -bench Fleet -benchtime 1x ./sigcert/fleet
//
//	                      time (3 runs)       floor = calls ÷ rate   × floor        calls a user   failures
//	rotate 1,000 users    19.93 s – 20.49 s   20.0 s                 0.999 – 1.025  4              0
//	ensure 1,000 holders   4.92 s –  5.42 s    5.0 s                 0.984 – 1.083  1              0
//
// (on 2 cores shared with other work). A run takes its floor: the rate is
// the bound, not the process. (Rotate's
// four calls are list, list, upload, deactivate.) Memory, rotating against
// an IAM that stores nothing:
//
//	SIGCERT_SCALE=1 go test -run FleetMemory -v ./sigcert/fleet
//
// keeping every Result costs about 6.3 KB a user (60 MiB at 10,000, mostly
// the parsed certificates each Result carries); with Deliver the live heap
// after the run is back where it started, at 1,000 users and at 10,000
// alike.
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
