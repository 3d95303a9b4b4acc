package sigcert

import (
	"fmt"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// incompleteResponse is the error for an answer IAM gave with success that
// sigcert cannot use whole: a list that would be silently partial, a
// certificate without a required field. It is a *ServiceError, so callers
// get the operation and the request id as for any answer of IAM's, and it
// matches ErrIncompleteResponse through Err. md is the answer's metadata,
// nil when there was no answer at all.
//
// Only exported fields are set, so the error reads the same however
// ServiceError's internals change.
func incompleteResponse(op string, md *middleware.Metadata, what string) *ServiceError {
	e := &ServiceError{
		Operation: op,
		Message:   "incomplete response: " + what,
		Err:       fmt.Errorf("%w: %s: %s", ErrIncompleteResponse, op, what),
	}
	if md != nil {
		e.RequestID, _ = awsmiddleware.GetRequestIDMetadata(*md)
		if raw, ok := awsmiddleware.GetRawResponse(*md).(*smithyhttp.Response); ok && raw != nil && raw.Response != nil {
			e.StatusCode = raw.StatusCode
		}
	}
	return e
}
