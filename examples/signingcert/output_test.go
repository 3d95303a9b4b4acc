package main

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
)

func TestAWSTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	for _, tt := range []struct {
		in   time.Time
		want string
	}{
		{time.Time{}, ""},
		{time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), "2026-11-22T09:00:00+00:00"},
		{time.Date(2015, 6, 6, 21, 40, 8, 121e6, time.UTC), "2015-06-06T21:40:08.121000+00:00"},
		{time.Date(2015, 6, 6, 21, 40, 8, 999, time.UTC), "2015-06-06T21:40:08+00:00"}, // below a microsecond, as Python
		{time.Date(2026, 1, 1, 0, 30, 0, 1000, cet), "2025-12-31T23:30:00.000001+00:00"},
	} {
		if got := awsTime(tt.in); got != tt.want {
			t.Errorf("awsTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func sampleCert(c *certgen.Cert) *sigcert.Certificate {
	x := c.X509
	return &sigcert.Certificate{
		UserName:        "Bob",
		CertificateID:   "TA7SMP42TDN5Z26OBPJE7EXAMPLE",
		CertificateBody: c.PEM,
		Status:          types.StatusTypeActive,
		UploadDate:      time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC),
		X509:            x,
		Fingerprint:     sigcert.Fingerprint(x),
	}
}

func TestWriteCertificateJSONIsTheAWSCLIShape(t *testing.T) {
	c := sampleCert(certgen.Valid())
	c.CertificateBody = "-----BEGIN CERTIFICATE-----\nA<&>B\n-----END CERTIFICATE-----\n"
	var b bytes.Buffer
	if err := writeCertificate(&b, &outFlags{output: outJSON}, c); err != nil {
		t.Fatal(err)
	}
	want := `{
    "Certificate": {
        "UserName": "Bob",
        "CertificateId": "TA7SMP42TDN5Z26OBPJE7EXAMPLE",
        "CertificateBody": "-----BEGIN CERTIFICATE-----\nA<&>B\n-----END CERTIFICATE-----\n",
        "Status": "Active",
        "UploadDate": "2026-11-22T09:00:00+00:00"
    }
}
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("json output (-want +got):\n%s", diff)
	}
}

func TestWriteListJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeList(&b, &outFlags{output: outJSON}, nil); err != nil {
		t.Fatal(err)
	}
	// As testdata/aws-cli/list-empty.json: no IsTruncated.
	want := "{\n    \"Certificates\": []\n}\n"
	if b.String() != want {
		t.Errorf("empty list = %q, want %q", b.String(), want)
	}
	c := sampleCert(certgen.Valid())
	c.UploadDate = time.Time{} // IAM omitted it: so does the output
	b.Reset()
	if err := writeList(&b, &outFlags{output: outJSON}, []*sigcert.Certificate{c}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "UploadDate") {
		t.Errorf("a missing UploadDate is printed:\n%s", b.String())
	}
}

func TestTableRows(t *testing.T) {
	gen := certgen.New(certgen.Options{CommonName: "bob\tsigner\nx\u202etxt.exe"})
	good := sampleCert(gen)
	bad := &sigcert.Certificate{
		UserName: "Bob", CertificateID: "ASCABADBODYBADBODYBADBODY", CertificateBody: "garbage",
		Status: types.StatusTypeInactive, ParseError: errors.New("no PEM CERTIFICATE block"),
	}
	var table bytes.Buffer
	if err := writeList(&table, &outFlags{output: outTable}, []*sigcert.Certificate{good, bad}); err != nil {
		t.Fatal(err)
	}
	tl := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	if len(tl) != 3 || !strings.HasPrefix(tl[0], "USER") || !strings.Contains(tl[0], "SHA-256") {
		t.Fatalf("table:\n%s", table.String())
	}
	// Columns line up: the fingerprint starts at the same column as its header.
	if col := strings.Index(tl[0], "SHA-256"); strings.Index(tl[1], good.Fingerprint) != col {
		t.Errorf("fingerprint not under its header:\n%s", table.String())
	}
	if !strings.Contains(tl[1], `CN=bob\tsigner\nx\u202etxt.exe`) || !strings.Contains(tl[2], "unparsable: no PEM CERTIFICATE block") {
		t.Errorf("subjects not escaped or missing:\n%s", table.String())
	}
	if strings.Contains(table.String(), "BEGIN") || strings.Contains(table.String(), "garbage") {
		t.Errorf("table shows a certificate body:\n%s", table.String())
	}
}

func TestTextLayoutIsTheAWSCLIs(t *testing.T) {
	c := sampleCert(certgen.Valid())
	c.CertificateBody = "-----BEGIN CERTIFICATE-----\nAB\x1b[31m\n-----END CERTIFICATE-----\n"
	c.UserName = "Bob\u202e"
	var b bytes.Buffer
	if err := writeList(&b, &outFlags{output: outText}, []*sigcert.Certificate{c, c}); err != nil {
		t.Fatal(err)
	}
	// Sorted keys after the upper-cased list key; the body's newlines kept,
	// as the AWS CLI prints them (testdata/aws-cli/list.txt); ESC and bidi
	// escaped.
	line := "CERTIFICATES\t-----BEGIN CERTIFICATE-----\nAB\\x1b[31m\n-----END CERTIFICATE-----\n\tTA7SMP42TDN5Z26OBPJE7EXAMPLE\tActive\t2026-11-22T09:00:00+00:00\tBob\\u202e\n"
	if diff := cmp.Diff(line+line, b.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	b.Reset()
	if err := writeList(&b, &outFlags{output: outText}, nil); err != nil || b.Len() != 0 {
		t.Errorf("empty list in text: %q, %v; the AWS CLI prints nothing", b.String(), err)
	}
}

func TestQueryKeepsKeyOrder(t *testing.T) {
	c := sampleCert(certgen.Valid())
	for _, tt := range []struct{ query, output, want string }{
		{"Certificates[].{S:Status,Id:CertificateId}", outJSON, "[\n    {\n        \"S\": \"Active\",\n        \"Id\": \"TA7SMP42TDN5Z26OBPJE7EXAMPLE\"\n    }\n]\n"},
		{"Certificates[].{S:Status,Id:CertificateId}", outText, "TA7SMP42TDN5Z26OBPJE7EXAMPLE\tActive\n"},
		{"Certificates[0].[Status,UserName]", outText, "Active\tBob\n"},
		{"Certificates[0].{\"b-key\":Status,a:UserName}", outJSON, "{\n    \"b-key\": \"Active\",\n    \"a\": \"Bob\"\n}\n"},
		{"length(Certificates)", outJSON, "1\n"},
		{"Certificates[0]", outJSON, "{\n    \"UserName\": \"Bob\",\n    \"CertificateId\": \"TA7SMP42TDN5Z26OBPJE7EXAMPLE\",\n"},
		{"Certificates[?Status=='Inactive']", outJSON, "[]\n"},
	} {
		o := &outFlags{output: tt.output, query: tt.query}
		if err := o.check(); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := writeList(&b, o, []*sigcert.Certificate{c}); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), tt.want) {
			t.Errorf("--query %s --output %s:\n%s\nwant prefix\n%s", tt.query, tt.output, b.String(), tt.want)
		}
	}
}

func TestSubjectEmpty(t *testing.T) {
	if got := subject(&x509.Certificate{Subject: pkix.Name{}}); got != "(empty subject)" {
		t.Errorf("subject = %q", got)
	}
}

func TestWriteRotation(t *testing.T) {
	gen := certgen.Valid()
	fresh := sampleCert(gen)
	old := sampleCert(certgen.Valid())
	old.CertificateID, old.Status = "ASCAOLDOLDOLDOLDOLDOLDOLD", types.StatusTypeInactive
	r := &sigcert.Rotation{
		New: fresh,
		Steps: []sigcert.Step{
			{Action: sigcert.ActionUpload, CertificateID: fresh.CertificateID, Why: "the new certificate"},
			{Action: sigcert.ActionDeactivate, CertificateID: old.CertificateID, Why: "retire the previous certificate"},
		},
		Certificates: []*sigcert.Certificate{old, fresh},
	}
	var b bytes.Buffer
	if err := writeRotation(&b, &outFlags{output: outText}, r); err != nil {
		t.Fatal(err)
	}
	// The AWS CLI's text layout of the document: the new certificate,
	// then each list under its key.
	for _, want := range []string{
		"CERTIFICATE\t",
		"\nSTEPS\tupload\tTA7SMP42TDN5Z26OBPJE7EXAMPLE\tthe new certificate\n",
		"\nSTEPS\tdeactivate\tASCAOLDOLDOLDOLDOLDOLDOLD\tretire the previous certificate\n",
		"\tASCAOLDOLDOLDOLDOLDOLDOLD\tInactive\t",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rotation text lacks %q:\n%s", want, b.String())
		}
	}

	// A rerun with nothing to do prints an empty Steps list, not null.
	b.Reset()
	if err := writeRotation(&b, &outFlags{output: outJSON}, &sigcert.Rotation{New: fresh, Certificates: []*sigcert.Certificate{fresh}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"Steps": []`) {
		t.Errorf("json rotation without steps:\n%s", b.String())
	}
}

func TestEscapeText(t *testing.T) {
	in := "a\tb\nc\rd\x1be\u0085f\u202eg\u2066h\xffi\u2028j"
	if got, want := oneLine(in), `a\tb\nc\rd\x1be\x85f\u202eg\u2066h\xffi\u2028j`; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
	if got := escapeText("x\ny\x07", true); got != "x\ny\\x07" {
		t.Errorf("escapeText keeping newlines = %q", got)
	}
	if got := quoteShort("AKIAabcdefghijklmnopqrstuvwxyz"); got != `"AKIAabcdefghijkl"…` {
		t.Errorf("quoteShort = %s", got)
	}
	if got := quoteShort("x\u202ey"); got != `"x\u202ey"` {
		t.Errorf("quoteShort bidi = %s", got)
	}
	// A file name that is not UTF-8 was printed raw: byte 0x9b is CSI on a
	// terminal that reads 8-bit controls, so "\x9b2J" clears the screen.
	if got := printable("x\x9b2J.pem"); got != `"x\x9b2J.pem"` {
		t.Errorf("printable of a name that is not UTF-8 = %s", got)
	}
	if got := printable("ünïcode name.pem"); got != "ünïcode name.pem" {
		t.Errorf("printable of a printable UTF-8 name = %s", got)
	}
}
