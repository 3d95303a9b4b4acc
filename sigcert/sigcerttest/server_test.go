package sigcerttest_test

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

const auth = "AWS4-HMAC-SHA256 Credential=" + sigcerttest.DefaultAccessKeyID + "/20261122/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"

// post sends a form request the way curl -d would, and returns status,
// request id header and body.
func post(t *testing.T, srv *sigcerttest.Server, authorization string, form url.Values) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

type errorResponse struct {
	XMLName   xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func TestProtocolErrors(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "ServiceFailurePlease", Code: iamspec.CodeServiceFailure, Message: "boom"})
	tests := []struct {
		name   string
		auth   string
		form   url.Values
		status int
		want   errorResponse
	}{
		{"unsigned", "", url.Values{"Action": {iamspec.OpList}}, 403,
			errorResponse{Type: "Sender", Code: iamspec.CodeMissingAuthToken, Message: iamspec.MsgMissingAuthToken}},
		{"not SigV4", "Basic Ym9iOmJvYg==", url.Values{"Action": {iamspec.OpList}}, 403,
			errorResponse{Type: "Sender", Code: iamspec.CodeMissingAuthToken, Message: iamspec.MsgMissingAuthToken}},
		{"unknown key", "AWS4-HMAC-SHA256 Credential=AKIANOBODY/x", url.Values{"Action": {iamspec.OpList}}, 403,
			errorResponse{Type: "Sender", Code: iamspec.CodeInvalidClientTokenID, Message: iamspec.MsgInvalidClientTokenID}},
		{"unknown action", auth, url.Values{"Action": {"CreateRole"}, "RoleName": {"Eve"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeInvalidAction, Message: "Could not find operation CreateRole for version 2010-05-08"}},
		{"no action", auth, url.Values{"UserName": {"Bob"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeInvalidAction, Message: iamspec.MsgInvalidAction("")}},
		{"server fault", auth, url.Values{"Action": {"ServiceFailurePlease"}}, 500,
			errorResponse{Type: "Receiver", Code: iamspec.CodeServiceFailure, Message: "boom"}},
		{"missing body", auth, url.Values{"Action": {iamspec.OpUpload}, "UserName": {"Bob"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidationNull("CertificateBody", "Member must not be null")}},
		{"MaxItems not a number", auth, url.Values{"Action": {iamspec.OpList}, "MaxItems": {"ten"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidation("MaxItems", "Member must be an integer")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := post(t, srv, tt.auth, tt.form)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			var got errorResponse
			if err := xml.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("not IAM's error document: %v\n%s", err, body)
			}
			if got.RequestID == "" || got.RequestID != h.Get("X-Amzn-Requestid") {
				t.Errorf("request id in body %q, in header %q", got.RequestID, h.Get("X-Amzn-Requestid"))
			}
			if ct := h.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q", ct)
			}
			tt.want.XMLName, tt.want.RequestID = got.XMLName, got.RequestID
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if n := srv.Requests(iamspec.OpList); n != 4 {
		t.Errorf("Requests(List) = %d, want 4", n)
	}
}

// TestWireFormat checks the exact success documents.
func TestWireFormat(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	now := time.Date(2026, 11, 22, 7, 30, 1, 120999999, time.UTC)
	srv.SetClock(func() time.Time { return now })
	cert := certgen.New(certgen.Options{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)})
	body := cert.CRLF()
	escaped := strings.NewReplacer("\r", "&#xD;", "\n", "&#xA;").Replace(body)

	status, h, got := post(t, srv, auth, url.Values{"Action": {iamspec.OpUpload}, "UserName": {"Bob"}, "CertificateBody": {body}})
	if status != 200 {
		t.Fatalf("status %d: %s", status, got)
	}
	id := *srv.Certificates("Bob")[0].CertificateId
	cert1 := "<UserName>Bob</UserName><CertificateId>" + id + "</CertificateId><CertificateBody>" + escaped +
		"</CertificateBody><Status>Active</Status><UploadDate>2026-11-22T07:30:01.12Z</UploadDate>"
	want := `<UploadSigningCertificateResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` +
		`<UploadSigningCertificateResult><Certificate>` + cert1 + `</Certificate></UploadSigningCertificateResult>` +
		`<ResponseMetadata><RequestId>` + h.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></UploadSigningCertificateResponse>`
	if got != want {
		t.Errorf("upload response\n got %s\nwant %s", got, want)
	}

	status, h, got = post(t, srv, auth, url.Values{"Action": {iamspec.OpList}, "UserName": {"Bob"}})
	want = `<ListSigningCertificatesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListSigningCertificatesResult>` +
		`<Certificates><member>` + cert1 + `</member></Certificates><IsTruncated>false</IsTruncated></ListSigningCertificatesResult>` +
		`<ResponseMetadata><RequestId>` + h.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></ListSigningCertificatesResponse>`
	if status != 200 || got != want {
		t.Errorf("list response %d\n got %s\nwant %s", status, got, want)
	}

	status, h, got = post(t, srv, auth, url.Values{"Action": {iamspec.OpUpdate}, "UserName": {"Bob"}, "CertificateId": {id}, "Status": {"Inactive"}})
	want = `<UpdateSigningCertificateResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` +
		`<ResponseMetadata><RequestId>` + h.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></UpdateSigningCertificateResponse>`
	if status != 200 || got != want {
		t.Errorf("update response %d\n got %s\nwant %s", status, got, want)
	}
	if s := srv.Certificates("Bob")[0].Status; s != "Inactive" {
		t.Errorf("status after update: %s", s)
	}
}

// TestGETAndUnsignedContentType checks clients other than the SDK: a GET
// with the parameters in the URL, and a POST without Content-Type.
func TestGETAndUnsignedContentType(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/?Action=ListSigningCertificates&UserName=nonexistent-user", nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), iamspec.MsgNoSuchUser("nonexistent-user")) {
		t.Errorf("GET: %d %s", resp.StatusCode, b)
	}

	req, _ = http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("Action=ListSigningCertificates&UserName=Bob"))
	req.Header.Set("Authorization", auth)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<IsTruncated>false</IsTruncated>") {
		t.Errorf("POST without Content-Type: %d %s", resp.StatusCode, b)
	}
}

func TestRequestIDsUnique(t *testing.T) {
	srv := sigcerttest.NewServer()
	defer srv.Close()
	client := srv.Client()
	seen := map[string]bool{}
	for range 50 {
		out, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{})
		if err != nil {
			t.Fatal(err)
		}
		id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		if !ok || id == "" || seen[id] {
			t.Fatalf("request id %q (found %v) missing or repeated", id, ok)
		}
		seen[id] = true
	}
}

// TestCallerCredentials checks that the access key signing a request picks
// the user it acts on, on both faces.
func TestCallerCredentials(t *testing.T) {
	ctx := context.Background()
	asBob := func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOB", "secret", "")
	}
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.AddAccessKeyWithSecret("AKIABOB", "secret", "Bob")
	fake := sigcerttest.NewFake("Bob")
	fake.AddAccessKeyWithSecret("AKIABOB", "secret", "Bob")
	var anonErrs []error

	for name, api := range map[string]interface {
		UploadSigningCertificate(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error)
		ListSigningCertificates(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error)
	}{"Fake": fake, "Server": srv.Client()} {
		out, err := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(certgen.Valid().PEM)}, asBob)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if *out.Certificate.UserName != "Bob" {
			t.Errorf("%s: uploaded as %s, want Bob", name, *out.Certificate.UserName)
		}
		_, err = api.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}, func(o *iam.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider("AKIASTRANGER", "secret", "")
		})
		if c, _, _, _ := describe(err); c != iamspec.CodeInvalidClientTokenID {
			t.Errorf("%s: unknown key gave %v", name, err)
		}
		_, err = api.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}, func(o *iam.Options) {
			o.Credentials = nil
		})
		if c, _, _, status := describe(err); c != iamspec.CodeMissingAuthToken || status != 403 {
			t.Errorf("%s: unsigned gave %v", name, err)
		}
		// Per call, the SDK refuses anonymous credentials before sending.
		_, err = api.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}, func(o *iam.Options) {
			o.Credentials = aws.AnonymousCredentials{}
		})
		anonErrs = append(anonErrs, err)
	}
	if len(anonErrs) != 2 || anonErrs[0] == nil || anonErrs[0].Error() != anonErrs[1].Error() {
		t.Errorf("anonymous credentials per call: %v", anonErrs)
	}
	if n := len(srv.Certificates("Bob")) + len(fake.Certificates("Bob")); n != 2 {
		t.Errorf("Bob holds %d certificates over both faces, want 2", n)
	}
}

// TestUnstartedServerOnOwnListener serves on a listener of the test's
// choosing, as examples/fakeiam does.
func TestUnstartedServerOnOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := sigcerttest.NewUnstartedServer("Bob")
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	if want := "http://" + ln.Addr().String(); srv.URL != want {
		t.Errorf("URL %s, want %s", srv.URL, want)
	}
	if _, err := srv.Client().ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")}); err != nil {
		t.Fatal(err)
	}
}

func TestServerUsers(t *testing.T) {
	srv := sigcerttest.NewServer("Bob", "Alice")
	defer srv.Close()
	srv.AddUser("Carol")
	srv.AddUser("Bob")
	if got, want := strings.Join(srv.Users(), ","), "Alice,Bob,Carol,sigcerttest"; got != want {
		t.Errorf("Users %s, want %s", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("AddUser with an invalid name did not panic")
		}
	}()
	srv.AddUser("no spaces allowed")
}
