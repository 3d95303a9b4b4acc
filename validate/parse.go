package validate

import (
	"crypto/x509"
	"encoding/base64"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// Parsed is a certificate body Parse accepted.
type Parsed struct {
	// DER is the certificate's DER encoding, decoded from the body's PEM.
	DER []byte
	// X509 is the certificate as crypto/x509 parses it, or nil when
	// crypto/x509 refuses a certificate that is otherwise well-formed (see
	// X509Error).
	X509 *x509.Certificate
	// X509Error says why crypto/x509 could not parse the certificate, when
	// X509 is nil: an *Error with Reason ErrX509Unsupported whose Detail
	// holds crypto/x509's reason (without any value it quotes). Nil when
	// X509 is set.
	X509Error error
	// NotBefore and NotAfter are the validity window, from X509 or, when
	// X509 is nil, read from the DER.
	NotBefore, NotAfter time.Time
}

// Parse checks body as Certificate does and returns what it found, but
// does not refuse a certificate only because crypto/x509 cannot parse it.
//
// Go's parser is stricter than the standard's common readers (OpenSSL,
// Java): it refuses a negative serial number, keys on curves it does not
// implement (secp256k1, brainpool), a PrintableString holding '@' or '_', a
// UniversalString name, a URI it cannot parse. IAM is not known to refuse
// these. When crypto/x509 refuses the DER, Parse walks the RFC 5280
// structure itself with encoding/asn1 (every field of TBSCertificate in
// order, with its type), reads the validity window from it, and accepts a
// well-formed certificate with X509 nil and X509Error saying why Go could
// not parse it. DER that is not a well-formed certificate is refused with
// ErrUnparsable, and the validity window is checked either way.
//
// Every other refusal is Certificate's, with the same Reason and Offset.
func Parse(body string, opts CertificateOptions) (*Parsed, error) {
	const field = iamspec.FieldCertificateBody
	if len(body) > iamspec.CertificateBodyMaxBytes {
		return nil, tooManyBytes(len(body))
	}
	der, begin, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	p := &Parsed{DER: der}
	cert, xerr := x509.ParseCertificate(der)
	if xerr == nil {
		p.X509, p.NotBefore, p.NotAfter = cert, cert.NotBefore, cert.NotAfter
	} else {
		nb, na, werr := derWindow(der)
		if werr != nil {
			// The DER of a key relabelled CERTIFICATE, or of anything else:
			// a key gets its own refusal.
			if err := NoPrivateKey(body); err != nil {
				return nil, err
			}
			return nil, refuse(field, ErrUnparsable, begin, "%s; nor is it a well-formed certificate: %v",
				parseErrorText(xerr), werr)
		}
		p.NotBefore, p.NotAfter = nb, na
		p.X509Error = refuse(field, ErrX509Unsupported, begin, "%s", parseErrorText(xerr))
	}
	if err := checkWindow(p.NotBefore, p.NotAfter, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeBody returns the DER of body's one CERTIFICATE block and the
// block's offset, refusing anything else in the body.
//
// The usual layout (whitespace, the BEGIN line, lines of base64 whose
// lengths are multiples of 4, the END line, whitespace) is decoded in one
// pass over the body. Nothing in that layout can hold key material but the
// DER itself, which Parse looks at if crypto/x509 refuses it. Any other
// layout goes through the general rules, each with its reason.
func decodeBody(body string) (der []byte, begin int, err error) {
	if der, begin, ok := decodeUsual(body); ok {
		return der, begin, nil
	}
	return decodeGeneral(body)
}

const (
	pemCertEnd = "-----END CERTIFICATE-----"
)

// decodeUsual decodes body if it is in the usual layout; ok is false
// otherwise, and for any doubt: decodeGeneral then decides.
func decodeUsual(body string) (der []byte, begin int, ok bool) {
	begin = firstNonSpace(body)
	if begin < 0 || len(body)-begin < len(pemCertBegin) || body[begin:begin+len(pemCertBegin)] != pemCertBegin {
		return nil, 0, false
	}
	i := lineEnd(body, begin+len(pemCertBegin))
	if i < 0 {
		return nil, 0, false
	}
	src := []byte(body)
	der = make([]byte, base64.StdEncoding.DecodedLen(len(body)-i))
	n := 0
	padded := false
	for {
		j := i
		for j < len(body) && body[j] != '\n' && body[j] != '\r' {
			j++
		}
		line := src[i:j]
		if len(line) == len(pemCertEnd) && string(line) == pemCertEnd {
			// The END line ends the body or a line, and only whitespace
			// follows it.
			if j < len(body) {
				if j = lineEnd(body, j); j < 0 || firstNonSpace(body[j:]) >= 0 {
					return nil, 0, false
				}
			}
			return der[:n:n], begin, true
		}
		if padded || len(line) == 0 || len(line)%4 != 0 {
			return nil, 0, false
		}
		m, err := base64.StdEncoding.Decode(der[n:], line)
		if err != nil {
			return nil, 0, false
		}
		padded = m < len(line)/4*3
		n += m
		if i = lineEnd(body, j); i < 0 {
			return nil, 0, false
		}
	}
}

// lineEnd returns the offset after the line ending (LF or CRLF) at body[i],
// or -1 if there is none.
func lineEnd(body string, i int) int {
	if i < len(body) && body[i] == '\r' {
		i++
	}
	if i < len(body) && body[i] == '\n' {
		return i + 1
	}
	return -1
}

// checkWindow refuses a validity window that does not hold opts' current
// time, within its clock skew.
func checkWindow(notBefore, notAfter time.Time, opts CertificateOptions) error {
	now := opts.CurrentTime
	if now.IsZero() {
		now = time.Now()
	}
	skew := max(opts.ClockSkew, 0)
	const field = iamspec.FieldCertificateBody
	const layout = time.RFC3339
	if now.After(notAfter.Add(skew)) {
		return refuse(field, ErrExpired, -1, "NotAfter %s is before the current time %s (clock skew allowed: %s)",
			notAfter.UTC().Format(layout), now.UTC().Format(layout), skew)
	}
	if now.Before(notBefore.Add(-skew)) {
		return refuse(field, ErrNotYetValid, -1, "NotBefore %s is after the current time %s (clock skew allowed: %s)",
			notBefore.UTC().Format(layout), now.UTC().Format(layout), skew)
	}
	return nil
}
