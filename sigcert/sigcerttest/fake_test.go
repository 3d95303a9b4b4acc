package sigcerttest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// bothFaces returns a Fake and a real client of a Server, each with user Bob.
func bothFaces(t *testing.T) map[string]sigcert.API {
	t.Helper()
	srv := sigcerttest.NewServer("Bob")
	t.Cleanup(srv.Close)
	return map[string]sigcert.API{"Fake": sigcerttest.NewFake("Bob"), "Server": srv.Client()}
}

// TestSDKValidation checks the Fake refuses what the SDK's own validator
// refuses, with the same error, and sends nothing.
func TestSDKValidation(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		name string
		call func(sigcert.API) error
		want string
	}{
		{"upload nil params", func(a sigcert.API) error { _, err := a.UploadSigningCertificate(ctx, nil); return err },
			"UploadSigningCertificateInput.CertificateBody"},
		{"upload nil body", func(a sigcert.API) error {
			_, err := a.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("Bob")})
			return err
		}, "UploadSigningCertificateInput.CertificateBody"},
		{"update nil params", func(a sigcert.API) error { _, err := a.UpdateSigningCertificate(ctx, nil); return err },
			"UpdateSigningCertificateInput.CertificateId"},
		{"update without status", func(a sigcert.API) error {
			_, err := a.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{CertificateId: aws.String("x")})
			return err
		}, "UpdateSigningCertificateInput.Status"},
		{"delete nil params", func(a sigcert.API) error { _, err := a.DeleteSigningCertificate(ctx, nil); return err },
			"DeleteSigningCertificateInput.CertificateId"},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			msgs := map[string]string{}
			for name, api := range bothFaces(t) {
				err := c.call(api)
				var ip smithy.InvalidParamsError
				var oe *smithy.OperationError
				if !errors.As(err, &ip) || !errors.As(err, &oe) {
					t.Fatalf("%s: error %v (%T), want smithy.InvalidParamsError in *smithy.OperationError", name, err, err)
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %q does not name %s", name, err, c.want)
				}
				msgs[name] = err.Error()
			}
			if msgs["Fake"] != msgs["Server"] {
				t.Errorf("messages differ:\nFake   %q\nServer %q", msgs["Fake"], msgs["Server"])
			}
		})
	}

	// List has no required field: nil params list the caller's own user.
	for name, api := range bothFaces(t) {
		out, err := api.ListSigningCertificates(ctx, nil)
		if err != nil || out.Certificates == nil || len(out.Certificates) != 0 {
			t.Errorf("%s: List(nil) = %+v, %v; want an empty page", name, out, err)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := certgen.Valid().PEM
	msgs := map[string]string{}
	for name, api := range bothFaces(t) {
		_, err := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
			UserName: aws.String("Bob"), CertificateBody: aws.String(body)})
		var oe *smithy.OperationError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &oe) {
			t.Fatalf("%s: error %v, want context.Canceled in *smithy.OperationError", name, err)
		}
		msgs[name] = err.Error()
		out, err := api.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
		if err != nil || len(out.Certificates) != 0 {
			t.Errorf("%s: a canceled upload changed the model: %+v, %v", name, out, err)
		}
	}
	if msgs["Fake"] != msgs["Server"] {
		t.Errorf("messages differ:\nFake   %q\nServer %q", msgs["Fake"], msgs["Server"])
	}
}

func TestFakeMetadataAndInspection(t *testing.T) {
	f := sigcerttest.NewFake("Bob", "Alice")
	ctx := context.Background()
	out, err := f.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
		UserName: aws.String("Alice"), CertificateBody: aws.String(certgen.Valid().PEM)})
	if err != nil {
		t.Fatal(err)
	}
	id1, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if !ok || id1 == "" {
		t.Error("no request id in the upload's metadata")
	}
	del, err := f.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{
		UserName: aws.String("Alice"), CertificateId: out.Certificate.CertificateId})
	if err != nil {
		t.Fatal(err)
	}
	if id2, _ := awsmiddleware.GetRequestIDMetadata(del.ResultMetadata); id2 == "" || id2 == id1 {
		t.Errorf("request ids %q then %q", id1, id2)
	}
	if c := f.Certificates("Alice"); c != nil {
		t.Errorf("Certificates after delete: %v", c)
	}
	if got := strings.Join(f.Users(), ","); got != "Alice,Bob,"+sigcerttest.DefaultUser {
		t.Errorf("Users = %s", got)
	}
}

// TestFakeChecksCredentials checks the Fake refuses a call whose access key
// it does not know, or whose secret does not match the key's, as IAM does.
func TestFakeChecksCredentials(t *testing.T) {
	f := sigcerttest.NewFake("Bob")
	f.AddAccessKeyWithSecret("AKIABOB", "bob-secret", "Bob")
	ctx := context.Background()
	as := func(id, secret string) func(*iam.Options) {
		return func(o *iam.Options) { o.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "") }
	}
	_, err := f.ListSigningCertificates(ctx, nil, as("AKIABOB", "wrong"))
	if code, msg, _, status := describe(err); code != iamspec.CodeSignatureDoesNotMatch || status != 403 ||
		msg != iamspec.MsgSignatureDoesNotMatch {
		t.Errorf("wrong secret: %s %d %q", code, status, msg)
	}
	_, err = f.ListSigningCertificates(ctx, nil, as("AKIANOBODY", "bob-secret"))
	if code, _, _, status := describe(err); code != iamspec.CodeInvalidClientTokenID || status != 403 {
		t.Errorf("unknown key: %s %d", code, status)
	}
	out, err := f.GetUser(ctx, nil, as("AKIABOB", "bob-secret"))
	if err != nil || *out.User.UserName != "Bob" {
		t.Errorf("right secret: %+v, %v", out, err)
	}
	// AddAccessKey keeps the default secret.
	f.AddAccessKey("AKIABOB2", "Bob")
	if _, err := f.GetUser(ctx, nil, as("AKIABOB2", sigcerttest.DefaultSecretAccessKey)); err != nil {
		t.Errorf("AddAccessKey's key with the default secret: %v", err)
	}
}

func TestFakeLatencyHonoursTheContext(t *testing.T) {
	f := sigcerttest.NewFake("Bob")
	f.Inject(sigcerttest.Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateBody: aws.String(certgen.Valid().PEM)})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("error %v after %v, want context.DeadlineExceeded at once", err, time.Since(start))
	}
	var oe *smithy.OperationError
	if !errors.As(err, &oe) || oe.OperationName != "UploadSigningCertificate" {
		t.Errorf("error %v is not the operation's", err)
	}
	if f.Certificates("Bob") != nil {
		t.Error("a call given up during its latency was applied")
	}
	f.Inject(sigcerttest.Fault{Latency: time.Millisecond})
	if _, err := f.ListSigningCertificates(context.Background(), nil); err != nil {
		t.Errorf("after a short latency: %v", err)
	}
}

func TestFakeInjectRefusesWhatOnlyHTTPCanDo(t *testing.T) {
	for _, fault := range []sigcerttest.Fault{{Drop: true}, {ApplyThenDrop: true}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Server") {
					t.Errorf("Inject(%+v) recovered %v, want a panic pointing to the Server", fault, r)
				}
			}()
			sigcerttest.NewFake().Inject(fault)
		}()
	}
	f := sigcerttest.NewFake()
	f.Inject(sigcerttest.Fault{Code: iamspec.CodeServiceFailure, Count: 5})
	f.ClearFaults()
	if _, err := f.ListSigningCertificates(context.Background(), nil); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestFakeRecordsCalls(t *testing.T) {
	f := sigcerttest.NewFake("Bob")
	ctx := context.Background()
	in := &iam.UploadSigningCertificateInput{UserName: aws.String("Bob"), CertificateBody: aws.String(certgen.Valid().PEM)}
	f.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Code: iamspec.CodeServiceFailure})
	_, _ = f.UploadSigningCertificate(ctx, in)
	_, _ = f.UploadSigningCertificate(ctx, in)
	_, _ = f.ListUsers(ctx, nil)
	_, _ = f.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{}) // refused before "sending"
	calls := f.Calls()
	if len(calls) != 3 || calls[0].Operation != "UploadSigningCertificate" || calls[2].Operation != "ListUsers" {
		t.Fatalf("Calls = %+v", calls)
	}
	got, ok := calls[0].Input.(*iam.UploadSigningCertificateInput)
	if !ok || got == in || *got.UserName != "Bob" {
		t.Errorf("recorded input %#v, want a copy of the upload's", calls[0].Input)
	}
	if f.Requests("UploadSigningCertificate") != 2 || f.Requests("") != 3 || f.Requests("DeleteSigningCertificate") != 0 {
		t.Errorf("Requests: upload %d, all %d", f.Requests("UploadSigningCertificate"), f.Requests(""))
	}
}

func TestZeroFakeHoldsTheDefaultUser(t *testing.T) {
	var f sigcerttest.Fake
	out, err := f.GetUser(context.Background(), nil)
	if err != nil || *out.User.UserName != sigcerttest.DefaultUser {
		t.Fatalf("zero Fake GetUser = %+v, %v", out, err)
	}
}

// TestLibraryCopesWithExpired checks nothing in sigcert errors over a
// listed certificate whose status is Expired, IAM's third status.
func TestLibraryCopesWithExpired(t *testing.T) {
	ctx := context.Background()
	f := sigcerttest.NewFake("Bob")
	old := certgen.Valid()
	out, err := f.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateBody: aws.String(old.PEM)})
	if err != nil {
		t.Fatal(err)
	}
	f.MarkExpired("Bob", *out.Certificate.CertificateId)
	u := sigcert.NewUploader(f)
	listed, err := u.List(ctx, "Bob")
	if err != nil || len(listed) != 1 {
		t.Fatalf("List with an Expired certificate: %v, %v", listed, err)
	}
	if _, err := u.Ensure(ctx, sigcert.Request{UserName: "Bob", CertificateBody: old.PEM}); err != nil {
		t.Errorf("Ensure of the Expired certificate: %v", err)
	}
	if _, err := u.Rotate(ctx, sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM}, sigcert.RotatePolicy{}); err != nil {
		t.Errorf("Rotate past an Expired certificate: %v", err)
	}
}
