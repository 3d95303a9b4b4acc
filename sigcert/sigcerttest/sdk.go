package sigcerttest

import (
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// This file turns model values into the values the SDK's deserializers
// build from IAM's responses, so the Fake's results and errors are the ones
// a real *iam.Client would return.

// sdkCertificate is c as the SDK decodes it from IAM's XML.
func sdkCertificate(c iammodel.Certificate) types.SigningCertificate {
	return types.SigningCertificate{
		UserName:        ptr(c.UserName),
		CertificateId:   ptr(c.CertificateID),
		CertificateBody: ptr(c.CertificateBody),
		Status:          types.StatusType(c.Status),
		UploadDate:      ptr(c.UploadDate),
	}
}

func sdkCertificates(cs []iammodel.Certificate) []types.SigningCertificate {
	out := make([]types.SigningCertificate, len(cs))
	for i, c := range cs {
		out[i] = sdkCertificate(c)
	}
	return out
}

// sdkUser is u as the SDK decodes it from IAM's XML.
func sdkUser(u iammodel.User) *types.User {
	return &types.User{
		UserName:   ptr(u.UserName),
		UserId:     ptr(u.UserID),
		Arn:        ptr(u.Arn),
		Path:       ptr(u.Path),
		CreateDate: ptr(u.CreateDate),
	}
}

// modelled lists, per operation, the error codes its SDK deserializer turns
// into a typed exception (iam/deserializers.go); any other code becomes a
// *smithy.GenericAPIError.
var modelled = map[string][]string{
	iamspec.OpUpload: {iamspec.CodeConcurrentModification, iamspec.CodeDuplicateCertificate, iamspec.CodeEntityAlreadyExists,
		iamspec.CodeInvalidCertificate, iamspec.CodeLimitExceeded, iamspec.CodeMalformedCertificate,
		iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
	iamspec.OpList:   {iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
	iamspec.OpUpdate: {iamspec.CodeInvalidInput, iamspec.CodeLimitExceeded, iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
	iamspec.OpDelete: {iamspec.CodeConcurrentModification, iamspec.CodeLimitExceeded, iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
	iamspec.OpCreateUser: {iamspec.CodeConcurrentModification, iamspec.CodeEntityAlreadyExists, iamspec.CodeInvalidInput,
		iamspec.CodeLimitExceeded, iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
	iamspec.OpGetUser:   {iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
	iamspec.OpListUsers: {iamspec.CodeServiceFailure},
	iamspec.OpDeleteUser: {iamspec.CodeConcurrentModification, iamspec.CodeDeleteConflict, iamspec.CodeLimitExceeded,
		iamspec.CodeNoSuchEntity, iamspec.CodeServiceFailure},
}

// answerError is the error *iam.Client's operation op returns when IAM
// answers with status, requestID, code and message: the one construction
// path of every error both the Fake and APIError return, so the two can
// never differ (answeredError builds the API error as the SDK's
// deserializer does, responseError wraps it as the SDK's middleware does).
func answerError(op string, status int, requestID, code, message string) error {
	return responseError(op, status, requestID, answeredError(op, code, message))
}

// typedError returns the SDK's exception type for code, or nil.
func typedError(code string, msg *string) smithy.APIError {
	switch code {
	case iamspec.CodeConcurrentModification:
		return &types.ConcurrentModificationException{Message: msg}
	case iamspec.CodeDeleteConflict:
		return &types.DeleteConflictException{Message: msg}
	case iamspec.CodeDuplicateCertificate:
		return &types.DuplicateCertificateException{Message: msg}
	case iamspec.CodeEntityAlreadyExists:
		return &types.EntityAlreadyExistsException{Message: msg}
	case iamspec.CodeInvalidCertificate:
		return &types.InvalidCertificateException{Message: msg}
	case iamspec.CodeInvalidInput:
		return &types.InvalidInputException{Message: msg}
	case iamspec.CodeLimitExceeded:
		return &types.LimitExceededException{Message: msg}
	case iamspec.CodeMalformedCertificate:
		return &types.MalformedCertificateException{Message: msg}
	case iamspec.CodeNoSuchEntity:
		return &types.NoSuchEntityException{Message: msg}
	case iamspec.CodeServiceFailure:
		return &types.ServiceFailureException{Message: msg}
	}
	return nil
}

// operationError wraps err the way *iam.Client's operations do.
func operationError(op string, err error) error {
	return &smithy.OperationError{ServiceID: iam.ServiceID, OperationName: op, Err: err}
}

// responseError wraps an API error the way the SDK does for an HTTP error
// response: *smithy.OperationError → *awshttp.ResponseError → err, with the
// status and request id reachable through the ResponseError.
func responseError(op string, status int, requestID string, err error) error {
	resp := &http.Response{
		StatusCode: status,
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:     http.Header{headerRequestID: {requestID}},
		Body:       http.NoBody,
	}
	return operationError(op, &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
		RequestID:     requestID,
	})
}

// modelError turns an error of the model into what the SDK returns for
// operation op.
func modelError(op, requestID string, err error) error {
	me := asModelError(err)
	return answerError(op, me.Status(), requestID, me.Code, me.Message)
}

func ptr[T any](v T) *T { return &v }
