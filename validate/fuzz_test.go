package validate_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/validate"
)

// The seeds of these fuzz targets live in testdata/fuzz/<FuzzName>/ and run
// in every go test. Fuzz with, for example:
//
//	go test -run '^$' -fuzz '^FuzzCertificateBody$' -fuzztime 10m ./validate/

// FuzzCertificateBody: CertificateBody agrees with IAM's regexp and length
// rule on every input, reason and offset included, and the fast scanner
// agrees with its reference.
func FuzzCertificateBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body string) {
		got := validate.CertificateBody(body)
		if diff := cmp.Diff(bodyOracle(body), asRefusal(got), errorOpts); diff != "" {
			t.Fatalf("CertificateBody(%q) disagrees with the oracle (-oracle +got):\n%s", body, diff)
		}
		// The scanner goes 16 ASCII bytes a step: put the input after and
		// before such runs too, at an odd offset.
		const run = "-----BEGIN CERTIFICATE-----\nMIIB"
		for _, s := range []string{body, run + body, body + run, run[:9] + body + run} {
			n, bad := validate.ScanBody(s)
			rn, rbad := validate.RefScanBody(s)
			if n != rn || bad != rbad {
				t.Fatalf("scanBody(%q) = %d, %d; reference says %d, %d", s, n, bad, rn, rbad)
			}
			if bad < 0 && n != utf8.RuneCountInString(s) {
				t.Fatalf("scanBody(%q) counts %d characters, utf8 says %d", s, n, utf8.RuneCountInString(s))
			}
		}
		if got != nil && len(body) >= 24 && strings.Contains(got.Error(), body) {
			t.Fatalf("message quotes the body: %s", got)
		}
	})
}

// FuzzUserName: UserName agrees with IAM's regexp and length rule.
func FuzzUserName(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string) {
		if diff := cmp.Diff(userNameOracle(name), asRefusal(validate.UserName(name)), errorOpts); diff != "" {
			t.Fatalf("UserName(%q) disagrees with the oracle (-oracle +got):\n%s", name, diff)
		}
	})
}

var reasons = []error{
	validate.ErrTooLong, validate.ErrFilePath, validate.ErrPrivateKey, validate.ErrNoPEM,
	validate.ErrLeadingData, validate.ErrMalformedPEM, validate.ErrPEMHeaders,
	validate.ErrNotCertificate, validate.ErrMultipleCertificates, validate.ErrTrailingData,
	validate.ErrUnparsable, validate.ErrExpired, validate.ErrNotYetValid,
}

// FuzzCertificate: Certificate never panics, never accepts a body that
// holds a private key, returns a certificate exactly when it accepts, and
// refuses with one of its reasons at an offset inside the body.
func FuzzCertificate(f *testing.F) {
	f.Fuzz(func(t *testing.T, body string) {
		cert, err := validate.Certificate(body, validate.CertificateOptions{ClockSkew: validate.DefaultClockSkew})
		if err == nil {
			if cert == nil {
				t.Fatal("accepted without a certificate")
			}
			if strings.Contains(body, "PRIVATE KEY") {
				t.Fatalf("accepted a body holding PRIVATE KEY: %q", body)
			}
			if strings.Count(body, "-----BEGIN ") != 1 {
				t.Fatalf("accepted a body that is not one PEM block: %q", body)
			}
			return
		}
		if cert != nil {
			t.Fatalf("refused (%v) but returned a certificate", err)
		}
		var e *validate.Error
		if !errors.As(err, &e) {
			t.Fatalf("refusal %v is not a *validate.Error", err)
		}
		known := false
		for _, r := range reasons {
			known = known || e.Reason == r
		}
		if !known {
			t.Fatalf("refusal %v has an unknown reason", err)
		}
		if e.Offset < -1 || e.Offset >= len(body) {
			t.Fatalf("refusal %v: offset %d outside the %d-byte body", err, e.Offset, len(body))
		}
		if strings.Contains(body, "PRIVATE KEY") && !errors.Is(err, validate.ErrPrivateKey) && !errors.Is(err, validate.ErrTooLong) {
			t.Fatalf("a body holding PRIVATE KEY refused as %v", err)
		}
	})
}

// readSeed returns the string value of a one-string corpus file.
func readSeed(t *testing.T, fuzzName, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", fuzzName, file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") || !strings.HasSuffix(lines[1], ")") {
		t.Fatalf("%s is not a one-string corpus file", file)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFuzzSeedsMeanSomething: the seeds hold what their names say, so the
// fuzzers start from an accepted certificate and from real refusals.
func TestFuzzSeedsMeanSomething(t *testing.T) {
	opts := validate.CertificateOptions{ClockSkew: validate.DefaultClockSkew}
	for file, want := range map[string]error{
		"valid-ed25519":   nil,
		"valid-ecdsa":     nil,
		"crlf":            nil,
		"key-appended":    validate.ErrPrivateKey,
		"chain":           validate.ErrMultipleCertificates,
		"text-before":     validate.ErrLeadingData,
		"headers":         validate.ErrPEMHeaders,
		"path":            validate.ErrFilePath,
		"truncated":       validate.ErrMalformedPEM,
		"public-key":      validate.ErrNotCertificate,
		"trailing-junk":   validate.ErrTrailingData,
		"end-only":        validate.ErrMalformedPEM,
		"der-in-pem-junk": validate.ErrUnparsable,
	} {
		_, err := validate.Certificate(readSeed(t, "FuzzCertificate", file), opts)
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("seed %s: Certificate = %v, want %v", file, err, want)
		}
	}
	if err := validate.CertificateBody(readSeed(t, "FuzzCertificateBody", "pem")); err != nil {
		t.Errorf("seed pem: CertificateBody = %v", err)
	}
}
