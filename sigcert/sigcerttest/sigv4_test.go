package sigcerttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// sdkErrorOf returns the code, message and HTTP status of an SDK error.
func sdkErrorOf(err error) (code, message string, status int) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", "", 0
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), ae.ErrorMessage(), status
}

// as signs with key and secret, in one attempt.
func as(key, secret string) func(*iam.Options) {
	return func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(key, secret, "")
		o.Retryer = aws.NopRetryer{}
	}
}

func TestSignatureVerifiedThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	srv := NewServer("Bob")
	defer srv.Close()
	// Fresh key ids for each case: the SDK's signer caches derived keys per
	// key id and day, not per secret.
	srv.AddAccessKey("AKIARIGHTSECRET", "Bob")
	srv.AddAccessKey("AKIAWRONGSECRET", "Bob")

	out, err := srv.Client(as("AKIARIGHTSECRET", DefaultSecretAccessKey)).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	if err != nil || out.Certificates == nil {
		t.Fatalf("right secret: %v", err)
	}

	_, err = srv.Client(as("AKIAWRONGSECRET", "not-the-secret")).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	code, msg, status := sdkErrorOf(err)
	if code != iamspec.CodeSignatureDoesNotMatch || status != 403 || msg != iamspec.MsgSignatureDoesNotMatch {
		t.Errorf("wrong secret: %s %d %q (%v)", code, status, msg, err)
	}

	_, err = srv.Client(as("AKIAUNKNOWN", DefaultSecretAccessKey)).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	if code, _, status := sdkErrorOf(err); code != iamspec.CodeInvalidClientTokenID || status != 403 {
		t.Errorf("unknown key: %v", err)
	}
}

// TestAnyRegionInScope: with an explicit endpoint the SDK signs with the
// client's own region, so every region, and none, must verify.
func TestAnyRegionInScope(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", ""} {
		var scope string
		client := srv.Client(func(o *iam.Options) {
			o.Region = region
			o.Retryer = aws.NopRetryer{}
			o.HTTPClient = recordAuthorization(o.HTTPClient, &scope)
		})
		if _, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{}); err != nil {
			t.Errorf("region %q: %v", region, err)
		}
		if !strings.Contains(scope, "/"+region+"/iam/aws4_request") {
			t.Errorf("region %q: signed with %q", region, scope)
		}
	}
}

type recordingDoer struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	authorization *string
}

func (d recordingDoer) Do(r *http.Request) (*http.Response, error) {
	*d.authorization = r.Header.Get("Authorization")
	return d.next.Do(r)
}

func recordAuthorization(next iam.HTTPClient, into *string) iam.HTTPClient {
	return recordingDoer{next: next, authorization: into}
}

// TestRequestDateSkew moves the server's signing clock 20 minutes either
// way: a single attempt is refused with the query services' texts, and the
// SDK's standard retryer corrects its clock from the response's Date
// header and succeeds, as against IAM.
func TestRequestDateSkew(t *testing.T) {
	ctx := context.Background()
	srv := NewServer()
	defer srv.Close()
	for _, tt := range []struct {
		skew time.Duration
		want string
	}{
		{20 * time.Minute, "Signature expired: "},
		{-20 * time.Minute, "Signature not yet current: "},
	} {
		srv.SetSigningClock(func() time.Time { return time.Now().Add(tt.skew) })
		_, err := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
		code, msg, status := sdkErrorOf(err)
		if code != iamspec.CodeSignatureDoesNotMatch || status != 403 || !strings.HasPrefix(msg, tt.want) {
			t.Errorf("skew %v: %s %d %q", tt.skew, code, status, msg)
		}
		if _, err := srv.Client().ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}); err != nil {
			t.Errorf("skew %v: the standard retryer did not correct the clock: %v", tt.skew, err)
		}
	}
	srv.SetSigningClock(func() time.Time { return time.Now().Add(14 * time.Minute) })
	if _, err := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}); err != nil {
		t.Errorf("14 minutes of skew refused: %v", err)
	}
}

func TestSignatureExpiredText(t *testing.T) {
	now := time.Date(2022, 1, 27, 1, 59, 28, 0, time.UTC)
	date := time.Date(2022, 1, 27, 0, 14, 27, 0, time.UTC)
	// The shape recorded in aws/aws-cli issue 6676.
	want := "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"
	if got := msgSignatureExpired(date, now); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestSignatureCoversBodyHeadersAndPath changes a signed request after
// signing: each change is refused.
func TestSignatureCoversBodyHeadersAndPath(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	const body = "Action=ListSigningCertificates&Version=2010-05-08"
	newSigned := func(sign func(*http.Request)) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sign(r)
		return r
	}
	signAs := func(r *http.Request) {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: DefaultAccessKeyID, SecretAccessKey: DefaultSecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		change func(*http.Request)
		want   int
	}{
		{"unchanged", func(*http.Request) {}, 200},
		{"body", func(r *http.Request) {
			b := strings.Replace(body, "List", "Lost", 1)
			r.Body, r.ContentLength, r.GetBody = io.NopCloser(strings.NewReader(b)), int64(len(b)), nil
		}, 403},
		{"signed header", func(r *http.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}, 403},
		{"path", func(r *http.Request) { r.URL.Path = "/other" }, 403},
		{"query", func(r *http.Request) { r.URL.RawQuery = "Marker=x" }, 403},
		{"unsigned header", func(r *http.Request) { r.Header.Set("User-Agent", "another") }, 200},
	}
	for _, tt := range tests {
		r := newSigned(signAs)
		tt.change(r)
		resp, err := srv.HTTPClient().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
}

func TestParseSigV4(t *testing.T) {
	h, ok := parseSigV4("AWS4-HMAC-SHA256 Credential=AKID/20261203/eu-west-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc")
	if !ok || h.accessKeyID != "AKID" || h.scopeDate != "20261203" || h.region != "eu-west-1" || h.service != "iam" ||
		strings.Join(h.signedHeaders, ";") != "content-type;host;x-amz-date" || h.signature != "abc" || len(h.missing) != 0 {
		t.Errorf("parsed %+v, %v", h, ok)
	}
	h, ok = parseSigV4("AWS4-HMAC-SHA256 Credential=AKID//iam/aws4_request")
	if !ok || strings.Join(h.missing, ",") != "Credential,Signature,SignedHeaders" {
		t.Errorf("short scope: %+v", h)
	}
	for _, notSigV4 := range []string{"", "Basic x", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256Credential=x", "AWS AKID:sig"} {
		if _, ok := parseSigV4(notSigV4); ok {
			t.Errorf("%q parsed as SigV4", notSigV4)
		}
	}
}
