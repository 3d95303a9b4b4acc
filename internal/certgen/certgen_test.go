package certgen_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
)

// decodeAll returns every PEM block of s and what follows the last one.
func decodeAll(t *testing.T, s string) ([]*pem.Block, string) {
	t.Helper()
	var blocks []*pem.Block
	rest := []byte(s)
	for {
		b, r := pem.Decode(rest)
		if b == nil {
			return blocks, string(rest)
		}
		blocks = append(blocks, b)
		rest = r
	}
}

func TestNewKeyTypes(t *testing.T) {
	for _, k := range certgen.KeyTypes() {
		t.Run(k.String(), func(t *testing.T) {
			c := certgen.New(certgen.Options{Key: k})
			blocks, rest := decodeAll(t, c.PEM)
			if len(blocks) != 1 || blocks[0].Type != "CERTIFICATE" || rest != "" {
				t.Fatalf("PEM holds %d blocks and %q after them, want one CERTIFICATE block", len(blocks), rest)
			}
			if !bytes.Equal(blocks[0].Bytes, c.DER) {
				t.Error("PEM does not encode DER")
			}
			parsed, err := x509.ParseCertificate(c.DER)
			if err != nil {
				t.Fatal(err)
			}
			if !parsed.Equal(c.X509) {
				t.Error("X509 is not the parsed DER")
			}
			if err := parsed.CheckSignature(parsed.SignatureAlgorithm, parsed.RawTBSCertificate, parsed.Signature); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if got := parsed.Subject.CommonName; got != certgen.DefaultCommonName {
				t.Errorf("CommonName = %q, want %q", got, certgen.DefaultCommonName)
			}

			kb, _ := decodeAll(t, c.KeyPEM)
			if len(kb) != 1 || kb[0].Type != "PRIVATE KEY" {
				t.Fatalf("KeyPEM holds %d blocks, want one PRIVATE KEY block", len(kb))
			}
			key, err := x509.ParsePKCS8PrivateKey(kb[0].Bytes)
			if err != nil {
				t.Fatal(err)
			}
			var ok bool
			switch k {
			case certgen.RSA2048, certgen.RSA3072, certgen.RSA4096:
				var pub *rsa.PublicKey
				if pub, ok = parsed.PublicKey.(*rsa.PublicKey); ok {
					want := map[certgen.KeyType]int{certgen.RSA2048: 2048, certgen.RSA3072: 3072, certgen.RSA4096: 4096}[k]
					if pub.N.BitLen() != want {
						t.Errorf("RSA modulus has %d bits, want %d", pub.N.BitLen(), want)
					}
				}
			case certgen.ECDSAP256, certgen.ECDSAP384:
				var pub *ecdsa.PublicKey
				want := map[certgen.KeyType]string{certgen.ECDSAP256: "P-256", certgen.ECDSAP384: "P-384"}[k]
				if pub, ok = parsed.PublicKey.(*ecdsa.PublicKey); ok && pub.Curve.Params().Name != want {
					t.Errorf("curve %s, want %s", pub.Curve.Params().Name, want)
				}
			case certgen.Ed25519:
				_, ok = parsed.PublicKey.(ed25519.PublicKey)
			}
			if !ok {
				t.Fatalf("public key is %T", parsed.PublicKey)
			}
			type equaler interface{ Equal(crypto.PublicKey) bool }
			if !key.(crypto.Signer).Public().(equaler).Equal(parsed.PublicKey) {
				t.Error("KeyPEM is not the certificate's key")
			}
		})
	}
}

func TestValidityWindow(t *testing.T) {
	now := time.Now()
	check := func(t *testing.T, c *certgen.Cert, wantBefore, wantAfter time.Time) {
		t.Helper()
		// X.509 times have one-second precision; allow for the test's own runtime.
		const slack = time.Minute
		if d := c.X509.NotBefore.Sub(wantBefore); d < -slack || d > slack {
			t.Errorf("NotBefore = %v, want about %v", c.X509.NotBefore, wantBefore)
		}
		if d := c.X509.NotAfter.Sub(wantAfter); d < -slack || d > slack {
			t.Errorf("NotAfter = %v, want about %v", c.X509.NotAfter, wantAfter)
		}
	}
	t.Run("defaults", func(t *testing.T) {
		check(t, certgen.Valid(), now.Add(-time.Hour), now.AddDate(0, 0, 365))
	})
	t.Run("explicit", func(t *testing.T) {
		nb := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		na := time.Date(2031, 6, 7, 8, 9, 10, 0, time.UTC)
		c := certgen.New(certgen.Options{Key: certgen.ECDSAP256, NotBefore: nb, NotAfter: na, CommonName: "Bob"})
		if !c.X509.NotBefore.Equal(nb) || !c.X509.NotAfter.Equal(na) {
			t.Errorf("window = %v..%v, want %v..%v", c.X509.NotBefore, c.X509.NotAfter, nb, na)
		}
		if c.X509.Subject.CommonName != "Bob" {
			t.Errorf("CommonName = %q, want Bob", c.X509.Subject.CommonName)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		c := certgen.Expired()
		if !c.X509.NotAfter.Before(now) {
			t.Errorf("NotAfter = %v, not before now %v", c.X509.NotAfter, now)
		}
		if !c.X509.NotBefore.Before(c.X509.NotAfter) {
			t.Error("NotBefore is not before NotAfter")
		}
	})
	t.Run("NotYetValid", func(t *testing.T) {
		c := certgen.NotYetValid()
		if !c.X509.NotBefore.After(now) {
			t.Errorf("NotBefore = %v, not after now %v", c.X509.NotBefore, now)
		}
		if !c.X509.NotBefore.Before(c.X509.NotAfter) {
			t.Error("NotBefore is not before NotAfter")
		}
	})
}

func TestFreshSerialSameKey(t *testing.T) {
	const n = 8
	certs := make([]*certgen.Cert, n)
	var wg sync.WaitGroup
	for i := range certs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			certs[i] = certgen.New(certgen.Options{Key: certgen.ECDSAP256})
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, c := range certs {
		if seen[string(c.DER)] {
			t.Fatal("two calls returned the same DER")
		}
		seen[string(c.DER)] = true
		if c.X509.SerialNumber.Cmp(certs[0].X509.SerialNumber) == 0 && c != certs[0] {
			t.Error("two calls returned the same serial")
		}
		if c.KeyPEM != certs[0].KeyPEM {
			t.Error("the key was generated more than once")
		}
	}
	if certs[0].KeyPEM == certgen.New(certgen.Options{Key: certgen.Ed25519}).KeyPEM {
		t.Error("two key types share a key")
	}
}

func TestBodyVariants(t *testing.T) {
	c := certgen.Valid()

	t.Run("CRLF", func(t *testing.T) {
		got := c.CRLF()
		if strings.Count(got, "\r\n") != strings.Count(c.PEM, "\n") || strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\n") {
			t.Errorf("not every line ends in CRLF: %q", got)
		}
		if strings.ReplaceAll(got, "\r\n", "\n") != c.PEM {
			t.Error("CRLF changed more than line endings")
		}
	})
	t.Run("WithKeyAppended", func(t *testing.T) {
		blocks, rest := decodeAll(t, c.WithKeyAppended())
		if len(blocks) != 2 || blocks[0].Type != "CERTIFICATE" || blocks[1].Type != "PRIVATE KEY" || rest != "" {
			t.Fatalf("got %d blocks, want CERTIFICATE then PRIVATE KEY", len(blocks))
		}
	})
	t.Run("TextBefore", func(t *testing.T) {
		got := c.TextBefore()
		if got != "Certificate for Bob:\n"+c.PEM {
			t.Errorf("TextBefore = %q", got)
		}
	})
	t.Run("DERBody", func(t *testing.T) {
		if got := c.DERBody(); got != string(c.DER) {
			t.Error("DERBody is not the DER")
		}
	})
	t.Run("ChainOfTwo", func(t *testing.T) {
		blocks, rest := decodeAll(t, c.ChainOfTwo())
		if len(blocks) != 2 || rest != "" {
			t.Fatalf("got %d blocks and %q after them, want two", len(blocks), rest)
		}
		leaf, err := x509.ParseCertificate(blocks[0].Bytes)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := x509.ParseCertificate(blocks[1].Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if err := leaf.CheckSignatureFrom(ca); err != nil {
			t.Errorf("leaf is not signed by the second certificate: %v", err)
		}
		if !leaf.PublicKey.(*rsa.PublicKey).Equal(c.X509.PublicKey) {
			t.Error("leaf does not carry the certificate's public key")
		}
		if !leaf.NotAfter.Equal(c.X509.NotAfter) || leaf.Subject.CommonName != c.X509.Subject.CommonName {
			t.Error("leaf does not keep the certificate's validity and subject")
		}
		if bytes.Equal(leaf.Raw, c.DER) {
			t.Error("leaf is the self-signed certificate, not a new one")
		}
	})
}

func TestSubjectAndSerialAreAsGiven(t *testing.T) {
	subject := pkix.Name{CommonName: "bob", Organization: []string{"Example Corp"}, Country: []string{"NZ"}}
	c := certgen.New(certgen.Options{Subject: subject, Serial: big.NewInt(42)})
	if got := c.X509.Subject.String(); got != subject.String() {
		t.Errorf("Subject = %q, want %q", got, subject.String())
	}
	if c.X509.SerialNumber.Cmp(big.NewInt(42)) != 0 {
		t.Errorf("SerialNumber = %v, want 42", c.X509.SerialNumber)
	}
}

func TestRSAKeysAreTheEmbeddedTestKeys(t *testing.T) {
	// The same key twice, and in a second process too: the RSA keys are the
	// fixed public test keys, never generated.
	for _, k := range []certgen.KeyType{certgen.RSA2048, certgen.RSA3072, certgen.RSA4096} {
		a, b := certgen.New(certgen.Options{Key: k}), certgen.New(certgen.Options{Key: k})
		if a.KeyPEM != b.KeyPEM {
			t.Errorf("%v: two certificates have different keys", k)
		}
		data, err := os.ReadFile("keys/rsa" + strings.TrimPrefix(k.String(), "RSA") + ".pem")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "PUBLIC TEST KEY") {
			t.Errorf("%v: key file is not labelled as a public test key", k)
		}
		if !strings.Contains(string(data), strings.TrimSpace(a.KeyPEM)) {
			t.Errorf("%v: KeyPEM is not the embedded key", k)
		}
	}
}
