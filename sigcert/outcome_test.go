package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// OutcomeUnknown says "unknown" for every answer that does not tell whether
// IAM applied the request, and "known" for a definite 4xx answer and for
// anything refused before sending.
func TestOutcomeUnknown(t *testing.T) {
	ctx := context.Background()
	d := newDouble("Bob")
	up := newUploader(d)
	answer := func(f fault) error {
		d.Script(f)
		_, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: newPEM()})
		return err
	}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"500 ServiceFailure", answer(fault{Op: iamspec.OpUpload, Code: "ServiceFailure"}), true},
		{"500 InternalFailure", answer(fault{Op: iamspec.OpUpload, Code: "InternalFailure"}), true},
		{"503 ServiceUnavailable", answer(fault{Op: iamspec.OpUpload, Code: "ServiceUnavailable"}), true},
		{"502 with a 4xx-looking code", answer(fault{Op: iamspec.OpUpload, Code: "LimitExceeded", Status: 502}), true},
		{"applied then 500", answer(fault{Op: iamspec.OpUpload, Kind: applyThen, Code: "InternalFailure", Status: 500}), true},
		{"Throttling", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeThrottling}), true},
		{"ConcurrentModification", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification}), true},
		{"transport failure", answer(fault{Op: iamspec.OpUpload, Kind: dropped}), true},
		{"lost answer", answer(fault{Op: iamspec.OpUpload, Kind: lost}), true},
		{"DuplicateCertificate", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeDuplicateCertificate}), false},
		{"LimitExceeded", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeLimitExceeded}), false},
		{"MalformedCertificate", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeMalformedCertificate}), false},
		{"NoSuchEntity", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeNoSuchEntity}), false},
		{"AccessDenied", answer(fault{Op: iamspec.OpUpload, Code: iamspec.CodeAccessDenied}), false},
		{"unknown 4xx code", answer(fault{Op: iamspec.OpUpload, Code: "SomethingNew", Status: 400}), false},
		{"pre-flight refusal", func() error { _, err := up.Upload(ctx, sigcert.Request{CertificateBody: "x"}); return err }(), false},
		{"zero Uploader", func() error { _, err := (&sigcert.Uploader{}).Upload(ctx, sigcert.Request{}); return err }(), false},
		{"hand-built 409 DuplicateCertificate", &sigcert.ServiceError{Code: "DuplicateCertificate", StatusCode: 409}, false},
		{"hand-built 503", &sigcert.ServiceError{Code: "ServiceUnavailable", StatusCode: 503}, true},
		{"hand-built Throttling without status", &sigcert.ServiceError{Code: "Throttling"}, true},
		{"a local refusal wrapping a sentinel", fmt.Errorf("%w: policy", sigcert.ErrLimitExceeded), false},
		{"cancelled in flight", &sigcert.ServiceError{Operation: iamspec.OpUpload, Err: context.Canceled}, true},
		{"deadline in flight", fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{"an error with no answer", errors.New("connection reset"), true},
	} {
		if got := sigcert.OutcomeUnknown(tt.err); got != tt.want {
			t.Errorf("%s: OutcomeUnknown(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
