package sigcert

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"

	"github.com/iamkit/signingcert/validate"
)

// Check runs the pre-flight checks of Upload without sending anything, and
// returns the parsed certificate. A refusal is a *PreflightError. Check
// never uses the API, so an Uploader made with a nil API can check
// requests, e.g. for a dry run.
//
// The certificate is nil, with a nil error, when the X.509 checks are
// skipped, and when the body is a well-formed certificate that crypto/x509
// cannot parse (a negative serial, a secp256k1 key, ...): Upload sends
// those, and CheckDetail says why Go could not parse one.
func (u *Uploader) Check(req Request) (*x509.Certificate, error) {
	p, err := u.preflight(req)
	return parsedX509(p), err
}

// CheckDetail runs the checks of Check and returns validate's judgement of
// the body: its DER, validity window, and the parsed certificate or why
// crypto/x509 could not parse it. It returns nil, with a nil error, when the
// X.509 checks are skipped.
func (u *Uploader) CheckDetail(req Request) (*validate.Parsed, error) {
	return u.preflight(req)
}

// preflight is every check made before a request is sent, each input read
// once: the user name's pattern, the body's length and characters, then
// either the whole certificate judgement (validate.Parse decodes the PEM
// once and parses the DER once) or, with SkipX509Checks, the private-key
// search alone.
func (u *Uploader) preflight(req Request) (*validate.Parsed, error) {
	if err := checkUser(req.UserName); err != nil {
		return nil, err
	}
	if err := validate.CertificateBody(req.CertificateBody); err != nil {
		return nil, preflightError(err)
	}
	var s settings // a nil Uploader checks as a zero one does
	if u != nil {
		s = u.s
	}
	if s.skipX509 {
		if err := validate.NoPrivateKey(req.CertificateBody); err != nil {
			return nil, preflightError(err)
		}
		return nil, nil
	}
	opts := validate.CertificateOptions{ClockSkew: s.skew, CurrentTime: s.now()}
	p, err := validate.Parse(req.CertificateBody, opts)
	if err != nil {
		return nil, preflightError(err)
	}
	return p, nil
}

// parsedX509 returns p's parsed certificate, or nil (when the X.509
// checks were skipped, p is nil).
func parsedX509(p *validate.Parsed) *x509.Certificate {
	if p == nil {
		return nil
	}
	return p.X509
}

// describeSent completes c, the answer to an upload of a certificate
// crypto/x509 could not parse: its fingerprint comes from the DER, and
// ParseError says why Go refused it. (For one Go parsed, upload has set X509
// and the fingerprint already.)
func describeSent(c *Certificate, p *validate.Parsed) {
	if p == nil || p.X509 != nil {
		return
	}
	c.Fingerprint = fingerprintDER(p.DER)
	c.ParseError = p.X509Error
}

// fingerprintDER is Fingerprint of a certificate's DER.
func fingerprintDER(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
