package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// double is this package's one configurable API double. Underneath is an
// API that answers by IAM's rules: a sigcerttest.Fake (newDouble), or any API
// such as a sigcerttest.Server's client (wrap), or none (mock: only the
// Upload func answers). On top it
//
//   - answers from a script of faults, in order, per operation (a refusal
//     that changes nothing, a change applied then answered 5xx, a change
//     applied whose answer is lost, a request lost before it arrives);
//   - lags: after a change it applied, the next Lag lists of that user still
//     show the certificates as they were before it (IAM is eventually
//     consistent: IAM User Guide, troubleshooting);
//   - counts every call by operation, and keeps every upload's input;
//   - lets a test take over any call with Before, watch any answer with
//     After, answer uploads with Upload or lists with ListPage, page lists
//     with PageSize, or answer the next lists as empty with EmptyLists.
//
// Make one with newDouble, wrap or mock.
type double struct {
	inner sigcert.API
	fake  *sigcerttest.Fake // inner, when it is a Fake

	mu     sync.Mutex
	script []fault
	// Lag is how many lists of a user, after a change applied to them,
	// still show the state before it.
	Lag   int
	stale map[string]*staleView
	calls map[string]int
	// Before, if set, runs first on every call; a non-nil error answers the
	// call without applying it.
	Before func(ctx context.Context, op, user string) error
	// After, if set, runs when a call returns, with its error.
	After func(ctx context.Context, op string, err error)
	// Upload, if set, answers uploads (after the script) instead of inner.
	Upload func(in *iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error)
	// ListPage, if set, answers lists (after the script) instead of inner.
	ListPage func(in *iam.ListSigningCertificatesInput) (*iam.ListSigningCertificatesOutput, error)
	// PageSize, if set, is the MaxItems of every list sent to inner.
	PageSize int32
	// EmptyLists is how many of the next lists answer no certificates: lists
	// made before changes that had landed.
	EmptyLists int
	uploads    []*iam.UploadSigningCertificateInput
}

// faultKind is what a scripted fault does with the request.
type faultKind int

const (
	refuse    faultKind = iota // answer Code, change nothing
	applyThen                  // apply, then answer Code (a 5xx)
	lost                       // apply, then lose the answer: a transport error
	dropped                    // lose the request: a transport error, nothing applied
)

// fault is one scripted answer.
type fault struct {
	Op     string // "" matches any operation
	Kind   faultKind
	Code   string
	Status int // 0: IAM's status for Code
	Count  int // how many calls it answers; 0 means 1
}

func (f fault) String() string {
	op := f.Op
	if op == "" {
		op = "any"
	}
	op = strings.TrimSuffix(strings.TrimSuffix(op, "SigningCertificates"), "SigningCertificate")
	switch f.Kind {
	case applyThen:
		return fmt.Sprintf("%s:applied-then-%s/%d×%d", op, f.Code, f.Status, max(f.Count, 1))
	case lost:
		return fmt.Sprintf("%s:lost×%d", op, max(f.Count, 1))
	case dropped:
		return fmt.Sprintf("%s:dropped×%d", op, max(f.Count, 1))
	}
	return fmt.Sprintf("%s:%s×%d", op, f.Code, max(f.Count, 1))
}

type staleView struct {
	certs []types.SigningCertificate
	left  int
}

// newDouble returns a double over a new Fake with users.
func newDouble(users ...string) *double {
	f := sigcerttest.NewFake(users...)
	d := wrap(f)
	d.fake = f
	return d
}

// wrap returns a double over api.
func wrap(api sigcert.API) *double {
	return &double{inner: api, stale: map[string]*staleView{}, calls: map[string]int{}}
}

// mock returns a double with nothing underneath, whose uploads upload
// answers (echoUpload if nil); every other call fails as unexpected.
func mock(upload func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error)) *double {
	if upload == nil {
		upload = echoUpload
	}
	d := wrap(nil)
	d.Upload = upload
	return d
}

// Total returns how many calls the double received.
func (d *double) Total() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.calls {
		n += c
	}
	return n
}

// Uploads returns the inputs of every upload received.
func (d *double) Uploads() []*iam.UploadSigningCertificateInput {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*iam.UploadSigningCertificateInput(nil), d.uploads...)
}

// unexpected is the answer of a mock to a call it has no answer for.
func unexpected(op string) error { return fmt.Errorf("double: %s not expected", op) }

var _ sigcert.API = (*double)(nil)

// Script appends faults to the script.
func (d *double) Script(fs ...fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.script = append(d.script, fs...)
}

// Calls returns how many calls of op the double received.
func (d *double) Calls(op string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[op]
}

// Certificates returns what the user holds, up to date (no lag, no faults).
func (d *double) Certificates(user string) []types.SigningCertificate {
	if d.fake != nil {
		return d.fake.Certificates(user)
	}
	if d.inner == nil {
		return nil
	}
	out, err := d.inner.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: optionalName(user)})
	if err != nil {
		return nil
	}
	return out.Certificates
}

func optionalName(user string) *string {
	if user == "" {
		return nil
	}
	return &user
}

// done tells After how a call ended.
func (d *double) done(ctx context.Context, op string, err error) {
	if d.After != nil {
		d.After(ctx, op, err)
	}
}

// begin counts the call and takes the fault that answers it, if any.
func (d *double) begin(ctx context.Context, op, user string) (*fault, error) {
	d.mu.Lock()
	d.calls[op]++
	before := d.Before
	var f *fault
	for i := range d.script {
		if s := &d.script[i]; s.Op == "" || s.Op == op {
			cp := *s
			if s.Count--; s.Count <= 0 {
				d.script = append(d.script[:i], d.script[i+1:]...)
			}
			f = &cp
			break
		}
	}
	d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, &smithy.OperationError{ServiceID: "IAM", OperationName: op, Err: err}
	}
	if before != nil {
		if err := before(ctx, op, user); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// answer turns a fault into the SDK's error for op, once the change (if
// any) was applied.
func (f *fault) answer(op string) error {
	if f.Kind == lost || f.Kind == dropped {
		return transportError(op)
	}
	return sdkError(op, f.Code, f.Status)
}

// sdkError is the error *iam.Client returns for IAM's answer code with
// status (0: IAM's status for code): *smithy.OperationError, then
// *awshttp.ResponseError, then the API error.
func sdkError(op, code string, status int) error {
	if status == 0 {
		status = iamspec.Status(code)
		if code == "InternalFailure" {
			status = 500
		} else if code == "ServiceUnavailable" {
			status = 503
		}
	}
	fault := smithy.FaultClient
	if status >= 500 {
		fault = smithy.FaultServer
	}
	return &smithy.OperationError{ServiceID: "IAM", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code, Message: "scripted " + code, Fault: fault},
		},
		RequestID: "req-scripted",
	}}
}

// transportError is the error *iam.Client returns when no answer came.
func transportError(op string) error {
	return &smithy.OperationError{ServiceID: "IAM", OperationName: op,
		Err: &smithyhttp.RequestSendError{Err: errors.New("read tcp 127.0.0.1: connection reset by peer")}}
}

// applied runs the change through the Fake, leaving lists of user stale
// for Lag reads if it changed anything.
func (d *double) applied(user string, change func() error) error {
	d.mu.Lock()
	lag := d.Lag
	d.mu.Unlock()
	var before []types.SigningCertificate
	if lag > 0 {
		before = d.Certificates(user)
	}
	err := change()
	if err == nil && lag > 0 {
		d.mu.Lock()
		key := strings.ToLower(user)
		if v := d.stale[key]; v != nil {
			v.left = lag // the view stays as it was before the first change
		} else {
			d.stale[key] = &staleView{certs: before, left: lag}
		}
		d.mu.Unlock()
	}
	return err
}

// write answers a change: scripted fault or the Fake's own answer.
func write[T any](d *double, ctx context.Context, op, user string, do func() (T, error)) (out T, err error) {
	defer func() { d.done(ctx, op, err) }()
	var zero T
	f, err := d.begin(ctx, op, user)
	if err != nil {
		return zero, err
	}
	if f != nil && (f.Kind == refuse || f.Kind == dropped) {
		return zero, f.answer(op)
	}
	err = d.applied(user, func() error {
		var err error
		out, err = do()
		return err
	})
	if f != nil && err == nil {
		return zero, f.answer(op)
	}
	return out, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The calls to inner pass the caller's context and options, so that a
// Server's client honours cancellation and the SDK options under test.

func (d *double) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, o ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	d.mu.Lock()
	d.uploads = append(d.uploads, in)
	d.mu.Unlock()
	return write(d, ctx, iamspec.OpUpload, deref(in.UserName), func() (*iam.UploadSigningCertificateOutput, error) {
		switch {
		case d.Upload != nil:
			return d.Upload(in)
		case d.inner == nil:
			return nil, unexpected(iamspec.OpUpload)
		}
		return d.inner.UploadSigningCertificate(ctx, in, o...)
	})
}

func (d *double) UpdateSigningCertificate(ctx context.Context, in *iam.UpdateSigningCertificateInput, o ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	return write(d, ctx, iamspec.OpUpdate, deref(in.UserName), func() (*iam.UpdateSigningCertificateOutput, error) {
		if d.inner == nil {
			return nil, unexpected(iamspec.OpUpdate)
		}
		return d.inner.UpdateSigningCertificate(ctx, in, o...)
	})
}

func (d *double) DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, o ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	return write(d, ctx, iamspec.OpDelete, deref(in.UserName), func() (*iam.DeleteSigningCertificateOutput, error) {
		if d.inner == nil {
			return nil, unexpected(iamspec.OpDelete)
		}
		return d.inner.DeleteSigningCertificate(ctx, in, o...)
	})
}

func (d *double) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, o ...func(*iam.Options)) (out *iam.ListSigningCertificatesOutput, err error) {
	const op = iamspec.OpList
	defer func() { d.done(ctx, op, err) }()
	user := deref(in.UserName)
	f, err := d.begin(ctx, op, user)
	if err != nil {
		return nil, err
	}
	if f != nil {
		return nil, f.answer(op) // a list changes nothing: every fault is an error
	}
	d.mu.Lock()
	empty := d.EmptyLists > 0
	if empty {
		d.EmptyLists--
	}
	d.mu.Unlock()
	switch {
	case empty:
		return &iam.ListSigningCertificatesOutput{}, nil
	case d.ListPage != nil:
		return d.ListPage(in)
	case d.inner == nil:
		return nil, unexpected(op)
	}
	if d.PageSize > 0 {
		cp := *in
		cp.MaxItems = &d.PageSize
		in = &cp
	}
	out, err = d.inner.ListSigningCertificates(ctx, in, o...)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if v := d.stale[strings.ToLower(user)]; v != nil {
		out.Certificates = append([]types.SigningCertificate(nil), v.certs...)
		if v.left--; v.left <= 0 {
			delete(d.stale, strings.ToLower(user))
		}
	}
	return out, nil
}

// newPEM returns a fresh certificate's PEM (ECDSA P-256: quick to make).
func newPEM() string { return sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256)).PEM }

// answer is a ListPage that always answers out.
func answer(out *iam.ListSigningCertificatesOutput) func(*iam.ListSigningCertificatesInput) (*iam.ListSigningCertificatesOutput, error) {
	return func(*iam.ListSigningCertificatesInput) (*iam.ListSigningCertificatesOutput, error) { return out, nil }
}

// echoUpload answers success with the body it was given.
func echoUpload(in *iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) {
	user := "caller"
	if in.UserName != nil {
		user = *in.UserName
	}
	id := "ASCACERTIDEXAMPLE0123456789"
	return &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName:        &user,
		CertificateId:   &id,
		CertificateBody: in.CertificateBody,
		Status:          types.StatusTypeActive,
		UploadDate:      &uploadDate,
	}}, nil
}

// failWith answers every upload with err.
func failWith(err error) func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) {
	return func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) { return nil, err }
}
