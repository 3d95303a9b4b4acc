package sigcerttest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// FuncAPI is a sigcert.API made of one func field per operation, for tests
// that care about one or two calls: set the fields the test needs and leave
// the rest nil.
//
// Calling an operation whose field is nil does not panic: it returns an
// error that names the operation and matches errors.ErrUnsupported, so a
// test that reaches a call it did not expect fails with a clear message.
// Every call is recorded, set or not (see Calls). The zero value is ready to
// use, and a *FuncAPI is safe for concurrent use if its funcs are.
//
//	api := &sigcerttest.FuncAPI{
//		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
//			return nil, sigcerttest.APIError("UploadSigningCertificate", "LimitExceeded")
//		},
//	}
type FuncAPI struct {
	// Upload answers UploadSigningCertificate.
	Upload func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error)
	// List answers ListSigningCertificates.
	List func(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error)
	// Update answers UpdateSigningCertificate.
	Update func(context.Context, *iam.UpdateSigningCertificateInput, ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error)
	// Delete answers DeleteSigningCertificate.
	Delete func(context.Context, *iam.DeleteSigningCertificateInput, ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error)

	mu    sync.Mutex
	calls []FuncCall
}

// FuncCall is one call a FuncAPI received.
type FuncCall struct {
	// Operation is IAM's operation name, such as "UploadSigningCertificate".
	Operation string
	// Input is the call's input as passed, such as an
	// *iam.UploadSigningCertificateInput.
	Input any
}

var _ sigcert.API = (*FuncAPI)(nil)

// Calls returns the calls received so far, in order.
func (f *FuncAPI) Calls() []FuncCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FuncCall(nil), f.calls...)
}

// CallCount returns how many calls of operation were received, such as
// CallCount("UploadSigningCertificate").
func (f *FuncAPI) CallCount(operation string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Operation == operation {
			n++
		}
	}
	return n
}

func (f *FuncAPI) record(op string, in any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, FuncCall{Operation: op, Input: in})
}

// unset is the error of an operation whose field is nil.
func unset(op, field string) error {
	return fmt.Errorf("sigcerttest: FuncAPI: %s called, but its %s field is not set: %w", op, field, errors.ErrUnsupported)
}

// UploadSigningCertificate records the call and calls f.Upload.
func (f *FuncAPI) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, opts ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	f.record(iamspec.OpUpload, in)
	if f.Upload == nil {
		return nil, unset(iamspec.OpUpload, "Upload")
	}
	return f.Upload(ctx, in, opts...)
}

// ListSigningCertificates records the call and calls f.List.
func (f *FuncAPI) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, opts ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	f.record(iamspec.OpList, in)
	if f.List == nil {
		return nil, unset(iamspec.OpList, "List")
	}
	return f.List(ctx, in, opts...)
}

// UpdateSigningCertificate records the call and calls f.Update.
func (f *FuncAPI) UpdateSigningCertificate(ctx context.Context, in *iam.UpdateSigningCertificateInput, opts ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	f.record(iamspec.OpUpdate, in)
	if f.Update == nil {
		return nil, unset(iamspec.OpUpdate, "Update")
	}
	return f.Update(ctx, in, opts...)
}

// DeleteSigningCertificate records the call and calls f.Delete.
func (f *FuncAPI) DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, opts ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	f.record(iamspec.OpDelete, in)
	if f.Delete == nil {
		return nil, unset(iamspec.OpDelete, "Delete")
	}
	return f.Delete(ctx, in, opts...)
}
