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
	if err := writeCertificate(&b, outJSON, c); err != nil {
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
	if err := writeList(&b, outJSON, nil); err != nil {
		t.Fatal(err)
	}
	want := "{\n    \"Certificates\": [],\n    \"IsTruncated\": false\n}\n"
	if b.String() != want {
		t.Errorf("empty list = %q, want %q", b.String(), want)
	}
	c := sampleCert(certgen.Valid())
	c.UploadDate = time.Time{} // IAM omitted it: so does the output
	b.Reset()
	if err := writeList(&b, outJSON, []*sigcert.Certificate{c}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "UploadDate") {
		t.Errorf("a missing UploadDate is printed:\n%s", b.String())
	}
}

func TestTextAndTableRows(t *testing.T) {
	gen := certgen.New(certgen.Options{CommonName: "bob\tsigner\nx"})
	good := sampleCert(gen)
	bad := &sigcert.Certificate{
		UserName: "Bob", CertificateID: "ASCABADBODYBADBODYBADBODY", CertificateBody: "garbage",
		Status: types.StatusTypeInactive, ParseError: errors.New("no PEM CERTIFICATE block"),
	}
	certs := []*sigcert.Certificate{good, bad}

	var text bytes.Buffer
	if err := writeList(&text, outText, certs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	want := [][]string{
		{"Bob", "TA7SMP42TDN5Z26OBPJE7EXAMPLE", "Active", "2026-11-22T09:00:00Z", good.Fingerprint,
			gen.X509.NotAfter.UTC().Format(time.RFC3339), "CN=bob?signer?x,O=signingcert tests"},
		{"Bob", "ASCABADBODYBADBODYBADBODY", "Inactive", "-", "-", "-", "unparsable: no PEM CERTIFICATE block"},
	}
	var got [][]string
	for _, l := range lines {
		got = append(got, strings.Split(l, "\t"))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("text rows (-want +got):\n%s", diff)
	}

	var table bytes.Buffer
	if err := writeList(&table, outTable, certs); err != nil {
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

	for name, out := range map[string]string{"text": text.String(), "table": table.String()} {
		if strings.Contains(out, "BEGIN") || strings.Contains(out, "garbage") {
			t.Errorf("%s output shows a certificate body:\n%s", name, out)
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
	if err := writeRotation(&b, outText, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	wantPrefixes := []string{
		"STEP\tupload\tTA7SMP42TDN5Z26OBPJE7EXAMPLE\tthe new certificate",
		"STEP\tdeactivate\tASCAOLDOLDOLDOLDOLDOLDOLD\tretire the previous certificate",
		"CERTIFICATE\tBob\tASCAOLDOLDOLDOLDOLDOLDOLD\tInactive\t",
		"CERTIFICATE\tBob\tTA7SMP42TDN5Z26OBPJE7EXAMPLE\tActive\t",
	}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("rotation text:\n%s", b.String())
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], p)
		}
	}

	// A rerun with nothing to do prints an empty Steps list, not null.
	b.Reset()
	if err := writeRotation(&b, outJSON, &sigcert.Rotation{New: fresh, Certificates: []*sigcert.Certificate{fresh}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"Steps": []`) {
		t.Errorf("json rotation without steps:\n%s", b.String())
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a\tb\nc\rd\x1be\u0085f\ufffd"); got != "a?b?c?d?e?f?" {
		t.Errorf("oneLine = %q", got)
	}
}
