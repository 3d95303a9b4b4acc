package sigcerttest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

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
		CertificateBody: aws.String(certgen.Valid().PEM),
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
		CertificateBody: aws.String(certgen.Valid().PEM),
	})
	var sf *types.ServiceFailureException
	fmt.Println(errors.As(err, &sf))
	fmt.Println(srv.Requests("UploadSigningCertificate"), "attempts")
	// Output:
	// true
	// 3 attempts
}
