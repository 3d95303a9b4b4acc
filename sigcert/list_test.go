package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
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
