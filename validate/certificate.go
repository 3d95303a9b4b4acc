package validate

import (
	"crypto/x509"
	"encoding/pem"
	"path"
	"strings"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// DefaultClockSkew is a sensible ClockSkew for CertificateOptions: the
// tolerance sigcert's Uploader uses unless told otherwise.
const DefaultClockSkew = 5 * time.Minute

// CertificateOptions tune Certificate. The zero value checks validity
// against the current time with no tolerance.
type CertificateOptions struct {
	// CurrentTime is the time validity is checked against. If zero, the
	// current time is used.
	CurrentTime time.Time
	// ClockSkew is the tolerated difference between this machine's clock and
	// IAM's: a certificate is refused as expired only when NotAfter is more
	// than ClockSkew in the past, and as not yet valid only when NotBefore is
	// more than ClockSkew in the future. Negative values count as zero.
	//
	// IAM refuses a certificate whose NotBefore is in its future, even by a
	// minute. Generate certificates with NotBefore a little in the past.
	ClockSkew time.Duration
}

const (
	pemBegin     = "-----BEGIN "
	pemEnd       = "-----END "
	pemCertBegin = "-----BEGIN CERTIFICATE-----"
)

// Certificate decodes body as one PEM CERTIFICATE block, parses it as an
// X.509 certificate, and checks its validity window. It returns the parsed
// certificate.
//
// Refused, each with its own Reason:
//   - a body that looks like a file path (cert.pem, ./certs/bob.crt,
//     file://x.pem): ErrFilePath;
//   - private key material in any form NoPrivateKey finds, anywhere:
//     ErrPrivateKey (key material must never leave the machine; the error
//     does not echo it);
//   - no PEM block: ErrNoPEM; text before the block: ErrLeadingData; a block
//     that is truncated, has invalid base64, or an END without a BEGIN:
//     ErrMalformedPEM; headers inside the block: ErrPEMHeaders; a block of
//     another type: ErrNotCertificate; a second certificate: ErrMultipleCertificates;
//     anything else after the block: ErrTrailingData;
//   - DER that crypto/x509 cannot parse: ErrUnparsable, even when the DER is
//     a well-formed certificate that other parsers read (Parse accepts
//     those, and the refusal's Detail says so);
//   - ErrExpired and ErrNotYetValid against opts.CurrentTime and opts.ClockSkew.
//
// Whitespace before and after the block is allowed, and so are CRLF line
// endings. Certificate does not check IAM's length and character constraints:
// call CertificateBody for those. A body longer than any valid body is
// refused with ErrTooLong without being read.
func Certificate(body string, opts CertificateOptions) (*x509.Certificate, error) {
	p, err := Parse(body, opts)
	if err != nil {
		return nil, err
	}
	if p.X509 == nil {
		e := p.X509Error.(*Error)
		return nil, refuse(e.Field, ErrUnparsable, e.Offset,
			"%s; the DER is a well-formed certificate, which validate.Parse accepts", e.Detail)
	}
	return p.X509, nil
}

// decodeGeneral returns the DER of body's one CERTIFICATE block in any
// layout pem.Decode reads, refusing everything else in the body with its
// reason.
func decodeGeneral(body string) (der []byte, begin int, err error) {
	const field = iamspec.FieldCertificateBody
	if err := NoPrivateKey(body); err != nil {
		return nil, 0, err
	}
	begin = strings.Index(body, pemBegin)
	if begin < 0 {
		if looksLikePath(body) {
			return nil, 0, refuse(field, ErrFilePath, -1,
				"the body must be the certificate's PEM text; with the AWS CLI write file://PATH to send a file's contents, in Go read the file first")
		}
		if end := strings.Index(body, pemEnd); end >= 0 {
			return nil, 0, refuse(field, ErrMalformedPEM, end, "END line without a BEGIN line")
		}
		return nil, 0, refuse(field, ErrNoPEM, -1, "expected a -----BEGIN CERTIFICATE----- block")
	}
	if lead := firstNonSpace(body[:begin]); lead >= 0 {
		return nil, 0, refuse(field, ErrLeadingData, lead, "only whitespace may come before -----BEGIN CERTIFICATE-----")
	}

	block, rest := pem.Decode([]byte(body[begin:]))
	if block == nil {
		return nil, 0, refuse(field, ErrMalformedPEM, begin, "the block is truncated, lacks its END line, or holds invalid base64")
	}
	consumed := len(body) - begin - len(rest)
	// pem.Decode skips a broken block and returns a later one; a block we
	// accept must be the first BEGIN in the body.
	if strings.Count(body[begin:begin+consumed], pemBegin) > 1 {
		return nil, 0, refuse(field, ErrMalformedPEM, begin, "the first block is broken (truncated, invalid base64, or nested BEGIN lines)")
	}
	if block.Type != "CERTIFICATE" {
		return nil, 0, refuse(field, ErrNotCertificate, begin, "the block's type is %s, IAM needs CERTIFICATE", describeType(block.Type))
	}
	if len(block.Headers) > 0 {
		return nil, 0, refuse(field, ErrPEMHeaders, begin, "a certificate block has no Key: value header lines")
	}
	if after := firstNonSpace(body[begin+consumed:]); after >= 0 {
		at := begin + consumed + after
		if strings.HasPrefix(body[at:], pemCertBegin) {
			return nil, 0, refuse(field, ErrMultipleCertificates, at,
				"IAM takes one certificate; upload the leaf alone, without its chain")
		}
		return nil, 0, refuse(field, ErrTrailingData, at, "only whitespace may follow -----END CERTIFICATE-----")
	}
	return block.Bytes, begin, nil
}

// knownTypes are PEM block types people paste instead of a certificate.
// Only these are named in messages: any other type is text from the body.
var knownTypes = map[string]bool{
	"PUBLIC KEY": true, "RSA PUBLIC KEY": true, "CERTIFICATE REQUEST": true,
	"NEW CERTIFICATE REQUEST": true, "TRUSTED CERTIFICATE": true, "X509 CRL": true,
	"PKCS7": true, "CMS": true, "EC PARAMETERS": true, "DH PARAMETERS": true,
	"ATTRIBUTE CERTIFICATE": true, "SSH2 PUBLIC KEY": true,
}

func describeType(t string) string {
	if knownTypes[t] {
		return t
	}
	return "not one this package knows"
}

// parseErrorText returns crypto/x509's message without the values some of
// them quote from the certificate (a URI, a name constraint): messages of
// this package never quote the body.
func parseErrorText(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\"`"); i >= 0 {
		msg = strings.TrimRight(msg[:i], " ") + " (value omitted)"
	}
	return msg
}

// firstNonSpace returns the offset of the first byte of s that is not ASCII
// whitespace, or -1.
func firstNonSpace(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			return i
		}
	}
	return -1
}

// pathExts are file extensions people give certificates and keys.
var pathExts = map[string]bool{
	".pem": true, ".crt": true, ".cer": true, ".cert": true, ".der": true,
	".key": true, ".txt": true, ".pub": true, ".p7b": true, ".csr": true,
}

// looksLikePath reports whether body is, in all likelihood, a file's path or
// name rather than its contents: the AWS CLI's most common mistake.
func looksLikePath(body string) bool {
	t := strings.TrimSpace(body)
	if t == "" || len(t) > 4096 || strings.ContainsAny(t, "\r\n\t") {
		return false
	}
	for _, p := range []string{"file://", "fileb://", "/", "./", "../", "~/", `.\`, `..\`} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	if len(t) > 2 && t[1] == ':' && (t[2] == '\\' || t[2] == '/') {
		return true // C:\certs\x.pem
	}
	return pathExts[strings.ToLower(path.Ext(t))]
}
