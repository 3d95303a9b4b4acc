package consumer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// uploadAnswers returns a double whose uploads all get IAM's answer code,
// and whose lists find nothing (Register lists after an unclear answer).
func uploadAnswers(code string) *sigcerttest.FuncAPI {
	return &sigcerttest.FuncAPI{
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, sigcerttest.APIError("UploadSigningCertificate", code, sigcerttest.WithRequestID("req-1"))
		},
		List: func(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
			return &iam.ListSigningCertificatesOutput{}, nil
		},
	}
}

// noWait makes sigcert's waits (retry backoff, waiting for IAM to show a
// change) return at once, so no test sleeps through them.
var noWait = sigcert.WithWait(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })

func TestRegisterTellsTheCallerWhatToDo(t *testing.T) {
	for code, want := range map[string]error{
		"MalformedCertificate": ErrRejected,
		"DuplicateCertificate": ErrInUse,
		"LimitExceeded":        ErrQuotaFull,
		"NoSuchEntity":         ErrUnknownUser,
		"ServiceFailure":       ErrUnavailable,
	} {
		_, err := New(uploadAnswers(code), noWait).Register(context.Background(), "Bob", sigcerttest.NewCert().PEM)
		var e *Error
		if !errors.Is(err, want) || !errors.As(err, &e) || e.RequestID != "req-1" {
			t.Errorf("%s: got %v, want %v with request id req-1", code, err, want)
		}
	}
}

func TestRegisterRefusesABadFileWithoutCallingIAM(t *testing.T) {
	api := &sigcerttest.FuncAPI{} // any call fails, naming itself
	for name, body := range map[string]string{
		"expired": sigcerttest.ExpiredCert().PEM, "private key": sigcerttest.NewCert().KeyPEM,
	} {
		if _, err := New(api).Register(context.Background(), "Bob", body); !errors.Is(err, ErrRejected) {
			t.Errorf("%s: got %v, want ErrRejected", name, err)
		}
	}
	if calls := api.Calls(); len(calls) != 0 {
		t.Errorf("IAM was called: %v", calls)
	}
}
