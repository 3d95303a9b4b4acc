package validate_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/validate"
)

func refused(reason error, offset int) *refusal {
	return &refusal{Field: bodyField, Reason: reason, Offset: offset}
}

func pemBlock(typ string, der []byte, headers map[string]string) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der}))
}

// pemLines splits a PEM block into its BEGIN line, base64 lines and END line.
func pemLines(p string) (begin string, body []string, end string) {
	l := strings.Split(strings.TrimSuffix(p, "\n"), "\n")
	return l[0], l[1 : len(l)-1], l[len(l)-1]
}

// keyBlocks returns private keys in every PEM form people paste, by name.
func keyBlocks(t *testing.T) map[string]string {
	t.Helper()
	rsaCert := certgen.Valid()
	ecCert := certgen.New(certgen.Options{Key: certgen.ECDSAP256})
	parse := func(c *certgen.Cert) any {
		b, _ := pem.Decode([]byte(c.KeyPEM))
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ecDER, err := x509.MarshalECPrivateKey(parse(ecCert).(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	rsaDER := x509.MarshalPKCS1PrivateKey(parse(rsaCert).(*rsa.PrivateKey))
	pkcs8, _ := pem.Decode([]byte(rsaCert.KeyPEM))
	return map[string]string{
		"PKCS#8":            rsaCert.KeyPEM,
		"PKCS#8 EC":         ecCert.KeyPEM,
		"RSA PRIVATE KEY":   pemBlock("RSA PRIVATE KEY", rsaDER, nil),
		"EC PRIVATE KEY":    pemBlock("EC PRIVATE KEY", ecDER, nil),
		"legacy encrypted":  pemBlock("RSA PRIVATE KEY", rsaDER, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,0123456789ABCDEF0123456789ABCDEF"}),
		"ENCRYPTED PKCS#8":  pemBlock("ENCRYPTED PRIVATE KEY", pkcs8.Bytes, nil),
		"OPENSSH":           pemBlock("OPENSSH PRIVATE KEY", append([]byte("openssh-key-v1\x00"), rsaDER...), nil),
		"PGP":               pemBlock("PGP PRIVATE KEY BLOCK", rsaDER[:600], nil),
		"PKCS#8 CRLF":       strings.ReplaceAll(rsaCert.KeyPEM, "\n", "\r\n"),
		"PKCS#8 unfinished": strings.Join(strings.Split(rsaCert.KeyPEM, "\n")[:5], "\n"),
	}
}

// noEcho fails the test if msg holds any line of body long enough to be
// distinctive (PEM armour lines aside, which messages name on purpose).
func noEcho(t *testing.T, msg, body string) {
	t.Helper()
	for _, line := range strings.FieldsFunc(body, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if len(line) < 12 || strings.Contains(line, "-----") {
			continue
		}
		for i := 0; i+12 <= len(line); i += 6 {
			if strings.Contains(msg, line[i:i+12]) {
				t.Errorf("message quotes the body (%q): %s", line[i:i+12], msg)
				return
			}
		}
	}
}

func TestCertificateAccepts(t *testing.T) {
	for _, k := range certgen.KeyTypes() {
		c := certgen.New(certgen.Options{Key: k, CommonName: "Bob " + k.String()})
		for name, body := range map[string]string{
			"PEM":                 c.PEM,
			"CRLF":                c.CRLF(),
			"no final newline":    strings.TrimSuffix(c.PEM, "\n"),
			"surrounding spaces":  " \t\r\n\n" + c.PEM + "\n \t\r\n",
			"CRLF and whitespace": "\r\n" + c.CRLF() + "\r\n\r\n",
			"trailing spaces":     strings.ReplaceAll(c.PEM, "\n", "  \n"),
		} {
			t.Run(k.String()+"/"+name, func(t *testing.T) {
				got, err := validate.Certificate(body, validate.CertificateOptions{})
				if err != nil {
					t.Fatalf("Certificate refused a fresh %v certificate: %v", k, err)
				}
				if got == nil || !bytes.Equal(got.Raw, c.DER) {
					t.Fatal("Certificate did not return the body's certificate")
				}
				if got.Subject.CommonName != "Bob "+k.String() {
					t.Errorf("CommonName = %q", got.Subject.CommonName)
				}
				if err := validate.NoPrivateKey(body); err != nil {
					t.Errorf("NoPrivateKey: %v", err)
				}
			})
		}
	}
}

func TestCertificateRefuses(t *testing.T) {
	c := certgen.Valid()
	begin, b64, end := pemLines(c.PEM)
	join := func(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
	b64s := strings.Join(b64, "\n")
	chain := c.ChainOfTwo()

	pub, err := x509.MarshalPKIXPublicKey(c.X509.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	badB64 := append([]string(nil), b64...)
	badB64[1] = badB64[1][:10] + "!" + badB64[1][11:]
	truncated := join(append([]string{begin}, b64[:len(b64)/2]...)...)
	badDER := pemBlock("CERTIFICATE", []byte("this is not DER at all"), nil)
	endWithJunk := strings.Replace(c.PEM, end, end+" x", 1)
	huge := c.PEM + strings.Repeat(" ", 40000)

	cases := []struct {
		name string
		body string
		want *refusal
	}{
		{"expired", certgen.Expired().PEM, refused(validate.ErrExpired, -1)},
		{"not yet valid", certgen.NotYetValid().PEM, refused(validate.ErrNotYetValid, -1)},

		{"key appended", c.WithKeyAppended(), refused(validate.ErrPrivateKey, len(c.PEM))},
		{"key appended, CRLF", c.CRLF() + strings.ReplaceAll(c.KeyPEM, "\n", "\r\n"), refused(validate.ErrPrivateKey, len(c.CRLF()))},
		{"key named in prose", c.PEM + "note: the PRIVATE KEY is elsewhere\n", refused(validate.ErrPrivateKey, len(c.PEM))},

		{"chain of two", chain, refused(validate.ErrMultipleCertificates, strings.LastIndex(chain, "-----BEGIN"))},
		{"same certificate twice", c.PEM + "\n" + c.PEM, refused(validate.ErrMultipleCertificates, len(c.PEM)+1)},
		{"trailing junk", c.PEM + "junk\n", refused(validate.ErrTrailingData, len(c.PEM))},
		{"trailing junk after whitespace", c.PEM + "\n \t x", refused(validate.ErrTrailingData, len(c.PEM)+4)},
		{"certificate request after", c.PEM + pemBlock("CERTIFICATE REQUEST", []byte("csr"), nil), refused(validate.ErrTrailingData, len(c.PEM))},
		{"public key after", c.PEM + pemBlock("PUBLIC KEY", pub, nil), refused(validate.ErrTrailingData, len(c.PEM))},
		{"text before", c.TextBefore(), refused(validate.ErrLeadingData, 0)},
		{"text before, after whitespace", " \r\n\tBob:" + c.PEM, refused(validate.ErrLeadingData, 4)},
		{"BOM before", "\ufeff" + c.PEM, refused(validate.ErrLeadingData, 0)},
		{"BEGIN not at the start of its line", "x" + c.PEM, refused(validate.ErrLeadingData, 0)},

		{"cert.pem", "cert.pem", refused(validate.ErrFilePath, -1)},
		{"./certs/bob.crt", "./certs/bob.crt", refused(validate.ErrFilePath, -1)},
		{"/etc/ssl/x.pem", "/etc/ssl/x.pem", refused(validate.ErrFilePath, -1)},
		{"file://cert.pem", "file://cert.pem", refused(validate.ErrFilePath, -1)},
		{"fileb://cert.der", "fileb://cert.der", refused(validate.ErrFilePath, -1)},
		{"~/bob.cer", "~/bob.cer", refused(validate.ErrFilePath, -1)},
		{`C:\certs\bob.pem`, `C:\certs\bob.pem`, refused(validate.ErrFilePath, -1)},
		{"path with newline", "cert.pem\n", refused(validate.ErrFilePath, -1)},

		{"empty", "", refused(validate.ErrNoPEM, -1)},
		{"whitespace only", " \n\t\r\n", refused(validate.ErrNoPEM, -1)},
		{"IAM's example", "invalid-certificate-body", refused(validate.ErrNoPEM, -1)},
		{"base64 without armour", b64s, refused(validate.ErrNoPEM, -1)},
		{"16384-character line", strings.Repeat("Q", 16384), refused(validate.ErrNoPEM, -1)},
		{"16384-character line starting with /", "/" + strings.Repeat("Q", 16383), refused(validate.ErrNoPEM, -1)},

		{"headers", join(begin, "Comment: Bob", "", b64s, end), refused(validate.ErrPEMHeaders, 0)},
		// DEK-Info marks a block encrypted the way OpenSSL encrypted keys:
		// under any label, it is a key.
		{"encryption headers", join(begin, "Proc-Type: 4,ENCRYPTED", "DEK-Info: DES-CBC,0123456789ABCDEF", "", b64s, end),
			refused(validate.ErrPrivateKey, len(begin+"\nProc-Type: 4,ENCRYPTED\n"))},
		{"invalid base64", join(append(append([]string{begin}, badB64...), end)...), refused(validate.ErrMalformedPEM, 0)},
		{"truncated, no END", truncated, refused(validate.ErrMalformedPEM, 0)},
		{"truncated, BEGIN only", begin + "\n", refused(validate.ErrMalformedPEM, 0)},
		{"END without BEGIN", join(b64s, end), refused(validate.ErrMalformedPEM, len(b64s)+1)},
		{"END of another type", join(begin, b64s, "-----END PUBLIC KEY-----"), refused(validate.ErrMalformedPEM, 0)},
		{"junk on the END line", endWithJunk, refused(validate.ErrMalformedPEM, 0)},
		{"nested BEGIN", begin + "\n" + c.PEM, refused(validate.ErrMalformedPEM, 0)},
		{"repeated BEGIN then END", join(begin, begin, b64s, end), refused(validate.ErrMalformedPEM, 0)},
		{"truncated block then a good one", truncated + c.PEM, refused(validate.ErrMalformedPEM, 0)},
		{"bad base64 block then a good one", join(append(append([]string{begin}, badB64...), end)...) + c.PEM, refused(validate.ErrMalformedPEM, 0)},
		{"leading whitespace, truncated", "\n\n" + truncated, refused(validate.ErrMalformedPEM, 2)},

		{"PUBLIC KEY", pemBlock("PUBLIC KEY", pub, nil), refused(validate.ErrNotCertificate, 0)},
		{"PUBLIC KEY after whitespace", "\n\n" + pemBlock("PUBLIC KEY", pub, nil), refused(validate.ErrNotCertificate, 2)},
		{"unknown type", pemBlock("ZQXJ MARKER", c.DER, nil), refused(validate.ErrNotCertificate, 0)},
		{"TRUSTED CERTIFICATE", pemBlock("TRUSTED CERTIFICATE", c.DER, nil), refused(validate.ErrNotCertificate, 0)},

		{"not DER", badDER, refused(validate.ErrUnparsable, 0)},
		{"not DER after whitespace", "\r\n" + badDER, refused(validate.ErrUnparsable, 2)},
		{"empty block", join(begin, end), refused(validate.ErrUnparsable, 0)},
		{"DER cut short", pemBlock("CERTIFICATE", c.DER[:len(c.DER)-10], nil), refused(validate.ErrUnparsable, 0)},

		{"too long", huge, refused(validate.ErrTooLong, -1)},
	}
	for name, key := range keyBlocks(t) {
		cases = append(cases,
			struct {
				name string
				body string
				want *refusal
			}{"key alone: " + name, key, refused(validate.ErrPrivateKey, 0)},
			struct {
				name string
				body string
				want *refusal
			}{"key before the certificate: " + name, key + c.PEM, refused(validate.ErrPrivateKey, 0)},
			struct {
				name string
				body string
				want *refusal
			}{"key after the certificate: " + name, c.PEM + "\n" + key, refused(validate.ErrPrivateKey, len(c.PEM)+1)},
			struct {
				name string
				body string
				want *refusal
			}{"key after a label: " + name, "my key:\n" + key, refused(validate.ErrPrivateKey, 8)},
		)
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := validate.Certificate(tc.body, validate.CertificateOptions{ClockSkew: validate.DefaultClockSkew})
			if diff := cmp.Diff(tc.want, asRefusal(err), errorOpts); diff != "" {
				t.Fatalf("Certificate: wrong refusal (-want +got):\n%s", diff)
			}
			if got != nil {
				t.Error("Certificate returned a certificate with its refusal")
			}
			if validate.IsConstraint(err) != (tc.want.Reason == validate.ErrTooLong) {
				t.Errorf("IsConstraint(%v) is wrong", err)
			}
			msg := err.Error()
			noEcho(t, msg, tc.body)
			if strings.Contains(msg, "ZQXJ") {
				t.Errorf("message names the block's own type: %s", msg)
			}
			if tc.want.Reason == validate.ErrFilePath && !strings.Contains(msg, "file://") {
				t.Errorf("a file-path refusal should mention file://: %s", msg)
			}
			if strings.Contains(tc.body, "PRIVATE KEY") {
				if !validate.IsConstraint(err) && !errors.Is(validate.NoPrivateKey(tc.body), validate.ErrPrivateKey) {
					t.Errorf("NoPrivateKey accepted a body holding a key")
				}
			}
		})
	}
}

func TestCertificateDERBody(t *testing.T) {
	for _, k := range certgen.KeyTypes() {
		c := certgen.New(certgen.Options{Key: k})
		got, err := validate.Certificate(c.DERBody(), validate.CertificateOptions{})
		if err == nil || got != nil {
			t.Errorf("%v: Certificate accepted a raw DER body", k)
			continue
		}
		if r := asRefusal(err); r.Field != bodyField || r.Offset < -1 || r.Offset >= len(c.DER) {
			t.Errorf("%v: refusal %+v is not a *validate.Error for the body", k, r)
		}
	}
}

func TestCertificateValidityWindow(t *testing.T) {
	T := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	expiring := certgen.New(certgen.Options{Key: certgen.ECDSAP256, NotBefore: T.AddDate(-1, 0, 0), NotAfter: T})
	starting := certgen.New(certgen.Options{Key: certgen.ECDSAP256, NotBefore: T, NotAfter: T.AddDate(1, 0, 0)})
	cases := []struct {
		name string
		cert *certgen.Cert
		now  time.Time
		skew time.Duration
		want *refusal
	}{
		{"expired 1m ago, 5m skew", expiring, T.Add(time.Minute), validate.DefaultClockSkew, nil},
		{"expired 1m ago, no skew", expiring, T.Add(time.Minute), 0, refused(validate.ErrExpired, -1)},
		{"expired 1m ago, negative skew", expiring, T.Add(time.Minute), -time.Hour, refused(validate.ErrExpired, -1)},
		{"expired exactly skew ago", expiring, T.Add(5 * time.Minute), 5 * time.Minute, nil},
		{"expired just over skew ago", expiring, T.Add(5*time.Minute + time.Second), 5 * time.Minute, refused(validate.ErrExpired, -1)},
		{"at NotAfter", expiring, T, 0, nil},
		{"1s after NotAfter", expiring, T.Add(time.Second), 0, refused(validate.ErrExpired, -1)},
		{"valid for 1m more", expiring, T.Add(-time.Minute), 0, nil},

		{"starts in 1m, 5m skew", starting, T.Add(-time.Minute), validate.DefaultClockSkew, nil},
		{"starts in 1m, no skew", starting, T.Add(-time.Minute), 0, refused(validate.ErrNotYetValid, -1)},
		{"starts in 1m, negative skew", starting, T.Add(-time.Minute), -time.Hour, refused(validate.ErrNotYetValid, -1)},
		{"starts in 6m, 5m skew", starting, T.Add(-6 * time.Minute), validate.DefaultClockSkew, refused(validate.ErrNotYetValid, -1)},
		{"at NotBefore", starting, T, 0, nil},
		{"in another zone", starting, T.In(time.FixedZone("UTC-8", -8*3600)), 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := validate.Certificate(tc.cert.PEM, validate.CertificateOptions{CurrentTime: tc.now, ClockSkew: tc.skew})
			if diff := cmp.Diff(tc.want, asRefusal(err), errorOpts); diff != "" {
				t.Fatalf("wrong refusal (-want +got):\n%s", diff)
			}
			if err == nil && (got == nil || !bytes.Equal(got.Raw, tc.cert.DER)) {
				t.Error("accepted without returning the certificate")
			}
			if err != nil && !strings.Contains(err.Error(), "2030-01-01T00:00:00Z") {
				t.Errorf("message lacks the certificate's date: %s", err)
			}
		})
	}
}

func TestNoPrivateKey(t *testing.T) {
	c := certgen.Valid()
	if err := validate.NoPrivateKey(c.PEM); err != nil {
		t.Errorf("NoPrivateKey(certificate) = %v", err)
	}
	if err := validate.NoPrivateKey(""); err != nil {
		t.Errorf("NoPrivateKey(\"\") = %v", err)
	}
	for name, key := range keyBlocks(t) {
		body := "Bob's bundle\n" + c.PEM + key
		err := validate.NoPrivateKey(body)
		if diff := cmp.Diff(refused(validate.ErrPrivateKey, len("Bob's bundle\n")+len(c.PEM)), asRefusal(err), errorOpts); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
			continue
		}
		noEcho(t, err.Error(), key)
	}
}

// TestCertificateUnparsableNoEcho: some crypto/x509 messages quote a value
// from the certificate; the refusal must not.
func TestCertificateUnparsableNoEcho(t *testing.T) {
	c := certgen.New(certgen.Options{Key: certgen.ECDSAP256})
	b, _ := pem.Decode([]byte(c.KeyPEM))
	key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		URIs:         []*url.URL{{Scheme: "https", Host: "zqxj-marker..example"}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.(*ecdsa.PrivateKey).Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(der); err == nil || !strings.Contains(err.Error(), "zqxj") {
		t.Fatalf("crypto/x509 no longer quotes the URI (%v): this test needs another certificate", err)
	}
	_, err = validate.Certificate(pemBlock("CERTIFICATE", der, nil), validate.CertificateOptions{})
	if diff := cmp.Diff(refused(validate.ErrUnparsable, 0), asRefusal(err), errorOpts); diff != "" {
		t.Fatalf("wrong refusal (-want +got):\n%s", diff)
	}
	if msg := err.Error(); strings.Contains(msg, "zqxj") || !strings.Contains(msg, "x509: cannot parse URI") {
		t.Errorf("message should keep crypto/x509's words without the value: %s", msg)
	}
}
