package sigcert_test

import (
	"context"
	"testing"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// Pre-flight allows whitespace before the BEGIN line, indentation included,

// and IAM stores the body as sent. List must parse such a body too, or

// Ensure and Rotate do not recognise the certificate they uploaded and send

// it again: DuplicateCertificate, and an error while it is attached.
func TestIndentedBodyIsRecognisedOnceStored(t *testing.T) {
	c := sigcerttest.NewCert()
	for _, body := range []string{"\n  " + c.PEM, "\t" + c.PEM, "  " + crlf(c.PEM)} {
		forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
			s := wrap(ep)
			up := newUploader(s)
			req := sigcert.Request{UserName: "Bob", CertificateBody: body}
			first, err := up.Ensure(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			listed, err := up.List(context.Background(), "Bob")
			if err != nil {
				t.Fatal(err)
			}
			if len(listed) != 1 || listed[0].ParseError != nil || listed[0].Fingerprint != fingerprintOf(c.DER) {
				t.Fatalf("List does not parse the stored body: %d certificates, ParseError %v", len(listed), listed[0].ParseError)
			}
			again, err := up.Ensure(context.Background(), req)
			if err != nil {
				t.Fatalf("Ensure again: %v", err)
			}
			r, err := up.Rotate(context.Background(), req, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious})
			if err != nil {
				t.Fatalf("Rotate after Ensure: %v", err)
			}
			if again.CertificateID != first.CertificateID || r.New.CertificateID != first.CertificateID || len(r.Steps) != 0 {
				t.Errorf("Ensure %s, again %s, Rotate %s with steps %v", first.CertificateID, again.CertificateID, r.New.CertificateID, r.Steps)
			}
			if n := s.Calls(iamspec.OpUpload); n != 1 {
				t.Errorf("%d uploads, want 1", n)
			}
		})
	}
}
