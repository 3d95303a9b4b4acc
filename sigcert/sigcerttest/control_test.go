package sigcerttest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// control calls the control API without signing, as curl would, and
// returns the status and the body.
func control(t *testing.T, srv *sigcerttest.Server, method, name, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+sigcerttest.ControlPath+name, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, name, ct)
	}
	return resp.StatusCode, string(b)
}

func TestControlReset(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.AddUser("Alice")
	srv.AddAccessKey("AKIAALICE", "Alice")
	up := func(user string) error {
		_, err := srv.Client().UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
			UserName: aws.String(user), CertificateBody: aws.String(certgen.Valid().PEM)})
		return err
	}
	if err := up("Bob"); err != nil {
		t.Fatal(err)
	}
	srv.Inject(sigcerttest.Fault{Code: iamspec.CodeServiceFailure, Count: 5})

	if status, body := control(t, srv, http.MethodPost, "reset", ""); status != 200 {
		t.Fatalf("reset: %d %s", status, body)
	}
	if n := len(srv.Certificates("Bob")); n != 0 {
		t.Errorf("Bob holds %d certificates after reset", n)
	}
	if got := strings.Join(srv.Users(), ","); got != "Alice,Bob,sigcerttest" {
		t.Errorf("users after reset: %s", got)
	}
	if n := srv.Requests(""); n != 0 {
		t.Errorf("%d requests counted after reset", n)
	}
	// The fault is gone and Alice's key still acts as Alice.
	out, err := srv.Client(func(o *iam.Options) {
		o.Credentials = aws.NewCredentialsCache(staticKey("AKIAALICE"))
	}).UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(certgen.Valid().PEM)})
	if err != nil || *out.Certificate.UserName != "Alice" {
		t.Fatalf("upload as Alice after reset: %v", err)
	}
}

type staticKey string

func (k staticKey) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: string(k), SecretAccessKey: sigcerttest.DefaultSecretAccessKey, Source: "test"}, nil
}

func TestControlFaults(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer()
	defer srv.Close()
	list := func() error {
		_, err := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }).
			ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
		return err
	}
	status, body := control(t, srv, http.MethodPost, "faults",
		`{"action": "ListSigningCertificates", "code": "Throttling", "message": "Rate exceeded", "count": 2, "latency": "1ms"}`)
	if status != 200 {
		t.Fatalf("faults: %d %s", status, body)
	}
	for i := range 2 {
		if err := list(); err == nil || !strings.Contains(err.Error(), "Throttling: Rate exceeded") {
			t.Errorf("list %d: %v", i, err)
		}
	}
	if err := list(); err != nil {
		t.Errorf("third list: %v", err)
	}

	if status, body := control(t, srv, http.MethodPost, "faults", `{"Code": "ServiceFailure", "Latency": 1000}`); status != 200 {
		t.Fatalf("faults with nanoseconds: %d %s", status, body)
	}
	if status, body := control(t, srv, http.MethodDelete, "faults", ""); status != 200 {
		t.Fatalf("DELETE faults: %d %s", status, body)
	}
	if err := list(); err != nil {
		t.Errorf("list after DELETE faults: %v", err)
	}

	for _, bad := range []string{``, `{`, `{"Cod": "Throttling"}`, `{"Latency": "soon"}`, `{"Latency": "-1s"}`, `{} {}`, `[]`} {
		if status, body := control(t, srv, http.MethodPost, "faults", bad); status != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("fault %q: %d %s", bad, status, body)
		}
	}
	if err := list(); err != nil {
		t.Errorf("a refused fault was injected: %v", err)
	}
}

func TestControlRequests(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer()
	defer srv.Close()
	for range 3 {
		if _, err := srv.Client().ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = srv.Client().DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: aws.String("NONEXISTENTCERTID12345678901")})
	status, body := control(t, srv, http.MethodGet, "requests", "")
	var got sigcerttest.RequestCounts
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
		t.Fatalf("requests: %d %s %v", status, body, err)
	}
	want := sigcerttest.RequestCounts{Total: 4, Actions: map[string]int{iamspec.OpList: 3, iamspec.OpDelete: 1}}
	if got.Total != want.Total || len(got.Actions) != 2 || got.Actions[iamspec.OpList] != 3 || got.Actions[iamspec.OpDelete] != 1 {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// Control calls are not IAM requests.
	if n := srv.Requests(""); n != 4 {
		t.Errorf("Requests = %d after a control call", n)
	}
}

func TestControlRefusals(t *testing.T) {
	srv := sigcerttest.NewServer()
	defer srv.Close()
	for _, tt := range []struct {
		method, name string
		status       int
	}{
		{http.MethodGet, "reset", 405},
		{http.MethodGet, "faults", 405},
		{http.MethodPost, "requests", 405},
		{http.MethodPost, "nothing", 404},
		{http.MethodGet, "", 404},
	} {
		if status, body := control(t, srv, tt.method, tt.name, ""); status != tt.status || !strings.Contains(body, `"error"`) {
			t.Errorf("%s %s: %d %s", tt.method, tt.name, status, body)
		}
	}
}
