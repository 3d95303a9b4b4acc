package iammodel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// Error is a refusal by the model: IAM's error code and message. Both faces
// translate it, the in-memory fake into the SDK's error values and the HTTP
// face into IAM's XML error response.
type Error struct {
	// Code is IAM's wire error code, one of the iamspec.Code* constants.
	Code string
	// Message is IAM's message for it.
	Message string
}

// Error implements the error interface as "Code: Message", the way the
// SDK's error types print.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Status returns IAM's HTTP status for the error's code.
func (e *Error) Status() int { return iamspec.Status(e.Code) }

// CodeOf returns the Code of err if it is (or wraps) an *Error, and "" otherwise.
func CodeOf(err error) string {
	var me *Error
	if errors.As(err, &me) {
		return me.Code
	}
	return ""
}

func newError(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Constraint texts of IAM's ValidationError messages (AWS's "Member must ..."
// phrases), filled in with iamspec's limits and patterns.
func constraintNotNull() string { return "Member must not be null" }

func constraintMinLen(n int) string {
	return fmt.Sprintf("Member must have length greater than or equal to %d", n)
}

func constraintMaxLen(n int) string {
	return fmt.Sprintf("Member must have length less than or equal to %d", n)
}

func constraintPattern(pattern string) string {
	// iamspec anchors its patterns for Go; IAM's messages show them unanchored.
	p := strings.TrimSuffix(strings.TrimPrefix(pattern, "^"), "$")
	return "Member must satisfy regular expression pattern: " + p
}

func constraintMinValue(n int) string {
	return fmt.Sprintf("Member must have value greater than or equal to %d", n)
}

func constraintMaxValue(n int) string {
	return fmt.Sprintf("Member must have value less than or equal to %d", n)
}

func constraintEnum(values ...string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// constraintMarker is the model's message for a Marker it did not issue.
func constraintMarker() string {
	return "Member must be a Marker returned by a previous " + iamspec.OpList + " call for this user"
}

func validation(field, constraint string) *Error {
	return newError(iamspec.CodeValidationError, iamspec.MsgValidation(field, constraint))
}

// fromValidate turns a constraint refusal of the validate package (length
// or pattern) into IAM's ValidationError for field. pattern is the field's
// iamspec pattern, minLen and maxLen its iamspec limits.
func fromValidate(err error, field, pattern string, minLen, maxLen int) *Error {
	switch {
	case errors.Is(err, validate.ErrEmpty), errors.Is(err, validate.ErrTooShort):
		return validation(field, constraintMinLen(minLen))
	case errors.Is(err, validate.ErrTooLong):
		return validation(field, constraintMaxLen(maxLen))
	default:
		return validation(field, constraintPattern(pattern))
	}
}
