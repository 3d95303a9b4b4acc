package sigcerttest

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
)

const testAuth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=abc"

func TestDecodeRequest(t *testing.T) {
	form := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", testAuth)
		return r
	}
	const sdkUpload = "Action=UploadSigningCertificate&CertificateBody=-----BEGIN+CERTIFICATE-----%0AMIIB%2B%2F%3D%0D%0A%C3%A9&UserName=Bob&Version=2010-05-08"
	tests := []struct {
		name     string
		req      *http.Request
		want     queryRequest
		wantCode string
	}{
		{
			name: "SDK upload",
			req:  form(sdkUpload),
			want: queryRequest{Action: iamspec.OpUpload, AccessKeyID: "AKIDEXAMPLE", Body: []byte(sdkUpload), Params: url.Values{
				"Action":          {iamspec.OpUpload},
				"CertificateBody": {"-----BEGIN CERTIFICATE-----\nMIIB+/=\r\né"},
				"UserName":        {"Bob"},
				"Version":         {iamspec.APIVersion},
			}},
		},
		{
			name: "GET with the query in the URL, unsigned",
			req:  httptest.NewRequest(http.MethodGet, "/?Action=ListSigningCertificates&MaxItems=1", nil),
			want: queryRequest{Action: iamspec.OpList, Params: url.Values{"Action": {iamspec.OpList}, "MaxItems": {"1"}}},
		},
		{
			name: "a parameter in both body and URL query",
			req: func() *http.Request {
				r := form("Action=DeleteSigningCertificate")
				r.URL.RawQuery = "Action=UploadSigningCertificate&UserName=Bob"
				return r
			}(),
			want: queryRequest{Action: iamspec.OpDelete, AccessKeyID: "AKIDEXAMPLE", Body: []byte("Action=DeleteSigningCertificate"), Params: url.Values{
				"Action": {iamspec.OpDelete, iamspec.OpUpload}, "UserName": {"Bob"}}},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "a parameter twice in the body",
			req:      form("Action=ListSigningCertificates&Marker=a&Marker=b"),
			want:     queryRequest{Action: iamspec.OpList, AccessKeyID: "AKIDEXAMPLE", Body: []byte("Action=ListSigningCertificates&Marker=a&Marker=b"), Params: url.Values{"Action": {iamspec.OpList}, "Marker": {"a", "b"}}},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "a value that is not UTF-8",
			req:      form("Action=ListSigningCertificates&Marker=%C3"),
			want:     queryRequest{Action: iamspec.OpList, AccessKeyID: "AKIDEXAMPLE", Body: []byte("Action=ListSigningCertificates&Marker=%C3"), Params: url.Values{"Action": {iamspec.OpList}, "Marker": {"\xc3"}}},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "another Version",
			req:      form("Action=ListSigningCertificates&Version=2009-01-01"),
			want:     queryRequest{Action: iamspec.OpList, AccessKeyID: "AKIDEXAMPLE", Body: []byte("Action=ListSigningCertificates&Version=2009-01-01"), Params: url.Values{"Action": {iamspec.OpList}, "Version": {"2009-01-01"}}},
			wantCode: iamspec.CodeInvalidAction,
		},
		{
			name: "no Content-Type is read as a form",
			req: func() *http.Request {
				r := form("Action=ListSigningCertificates")
				r.Header.Del("Content-Type")
				return r
			}(),
			want: queryRequest{Action: iamspec.OpList, AccessKeyID: "AKIDEXAMPLE", Body: []byte("Action=ListSigningCertificates"), Params: url.Values{"Action": {iamspec.OpList}}},
		},
		{
			name: "a JSON body is refused",
			req: func() *http.Request {
				r := form(`{"Action":"ListSigningCertificates"}`)
				r.Header.Set("Content-Type", "application/json")
				return r
			}(),
			want:     queryRequest{AccessKeyID: "AKIDEXAMPLE", Body: []byte(`{"Action":"ListSigningCertificates"}`), Params: url.Values{}},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "bad percent-encoding keeps the rest",
			req:      form("CertificateBody=%zz&Action=UploadSigningCertificate"),
			want:     queryRequest{Action: iamspec.OpUpload, AccessKeyID: "AKIDEXAMPLE", Body: []byte("CertificateBody=%zz&Action=UploadSigningCertificate"), Params: url.Values{"Action": {iamspec.OpUpload}}},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "body too large",
			req:      form("Action=UploadSigningCertificate&CertificateBody=" + strings.Repeat("A", maxRequestBytes)),
			want:     queryRequest{AccessKeyID: "AKIDEXAMPLE", Params: url.Values{}, Early: true},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name: "body read error",
			req: func() *http.Request {
				r := form("")
				r.Body = io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF))
				return r
			}(),
			want:     queryRequest{AccessKeyID: "AKIDEXAMPLE", Params: url.Values{}, Early: true},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "PUT",
			req:      httptest.NewRequest(http.MethodPut, "/?Action=ListSigningCertificates", nil),
			want:     queryRequest{Params: url.Values{}, Early: true},
			wantCode: codeMethodNotAllowed,
		},
		{
			name:     "nil request",
			req:      nil,
			want:     queryRequest{Params: url.Values{}, Early: true},
			wantCode: codeInvalidQueryParameter,
		},
		{
			name:     "bare request without URL, header or body",
			req:      &http.Request{},
			want:     queryRequest{Params: url.Values{}},
			wantCode: codeMissingAction,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRequest(tt.req)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeRequest (-want +got):\n%s", diff)
			}
			code := ""
			if err != nil {
				code = err.Code
			}
			if code != tt.wantCode {
				t.Errorf("error %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestAccessKeyID(t *testing.T) {
	tests := map[string]string{
		testAuth: "AKIDEXAMPLE",
		"AWS4-HMAC-SHA256 Credential=AKIASIGCERTTEST/x":                  "AKIASIGCERTTEST",
		"AWS4-HMAC-SHA256 SignedHeaders=host,Credential=K/x,Signature=1": "K",
		"AWS4-HMAC-SHA256\tCredential=K/x":                               "K",
		"":                                                               "",
		"AWS4-HMAC-SHA256":                                               "",
		"AWS4-HMAC-SHA256Credential=K/x":                                 "",
		"AWS4-HMAC-SHA256 Credential=K":                                  "",
		"AWS4-HMAC-SHA256 Credential=/x":                                 "",
		"AWS AKIDEXAMPLE:signature":                                      "",
		"Bearer Credential=K/x":                                          "",
	}
	for header, want := range tests {
		if got := accessKeyID(header); got != want {
			t.Errorf("accessKeyID(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestListInputMaxItems(t *testing.T) {
	for _, tt := range []struct {
		in       string
		want     int
		wantCode string
	}{
		{"1", 1, ""},
		{"1000", 1000, ""},
		{"-5", -5, ""},
		{"99999999999999999999999", int(^uint(0) >> 1), ""}, // clamped; the model refuses it
		{"", 0, iamspec.CodeValidationError},
		{"ten", 0, iamspec.CodeValidationError},
	} {
		in, err := listInput(url.Values{"MaxItems": {tt.in}})
		if tt.wantCode != "" {
			if err == nil || err.Code != tt.wantCode {
				t.Errorf("MaxItems %q: error %v, want %s", tt.in, err, tt.wantCode)
			}
			continue
		}
		if err != nil || in.MaxItems == nil || *in.MaxItems != tt.want {
			t.Errorf("MaxItems %q: %v, %v; want %d", tt.in, in.MaxItems, err, tt.want)
		}
	}
}

// TestEscaping checks the raw XML: markup characters escaped, CR and LF as
// character references so that XML's end-of-line handling cannot fold CRLF.
func TestEscaping(t *testing.T) {
	var d xmlDoc
	d.text("CertificateBody", "a<b>&c\"'\r\n\té\x00")
	want := "<CertificateBody>a&lt;b&gt;&amp;c&#34;&#39;&#xD;&#xA;&#x9;é\uFFFD</CertificateBody>"
	if got := d.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var v string
	if err := xml.Unmarshal(d.Bytes(), &v); err != nil || v != "a<b>&c\"'\r\n\té\uFFFD" {
		t.Errorf("decoded %q, %v", v, err)
	}
}

// FuzzDecodeRequest feeds arbitrary requests to decodeRequest and to the
// whole handler: neither may panic, and every answer must be one of IAM's
// XML documents with a request id and a status below 500.
func FuzzDecodeRequest(f *testing.F) {
	f.Add("POST", "application/x-www-form-urlencoded", testAuth, "Action=UploadSigningCertificate&CertificateBody=-----BEGIN+CERTIFICATE-----%0A&UserName=Bob", "")
	f.Add("POST", "application/x-www-form-urlencoded", testAuth, "Action=ListSigningCertificates&MaxItems=1&Marker=%FF", "Version=2010-05-08")
	f.Add("POST", "application/x-www-form-urlencoded; charset=utf-8", "AWS4-HMAC-SHA256 Credential=AKIASIGCERTTEST/x", "Action=UpdateSigningCertificate&CertificateId=AAAAAAAAAAAAAAAAAAAAAAAAAAAA&Status=Inactive", "")
	f.Add("GET", "", "AWS4-HMAC-SHA256 Credential=AKIASIGCERTTEST/x", "", "Action=DeleteSigningCertificate&CertificateId=%00%zz;x")
	f.Add("PUT", "text/plain", "garbage", "\xff\xfe", "%")
	f.Add("POST", "multipart/form-data; boundary=x", "", "--x--", "Action=Nope&UserName=%C3%A9")
	// One handler for all inputs, called directly, without a network.
	srv := NewUnstartedServer("Bob")
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, method, contentType, authorization, body, rawQuery string) {
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{"Content-Type": {contentType}, "Authorization": {authorization}},
			Body:   io.NopCloser(strings.NewReader(body)),
		}
		q, _ := decodeRequest(r)
		if q.Params == nil {
			t.Fatal("nil Params")
		}

		r.Body = io.NopCloser(strings.NewReader(body))
		w := httptest.NewRecorder()
		srv.serveHTTP(w, r)
		if w.Header().Get(headerRequestID) == "" {
			t.Fatal("no request id header")
		}
		var doc struct {
			XMLName xml.Name
			Code    string `xml:"Error>Code"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatalf("answer is not XML: %v\n%s", err, w.Body.Bytes())
		}
		if w.Code >= 500 {
			// No fault is injected here: a 5xx would be the fake's own.
			t.Fatalf("status %d (%s) for a request with no fault injected", w.Code, doc.Code)
		}
		if w.Code == http.StatusOK {
			if doc.XMLName.Local != q.Action+"Response" {
				t.Fatalf("200 with root %s for Action %q", doc.XMLName.Local, q.Action)
			}
		} else if doc.XMLName.Local != "ErrorResponse" || doc.Code == "" {
			t.Fatalf("status %d with root %s, code %q", w.Code, doc.XMLName.Local, doc.Code)
		}
	})
}
