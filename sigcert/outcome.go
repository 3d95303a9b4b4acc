package sigcert

import (
	"errors"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// unknownOutcomeCode reports whether code is that of an answer that says
// nothing about whether the request was applied. Throttling and ConcurrentModification
// are answered before or instead of a change as far as IAM documents, but
// IAM does not promise that a request answered so left nothing behind, and
// the safer reading for a caller is "unknown". The 5xx codes are listed for
// an answer whose HTTP status did not reach the error (a hand-built error);
// any 5xx status counts anyway. Evidence: the SDK's standard retryer retries
// 500, 502, 503 and 504 whatever the code (aws/retry/retryable_error.go),
// and IAM's common errors page lists InternalFailure (500) and
// ServiceUnavailable (503).
func unknownOutcomeCode(code string) bool {
	switch strings.ToLower(code) {
	case "throttling", "throttlingexception", "requestlimitexceeded",
		"concurrentmodification", "concurrentmodificationexception",
		"servicefailure", "servicefailureexception", "internalfailure", "serviceunavailable",
		"requesttimeout", "requesttimeoutexception":
		return true
	}
	return false
}

// OutcomeUnknown reports whether err leaves it unknown whether IAM applied
// the request it answers: the caller cannot tell "done" from "not done"
// without looking (listing the user's certificates).
//
// Unknown: any HTTP 5xx status whatever its code; a transport failure or
// timeout, including a context that ended while the request was in flight;
// Throttling and ConcurrentModification; a success answer sigcert could not
// use (ErrIncompleteResponse). Known: nil; a *PreflightError and any other
// refusal made before sending; any 4xx answer with an error code other than
// those two, such as DuplicateCertificate or LimitExceeded, which IAM
// answers instead of applying the request.
//
// Ensure and Rotate resolve an unknown outcome themselves by listing; a
// caller of Upload, SetStatus or Delete uses this to decide whether to look
// before trying again.
func OutcomeUnknown(err error) bool {
	if err == nil {
		return false
	}
	var pe *PreflightError
	var me *misuseError
	var ip smithy.InvalidParamsError
	if errors.As(err, &pe) || errors.As(err, &me) || errors.As(err, &ip) {
		return false // nothing was sent
	}
	if s := statusOf(err); s >= 500 && s <= 599 {
		return true
	}
	code := codeOf(err)
	if code == "" {
		code = Code(err) // a sentinel wrapped by hand, such as a local refusal
	}
	if code != "" {
		return unknownOutcomeCode(code)
	}
	// No code: no answer at all (transport failure, timeout, ended
	// context), an answer that did not decode, or an answer sigcert could
	// not use. None of them says what IAM did.
	return true
}

// statusOf returns the HTTP status err carries, or 0.
func statusOf(err error) int {
	var se *ServiceError
	if errors.As(err, &se) && se.StatusCode != 0 {
		return se.StatusCode
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// codeOf returns IAM's error code that err carries, or "".
func codeOf(err error) string {
	var se *ServiceError
	if errors.As(err, &se) && se.Code != "" {
		return se.Code
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
