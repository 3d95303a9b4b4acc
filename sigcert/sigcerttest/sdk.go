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

// apiError returns the error value the SDK's deserializer for operation op
// builds from an IAM error response with code and message: the operation's
// modelled exception type if it has one for code, a *smithy.GenericAPIError
// otherwise.
func apiError(op, code, message string) smithy.APIError {
	msg := ptr(message)
	switch op {
	case iamspec.OpUpload:
		switch code {
		case iamspec.CodeConcurrentModification:
			return &types.ConcurrentModificationException{Message: msg}
		case iamspec.CodeDuplicateCertificate:
			return &types.DuplicateCertificateException{Message: msg}
		case iamspec.CodeEntityAlreadyExists:
			return &types.EntityAlreadyExistsException{Message: msg}
		case iamspec.CodeInvalidCertificate:
			return &types.InvalidCertificateException{Message: msg}
		case iamspec.CodeLimitExceeded:
			return &types.LimitExceededException{Message: msg}
		case iamspec.CodeMalformedCertificate:
			return &types.MalformedCertificateException{Message: msg}
		case iamspec.CodeNoSuchEntity:
			return &types.NoSuchEntityException{Message: msg}
		case iamspec.CodeServiceFailure:
			return &types.ServiceFailureException{Message: msg}
		}
	case iamspec.OpList:
		switch code {
		case iamspec.CodeNoSuchEntity:
			return &types.NoSuchEntityException{Message: msg}
		case iamspec.CodeServiceFailure:
			return &types.ServiceFailureException{Message: msg}
		}
	case iamspec.OpUpdate:
		switch code {
		case iamspec.CodeInvalidInput:
			return &types.InvalidInputException{Message: msg}
		case iamspec.CodeLimitExceeded:
			return &types.LimitExceededException{Message: msg}
		case iamspec.CodeNoSuchEntity:
			return &types.NoSuchEntityException{Message: msg}
		case iamspec.CodeServiceFailure:
			return &types.ServiceFailureException{Message: msg}
		}
	case iamspec.OpDelete:
		switch code {
		case iamspec.CodeConcurrentModification:
			return &types.ConcurrentModificationException{Message: msg}
		case iamspec.CodeLimitExceeded:
			return &types.LimitExceededException{Message: msg}
		case iamspec.CodeNoSuchEntity:
			return &types.NoSuchEntityException{Message: msg}
		case iamspec.CodeServiceFailure:
			return &types.ServiceFailureException{Message: msg}
		}
	}
	return &smithy.GenericAPIError{Code: code, Message: message}
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
	return responseError(op, me.Status(), requestID, apiError(op, me.Code, me.Message))
}

func ptr[T any](v T) *T { return &v }
