package fleet

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert"
)

// counters tallies one Run's traffic. The Run puts it in every entry's
// context, where both the API wrapper (calls) and the SDK middleware
// (attempts) find it, so one Uploader can serve several Runs.
type counters struct {
	mu        sync.Mutex
	calls     map[string]int
	attempts  map[string]int
	throttled int
}

func newCounters() *counters {
	return &counters{calls: map[string]int{}, attempts: map[string]int{}}
}

func (c *counters) call(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *counters) attempt(op string, throttled bool) {
	c.mu.Lock()
	c.attempts[op]++
	if throttled {
		c.throttled++
	}
	c.mu.Unlock()
}

// entryTally is what one entry sent: whether an upload was tried tells a
// held certificate from a new one in Ensure's answer, which looks the same.
type entryTally struct {
	mu    sync.Mutex
	calls map[string]int
}

func (t *entryTally) add(op string) {
	t.mu.Lock()
	if t.calls == nil {
		t.calls = map[string]int{}
	}
	t.calls[op]++
	t.mu.Unlock()
}

func (t *entryTally) count(op string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[op]
}

func (t *entryTally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return sum(t.calls)
}

type countersKey struct{}

type scope struct {
	run   *counters
	entry *entryTally
}

func withScope(ctx context.Context, run *counters, entry *entryTally) context.Context {
	return context.WithValue(ctx, countersKey{}, scope{run: run, entry: entry})
}

func countersFrom(ctx context.Context) *counters { return scopeFrom(ctx).run }

func scopeFrom(ctx context.Context) scope {
	s, _ := ctx.Value(countersKey{}).(scope)
	return s
}

// Operation names as IAM spells them; the keys of Summary.Calls.
const (
	OpUpload = "UploadSigningCertificate"
	OpList   = "ListSigningCertificates"
	OpUpdate = "UpdateSigningCertificate"
	OpDelete = "DeleteSigningCertificate"
)

// countingAPI counts the calls sigcert makes, whatever the API behind it (a
// fake runs no SDK middleware), into the scope found in the call's context.
type countingAPI struct{ api sigcert.API }

func (c countingAPI) note(ctx context.Context, op string) {
	s := scopeFrom(ctx)
	if s.run != nil {
		s.run.call(op)
	}
	if s.entry != nil {
		s.entry.add(op)
	}
}

func (c countingAPI) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	c.note(ctx, OpUpload)
	return c.api.UploadSigningCertificate(ctx, in, optFns...)
}

func (c countingAPI) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, optFns ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	c.note(ctx, OpList)
	return c.api.ListSigningCertificates(ctx, in, optFns...)
}

func (c countingAPI) UpdateSigningCertificate(ctx context.Context, in *iam.UpdateSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	c.note(ctx, OpUpdate)
	return c.api.UpdateSigningCertificate(ctx, in, optFns...)
}

func (c countingAPI) DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	c.note(ctx, OpDelete)
	return c.api.DeleteSigningCertificate(ctx, in, optFns...)
}
