package fleet_test

import (
	"context"
	"fmt"

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
