package sigcert_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestEnsureIsIdempotentAcrossLayouts(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		s := wrap(ep)
		up := newUploader(s)
		c := sigcerttest.NewCert()
		first, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{c.PEM, crlf(c.PEM), "\n  " + c.PEM + "\n\n"} {
			again, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
			if err != nil {
				t.Fatal(err)
			}
			if again.CertificateID != first.CertificateID || again.Fingerprint != first.Fingerprint {
				t.Errorf("Ensure again returned %s, want %s", again.CertificateID, first.CertificateID)
			}
		}
		if n := s.Calls(iamspec.OpUpload); n != 1 {
			t.Errorf("%d uploads, want 1: a held certificate must not be uploaded again", n)
		}
		if got := len(ep.Certificates("Bob")); got != 1 {
			t.Errorf("Bob holds %d certificates, want 1", got)
		}
	})
}

func TestEnsureDuplicateHeldByAnotherUser(t *testing.T) {
	forEachFace(t, []string{"Bob", "Alice"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		body := sigcerttest.NewCert().PEM
		if _, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body}); err != nil {
			t.Fatal(err)
		}
		_, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: body})
		var dup *types.DuplicateCertificateException
		if !errors.Is(err, sigcert.ErrDuplicateCertificate) || !errors.As(err, &dup) {
			t.Fatalf("err = %v, want ErrDuplicateCertificate reaching *types.DuplicateCertificateException", err)
		}
		if got := len(ep.Certificates("Alice")); got != 0 {
			t.Errorf("Alice holds %d certificates", got)
		}
	})
}

func TestEnsureResolvesDuplicateByListing(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		body := sigcerttest.NewCert().PEM
		pre, err := newUploader(ep).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if err != nil {
			t.Fatal(err)
		}
		// The first list misses it (a list made before the lost upload
		// landed); the upload then answers DuplicateCertificate.
		s := wrap(ep)
		s.EmptyLists = 1
		got, err := newUploader(s).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		if got.CertificateID != pre.CertificateID {
			t.Errorf("Ensure returned %s, want the held %s", got.CertificateID, pre.CertificateID)
		}
		if s.Calls(iamspec.OpUpload) != 1 || s.Calls(iamspec.OpList) != 2 {
			t.Errorf("uploads=%d lists=%d, want 1 and 2", s.Calls(iamspec.OpUpload), s.Calls(iamspec.OpList))
		}
	})
}

func TestEnsureAfterUnknownOutcomeListsFirst(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		body := sigcerttest.NewCert().PEM
		// The first upload is applied but its answer is a server failure.
		s := wrap(ep)
		s.Script(fault{Op: iamspec.OpUpload, Kind: applyThen, Code: iamspec.CodeServiceFailure})
		got, err := newUploader(s).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		if s.Calls(iamspec.OpUpload) != 1 {
			t.Errorf("%d uploads, want 1", s.Calls(iamspec.OpUpload))
		}
		if h := held(ep, "Bob"); len(h) != 1 || !strings.HasPrefix(h[0], got.CertificateID) {
			t.Errorf("Bob holds %v, want only %s", h, got.CertificateID)
		}
	})
}

func TestEnsureDefinitiveErrorsAreNotRetried(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		s := wrap(ep)
		_, err := newUploader(s).Ensure(context.Background(), sigcert.Request{UserName: "Nobody", CertificateBody: sigcerttest.NewCert().PEM})
		if !errors.Is(err, sigcert.ErrNoSuchEntity) {
			t.Fatalf("err = %v, want ErrNoSuchEntity", err)
		}
		if s.Calls(iamspec.OpUpload) != 0 || s.Calls(iamspec.OpList) != 1 {
			t.Errorf("uploads=%d lists=%d, want 0 and 1", s.Calls(iamspec.OpUpload), s.Calls(iamspec.OpList))
		}
	})
}

func TestEnsureLostResponseOverHTTP(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenDrop: true})
	c := sigcerttest.NewCert()
	got, err := newUploader(srv.Client()).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
	if err != nil {
		t.Fatalf("Ensure after a lost response: %v", err)
	}
	stored := srv.Certificates("Bob")
	if len(stored) != 1 || *stored[0].CertificateId != got.CertificateID {
		t.Fatalf("Bob holds %d certificates, want exactly the one Ensure returned", len(stored))
	}
	if got.Fingerprint != fingerprintOf(c.DER) {
		t.Errorf("returned certificate is not the one ensured")
	}
	if n := srv.Requests("UploadSigningCertificate"); n != 1 {
		t.Errorf("%d uploads sent, want 1: Ensure must list before uploading again", n)
	}
}

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
			c := sigcerttest.NewCert()
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
