package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func ExampleRunner() {
	api := sigcerttest.NewFake("Alice", "Bob") // an *iam.Client in real use
	entries := []fleet.Entry{
		{UserName: "Alice", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Ensure},
		{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Rotate,
			Policy: sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}},
		{UserName: "Carol", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Ensure},
	}
	r := &fleet.Runner{API: api, Rate: 10, Burst: 5}
	for run := 1; run <= 2; run++ {
		rep, err := r.Run(context.Background(), entries)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, res := range rep.Results {
			line := fmt.Sprint("run ", run, ": ", res.UserName, " ", res.Status)
			if res.Err != nil {
				line += " " + sigcert.Code(res.Err)
			}
			fmt.Println(line)
		}
	}
	// Output:
	// run 1: Alice changed
	// run 1: Bob changed
	// run 1: Carol failed NoSuchEntity
	// run 2: Alice unchanged
	// run 2: Bob unchanged
	// run 2: Carol failed NoSuchEntity
}

func ExampleAuditor() {
	api := sigcerttest.NewFake("Alice", "Bob")
	up := sigcert.NewUploader(api)
	if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	aud := &fleet.Auditor{Uploader: up} // Users: an *iam.Client, to audit every user
	rep, err := aud.Audit(context.Background(), "Alice", "Bob")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Kind, f.UserName, f.Detail)
	}
	fmt.Println("flagged:", rep.Flagged())
	// Output:
	// no_active Bob holds 0 certificate(s), none Active
	// flagged: true
}

// A dry run plans every entry with list calls only; Result.Plan says what
// the apply would do, step by step.
func ExampleRunner_dryRun() {
	api := sigcerttest.NewFake("Alice", "Bob")
	ctx := context.Background()
	if _, err := sigcert.NewUploader(api).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	entries := []fleet.Entry{
		{UserName: "Alice", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Ensure},
		{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Rotate,
			Policy: sigcert.RotatePolicy{Previous: sigcert.DeletePrevious}},
	}
	r := &fleet.Runner{API: api, DryRun: true}
	rep, err := r.Run(ctx, entries)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, res := range rep.Results {
		fmt.Println(res.UserName, res.Status)
		for _, step := range res.Plan.Steps {
			fmt.Printf("  %s (%s)\n", step.Action, step.Reason)
		}
	}
	fmt.Println(rep.Summary.Calls, "dry run:", rep.Summary.DryRun, "would change:", rep.Summary.Changed)
	fmt.Println(len(api.Certificates("Alice")), len(api.Certificates("Bob")), "held, as before")
	// Output:
	// Alice changed
	//   upload (the user does not hold the certificate)
	// Bob changed
	//   upload (the new certificate)
	//   delete (retire the previous certificate)
	// map[ListSigningCertificates:2] dry run: true would change: 2
	// 0 1 held, as before
}

// Progress receives each entry's start and end and each step's, one call
// at a time: a log, or a progress bar.
func ExampleRunner_progress() {
	api := sigcerttest.NewFake("Alice")
	r := &fleet.Runner{API: api, Progress: func(e fleet.Event) {
		switch e.Kind {
		case fleet.EntryStarted:
			fmt.Println(e.UserName, "started")
		case fleet.StepEnded:
			fmt.Println(e.UserName, e.Action, e.Err)
		case fleet.EntryEnded:
			fmt.Println(e.UserName, e.Status)
		}
	}}
	if _, err := r.Run(context.Background(), []fleet.Entry{
		{UserName: "Alice", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Ensure},
	}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Alice started
	// Alice upload <nil>
	// Alice changed
}

// Validate lists every problem of a manifest at once, before anything is
// sent.
func ExampleValidate() {
	shared := sigcerttest.NewCert().PEM
	entries := []fleet.Entry{
		{UserName: "Alice", CertificateBody: shared, Mode: fleet.Ensure},
		{UserName: "Bob", CertificateBody: shared, Mode: fleet.Ensure},
		{UserName: "carol", CertificateBody: sigcerttest.ExpiredCert().PEM, Mode: fleet.Rotate},
		{UserName: "Dave", CertificateBody: sigcerttest.NewCert().PEM, Mode: "replace"},
		{UserName: "alice", CertificateBody: sigcerttest.NewCert().PEM, Mode: fleet.Ensure, Source: "late.json"},
	}
	err := fleet.Validate(entries)
	var bad *fleet.InvalidEntriesError
	if errors.As(err, &bad) {
		for _, p := range bad.Problems {
			reason := sigcert.Code(p.Err) // IAM's code, for sigcert's pre-flight refusals
			if reason == "" {
				reason = p.Err.Error()
			}
			fmt.Printf("%s %s: %s\n", p.Entry, p.Field, reason)
		}
		fmt.Println(errors.Is(bad.Problems[0].Err, fleet.ErrSharedCertificate))
	}
	// Output:
	// entry 1 CertificateBody: certificate is also in another user's entry: entry 0 (Alice)
	// entry 2 CertificateBody: MalformedCertificate
	// entry 3 Mode: mode must be "ensure" or "rotate", not "replace"
	// late.json UserName: user has another entry with a different certificate: entry 0
	// true
}

// RateLimit holds every HTTP attempt of a client to a rate: pass one value
// to every client that shares the account's budget. Its bucket starts
// empty, so even the first requests go out at the rate. Here the local
// endpoint stands in for IAM.
func ExampleRateLimit() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	limit := fleet.RateLimit(1000, 1) // 1,000 requests a second, one at a time
	up := sigcert.NewUploader(srv.Client(), sigcert.WithAPIOptions(limit))

	start := time.Now()
	for i := 0; i < 10; i++ {
		if _, err := up.List(context.Background(), "Bob"); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(srv.Requests("ListSigningCertificates"), "lists, at least 10 ms:", time.Since(start) >= 9*time.Millisecond)
	// Output: 10 lists, at least 10 ms: true
}

// Audit with no names audits every user of the account, found with
// ListUsers (all pages), which *iam.Client and sigcerttest.Fake both have.
// A user found that way holding nothing is not flagged: most users sign
// nothing.
func ExampleAuditor_Audit() {
	api := sigcerttest.NewFake("Alice", "Bob")
	up := sigcert.NewUploader(api)
	now := time.Now()
	soon := sigcerttest.NewCert(sigcerttest.WithValidity(now.Add(-time.Hour), now.Add(10*24*time.Hour+time.Hour)))
	if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: soon.PEM}); err != nil {
		fmt.Println(err)
		return
	}
	aud := &fleet.Auditor{Uploader: up, Users: api, ExpiringWithin: 30 * 24 * time.Hour, Now: func() time.Time { return now }}
	rep, err := aud.Audit(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, u := range rep.Users {
		fmt.Print(u.UserName, ":")
		for _, c := range u.Certificates {
			fmt.Print(" ", c.Status, " ", c.KeyType, c.KeyBits, ", ", *c.DaysLeft, " days left")
		}
		fmt.Println()
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Kind, f.UserName)
	}
	fmt.Println("flagged:", rep.Flagged())
	// Output:
	// Alice: Active RSA2048, 10 days left
	// Bob:
	// sigcerttest:
	// expiring Alice
	// flagged: true
}
