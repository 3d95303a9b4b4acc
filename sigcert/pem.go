package sigcert

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
)

// This file is sigcert's one home for PEM knowledge about bodies IAM already
// holds. What a body must be before it is sent is the validate package's job.

const (
	// pemBegin starts every PEM block's BEGIN line.
	pemBegin = "-----BEGIN"
	// pemCertificate is the block type of a certificate.
	pemCertificate = "CERTIFICATE"
)

// errNoCertificateBlock is the ParseError of a stored body with no
// CERTIFICATE block.
var errNoCertificateBlock = errors.New("no PEM CERTIFICATE block")

// storedDER returns the DER of the first CERTIFICATE block of a body IAM
// already holds. It is lenient where the pre-flight is strict (text around
// the block, expiry): IAM accepted the body, and callers listing
// certificates want to see it, expired or not. Like the pre-flight, it finds
// a block whose BEGIN line is indented, which pem.Decode alone skips: else
// Ensure would not recognise a certificate it uploaded in that layout.
func storedDER(body string) ([]byte, error) {
	rest := []byte(body)
	for {
		i := bytes.Index(rest, []byte(pemBegin))
		if i < 0 {
			return nil, errNoCertificateBlock
		}
		var block *pem.Block
		block, rest = pem.Decode(rest[i:])
		if block == nil {
			return nil, errNoCertificateBlock
		}
		if block.Type == pemCertificate {
			return block.Bytes, nil
		}
	}
}

// describeStored sets c's X509, ParseError and Fingerprint from its body.
// The fingerprint comes from the DER, so a well-formed certificate that
// crypto/x509 cannot parse has one too, the same its upload reported.
func describeStored(c *Certificate) {
	der, err := storedDER(c.CertificateBody)
	if err != nil {
		c.ParseError = err
		return
	}
	c.Fingerprint = fingerprintDER(der)
	c.X509, c.ParseError = x509.ParseCertificate(der)
}

// identity is what makes two bodies the same certificate: the DER's
// fingerprint (whether or not crypto/x509 can parse it), or for a body with
// no certificate block, its text without whitespace.
func identity(body string, parsed *x509.Certificate) string {
	if parsed != nil {
		return Fingerprint(parsed)
	}
	if der, err := storedDER(body); err == nil {
		return fingerprintDER(der)
	}
	return "body:" + strings.Join(strings.Fields(body), "")
}

// holding returns the certificate among held that is the one with identity
// want, or nil.
func holding(held []*Certificate, want string) *Certificate {
	for _, c := range held {
		if c != nil && identity(c.CertificateBody, c.X509) == want {
			return c
		}
	}
	return nil
}
