package iammodel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iamkit/signingcert/internal/iamspec"
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

// constraintPattern shows the pattern as IAM's API model writes it.
func constraintPattern(apiPattern string) string {
	return "Member must satisfy regular expression pattern: " + apiPattern
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
// IAM's text for this case is not known.
func constraintMarker(op string) string {
	return "Member must be a Marker returned by a previous " + op + " call"
}

// validation is IAM's ValidationError for value of field.
func validation(field, value, constraint string) *Error {
	return newError(iamspec.CodeValidationError, iamspec.MsgValidationValue(field, value, constraint))
}

// validationNull is IAM's ValidationError for a required field left out.
func validationNull(field string) *Error {
	return newError(iamspec.CodeValidationError, iamspec.MsgValidationNull(field, constraintNotNull()))
}
