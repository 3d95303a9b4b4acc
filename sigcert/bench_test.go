package sigcert_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// nopAPI answers every upload at once with a fixed certificate: what remains
// of Upload is pre-flight and result handling.
type nopAPI struct {
	sigcert.API
	out *iam.UploadSigningCertificateOutput
}

func (n nopAPI) UploadSigningCertificate(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	return n.out, nil
}

func newNopAPI(body string) nopAPI {
	user, id, when := "Bob", "ASCAEXAMPLECERTIFICATEID01", time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	return nopAPI{out: &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName: &user, CertificateId: &id, CertificateBody: &body, Status: types.StatusTypeActive, UploadDate: &when,
	}}}
}

// BenchmarkPreflight compares the whole pre-flight of a typical RSA-2048
// certificate, run through Upload with a no-op API, with the least any
// parse costs: a bare pem.Decode and x509.ParseCertificate of the same body.
// Target (issue 10, item 10): upload/bare at most 1.10. go test's -count runs
// one side after the other; TestPreflightPaired interleaves them.
func BenchmarkPreflight(b *testing.B) {
	body := sigcerttest.NewCert().PEM
	b.Run("bare-pem-x509", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			block, _ := pem.Decode([]byte(body))
			if _, err := x509.ParseCertificate(block.Bytes); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("upload-nop-api", func(b *testing.B) {
		up := sigcert.NewUploader(newNopAPI(body))
		ctx := context.Background()
		req := sigcert.Request{UserName: "Bob", CertificateBody: body}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := up.Upload(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestPreflightPaired measures BenchmarkPreflight's ratio with both sides
// interleaved batch by batch, so that the rest of the machine loads both
// alike, and logs the median over rounds of each round's upload/bare ratio
// (target: at most 1.10), with validate.Parse alone and the fingerprint for
// reference. It asserts nothing about time. Opt in with SIGCERT_PAIRED=1;
// SIGCERT_PAIRED_ROUNDS (default 30) and SIGCERT_PAIRED_BATCH (default 2000
// calls per side per round) size it:
//
//	SIGCERT_PAIRED=1 go test ./sigcert -run '^TestPreflightPaired$' -v
func TestPreflightPaired(t *testing.T) {
	if os.Getenv("SIGCERT_PAIRED") == "" {
		t.Skip("a measurement, not a test: set SIGCERT_PAIRED=1 to run it")
	}
	rounds := envInt(t, "SIGCERT_PAIRED_ROUNDS", 30)
	batch := envInt(t, "SIGCERT_PAIRED_BATCH", 2000)
	body := sigcerttest.NewCert().PEM
	up := sigcert.NewUploader(newNopAPI(body))
	ctx := context.Background()
	req := sigcert.Request{UserName: "Bob", CertificateBody: body}
	block, _ := pem.Decode([]byte(body))
	der, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sides := []struct {
		name string
		op   func()
	}{
		{"bare pem.Decode+x509.ParseCertificate", func() {
			block, _ := pem.Decode([]byte(body))
			if _, err := x509.ParseCertificate(block.Bytes); err != nil {
				t.Fatal(err)
			}
		}},
		{"Upload, no-op API", func() {
			if _, err := up.Upload(ctx, req); err != nil {
				t.Fatal(err)
			}
		}},
		{"validate.Parse", func() {
			if _, err := validate.Parse(body, validate.CertificateOptions{}); err != nil {
				t.Fatal(err)
			}
		}},
		{"sha256 fingerprint", func() { sigcert.Fingerprint(der) }},
	}
	ratios := make([][]float64, len(sides))
	perOp := make([][]float64, len(sides))
	for r := range rounds {
		times := make([]float64, len(sides))
		for k := range sides {
			s := (k + r) % len(sides) // rotate the order from round to round
			start := time.Now()
			for range batch {
				sides[s].op()
			}
			times[s] = float64(time.Since(start).Nanoseconds()) / float64(batch)
		}
		for s := range sides {
			ratios[s] = append(ratios[s], times[s]/times[0])
			perOp[s] = append(perOp[s], times[s])
		}
	}
	for s, side := range sides {
		t.Logf("%-40s median %7.0f ns/op, median ratio to bare %.3f", side.name, median(perOp[s]), median(ratios[s]))
	}
	ratio := median(ratios[1])
	t.Logf("pre-flight through Upload / bare parse: %.3f over %d rounds of %d (target <= 1.10: %s)", ratio, rounds, batch, verdict(ratio <= 1.10))
}
