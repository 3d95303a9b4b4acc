package sigcerttest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func uploadInput(user, body string) *iam.UploadSigningCertificateInput {
	return &iam.UploadSigningCertificateInput{UserName: aws.String(user), CertificateBody: aws.String(body)}
}

// TestInjectedCodes checks that each injected code reaches the real SDK
// client as the right error, with IAM's status, and is retried by the SDK
// exactly when IAM's would be.
func TestInjectedCodes(t *testing.T) {
	tests := []struct {
		op       string
		code     string
		status   int // 0: IAM's
		as       func(error) bool
		attempts int
	}{
		{iamspec.OpUpload, iamspec.CodeServiceFailure, 0, isA[*types.ServiceFailureException], 3},
		{iamspec.OpUpload, iamspec.CodeConcurrentModification, 0, isA[*types.ConcurrentModificationException], 1},
		{iamspec.OpUpload, iamspec.CodeInvalidCertificate, 0, isA[*types.InvalidCertificateException], 1},
		{iamspec.OpUpload, iamspec.CodeEntityAlreadyExists, 0, isA[*types.EntityAlreadyExistsException], 1},
		{iamspec.OpUpload, iamspec.CodeThrottling, 0, isGeneric(iamspec.CodeThrottling), 3},
		{iamspec.OpUpload, iamspec.CodeAccessDenied, 0, isGeneric(iamspec.CodeAccessDenied), 1},
		{iamspec.OpUpload, "SlowDown", 503, isGeneric("SlowDown"), 3},
		// 5xx codes without a status get their real one, so the SDK
		// retries them as it retries IAM's.
		{iamspec.OpUpload, iamspec.CodeInternalFailure, 0, isGeneric(iamspec.CodeInternalFailure), 3},
		{iamspec.OpList, iamspec.CodeServiceUnavailable, 0, isGeneric(iamspec.CodeServiceUnavailable), 3},
		{iamspec.OpList, iamspec.CodeServiceFailure, 0, isA[*types.ServiceFailureException], 3},
		{iamspec.OpList, iamspec.CodeLimitExceeded, 0, isGeneric(iamspec.CodeLimitExceeded), 1},
		{iamspec.OpUpdate, iamspec.CodeInvalidInput, 0, isA[*types.InvalidInputException], 1},
		{iamspec.OpUpdate, iamspec.CodeLimitExceeded, 0, isA[*types.LimitExceededException], 1},
		{iamspec.OpDelete, iamspec.CodeConcurrentModification, 0, isA[*types.ConcurrentModificationException], 1},
		{iamspec.OpDelete, iamspec.CodeNoSuchEntity, 0, isA[*types.NoSuchEntityException], 1},
	}
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	body := certgen.Valid().PEM
	for _, tt := range tests {
		t.Run(tt.op+"/"+tt.code, func(t *testing.T) {
			srv.Inject(sigcerttest.Fault{Action: tt.op, Count: 3, Code: tt.code, Status: tt.status, Message: "injected: " + tt.code})
			defer srv.ClearFaults()
			before := srv.Requests(tt.op)

			var err error
			switch tt.op {
			case iamspec.OpUpload:
				_, err = client.UploadSigningCertificate(ctx, uploadInput("Bob", body))
			case iamspec.OpList:
				_, err = client.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
			case iamspec.OpUpdate:
				_, err = client.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{CertificateId: aws.String("x"), Status: "Active"})
			case iamspec.OpDelete:
				_, err = client.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: aws.String("x")})
			}
			if !tt.as(err) {
				t.Fatalf("error %v (%T): not the expected type", err, err)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code || ae.ErrorMessage() != "injected: "+tt.code {
				t.Errorf("APIError %v", ae)
			}
			wantStatus := tt.status
			if wantStatus == 0 {
				wantStatus = iamspec.Status(tt.code)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != wantStatus {
				t.Errorf("HTTP status %v, want %d", re, wantStatus)
			}
			if got := srv.Requests(tt.op) - before; got != tt.attempts {
				t.Errorf("%d attempts reached the server, want %d", got, tt.attempts)
			}
			if c := srv.Certificates("Bob"); c != nil {
				t.Errorf("a faulted request changed the model: %v", c)
			}
		})
	}
}

func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func isGeneric(code string) func(error) bool {
	return func(err error) bool {
		var g *smithy.GenericAPIError
		return errors.As(err, &g) && g.Code == code
	}
}

func TestServiceFailureRetried(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// Two failures, then the third attempt goes through.
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Count: 2, Code: iamspec.CodeServiceFailure})
	out, err := client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM))
	if err != nil {
		t.Fatalf("upload after two ServiceFailures: %v", err)
	}
	if n := srv.Requests(iamspec.OpUpload); n != 3 {
		t.Errorf("%d upload requests, want 3", n)
	}
	if c := srv.Certificates("Bob"); len(c) != 1 || *c[0].CertificateId != *out.Certificate.CertificateId {
		t.Errorf("model holds %v", c)
	}

	// Three failures exhaust the default three attempts.
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Count: 3, Code: iamspec.CodeServiceFailure})
	_, err = client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM))
	var sf *types.ServiceFailureException
	var maxErr *retry.MaxAttemptsError
	if !errors.As(err, &sf) || !errors.As(err, &maxErr) || maxErr.Attempt != 3 {
		t.Fatalf("error %v, want ServiceFailure after 3 attempts", err)
	}
	if n := srv.Requests(iamspec.OpUpload); n != 6 {
		t.Errorf("%d upload requests in all, want 6", n)
	}
	if n := len(srv.Certificates("Bob")); n != 1 {
		t.Errorf("model holds %d certificates, want 1", n)
	}
	if n := srv.Requests(""); n != 6 {
		t.Errorf("%d requests in all, want 6", n)
	}
}

func TestFaultMatching(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	ctx := context.Background()
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	list := func() string {
		_, err := client.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
		return code(err)
	}

	// Faults apply in the order injected; an Action limits a fault.
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: "First"})
	srv.Inject(sigcerttest.Fault{Code: "Second", Count: 2})
	_, err := client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM))
	if got := code(err); got != "Second" {
		t.Errorf("upload: %q, want the fault without Action", got)
	}
	for i, want := range []string{"First", "Second", ""} {
		if got := list(); got != want {
			t.Errorf("list %d: %q, want %q", i, got, want)
		}
	}
	if n := len(srv.Certificates("Bob")); n != 0 {
		t.Errorf("faulted upload stored %d certificates", n)
	}

	srv.Inject(sigcerttest.Fault{Code: "Cleared", Count: 5})
	srv.ClearFaults()
	if got := list(); got != "" {
		t.Errorf("after ClearFaults: %q", got)
	}
}

func TestDrop(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	srv.Inject(sigcerttest.Fault{Drop: true, Count: 3})
	_, err := client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM))
	var sendErr *smithyhttp.RequestSendError
	var ae smithy.APIError
	if !errors.As(err, &sendErr) || errors.As(err, &ae) {
		t.Fatalf("error %v (%T), want a transport error and no API error", err, err)
	}
	if n := srv.Requests(iamspec.OpUpload); n != 3 {
		t.Errorf("%d attempts, want 3 (the SDK retries connection errors)", n)
	}
	if c := srv.Certificates("Bob"); c != nil {
		t.Errorf("a dropped request changed the model: %v", c)
	}

	// One drop: the SDK's retry succeeds.
	srv.Inject(sigcerttest.Fault{Drop: true})
	if _, err := client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM)); err != nil {
		t.Fatalf("upload after one drop: %v", err)
	}
	if n := len(srv.Certificates("Bob")); n != 1 {
		t.Errorf("model holds %d certificates, want 1", n)
	}
}

// TestApplyThenDrop is the lost response: the change happens, the client
// never hears of it.
func TestApplyThenDrop(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	ctx := context.Background()
	body := certgen.Valid().PEM

	// Without retries: a transport error, yet the certificate is stored.
	single := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, ApplyThenDrop: true})
	_, err := single.UploadSigningCertificate(ctx, uploadInput("Bob", body))
	var sendErr *smithyhttp.RequestSendError
	if !errors.As(err, &sendErr) {
		t.Fatalf("error %v, want a transport error", err)
	}
	stored := srv.Certificates("Bob")
	if len(stored) != 1 || *stored[0].CertificateBody != body {
		t.Fatalf("model holds %v, want the certificate", stored)
	}

	// With the SDK's retries: the retry of an applied upload finds the
	// certificate already there.
	body2 := certgen.Valid().PEM
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, ApplyThenDrop: true})
	before := srv.Requests(iamspec.OpUpload)
	_, err = srv.Client().UploadSigningCertificate(ctx, uploadInput("Bob", body2))
	if !isA[*types.DuplicateCertificateException](err) {
		t.Fatalf("error %v, want DuplicateCertificate from the retry", err)
	}
	if n := srv.Requests(iamspec.OpUpload) - before; n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if n := len(srv.Certificates("Bob")); n != 2 {
		t.Errorf("model holds %d certificates, want 2", n)
	}

	// A delete applied then dropped: the retry finds nothing to delete.
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpDelete, ApplyThenDrop: true})
	_, err = srv.Client().DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateId: stored[0].CertificateId})
	if !isA[*types.NoSuchEntityException](err) {
		t.Fatalf("error %v, want NoSuchEntity from the retry", err)
	}
	if n := len(srv.Certificates("Bob")); n != 1 {
		t.Errorf("model holds %d certificates, want 1", n)
	}
}

func TestLatency(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client()

	// A short latency only delays.
	srv.Inject(sigcerttest.Fault{Latency: 5 * time.Millisecond})
	if _, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{}); err != nil {
		t.Fatalf("list with latency: %v", err)
	}

	// A latency longer than any test: the request ends when the client
	// gives up, and is not applied. (If the server ignored the context, this
	// test would hang.)
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Requests(iamspec.OpUpload) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if c := srv.Certificates("Bob"); c != nil {
		t.Errorf("a canceled request changed the model: %v", c)
	}
	if n := srv.Requests(iamspec.OpUpload); n != 1 {
		t.Errorf("%d attempts, want 1 (cancellation is not retried)", n)
	}
}

// TestCloseEndsLatency checks Close does not wait out an injected latency.
func TestCloseEndsLatency(t *testing.T) {
	srv := sigcerttest.NewServer()
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	srv.Inject(sigcerttest.Fault{Latency: time.Hour})
	done := make(chan error)
	go func() {
		_, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{})
		done <- err
	}()
	for srv.Requests("") == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	if err := <-done; err == nil {
		t.Error("a request cut short by Close succeeded")
	}
}

// TestApplyThenCode checks the request is applied and then answered with
// the injected 5xx on both faces: the outcome a client cannot know.
func TestApplyThenCode(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	fake := sigcerttest.NewFake("Bob")
	for name, face := range map[string]struct {
		api interface {
			Certificates(string) []types.SigningCertificate
		}
		inject func(sigcerttest.Fault)
		upload func(*iam.UploadSigningCertificateInput) error
	}{
		"Server": {srv, srv.Inject, func(in *iam.UploadSigningCertificateInput) error {
			_, err := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }).UploadSigningCertificate(ctx, in)
			return err
		}},
		"Fake": {fake, fake.Inject, func(in *iam.UploadSigningCertificateInput) error {
			_, err := fake.UploadSigningCertificate(ctx, in)
			return err
		}},
	} {
		face.inject(sigcerttest.Fault{Action: iamspec.OpUpload, ApplyThenCode: iamspec.CodeInternalFailure})
		err := face.upload(uploadInput("Bob", certgen.Valid().PEM))
		var re *awshttp.ResponseError
		if !isGeneric(iamspec.CodeInternalFailure)(err) || !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
			t.Errorf("%s: error %v, want InternalFailure 500", name, err)
		}
		if n := len(face.api.Certificates("Bob")); n != 1 {
			t.Errorf("%s: Bob holds %d certificates after an applied-then-failed upload, want 1", name, n)
		}
	}
}
