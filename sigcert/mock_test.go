package sigcert_test

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
)

// mockAPI is a hand-written sigcert.API, as a user of the library would
// write one: each operation is a function field, and calls are counted.
type mockAPI struct {
	mu      sync.Mutex
	uploads []*iam.UploadSigningCertificateInput
	upload  func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error)
}

var _ sigcert.API = (*mockAPI)(nil)

func (m *mockAPI) UploadSigningCertificate(_ context.Context, in *iam.UploadSigningCertificateInput, _ ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	m.mu.Lock()
	m.uploads = append(m.uploads, in)
	m.mu.Unlock()
	if m.upload == nil {
		return echoUpload(in)
	}
	return m.upload(in)
}

func (m *mockAPI) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.uploads)
}

func (m *mockAPI) ListSigningCertificates(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	return nil, errors.New("mockAPI: ListSigningCertificates not expected")
}

func (m *mockAPI) UpdateSigningCertificate(context.Context, *iam.UpdateSigningCertificateInput, ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	return nil, errors.New("mockAPI: UpdateSigningCertificate not expected")
}

func (m *mockAPI) DeleteSigningCertificate(context.Context, *iam.DeleteSigningCertificateInput, ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	return nil, errors.New("mockAPI: DeleteSigningCertificate not expected")
}

// echoUpload answers success with the body it was given.
func echoUpload(in *iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) {
	user := "caller"
	if in.UserName != nil {
		user = *in.UserName
	}
	id := "ASCACERTIDEXAMPLE0123456789"
	return &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName:        &user,
		CertificateId:   &id,
		CertificateBody: in.CertificateBody,
		Status:          types.StatusTypeActive,
		UploadDate:      &uploadDate,
	}}, nil
}

// failWith answers every upload with err.
func failWith(err error) func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) {
	return func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) { return nil, err }
}
