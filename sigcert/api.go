package sigcert

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// API is the part of *iam.Client that sigcert uses; *iam.Client satisfies it.
//
// Declare your test doubles against it, or use the fakes in
// sigcert/sigcerttest.
type API interface {
	UploadSigningCertificate(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error)
	ListSigningCertificates(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error)
	UpdateSigningCertificate(context.Context, *iam.UpdateSigningCertificateInput, ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error)
	DeleteSigningCertificate(context.Context, *iam.DeleteSigningCertificateInput, ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error)
}

var _ API = (*iam.Client)(nil)
