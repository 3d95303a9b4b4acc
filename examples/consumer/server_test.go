package consumer

import (
	"context"
	"errors"
	"testing"

	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestRegisterRidesOutAShortOutage(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Code: "ServiceFailure", Count: 2})
	if _, err := New(srv.Client(), noWait).Register(context.Background(), "Bob", sigcerttest.NewCert().PEM); err != nil {
		t.Fatalf("got %v; a retry within sigcert's budget should succeed", err)
	}
}

func TestRegisterReportsALongOutageWithTheRequestID(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Code: "ServiceFailure", Count: 100})
	_, err := New(srv.Client(), noWait).Register(context.Background(), "Bob", sigcerttest.NewCert().PEM)
	var e *Error
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &e) || e.RequestID == "" {
		t.Errorf("got %v, want ErrUnavailable with a request id", err)
	}
}

func TestRegisterRecoversALostResponse(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	// IAM stores the certificate, but the answer never arrives.
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenDrop: true})
	id, err := New(srv.Client(), noWait).Register(context.Background(), "Bob", sigcerttest.NewCert().PEM)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Certificates("Bob"); len(got) != 1 || *got[0].CertificateId != id {
		t.Errorf("Bob holds %d certificates, want exactly the one registered (%s)", len(got), id)
	}
}
