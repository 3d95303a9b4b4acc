package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// Every Example here runs against sigcerttest's in-memory IAM (or a
// func-field double), imports only public packages, and can be copied into
// a user's own tests as it is. In production, pass an *iam.Client to
// NewUploader instead.

// Upload one certificate. The Fake stands in for *iam.Client.
func ExampleUploader_Upload() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)

	cert, err := up.Upload(context.Background(), sigcert.Request{
		UserName:        "Bob",
		CertificateBody: sigcerttest.NewCert().PEM,
	})
	if err != nil {
		fmt.Println("upload failed:", err)
		return
	}
	fmt.Println(cert.UserName, cert.Status, cert.X509.Subject.CommonName)
	fmt.Println(len(fake.Certificates("Bob")), "certificate stored")
	// Output:
	// Bob Active signingcert test
	// 1 certificate stored
}

// Match errors with errors.Is: IAM's answers and local refusals alike. A
// hand-written double returns IAM's answer with sigcerttest.APIError, which
// is the error value the real client returns.
func ExampleUploader_Upload_errors() {
	api := &sigcerttest.FuncAPI{
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, sigcerttest.APIError("UploadSigningCertificate", "DuplicateCertificate",
				sigcerttest.WithRequestID("req-1"), sigcerttest.WithMessage("The Certificate is already in use."))
		},
	}
	up := sigcert.NewUploader(api)

	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	var se *sigcert.ServiceError
	if errors.Is(err, sigcert.ErrDuplicateCertificate) && errors.As(err, &se) {
		fmt.Println(se.Code, se.StatusCode, se.RequestID)
	}

	// An expired certificate is refused before any request is sent.
	_, err = up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.ExpiredCert().PEM})
	var local *sigcert.PreflightError
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate), errors.Is(err, validate.ErrExpired), errors.As(err, &local))
	fmt.Println(api.CallCount("UploadSigningCertificate"), "request sent")
	// Output:
	// DuplicateCertificate 409 req-1
	// true true true
	// 1 request sent
}

// Check runs Upload's local checks and sends nothing: a dry run. An
// Uploader made with a nil API can check.
func ExampleUploader_Check() {
	up := sigcert.NewUploader(nil)

	x, err := up.Check(sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256)).PEM})
	fmt.Println(x.PublicKeyAlgorithm, err)

	_, err = up.Check(sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().KeyPEM})
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate))

	_, err = up.Check(sigcert.Request{UserName: "Bob/Alice", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Println(errors.Is(err, sigcert.ErrValidation))
	// Output:
	// ECDSA <nil>
	// true
	// true
}

// CheckDetail says what pre-flight made of a certificate: here one that
// crypto/x509 refuses for its negative serial number, which OpenSSL and
// Java accept and which Upload therefore sends.
func ExampleUploader_CheckDetail() {
	body, err := os.ReadFile("../validate/testdata/x509/negative-serial.pem")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := sigcert.NewUploader(nil).CheckDetail(sigcert.Request{UserName: "Bob", CertificateBody: string(body)})
	fmt.Println(err, p.X509 == nil, errors.Is(p.X509Error, validate.ErrX509Unsupported))
	// Output:
	// <nil> true true
}

// Ensure uploads only if the user does not hold the certificate yet, so it
// is safe to rerun.
func ExampleUploader_Ensure() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	req := sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}

	first, err := up.Ensure(context.Background(), req)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := up.Ensure(context.Background(), req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.CertificateID == again.CertificateID, len(fake.Certificates("Bob")), "certificate held")
	// Output: true 1 certificate held
}

// Rotate uploads a new certificate and retires the old one, as the policy
// says.
func ExampleUploader_Rotate() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}

	rot, err := up.Rotate(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM},
		sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rot.Steps {
		fmt.Println(s.Action)
	}
	for _, c := range rot.Certificates {
		fmt.Println(c.CertificateID == rot.New.CertificateID, c.Status)
	}
	// Output:
	// upload
	// deactivate
	// false Inactive
	// true Active
}

// List returns every certificate of the user, parsed.
func ExampleUploader_List() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	for _, k := range []sigcerttest.KeyType{sigcerttest.RSA2048, sigcerttest.Ed25519} {
		if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert(sigcerttest.WithKey(k)).PEM}); err != nil {
			fmt.Println(err)
			return
		}
	}

	certs, err := up.List(ctx, "Bob")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range certs {
		fmt.Println(c.UserName, c.Status, c.X509.PublicKeyAlgorithm, len(c.Fingerprint))
	}
	_, err = up.List(ctx, "Nobody")
	fmt.Println(errors.Is(err, sigcert.ErrNoSuchEntity))
	// Output:
	// Bob Active RSA 64
	// Bob Active Ed25519 64
	// true
}

// SetStatus makes a certificate Inactive or Active again.
func ExampleUploader_SetStatus() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}

	if err := up.SetStatus(ctx, "Bob", cert.CertificateID, types.StatusTypeInactive); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fake.Certificates("Bob")[0].Status)
	// Output: Inactive
}

// Delete removes a certificate; deleting it again is ErrNoSuchEntity.
func ExampleUploader_Delete() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}

	fmt.Println(up.Delete(ctx, "Bob", cert.CertificateID), len(fake.Certificates("Bob")))
	err = up.Delete(ctx, "Bob", cert.CertificateID)
	fmt.Println(errors.Is(err, sigcert.ErrNoSuchEntity))
	// Output:
	// <nil> 0
	// true
}

// IAM answers ConcurrentModification when requests collide; the SDK does
// not retry it, and this option does.
func ExampleWithConcurrentModificationRetry() {
	fake := sigcerttest.NewFake("Bob")
	collisions := 2
	api := &sigcerttest.FuncAPI{
		Upload: func(ctx context.Context, in *iam.UploadSigningCertificateInput, opts ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			if collisions > 0 {
				collisions--
				return nil, sigcerttest.APIError("UploadSigningCertificate", "ConcurrentModification")
			}
			return fake.UploadSigningCertificate(ctx, in, opts...)
		},
	}
	up := sigcert.NewUploader(api, sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3, Base: time.Millisecond}))

	cert, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cert.Status, "after", api.CallCount("UploadSigningCertificate"), "attempts")
	// Output: Active after 3 attempts
}

// A CLI or a report puts its own prefix in front of Detail, so each
// message has one prefix and nothing edits strings.
func ExampleDetail() {
	errs := []error{
		&sigcert.ServiceError{Operation: "UploadSigningCertificate", Code: "DuplicateCertificate", StatusCode: 409, RequestID: "req-1"},
		&sigcert.PreflightError{Err: &validate.Error{Field: "UserName", Reason: validate.ErrInvalidCharacter, Offset: 3}},
	}
	for _, err := range errs {
		fmt.Println(err)
		fmt.Println("myapp upload: " + sigcert.Detail(err))
	}
	// Output:
	// sigcert: UploadSigningCertificate: DuplicateCertificate (HTTP 409, request id req-1)
	// myapp upload: UploadSigningCertificate: DuplicateCertificate (HTTP 409, request id req-1)
	// sigcert: refused before sending: UserName: character not allowed (at byte offset 3)
	// myapp upload: refused before sending: UserName: character not allowed (at byte offset 3)
}
