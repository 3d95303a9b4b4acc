package iammodel

import (
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// IAM's patterns, compiled from the text of IAM's API model (iamspec.API*),
// not from the validate package: the model is the oracle validate is tested
// against, so it must not share validate's judgement.
var (
	bodyRE     = regexp.MustCompile(iamspec.GoPattern(iamspec.APICertificateBodyPattern))
	userNameRE = regexp.MustCompile(iamspec.GoPattern(iamspec.APIUserNamePattern))
	certIDRE   = regexp.MustCompile(iamspec.GoPattern(iamspec.APICertificateIDPattern))
	markerRE   = regexp.MustCompile(iamspec.GoPattern(iamspec.APIMarkerPattern))
)

// checkLength applies a length constraint in characters (code points, as
// IAM's API model counts; a byte that is not UTF-8 counts as one).
func checkLength(field, value string, minLen, maxLen int) *Error {
	n := utf8.RuneCountInString(value)
	if n < minLen {
		return validation(field, value, constraintMinLen(minLen))
	}
	if n > maxLen {
		return validation(field, value, constraintMaxLen(maxLen))
	}
	return nil
}

// checkUserName applies IAM's user-name constraints, with maxLen
// iamspec.UserNameMaxLen for existing users and
// iamspec.UserNameCreateMaxLen for CreateUser. The pattern has IAM's own
// sentence (iamspec.MsgUserNamePattern).
func checkUserName(name string, maxLen int) *Error {
	if err := checkLength(iamspec.FieldUserName, name, iamspec.UserNameMinLen, maxLen); err != nil {
		return err
	}
	if !userNameRE.MatchString(name) {
		return newError(iamspec.CodeValidationError, iamspec.MsgUserNamePattern)
	}
	return nil
}

// checkBodyConstraints applies IAM's length and character constraints on
// CertificateBody.
func checkBodyConstraints(body string) *Error {
	if err := checkLength(iamspec.FieldCertificateBody, body, iamspec.CertificateBodyMinLen, iamspec.CertificateBodyMaxLen); err != nil {
		return err
	}
	if !bodyRE.MatchString(body) {
		return validation(iamspec.FieldCertificateBody, body, constraintPattern(iamspec.APICertificateBodyPattern))
	}
	return nil
}

// checkCertificateID checks a required CertificateId against IAM's
// constraints.
func checkCertificateID(id *string) *Error {
	if id == nil {
		return validationNull(iamspec.FieldCertificateID)
	}
	if err := checkLength(iamspec.FieldCertificateID, *id, iamspec.CertificateIDMinLen, iamspec.CertificateIDMaxLen); err != nil {
		return err
	}
	if !certIDRE.MatchString(*id) {
		return validation(iamspec.FieldCertificateID, *id, constraintPattern(iamspec.APICertificateIDPattern))
	}
	return nil
}

// checkMarker checks an optional Marker against IAM's constraints.
func checkMarker(mk *string) *Error {
	if mk == nil {
		return nil
	}
	if err := checkLength(iamspec.FieldMarker, *mk, iamspec.MarkerMinLen, iamspec.MarkerMaxLen); err != nil {
		return err
	}
	if !markerRE.MatchString(*mk) {
		return validation(iamspec.FieldMarker, *mk, constraintPattern(iamspec.APIMarkerPattern))
	}
	return nil
}

// pageSize returns MaxItems, or def when it is absent, refusing values
// outside IAM's 1..1000.
func pageSize(maxItems *int, def int) (int, *Error) {
	if maxItems == nil {
		return def, nil
	}
	n := *maxItems
	if n < iamspec.MaxItemsMin {
		return 0, validation(iamspec.FieldMaxItems, strconv.Itoa(n), constraintMinValue(iamspec.MaxItemsMin))
	}
	if n > iamspec.MaxItemsMax {
		return 0, validation(iamspec.FieldMaxItems, strconv.Itoa(n), constraintMaxValue(iamspec.MaxItemsMax))
	}
	return n, nil
}
