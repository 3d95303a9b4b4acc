package validate_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/iamkit/signingcert/validate"
)

func ExampleCertificateBody() {
	// é (U+00E9) is one allowed character, two bytes; € (U+20AC) is outside
	// IAM's pattern.
	for _, body := range []string{"-----BEGIN CERTIFICATE-----\ncafé\n", "price: 5€", ""} {
		err := validate.CertificateBody(body)
		var e *validate.Error
		switch {
		case err == nil:
			fmt.Println("ok")
		case errors.Is(err, validate.ErrInvalidCharacter) && errors.As(err, &e):
			fmt.Println("bad character at byte", e.Offset)
			fmt.Println(err)
		default:
			fmt.Println(err)
		}
	}
	// Output:
	// ok
	// bad character at byte 8
	// validate: CertificateBody: character not allowed: character U+20AC is not allowed; IAM allows tab, LF, CR and U+0020 to U+00FF (at byte offset 8)
	// validate: CertificateBody: empty: IAM requires at least 1 character
}

func ExampleCertificate_expired() {
	// A certificate that expired at the start of 2025, checked on
	// 2025-01-01 at 00:03 UTC: within the default clock skew it still
	// passes; without tolerance it is refused.
	end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	body := selfSigned(end.AddDate(-1, 0, 0), end)
	now := end.Add(3 * time.Minute)

	_, err := validate.Certificate(body, validate.CertificateOptions{CurrentTime: now, ClockSkew: validate.DefaultClockSkew})
	fmt.Println("with 5m skew:", err)

	_, err = validate.Certificate(body, validate.CertificateOptions{CurrentTime: now})
	fmt.Println("expired:", errors.Is(err, validate.ErrExpired))
	fmt.Println(err)
	// Output:
	// with 5m skew: <nil>
	// expired: true
	// validate: CertificateBody: certificate has expired: NotAfter 2025-01-01T00:00:00Z is before the current time 2025-01-01T00:03:00Z (clock skew allowed: 0s)
}

// selfSigned returns a PEM certificate valid from notBefore to notAfter,
// made with the standard library alone, as validate itself is.
func selfSigned(notBefore, notAfter time.Time) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "example"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Parse accepts a well-formed certificate that crypto/x509 refuses, here
// one whose subject is a PrintableString holding '_', and says why Go
// refused it.
func ExampleParse() {
	body, err := os.ReadFile("testdata/x509/printable-underscore.pem")
	if err != nil {
		panic(err)
	}
	now := validate.CertificateOptions{CurrentTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	p, err := validate.Parse(string(body), now)
	if err != nil {
		panic(err)
	}
	fmt.Println("parsed by crypto/x509:", p.X509 != nil)
	fmt.Println("valid until:", p.NotAfter.Format(time.RFC3339))
	fmt.Println(p.X509Error)

	_, err = validate.Certificate(string(body), now)
	fmt.Println(errors.Is(err, validate.ErrUnparsable))
	// Output:
	// parsed by crypto/x509: false
	// valid until: 2049-12-31T23:59:59Z
	// validate: CertificateBody: well-formed, but crypto/x509 cannot parse it: x509: invalid RDNSequence: invalid attribute value: invalid PrintableString (at byte offset 0)
	// true
}

// NoPrivateKey finds a key however it is dressed: here the base64 of a PEM
// key, as a Kubernetes Secret stores it.
func ExampleNoPrivateKey() {
	key := "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIGvz...\n-----END EC PRIVATE KEY-----\n"
	secret := "data:\n  tls.key: " + base64.StdEncoding.EncodeToString([]byte(key)) + "\n"
	err := validate.NoPrivateKey(secret)
	fmt.Println(errors.Is(err, validate.ErrPrivateKey))
	fmt.Println(err)
	// Output:
	// true
	// validate: CertificateBody: contains a private key: key material must never be sent; upload the certificate alone and keep its key (at byte offset 6)
}
