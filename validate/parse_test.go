package validate_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/validate"
)

// testClock is the tests' fixed current time: inside the window of every
// stored certificate but the expired one.
var testClock = validate.CertificateOptions{CurrentTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}

// readX509 returns a certificate of testdata/x509 (see its README).
func readX509(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "x509", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParseAcceptsWhatGoRejects: one certificate of each kind crypto/x509
// refuses but OpenSSL makes and reads. Parse accepts each, with X509 nil,
// X509Error naming Go's reason, the DER of the body and the window read
// from it; Certificate keeps refusing them, pointing to Parse.
func TestParseAcceptsWhatGoRejects(t *testing.T) {
	for _, tc := range []struct {
		file, goSays string
		notAfter     time.Time
	}{
		{"negative-serial.pem", "negative serial number", time.Time{}},
		{"secp256k1.pem", "unsupported elliptic curve", time.Time{}},
		{"brainpool.pem", "unsupported elliptic curve", time.Time{}},
		{"printable-at.pem", "PrintableString", time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"printable-underscore.pem", "PrintableString", time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"universalstring.pem", "", time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"uri-san.pem", "cannot parse URI", time.Time{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := readX509(t, tc.file)
			block, _ := pem.Decode([]byte(body))
			if _, err := x509ParseFails(block.Bytes); err == nil {
				t.Fatal("crypto/x509 now parses this certificate: the test needs another")
			}
			p, err := validate.Parse(body, testClock)
			if err != nil {
				t.Fatalf("Parse refused it: %v", err)
			}
			if p.X509 != nil || !bytes.Equal(p.DER, block.Bytes) {
				t.Errorf("X509 = %v, DER equal: %v", p.X509, bytes.Equal(p.DER, block.Bytes))
			}
			if !errors.Is(p.X509Error, validate.ErrX509Unsupported) || !strings.Contains(p.X509Error.Error(), tc.goSays) {
				t.Errorf("X509Error = %v, want ErrX509Unsupported naming %q", p.X509Error, tc.goSays)
			}
			if p.NotBefore.IsZero() || !p.NotAfter.After(p.NotBefore) || !tc.notAfter.IsZero() && !p.NotAfter.Equal(tc.notAfter) {
				t.Errorf("window %v .. %v", p.NotBefore, p.NotAfter)
			}
			noEcho(t, p.X509Error.Error(), body)

			_, err = validate.Certificate(body, testClock)
			if !errors.Is(err, validate.ErrUnparsable) || !strings.Contains(err.Error(), "validate.Parse accepts") {
				t.Errorf("Certificate = %v, want ErrUnparsable pointing to Parse", err)
			}
			if err := validate.NoPrivateKey(body); err != nil {
				t.Errorf("NoPrivateKey = %v", err)
			}
		})
	}
}

// TestParseExpiredFromDER: the window of a certificate Go refuses comes from
// its DER, and is checked.
func TestParseExpiredFromDER(t *testing.T) {
	body := readX509(t, "expired-printable-underscore.pem")
	_, err := validate.Parse(body, testClock)
	if !errors.Is(err, validate.ErrExpired) || !strings.Contains(err.Error(), "2001-12-31T23:59:59Z") {
		t.Fatalf("Parse = %v, want ErrExpired at 2001-12-31T23:59:59Z", err)
	}
	p, err := validate.Parse(body, validate.CertificateOptions{CurrentTime: time.Date(2001, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || p.X509 != nil {
		t.Fatalf("inside its window: Parse = %v, %v", p, err)
	}
	_, err = validate.Parse(body, validate.CertificateOptions{CurrentTime: time.Date(2000, 6, 1, 0, 0, 0, 0, time.UTC)})
	if !errors.Is(err, validate.ErrNotYetValid) {
		t.Fatalf("before its window: Parse = %v, want ErrNotYetValid", err)
	}
}

// TestParseRefusesBrokenDER: DER that is not a certificate is refused even
// when Go's refusal would be forgiven: every cut of a stored certificate,
// and a few changes to its structure.
func TestParseRefusesBrokenDER(t *testing.T) {
	body := readX509(t, "printable-underscore.pem")
	block, _ := pem.Decode([]byte(body))
	der := block.Bytes
	broken := map[string][]byte{
		"trailing byte":  append(append([]byte{}, der...), 0),
		"not a SEQUENCE": append([]byte{0x31}, der[1:]...),
	}
	for cut := 1; cut < len(der); cut += 7 {
		broken["cut at "+strconv.Itoa(cut)] = der[:cut]
	}
	for name, d := range broken {
		_, err := validate.Parse(pemBlock("CERTIFICATE", d, nil), testClock)
		if !errors.Is(err, validate.ErrUnparsable) {
			t.Errorf("%s: Parse = %v, want ErrUnparsable", name, err)
		}
	}
}

// TestParseAgreesWithCertificate: for what crypto/x509 parses, Parse
// accepts what Certificate accepts, with the same certificate and window,
// in every layout.
func TestParseAgreesWithCertificate(t *testing.T) {
	for _, k := range []certgen.KeyType{certgen.RSA2048, certgen.ECDSAP256, certgen.Ed25519} {
		c := certgen.New(certgen.Options{Key: k})
		for layout, body := range certLayouts(c) {
			cert, cerr := validate.Certificate(body, validate.CertificateOptions{})
			p, perr := validate.Parse(body, validate.CertificateOptions{})
			if (cerr == nil) != (perr == nil) || cerr != nil && !errors.Is(perr, errors.Unwrap(cerr)) {
				t.Errorf("%v %s: Certificate %v, Parse %v", k, layout, cerr, perr)
				continue
			}
			if perr == nil && (p.X509 != cert && !bytes.Equal(p.X509.Raw, cert.Raw) || !p.NotAfter.Equal(c.X509.NotAfter) || !bytes.Equal(p.DER, c.DER)) {
				t.Errorf("%v %s: Parse returned another certificate", k, layout)
			}
		}
	}
}
