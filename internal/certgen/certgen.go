// Package certgen makes self-signed X.509 certificates for tests and example
// programs: fresh ones, expired ones, not-yet-valid ones, and the broken
// bodies people really paste into CertificateBody (CRLF line endings, a key
// appended, text before the block, a chain, raw DER).
//
// Like net/http/httptest, its functions panic instead of returning errors:
// they only fail when the system's random source fails, and they only run in
// tests and examples.
//
// Keys are never generated per certificate. The RSA keys are fixed public
// test keys embedded from keys/ (an RSA-4096 key takes a second or more to
// generate, and tests should not wait for one); ECDSA and Ed25519 keys are
// generated once per KeyType per process. Every certificate gets a fresh
// random serial number unless Options.Serial says otherwise, so two calls
// never return the same DER. Everything here is safe for concurrent use.
package certgen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// KeyType selects the certificate's key algorithm.
type KeyType int

// The key types New can make. The zero value is RSA2048, the size AWS
// recommends for signing certificates.
const (
	RSA2048 KeyType = iota
	RSA4096
	ECDSAP256
	Ed25519
	RSA3072
	ECDSAP384
	// RSA1024 is a key too weak to trust, for tests of code that flags
	// weak keys (an audit). KeyTypes leaves it out.
	RSA1024
	numKeyTypes
)

// String returns the key type's name, such as "RSA2048".
func (k KeyType) String() string {
	switch k {
	case RSA2048:
		return "RSA2048"
	case RSA4096:
		return "RSA4096"
	case ECDSAP256:
		return "ECDSAP256"
	case Ed25519:
		return "Ed25519"
	case RSA3072:
		return "RSA3072"
	case ECDSAP384:
		return "ECDSAP384"
	case RSA1024:
		return "RSA1024"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// KeyTypes lists every key type New can make, for table tests.
func KeyTypes() []KeyType {
	return []KeyType{RSA2048, RSA3072, RSA4096, ECDSAP256, ECDSAP384, Ed25519}
}

// Options describe the certificate New makes. The zero value is a valid
// RSA-2048 certificate.
type Options struct {
	// Key is the key algorithm; the zero value is RSA2048.
	Key KeyType
	// NotBefore is the start of the validity window; if zero, one hour
	// before now (IAM refuses a NotBefore in its future, even slightly).
	NotBefore time.Time
	// NotAfter is the end of the validity window; if zero, 365 days after
	// now.
	NotAfter time.Time
	// CommonName is the subject's common name; if empty, "signingcert test".
	// It is ignored when Subject is set.
	CommonName string
	// Subject, if it has any attribute set, is the whole subject (and
	// issuer) name, replacing CommonName and the default organization.
	Subject pkix.Name
	// Serial is the serial number; if nil, a fresh random 128-bit one.
	Serial *big.Int
}

// DefaultCommonName is the subject common name used when
// Options.CommonName is empty.
const DefaultCommonName = "signingcert test"

// Cert is a generated certificate in every form a test needs.
type Cert struct {
	// PEM is the certificate as one "CERTIFICATE" PEM block ending in a
	// newline: a body IAM accepts.
	PEM string
	// DER is the certificate's DER encoding.
	DER []byte
	// X509 is the parsed certificate.
	X509 *x509.Certificate
	// KeyPEM is the private key as one PKCS#8 "PRIVATE KEY" PEM block. It is
	// shared by every certificate of the same KeyType in this process.
	KeyPEM string

	key crypto.Signer
}

// New returns a self-signed certificate described by opts. It panics if the
// system's random source fails or if opts.Key is not a known KeyType.
func New(opts Options) *Cert {
	key, keyPEM := signer(opts.Key)
	tmpl := template(opts)
	c := issue(tmpl, tmpl, key.Public(), key)
	c.KeyPEM = keyPEM
	return c
}

// Valid returns a fresh self-signed RSA-2048 certificate, valid from an
// hour ago for 365 days.
func Valid() *Cert { return New(Options{}) }

// Expired returns a self-signed RSA-2048 certificate whose validity ended
// a day ago (ExpiredWindow).
func Expired() *Cert {
	nb, na := ExpiredWindow(time.Now())
	return New(Options{NotBefore: nb, NotAfter: na})
}

// NotYetValid returns a self-signed RSA-2048 certificate whose validity
// starts a day from now (NotYetValidWindow).
func NotYetValid() *Cert {
	nb, na := NotYetValidWindow(time.Now())
	return New(Options{NotBefore: nb, NotAfter: na})
}

// ExpiredWindow is the validity window of an expired certificate: a year
// that ended a day before now, far enough for any clock skew allowed.
func ExpiredWindow(now time.Time) (notBefore, notAfter time.Time) {
	return now.AddDate(-1, 0, 0), now.Add(-24 * time.Hour)
}

// NotYetValidWindow is the validity window of a certificate not yet valid:
// a year that starts a day after now.
func NotYetValidWindow(now time.Time) (notBefore, notAfter time.Time) {
	return now.Add(24 * time.Hour), now.AddDate(1, 0, 0)
}

// CRLF returns the certificate's PEM with CRLF line endings.
func (c *Cert) CRLF() string { return strings.ReplaceAll(c.PEM, "\n", "\r\n") }

// WithKeyAppended returns the certificate's PEM followed by its private key's
// PEM: the mistake of uploading a whole .pem bundle.
func (c *Cert) WithKeyAppended() string { return c.PEM + c.KeyPEM }

// TextBefore returns the certificate's PEM with a line of prose before it,
// as when a body is copied from an email or a ticket.
func (c *Cert) TextBefore() string { return "Certificate for Bob:\n" + c.PEM }

// DERBody returns the certificate's raw DER bytes as a string: the mistake of
// sending a .der or .cer file's contents.
func (c *Cert) DERBody() string { return string(c.DER) }

// ChainOfTwo returns a real two-certificate chain, leaf first: a leaf with
// this certificate's subject, validity and public key, signed by a test CA,
// followed by the CA's certificate. It is what a full-chain file holds.
func (c *Cert) ChainOfTwo() string { return Chain(c.X509) }

// Chain returns a two-certificate chain, leaf first: a leaf with cert's
// subject, validity and public key, signed by the process's test CA,
// followed by the CA's certificate.
func Chain(cert *x509.Certificate) string {
	ca := issuer()
	leaf := template(Options{
		NotBefore: cert.NotBefore,
		NotAfter:  cert.NotAfter,
		Subject:   cert.Subject,
	})
	l := issue(leaf, ca.X509, cert.PublicKey, ca.key)
	return l.PEM + ca.PEM
}

// Signer returns the certificate's private key: the key of its KeyType.
func (c *Cert) Signer() crypto.Signer { return c.key }

// template returns a certificate template with opts' defaults filled in.
func template(opts Options) *x509.Certificate {
	now := time.Now()
	if opts.NotBefore.IsZero() {
		opts.NotBefore = now.Add(-time.Hour)
	}
	if opts.NotAfter.IsZero() {
		opts.NotAfter = now.AddDate(0, 0, 365)
	}
	if opts.CommonName == "" {
		opts.CommonName = DefaultCommonName
	}
	subject := pkix.Name{CommonName: opts.CommonName, Organization: []string{"signingcert tests"}}
	if len(opts.Subject.ToRDNSequence()) > 0 {
		subject = opts.Subject
	}
	sn := opts.Serial
	if sn == nil {
		sn = serial()
	}
	return &x509.Certificate{
		SerialNumber: sn,
		Subject:      subject,
		NotBefore:    opts.NotBefore,
		NotAfter:     opts.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}

// issue signs tmpl with the parent's key and returns it in every form.
func issue(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) *Cert {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		panic(fmt.Sprintf("certgen: creating certificate: %v", err))
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		panic(fmt.Sprintf("certgen: parsing the certificate just made: %v", err))
	}
	c := &Cert{
		PEM:  string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		DER:  der,
		X509: parsed,
	}
	if tmpl == parent {
		c.key = parentKey // only a self-signed certificate's key is its own
	}
	return c
}

// serial returns a random positive 128-bit serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic(fmt.Sprintf("certgen: reading random serial: %v", err))
	}
	return n.Add(n, big.NewInt(1))
}

var keys struct {
	once [numKeyTypes]sync.Once
	key  [numKeyTypes]crypto.Signer
	pem  [numKeyTypes]string
}

// signer returns the process's key of type k and its PKCS#8 PEM, generating
// them on first use.
func signer(k KeyType) (crypto.Signer, string) {
	if k < 0 || k >= numKeyTypes {
		panic(fmt.Sprintf("certgen: unknown %v", k))
	}
	keys.once[k].Do(func() {
		keys.key[k] = generate(k)
		keys.pem[k] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(keys.key[k])}))
	})
	return keys.key[k], keys.pem[k]
}

func generate(k KeyType) crypto.Signer {
	var (
		key crypto.Signer
		err error
	)
	switch k {
	case RSA2048:
		return fixedKey("keys/rsa2048.pem")
	case RSA3072:
		return fixedKey("keys/rsa3072.pem")
	case RSA4096:
		return fixedKey("keys/rsa4096.pem")
	case ECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA1024:
		key, err = rsa.GenerateKey(rand.Reader, 1024)
	case Ed25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		panic(fmt.Sprintf("certgen: generating %v key: %v", k, err))
	}
	return key
}

// fixedKeys are RSA keys made once with openssl genpkey and published with
// these sources: public test keys, not secrets. Embedding them means no test
// or example ever waits for an RSA key to be generated.
//
//go:embed keys/*.pem
var fixedKeys embed.FS

// fixedKey parses the PKCS#8 key in the embedded file name. pem.Decode skips
// the file's leading warning text.
func fixedKey(name string) crypto.Signer {
	data, err := fixedKeys.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("certgen: reading %s: %v", name, err))
	}
	block, _ := pem.Decode(data)
	if block == nil {
		panic(fmt.Sprintf("certgen: %s holds no PEM block", name))
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(fmt.Sprintf("certgen: parsing %s: %v", name, err))
	}
	return key.(crypto.Signer)
}

func pkcs8(key crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(fmt.Sprintf("certgen: encoding key: %v", err))
	}
	return der
}

var ca struct {
	once sync.Once
	cert *Cert
}

// issuer returns the process's test CA, made on first use. Its key is its
// own (not one of the per-KeyType keys), so a chain's two certificates never
// share a key.
func issuer() *Cert {
	ca.once.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(fmt.Sprintf("certgen: generating CA key: %v", err))
		}
		tmpl := template(Options{
			NotBefore:  time.Now().Add(-24 * time.Hour),
			NotAfter:   time.Now().AddDate(10, 0, 0),
			CommonName: "signingcert test CA",
		})
		tmpl.IsCA = true
		tmpl.BasicConstraintsValid = true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
		ca.cert = issue(tmpl, tmpl, key.Public(), key)
		ca.cert.KeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(key)}))
	})
	return ca.cert
}
