// Package iamspec holds the facts of IAM's signing-certificate contract
// (API version 2010-05-08) that more than one package needs: field limits,
// the quota, error codes with their HTTP statuses, and IAM's messages.
//
// It is the single place these facts live. The validator, the uploader's
// error mapping and the local IAM model all read them from here.
package iamspec

import (
	"fmt"
	"strings"
)

// Field limits, in characters (Unicode code points), from the IAM API
// reference and the Smithy model.
const (
	CertificateBodyMinLen = 1
	CertificateBodyMaxLen = 16384
	UserNameMinLen        = 1
	UserNameMaxLen        = 128
	// UserNameCreateMaxLen is the longest name CreateUser accepts
	// (userNameType in IAM's API model); the signing-certificate
	// operations accept names up to UserNameMaxLen (existingUserNameType).
	UserNameCreateMaxLen = 64
	CertificateIDMinLen  = 24
	CertificateIDMaxLen  = 128
	MarkerMinLen         = 1
	MarkerMaxLen         = 320
	MaxItemsMin          = 1
	MaxItemsMax          = 1000

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

// The same patterns as IAM's API model writes them (the Smithy model's
// "smithy.api#pattern" traits in aws-sdk-go-v2's
// codegen/sdk-codegen/aws-models/iam.json): Java regular expressions,
// unanchored, matched against the whole value. GoPattern translates them.
// internal/iammodel compiles these, so that its judgement comes from IAM's
// own text rather than from the hand-written Go patterns above.
const (
	APICertificateBodyPattern = `[\u0009\u000A\u000D\u0020-\u00FF]+`
	APIUserNamePattern        = `[\w+=,.@-]+`
	APICertificateIDPattern   = `[\w]+`
	APIMarkerPattern          = `[\u0020-\u00FF]+`
)

// GoPattern turns a pattern written as IAM's API model writes it into Go's
// regexp syntax, anchored at both ends as the model's patterns are applied:
// each \uXXXX escape becomes \x{XXXX}. It handles the escapes IAM's
// patterns use and nothing more.
func GoPattern(api string) string {
	var b strings.Builder
	b.WriteByte('^')
	for i := 0; i < len(api); i++ {
		if api[i] == '\\' && i+6 <= len(api) && api[i+1] == 'u' && isHex4(api[i+2:i+6]) {
			hex := strings.TrimLeft(api[i+2:i+6], "0")
			if hex == "" {
				hex = "0"
			}
			b.WriteString(`\x{` + hex + `}`)
			i += 5
			continue
		}
		if api[i] == '\\' && i+1 < len(api) {
			b.WriteString(api[i : i+2])
			i++
			continue
		}
		b.WriteByte(api[i])
	}
	b.WriteByte('$')
	return b.String()
}

func isHex4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

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

	OpCreateUser = "CreateUser"
	OpGetUser    = "GetUser"
	OpListUsers  = "ListUsers"
	OpDeleteUser = "DeleteUser"
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
	CodeDeleteConflict         = "DeleteConflict"
	CodeInternalFailure        = "InternalFailure"
	CodeServiceUnavailable     = "ServiceUnavailable"
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
	// DeleteConflict: 409 in IAM's API model (DeleteConflictException's
	// httpError trait); InternalFailure 500 and ServiceUnavailable 503 from
	// the common errors of the IAM API reference ("Common Errors").
	{Code: CodeDeleteConflict, Status: 409},
	{Code: CodeInternalFailure, Status: 500, Server: true},
	{Code: CodeServiceUnavailable, Status: 503, Server: true},
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

// MsgDuplicateCertificate is the model's message for a certificate already
// attached to a user in the account. IAM's own text was not found (no
// recorded answer, no documentation quotes it); the code and its 409 are
// from the API reference and IAM's API model. Tests should match the code,
// not this text.
const MsgDuplicateCertificate = "The Certificate is already in use."

// MsgValidationValue is IAM's ValidationError message for a value that
// fails a constraint. IAM quotes the value: "1 validation error detected:
// Value 'x' at 'userName' failed to satisfy constraint: Member must have
// length less than or equal to 64" (public issue trackers:
// qontract-reconcile 2640, awless 277, vault 1031; IAM-FACTS.md).
func MsgValidationValue(field, value, constraint string) string {
	return fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, lowerFirst(field), constraint)
}

// MsgValidationNull is the message for a required value that is absent:
// AWS's validators print null in place of the quoted value.
func MsgValidationNull(field, constraint string) string {
	return fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: %s", lowerFirst(field), constraint)
}

// MsgUserNamePattern is IAM's own sentence for a user name that breaks the
// user-name pattern, in place of the generic pattern message (seen in the
// trackers cited at MsgValidationValue).
const MsgUserNamePattern = "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"

// MsgUserExists is IAM's EntityAlreadyExists message from CreateUser, as
// terraform prints it ("EntityAlreadyExists: User with name X already
// exists.", brikis98/terraform-up-and-running-code and many others).
func MsgUserExists(name string) string {
	return fmt.Sprintf("User with name %s already exists.", name)
}

// MsgDeleteConflictCertificates is IAM's DeleteConflict message for
// DeleteUser while the user holds signing certificates (IAM-FACTS.md).
const MsgDeleteConflictCertificates = "Cannot delete entity, must delete certificates first."

// MsgDeleteConflictAccessKeys is the model's DeleteConflict message for
// DeleteUser while the user has access keys, worded as the certificates'
// one; no answer of IAM's was found for it.
const MsgDeleteConflictAccessKeys = "Cannot delete entity, must delete access keys first."

// MsgThrottling is AWS's message with code Throttling, HTTP 400
// (nccgroup/Scout2 issue 17 quotes IAM's "Rate exceeded").
const MsgThrottling = "Rate exceeded"

// MsgSignatureDoesNotMatch is AWS's message (code SignatureDoesNotMatch,
// HTTP 403) for a request signed with the wrong secret, as recorded from
// IAM's GetUser in aws/aws-cli issue 5166 (and from EC2 in aws/aws-cli
// issue 135). Both fakes answer with it.
const MsgSignatureDoesNotMatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

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
