package sigcert_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// sdkRetried lists the codes the SDK's default retryer retries (by status or
// by code); it makes 3 attempts for them.
var sdkRetried = map[string]bool{"ServiceFailure": true, "Throttling": true}

// Every IAM code, answered over HTTP in IAM's XML error shape with IAM's
// status, and decoded by a real *iam.Client, matches its sentinel, keeps the
// SDK's typed error, the HTTP status and the request id.
func TestSDKOverHTTPErrorMapping(t *testing.T) {
	body := sigcerttest.NewCert().PEM
	for _, tc := range errorCases {
		t.Run(tc.code, func(t *testing.T) {
			srv := sigcerttest.NewServer("Bob")
			defer srv.Close()
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: tc.code, Count: 3, Message: "injected"})
			_, err := newUploader(srv.Client()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
			matchesOnly(t, err, tc.sentinel)

			if tc.typed != nil {
				target := reflect.New(reflect.TypeOf(tc.typed))
				if !errors.As(err, target.Interface()) {
					t.Errorf("errors.As(err, %T) = false", tc.typed)
				}
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != "injected" {
				t.Errorf("smithy.APIError not reachable with code %s: %v", tc.code, err)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("*awshttp.ResponseError not reachable: %v", err)
			}
			if got, want := re.HTTPStatusCode(), iamspec.Status(tc.code); got != want {
				t.Errorf("HTTP status %d, want %d", got, want)
			}
			var se *sigcert.ServiceError
			if !errors.As(err, &se) || se.RequestID == "" || se.RequestID != re.ServiceRequestID() || se.StatusCode != re.HTTPStatusCode() {
				t.Errorf("ServiceError request id %q / status %d, SDK says %q / %d", se.RequestID, se.StatusCode, re.ServiceRequestID(), re.HTTPStatusCode())
			}
			if !strings.Contains(err.Error(), se.RequestID) {
				t.Errorf("message lacks the request id: %v", err)
			}
			want := 1
			if sdkRetried[tc.code] {
				want = 3
			}
			if got := srv.Requests(iamspec.OpUpload); got != want {
				t.Errorf("%d requests, want %d (the SDK's retries)", got, want)
			}
		})
	}
}

// The SDK retries ServiceFailure: one failure, then success.
func TestSDKRetriesServiceFailure(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: "ServiceFailure", Count: 2})
	c, err := newUploader(srv.Client()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		t.Fatalf("Upload after two ServiceFailures: %v", err)
	}
	if got := srv.Requests(iamspec.OpUpload); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
	if c.RequestID == "" {
		t.Errorf("no request id on success")
	}
	if n := len(srv.Certificates("Bob")); n != 1 {
		t.Errorf("Bob holds %d certificates, want 1", n)
	}

	// Per-call SDK options reach the client: with one attempt, no retry.
	srv2 := sigcerttest.NewServer("Bob")
	defer srv2.Close()
	srv2.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: "ServiceFailure"})
	up := newUploader(srv2.Client(), sigcert.WithAPIOptions(func(o *iam.Options) { o.RetryMaxAttempts = 1 }))
	if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); !errors.Is(err, sigcert.ErrServiceFailure) {
		t.Errorf("err = %v, want ErrServiceFailure", err)
	}
	if got := srv2.Requests(iamspec.OpUpload); got != 1 {
		t.Errorf("%d requests with RetryMaxAttempts 1, want 1", got)
	}
}

// IAM's MalformedCertificate echoes the body: the SDK error stays reachable with the echo withheld, and our
// message does not.
func TestSDKOverHTTPMalformedEcho(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	body := sigcerttest.ExpiredCert().PEM
	_, err := newUploader(srv.Client(), sigcert.SkipX509Checks()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
	if !errors.Is(err, sigcert.ErrMalformedCertificate) {
		t.Fatalf("err = %v, want ErrMalformedCertificate from the endpoint", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorMessage() != "Certificate [certificate body withheld] is malformed." {
		t.Errorf("the SDK error should be reachable with IAM's echo withheld, got %v", ae)
	}
	if strings.Contains(err.Error(), "BEGIN CERTIFICATE") || strings.Contains(err.Error(), strings.Split(body, "\n")[1]) {
		t.Errorf("Error() contains the body: %v", err)
	}
}

// A transport failure and a cancelled context are ServiceErrors with no
// sentinel, and context errors stay matchable.
func TestSDKOverHTTPTransportAndCancel(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Drop: true, Count: 3})
	_, err := newUploader(srv.Client()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	var se *sigcert.ServiceError
	if !errors.As(err, &se) || se.Code != "" || se.StatusCode != 0 {
		t.Fatalf("dropped connections: err = %#v", err)
	}
	matchesOnly(t, err, nil)
	if got := srv.Requests(iamspec.OpUpload); got != 3 {
		t.Errorf("%d requests, want 3 (the SDK retries connection errors)", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = newUploader(srv.Client()).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}
