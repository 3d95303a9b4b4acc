package sigcerttest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

func TestNewCertEachKeyTypeIsSelfSignedWithItsKey(t *testing.T) {
	want := map[sigcerttest.KeyType]string{
		sigcerttest.RSA2048: "RSA 2048", sigcerttest.RSA3072: "RSA 3072", sigcerttest.RSA4096: "RSA 4096",
		sigcerttest.ECDSAP256: "ECDSA P-256", sigcerttest.ECDSAP384: "ECDSA P-384", sigcerttest.Ed25519: "Ed25519",
	}
	if len(sigcerttest.KeyTypes()) != len(want) {
		t.Fatalf("KeyTypes() = %v, want %d types", sigcerttest.KeyTypes(), len(want))
	}
	for _, k := range sigcerttest.KeyTypes() {
		t.Run(k.String(), func(t *testing.T) {
			c := sigcerttest.NewCert(sigcerttest.WithKey(k))
			block, rest := pem.Decode([]byte(c.PEM))
			if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 || string(block.Bytes) != string(c.DER) {
				t.Fatalf("PEM is not one CERTIFICATE block of DER")
			}
			parsed, err := x509.ParseCertificate(c.DER)
			if err != nil || !parsed.Equal(c.X509) {
				t.Fatalf("X509 is not the parsed DER (%v)", err)
			}
			if err := parsed.CheckSignature(parsed.SignatureAlgorithm, parsed.RawTBSCertificate, parsed.Signature); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if got := keyName(parsed.PublicKey); got != want[k] {
				t.Errorf("key is %s, want %s", got, want[k])
			}
			kb, _ := pem.Decode([]byte(c.KeyPEM))
			if kb == nil || kb.Type != "PRIVATE KEY" {
				t.Fatal("KeyPEM is not a PRIVATE KEY block")
			}
			key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			type equaler interface{ Equal(crypto.PublicKey) bool }
			if !key.(crypto.Signer).Public().(equaler).Equal(parsed.PublicKey) ||
				!c.Key.Public().(equaler).Equal(parsed.PublicKey) {
				t.Error("KeyPEM or Key is not the certificate's key")
			}
		})
	}
}

func keyName(pub crypto.PublicKey) string {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return "RSA " + big.NewInt(int64(p.N.BitLen())).String()
	case *ecdsa.PublicKey:
		return "ECDSA " + p.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return "unknown"
}

func TestCertValidityWindows(t *testing.T) {
	now := time.Now()
	check := validate.CertificateOptions{CurrentTime: now}
	if _, err := validate.Certificate(sigcerttest.NewCert().PEM, check); err != nil {
		t.Errorf("NewCert: %v", err)
	}
	if _, err := validate.Certificate(sigcerttest.ExpiredCert().PEM, check); !errors.Is(err, validate.ErrExpired) {
		t.Errorf("ExpiredCert: got %v, want validate.ErrExpired", err)
	}
	if _, err := validate.Certificate(sigcerttest.NotYetValidCert().PEM, check); !errors.Is(err, validate.ErrNotYetValid) {
		t.Errorf("NotYetValidCert: got %v, want validate.ErrNotYetValid", err)
	}
	// ExpiredCert's window wins over WithValidity.
	c := sigcerttest.ExpiredCert(sigcerttest.WithValidity(now, now.AddDate(1, 0, 0)))
	if !c.X509.NotAfter.Before(now) {
		t.Errorf("ExpiredCert(WithValidity(valid window)).NotAfter = %v, want before now", c.X509.NotAfter)
	}
}

func TestCertOptionsAreAsGiven(t *testing.T) {
	nb := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	na := nb.AddDate(0, 1, 0)
	subject := pkix.Name{CommonName: "bob", Organization: []string{"Example Corp"}}
	c := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256), sigcerttest.WithSubject(subject),
		sigcerttest.WithValidity(nb, na), sigcerttest.WithSerial(big.NewInt(7)))
	if got := c.X509.Subject.String(); got != subject.String() {
		t.Errorf("Subject = %q, want %q", got, subject.String())
	}
	if !c.X509.NotBefore.Equal(nb) || !c.X509.NotAfter.Equal(na) {
		t.Errorf("validity = %v .. %v, want %v .. %v", c.X509.NotBefore, c.X509.NotAfter, nb, na)
	}
	if c.X509.SerialNumber.Int64() != 7 {
		t.Errorf("SerialNumber = %v, want 7", c.X509.SerialNumber)
	}
	if a, b := sigcerttest.NewCert(), sigcerttest.NewCert(); a.PEM == b.PEM || a.KeyPEM != b.KeyPEM {
		t.Error("two default certificates should differ and share their key")
	}
}

func TestCertChainIsLeafThenCA(t *testing.T) {
	c := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.Ed25519))
	var certs []*x509.Certificate
	for rest := []byte(c.Chain()); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		x, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, x)
	}
	if len(certs) != 2 {
		t.Fatalf("Chain holds %d certificates, want 2", len(certs))
	}
	if err := certs[0].CheckSignatureFrom(certs[1]); err != nil {
		t.Errorf("leaf not signed by the CA: %v", err)
	}
	if certs[0].Subject.String() != c.X509.Subject.String() || !certs[1].IsCA {
		t.Errorf("leaf subject %q, CA IsCA %v", certs[0].Subject, certs[1].IsCA)
	}
	if (sigcerttest.Cert{}).Chain() != "" {
		t.Error("zero Cert's Chain is not empty")
	}
}

func TestCertsAreWhatIAMAcceptsAndRefuses(t *testing.T) {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	for _, k := range sigcerttest.KeyTypes() {
		if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert(sigcerttest.WithKey(k)).PEM}); err != nil {
			t.Errorf("%v: %v", k, err)
		}
		for _, cert := range fake.Certificates("Bob") {
			if _, err := fake.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("Bob"), CertificateId: cert.CertificateId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := sigcerttest.NewCert()
	for name, body := range map[string]string{
		"expired": sigcerttest.ExpiredCert().PEM, "not yet valid": sigcerttest.NotYetValidCert().PEM,
		"chain": c.Chain(), "key": c.KeyPEM,
	} {
		_, err := fake.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("Bob"), CertificateBody: aws.String(body)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "MalformedCertificate" {
			t.Errorf("%s: the Fake answered %v, want MalformedCertificate", name, err)
		}
	}
}

func TestCertOptionsPanicOnMisuse(t *testing.T) {
	now := time.Now()
	for name, opt := range map[string]sigcerttest.CertOption{
		"unknown key":     sigcerttest.WithKey(sigcerttest.KeyType(99)),
		"empty subject":   sigcerttest.WithSubject(pkix.Name{}),
		"reversed window": sigcerttest.WithValidity(now, now.Add(-time.Hour)),
		"zero time":       sigcerttest.WithValidity(time.Time{}, now),
		"zero serial":     sigcerttest.WithSerial(big.NewInt(0)),
		"nil serial":      sigcerttest.WithSerial(nil),
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(r.(string), "sigcerttest: ") {
					t.Errorf("%s: recovered %v, want a sigcerttest panic", name, r)
				}
			}()
			sigcerttest.NewCert(opt)
		}()
	}
}

func BenchmarkNewCert(b *testing.B) {
	for _, k := range sigcerttest.KeyTypes() {
		b.Run(k.String(), func(b *testing.B) {
			sigcerttest.NewCert(sigcerttest.WithKey(k)) // the key, once per process
			b.ResetTimer()
			for range b.N {
				sigcerttest.NewCert(sigcerttest.WithKey(k))
			}
		})
	}
}

func TestCertWithFixedSerialAndValidityIsStable(t *testing.T) {
	nb := time.Now().Add(-time.Hour).Truncate(time.Second)
	opts := []sigcerttest.CertOption{sigcerttest.WithSerial(big.NewInt(1)), sigcerttest.WithValidity(nb, nb.AddDate(1, 0, 0))}
	if a, b := sigcerttest.NewCert(opts...), sigcerttest.NewCert(opts...); a.PEM != b.PEM {
		t.Error("two RSA certificates with the same serial and validity differ")
	}
	if a, b := sigcerttest.NewCert(append(opts, sigcerttest.WithKey(sigcerttest.ECDSAP256))...),
		sigcerttest.NewCert(append(opts, sigcerttest.WithKey(sigcerttest.ECDSAP256))...); a.PEM == b.PEM {
		t.Error("two ECDSA certificates are identical, although ECDSA signatures are randomized")
	}
}
