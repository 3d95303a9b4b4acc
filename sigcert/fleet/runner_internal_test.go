package fleet

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// retryerSpy is a Fake that records the retryer each call's options set.
type retryerSpy struct {
	*sigcerttest.Fake
	mu   sync.Mutex
	seen []aws.Retryer
}

func (s *retryerSpy) record(fns []func(*iam.Options)) {
	var o iam.Options
	for _, f := range fns {
		f(&o)
	}
	s.mu.Lock()
	s.seen = append(s.seen, o.Retryer)
	s.mu.Unlock()
}

func (s *retryerSpy) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, fns ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	s.record(fns)
	return s.Fake.ListSigningCertificates(ctx, in, fns...)
}

func (s *retryerSpy) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, fns ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	s.record(fns)
	return s.Fake.UploadSigningCertificate(ctx, in, fns...)
}

func TestEveryCallSharesOneAdaptiveRetryer(t *testing.T) {
	spy := &retryerSpy{Fake: sigcerttest.NewFake("Bob", "Alice")}
	r := &Runner{API: spy}
	entries := []Entry{
		{UserName: "Bob", CertificateBody: certgen.Valid().PEM, Mode: Ensure},
		{UserName: "Alice", CertificateBody: certgen.Valid().PEM, Mode: Rotate},
	}
	for run := 0; run < 2; run++ {
		if _, err := r.Run(context.Background(), entries); err != nil {
			t.Fatal(err)
		}
	}
	if len(spy.seen) < 6 {
		t.Fatalf("saw %d calls, want lists and uploads of two runs", len(spy.seen))
	}
	first, ok := spy.seen[0].(*retry.AdaptiveMode)
	if !ok {
		t.Fatalf("retryer %T, want *retry.AdaptiveMode", spy.seen[0])
	}
	for i, rt := range spy.seen {
		if rt != aws.Retryer(first) {
			t.Errorf("call %d used retryer %p, not the shared %p", i, rt, first)
		}
	}
}
