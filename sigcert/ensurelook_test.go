package sigcert_test

import (
	"context"
	"testing"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// Ensure's last upload attempt lands but its response is lost: Ensure looks
// once more, finds the certificate, and returns it instead of an error for a
// certificate the user holds. (TestEnsureUnderFaults seed 208.)
func TestEnsureLooksAfterLastUpload(t *testing.T) {
	for _, code := range []string{iamspec.CodeConcurrentModification, iamspec.CodeServiceFailure} {
		t.Run(code, func(t *testing.T) {
			srv := sigcerttest.NewServer("Bob")
			defer srv.Close()
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: code, Count: 3})
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, ApplyThenDrop: true})
			c := certgen.Valid()
			got, err := newUploader(srv.Client()).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
			h := held(httpEndpoint{srv.Client(), srv}, "Bob")
			if err != nil {
				t.Fatalf("Ensure: %v; Bob holds %v", err, h)
			}
			if len(h) != 1 || h[0] != got.CertificateID+":Active" || got.Fingerprint != fingerprintOf(c.DER) {
				t.Errorf("Ensure returned %s; Bob holds %v", got.CertificateID, h)
			}
			if n := srv.Requests(iamspec.OpUpload); n != 4 {
				t.Errorf("%d uploads, want 4", n)
			}
		})
	}
}
