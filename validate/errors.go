package validate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinels, one per reason. Every refusal is an *Error whose Reason is one
// of these, so errors.Is(err, validate.ErrTooLong) works on any refusal.
//
// ErrEmpty, ErrTooShort, ErrTooLong, ErrInvalidCharacter and ErrInvalidValue
// are the field constraints IAM itself checks (its ValidationError); the others are about the certificate
// (IAM's MalformedCertificate, or a refusal IAM would not make but a caller
// needs, such as ErrPrivateKey).
var (
	ErrEmpty            = errors.New("empty")
	ErrTooLong          = errors.New("too long")
	ErrTooShort         = errors.New("too short")
	ErrInvalidValue     = errors.New("value not allowed")
	ErrInvalidCharacter = errors.New("character not allowed")

	ErrFilePath             = errors.New("looks like a file path, not a certificate")
	ErrPrivateKey           = errors.New("contains a private key")
	ErrNoPEM                = errors.New("no PEM block")
	ErrLeadingData          = errors.New("text before the PEM block")
	ErrMalformedPEM         = errors.New("malformed PEM")
	ErrPEMHeaders           = errors.New("PEM headers inside the block")
	ErrNotCertificate       = errors.New("PEM block is not a CERTIFICATE")
	ErrMultipleCertificates = errors.New("more than one certificate")
	ErrTrailingData         = errors.New("data after the certificate")
	ErrUnparsable           = errors.New("not a parseable X.509 certificate")
	ErrExpired              = errors.New("certificate has expired")
	ErrNotYetValid          = errors.New("certificate is not yet valid")
)

// Error is a refusal: which field, why, and where.
//
// Its message names the field, the reason and the byte offset, and never
// quotes the field's value: a certificate body may hold key material, and
// error messages end up in logs.
type Error struct {
	// Field is IAM's parameter name: "CertificateBody" or "UserName".
	Field string
	// Reason is one of this package's sentinels; Unwrap returns it.
	Reason error
	// Offset is the byte offset in the field of the first offending
	// character or line, or -1 when no single position applies.
	Offset int
	// Detail says more, and is safe to print: it never holds the value.
	Detail string
}

// Error implements the error interface: "validate: " and Message.
func (e *Error) Error() string { return "validate: " + e.Message() }

// Message is the refusal without the package's "validate: " prefix, such as
// "CertificateBody: certificate has expired: NotAfter … (at byte offset 0)",
// for a caller that puts its own prefix in front (sigcert's PreflightError
// does) instead of editing the string. The zero Error says "refused".
func (e *Error) Message() string {
	if e == nil {
		return "refused"
	}
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Reason != nil {
		b.WriteString(e.Reason.Error())
	} else {
		b.WriteString("refused")
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Offset >= 0 {
		b.WriteString(" (at byte offset ")
		b.WriteString(strconv.Itoa(e.Offset))
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the Reason sentinel.
func (e *Error) Unwrap() error { return e.Reason }

// IsConstraint reports whether err is a refusal of one of the field
// constraints IAM itself enforces with its ValidationError: a length, a
// character pattern or an enumeration. Other refusals concern the
// certificate itself.
func IsConstraint(err error) bool {
	for _, r := range []error{ErrEmpty, ErrTooShort, ErrTooLong, ErrInvalidCharacter, ErrInvalidValue} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

func refuse(field string, reason error, offset int, format string, args ...any) *Error {
	return &Error{Field: field, Reason: reason, Offset: offset, Detail: fmt.Sprintf(format, args...)}
}

// ErrX509Unsupported is the Reason of Parsed.X509Error: the certificate is
// well-formed, but crypto/x509 cannot parse it. It is never a refusal.
var ErrX509Unsupported = errors.New("well-formed, but crypto/x509 cannot parse it")
