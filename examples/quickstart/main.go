// Command quickstart shows signingcert's main job with no AWS account: it
// starts a local IAM endpoint in-process, uploads a fresh certificate for a
// user through sigcert.Uploader and a real *iam.Client, and then shows three
// refusals and the sentinel each matches.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// IAM's operation name, as the local endpoint counts requests by it, and its
// fixed quota of signing certificates per user (IAM quotas page).
const (
	opUpload            = "UploadSigningCertificate"
	certificatesPerUser = 2
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	srv := sigcerttest.NewServer()
	defer srv.Close()
	const user = "Bob"
	srv.AddUser(user)
	up := sigcert.NewUploader(srv.Client())

	fmt.Fprintf(w, "Local IAM endpoint at %s (in-process; no AWS account needed), user %s created.\n\n", srv.URL, user)

	fmt.Fprintln(w, "1. Upload a fresh RSA-2048 certificate")
	first := sigcerttest.NewCert()
	c, err := up.Upload(ctx, sigcert.Request{UserName: user, CertificateBody: first.PEM})
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	fmt.Fprintf(w, "   uploaded:    %s for %s, %s, %s\n", c.CertificateID, c.UserName, c.Status, c.UploadDate.UTC().Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "   subject:     %s, valid until %s\n", c.X509.Subject, c.X509.NotAfter.UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "   SHA-256:     %s\n   request id:  %s\n\n", c.Fingerprint, c.RequestID)

	fmt.Fprintln(w, "2. An expired certificate: caught locally")
	before := srv.Requests(opUpload)
	_, err = up.Upload(ctx, sigcert.Request{UserName: user, CertificateBody: sigcerttest.ExpiredCert().PEM})
	if !errors.Is(err, sigcert.ErrMalformedCertificate) || !errors.Is(err, validate.ErrExpired) {
		return fmt.Errorf("expired certificate: got %v, want ErrMalformedCertificate", err)
	}
	sent := srv.Requests(opUpload) - before
	fmt.Fprintf(w, "   %v\n", err)
	fmt.Fprintf(w, "   errors.Is(err, sigcert.ErrMalformedCertificate) = true, errors.Is(err, validate.ErrExpired) = true; requests sent: %d\n\n", sent)
	if sent != 0 {
		return fmt.Errorf("expired certificate: %d requests sent, want none", sent)
	}

	fmt.Fprintln(w, "3. The same certificate again: answered by the endpoint")
	_, err = up.Upload(ctx, sigcert.Request{UserName: user, CertificateBody: first.PEM})
	if err := show(w, err, sigcert.ErrDuplicateCertificate, "sigcert.ErrDuplicateCertificate"); err != nil {
		return err
	}

	fmt.Fprintf(w, "4. A third certificate: IAM's quota is %d per user\n", certificatesPerUser)
	second, err := up.Upload(ctx, sigcert.Request{UserName: user, CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		return fmt.Errorf("second certificate: %w", err)
	}
	fmt.Fprintf(w, "   second certificate uploaded: %s\n", second.CertificateID)
	_, err = up.Upload(ctx, sigcert.Request{UserName: user, CertificateBody: sigcerttest.NewCert().PEM})
	return show(w, err, sigcert.ErrLimitExceeded, "sigcert.ErrLimitExceeded")
}

// show prints an error IAM answered, with what errors.Is and errors.As find.
func show(w io.Writer, err, want error, name string) error {
	var se *sigcert.ServiceError
	if !errors.Is(err, want) || !errors.As(err, &se) {
		return fmt.Errorf("got %v, want %s from the endpoint", err, name)
	}
	fmt.Fprintf(w, "   %v\n", err)
	fmt.Fprintf(w, "   errors.Is(err, %s) = true; IAM code %s, HTTP %d, request id %s\n\n", name, se.Code, se.StatusCode, se.RequestID)
	return nil
}
