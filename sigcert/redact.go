package sigcert

import (
	"fmt"
	"reflect"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// This file keeps certificate bodies and key material out of every error
// sigcert returns. IAM echoes a malformed body in its message
// ("Certificate <body> is malformed.", iamspec.MsgMalformedCertificate, as
// the endpoints of sigcerttest answer too), and an endpoint may quote anything; the SDK keeps that
// message in its exception, and every link of its chain repeats it in
// Error(). A log line or an error reporter that walks the Unwrap chain would
// print it. So the chain is rebuilt with the message redacted: the same SDK
// types, copied, so that errors.As still reaches them.

const (
	withheldBody    = "[certificate body withheld]"
	withheldMessage = "message withheld: it quotes certificate or key material"
	withheldRun     = "[withheld]"

	// windowLen is the shortest run of a body's text that counts as quoting
	// it. Shorter runs (a word, an armour label) say nothing secret.
	windowLen = 16
	// base64RunLen is the length from which a run of base64 characters in a
	// message is taken for encoded material. It is one full PEM line; IAM's
	// own identifiers (user names up to 64 characters of [\w+=,.@-], request
	// ids with dashes) rarely reach it, and withholding one is the safer
	// mistake.
	base64RunLen = 64
	// maxChainDepth bounds the walk of an error chain, which a hand-made
	// error could make cyclic.
	maxChainDepth = 32
)

// malformedPre and malformedSuf are IAM's MalformedCertificate message
// around the body it echoes, taken from iamspec.MsgMalformedCertificate, the
// one text the endpoints of sigcerttest answer too.
var malformedPre, malformedSuf, _ = strings.Cut(iamspec.MsgMalformedCertificate("\x00"), "\x00")

// keyMarkers are texts that only key material or PEM content carries,
// compared lower-cased: armour in any case, PuTTY's key files, OpenSSH's.
var keyMarkers = []string{"-----begin", "-----end", "private key", "putty-user-key-file", "private-lines:", "openssh-key-v1"}

// redactor removes one request's certificate body, and anything that looks
// like key material, from messages.
type redactor struct {
	body    string
	windows map[[windowLen]byte]struct{} // every windowLen-byte run of the body's text lines; built on first use
}

func newRedactor(body string) *redactor { return &redactor{body: body} }

// bodyWindows returns the set of windowLen-byte runs within the body's
// lines, leaving out armour lines (they are public text) and the line
// breaks, so that an echo with other line endings or with its lines joined
// is still recognised.
func (r *redactor) bodyWindows() map[[windowLen]byte]struct{} {
	if r.windows != nil {
		return r.windows
	}
	r.windows = map[[windowLen]byte]struct{}{}
	for line := range strings.Lines(r.body) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-----") {
			continue
		}
		for i := 0; i+windowLen <= len(line); i++ {
			r.windows[[windowLen]byte([]byte(line[i:i+windowLen]))] = struct{}{}
		}
	}
	return r.windows
}

// quotesBody reports whether s holds any windowLen-byte run of the body.
func (r *redactor) quotesBody(s string) bool {
	if len(strings.TrimSpace(r.body)) < windowLen || len(s) < windowLen {
		return false
	}
	w := r.bodyWindows()
	for i := 0; i+windowLen <= len(s); i++ {
		if _, ok := w[[windowLen]byte([]byte(s[i:i+windowLen]))]; ok {
			return true
		}
	}
	return false
}

// hasKeyMarker reports whether s holds PEM armour or a key file's marker.
func hasKeyMarker(s string) bool {
	l := strings.ToLower(s)
	for _, m := range keyMarkers {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

func isBase64Byte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}

// longBase64Runs returns the [start, end) spans of runs of base64
// characters at least base64RunLen long.
func longBase64Runs(s string) [][2]int {
	var spans [][2]int
	for i := 0; i < len(s); {
		if !isBase64Byte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isBase64Byte(s[j]) {
			j++
		}
		if j-i >= base64RunLen {
			spans = append(spans, [2]int{i, j})
		}
		i = j
	}
	return spans
}

// leaks reports whether s shows the body or anything like key material.
func (r *redactor) leaks(s string) bool {
	return hasKeyMarker(s) || len(longBase64Runs(s)) > 0 || r.quotesBody(s)
}

// message returns msg fit to print: IAM's echo with the body replaced,
// long base64 runs replaced, and any other message that quotes the body or
// holds key material withheld whole.
func (r *redactor) message(msg string) string {
	if len(msg) > len(malformedPre)+len(malformedSuf) && strings.HasPrefix(msg, malformedPre) && strings.HasSuffix(msg, malformedSuf) {
		return iamspec.MsgMalformedCertificate(withheldBody)
	}
	if hasKeyMarker(msg) || r.quotesBody(msg) {
		return withheldMessage
	}
	if spans := longBase64Runs(msg); len(spans) > 0 {
		var b strings.Builder
		last := 0
		for _, sp := range spans {
			b.WriteString(msg[last:sp[0]])
			b.WriteString(withheldRun)
			last = sp[1]
		}
		b.WriteString(msg[last:])
		return b.String()
	}
	return msg
}

// linkLeaks reports whether err's own printed forms show secret text: its
// Error() (which %v and %+v print) and its %#v.
func (r *redactor) linkLeaks(err error) bool {
	return r.leaks(err.Error()) || r.leaks(fmt.Sprintf("%#v", err))
}

// clean returns err's chain with nothing in it that prints the body or key
// material: links that print nothing secret are kept as they are; SDK links
// are copied with their message redacted or their inner error cleaned, so
// that errors.As still finds their types; any other link that would print a
// secret is replaced by a redactedError over its cleaned inner errors.
func (r *redactor) clean(err error) error {
	c, _ := r.cleanAt(err, 0)
	return c
}

// cleanAt cleans err, depth links down the chain, and reports whether it
// had to change anything. Each link's inner errors are cleaned once, so the
// work is linear in the chain's length. (Errors are not compared with ==:
// some are structs that hold slices, and comparing those panics.)
func (r *redactor) cleanAt(err error, depth int) (error, bool) {
	if err == nil {
		return nil, false
	}
	if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
		return err, false
	}
	if depth > maxChainDepth {
		// A chain this deep is likely cyclic: stop walking it.
		if r.linkLeaks(err) {
			return &redactedError{msg: r.message(err.Error())}, true
		}
		return err, false
	}
	switch e := err.(type) {
	case *smithy.GenericAPIError:
		if !r.linkLeaks(e) {
			return err, false
		}
		cp := *e
		cp.Message = r.message(e.Message)
		return r.checked(&cp, err, nil)
	case *awshttp.ResponseError:
		// Its Unwrap is the embedded *smithyhttp.ResponseError's, which
		// skips that link; errors.As reaches it through the As method.
		if e.ResponseError == nil {
			break
		}
		inner, changed := r.cleanAt(e.ResponseError, depth+1)
		if !changed && !r.linkLeaks(e) {
			return err, false
		}
		if re, ok := inner.(*smithyhttp.ResponseError); ok {
			cp := *e
			cp.ResponseError = re
			return r.checked(&cp, err, []error{inner})
		}
		return r.opaque(err, []error{inner}), true
	case *smithy.DeserializationError:
		// Snapshot is the start of the response body, which may echo
		// the request.
		inner, changed := r.cleanAt(e.Err, depth+1)
		snapLeaks := r.leaks(string(e.Snapshot))
		if !changed && !snapLeaks && !r.linkLeaks(e) {
			return err, false
		}
		cp := *e
		cp.Err = inner
		if snapLeaks {
			cp.Snapshot = nil
		}
		return r.checked(&cp, err, []error{inner})
	}
	return r.copyLink(err, depth)
}

// checked returns c, a copy of err, if it prints nothing secret, and
// otherwise err made opaque over inners, its inner errors already cleaned.
func (r *redactor) checked(c, err error, inners []error) (error, bool) {
	if !r.linkLeaks(c) {
		return c, true
	}
	return r.opaque(err, inners), true
}

// copyLink copies an SDK link by reflection: a typed exception (a pointer
// to a struct with a Message *string field, as every generated
// types.XxxException is) gets its message redacted; a wrapper (a pointer to
// a struct with an exported Err error field: *smithy.OperationError,
// *smithyhttp.ResponseError, *retry.MaxAttemptsError,
// *smithyhttp.RequestSendError, ...) gets its inner error cleaned. Any
// other link is kept if neither it nor anything beneath it prints a
// secret, and made opaque if it does.
func (r *redactor) copyLink(err error, depth int) (error, bool) {
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		s := v.Elem()
		if _, ok := err.(smithy.APIError); ok {
			f := s.FieldByName("Message")
			if f.IsValid() && f.Type() == reflect.TypeFor[*string]() {
				if !r.linkLeaks(err) {
					return err, false
				}
				cp := reflect.New(s.Type())
				cp.Elem().Set(s)
				if m, _ := f.Interface().(*string); m != nil {
					red := r.message(*m)
					cp.Elem().FieldByName("Message").Set(reflect.ValueOf(&red))
				}
				return r.checked(cp.Interface().(error), err, nil)
			}
		}
		if sf, ok := s.Type().FieldByName("Err"); ok && sf.IsExported() && len(sf.Index) == 1 && sf.Type == reflect.TypeFor[error]() {
			inner, _ := s.FieldByIndex(sf.Index).Interface().(error)
			cleaned, changed := r.cleanAt(inner, depth+1)
			if !changed && !r.linkLeaks(err) {
				return err, false
			}
			cp := reflect.New(s.Type())
			cp.Elem().Set(s)
			if cleaned != nil {
				cp.Elem().FieldByIndex(sf.Index).Set(reflect.ValueOf(cleaned))
			}
			return r.checked(cp.Interface().(error), err, []error{cleaned})
		}
	}
	var inners []error
	changed := false
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		c, ch := r.cleanAt(u.Unwrap(), depth+1)
		inners, changed = []error{c}, ch
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			c, ch := r.cleanAt(inner, depth+1)
			inners = append(inners, c)
			changed = changed || ch
		}
	}
	if !changed && !r.linkLeaks(err) {
		return err, false
	}
	return r.opaque(err, inners), true
}

// opaque replaces err, which prints a secret, by a redactedError over
// inners, its inner errors already cleaned. errors.As no longer finds err's
// own type, but finds the SDK's types beneath it; an API error stays a
// smithy.APIError, as a *smithy.GenericAPIError with the same code,
// redacted message and fault.
func (r *redactor) opaque(err error, inners []error) error {
	if ae, ok := err.(smithy.APIError); ok {
		return &smithy.GenericAPIError{Code: ae.ErrorCode(), Message: r.message(ae.ErrorMessage()), Fault: ae.ErrorFault()}
	}
	msg := r.message(err.Error())
	if _, multi := err.(interface{ Unwrap() []error }); multi {
		re := &redactedErrors{msg: msg}
		for _, inner := range inners {
			if inner != nil {
				re.errs = append(re.errs, inner)
			}
		}
		return re
	}
	re := &redactedError{msg: msg}
	if len(inners) > 0 {
		re.err = inners[0]
	}
	return re
}

// redactedError stands in for a link of an error chain that printed a
// certificate body or key material: its message is the link's, redacted,
// and it unwraps to the link's inner error, cleaned.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactedErrors is redactedError for a link with several inner errors.
type redactedErrors struct {
	msg  string
	errs []error
}

func (e *redactedErrors) Error() string   { return e.msg }
func (e *redactedErrors) Unwrap() []error { return e.errs }
