package validate_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/validate"
)

// fuzzKeyForms are the forms FuzzNoPrivateKey hides next to its input.
func fuzzKeyForms(t testing.TB) map[string]string {
	ders := keyDERs(t)
	pkcs8 := pemBlock("PRIVATE KEY", ders["PKCS#8 EC"], nil)
	return map[string]string{
		"PKCS#8 PEM":            pkcs8,
		"base64 of PEM":         base64.StdEncoding.EncodeToString([]byte(pkcs8)),
		"PKCS#1 as CERTIFICATE": pemBlock("CERTIFICATE", ders["PKCS#1 RSA"], nil),
		"bare SEC1 base64":      wrap(base64.StdEncoding.EncodeToString(ders["SEC1 EC"]), 64),
		"JWK":                   `{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`,
	}
}

// FuzzNoPrivateKey: NoPrivateKey never panics, refuses only with
// ErrPrivateKey at an offset inside the body, and finds a key put before or
// after any input, on its own line.
//
//	go test -run '^$' -fuzz '^FuzzNoPrivateKey$' -fuzztime 5m ./validate/
func FuzzNoPrivateKey(f *testing.F) {
	c := certgen.Valid()
	f.Add(c.PEM)
	f.Add(c.CRLF())
	f.Add(base64.StdEncoding.EncodeToString([]byte(c.PEM)))
	f.Add("data:\n  tls.crt: MIIB")
	f.Add(`{"kty":"EC","x":"AAAA"}`)
	f.Add("-----BEGIN CERTIFICATE-----\nMIIBxxxx==\n")
	forms := fuzzKeyForms(f)
	f.Fuzz(func(t *testing.T, body string) {
		if err := validate.NoPrivateKey(body); err != nil {
			var e *validate.Error
			if !errors.As(err, &e) || e.Reason != validate.ErrPrivateKey {
				t.Fatalf("refusal %v is not an ErrPrivateKey *Error", err)
			}
			if e.Offset < 0 || e.Offset >= len(body) {
				t.Fatalf("offset %d outside the %d-byte body", e.Offset, len(body))
			}
		}
		for name, key := range forms {
			for _, s := range []string{body + "\n" + key, key + "\n" + body} {
				if err := validate.NoPrivateKey(s); !errors.Is(err, validate.ErrPrivateKey) {
					t.Fatalf("%s next to %q: NoPrivateKey = %v", name, body, err)
				}
			}
		}
	})
}

// FuzzDecodeUsual: the one-pass decoder of the usual PEM layout accepts only
// bodies the general rules accept, with the same DER and offset.
//
//	go test -run '^$' -fuzz '^FuzzDecodeUsual$' -fuzztime 2m ./validate/
func FuzzDecodeUsual(f *testing.F) {
	c := certgen.New(certgen.Options{Key: certgen.Ed25519})
	f.Add(c.PEM)
	f.Add(c.CRLF())
	f.Add(" \n" + strings.TrimSuffix(c.PEM, "\n"))
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\nAA==\n-----END CERTIFICATE-----\n")
	f.Fuzz(func(t *testing.T, body string) {
		der, begin, ok := validate.DecodeUsual(body)
		if !ok {
			return
		}
		gder, gbegin, err := validate.DecodeGeneral(body)
		if err != nil || gbegin != begin || !bytes.Equal(der, gder) {
			t.Fatalf("usual decoder: %x at %d; general: %x at %d, %v", der, begin, gder, gbegin, err)
		}
	})
}

// FuzzDERWindow: the DER walk accepts every certificate crypto/x509 parses,
// and reads the same validity window; and it never panics.
//
//	go test -run '^$' -fuzz '^FuzzDERWindow$' -fuzztime 2m ./validate/
func FuzzDERWindow(f *testing.F) {
	for _, k := range []certgen.KeyType{certgen.RSA2048, certgen.ECDSAP256, certgen.Ed25519} {
		f.Add(certgen.New(certgen.Options{Key: k}).DER)
	}
	chain, _ := pem.Decode([]byte(certgen.Valid().ChainOfTwo()))
	f.Add(chain.Bytes)
	f.Fuzz(func(t *testing.T, der []byte) {
		nb, na, err := validate.DERWindow(der)
		cert, xerr := x509.ParseCertificate(der)
		if xerr != nil {
			return
		}
		if err != nil {
			t.Fatalf("crypto/x509 parses it, the walk refuses it: %v", err)
		}
		if !nb.Equal(cert.NotBefore) || !na.Equal(cert.NotAfter) {
			t.Fatalf("window %v..%v, crypto/x509 says %v..%v", nb, na, cert.NotBefore, cert.NotAfter)
		}
	})
}
