package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/validate"
)

// fakeIAM is the kind of narrow test double the sigcert.API interface is for:
// embed the interface and implement only the calls your code makes.
type fakeIAM struct {
	sigcert.API
	answer error
}

func (f fakeIAM) UploadSigningCertificate(_ context.Context, in *iam.UploadSigningCertificateInput, _ ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	if f.answer != nil {
		return nil, f.answer
	}
	user, id, when := "Bob", "ASCAEXAMPLECERTIFICATEID01", time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	return &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName: &user, CertificateId: &id, CertificateBody: in.CertificateBody,
		Status: types.StatusTypeActive, UploadDate: &when,
	}}, nil
}

// Upload with a mocked IAM interface, as a unit test would.
func ExampleUploader_Upload() {
	up := sigcert.NewUploader(fakeIAM{})
	cert, err := up.Upload(context.Background(), sigcert.Request{
		UserName:        "Bob",
		CertificateBody: certgen.Valid().PEM,
	})
	if err != nil {
		fmt.Println("upload failed:", err)
		return
	}
	fmt.Println(cert.UserName, cert.CertificateID, cert.Status, cert.UploadDate.Format(time.DateOnly))
	// Output: Bob ASCAEXAMPLECERTIFICATEID01 Active 2026-11-22
}

// Match errors with errors.Is: IAM's answers and local refusals alike.
func ExampleUploader_Upload_errors() {
	dup := &types.DuplicateCertificateException{Message: new(string)}
	up := sigcert.NewUploader(fakeIAM{answer: dup})

	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM})
	var sdkErr *types.DuplicateCertificateException
	fmt.Println(errors.Is(err, sigcert.ErrDuplicateCertificate), errors.As(err, &sdkErr))

	// An expired certificate is refused before any request is sent.
	_, err = up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: certgen.Expired().PEM})
	var local *sigcert.PreflightError
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate), errors.Is(err, validate.ErrExpired), errors.As(err, &local))
	// Output:
	// true true
	// true true true
}
