package sigcert_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// A certificate crypto/x509 cannot parse (here a negative serial, which IAM
// is not known to refuse) is one certificate by its DER, like any other:
// List gives it a fingerprint, and Ensure recognises it in another PEM
// layout instead of uploading it again.
func TestGoRejectedCertificateIsKnownByItsDER(t *testing.T) {
	body, err := os.ReadFile("../validate/testdata/x509/negative-serial.pem")
	if err != nil {
		t.Fatal(err)
	}
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	sent, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: string(body)})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	listed, err := up.List(ctx, "Bob")
	if err != nil || len(listed) != 1 {
		t.Fatalf("List: %v, %d certificates", err, len(listed))
	}
	if listed[0].X509 != nil || listed[0].ParseError == nil || listed[0].Fingerprint == "" || listed[0].Fingerprint != sent.Fingerprint {
		t.Errorf("listed: X509 %v, ParseError %v, Fingerprint %q; uploaded with %q", listed[0].X509, listed[0].ParseError, listed[0].Fingerprint, sent.Fingerprint)
	}
	crlf := strings.ReplaceAll(string(body), "\n", "\r\n")
	got, err := up.Ensure(ctx, sigcert.Request{UserName: "Bob", CertificateBody: crlf})
	if err != nil || got.CertificateID != sent.CertificateID || got.Fingerprint != sent.Fingerprint {
		t.Errorf("Ensure in CRLF layout: %+v, %v; want the uploaded %s", got, err, sent.CertificateID)
	}
	if n := fake.Requests("UploadSigningCertificate"); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
}
