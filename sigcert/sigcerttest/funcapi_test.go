package sigcerttest_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestFuncAPIUnsetOperationFailsNamingIt(t *testing.T) {
	var api sigcerttest.FuncAPI // the zero value is usable
	for _, op := range operations {
		err := callSDK(&api, op)
		if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), op) {
			t.Errorf("%s: got %v, want an error naming it that matches errors.ErrUnsupported", op, err)
		}
	}
	// Through sigcert too: the refusal is an error, never a panic.
	if err := callSigcert(&api, iamspec.OpDelete); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Uploader.Delete: got %v, want errors.ErrUnsupported", err)
	}
}

func TestFuncAPICallsTheFieldsAndRecordsEveryCall(t *testing.T) {
	api := &sigcerttest.FuncAPI{
		List: func(_ context.Context, in *iam.ListSigningCertificatesInput, _ ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
			return &iam.ListSigningCertificatesOutput{Certificates: []types.SigningCertificate{}}, nil
		},
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, sigcerttest.APIError(iamspec.OpUpload, "LimitExceeded")
		},
	}
	up := sigcert.NewUploader(api)
	if _, err := up.List(context.Background(), "Bob"); err != nil {
		t.Fatalf("List: %v", err)
	}
	if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: testCert.PEM}); !errors.Is(err, sigcert.ErrLimitExceeded) {
		t.Fatalf("Upload: got %v, want ErrLimitExceeded", err)
	}
	_ = callSDK(api, iamspec.OpDelete)

	calls := api.Calls()
	var ops []string
	for _, c := range calls {
		ops = append(ops, c.Operation)
	}
	if got, want := strings.Join(ops, ","), "ListSigningCertificates,UploadSigningCertificate,DeleteSigningCertificate"; got != want {
		t.Fatalf("calls = %s, want %s", got, want)
	}
	if in, ok := calls[1].Input.(*iam.UploadSigningCertificateInput); !ok || aws.ToString(in.UserName) != "Bob" || aws.ToString(in.CertificateBody) != testCert.PEM {
		t.Errorf("recorded upload input = %#v", calls[1].Input)
	}
	if api.CallCount(iamspec.OpUpload) != 1 || api.CallCount(iamspec.OpUpdate) != 0 {
		t.Errorf("CallCount: upload %d, update %d; want 1, 0", api.CallCount(iamspec.OpUpload), api.CallCount(iamspec.OpUpdate))
	}
}

func TestFuncAPIRecordsConcurrentCalls(t *testing.T) {
	var api sigcerttest.FuncAPI
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = callSDK(&api, iamspec.OpList)
		}()
	}
	wg.Wait()
	if n := api.CallCount(iamspec.OpList); n != 50 {
		t.Errorf("recorded %d calls, want 50", n)
	}
}
