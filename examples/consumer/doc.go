// Package consumer is a separate module that uses signingcert the way a
// user's code would, through a replace directive: it mocks sigcert.API in
// a unit test, and runs an upload against sigcerttest's local IAM endpoint.
// It proves the public API is enough from outside the module (internal
// packages are out of reach here).
//
//	cd examples/consumer && go test ./...
package consumer
