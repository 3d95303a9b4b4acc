package sigcert_test

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// page is a list answer with request id "req-<n>".
func page(n int, truncated bool, marker string, certs ...types.SigningCertificate) *iam.ListSigningCertificatesOutput {
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, fmt.Sprintf("req-%d", n))
	out := &iam.ListSigningCertificatesOutput{Certificates: certs, IsTruncated: truncated, ResultMetadata: md}
	if marker != "" {
		out.Marker = &marker
	}
	return out
}

func listed(id string) types.SigningCertificate {
	return types.SigningCertificate{UserName: strPtr("Bob"), CertificateId: strPtr(id), CertificateBody: strPtr(newPEM()), Status: types.StatusTypeActive}
}

// List returns the whole list or an error: an answer that would leave it
// silently partial, or that runs far beyond what one user can hold, is a
// *ServiceError with the operation and the page's request id, matching
// ErrIncompleteResponse.
func TestListIsWholeOrAnError(t *testing.T) {
	for _, tt := range []struct {
		name    string
		answer  func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput
		wantErr bool
	}{
		{"two pages", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput {
			if in.Marker == nil {
				return page(n, true, "m1", listed("A1234567890123456789012345"))
			}
			return page(n, false, "", listed("B1234567890123456789012345"))
		}, false},
		{"IsTruncated without a Marker", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput {
			return page(n, true, "", listed("A1234567890123456789012345"))
		}, true},
		{"a repeated Marker", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput {
			return page(n, true, "again")
		}, true},
		{"markers that never end", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput {
			return page(n, true, fmt.Sprintf("m%d", n))
		}, true},
		{"far more certificates than a user can hold", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput {
			var cs []types.SigningCertificate
			for i := range 11 {
				cs = append(cs, listed(fmt.Sprintf("C%025d", i)))
			}
			return page(n, false, "", cs...)
		}, true},
		{"a certificate without its id", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput {
			c := listed("A1234567890123456789012345")
			c.CertificateId = nil
			return page(n, false, "", c)
		}, true},
		{"no answer", func(n int, in *iam.ListSigningCertificatesInput) *iam.ListSigningCertificatesOutput { return nil }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := newDouble("Bob")
			n := 0
			d.ListPage = func(in *iam.ListSigningCertificatesInput) (*iam.ListSigningCertificatesOutput, error) {
				n++
				return tt.answer(n, in), nil
			}
			certs, err := newUploader(d).List(context.Background(), "Bob")
			if !tt.wantErr {
				if err != nil || len(certs) != 2 {
					t.Fatalf("got %d certificates, %v; want 2", len(certs), err)
				}
				return
			}
			var se *sigcert.ServiceError
			if certs != nil || !errors.Is(err, sigcert.ErrIncompleteResponse) || !errors.As(err, &se) {
				t.Fatalf("got %d certificates, %v; want a *ServiceError matching ErrIncompleteResponse", len(certs), err)
			}
			if se.Operation != iamspec.OpList {
				t.Errorf("Operation %q", se.Operation)
			}
			if tt.name != "no answer" && se.RequestID != fmt.Sprintf("req-%d", n) {
				t.Errorf("RequestID %q, want the last page's, req-%d", se.RequestID, n)
			}
			if n > 10 {
				t.Errorf("%d pages read, want at most 10", n)
			}
		})
	}
}

func TestListAllPagesWithParsedView(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		a, b := sigcerttest.NewCert(), sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256), sigcerttest.WithSubject(pkix.Name{CommonName: "bob-2"}))
		for _, c := range []sigcerttest.Cert{a, b} {
			if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}); err != nil {
				t.Fatal(err)
			}
		}
		s := wrap(ep)
		s.PageSize = 1
		got, err := newUploader(s).List(context.Background(), "Bob")
		if err != nil {
			t.Fatal(err)
		}
		if s.Calls(iamspec.OpList) != 2 {
			t.Errorf("%d list calls, want 2 pages", s.Calls(iamspec.OpList))
		}
		if len(got) != 2 {
			t.Fatalf("listed %d certificates, want 2", len(got))
		}
		for i, c := range []sigcerttest.Cert{a, b} {
			if got[i].CertificateBody != c.PEM || got[i].X509 == nil || got[i].ParseError != nil {
				t.Fatalf("certificate %d not parsed: %v", i, got[i].ParseError)
			}
			if got[i].X509.Subject.CommonName != c.X509.Subject.CommonName || !got[i].X509.NotAfter.Equal(c.X509.NotAfter) {
				t.Errorf("certificate %d: parsed view differs", i)
			}
			if got[i].Fingerprint != fingerprintOf(c.DER) {
				t.Errorf("certificate %d: fingerprint %s", i, got[i].Fingerprint)
			}
		}
	})
}

func TestListReportsUnparsableBody(t *testing.T) {
	s := func(v string) *string { return &v }
	api := mock(nil)
	api.ListPage = answer(&iam.ListSigningCertificatesOutput{Certificates: []types.SigningCertificate{
		{UserName: s("Bob"), CertificateId: s("ASCA0123456789ABCDEFGHIJ"), CertificateBody: s("not a certificate"), Status: types.StatusTypeActive},
		{UserName: s("Bob"), CertificateId: s("ASCA0123456789ABCDEFGHIK"), CertificateBody: s(sigcerttest.NewCert().PEM), Status: types.StatusTypeInactive},
	}})
	got, err := newUploader(api).List(context.Background(), "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ParseError == nil || got[0].X509 != nil || got[0].Fingerprint != "" {
		t.Errorf("unparsable body: ParseError=%v X509=%v", got[0].ParseError, got[0].X509)
	}
	if got[1].ParseError != nil || got[1].X509 == nil {
		t.Errorf("parsable body after an unparsable one: %v", got[1].ParseError)
	}
}
