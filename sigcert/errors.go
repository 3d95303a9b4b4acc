package sigcert

import (
	"errors"
	"fmt"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

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

// ServiceError is an error from the call to IAM: an answer from the service,
// a transport failure, a cancelled context, or a response sigcert could not
// use.
//
// errors.Is matches the sentinel for Code (ErrDuplicateCertificate, ...) and
// anything in the SDK's error, such as context.Canceled. errors.As reaches the
// SDK's error: *types.DuplicateCertificateException, smithy.APIError,
// *awshttp.ResponseError (HTTP status, request id), *smithy.OperationError.
//
// Its message never contains the certificate body, although IAM's own
// message for MalformedCertificate echoes it: reach the SDK error with
// errors.As for IAM's exact words.
type ServiceError struct {
	// Operation is IAM's operation name, e.g. "UploadSigningCertificate".
	Operation string
	// Code is IAM's error code, or "" when IAM gave no answer (transport
	// failure, cancelled context).
	Code string
	// Message is IAM's message with the certificate body removed.
	Message string
	// StatusCode is the HTTP status, or 0 when there was no response.
	StatusCode int
	// RequestID is IAM's request id, or "" when there was none.
	RequestID string
	// Err is the error the SDK returned.
	Err error

	sentinel error
}

// Error implements the error interface.
func (e *ServiceError) Error() string {
	var b strings.Builder
	b.WriteString("sigcert: ")
	b.WriteString(e.Operation)
	b.WriteString(": ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
	default:
		b.WriteString(e.Message)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.StatusCode)
		if e.RequestID != "" {
			fmt.Fprintf(&b, ", request id %s", e.RequestID)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinel for Code (if any) and the SDK's error.
func (e *ServiceError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.Err}
	}
	return []error{e.sentinel, e.Err}
}

// PreflightError is a refusal made locally, before any request was sent.
//
// errors.Is matches the sentinel IAM itself would have answered
// (ErrValidation for lengths and patterns, ErrMalformedCertificate for PEM,
// X.509, validity, file paths and private keys) and the validate package's
// reason (validate.ErrExpired, ...). errors.As reaches the *validate.Error.
// It is never a smithy.APIError: that is how to tell a local refusal from
// IAM's answer.
type PreflightError struct {
	// Err is the refusal, a *validate.Error.
	Err error

	sentinel error
}

// Error implements the error interface.
func (e *PreflightError) Error() string {
	return "sigcert: refused before sending: " + e.Err.Error()
}

// Unwrap returns the IAM sentinel and the validate refusal.
func (e *PreflightError) Unwrap() []error { return []error{e.sentinel, e.Err} }

func preflightError(err error) error {
	s := ErrMalformedCertificate
	if validate.IsConstraint(err) {
		s = ErrValidation
	}
	return &PreflightError{Err: err, sentinel: s}
}

// serviceError wraps an error from the SDK for operation op. body is the
// certificate body sent, if any, so that it can be kept out of the message.
func serviceError(op string, err error, body string) error {
	e := &ServiceError{Operation: op, Err: err}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.StatusCode = re.HTTPStatusCode()
		e.RequestID = re.ServiceRequestID()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
		e.sentinel = SentinelFor(e.Code)
		e.Message = redact(ae.ErrorMessage(), body)
	} else {
		// No answer from IAM: say what happened, innermost cause first, as
		// the SDK's own message would, but with the body removed.
		e.Message = redact(err.Error(), body)
	}
	return e
}

const withheld = "[certificate body withheld]"

// redact removes the certificate body from msg. IAM echoes a malformed body
// in its message ("Certificate <body> is malformed."); if an echo is not
// verbatim, any PEM armour or key marker left in the message withholds the
// whole message.
func redact(msg, body string) string {
	const pre, suf = "Certificate ", " is malformed."
	if strings.HasPrefix(msg, pre) && strings.HasSuffix(msg, suf) {
		return pre + withheld + suf
	}
	// A short body cannot hold key material, and replacing it would mangle
	// the message's own words.
	if len(strings.TrimSpace(body)) >= minRedactLen {
		msg = strings.ReplaceAll(msg, body, withheld)
		msg = strings.ReplaceAll(msg, strings.TrimSpace(body), withheld)
	}
	if strings.Contains(msg, "-----BEGIN") || strings.Contains(msg, "-----END") || strings.Contains(msg, "PRIVATE KEY") {
		return "message withheld: it quotes certificate or key material"
	}
	return msg
}

const minRedactLen = 8
