package sigcert_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

var uploadDate = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestUploadSendsBodyVerbatimAndOmitsEmptyUser(t *testing.T) {
	c := sigcerttest.NewCert()
	body := "\r\n  " + crlf(c.PEM) + "\n\n"
	for _, user := range []string{"", "Bob+Alice=x,y.z@w-_1"} {
		m := mock(nil)
		got, err := newUploader(m).Upload(context.Background(), sigcert.Request{UserName: user, CertificateBody: body})
		if err != nil {
			t.Fatalf("user %q: Upload: %v", user, err)
		}
		if m.Calls(iamspec.OpUpload) != 1 {
			t.Fatalf("user %q: %d API calls, want 1", user, m.Calls(iamspec.OpUpload))
		}
		in := m.Uploads()[0]
		if in.CertificateBody == nil || *in.CertificateBody != body {
			t.Errorf("user %q: body sent differs from body given", user)
		}
		if user == "" && in.UserName != nil {
			t.Errorf("empty user name sent as %q, want omitted", *in.UserName)
		}
		if user != "" && (in.UserName == nil || *in.UserName != user) {
			t.Errorf("user name sent %v, want %q", in.UserName, user)
		}
		sum := sha256.Sum256(c.DER)
		if got.Fingerprint != hex.EncodeToString(sum[:]) {
			t.Errorf("Fingerprint = %s, want SHA-256 of DER", got.Fingerprint)
		}
		if got.X509 == nil || got.X509.SerialNumber.Cmp(c.X509.SerialNumber) != 0 {
			t.Errorf("X509 is not the uploaded certificate")
		}
	}
}

func TestUploadResultFields(t *testing.T) {
	c := sigcerttest.NewCert()
	got, err := newUploader(mock(nil)).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
	if err != nil {
		t.Fatal(err)
	}
	want := &sigcert.Certificate{
		UserName:        "Bob",
		CertificateID:   "ASCACERTIDEXAMPLE0123456789",
		CertificateBody: c.PEM,
		Status:          types.StatusTypeActive,
		UploadDate:      uploadDate,
		X509:            got.X509,
		Fingerprint:     got.Fingerprint,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Upload result (-want +got):\n%s", diff)
	}
}

func TestUploadAcceptsKeyTypesAndLayouts(t *testing.T) {
	bodies := map[string]string{}
	for _, k := range sigcerttest.KeyTypes() {
		bodies[k.String()] = sigcerttest.NewCert(sigcerttest.WithKey(k)).PEM
	}
	c := sigcerttest.NewCert()
	bodies["CRLF"] = crlf(c.PEM)
	bodies["surrounding whitespace"] = " \t\n" + c.PEM + "\n\n  "
	bodies["no final newline"] = strings.TrimSuffix(c.PEM, "\n")
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			m := mock(nil)
			if _, err := newUploader(m).Upload(context.Background(), sigcert.Request{CertificateBody: body}); err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if m.Calls(iamspec.OpUpload) != 1 {
				t.Errorf("%d API calls, want 1", m.Calls(iamspec.OpUpload))
			}
		})
	}
}

func TestUploadPreflightRefusals(t *testing.T) {
	c := sigcerttest.NewCert()
	tests := []struct {
		name   string
		req    sigcert.Request
		iamErr error // the sentinel IAM would have answered
		reason error // the validate reason
	}{
		{"empty body", sigcert.Request{}, sigcert.ErrValidation, validate.ErrEmpty},
		{"16385 characters", sigcert.Request{CertificateBody: strings.Repeat("a", 16385)}, sigcert.ErrValidation, validate.ErrTooLong},
		{"U+0100 in body", sigcert.Request{CertificateBody: c.PEM + "Ā"}, sigcert.ErrValidation, validate.ErrInvalidCharacter},
		{"invalid UTF-8", sigcert.Request{CertificateBody: c.PEM + "\xff"}, sigcert.ErrValidation, validate.ErrInvalidCharacter},
		{"DER body", sigcert.Request{CertificateBody: string(c.DER)}, sigcert.ErrValidation, validate.ErrInvalidCharacter},
		{"user name pattern", sigcert.Request{UserName: "Bob Smith", CertificateBody: c.PEM}, sigcert.ErrValidation, validate.ErrInvalidCharacter},
		{"user name 129", sigcert.Request{UserName: strings.Repeat("b", 129), CertificateBody: c.PEM}, sigcert.ErrValidation, validate.ErrTooLong},
		{"10000 é is not a length error", sigcert.Request{CertificateBody: strings.Repeat("é", 10000)}, sigcert.ErrMalformedCertificate, validate.ErrNoPEM},
		{"expired", sigcert.Request{CertificateBody: sigcerttest.ExpiredCert().PEM}, sigcert.ErrMalformedCertificate, validate.ErrExpired},
		{"not yet valid", sigcert.Request{CertificateBody: sigcerttest.NotYetValidCert().PEM}, sigcert.ErrMalformedCertificate, validate.ErrNotYetValid},
		{"key appended", sigcert.Request{CertificateBody: c.PEM + c.KeyPEM}, sigcert.ErrMalformedCertificate, validate.ErrPrivateKey},
		{"chain of two", sigcert.Request{CertificateBody: c.Chain()}, sigcert.ErrMalformedCertificate, validate.ErrMultipleCertificates},
		{"text before", sigcert.Request{CertificateBody: "Certificate for Bob:\n" + c.PEM}, sigcert.ErrMalformedCertificate, validate.ErrLeadingData},
		{"trailing data", sigcert.Request{CertificateBody: c.PEM + "junk"}, sigcert.ErrMalformedCertificate, validate.ErrTrailingData},
		{"file path", sigcert.Request{CertificateBody: "./certs/bob.crt"}, sigcert.ErrMalformedCertificate, validate.ErrFilePath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock(nil)
			_, err := newUploader(m).Upload(context.Background(), tt.req)
			if m.Calls(iamspec.OpUpload) != 0 {
				t.Fatalf("API called %d times on a refusal", m.Calls(iamspec.OpUpload))
			}
			if !errors.Is(err, tt.iamErr) || !errors.Is(err, tt.reason) {
				t.Fatalf("err = %v; want errors.Is %v and %v", err, tt.iamErr, tt.reason)
			}
			var pe *sigcert.PreflightError
			if !errors.As(err, &pe) {
				t.Errorf("err is %T, want *sigcert.PreflightError", err)
			}
			var ae smithy.APIError
			if errors.As(err, &ae) {
				t.Errorf("a local refusal must not be a smithy.APIError")
			}
			other := sigcert.ErrValidation
			if tt.iamErr == sigcert.ErrValidation {
				other = sigcert.ErrMalformedCertificate
			}
			if errors.Is(err, other) {
				t.Errorf("err matches %v too", other)
			}
			if len(tt.req.CertificateBody) > 20 && strings.Contains(err.Error(), tt.req.CertificateBody) {
				t.Errorf("error message contains the body")
			}
		})
	}
}

func TestPrivateKeyNeverSentOrEchoed(t *testing.T) {
	c := sigcerttest.NewCert()
	keyLine := strings.Split(c.KeyPEM, "\n")[1] // a line of the key's base64
	for _, opts := range [][]sigcert.Option{nil, {sigcert.SkipX509Checks()}} {
		m := mock(nil)
		_, err := newUploader(m, opts...).Upload(context.Background(), sigcert.Request{CertificateBody: c.PEM + c.KeyPEM})
		if !errors.Is(err, validate.ErrPrivateKey) || !errors.Is(err, sigcert.ErrMalformedCertificate) {
			t.Fatalf("err = %v, want ErrPrivateKey", err)
		}
		if m.Calls(iamspec.OpUpload) != 0 {
			t.Errorf("a body with a private key was sent")
		}
		if strings.Contains(err.Error(), keyLine) {
			t.Errorf("error message echoes key material")
		}
	}
}

func TestClockAndSkew(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	justExpired := sigcerttest.NewCert(sigcerttest.WithValidity(now.Add(-time.Hour), now.Add(-time.Minute))).PEM
	notYet := sigcerttest.NewCert(sigcerttest.WithValidity(now.Add(2*time.Minute), now.Add(time.Hour))).PEM
	clock := sigcert.WithClock(func() time.Time { return now })
	tests := []struct {
		name string
		body string
		opts []sigcert.Option
		want error
	}{
		{"expired a minute ago, default skew", justExpired, []sigcert.Option{clock}, nil},
		{"expired a minute ago, no skew", justExpired, []sigcert.Option{clock, sigcert.WithClockSkew(0)}, validate.ErrExpired},
		{"valid in two minutes, default skew", notYet, []sigcert.Option{clock}, nil},
		{"valid in two minutes, one minute skew", notYet, []sigcert.Option{clock, sigcert.WithClockSkew(time.Minute)}, validate.ErrNotYetValid},
		{"skip X.509 checks", justExpired, []sigcert.Option{clock, sigcert.WithClockSkew(0), sigcert.SkipX509Checks()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newUploader(mock(nil), tt.opts...).Upload(context.Background(), sigcert.Request{CertificateBody: tt.body})
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSkipX509ChecksKeepsConstraints(t *testing.T) {
	up := newUploader(mock(nil), sigcert.SkipX509Checks())
	got, err := up.Upload(context.Background(), sigcert.Request{CertificateBody: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"})
	if err != nil {
		t.Fatalf("unparsable PEM with SkipX509Checks: %v", err)
	}
	if got.X509 != nil || got.Fingerprint != "" {
		t.Errorf("X509/Fingerprint set without a parse")
	}
	for _, body := range []string{"", strings.Repeat("x", 16385), "€"} {
		if _, err := up.Upload(context.Background(), sigcert.Request{CertificateBody: body}); !errors.Is(err, sigcert.ErrValidation) {
			t.Errorf("body of %d bytes: err = %v, want ErrValidation", len(body), err)
		}
	}
}

// errorCases lists every IAM code sigcert maps, with its sentinel and the
// SDK's modelled error type for UploadSigningCertificate (nil if unmodelled).
var errorCases = []struct {
	code     string
	sentinel error
	typed    error
}{
	{"ConcurrentModification", sigcert.ErrConcurrentModification, &types.ConcurrentModificationException{}},
	{"DuplicateCertificate", sigcert.ErrDuplicateCertificate, &types.DuplicateCertificateException{}},
	{"EntityAlreadyExists", sigcert.ErrEntityAlreadyExists, &types.EntityAlreadyExistsException{}},
	{"InvalidCertificate", sigcert.ErrInvalidCertificate, &types.InvalidCertificateException{}},
	{"LimitExceeded", sigcert.ErrLimitExceeded, &types.LimitExceededException{}},
	{"MalformedCertificate", sigcert.ErrMalformedCertificate, &types.MalformedCertificateException{}},
	{"NoSuchEntity", sigcert.ErrNoSuchEntity, &types.NoSuchEntityException{}},
	{"ServiceFailure", sigcert.ErrServiceFailure, &types.ServiceFailureException{}},
	{"ValidationError", sigcert.ErrValidation, nil},
	{"AccessDenied", sigcert.ErrAccessDenied, nil},
	{"InvalidClientTokenId", sigcert.ErrAccessDenied, nil},
	{"SignatureDoesNotMatch", sigcert.ErrAccessDenied, nil},
	{"MissingAuthenticationToken", sigcert.ErrAccessDenied, nil},
	{"Throttling", sigcert.ErrThrottling, nil},
	{"InvalidInput", sigcert.ErrInvalidInput, nil},
}

var allSentinels = []error{
	sigcert.ErrConcurrentModification, sigcert.ErrDuplicateCertificate, sigcert.ErrEntityAlreadyExists,
	sigcert.ErrInvalidCertificate, sigcert.ErrLimitExceeded, sigcert.ErrMalformedCertificate,
	sigcert.ErrNoSuchEntity, sigcert.ErrServiceFailure, sigcert.ErrValidation, sigcert.ErrAccessDenied,
	sigcert.ErrThrottling, sigcert.ErrInvalidInput, sigcert.ErrIncompleteResponse,
}

// matchesOnly checks that err matches want and no other sentinel.
func matchesOnly(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range allSentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Errorf("errors.Is(err, %v) = %v; err = %v", s, got, err)
		}
	}
}

func TestServiceErrorMapping(t *testing.T) {
	body := sigcerttest.NewCert().PEM
	for _, tc := range errorCases {
		variants := map[string]error{
			"generic":           &smithy.GenericAPIError{Code: tc.code, Message: "m"},
			"generic Exception": &smithy.GenericAPIError{Code: tc.code + "Exception", Message: "m"},
			"generic lowercase": &smithy.GenericAPIError{Code: strings.ToLower(tc.code), Message: "m"},
		}
		if tc.typed != nil {
			variants["typed"] = tc.typed
		}
		for vname, sdkErr := range variants {
			t.Run(tc.code+"/"+vname, func(t *testing.T) {
				wrapped := &smithy.OperationError{ServiceID: "IAM", OperationName: "UploadSigningCertificate", Err: sdkErr}
				m := mock(failWith(wrapped))
				_, err := newUploader(m).Upload(context.Background(), sigcert.Request{CertificateBody: body})
				matchesOnly(t, err, tc.sentinel)
				var se *sigcert.ServiceError
				if !errors.As(err, &se) {
					t.Fatalf("err is %T, want *sigcert.ServiceError", err)
				}
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae != sdkErr {
					t.Errorf("SDK error not reachable with errors.As")
				}
				var oe *smithy.OperationError
				if !errors.As(err, &oe) {
					t.Errorf("*smithy.OperationError not reachable")
				}
				if se.Code != sdkErr.(smithy.APIError).ErrorCode() {
					t.Errorf("Code = %q, want %q", se.Code, sdkErr.(smithy.APIError).ErrorCode())
				}
			})
		}
	}
}

func TestTypedErrorReachable(t *testing.T) {
	m := mock(failWith(&types.DuplicateCertificateException{Message: strPtr("already used")}))
	_, err := newUploader(m).Upload(context.Background(), sigcert.Request{CertificateBody: sigcerttest.NewCert().PEM})
	var dup *types.DuplicateCertificateException
	if !errors.Is(err, sigcert.ErrDuplicateCertificate) || !errors.As(err, &dup) {
		t.Fatalf("err = %v: want ErrDuplicateCertificate and *types.DuplicateCertificateException", err)
	}
	if got := dup.ErrorMessage(); got != "already used" {
		t.Errorf("message = %q", got)
	}
}

func TestUnknownCodeAndContextErrors(t *testing.T) {
	body := sigcerttest.NewCert().PEM
	unknown := &smithy.GenericAPIError{Code: "SomethingNew", Message: "m"}
	_, err := newUploader(mock(failWith(unknown))).Upload(context.Background(), sigcert.Request{CertificateBody: body})
	matchesOnly(t, err, nil)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SomethingNew" {
		t.Errorf("unknown code not reachable: %v", err)
	}
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		sdkErr := &smithy.OperationError{ServiceID: "IAM", OperationName: "UploadSigningCertificate", Err: &smithy.CanceledError{Err: ctxErr}}
		_, err := newUploader(mock(failWith(sdkErr))).Upload(context.Background(), sigcert.Request{CertificateBody: body})
		if !errors.Is(err, ctxErr) {
			t.Errorf("err = %v, want errors.Is %v", err, ctxErr)
		}
		matchesOnly(t, err, nil)
	}
}

func TestErrorMessageNeverContainsBody(t *testing.T) {
	c := sigcerttest.NewCert()
	for _, body := range []string{c.PEM, crlf(c.PEM), "  \n" + c.PEM} {
		echo := fmt.Sprintf("Certificate %s is malformed.", body)
		for _, sdkErr := range []error{
			&types.MalformedCertificateException{Message: &echo},
			&smithy.GenericAPIError{Code: "MalformedCertificate", Message: echo},
			&smithy.GenericAPIError{Code: "InvalidCertificate", Message: "bad: " + body + " (see docs)"},
			&smithy.GenericAPIError{Code: "InvalidCertificate", Message: "bad: " + strings.ReplaceAll(body, "\n", " ")},
		} {
			m := mock(failWith(sdkErr))
			_, err := newUploader(m).Upload(context.Background(), sigcert.Request{CertificateBody: body})
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			if strings.Contains(msg, strings.TrimSpace(body)) || strings.Contains(msg, "BEGIN CERTIFICATE") {
				t.Errorf("Error() contains the body: %q", msg)
			}
			for _, line := range strings.Split(c.PEM, "\n")[1:3] {
				if strings.Contains(msg, line) {
					t.Errorf("Error() contains a line of the body: %q", msg)
				}
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorMessage() == "" {
				t.Errorf("IAM's own message must stay reachable")
			}
		}
	}
}

func TestIncompleteResponse(t *testing.T) {
	s := func(v string) *string { return &v }
	full := func() *types.SigningCertificate {
		return &types.SigningCertificate{UserName: s("Bob"), CertificateId: s("ASCA0123456789ABCDEFGHIJ"), CertificateBody: s("x"), Status: types.StatusTypeActive}
	}
	tests := map[string]*iam.UploadSigningCertificateOutput{
		"nil output":     nil,
		"no certificate": {},
		"no user name":   {Certificate: func() *types.SigningCertificate { c := full(); c.UserName = nil; return c }()},
		"no id":          {Certificate: func() *types.SigningCertificate { c := full(); c.CertificateId = nil; return c }()},
		"empty id":       {Certificate: func() *types.SigningCertificate { c := full(); c.CertificateId = s(""); return c }()},
		"no body":        {Certificate: func() *types.SigningCertificate { c := full(); c.CertificateBody = nil; return c }()},
		"no status":      {Certificate: func() *types.SigningCertificate { c := full(); c.Status = ""; return c }()},
	}
	for name, out := range tests {
		t.Run(name, func(t *testing.T) {
			m := mock(func(*iam.UploadSigningCertificateInput) (*iam.UploadSigningCertificateOutput, error) { return out, nil })
			got, err := newUploader(m).Upload(context.Background(), sigcert.Request{CertificateBody: sigcerttest.NewCert().PEM})
			if got != nil || !errors.Is(err, sigcert.ErrIncompleteResponse) {
				t.Errorf("got %v, %v; want nil, ErrIncompleteResponse", got, err)
			}
		})
	}
}

func TestMisuseReturnsErrors(t *testing.T) {
	body := sigcerttest.NewCert().PEM
	//lint:ignore SA1012 a nil Context is the misuse under test
	if _, err := newUploader(mock(nil)).Upload(nil, sigcert.Request{CertificateBody: body}); err == nil { //nolint:staticcheck
		t.Error("nil Context: want an error")
	}
	if _, err := newUploader(nil).Upload(context.Background(), sigcert.Request{CertificateBody: body}); err == nil {
		t.Error("nil API: want an error")
	}
	var zero *sigcert.Uploader
	if _, err := zero.Upload(context.Background(), sigcert.Request{CertificateBody: body}); err == nil {
		t.Error("nil Uploader: want an error")
	}
}

func TestUploaderConcurrentUse(t *testing.T) {
	m := mock(nil)
	up := newUploader(m)
	good, expired := sigcerttest.NewCert().PEM, sigcerttest.ExpiredCert().PEM
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := good
			if i%2 == 1 {
				body = expired
			}
			_, err := up.Upload(context.Background(), sigcert.Request{UserName: fmt.Sprintf("user%d", i), CertificateBody: body})
			if (i%2 == 1) != errors.Is(err, validate.ErrExpired) {
				errs <- fmt.Errorf("goroutine %d: err = %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if m.Calls(iamspec.OpUpload) != 32 {
		t.Errorf("%d API calls, want 32", m.Calls(iamspec.OpUpload))
	}
}

func strPtr(s string) *string { return &s }

// Code names the IAM code of the sentinel an error matches, from the same
// table that maps codes to sentinels: the two directions agree.
func TestCodeInvertsSentinelFor(t *testing.T) {
	for _, tc := range errorCases {
		s := sigcert.SentinelFor(tc.code)
		if s != tc.sentinel {
			t.Errorf("SentinelFor(%q) = %v, want %v", tc.code, s, tc.sentinel)
		}
		if got := sigcert.SentinelFor(sigcert.Code(s)); got != s {
			t.Errorf("SentinelFor(Code(%v)) = %v", s, got)
		}
	}
	wrapped := fmt.Errorf("context: %w", sigcert.ErrLimitExceeded)
	if got := sigcert.Code(wrapped); got != "LimitExceeded" {
		t.Errorf("Code(wrapped ErrLimitExceeded) = %q", got)
	}
	if got := sigcert.Code(sigcert.ErrAccessDenied); got != "AccessDenied" {
		t.Errorf("Code(ErrAccessDenied) = %q", got)
	}
	_, err := newUploader(mock(nil)).Upload(context.Background(), sigcert.Request{CertificateBody: sigcerttest.ExpiredCert().PEM})
	if got := sigcert.Code(err); got != "MalformedCertificate" {
		t.Errorf("Code(pre-flight expiry) = %q, want MalformedCertificate", got)
	}
	for _, err := range []error{nil, errors.New("other"), sigcert.ErrIncompleteResponse, context.Canceled} {
		if got := sigcert.Code(err); got != "" {
			t.Errorf("Code(%v) = %q, want \"\"", err, got)
		}
	}
}
