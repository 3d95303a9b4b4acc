package sigcerttest_test

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// The Examples here import only public packages: copy them into your tests.

func ExampleNewFake() {
	fake := sigcerttest.NewFake("Bob")
	_, err := fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String("invalid-certificate-body"),
	})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
		fmt.Println(ae.ErrorMessage())
	}
	// Output:
	// MalformedCertificate
	// Certificate invalid-certificate-body is malformed.
}

func ExampleNewServer() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client()

	out, err := client.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String(sigcerttest.NewCert().PEM),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*out.Certificate.UserName, out.Certificate.Status)
	fmt.Println(len(srv.Certificates("Bob")), "certificate stored")
	// Output:
	// Bob Active
	// 1 certificate stored
}

func ExampleServer_Inject() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Count: 3, Code: "ServiceFailure"})

	_, err := srv.Client().UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String(sigcerttest.NewCert().PEM),
	})
	var sf *types.ServiceFailureException
	fmt.Println(errors.As(err, &sf))
	fmt.Println(srv.Requests("UploadSigningCertificate"), "attempts")
	// Output:
	// true
	// 3 attempts
}

// A hand-written double returns IAM's answer in one call, and sigcert sees
// it exactly as it would see the real client's.
func ExampleAPIError() {
	err := sigcerttest.APIError("UploadSigningCertificate", "DuplicateCertificate",
		sigcerttest.WithRequestID("req-1"), sigcerttest.WithMessage("The Certificate is already in use."))

	var dup *types.DuplicateCertificateException
	var re *awshttp.ResponseError
	fmt.Println(errors.As(err, &dup), errors.As(err, &re), re.HTTPStatusCode(), re.ServiceRequestID())
	fmt.Println(err)
	// Output:
	// true true 409 req-1
	// operation error IAM: UploadSigningCertificate, https response error StatusCode: 409, RequestID: req-1, DuplicateCertificate: The Certificate is already in use.
}

// A code the operation does not model is a *smithy.GenericAPIError, as the
// SDK makes it; the status is IAM's for the code.
func ExampleAPIError_generic() {
	err := sigcerttest.APIError("ListSigningCertificates", "Throttling", sigcerttest.WithMessage("Rate exceeded"))

	var ge *smithy.GenericAPIError
	fmt.Println(errors.As(err, &ge), ge.Code, ge.Message)
	fmt.Println(errors.Is(sigcertError(err), sigcert.ErrThrottling))
	// Output:
	// true Throttling Rate exceeded
	// true
}

// sigcertError passes err through an Uploader, as a test of code that uses
// sigcert sees it.
func sigcertError(err error) error {
	api := &sigcerttest.FuncAPI{
		List: func(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
			return nil, err
		},
	}
	_, got := sigcert.NewUploader(api).List(context.Background(), "Bob")
	return got
}

// A double for a test that cares about one call: unset operations fail,
// naming themselves.
func ExampleFuncAPI() {
	api := &sigcerttest.FuncAPI{
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, sigcerttest.APIError("UploadSigningCertificate", "LimitExceeded",
				sigcerttest.WithMessage("Cannot exceed quota for CertificatesPerUser: 2"))
		},
	}
	up := sigcert.NewUploader(api)

	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Println(errors.Is(err, sigcert.ErrLimitExceeded))

	_, err = up.List(context.Background(), "Bob")
	fmt.Println(errors.Is(err, errors.ErrUnsupported), strings.Contains(err.Error(), "ListSigningCertificates"))

	for _, c := range api.Calls() {
		fmt.Println(c.Operation)
	}
	// Output:
	// true
	// true true
	// UploadSigningCertificate
	// ListSigningCertificates
}

func ExampleNewCert() {
	cert := sigcerttest.NewCert(
		sigcerttest.WithKey(sigcerttest.ECDSAP384),
		sigcerttest.WithSubject(pkix.Name{CommonName: "bob", Organization: []string{"Example Corp"}}),
		sigcerttest.WithValidity(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
		sigcerttest.WithSerial(big.NewInt(42)),
	)
	fmt.Println(cert.X509.Subject, cert.X509.SerialNumber, cert.X509.PublicKeyAlgorithm)
	fmt.Println(cert.X509.NotBefore.Format(time.DateOnly), cert.X509.NotAfter.Format(time.DateOnly))
	fmt.Println(strings.HasPrefix(cert.PEM, "-----BEGIN CERTIFICATE-----"), strings.HasPrefix(cert.KeyPEM, "-----BEGIN PRIVATE KEY-----"))
	// Output:
	// CN=bob,O=Example Corp 42 ECDSA
	// 2026-01-01 2027-01-01
	// true true
}

// IAM refuses an expired certificate as MalformedCertificate; sigcert
// refuses it before sending.
func ExampleExpiredCert() {
	up := sigcert.NewUploader(sigcerttest.NewFake("Bob"))
	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.ExpiredCert().PEM})
	var local *sigcert.PreflightError
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate), errors.As(err, &local))
	// Output: true true
}

func ExampleNotYetValidCert() {
	fake := sigcerttest.NewFake("Bob")
	_, err := fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String(sigcerttest.NotYetValidCert().PEM),
	})
	var mc *types.MalformedCertificateException
	fmt.Println(errors.As(err, &mc))
	// Output: true
}

// A full-chain body: IAM takes one certificate, not a chain.
func ExampleCert_Chain() {
	chain := sigcerttest.NewCert().Chain()
	fmt.Println(strings.Count(chain, "-----BEGIN CERTIFICATE-----"), "certificates")

	_, err := sigcert.NewUploader(nil).Check(sigcert.Request{UserName: "Bob", CertificateBody: chain})
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate))
	// Output:
	// 2 certificates
	// true
}
