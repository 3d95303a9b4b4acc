package sigcert

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// Sentinels, one per IAM error. Match them with errors.Is; they match both
// IAM's answers (a *ServiceError) and the pre-flight refusals that stand in
// for them (a *PreflightError).
var (
	// ErrConcurrentModification: several requests changed the same object
	// at once (ConcurrentModification, HTTP 409). Safe to retry after a wait;
	// the SDK does not retry it.
	ErrConcurrentModification = errors.New("sigcert: concurrent modification")
	// ErrDuplicateCertificate: the same certificate is already attached to a
	// user in the account (DuplicateCertificate, HTTP 409).
	ErrDuplicateCertificate = errors.New("sigcert: duplicate certificate")
	// ErrEntityAlreadyExists: the resource already exists (EntityAlreadyExists, HTTP 409).
	ErrEntityAlreadyExists = errors.New("sigcert: entity already exists")
	// ErrInvalidCertificate: IAM found the certificate invalid (InvalidCertificate, HTTP 400).
	ErrInvalidCertificate = errors.New("sigcert: invalid certificate")
	// ErrLimitExceeded: a quota would be exceeded, such as IAM's two signing
	// certificates per user (LimitExceeded, HTTP 409).
	ErrLimitExceeded = errors.New("sigcert: limit exceeded")
	// ErrMalformedCertificate: the certificate is malformed or expired
	// (MalformedCertificate, HTTP 400), or pre-flight found it so.
	ErrMalformedCertificate = errors.New("sigcert: malformed certificate")
	// ErrNoSuchEntity: the user or certificate does not exist (NoSuchEntity, HTTP 404).
	ErrNoSuchEntity = errors.New("sigcert: no such entity")
	// ErrServiceFailure: IAM failed (ServiceFailure, HTTP 500). The SDK
	// retries it before giving up.
	ErrServiceFailure = errors.New("sigcert: service failure")
	// ErrValidation: a parameter breaks IAM's length or pattern constraints
	// (ValidationError, HTTP 400), or pre-flight found it would.
	ErrValidation = errors.New("sigcert: validation error")
	// ErrAccessDenied: the caller may not do this, or its credentials were
	// refused (AccessDenied, InvalidClientTokenId, SignatureDoesNotMatch,
	// MissingAuthenticationToken; HTTP 403).
	ErrAccessDenied = errors.New("sigcert: access denied")
	// ErrThrottling: IAM throttled the request (Throttling, HTTP 400). The
	// SDK retries it before giving up.
	ErrThrottling = errors.New("sigcert: throttling")
	// ErrInvalidInput: IAM refused a parameter value (InvalidInput, HTTP 400).
	ErrInvalidInput = errors.New("sigcert: invalid input")
	// ErrIncompleteResponse: IAM answered success but without the
	// certificate or one of its required fields.
	ErrIncompleteResponse = errors.New("sigcert: incomplete response")
)

// sentinelCodes pairs every sentinel with the IAM error codes it stands
// for; the first is its name. It is the one place the pairing is written.
var sentinelCodes = []struct {
	sentinel error
	codes    []string
}{
	{ErrConcurrentModification, []string{iamspec.CodeConcurrentModification}},
	{ErrDuplicateCertificate, []string{iamspec.CodeDuplicateCertificate}},
	{ErrEntityAlreadyExists, []string{iamspec.CodeEntityAlreadyExists}},
	{ErrInvalidCertificate, []string{iamspec.CodeInvalidCertificate}},
	{ErrLimitExceeded, []string{iamspec.CodeLimitExceeded}},
	{ErrMalformedCertificate, []string{iamspec.CodeMalformedCertificate}},
	{ErrNoSuchEntity, []string{iamspec.CodeNoSuchEntity}},
	{ErrServiceFailure, []string{iamspec.CodeServiceFailure}},
	{ErrValidation, []string{iamspec.CodeValidationError}},
	{ErrAccessDenied, []string{iamspec.CodeAccessDenied, iamspec.CodeMissingAuthToken,
		iamspec.CodeInvalidClientTokenID, iamspec.CodeSignatureDoesNotMatch}},
	{ErrThrottling, []string{iamspec.CodeThrottling}},
	{ErrInvalidInput, []string{iamspec.CodeInvalidInput}},
}

// codeSentinels maps IAM error codes, lower-cased, to sentinels. The SDK
// matches codes without regard to case, and older SDK versions reported
// codes with an "Exception" suffix; lookup tolerates both.
var codeSentinels = func() map[string]error {
	m := map[string]error{}
	for _, sc := range sentinelCodes {
		for _, c := range sc.codes {
			m[strings.ToLower(c)] = sc.sentinel
		}
	}
	return m
}()

// SentinelFor returns the sentinel for an IAM error code, in either spelling
// ("DuplicateCertificate" or "DuplicateCertificateException"), or nil for a
// code sigcert does not know.
func SentinelFor(code string) error {
	c := strings.ToLower(code)
	if s, ok := codeSentinels[c]; ok {
		return s
	}
	return codeSentinels[strings.TrimSuffix(c, "exception")]
}

// Code returns the IAM error code that err stands for: the code of the
// first sentinel it matches ("DuplicateCertificate" for
// ErrDuplicateCertificate, "ValidationError" for ErrValidation, and so on,
// whether IAM answered or pre-flight refused), or "" if it matches none.
// ErrAccessDenied is named "AccessDenied", whichever credential failure IAM
// reported; a *ServiceError's Code field has IAM's own.
func Code(err error) string {
	for _, sc := range sentinelCodes {
		if errors.Is(err, sc.sentinel) {
			return sc.codes[0]
		}
	}
	return ""
}

// prefix starts every message sigcert makes, once.
const prefix = "sigcert: "

// Detail returns err's message without sigcert's "sigcert: " prefix, for a
// caller that adds its own context (a CLI's "signingcert upload: …", a
// report line), so that no caller edits message strings. Every error sigcert
// returns starts with the prefix, once; any other error is returned as
// err.Error(), except a *validate.Error, whose message is returned without
// its "validate: " prefix (see (*validate.Error).Message). Detail(nil) is "".
func Detail(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case interface{ detail() string }:
		return e.detail()
	case *validate.Error:
		return e.Message()
	}
	msg := err.Error()
	if d, ok := strings.CutPrefix(msg, prefix); ok {
		return d
	}
	return msg
}

// ServiceError is an error from the call to IAM: an answer from the service,
// a transport failure, a cancelled context, or a response sigcert could not
// use.
//
// errors.Is matches the sentinel for Code (ErrDuplicateCertificate, ...; a
// ServiceError a test builds with only Code set matches it too) and anything
// in the SDK's error, such as context.Canceled. errors.As reaches the SDK's
// error: *types.DuplicateCertificateException, smithy.APIError,
// *awshttp.ResponseError (HTTP status, request id), *smithy.OperationError.
//
// Neither its message nor anything in its Unwrap chain prints the
// certificate body or key material: IAM's message for MalformedCertificate
// echoes the body, so sigcert copies the SDK's error chain with IAM's
// message redacted, in ServiceError.Message and in the SDK's exception
// alike. The zero value prints and unwraps without panicking.
type ServiceError struct {
	// Operation is IAM's operation name, e.g. "UploadSigningCertificate".
	Operation string
	// Code is IAM's error code, or "" when IAM gave no answer (transport
	// failure, cancelled context).
	Code string
	// Message is IAM's message with the certificate body removed, or, when
	// IAM gave no answer, what went wrong instead.
	Message string
	// StatusCode is the HTTP status, or 0 when there was no response.
	StatusCode int
	// RequestID is IAM's request id, or "" when there was none.
	RequestID string
	// Err is the error the SDK returned, with IAM's message redacted as in
	// Message.
	Err error

	// sentinel is the sentinel for Code, set by sigcert, or one for an
	// error with no code (ErrIncompleteResponse); when nil, Unwrap looks
	// Code up, so that a ServiceError built by hand matches too.
	sentinel error
}

// Error implements the error interface.
func (e *ServiceError) Error() string { return prefix + e.detail() }

// detail is the message without the prefix, for Detail:
// "UploadSigningCertificate: DuplicateCertificate: <IAM's message> (HTTP
// 409, request id …)", any part missing left out.
func (e *ServiceError) detail() string {
	if e == nil {
		return "<nil ServiceError>"
	}
	var b strings.Builder
	if e.Operation != "" {
		b.WriteString(e.Operation)
	}
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	add(e.Code)
	msg := e.Message
	if msg == "" && e.Code == "" && e.Err != nil {
		// Built by hand with only Err: its text, kept safe.
		msg = newRedactor("").message(e.Err.Error())
	}
	add(msg)
	if b.Len() == 0 {
		b.WriteString("IAM call failed")
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.StatusCode)
		if e.RequestID != "" {
			fmt.Fprintf(&b, ", request id %s", e.RequestID)
		}
		b.WriteString(")")
	} else if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Unwrap returns the sentinel for Code (if any) and the SDK's error (if
// any).
func (e *ServiceError) Unwrap() []error {
	if e == nil {
		return nil
	}
	var errs []error
	if s := e.sentinelOf(); s != nil {
		errs = append(errs, s)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func (e *ServiceError) sentinelOf() error {
	if e.sentinel != nil {
		return e.sentinel
	}
	return SentinelFor(e.Code)
}

// PreflightError is a refusal made locally, before any request was sent.
//
// errors.Is matches the sentinel IAM itself would have answered
// (ErrValidation for lengths and patterns, ErrMalformedCertificate for PEM,
// X.509, validity, file paths and private keys) and the validate package's
// reason (validate.ErrExpired, ...). errors.As reaches the *validate.Error.
// It is never a smithy.APIError: that is how to tell a local refusal from
// IAM's answer. Its message reads "sigcert: refused before sending:
// CertificateBody: certificate has expired: …", with one prefix. The zero
// value prints and unwraps without panicking.
type PreflightError struct {
	// Err is the refusal, a *validate.Error.
	Err error

	sentinel error
}

// Error implements the error interface.
func (e *PreflightError) Error() string { return prefix + e.detail() }

func (e *PreflightError) detail() string {
	const refused = "refused before sending"
	if e == nil || e.Err == nil {
		return refused
	}
	return refused + ": " + Detail(e.Err)
}

// Unwrap returns the IAM sentinel and the validate refusal.
func (e *PreflightError) Unwrap() []error {
	if e == nil || e.Err == nil {
		return nil
	}
	s := e.sentinel
	if s == nil {
		s = preflightSentinel(e.Err)
	}
	return []error{s, e.Err}
}

// preflightSentinel is the answer IAM would have given to the request
// validate refused: ValidationError for its own field constraints,
// MalformedCertificate for the rest (IAM's documented answer for a bad or
// expired body).
func preflightSentinel(err error) error {
	if validate.IsConstraint(err) {
		return ErrValidation
	}
	return ErrMalformedCertificate
}

func preflightError(err error) error {
	return &PreflightError{Err: err, sentinel: preflightSentinel(err)}
}

// serviceError wraps an error from the SDK for operation op. body is the
// certificate body sent, if any: it is kept out of the message and out of
// every link of the SDK's error chain.
func serviceError(op string, err error, body string) error {
	r := newRedactor(body)
	if se, ok := err.(*ServiceError); ok && se != nil {
		// A mock answered with a ServiceError built by hand: keep it, one
		// prefix, with what sigcert knows filled in and the same redaction.
		cp := *se
		if cp.Operation == "" {
			cp.Operation = op
		}
		cp.Message = r.message(cp.Message)
		cp.Err = r.clean(cp.Err)
		cp.sentinel = cp.sentinelOf()
		return &cp
	}
	e := &ServiceError{Operation: op, Err: r.clean(err)}
	var re *awshttp.ResponseError
	if errors.As(e.Err, &re) && re.ResponseError != nil && re.Response != nil {
		e.StatusCode = re.HTTPStatusCode()
		e.RequestID = re.ServiceRequestID()
	}
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		e.Code = ae.ErrorCode()
		e.sentinel = SentinelFor(e.Code)
		e.Message = r.message(ae.ErrorMessage())
	} else {
		e.Message = r.message(cause(e.Err))
	}
	return e
}

// cause says why a call that got no answer from IAM failed, without the
// SDK's wrappers that repeat what ServiceError already says (the operation,
// an HTTP status of 0 and an empty request id): "request send failed: Post
// …: connection refused (gave up after 3 attempts)", "context canceled".
func cause(err error) string {
	var b strings.Builder
	suffix := ""
	for depth := 0; err != nil && depth < maxChainDepth; depth++ {
		switch e := err.(type) {
		case *smithy.OperationError:
			err = e.Err
			continue
		case *retry.MaxAttemptsError:
			suffix = fmt.Sprintf(" (gave up after %d attempts)", e.Attempt)
			err = e.Err
			continue
		case *awshttp.ResponseError:
			if e.ResponseError != nil {
				err = e.ResponseError.Err
				continue
			}
		case *smithyhttp.ResponseError:
			err = e.Err
			continue
		case *smithyhttp.RequestSendError:
			b.WriteString("request send failed: ")
			err = e.Err
			continue
		}
		break
	}
	if err != nil {
		b.WriteString(err.Error())
	}
	return b.String() + suffix
}
