package validate

import (
	"fmt"
	"unicode/utf8"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// IAM's limits, as this package enforces them. They are defined once, in the
// module's internal specification, and exported here for callers.
const (
	// MaxBodyLength is the most characters a certificate body may have.
	MaxBodyLength = iamspec.CertificateBodyMaxLen
	// MaxUserNameLength is the most characters a user name may have.
	MaxUserNameLength = iamspec.UserNameMaxLen
)

// CertificateBody checks body against IAM's constraints on the
// CertificateBody parameter: 1 to 16384 characters (Unicode code points, not
// bytes), each matching [\u0009\u000A\u000D\u0020-\u00FF]. Bytes that are not
// valid UTF-8 are refused.
//
// A refusal is an *Error with Field "CertificateBody" and Reason ErrEmpty,
// ErrTooLong or ErrInvalidCharacter. A body longer than 32768 bytes cannot be
// 16384 allowed characters and is refused as too long without being read.
func CertificateBody(body string) error {
	const field = iamspec.FieldCertificateBody
	if len(body) < iamspec.CertificateBodyMinLen {
		return refuse(field, ErrEmpty, -1, "IAM requires at least %d character", iamspec.CertificateBodyMinLen)
	}
	if len(body) > iamspec.CertificateBodyMaxBytes {
		return tooManyBytes(len(body))
	}
	n, bad := scanBody(body)
	if bad >= 0 {
		return refuse(field, ErrInvalidCharacter, bad, "%s; IAM allows tab, LF, CR and U+0020 to U+00FF", describeAt(body, bad))
	}
	if n > iamspec.CertificateBodyMaxLen {
		return refuse(field, ErrTooLong, charOffset(body, iamspec.CertificateBodyMaxLen),
			"%d characters, at most %d allowed", n, iamspec.CertificateBodyMaxLen)
	}
	return nil
}

// tooManyBytes refuses a body of n bytes, more than any valid body can take,
// without reading it: the one refusal that runs in constant time.
func tooManyBytes(n int) *Error {
	return refuse(iamspec.FieldCertificateBody, ErrTooLong, -1, "%d bytes, more than the %d bytes that %d allowed characters can take",
		n, iamspec.CertificateBodyMaxBytes, iamspec.CertificateBodyMaxLen)
}

// UserName checks name against IAM's constraints on the UserName parameter:
// 1 to 128 characters, each an ASCII letter, digit, or one of _+=,.@-.
//
// A refusal is an *Error with Field "UserName" and Reason ErrEmpty,
// ErrTooLong or ErrInvalidCharacter. Callers that mean "the caller's own
// user" omit the name instead of passing an empty one.
func UserName(name string) error {
	const field = iamspec.FieldUserName
	if len(name) < iamspec.UserNameMinLen {
		return refuse(field, ErrEmpty, -1, "IAM requires at least %d character", iamspec.UserNameMinLen)
	}
	for i := 0; i < len(name); i++ {
		if !userNameByte[name[i]] {
			return refuse(field, ErrInvalidCharacter, i, "%s; IAM allows A-Z a-z 0-9 and _+=,.@-", describeAt(name, i))
		}
	}
	// Every allowed character is one byte, so bytes are characters here.
	if len(name) > iamspec.UserNameMaxLen {
		return refuse(field, ErrTooLong, iamspec.UserNameMaxLen, "%d characters, at most %d allowed", len(name), iamspec.UserNameMaxLen)
	}
	return nil
}

// userNameByte marks the bytes of IAM's [\w+=,.@-] (ASCII \w).
var userNameByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "_+=,.@-" {
		t[c] = true
	}
	return t
}()

// describeAt names the character at byte offset i of s without quoting it.
func describeAt(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02X is not valid UTF-8", s[i])
	}
	return fmt.Sprintf("character U+%04X is not allowed", r)
}

// charOffset returns the byte offset of the character with index n (0-based).
func charOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
