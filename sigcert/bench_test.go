package sigcert_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
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
// Target: upload/bare at most 1.5.
func BenchmarkPreflight(b *testing.B) {
	body := certgen.Valid().PEM
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
