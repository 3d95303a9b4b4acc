package sigcerttest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// auth is an Authorization header with a well-formed scope but no valid
// signature: what curl -H sends without --aws-sigv4.
const auth = "AWS4-HMAC-SHA256 Credential=" + sigcerttest.DefaultAccessKeyID + "/20261122/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"

// signed is the authorization value that makes post sign the request with
// the SDK's signer, as DefaultAccessKeyID.
const signed = "sign"

// wrongSecret makes post sign the request as DefaultAccessKeyID with
// another secret.
const wrongSecret = "sign with a wrong secret"

// post sends a form request the way curl -d would, and returns status,
// request id header and body. An authorization of signed signs it.
func post(t *testing.T, srv *sigcerttest.Server, authorization string, form url.Values) (int, http.Header, string) {
	t.Helper()
	return send(t, srv, http.MethodPost, "application/x-www-form-urlencoded", authorization, form.Encode())
}

// send sends one request with this method, Content-Type and body.
func send(t *testing.T, srv *sigcerttest.Server, method, contentType, authorization, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch authorization {
	case "":
	case signed:
		signRequest(t, req, []byte(body), sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, "us-east-1", time.Now())
	case wrongSecret:
		signRequest(t, req, []byte(body), sigcerttest.DefaultAccessKeyID, "not-the-secret", "us-east-1", time.Now())
	default:
		req.Header.Set("Authorization", authorization)
	}
	return do(t, srv.HTTPClient(), req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := c.Do(req)
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

// signRequest signs req with the SDK's signer, for service iam.
func signRequest(t *testing.T, req *http.Request, body []byte, key, secret, region string, when time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", region, when); err != nil {
		t.Fatal(err)
	}
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
		{"unknown action", signed, url.Values{"Action": {"CreateRole"}, "RoleName": {"Eve"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeInvalidAction, Message: "Could not find operation CreateRole for version 2010-05-08"}},
		{"no action", signed, url.Values{"UserName": {"Bob"}}, 400,
			errorResponse{Type: "Sender", Code: "MissingAction", Message: "The request has no Action parameter."}},
		{"another version", signed, url.Values{"Action": {iamspec.OpList}, "Version": {"2009-01-01"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeInvalidAction, Message: "Could not find operation ListSigningCertificates for version 2009-01-01"}},
		{"repeated parameter", signed, url.Values{"Action": {iamspec.OpList}, "UserName": {"Bob", "Alice"}}, 400,
			errorResponse{Type: "Sender", Code: "InvalidQueryParameter", Message: `the parameter "UserName" is given more than once`}},
		{"not UTF-8", signed, url.Values{"Action": {iamspec.OpList}, "UserName": {"Bob\xff"}}, 400,
			errorResponse{Type: "Sender", Code: "InvalidQueryParameter", Message: `the parameter "UserName" is not UTF-8`}},
		{"server fault", auth, url.Values{"Action": {"ServiceFailurePlease"}}, 500,
			errorResponse{Type: "Receiver", Code: iamspec.CodeServiceFailure, Message: "boom"}},
		{"missing body", signed, url.Values{"Action": {iamspec.OpUpload}, "UserName": {"Bob"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidationNull("CertificateBody", "Member must not be null")}},
		{"MaxItems not a number", signed, url.Values{"Action": {iamspec.OpList}, "MaxItems": {"ten"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidationValue("MaxItems", "ten", "Member must be an integer")}},
		{"ListUsers MaxItems not a number", signed, url.Values{"Action": {iamspec.OpListUsers}, "MaxItems": {"ten"}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidationValue("MaxItems", "ten", "Member must be an integer")}},
		{"CreateUser without UserName", signed, url.Values{"Action": {iamspec.OpCreateUser}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidationNull("UserName", "Member must not be null")}},
		{"DeleteUser without UserName", signed, url.Values{"Action": {iamspec.OpDeleteUser}}, 400,
			errorResponse{Type: "Sender", Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidationNull("UserName", "Member must not be null")}},
		{"signature does not verify", wrongSecret, url.Values{"Action": {iamspec.OpList}}, 403,
			errorResponse{Type: "Sender", Code: iamspec.CodeSignatureDoesNotMatch,
				Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}},
		{"no signature", "AWS4-HMAC-SHA256 Credential=" + sigcerttest.DefaultAccessKeyID + "/", url.Values{"Action": {iamspec.OpList}}, 400,
			errorResponse{Type: "Sender", Code: "IncompleteSignature",
				Message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
					"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
					"Authorization=AWS4-HMAC-SHA256 Credential=" + sigcerttest.DefaultAccessKeyID + "/"}},
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
	if n := srv.Requests(iamspec.OpList); n != 9 {
		t.Errorf("Requests(List) = %d, want 9", n)
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

	status, h, got := post(t, srv, signed, url.Values{"Action": {iamspec.OpUpload}, "UserName": {"Bob"}, "CertificateBody": {body}})
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

	status, h, got = post(t, srv, signed, url.Values{"Action": {iamspec.OpList}, "UserName": {"Bob"}})
	want = `<ListSigningCertificatesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListSigningCertificatesResult>` +
		`<Certificates><member>` + cert1 + `</member></Certificates><IsTruncated>false</IsTruncated></ListSigningCertificatesResult>` +
		`<ResponseMetadata><RequestId>` + h.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></ListSigningCertificatesResponse>`
	if status != 200 || got != want {
		t.Errorf("list response %d\n got %s\nwant %s", status, got, want)
	}

	status, h, got = post(t, srv, signed, url.Values{"Action": {iamspec.OpUpdate}, "UserName": {"Bob"}, "CertificateId": {id}, "Status": {"Inactive"}})
	want = `<UpdateSigningCertificateResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` +
		`<ResponseMetadata><RequestId>` + h.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></UpdateSigningCertificateResponse>`
	if status != 200 || got != want {
		t.Errorf("update response %d\n got %s\nwant %s", status, got, want)
	}
	if s := srv.Certificates("Bob")[0].Status; s != "Inactive" {
		t.Errorf("status after update: %s", s)
	}
}

// TestGETAndNoContentType checks clients other than the SDK: a signed GET
// with the parameters in the URL, and a signed POST without Content-Type.
func TestGETAndNoContentType(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/?Action=ListSigningCertificates&UserName=nonexistent-user", nil)
	signRequest(t, req, nil, sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, "us-east-1", time.Now())
	status, _, b := do(t, srv.HTTPClient(), req)
	if status != 404 || !strings.Contains(b, iamspec.MsgNoSuchUser("nonexistent-user")) {
		t.Errorf("GET: %d %s", status, b)
	}

	status, _, b = send(t, srv, http.MethodPost, "", signed, "Action=ListSigningCertificates&UserName=Bob")
	if status != 200 || !strings.Contains(b, "<IsTruncated>false</IsTruncated>") {
		t.Errorf("POST without Content-Type: %d %s", status, b)
	}
}

// TestRefusedRequestShapes sends requests that are not awsquery at all:
// each gets IAM's error document and a 4xx, never a 5xx.
func TestRefusedRequestShapes(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	big := "Action=ListSigningCertificates&Marker=" + strings.Repeat("A", 1<<20)
	for _, tt := range []struct {
		name, method, contentType, body string
		status                          int
		code                            string
	}{
		{"PUT", http.MethodPut, "application/x-www-form-urlencoded", "Action=ListSigningCertificates", 405, "MethodNotAllowed"},
		{"DELETE", http.MethodDelete, "", "", 405, "MethodNotAllowed"},
		{"PATCH", http.MethodPatch, "", "", 405, "MethodNotAllowed"},
		{"JSON body", http.MethodPost, "application/json", `{"Action":"ListSigningCertificates"}`, 400, "InvalidQueryParameter"},
		{"bad percent-encoding", http.MethodPost, "application/x-www-form-urlencoded", "Action=ListSigningCertificates&Marker=%zz", 400, "InvalidQueryParameter"},
		{"body over 1 MiB", http.MethodPost, "application/x-www-form-urlencoded", big, 400, "InvalidQueryParameter"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := send(t, srv, tt.method, tt.contentType, signed, tt.body)
			var got errorResponse
			if err := xml.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("not IAM's error document: %v\n%.300s", err, body)
			}
			if status != tt.status || got.Code != tt.code || got.Type != "Sender" || got.RequestID != h.Get("X-Amzn-Requestid") {
				t.Errorf("got %d %+v, want %d %s", status, got, tt.status, tt.code)
			}
		})
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

// TestCloseBoundedWithStalledClients holds connections that stopped in the
// middle of a request's headers, in the middle of its body, and idle ones:
// Close must still return promptly, and close them all.
func TestCloseBoundedWithStalledClients(t *testing.T) {
	srv := sigcerttest.NewUnstartedServer()
	var mu sync.Mutex
	active := 0
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		if st == http.StateActive {
			active++
		}
	}
	srv.Start()
	if _, err := srv.Client().ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{}); err != nil {
		t.Fatal(err) // leaves an idle keep-alive connection in the client
	}
	addr := strings.TrimPrefix(srv.URL, "http://")
	const each = 8
	var conns []net.Conn
	for i := range 2 * each {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		partial := "POST / HTTP/1.1\r\nHost: " + addr + "\r\nContent-Ty" // headers cut short
		if i%2 == 1 {
			partial = "POST / HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
				"Content-Length: 1000\r\n\r\nAction=List" // body cut short
		}
		if _, err := c.Write([]byte(partial)); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Wait until the server is reading the body-stalled requests.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := active
		mu.Unlock()
		if n >= 1+each || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}

	start := time.Now()
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5 s")
	}
	t.Logf("Close returned in %v with %d stalled connections", time.Since(start).Round(time.Millisecond), len(conns))
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b := make([]byte, 512)
		for {
			n, err := c.Read(b)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Errorf("connection %d still open after Close", i)
				}
				break
			}
			_ = n // an answer (such as 400 for the cut header) is fine; then EOF
		}
	}
}

// TestReadHeaderTimeout: a client that never finishes its headers loses
// its connection after Config.ReadHeaderTimeout.
func TestReadHeaderTimeout(t *testing.T) {
	srv := sigcerttest.NewUnstartedServer()
	if srv.Config.ReadHeaderTimeout == 0 || srv.Config.ReadTimeout == 0 || srv.Config.IdleTimeout == 0 {
		t.Errorf("default timeouts not set: %+v", srv.Config)
	}
	srv.Config.ReadHeaderTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("the server kept a header-stalled connection open")
	}
}

// TestStartTLS serves HTTPS with a certificate the server's own clients
// trust, so the SDK's HTTPS path runs.
func TestStartTLS(t *testing.T) {
	srv := sigcerttest.NewUnstartedServer("Bob")
	srv.StartTLS()
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Errorf("URL %s", srv.URL)
	}
	cert := srv.Certificate()
	if cert == nil || len(cert.IPAddresses) == 0 || !cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("Certificate() = %+v", cert)
	}
	ctx := context.Background()
	if _, err := srv.Client().UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateBody: aws.String(certgen.Valid().PEM)}); err != nil {
		t.Fatalf("upload over HTTPS: %v", err)
	}
	if got := len(srv.Certificates("Bob")); got != 1 {
		t.Errorf("Bob holds %d certificates", got)
	}
	// A client that does not trust the certificate is refused by TLS.
	_, err := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, "")}).
		ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusting client: %v", err)
	}
	if srv := sigcerttest.NewServer(); srv.Certificate() != nil {
		srv.Close()
		t.Error("an HTTP server has a certificate")
	} else {
		srv.Close()
	}
}

// TestOneClient: Client without options is one client, on the server's one
// HTTP client.
func TestOneClient(t *testing.T) {
	srv := sigcerttest.NewServer()
	defer srv.Close()
	if srv.Client() != srv.Client() {
		t.Error("Client() returns a new client each time")
	}
	if srv.HTTPClient() == nil || srv.HTTPClient() != srv.HTTPClient() {
		t.Error("HTTPClient() is not one client")
	}
	if srv.Client(func(*iam.Options) {}) == srv.Client() {
		t.Error("Client with options returned the shared client")
	}
	var zero sigcerttest.Server
	zero.Close() // a zero Server closes without panicking
}

// TestHandlerMounted mounts the endpoint under a prefix in another server:
// signatures still verify against the path the client sent.
func TestHandlerMounted(t *testing.T) {
	srv := sigcerttest.NewUnstartedServer("Bob")
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/iam/", http.StripPrefix("/iam", srv.Handler()))
	other := httptest.NewServer(mux)
	defer other.Close()
	client := iam.New(iam.Options{Region: "eu-west-1", BaseEndpoint: aws.String(other.URL + "/iam/"), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, ""),
		HTTPClient:  other.Client()})
	if _, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")}); err != nil {
		t.Fatal(err)
	}
	if srv.Requests(iamspec.OpList) != 1 {
		t.Errorf("Requests = %d", srv.Requests(iamspec.OpList))
	}
}

// TestZeroServer: a zero Server is usable as a Handler and closes cleanly.
func TestZeroServer(t *testing.T) {
	var srv sigcerttest.Server
	srv.AddUser("Bob")
	if got := strings.Join(srv.Users(), ","); got != "Bob,sigcerttest" {
		t.Errorf("Users %s", got)
	}
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?Action=ListSigningCertificates", nil))
	if w.Code != 403 || !strings.Contains(w.Body.String(), iamspec.CodeMissingAuthToken) {
		t.Errorf("unsigned request to a zero Server: %d %s", w.Code, w.Body)
	}
	if srv.Requests(iamspec.OpList) != 1 {
		t.Errorf("Requests = %d", srv.Requests(iamspec.OpList))
	}
	srv.Reset()
	if got := strings.Join(srv.Users(), ","); got != "Bob,sigcerttest" {
		t.Errorf("Users after Reset %s", got)
	}
	srv.Close()
	srv.Close()
}
