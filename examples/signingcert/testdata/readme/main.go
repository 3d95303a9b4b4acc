// Command upload-cert uploads a signing certificate for an IAM user and
// handles every class of error: a local refusal, IAM's answer, no answer,
// and the context.
//
//	go run . USER CERT.pem
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/validate"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: upload-cert USER CERT.pem")
		os.Exit(2)
	}
	pemText, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Ctrl-C cancels the call; so does the deadline.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "AWS configuration:", err)
		os.Exit(4)
	}
	up := sigcert.NewUploader(iam.NewFromConfig(cfg))

	cert, err := up.Upload(ctx, sigcert.Request{UserName: os.Args[1], CertificateBody: string(pemText)})
	code := report(cert, err)
	cancel()
	stop()
	os.Exit(code)
}

// report prints what happened and returns the exit status.
func report(cert *sigcert.Certificate, err error) int {
	var (
		local  *sigcert.PreflightError
		iamErr *sigcert.ServiceError
	)
	switch {
	case err == nil:
		fmt.Printf("uploaded %s for %s: %s, SHA-256 %s\n", cert.CertificateID, cert.UserName, cert.Status, cert.Fingerprint)
		return 0

	case errors.As(err, &local):
		// Refused locally: nothing was sent. sigcert.Code names the code
		// IAM would have answered; the validate sentinel says why.
		fmt.Printf("refused before sending (%s): %v\n", sigcert.Code(err), err)
		if errors.Is(err, validate.ErrExpired) {
			fmt.Println("the certificate has expired: renew it first")
		}
		return 1

	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Our own deadline or cancellation. A request in flight may have
		// been applied: list the user's certificates (or use Ensure, which
		// is safe to repeat) before trying again.
		fmt.Printf("stopped by the context, outcome unknown: %v\n", err)
		return 4

	case errors.As(err, &iamErr) && iamErr.Code != "":
		// IAM answered with an error. Code is IAM's own code, Message its
		// text (never the certificate body), StatusCode the HTTP status and
		// RequestID what AWS Support asks for.
		fmt.Printf("IAM answered %s (HTTP %d, request id %s): %s\n",
			iamErr.Code, iamErr.StatusCode, iamErr.RequestID, iamErr.Message)
		switch {
		case errors.Is(err, sigcert.ErrDuplicateCertificate):
			fmt.Println("the certificate is attached to a user of this account already")
		case errors.Is(err, sigcert.ErrLimitExceeded):
			fmt.Println("the user holds two certificates: rotate instead")
		case errors.Is(err, sigcert.ErrAccessDenied):
			fmt.Println("the caller needs iam:UploadSigningCertificate on this user")
		case iamErr.StatusCode >= 500:
			fmt.Println("IAM failed after the SDK's retries: the upload may have been applied")
		}
		return 3

	case errors.As(err, &iamErr):
		// No usable answer: the connection failed, timed out, or the
		// response could not be read. The upload may have been applied.
		fmt.Printf("no answer from IAM for %s, outcome unknown: %v\n", iamErr.Operation, err)
		return 4
	}
	fmt.Printf("unexpected error: %v\n", err)
	return 4
}
