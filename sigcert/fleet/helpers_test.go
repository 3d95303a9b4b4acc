package fleet_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// fastRetryer retries as the SDK's standard retryer does, without waiting,
// so tests that inject throttling do not sleep.
func fastRetryer() *retry.Standard {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// users returns n user names.
func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%04d", i)
	}
	return out
}

// newCerts returns n fresh certificates in PEM.
func newCerts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = certgen.Valid().PEM
	}
	return out
}

// give attaches body to user directly, as an earlier rotation would have.
func give(t testing.TB, api sigcert.API, user, body string) {
	t.Helper()
	if _, err := sigcert.NewUploader(api).Upload(context.Background(), sigcert.Request{UserName: user, CertificateBody: body}); err != nil {
		t.Fatalf("give %s a certificate: %v", user, err)
	}
}

// holder is a local IAM whose state a test can read.
type holder interface {
	Certificates(user string) []types.SigningCertificate
}

// statuses is what user holds: one status per certificate, in upload order.
func statuses(h holder, user string) []types.StatusType {
	var out []types.StatusType
	for _, c := range h.Certificates(user) {
		out = append(out, c.Status)
	}
	return out
}

// writeCounter wraps an API and counts its successful write calls; after
// `after` successful uploads it calls cancel, as a Ctrl-C would arrive.
type writeCounter struct {
	sigcert.API
	mu      sync.Mutex
	writes  int
	uploads int
	after   int
	cancel  context.CancelFunc
}

func (w *writeCounter) wrote() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

func (w *writeCounter) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, o ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	out, err := w.API.UploadSigningCertificate(ctx, in, o...)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.writes++
		w.uploads++
		if w.cancel != nil && w.uploads == w.after {
			w.cancel()
		}
	}
	return out, err
}

func (w *writeCounter) UpdateSigningCertificate(ctx context.Context, in *iam.UpdateSigningCertificateInput, o ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	out, err := w.API.UpdateSigningCertificate(ctx, in, o...)
	w.count(err)
	return out, err
}

func (w *writeCounter) DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, o ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	out, err := w.API.DeleteSigningCertificate(ctx, in, o...)
	w.count(err)
	return out, err
}

func (w *writeCounter) count(err error) {
	if err == nil {
		w.mu.Lock()
		w.writes++
		w.mu.Unlock()
	}
}

// rotationCost is the calls, by operation, of one deactivating rotation of
// a user holding one certificate, made with a plain Uploader, as the
// endpoint received them: the baseline a fleet run's per-user calls must
// equal, whatever sigcert's Rotate costs today.
func rotationCost(t *testing.T, srv *sigcerttest.Server) map[string]int {
	t.Helper()
	srv.AddUser("baseline")
	give(t, srv.Client(), "baseline", certgen.Valid().PEM)
	ops := []string{"ListSigningCertificates", "UploadSigningCertificate", "UpdateSigningCertificate", "DeleteSigningCertificate"}
	before := map[string]int{}
	for _, op := range ops {
		before[op] = srv.Requests(op)
	}
	if _, err := sigcert.NewUploader(srv.Client()).Rotate(context.Background(),
		sigcert.Request{UserName: "baseline", CertificateBody: certgen.Valid().PEM},
		sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}); err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, op := range ops {
		if n := srv.Requests(op) - before[op]; n > 0 {
			calls[op] = n
		}
	}
	return calls
}

func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
