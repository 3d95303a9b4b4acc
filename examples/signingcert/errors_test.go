package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// bodyLines are the lines of a PEM text that would give it away in a
// message: its base64 lines.
func bodyLines(pemText string) []string {
	var out []string
	for _, l := range strings.Split(pemText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// assertSafeLine fails if line is not one line or quotes any of secrets.
func assertSafeLine(t *testing.T, line string, secrets ...string) {
	t.Helper()
	if strings.ContainsAny(line, "\r\n") {
		t.Errorf("error line spans lines: %q", line)
	}
	for _, s := range secrets {
		for _, l := range bodyLines(s) {
			if strings.Contains(line, l) {
				t.Errorf("error line quotes PEM content %q: %s", l, line)
			}
		}
	}
	if pemContent.MatchString(line) {
		t.Errorf("error line quotes PEM content: %s", line)
	}
}

func TestErrorLineIAMAnswers(t *testing.T) {
	ctx := context.Background()
	fake := sigcerttest.NewFake("Bob", "Alice")
	up := sigcert.NewUploader(fake)
	c := certgen.Valid()
	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}); err != nil {
		t.Fatal(err)
	}
	expired := certgen.Expired()
	lenient := sigcert.NewUploader(fake, sigcert.SkipX509Checks())

	tests := []struct {
		name     string
		call     func() error
		wantName string
		secret   string
	}{
		{"duplicate", func() error {
			_, err := up.Upload(ctx, sigcert.Request{UserName: "Alice", CertificateBody: c.PEM})
			return err
		}, "DuplicateCertificate", c.PEM},
		{"no such user", func() error {
			_, err := up.Upload(ctx, sigcert.Request{UserName: "Nobody", CertificateBody: certgen.Valid().PEM})
			return err
		}, "NoSuchEntity", ""},
		{"malformed, IAM echoes the body", func() error {
			_, err := lenient.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: expired.PEM})
			return err
		}, "MalformedCertificate", expired.PEM},
		{"delete a missing certificate", func() error {
			return up.Delete(ctx, "Bob", "ASCANOSUCHCERTIFICATE0000")
		}, "NoSuchEntity", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var se *sigcert.ServiceError
			if !errors.As(err, &se) || se.RequestID == "" {
				t.Fatalf("want a *sigcert.ServiceError with a request id, got %v", err)
			}
			line := errorLine("upload", err)
			if want := "signingcert upload: " + tt.wantName + ": "; !strings.HasPrefix(line, want) {
				t.Errorf("line %q does not start with %q", line, want)
			}
			if !strings.Contains(line, se.RequestID) {
				t.Errorf("line %q lacks the request id %s", line, se.RequestID)
			}
			if strings.Count(line, se.RequestID) != 1 {
				t.Errorf("line repeats the request id: %s", line)
			}
			assertSafeLine(t, line, tt.secret)
			if got := exitCode(err); got != exitIAM {
				t.Errorf("exit code %d, want %d", got, exitIAM)
			}
		})
	}
}

func TestErrorLinePreflight(t *testing.T) {
	c := certgen.Valid()
	up := sigcert.NewUploader(nil)
	for _, tt := range []struct {
		body, wantName string
	}{
		{c.WithKeyAppended(), "MalformedCertificate"},
		{certgen.Expired().PEM, "MalformedCertificate"},
		{c.TextBefore(), "MalformedCertificate"},
		{"", "ValidationError"},
		{c.PEM + strings.Repeat("x", 20000), "ValidationError"},
	} {
		_, err := up.Check(sigcert.Request{UserName: "Bob", CertificateBody: tt.body})
		if err == nil {
			t.Fatalf("Check accepted a body it should refuse")
		}
		line := errorLine("upload", err)
		if !strings.HasPrefix(line, "signingcert upload: "+tt.wantName+": refused before sending: CertificateBody: ") {
			t.Errorf("line = %q", line)
		}
		assertSafeLine(t, line, tt.body, c.KeyPEM)
		if got := exitCode(err); got != exitRefused {
			t.Errorf("%s: exit code %d, want %d", line, got, exitRefused)
		}
	}
}

func TestErrorLineWithholdsPEM(t *testing.T) {
	c := certgen.Valid()
	for _, secret := range []string{c.KeyPEM, c.PEM, c.CRLF(), "-----BEGIN EC PRIVATE KEY-----"} {
		err := fmt.Errorf("some library said: %s", secret)
		line := errorLine("upload", err)
		assertSafeLine(t, line, secret)
		if !strings.Contains(line, "message withheld") {
			t.Errorf("line = %q", line)
		}
	}
	// Advice that names the armour is not withheld.
	advice := errors.New("only whitespace may come before -----BEGIN CERTIFICATE----- (at byte offset 0)")
	if line := errorLine("upload", advice); strings.Contains(line, "withheld") {
		t.Errorf("advice withheld: %s", line)
	}
}

func TestErrorLineNoAnswer(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	srv.Close()
	_, err := sigcert.NewUploader(client).List(context.Background(), "Bob")
	if got := errorName(err); got != "Transport" {
		t.Errorf("errorName = %q for %v", got, err)
	}
	if got := exitCode(err); got != exitOther {
		t.Errorf("exit code %d, want %d", got, exitOther)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = sigcert.NewUploader(sigcerttest.NewFake("Bob")).List(ctx, "Bob")
	if got, code := errorName(err), exitCode(err); got != "Interrupted" || code != exitInterrupted {
		t.Errorf("cancelled: errorName %q, exit %d", got, code)
	}
}

func TestExitCodesAndNames(t *testing.T) {
	rotateRefusal := &sigcert.RotateError{UserName: "Bob", Err: fmt.Errorf("%w: policy", sigcert.ErrLimitExceeded)}
	for _, tt := range []struct {
		err  error
		code int
		name string
	}{
		{nil, exitOK, ""},
		{usagef("bad"), exitUsage, "Usage"},
		{&bodyError{Loc: "file://x", Err: errIsDir}, exitRefused, "BodyUnreadable"},
		{&checkFailed{1, 2}, exitRefused, "Refused"},
		{rotateRefusal, exitRefused, "LimitExceeded"},
		{&configError{err: errors.New("no profile")}, exitOther, "Config"},
		{fmt.Errorf("%w: x", sigcert.ErrIncompleteResponse), exitOther, "IncompleteResponse"},
		{errors.New("other"), exitOther, "Error"},
	} {
		if got := exitCode(tt.err); got != tt.code {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
		if tt.err != nil {
			if got := errorName(tt.err); got != tt.name {
				t.Errorf("errorName(%v) = %q, want %q", tt.err, got, tt.name)
			}
		}
	}
}

// Every sentinel is named by IAM's code for it, wrapped or not.
func TestErrorNamesAreIAMCodes(t *testing.T) {
	for name, s := range map[string]error{
		"DuplicateCertificate": sigcert.ErrDuplicateCertificate, "LimitExceeded": sigcert.ErrLimitExceeded,
		"MalformedCertificate": sigcert.ErrMalformedCertificate, "InvalidCertificate": sigcert.ErrInvalidCertificate,
		"NoSuchEntity": sigcert.ErrNoSuchEntity, "EntityAlreadyExists": sigcert.ErrEntityAlreadyExists,
		"ConcurrentModification": sigcert.ErrConcurrentModification, "ValidationError": sigcert.ErrValidation,
		"InvalidInput": sigcert.ErrInvalidInput, "AccessDenied": sigcert.ErrAccessDenied,
		"Throttling": sigcert.ErrThrottling, "ServiceFailure": sigcert.ErrServiceFailure,
		"IncompleteResponse": sigcert.ErrIncompleteResponse,
	} {
		if got := errorName(fmt.Errorf("wrapped: %w", s)); got != name {
			t.Errorf("errorName(%v) = %q, want %q", s, got, name)
		}
		if name != "IncompleteResponse" && sigcert.SentinelFor(name) != s {
			t.Errorf("%q is not IAM's code for %v", name, s)
		}
	}
}

func TestTimeoutErrorsNameTheirFlag(t *testing.T) {
	for _, tt := range []struct {
		err  error
		name string
		line string
	}{
		{&timeoutError{flag: "--cli-connect-timeout", seconds: 5, host: "127.0.0.1:9"}, "ConnectTimeout",
			"signingcert list: ConnectTimeout: no connection to 127.0.0.1:9 within --cli-connect-timeout 5 s"},
		{(&awsFlags{readTimeout: 2, endpointURL: "http://127.0.0.1:9"}).explain(os.ErrDeadlineExceeded), "ReadTimeout",
			"signingcert list: ReadTimeout: nothing received from 127.0.0.1:9 within --cli-read-timeout 2 s"},
	} {
		if got := errorName(tt.err); got != tt.name {
			t.Errorf("errorName = %q, want %q", got, tt.name)
		}
		if got := exitCode(tt.err); got != exitOther {
			t.Errorf("exit %d, want %d", got, exitOther)
		}
		if got := errorLine("list", tt.err); got != tt.line {
			t.Errorf("line = %q, want %q", got, tt.line)
		}
	}
	// Anything but a timeout passes through explain untouched.
	other := errors.New("x")
	if got := (&awsFlags{}).explain(other); got != other {
		t.Errorf("explain changed %v", got)
	}
}

// A write whose outcome is unknown (a 5xx after the retries, Ctrl-C while
// the request was in flight) said only what failed: someone at a shell
// would try again or walk away, not look first. A definite refusal says
// nothing of the kind.
func TestErrorLineSaysWhenAWriteMayHaveApplied(t *testing.T) {
	ctx := context.Background()
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	id := "ASCA" + strings.Repeat("A", 28)
	fake.Inject(sigcerttest.Fault{Action: "DeleteSigningCertificate", Code: "ServiceFailure", Count: 100})
	if line := errorLine("delete", up.Delete(ctx, "Bob", id)); !strings.HasSuffix(line, "; IAM may have applied it: list to see") {
		t.Errorf("5xx on a delete: %s", line)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := up.Upload(cctx, sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM})
	if line := errorLine("upload", err); sigcert.OutcomeUnknown(err) && !strings.HasSuffix(line, "; IAM may have applied it: list to see") {
		t.Errorf("cancelled upload: %s", line)
	}
	_, err = up.List(cctx, "Bob")
	if line := errorLine("list", err); strings.Contains(line, "may have applied") {
		t.Errorf("a list applies nothing: %s", line)
	}
	err = sigcert.NewUploader(sigcerttest.NewFake("Bob")).Delete(ctx, "Bob", id)
	if line := errorLine("delete", err); sigcert.Code(err) != "NoSuchEntity" || strings.Contains(line, "may have applied") {
		t.Errorf("a definite refusal: %s", line)
	}
}
