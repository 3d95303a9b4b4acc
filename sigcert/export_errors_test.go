package sigcert

import (
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// ServiceErrorOf exposes serviceError to the external tests, so that they
// can feed it SDK errors that pre-flight would never let happen (an echo of
// a private key) from a real *iam.Client.
var ServiceErrorOf = serviceError

// ChainPrints returns every way a logger or an error reporter can print err
// and each error in its chain: Error(), %v, %+v, %#v of every link reached
// by Unwrap (both forms) or by an As method that reaches a link Unwrap
// skips (*awshttp.ResponseError's embedded *smithyhttp.ResponseError), and
// a DeserializationError's snapshot of the response.
func ChainPrints(err error) []string {
	var out []string
	var visit func(error, int)
	visit = func(err error, depth int) {
		if err == nil || depth > 64 {
			return
		}
		out = append(out, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		switch e := err.(type) {
		case *awshttp.ResponseError:
			if e.ResponseError != nil {
				visit(e.ResponseError, depth+1)
			}
		case *smithy.DeserializationError:
			out = append(out, string(e.Snapshot))
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			visit(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				visit(inner, depth+1)
			}
		}
	}
	visit(err, 0)
	return out
}
