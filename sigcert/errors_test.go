package sigcert_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// sentinelTable pairs each sentinel with the IAM code Code names it by.
var sentinelTable = []struct {
	code string
	err  error
}{
	{iamspec.CodeConcurrentModification, sigcert.ErrConcurrentModification},
	{iamspec.CodeDuplicateCertificate, sigcert.ErrDuplicateCertificate},
	{iamspec.CodeEntityAlreadyExists, sigcert.ErrEntityAlreadyExists},
	{iamspec.CodeInvalidCertificate, sigcert.ErrInvalidCertificate},
	{iamspec.CodeLimitExceeded, sigcert.ErrLimitExceeded},
	{iamspec.CodeMalformedCertificate, sigcert.ErrMalformedCertificate},
	{iamspec.CodeNoSuchEntity, sigcert.ErrNoSuchEntity},
	{iamspec.CodeServiceFailure, sigcert.ErrServiceFailure},
	{iamspec.CodeValidationError, sigcert.ErrValidation},
	{iamspec.CodeAccessDenied, sigcert.ErrAccessDenied},
	{iamspec.CodeThrottling, sigcert.ErrThrottling},
	{iamspec.CodeInvalidInput, sigcert.ErrInvalidInput},
}

// printAll prints err every way a log line does, recovering a panic into
// a test failure.
func printAll(t *testing.T, name string, err error) []string {
	t.Helper()
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: %s panicked: %v", name, verb, p)
				}
			}()
			out = append(out, fmt.Sprintf(verb, err))
		}()
	}
	for _, s := range out {
		if strings.Contains(s, "PANIC=") {
			t.Errorf("%s: printing panicked: %s", name, s)
		}
	}
	return out
}

// The zero value of every exported error type prints, unwraps and is
// matched against without panicking, and says something a reader can use.
func TestZeroErrorsPrintAndUnwrap(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&sigcert.ServiceError{}, "sigcert: IAM call failed"},
		{&sigcert.PreflightError{}, "sigcert: refused before sending"},
		{&validate.Error{}, "validate: refused (at byte offset 0)"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%T", tt.err)
		printAll(t, name, tt.err)
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", name, got, tt.want)
		}
		for _, s := range sentinelTable {
			if errors.Is(tt.err, s.err) {
				t.Errorf("%s: zero value matches %v", name, s.err)
			}
		}
		if errors.Is(tt.err, context.Canceled) {
			t.Errorf("%s: zero value matches context.Canceled", name)
		}
		var ae smithy.APIError
		if errors.As(tt.err, &ae) {
			t.Errorf("%s: zero value is an APIError", name)
		}
		if got := sigcert.Code(tt.err); got != "" {
			t.Errorf("%s: Code = %q, want none", name, got)
		}
		if got := sigcert.Detail(tt.err); strings.HasPrefix(got, "sigcert:") || strings.HasPrefix(got, "validate:") || got == "" {
			t.Errorf("%s: Detail = %q", name, got)
		}
	}
	if u := (&sigcert.ServiceError{}).Unwrap(); len(u) != 0 {
		t.Errorf("zero ServiceError unwraps to %v, want nothing", u)
	}
	if u := (&sigcert.PreflightError{}).Unwrap(); len(u) != 0 {
		t.Errorf("zero PreflightError unwraps to %v, want nothing", u)
	}
	if u := (&validate.Error{}).Unwrap(); u != nil {
		t.Errorf("zero validate.Error unwraps to %v, want nil", u)
	}
}

// Fingerprint of nil, or of a certificate with no DER, is "", as
// Certificate.Fingerprint holds when nothing was parsed; a parsed one has
// the SHA-256 of its DER.
func TestFingerprintOfNothingIsEmpty(t *testing.T) {
	if got := sigcert.Fingerprint(nil); got != "" {
		t.Errorf("Fingerprint(nil) = %q, want \"\"", got)
	}
	if got := sigcert.Fingerprint(&x509.Certificate{}); got != "" {
		t.Errorf("Fingerprint of a certificate with no DER = %q, want \"\"", got)
	}
	c := sigcerttest.NewCert()
	if got := sigcert.Fingerprint(c.X509); len(got) != 64 {
		t.Errorf("Fingerprint = %q, want 64 hex digits", got)
	}
}

// A ServiceError a test builds with only Code set (as a mock of the API
// returns it) matches that code's sentinel in either spelling, Code names
// it, and its message reads as one sentence.
func TestHandBuiltServiceErrorMatchesItsSentinel(t *testing.T) {
	for _, s := range sentinelTable {
		for _, code := range []string{s.code, s.code + "Exception"} {
			err := error(&sigcert.ServiceError{Code: code, StatusCode: 409})
			if !errors.Is(err, s.err) {
				t.Errorf("ServiceError{Code: %q} does not match %v", code, s.err)
			}
			for _, other := range sentinelTable {
				if other.err != s.err && errors.Is(err, other.err) {
					t.Errorf("ServiceError{Code: %q} also matches %v", code, other.err)
				}
			}
			if got := sigcert.Code(err); got != s.code {
				t.Errorf("Code(ServiceError{Code: %q}) = %q, want %q", code, got, s.code)
			}
			if want := "sigcert: " + code + " (HTTP 409)"; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			printAll(t, code, err)
		}
	}

	// The other fields fill the sentence in.
	full := &sigcert.ServiceError{Operation: iamspec.OpUpload, Code: iamspec.CodeDuplicateCertificate,
		Message: "The certificate is in use.", StatusCode: 409, RequestID: "req-1"}
	if want := "sigcert: UploadSigningCertificate: DuplicateCertificate: The certificate is in use. (HTTP 409, request id req-1)"; full.Error() != want {
		t.Errorf("Error() = %q, want %q", full.Error(), want)
	}
	if !errors.Is(full, sigcert.ErrDuplicateCertificate) {
		t.Errorf("%v does not match ErrDuplicateCertificate", full)
	}

	// A hand-built one that wraps an error keeps it matchable, and prints
	// its text.
	wrapped := &sigcert.ServiceError{Operation: iamspec.OpList, Err: context.DeadlineExceeded}
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Errorf("%v does not match its Err", wrapped)
	}
	if want := "sigcert: ListSigningCertificates: context deadline exceeded"; wrapped.Error() != want {
		t.Errorf("Error() = %q, want %q", wrapped.Error(), want)
	}

	// A code sigcert does not know matches nothing.
	unknown := &sigcert.ServiceError{Code: "SomethingNew"}
	for _, s := range sentinelTable {
		if errors.Is(unknown, s.err) {
			t.Errorf("unknown code matches %v", s.err)
		}
	}
}

// A PreflightError built by hand around a validate refusal matches the
// sentinel IAM would have answered, as one sigcert makes does.
func TestHandBuiltPreflightErrorMatchesIAMsAnswer(t *testing.T) {
	long := &sigcert.PreflightError{Err: &validate.Error{Field: "UserName", Reason: validate.ErrTooLong, Offset: -1}}
	if !errors.Is(long, sigcert.ErrValidation) || !errors.Is(long, validate.ErrTooLong) {
		t.Errorf("%v: want ErrValidation and ErrTooLong", long)
	}
	expired := &sigcert.PreflightError{Err: &validate.Error{Field: "CertificateBody", Reason: validate.ErrExpired, Offset: -1}}
	if !errors.Is(expired, sigcert.ErrMalformedCertificate) || !errors.Is(expired, validate.ErrExpired) {
		t.Errorf("%v: want ErrMalformedCertificate and ErrExpired", expired)
	}
	if want := "sigcert: refused before sending: CertificateBody: certificate has expired"; expired.Error() != want {
		t.Errorf("Error() = %q, want %q", expired.Error(), want)
	}
}

// onePrefix fails unless msg starts with prefix and holds no package prefix
// after it.
func onePrefix(t *testing.T, name, msg, prefix string) {
	t.Helper()
	if !strings.HasPrefix(msg, prefix) {
		t.Errorf("%s: %q does not start with %q", name, msg, prefix)
	}
	for _, p := range []string{"sigcert:", "validate:", "operation error", "https response error"} {
		if strings.Contains(strings.TrimPrefix(msg, prefix), p) {
			t.Errorf("%s: %q repeats %q", name, msg, p)
		}
	}
}

// Every message has one prefix, and Detail gives it without: the pre-flight
// refusal, IAM's answer, a transport failure and a cancelled call.
func TestMessagesHaveOnePrefix(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	up := sigcert.NewUploader(srv.Client())

	_, refused := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.ExpiredCert().PEM})
	onePrefix(t, "pre-flight", refused.Error(), "sigcert: refused before sending: CertificateBody: certificate has expired: NotAfter ")
	var ve *validate.Error
	if !errors.As(refused, &ve) {
		t.Fatalf("%v: no *validate.Error", refused)
	}
	if got, want := sigcert.Detail(refused), "refused before sending: "+ve.Message(); got != want {
		t.Errorf("Detail = %q, want %q", got, want)
	}
	if got, want := ve.Error(), "validate: "+ve.Message(); got != want {
		t.Errorf("validate.Error = %q, want %q", got, want)
	}
	if got := sigcert.Detail(ve); got != ve.Message() {
		t.Errorf("Detail(*validate.Error) = %q, want its Message %q", got, ve.Message())
	}
	onePrefix(t, "validate", ve.Message(), "CertificateBody: certificate has expired: ")

	_, badName := up.Upload(ctx, sigcert.Request{UserName: "Bob Smith", CertificateBody: sigcerttest.NewCert().PEM})
	onePrefix(t, "user name", badName.Error(), "sigcert: refused before sending: UserName: character not allowed")

	c := sigcerttest.NewCert()
	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}); err != nil {
		t.Fatal(err)
	}
	_, dup := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
	onePrefix(t, "IAM's answer", dup.Error(), "sigcert: UploadSigningCertificate: DuplicateCertificate: ")
	if !strings.HasSuffix(dup.Error(), ")") || !strings.Contains(dup.Error(), "(HTTP 409, request id ") {
		t.Errorf("IAM's answer: %q lacks the status and request id", dup)
	}
	if got, want := sigcert.Detail(dup), strings.TrimPrefix(dup.Error(), "sigcert: "); got != want {
		t.Errorf("Detail = %q, want %q", got, want)
	}

	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Drop: true, Count: 3})
	_, dropped := up.List(ctx, "Bob")
	onePrefix(t, "dropped", dropped.Error(), "sigcert: ListSigningCertificates: request send failed: ")
	if !strings.HasSuffix(dropped.Error(), "(gave up after 3 attempts)") {
		t.Errorf("dropped: %q does not say how many attempts", dropped)
	}
	var se *sigcert.ServiceError
	if !errors.As(dropped, &se) || se.Code != "" || se.Operation != iamspec.OpList {
		t.Errorf("dropped: %#v", dropped)
	}
	var mae *retry.MaxAttemptsError
	if !errors.As(dropped, &mae) || mae.Attempt != 3 {
		t.Errorf("dropped: the SDK's MaxAttemptsError is not reachable")
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, cancelled := up.List(cctx, "Bob")
	if want := "sigcert: ListSigningCertificates: context canceled"; cancelled.Error() != want {
		t.Errorf("cancelled: %q, want %q", cancelled, want)
	}
	if !errors.Is(cancelled, context.Canceled) {
		t.Errorf("cancelled: %v does not match context.Canceled", cancelled)
	}

	// Detail leaves other errors' text alone, even one that wraps sigcert's.
	mine := fmt.Errorf("register Bob: %w", dup)
	if got := sigcert.Detail(mine); got != mine.Error() {
		t.Errorf("Detail of a caller's error = %q, want it whole", got)
	}
	if got := sigcert.Detail(sigcert.ErrDuplicateCertificate); got != "duplicate certificate" {
		t.Errorf("Detail(ErrDuplicateCertificate) = %q", got)
	}
	if got := sigcert.Detail(nil); got != "" {
		t.Errorf("Detail(nil) = %q", got)
	}
}

// secretRun returns the first 16-character run of secret's non-armour
// lines that s holds, or "".
func secretRun(s, secret string) string {
	for line := range strings.Lines(secret) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-----") {
			continue
		}
		for i := 0; i+16 <= len(line); i++ {
			if strings.Contains(s, line[i:i+16]) {
				return line[i : i+16]
			}
		}
	}
	return ""
}

// noSecretPrinted fails if any print of any link in err's chain holds PEM
// armour or a 16-character run of a secret.
func noSecretPrinted(t *testing.T, name string, err error, secrets ...string) {
	t.Helper()
	for _, p := range sigcert.ChainPrints(err) {
		if strings.Contains(strings.ToLower(p), "-----begin") || strings.Contains(strings.ToLower(p), "-----end") {
			t.Errorf("%s: PEM armour printed: %q", name, p)
			return
		}
		for _, s := range secrets {
			if run := secretRun(p, s); run != "" {
				t.Errorf("%s: %q printed in %q", name, run, p)
				return
			}
		}
	}
}

// reachesSDKTypes fails unless errors.As reaches each SDK type of an HTTP
// error answer with the given code, and the ServiceError carries the
// response's status and request id.
func reachesSDKTypes(t *testing.T, name string, err error, code string, exception any) {
	t.Helper()
	var se *sigcert.ServiceError
	if !errors.As(err, &se) {
		t.Errorf("%s: %v is not a *ServiceError", name, err)
		return
	}
	var oe *smithy.OperationError
	if !errors.As(err, &oe) || oe.OperationName != se.Operation {
		t.Errorf("%s: *smithy.OperationError not reached", name)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != se.StatusCode || re.ServiceRequestID() == "" || re.ServiceRequestID() != se.RequestID {
		t.Errorf("%s: *awshttp.ResponseError not reached, or its status and request id differ from %+v", name, se)
	}
	var sre *smithyhttp.ResponseError
	if !errors.As(err, &sre) {
		t.Errorf("%s: *smithyhttp.ResponseError not reached", name)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != se.Message {
		t.Errorf("%s: smithy.APIError with code %s and the redacted message not reached", name, code)
	}
	if exception != nil && !errors.As(err, exception) {
		t.Errorf("%s: %T not reached", name, exception)
	}
}

// leakyBody is a body that a caller might send by mistake, and the secret
// it holds.
type leakyBody struct {
	name, body string
	secrets    []string
}

// leakyBodies are bodies holding keys and certificates, in forms the
// endpoint answers MalformedCertificate to, echoing the body.
func leakyBodies() []leakyBody {
	expired := sigcerttest.ExpiredCert()
	block, _ := pem.Decode([]byte(expired.KeyPEM))
	keyB64 := base64.StdEncoding.EncodeToString([]byte(expired.KeyPEM))
	relabelled := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}))
	lower := strings.ReplaceAll(expired.KeyPEM, "PRIVATE KEY", "private key")
	return []leakyBody{
		{"expired certificate", expired.PEM, []string{expired.PEM}},
		{"expired certificate, CRLF", crlf(expired.PEM), []string{expired.PEM}},
		{"certificate and key", expired.PEM + expired.KeyPEM, []string{expired.PEM, expired.KeyPEM}},
		{"certificate and lower-case key", expired.PEM + lower, []string{expired.PEM, expired.KeyPEM}},
		{"key alone", expired.KeyPEM, []string{expired.KeyPEM}},
		{"key relabelled CERTIFICATE", relabelled, []string{relabelled}},
		{"base64 of a PEM key", keyB64 + "\n", []string{keyB64}},
		{"base64 lines without armour", "MII" + strings.Repeat("QUJD", 40) + "\n" + keyB64[:64] + "\n", []string{keyB64[:64]}},
	}
}

// IAM echoes a malformed body in its message. Through a real *iam.Client
// answered over HTTP and through the Fake, whether the body is sent by
// Upload (with the X.509 checks skipped) or straight through the SDK, no
// print of any error in the chain shows the body, while errors.As still
// reaches every SDK type.
func TestNoErrorPrintsTheBody(t *testing.T) {
	ctx := context.Background()
	type face struct {
		name string
		api  func(t *testing.T) sigcert.API
	}
	faces := []face{
		{"http", func(t *testing.T) sigcert.API {
			srv := sigcerttest.NewServer("Bob")
			t.Cleanup(srv.Close)
			return srv.Client()
		}},
		{"fake", func(t *testing.T) sigcert.API { return sigcerttest.NewFake("Bob") }},
	}
	for _, f := range faces {
		for _, lb := range leakyBodies() {
			t.Run(f.name+"/"+lb.name, func(t *testing.T) {
				api := f.api(t)
				secrets := append([]string{lb.body}, lb.secrets...)

				// Straight through the SDK: the endpoint answers with the echo.
				_, raw := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
					UserName: aws.String("Bob"), CertificateBody: aws.String(lb.body)})
				var ae smithy.APIError
				if !errors.As(raw, &ae) || ae.ErrorCode() != iamspec.CodeMalformedCertificate {
					t.Fatalf("the endpoint answered %v, want MalformedCertificate", raw)
				}
				if secretRun(raw.Error(), lb.body) == "" {
					t.Fatalf("the endpoint did not echo the body, so this test shows nothing: %v", raw)
				}
				err := sigcert.ServiceErrorOf(iamspec.OpUpload, raw, lb.body)
				noSecretPrinted(t, "SDK answer", err, secrets...)
				reachesSDKTypes(t, "SDK answer", err, iamspec.CodeMalformedCertificate, new(*types.MalformedCertificateException))
				var se *sigcert.ServiceError
				if errors.As(err, &se) && se.Message != "Certificate [certificate body withheld] is malformed." {
					t.Errorf("Message = %q", se.Message)
				}
				if !errors.Is(err, sigcert.ErrMalformedCertificate) {
					t.Errorf("%v does not match ErrMalformedCertificate", err)
				}

				// Through Upload: refused before sending, or the echo redacted.
				_, err = sigcert.NewUploader(api, sigcert.SkipX509Checks()).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: lb.body})
				if !errors.Is(err, sigcert.ErrMalformedCertificate) {
					t.Fatalf("Upload: err = %v, want ErrMalformedCertificate", err)
				}
				noSecretPrinted(t, "Upload", err, secrets...)
				var pe *sigcert.PreflightError
				if !errors.As(err, &pe) {
					reachesSDKTypes(t, "Upload", err, iamspec.CodeMalformedCertificate, new(*types.MalformedCertificateException))
				}
			})
		}
	}
}

// An endpoint may quote key material in any answer, to any operation: the
// retried ServiceFailure of a list, a NoSuchEntity of a delete. Nothing in
// the chain prints it, the SDK's retry wrapper included.
func TestNoErrorPrintsKeyMaterialFromAnyAnswer(t *testing.T) {
	ctx := context.Background()
	c := sigcerttest.NewCert()
	keyB64 := base64.StdEncoding.EncodeToString([]byte(c.KeyPEM))
	messages := map[string]string{
		"key":             "near " + c.KeyPEM,
		"lower-case key":  strings.ToLower(c.KeyPEM),
		"base64 of a key": "bad value " + keyB64,
		"certificate":     "conflicts with " + c.PEM,
	}
	for what, msg := range messages {
		srv := sigcerttest.NewServer("Bob")
		up := sigcert.NewUploader(srv.Client())
		srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: iamspec.CodeServiceFailure, Message: msg, Count: 3})
		_, listErr := up.List(ctx, "Bob")
		srv.Inject(sigcerttest.Fault{Action: iamspec.OpDelete, Code: iamspec.CodeNoSuchEntity, Message: msg})
		delErr := up.Delete(ctx, "Bob", strings.Repeat("A", 24))
		srv.Close()

		for name, err := range map[string]error{"List": listErr, "Delete": delErr} {
			name += " answered " + what
			noSecretPrinted(t, name, err, c.KeyPEM, c.PEM, keyB64)
			code := iamspec.CodeServiceFailure
			exc := any(new(*types.ServiceFailureException))
			if name[0] == 'D' {
				code, exc = iamspec.CodeNoSuchEntity, new(*types.NoSuchEntityException)
			}
			reachesSDKTypes(t, name, err, code, exc)
		}
		var mae *retry.MaxAttemptsError
		if !errors.As(listErr, &mae) {
			t.Errorf("List answered %s: the SDK's MaxAttemptsError is not reachable", what)
		}
	}
}

// answeringAPI answers every upload with err, as a user's hand-written mock of
// the API does.
type answeringAPI struct {
	sigcert.API
	err error
}

func (m answeringAPI) UploadSigningCertificate(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	return nil, m.err
}

// A mock that answers with a hand-built ServiceError gets it back through
// Upload with one prefix, the operation filled in and its sentinel matched.
func TestMockAnsweringAServiceError(t *testing.T) {
	up := sigcert.NewUploader(answeringAPI{err: &sigcert.ServiceError{Code: iamspec.CodeDuplicateCertificate, StatusCode: 409}})
	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if want := "sigcert: UploadSigningCertificate: DuplicateCertificate (HTTP 409)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if !errors.Is(err, sigcert.ErrDuplicateCertificate) || sigcert.Code(err) != iamspec.CodeDuplicateCertificate {
		t.Errorf("err = %v: want ErrDuplicateCertificate", err)
	}
}
