package sigcerttest

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
)

// Cert is a self-signed test certificate in every form a test needs. Make
// one with NewCert, ExpiredCert or NotYetValidCert.
//
// Its key is shared by every Cert of the same KeyType in the process, and
// the RSA keys are fixed keys published with this module: a Cert proves
// nothing to anyone and must never leave a test.
type Cert struct {
	// PEM is the certificate as one "CERTIFICATE" PEM block ending in a
	// newline: a CertificateBody IAM accepts (if the certificate is valid).
	PEM string
	// DER is the certificate's DER encoding.
	DER []byte
	// X509 is the parsed certificate.
	X509 *x509.Certificate
	// KeyPEM is the private key as one PKCS#8 "PRIVATE KEY" PEM block: the
	// body to send in a test that expects a private key to be refused.
	KeyPEM string
	// Key is the private key, for tests that sign with it.
	Key crypto.Signer
}

// Chain returns a two-certificate chain, leaf first, as a full-chain PEM
// file holds it: a leaf with c's subject, validity and public key, signed by
// a test CA, followed by the CA's certificate. IAM refuses such a body; tests
// of that refusal need one. Chain returns "" for a zero Cert.
func (c Cert) Chain() string {
	if c.X509 == nil {
		return ""
	}
	return certgen.Chain(c.X509)
}

// KeyType is the algorithm and size of a test certificate's key.
type KeyType int

// The key types NewCert makes. The zero value, RSA2048, is the size AWS
// recommends for signing certificates.
const (
	RSA2048 KeyType = iota
	RSA3072
	RSA4096
	ECDSAP256
	ECDSAP384
	Ed25519
)

var certgenKeys = map[KeyType]certgen.KeyType{
	RSA2048:   certgen.RSA2048,
	RSA3072:   certgen.RSA3072,
	RSA4096:   certgen.RSA4096,
	ECDSAP256: certgen.ECDSAP256,
	ECDSAP384: certgen.ECDSAP384,
	Ed25519:   certgen.Ed25519,
}

// KeyTypes returns every KeyType, for table tests.
func KeyTypes() []KeyType { return []KeyType{RSA2048, RSA3072, RSA4096, ECDSAP256, ECDSAP384, Ed25519} }

// String returns the key type's name, such as "RSA2048".
func (k KeyType) String() string {
	if g, ok := certgenKeys[k]; ok {
		return g.String()
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// CertOption changes the certificate NewCert makes.
type CertOption func(*certgen.Options)

// WithKey sets the key type; the default is RSA2048. NewCert panics for a
// KeyType not listed by KeyTypes.
func WithKey(k KeyType) CertOption {
	return func(o *certgen.Options) {
		g, ok := certgenKeys[k]
		if !ok {
			panic(fmt.Sprintf("sigcerttest: WithKey: unknown %v", k))
		}
		o.Key = g
	}
}

// WithSubject sets the whole subject name; the default is CN "signingcert
// test", O "signingcert tests". NewCert panics for an empty name.
func WithSubject(name pkix.Name) CertOption {
	return func(o *certgen.Options) {
		if len(name.ToRDNSequence()) == 0 {
			panic("sigcerttest: WithSubject: the name has no attribute")
		}
		o.Subject = name
	}
}

// WithValidity sets the validity window; the default is from an hour ago
// (IAM refuses a NotBefore in its future, even by a second) for 365 days.
// NewCert panics if notAfter is before notBefore or either is zero.
// ExpiredCert and NotYetValidCert replace it with their own window.
func WithValidity(notBefore, notAfter time.Time) CertOption {
	return func(o *certgen.Options) {
		if notBefore.IsZero() || notAfter.IsZero() || notAfter.Before(notBefore) {
			panic(fmt.Sprintf("sigcerttest: WithValidity: want notBefore <= notAfter, both set; got %v, %v", notBefore, notAfter))
		}
		o.NotBefore, o.NotAfter = notBefore, notAfter
	}
}

// WithSerial sets the serial number; the default is a fresh random 128-bit
// number. NewCert panics unless serial is positive (RFC 5280, section
// 4.1.2.2).
//
// RSA and Ed25519 signatures are deterministic, so two certificates with
// the same key type, serial, subject and validity are byte for byte the
// same: IAM, and the fakes, see one certificate (same id, and a second
// upload is a DuplicateCertificate). With WithValidity too, that gives a
// test a stable certificate across runs for RSA keys, which are fixed.
func WithSerial(serial *big.Int) CertOption {
	return func(o *certgen.Options) {
		if serial == nil || serial.Sign() <= 0 {
			panic(fmt.Sprintf("sigcerttest: WithSerial: want a positive serial number, got %v", serial))
		}
		o.Serial = new(big.Int).Set(serial)
	}
}

// NewCert returns a self-signed certificate valid from an hour ago for 365
// days, with an RSA-2048 key unless opts say otherwise. It is fast: keys are
// made once per process (the RSA keys are embedded), so a certificate costs
// one signature.
//
// Like net/http/httptest's helpers, it panics instead of returning an error:
// on an invalid option, or if the system's random source fails. It only runs
// in tests and examples. It is safe for concurrent use.
func NewCert(opts ...CertOption) Cert {
	var o certgen.Options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return fromCertgen(certgen.New(o))
}

// ExpiredCert returns a certificate whose validity ended a day ago (it began
// a year ago): the body IAM refuses as MalformedCertificate and sigcert
// refuses before sending. Its window replaces any WithValidity. It panics as
// NewCert does.
func ExpiredCert(opts ...CertOption) Cert {
	return NewCert(append(opts, WithValidity(certgen.ExpiredWindow(time.Now())))...)
}

// NotYetValidCert returns a certificate whose validity starts a day from now:
// IAM refuses it as MalformedCertificate, as it does a NotBefore even
// slightly in its future. Its window replaces any WithValidity. It panics as
// NewCert does.
func NotYetValidCert(opts ...CertOption) Cert {
	return NewCert(append(opts, WithValidity(certgen.NotYetValidWindow(time.Now())))...)
}

func fromCertgen(c *certgen.Cert) Cert {
	return Cert{PEM: c.PEM, DER: c.DER, X509: c.X509, KeyPEM: c.KeyPEM, Key: c.Signer()}
}
