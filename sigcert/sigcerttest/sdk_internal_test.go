package sigcerttest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// call makes one request of operation op through an SDK client. The inputs
// pass the SDK's own validation.
func call(ctx context.Context, c *iam.Client, op string) error {
	var err error
	switch op {
	case iamspec.OpUpload:
		_, err = c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String("x")})
	case iamspec.OpList:
		_, err = c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	case iamspec.OpUpdate:
		_, err = c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{CertificateId: aws.String("x"), Status: "Active"})
	case iamspec.OpDelete:
		_, err = c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: aws.String("x")})
	}
	return err
}

// TestAPIErrorMatchesSDK checks the Fake's table of error types against the
// SDK itself: for every operation and every IAM code, the Server answers
// with that code and the real client's deserializer decodes it; the Fake
// must build the same type, code, message and fault, and wrap it the same
// way.
func TestAPIErrorMatchesSDK(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	ops := []string{iamspec.OpUpload, iamspec.OpList, iamspec.OpUpdate, iamspec.OpDelete}
	codes := []string{"SomethingNew"}
	for _, c := range iamspec.ErrorCodes {
		codes = append(codes, c.Code)
	}
	for _, op := range ops {
		for _, code := range codes {
			msg := fmt.Sprintf("injected <%s> & more\r\n", code)
			srv.Inject(Fault{Action: op, Code: code, Message: msg})
			got := call(context.Background(), client, op)
			fake := modelError(op, "req-1", &iammodel.Error{Code: code, Message: msg})

			var gotAE, fakeAE smithy.APIError
			if !errors.As(got, &gotAE) || !errors.As(fake, &fakeAE) {
				t.Fatalf("%s %s: not APIErrors: SDK %v, Fake %v", op, code, got, fake)
			}
			if g, f := fmt.Sprintf("%T", gotAE), fmt.Sprintf("%T", fakeAE); g != f {
				t.Errorf("%s %s: SDK decodes %s, Fake builds %s", op, code, g, f)
			}
			if gotAE.ErrorCode() != fakeAE.ErrorCode() || gotAE.ErrorMessage() != fakeAE.ErrorMessage() || gotAE.ErrorFault() != fakeAE.ErrorFault() {
				t.Errorf("%s %s: SDK (%s, %q, %v), Fake (%s, %q, %v)", op, code,
					gotAE.ErrorCode(), gotAE.ErrorMessage(), gotAE.ErrorFault(), fakeAE.ErrorCode(), fakeAE.ErrorMessage(), fakeAE.ErrorFault())
			}
			if gotAE.ErrorMessage() != msg {
				t.Errorf("%s %s: message %q, want %q", op, code, gotAE.ErrorMessage(), msg)
			}
			var gotRE, fakeRE *awshttp.ResponseError
			var gotOE, fakeOE *smithy.OperationError
			if !errors.As(got, &gotRE) || !errors.As(fake, &fakeRE) || !errors.As(got, &gotOE) || !errors.As(fake, &fakeOE) {
				t.Fatalf("%s %s: wrapping differs: SDK %T, Fake %T", op, code, got, fake)
			}
			if gotRE.HTTPStatusCode() != fakeRE.HTTPStatusCode() || gotRE.HTTPStatusCode() != iamspec.Status(code) {
				t.Errorf("%s %s: status SDK %d, Fake %d, IAM %d", op, code, gotRE.HTTPStatusCode(), fakeRE.HTTPStatusCode(), iamspec.Status(code))
			}
			if gotOE.Operation() != fakeOE.Operation() || gotOE.Service() != fakeOE.Service() {
				t.Errorf("%s %s: OperationError SDK %s/%s, Fake %s/%s", op, code, gotOE.Service(), gotOE.Operation(), fakeOE.Service(), fakeOE.Operation())
			}
			if fakeRE.ServiceRequestID() != "req-1" || gotRE.ServiceRequestID() == "" {
				t.Errorf("%s %s: request ids SDK %q, Fake %q", op, code, gotRE.ServiceRequestID(), fakeRE.ServiceRequestID())
			}
		}
	}
}
