// Package iamspec holds the facts of IAM's signing-certificate contract
// (API version 2010-05-08) that more than one package needs: field limits,
// the quota, error codes with their HTTP statuses, and IAM's messages.
//
// It is the single place these facts live. The validator, the uploader's
// error mapping and the local IAM model all read them from here.
package iamspec

import "fmt"

// Field limits, in characters (Unicode code points), from the IAM API
// reference and the Smithy model.
const (
	CertificateBodyMinLen = 1
	CertificateBodyMaxLen = 16384
	UserNameMinLen        = 1
	UserNameMaxLen        = 128
	CertificateIDMinLen   = 24
	CertificateIDMaxLen   = 128
	MarkerMinLen          = 1
	MarkerMaxLen          = 320
	MaxItemsMin           = 1
	MaxItemsMax           = 1000

	// CertificatesPerUser is IAM's fixed quota of signing certificates per
	// user; Active and Inactive certificates both count.
	CertificatesPerUser = 2
)

// CertificateBodyMaxBytes is the most UTF-8 bytes a valid body can take:
// every allowed character is at most U+00FF, which UTF-8 encodes in two bytes.
const CertificateBodyMaxBytes = 2 * CertificateBodyMaxLen

// Patterns are IAM's own regular expressions, anchored, in Go's syntax. They
// are the specification: code that checks fields without regexp is tested
// against them.
const (
	CertificateBodyPattern = `^[\x{9}\x{A}\x{D}\x{20}-\x{FF}]+$`
	UserNamePattern        = `^[\w+=,.@-]+$`
	CertificateIDPattern   = `^[\w]+$`
	MarkerPattern          = `^[\x{20}-\x{FF}]+$`
)

// API parameter names, as IAM spells them in requests and error messages.
const (
	FieldCertificateBody = "CertificateBody"
	FieldUserName        = "UserName"
	FieldCertificateID   = "CertificateId"
	FieldStatus          = "Status"
	FieldMarker          = "Marker"
	FieldMaxItems        = "MaxItems"
)

// Operation names (the awsquery Action values).
const (
	OpUpload = "UploadSigningCertificate"
	OpList   = "ListSigningCertificates"
	OpUpdate = "UpdateSigningCertificate"
	OpDelete = "DeleteSigningCertificate"
)

// APIVersion is the awsquery Version parameter IAM expects.
const APIVersion = "2010-05-08"

// Namespace is the XML namespace of IAM's responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// IAM error codes as they travel on the wire.
const (
	CodeConcurrentModification = "ConcurrentModification"
	CodeDuplicateCertificate   = "DuplicateCertificate"
	CodeEntityAlreadyExists    = "EntityAlreadyExists"
	CodeInvalidCertificate     = "InvalidCertificate"
	CodeLimitExceeded          = "LimitExceeded"
	CodeMalformedCertificate   = "MalformedCertificate"
	CodeNoSuchEntity           = "NoSuchEntity"
	CodeServiceFailure         = "ServiceFailure"
	CodeValidationError        = "ValidationError"
	CodeAccessDenied           = "AccessDenied"
	CodeThrottling             = "Throttling"
	CodeInvalidInput           = "InvalidInput"
	CodeInvalidAction          = "InvalidAction"
	CodeMissingAuthToken       = "MissingAuthenticationToken"
	CodeInvalidClientTokenID   = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch  = "SignatureDoesNotMatch"
)

// ErrorCode describes one IAM error code.
type ErrorCode struct {
	Code   string
	Status int  // HTTP status IAM answers with
	Server bool // a Receiver (server) fault rather than a Sender fault
}

// ErrorCodes lists every error code this project knows, with IAM's HTTP
// status for it.
var ErrorCodes = []ErrorCode{
	{Code: CodeConcurrentModification, Status: 409},
	{Code: CodeDuplicateCertificate, Status: 409},
	{Code: CodeEntityAlreadyExists, Status: 409},
	{Code: CodeInvalidCertificate, Status: 400},
	{Code: CodeLimitExceeded, Status: 409},
	{Code: CodeMalformedCertificate, Status: 400},
	{Code: CodeNoSuchEntity, Status: 404},
	{Code: CodeServiceFailure, Status: 500, Server: true},
	{Code: CodeValidationError, Status: 400},
	{Code: CodeAccessDenied, Status: 403},
	{Code: CodeThrottling, Status: 400},
	{Code: CodeInvalidInput, Status: 400},
	{Code: CodeInvalidAction, Status: 400},
	{Code: CodeMissingAuthToken, Status: 403},
	{Code: CodeInvalidClientTokenID, Status: 403},
	{Code: CodeSignatureDoesNotMatch, Status: 403},
}

// Status returns IAM's HTTP status for code, or 400 for a code it does not
// list (IAM answers unknown client errors with 400).
func Status(code string) int {
	for _, c := range ErrorCodes {
		if c.Code == code {
			return c.Status
		}
	}
	return 400
}

// IAM's messages, as recorded against the real service.

// MsgNoSuchUser is IAM's message for an unknown user name.
func MsgNoSuchUser(user string) string {
	return fmt.Sprintf("The user with name %s cannot be found.", user)
}

// MsgNoSuchCertificate is IAM's message for an unknown certificate id.
func MsgNoSuchCertificate(id string) string {
	return fmt.Sprintf("The Certificate with id %s cannot be found.", id)
}

// MsgMalformedCertificate is IAM's message for a body it cannot use. IAM
// echoes the whole body in it.
func MsgMalformedCertificate(body string) string {
	return fmt.Sprintf("Certificate %s is malformed.", body)
}

// MsgQuota is IAM's message when a user already holds CertificatesPerUser
// certificates.
var MsgQuota = fmt.Sprintf("Cannot exceed quota for CertificatesPerUser: %d", CertificatesPerUser)

// MsgDuplicateCertificate is the message for a certificate already attached
// to a user in the account.
const MsgDuplicateCertificate = "The Certificate is already in use."

// MsgValidation is the shape of IAM's ValidationError message for a field
// that fails a constraint.
func MsgValidation(field, constraint string) string {
	return fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: %s", lowerFirst(field), constraint)
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}

// MsgInvalidClientTokenID is AWS's message (code InvalidClientTokenId) for a
// request signed with an access key id the account does not know.
const MsgInvalidClientTokenID = "The security token included in the request is invalid."

// MsgMissingAuthToken is AWS's message (code MissingAuthenticationToken)
// for a request that is not signed.
const MsgMissingAuthToken = "Request is missing Authentication Token"

// MsgInvalidAction is AWS's message (code InvalidAction) for an Action the
// service does not have.
func MsgInvalidAction(action string) string {
	return fmt.Sprintf("Could not find operation %s for version %s", action, APIVersion)
}
