package validate_test

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// The oracles: IAM's own patterns, compiled with Go's regexp, plus IAM's
// length rules counted in characters. validate must agree with them.
var (
	bodyPattern     = regexp.MustCompile(iamspec.CertificateBodyPattern)
	bodyBadChar     = regexp.MustCompile(negate(iamspec.CertificateBodyPattern))
	userNamePattern = regexp.MustCompile(iamspec.UserNamePattern)
	userNameBadChar = regexp.MustCompile(negate(iamspec.UserNamePattern))
)

// negate turns an anchored one-class pattern ^[...]+$ into [^...], which
// finds the first character outside the class.
func negate(pattern string) string {
	if !strings.HasPrefix(pattern, "^[") || !strings.HasSuffix(pattern, "]+$") {
		panic("unexpected pattern shape: " + pattern)
	}
	return "[^" + pattern[len("^["):len(pattern)-len("+$")]
}

// oracle returns the refusal validate should give for value, or nil. The
// character pattern is checked before the length, as validate documents; a
// value longer than maxBytes is refused as too long without being read (no
// value of more than maxBytes bytes can satisfy both pattern and length).
func oracle(field string, pattern, badChar *regexp.Regexp, maxLen, maxBytes int, value string) *refusal {
	switch {
	case value == "":
		return &refusal{Field: field, Reason: validate.ErrEmpty, Offset: -1}
	case len(value) > maxBytes:
		return &refusal{Field: field, Reason: validate.ErrTooLong, Offset: -1}
	case !pattern.MatchString(value):
		return &refusal{Field: field, Reason: validate.ErrInvalidCharacter, Offset: badChar.FindStringIndex(value)[0]}
	case utf8.RuneCountInString(value) > maxLen:
		// The offset is where the first character too many starts.
		n := 0
		for i := range value {
			if n == maxLen {
				return &refusal{Field: field, Reason: validate.ErrTooLong, Offset: i}
			}
			n++
		}
	}
	return nil
}

func bodyOracle(body string) *refusal {
	return oracle(iamspec.FieldCertificateBody, bodyPattern, bodyBadChar,
		iamspec.CertificateBodyMaxLen, iamspec.CertificateBodyMaxBytes, body)
}

func userNameOracle(name string) *refusal {
	// Every character [\w+=,.@-] allows is one byte: no fast path applies
	// before the pattern, so the byte limit is never reached first.
	return oracle(iamspec.FieldUserName, userNamePattern, userNameBadChar,
		iamspec.UserNameMaxLen, int(^uint(0)>>1), name)
}

// refusal is what tests compare of a *validate.Error: its Detail is prose,
// checked separately. (A *validate.Error is itself an error, which
// cmpopts.EquateErrors would compare whole with errors.Is.)
type refusal struct {
	Field  string
	Reason error
	Offset int
}

// errorOpts compare refusals' reasons with errors.Is.
var errorOpts = cmp.Options{cmpopts.EquateErrors()}

// asRefusal returns what err refuses, nil for nil, and a refusal that equals
// no other for an error that is not a *validate.Error.
func asRefusal(err error) *refusal {
	if err == nil {
		return nil
	}
	var e *validate.Error
	if !errors.As(err, &e) || e != err {
		return &refusal{Field: "not a *validate.Error: " + err.Error(), Offset: -2}
	}
	return &refusal{Field: e.Field, Reason: e.Reason, Offset: e.Offset}
}
