package sigcerttest

import (
	"encoding/xml"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// APIErrorOption changes the answer APIError stands for.
type APIErrorOption func(*apiErrorAnswer)

type apiErrorAnswer struct {
	status    int
	requestID string
	message   string
	attempts  int
}

// WithStatus sets the HTTP status of the answer; the default is IAM's
// status for the code (409 for DuplicateCertificate, 500 for
// ServiceFailure, 400 for a code IAM does not list). APIError panics for a
// status outside 300-599: an answer below 300 is not an error.
func WithStatus(status int) APIErrorOption {
	return func(a *apiErrorAnswer) { a.status = status }
}

// WithRequestID sets the request id of the answer (its x-amzn-RequestId
// header); the default is a fresh id shaped like IAM's.
func WithRequestID(id string) APIErrorOption {
	return func(a *apiErrorAnswer) { a.requestID = id }
}

// WithMessage sets the message of the answer's <Error><Message> element.
// Without it the answer has no message, and the SDK's value shows that: a
// typed exception's Message is nil, and a *smithy.GenericAPIError's Message
// is "UnknownError", as the SDK's deserializers fill it in.
func WithMessage(msg string) APIErrorOption {
	return func(a *apiErrorAnswer) { a.message = msg }
}

// WithAttempts makes the error the one a client with the SDK's standard
// retryer returns after n attempts all got this answer: the answer wrapped
// in a *retry.MaxAttemptsError. It only fits codes the SDK retries
// (ServiceFailure and other 5xx statuses, Throttling); for other codes the
// SDK gives up after one attempt and never wraps the answer. APIError
// panics for n below 1; 1 means no wrapping.
func WithAttempts(n int) APIErrorOption {
	return func(a *apiErrorAnswer) { a.attempts = n }
}

// APIError returns the error a real *iam.Client returns from operation (one
// of the operations the local IAM serves, such as
// "UploadSigningCertificate") when IAM answers with the error code, such as
// "DuplicateCertificate": the same types, fields and message.
//
//	*smithy.OperationError{ServiceID: "IAM", OperationName: operation}
//	  → *awshttp.ResponseError{RequestID} (the HTTP status through
//	    HTTPStatusCode, an *http.Response with the x-amzn-RequestId header)
//	    → the operation's modelled exception, such as
//	      *types.DuplicateCertificateException, for codes the SDK's
//	      deserializer for that operation models (matched, as the SDK
//	      does, without regard to case); *smithy.GenericAPIError otherwise
//
// A hand-written double of sigcert.API that returns it is indistinguishable
// through sigcert from the real client: the sentinels, sigcert.Code, the
// *sigcert.ServiceError's fields, and errors.As to the SDK's types all come
// out the same (this package's tests check it against the real client for
// every code and operation).
//
//	return nil, sigcerttest.APIError("UploadSigningCertificate", "DuplicateCertificate",
//		sigcerttest.WithRequestID("req-1"))
//
// Like the other helpers, APIError panics on misuse instead of returning an
// error: for an operation the local IAM does not serve (the four
// signing-certificate operations and CreateUser, GetUser, ListUsers and
// DeleteUser), an empty code, or an invalid option.
func APIError(operation, code string, opts ...APIErrorOption) error {
	if _, ok := modelled[operation]; !ok {
		panic(fmt.Sprintf("sigcerttest: APIError: unknown operation %q; want a signing-certificate or user operation, such as %s",
			operation, iamspec.OpUpload))
	}
	if code == "" {
		panic("sigcerttest: APIError: empty error code")
	}
	a := apiErrorAnswer{status: defaultStatus(code), attempts: 1}
	for _, opt := range opts {
		if opt != nil {
			opt(&a)
		}
	}
	if a.status < 300 || a.status > 599 {
		panic(fmt.Sprintf("sigcerttest: APIError: status %d is not an error status (300-599)", a.status))
	}
	if a.attempts < 1 {
		panic(fmt.Sprintf("sigcerttest: APIError: WithAttempts(%d): want at least 1", a.attempts))
	}
	if a.requestID == "" {
		a.requestID = newRequestID()
	}
	err := answerError(operation, a.status, a.requestID, code, a.message)
	if a.attempts > 1 {
		// The retry middleware wraps the attempt's error, inside the
		// operation error (aws/retry/middleware.go, handleAttempt).
		oe := err.(*smithy.OperationError)
		oe.Err = &retry.MaxAttemptsError{Attempt: a.attempts, Err: oe.Err}
	}
	return err
}

// answeredError is the value the SDK's error deserializer for operation op
// (awsAwsquery_deserializeOpError<op> in service/iam/deserializers.go)
// builds from an answer with code and message: it matches the modelled codes
// with strings.EqualFold, leaves a typed exception's Message nil when the
// answer has none, and gives a *smithy.GenericAPIError the message
// "UnknownError" then (errorMessage is set to errorCode's initial value,
// "UnknownError", before the code is read). Neither sets a fault
// from the answer: typed exceptions have their own, and a generic error's
// is FaultUnknown.
func answeredError(op, code, message string) smithy.APIError {
	code, message = wireText(code), wireText(message)
	for _, m := range modelled[op] {
		if strings.EqualFold(m, code) {
			var msg *string
			if message != "" {
				msg = &message
			}
			if e := typedError(m, msg); e != nil {
				return e
			}
		}
	}
	if message == "" {
		message = "UnknownError"
	}
	return &smithy.GenericAPIError{Code: code, Message: message}
}

// wireText is s as a client reads it back from the text of an XML
// element: what XML cannot carry (NUL and the other C0 controls but tab,
// LF and CR, and bytes that are not UTF-8) comes back as U+FFFD, as the
// Server writes it (xmlDoc.text); the rest comes back unchanged. An error
// message from IAM reaches the SDK only through XML, so neither the Fake nor
// APIError may return what XML cannot carry.
func wireText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.WriteString("<a>")
	_ = xml.EscapeText(&b, []byte(s))
	b.WriteString("</a>")
	var out string
	if err := xml.Unmarshal([]byte(b.String()), &out); err != nil {
		return s // cannot happen: EscapeText writes valid XML text
	}
	return out
}

// defaultStatus is IAM's status for code, whatever its case (the SDK reads
// codes without regard to case, so a test may spell one either way).
func defaultStatus(code string) int {
	for _, c := range iamspec.ErrorCodes {
		if strings.EqualFold(c.Code, code) {
			return c.Status
		}
	}
	return iamspec.Status(code)
}
