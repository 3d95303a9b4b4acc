package sigcert_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"time"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// selfSignedPEM makes a certificate with the standard library alone, so
// that these Examples can be copied as they are.
func selfSignedPEM(name string) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// A dry run of Ensure: list calls only. Once the user holds the
// certificate, the plan is empty.
func ExampleUploader_PlanEnsure() {
	up := sigcert.NewUploader(sigcerttest.NewFake("Bob"))
	ctx := context.Background()
	req := sigcert.Request{UserName: "Bob", CertificateBody: selfSignedPEM("bob")}

	plan, err := up.PlanEnsure(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Steps)
	if _, err := up.Ensure(ctx, req); err != nil {
		fmt.Println(err)
		return
	}
	plan, _ = up.PlanEnsure(ctx, req)
	fmt.Println(len(plan.Steps), "steps; held:", plan.Holding != nil)
	// Output:
	// [upload (the user does not hold the certificate)]
	// 0 steps; held: true
}

// A dry run of Rotate: each step with its certificate and reason, from the
// decisions Rotate itself makes, so that Rotate then does exactly this.
func ExampleUploader_PlanRotate() {
	up := sigcert.NewUploader(sigcerttest.NewFake("Bob"))
	ctx := context.Background()
	old, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: selfSignedPEM("bob old")})
	if err != nil {
		fmt.Println(err)
		return
	}
	req := sigcert.Request{UserName: "Bob", CertificateBody: selfSignedPEM("bob new")}
	policy := sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}

	plan, err := up.PlanRotate(ctx, req, policy)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range plan.Steps {
		fmt.Println(s.Action, s.CertificateID == old.CertificateID, s.Reason)
	}
	rot, err := up.Rotate(ctx, req, policy)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(rot.Steps), "steps done")
	// Output:
	// upload false the new certificate
	// deactivate true retire the previous certificate
	// 2 steps done
}

// Log each step of a workflow as it ends, with log/slog.
func ExampleWithStepObserver() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		// Drop the time, so that the output is the same on every run.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "took" {
				return slog.Attr{}
			}
			return a
		},
	}))
	up := sigcert.NewUploader(sigcerttest.NewFake("Bob"), sigcert.WithStepObserver(func(e sigcert.StepEvent) {
		if e.Done {
			logger.Info("step", "op", e.Operation, "user", e.UserName, "action", e.Action, "err", e.Err, "took", e.Duration)
		}
	}))
	if _, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: selfSignedPEM("bob")}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// level=INFO msg=step op=Ensure user=Bob action=upload err=<nil>
}
