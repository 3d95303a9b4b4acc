package sigcerttest_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// answer is one IAM error response, served as IAM serves it: the awsquery
// ErrorResponse document and the x-amzn-RequestId header. The SDK reads
// Error>Code, Error>Message and RequestId (aws/protocol/xml/error_utils.go),
// and the header wins over the body's id (aws/middleware/request_id_retriever.go).
type answer struct {
	code, message, requestID string
	status                   int
}

// iamAnswering is a local endpoint that gives every request the answer set
// last, and a real *iam.Client wired to it.
type iamAnswering struct {
	mu     sync.Mutex
	answer answer
	srv    *httptest.Server
}

func newIAMAnswering(t *testing.T) *iamAnswering {
	t.Helper()
	ia := &iamAnswering{}
	ia.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ia.mu.Lock()
		a := ia.answer
		ia.mu.Unlock()
		var b strings.Builder
		b.WriteString(`<ErrorResponse xmlns="` + iamspec.Namespace + `"><Error><Type>Sender</Type><Code>`)
		_ = xml.EscapeText(&b, []byte(a.code))
		b.WriteString(`</Code>`)
		if a.message != "" {
			b.WriteString(`<Message>`)
			_ = xml.EscapeText(&b, []byte(a.message))
			b.WriteString(`</Message>`)
		}
		b.WriteString(`</Error><RequestId>` + a.requestID + `</RequestId></ErrorResponse>`)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", a.requestID)
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(ia.srv.Close)
	return ia
}

func (ia *iamAnswering) set(a answer) {
	ia.mu.Lock()
	defer ia.mu.Unlock()
	ia.answer = a
}

// client returns a real *iam.Client for the endpoint with the given retryer.
func (ia *iamAnswering) client(r aws.Retryer) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ia.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIASIGCERTTEST", "sigcerttest-secret-access-key", ""),
		HTTPClient:   ia.srv.Client(),
		Retryer:      r,
	})
}

// errorAPI is the hand-written double a user writes: every operation
// returns err.
type errorAPI struct{ err error }

func (e errorAPI) UploadSigningCertificate(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	return nil, e.err
}

func (e errorAPI) ListSigningCertificates(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	return nil, e.err
}

func (e errorAPI) UpdateSigningCertificate(context.Context, *iam.UpdateSigningCertificateInput, ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	return nil, e.err
}

func (e errorAPI) DeleteSigningCertificate(context.Context, *iam.DeleteSigningCertificateInput, ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	return nil, e.err
}

func (e errorAPI) CreateUser(context.Context, *iam.CreateUserInput, ...func(*iam.Options)) (*iam.CreateUserOutput, error) {
	return nil, e.err
}

func (e errorAPI) GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return nil, e.err
}

func (e errorAPI) ListUsers(context.Context, *iam.ListUsersInput, ...func(*iam.Options)) (*iam.ListUsersOutput, error) {
	return nil, e.err
}

func (e errorAPI) DeleteUser(context.Context, *iam.DeleteUserInput, ...func(*iam.Options)) (*iam.DeleteUserOutput, error) {
	return nil, e.err
}

// operations are the signing-certificate operations, which sigcert calls;
// userOperations the user operations the local IAM serves as well.
var (
	operations     = []string{iamspec.OpUpload, iamspec.OpList, iamspec.OpUpdate, iamspec.OpDelete}
	userOperations = []string{iamspec.OpCreateUser, iamspec.OpGetUser, iamspec.OpListUsers, iamspec.OpDeleteUser}
	allOperations  = append(append([]string{}, operations...), userOperations...)
)

const someCertID = "ABCDEFGHIJKLMNOPQRSTUVWX"

// callSDK calls op on api directly, as code that uses the SDK does. A user
// operation needs api to have the user operations (fullAPI).
func callSDK(api sigcert.API, op string) error {
	ctx := context.Background()
	var err error
	users, _ := api.(fullAPI)
	switch op {
	case iamspec.OpCreateUser:
		_, err = users.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Bob")})
	case iamspec.OpGetUser:
		_, err = users.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Bob")})
	case iamspec.OpListUsers:
		_, err = users.ListUsers(ctx, &iam.ListUsersInput{})
	case iamspec.OpDeleteUser:
		_, err = users.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Bob")})
	case iamspec.OpUpload:
		_, err = api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("Bob"), CertificateBody: aws.String("x")})
	case iamspec.OpList:
		_, err = api.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	case iamspec.OpUpdate:
		_, err = api.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("Bob"), CertificateId: aws.String(someCertID), Status: types.StatusTypeInactive})
	case iamspec.OpDelete:
		_, err = api.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("Bob"), CertificateId: aws.String(someCertID)})
	}
	return err
}

var testCert = sigcerttest.NewCert()

// callSigcert calls the sigcert method that makes op's call.
func callSigcert(api sigcert.API, op string) error {
	ctx := context.Background()
	up := sigcert.NewUploader(api)
	var err error
	switch op {
	case iamspec.OpUpload:
		_, err = up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: testCert.PEM})
	case iamspec.OpList:
		_, err = up.List(ctx, "Bob")
	case iamspec.OpUpdate:
		err = up.SetStatus(ctx, "Bob", someCertID, types.StatusTypeInactive)
	case iamspec.OpDelete:
		err = up.Delete(ctx, "Bob", someCertID)
	}
	return err
}

var sentinels = map[string]error{
	"ErrConcurrentModification": sigcert.ErrConcurrentModification, "ErrDuplicateCertificate": sigcert.ErrDuplicateCertificate,
	"ErrEntityAlreadyExists": sigcert.ErrEntityAlreadyExists, "ErrInvalidCertificate": sigcert.ErrInvalidCertificate,
	"ErrLimitExceeded": sigcert.ErrLimitExceeded, "ErrMalformedCertificate": sigcert.ErrMalformedCertificate,
	"ErrNoSuchEntity": sigcert.ErrNoSuchEntity, "ErrServiceFailure": sigcert.ErrServiceFailure,
	"ErrValidation": sigcert.ErrValidation, "ErrAccessDenied": sigcert.ErrAccessDenied,
	"ErrThrottling": sigcert.ErrThrottling, "ErrInvalidInput": sigcert.ErrInvalidInput,
	"ErrIncompleteResponse": sigcert.ErrIncompleteResponse,
}

// sdkView is everything a caller of the SDK can observe of an error.
type sdkView struct {
	Chain                 []string
	Error                 string
	Code, Message         string
	TypedMessageNil       bool
	Fault                 smithy.ErrorFault
	Status                int
	RequestID, HeaderID   string
	Service, Operation    string
	HTTPResponseReachable bool
}

func viewSDK(err error) sdkView {
	var v sdkView
	if err == nil {
		return v
	}
	v.Error = err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		v.Chain = append(v.Chain, fmt.Sprintf("%T", e))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		v.Code, v.Message, v.Fault = ae.ErrorCode(), ae.ErrorMessage(), ae.ErrorFault()
		if f := reflect.ValueOf(ae).Elem().FieldByName("Message"); f.Kind() == reflect.Pointer {
			v.TypedMessageNil = f.IsNil()
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		v.Status, v.RequestID = re.HTTPStatusCode(), re.ServiceRequestID()
		v.HeaderID = re.Response.Header.Get("x-amzn-RequestId")
	}
	var she *smithyhttp.ResponseError
	v.HTTPResponseReachable = errors.As(err, &she) && she.HTTPResponse() != nil && she.HTTPResponse().StatusCode == v.Status
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		v.Service, v.Operation = oe.Service(), oe.Operation()
	}
	return v
}

// sigcertView is everything a caller of sigcert can observe of an error.
type sigcertView struct {
	Error                                     string
	Operation, Code, Message, RequestID, Name string
	StatusCode                                int
	Matches                                   []string
}

func viewSigcert(err error) sigcertView {
	var v sigcertView
	var se *sigcert.ServiceError
	if !errors.As(err, &se) {
		v.Error = fmt.Sprintf("not a *sigcert.ServiceError: %v", err)
		return v
	}
	v.Error, v.Operation, v.Code, v.Message = err.Error(), se.Operation, se.Code, se.Message
	v.StatusCode, v.RequestID, v.Name = se.StatusCode, se.RequestID, sigcert.Code(err)
	for name, s := range sentinels {
		if errors.Is(err, s) {
			v.Matches = append(v.Matches, name)
		}
	}
	sort.Strings(v.Matches)
	return v
}

type equivalenceCase struct {
	name   string
	answer answer
	opts   []sigcerttest.APIErrorOption
}

// compare serves c's answer, calls op on the real client, and compares what
// a caller sees with APIError's value, directly and through sigcert.
func compare(t *testing.T, ia *iamAnswering, client *iam.Client, op string, c equivalenceCase) {
	t.Helper()
	ia.set(c.answer)
	opts := append([]sigcerttest.APIErrorOption{sigcerttest.WithRequestID(c.answer.requestID)}, c.opts...)
	mock := errorAPI{err: sigcerttest.APIError(op, c.answer.code, opts...)}

	real, fake := viewSDK(callSDK(client, op)), viewSDK(callSDK(mock, op))
	if real.Error == "" {
		t.Fatalf("%s %s: the real client returned no error", op, c.name)
	}
	if diff := cmp.Diff(real, fake); diff != "" {
		t.Errorf("%s %s: SDK view differs (real, APIError):\n%s", op, c.name, diff)
	}
	if slices.Contains(userOperations, op) {
		return // sigcert makes no user calls
	}
	realS, fakeS := viewSigcert(callSigcert(client, op)), viewSigcert(callSigcert(mock, op))
	if diff := cmp.Diff(realS, fakeS); diff != "" {
		t.Errorf("%s %s: sigcert view differs (real, APIError):\n%s", op, c.name, diff)
	}
	if realS.Code != c.answer.code && !strings.EqualFold(realS.Code, c.answer.code) {
		t.Errorf("%s %s: sigcert Code = %q, want %q", op, c.name, realS.Code, c.answer.code)
	}
}

func TestAPIErrorIsTheClientsErrorForEveryCodeAndOperation(t *testing.T) {
	ia := newIAMAnswering(t)
	client := ia.client(aws.NopRetryer{})
	n := 0
	for _, op := range allOperations {
		for _, ec := range iamspec.ErrorCodes {
			n++
			compare(t, ia, client, op, equivalenceCase{
				name: ec.Code,
				answer: answer{code: ec.Code, status: ec.Status,
					message: "IAM says <" + ec.Code + "> & more", requestID: fmt.Sprintf("req-%s-%d", op, n)},
				opts: []sigcerttest.APIErrorOption{sigcerttest.WithMessage("IAM says <" + ec.Code + "> & more")},
			})
		}
	}
	// The codes only the Server answers with, for requests the SDK never
	// sends (awsquery.go, sigv4.go), with the statuses it gives them.
	for _, op := range allOperations {
		for _, ec := range []iamspec.ErrorCode{{Code: "IncompleteSignature", Status: 400}, {Code: "MissingAction", Status: 400},
			{Code: "InvalidQueryParameter", Status: 400}, {Code: "MethodNotAllowed", Status: 405}} {
			n++
			compare(t, ia, client, op, equivalenceCase{
				name:   ec.Code,
				answer: answer{code: ec.Code, status: ec.Status, message: "m", requestID: fmt.Sprintf("req-%s-%d", op, n)},
				opts:   []sigcerttest.APIErrorOption{sigcerttest.WithMessage("m"), sigcerttest.WithStatus(ec.Status)},
			})
		}
	}
	if want := len(allOperations) * (19 + 4); n < want {
		t.Errorf("compared %d cases, want at least %d", n, want)
	}
}

func TestAPIErrorOptionsAreTheClientsError(t *testing.T) {
	ia := newIAMAnswering(t)
	client := ia.client(aws.NopRetryer{})
	for _, c := range []equivalenceCase{
		{name: "no message, typed", answer: answer{code: "NoSuchEntity", status: 404, requestID: "r1"}},
		{name: "no message, generic", answer: answer{code: "Throttling", status: 400, requestID: "r2"}},
		{name: "code in other case", answer: answer{code: "noSuchEntity", status: 404, requestID: "r3", message: "m"},
			opts: []sigcerttest.APIErrorOption{sigcerttest.WithMessage("m")}},
		{name: "unknown code", answer: answer{code: "SomethingNew", status: 400, requestID: "r4", message: "m"},
			opts: []sigcerttest.APIErrorOption{sigcerttest.WithMessage("m")}},
		{name: "a message XML cannot carry", answer: answer{code: "NoSuchEntity", status: 404, requestID: "r6", message: "a\x00b\xffc\r\n\td"},
			opts: []sigcerttest.APIErrorOption{sigcerttest.WithMessage("a\x00b\xffc\r\n\td")}},
		{name: "status given", answer: answer{code: "ConcurrentModification", status: 503, requestID: "r5", message: "m"},
			opts: []sigcerttest.APIErrorOption{sigcerttest.WithMessage("m"), sigcerttest.WithStatus(503)}},
	} {
		for _, op := range allOperations {
			compare(t, ia, client, op, c)
		}
	}

	// With the SDK's standard retryer, a retried answer comes back inside
	// *retry.MaxAttemptsError.
	retrying := ia.client(retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	}))
	for _, code := range []string{"ServiceFailure", "Throttling"} {
		for _, op := range operations {
			compare(t, ia, retrying, op, equivalenceCase{
				name:   code + " after 3 attempts",
				answer: answer{code: code, status: iamspec.Status(code), requestID: "r6", message: "m"},
				opts:   []sigcerttest.APIErrorOption{sigcerttest.WithMessage("m"), sigcerttest.WithAttempts(3)},
			})
		}
	}
}

func TestAPIErrorDefaults(t *testing.T) {
	err := sigcerttest.APIError("UploadSigningCertificate", "DuplicateCertificate")
	var se *sigcert.ServiceError
	if !errors.As(callSigcert(errorAPI{err}, iamspec.OpUpload), &se) {
		t.Fatal("not a ServiceError through sigcert")
	}
	if se.StatusCode != 409 || se.Code != "DuplicateCertificate" || len(se.RequestID) != 36 {
		t.Errorf("got status %d, code %q, request id %q; want 409, DuplicateCertificate, a UUID", se.StatusCode, se.Code, se.RequestID)
	}
	var dup *types.DuplicateCertificateException
	if !errors.As(err, &dup) || !errors.Is(se, sigcert.ErrDuplicateCertificate) {
		t.Error("not a DuplicateCertificateException matching ErrDuplicateCertificate")
	}
	other := sigcerttest.APIError("UploadSigningCertificate", "DuplicateCertificate")
	var a, b *awshttp.ResponseError
	if errors.As(err, &a) && errors.As(other, &b) && a.RequestID == b.RequestID {
		t.Errorf("two calls share the request id %q", a.RequestID)
	}
	if s := sigcerttest.APIError(iamspec.OpList, "ServiceFailure"); viewSDK(s).Status != 500 {
		t.Errorf("ServiceFailure status = %d, want 500", viewSDK(s).Status)
	}
}

func TestAPIErrorPanicsOnMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"unknown operation": func() { sigcerttest.APIError("CreateRole", "NoSuchEntity") },
		"empty code":        func() { sigcerttest.APIError(iamspec.OpList, "") },
		"status 200":        func() { sigcerttest.APIError(iamspec.OpList, "NoSuchEntity", sigcerttest.WithStatus(200)) },
		"attempts 0":        func() { sigcerttest.APIError(iamspec.OpList, "Throttling", sigcerttest.WithAttempts(0)) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "sigcerttest: APIError") {
					t.Errorf("%s: recovered %v, want an APIError panic", name, r)
				}
			}()
			f()
		}()
	}
}

// The Fake builds its errors on the path APIError does, so an injected code
// comes back from the Fake exactly as the real client returns IAM's answer
// with that code: for every operation, every code the model knows, a code
// in another case (the SDK matches codes without regard to case) and a
// code the SDK does not model.
func TestFakeErrorsAreTheClientsError(t *testing.T) {
	ia := newIAMAnswering(t)
	client := ia.client(aws.NopRetryer{})
	var codes []string
	for _, ec := range iamspec.ErrorCodes {
		codes = append(codes, ec.Code)
	}
	codes = append(codes, "noSuchEntity", "DUPLICATECERTIFICATE", "SomethingNew")
	for _, op := range allOperations {
		for _, code := range codes {
			msg := "IAM says <" + code + "> & more"
			fake := sigcerttest.NewFake("Bob")
			fake.Inject(sigcerttest.Fault{Action: op, Code: code, Message: msg})
			got := viewSDK(callSDK(fake, op))
			want := sigcerttest.APIError(op, code, sigcerttest.WithMessage(msg))
			ia.set(answer{code: code, message: msg, status: viewSDK(want).Status, requestID: "req-real"})
			real := viewSDK(callSDK(client, op))
			if got.RequestID == "" {
				t.Fatalf("%s %s: the Fake's error has no request id: %+v", op, code, got)
			}
			got.Error = strings.ReplaceAll(got.Error, got.RequestID, "req-real")
			got.RequestID, got.HeaderID = "req-real", "req-real"
			if diff := cmp.Diff(real, got); diff != "" {
				t.Errorf("%s %s: the Fake's error differs from the real client's (-real +Fake):\n%s", op, code, diff)
			}
		}
	}
}
