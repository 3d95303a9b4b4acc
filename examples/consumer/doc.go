// Package consumer is the worked example of testing code that uses
// signingcert. It is a separate module that uses signingcert as a user's
// code does, through a replace directive, so only public packages are in
// reach.
//
// Signers (signers.go) is a small service: it registers a certificate for
// a user, with the error handling callers act on, and rotates one. Its
// tests show the three ways to test such code, each short:
//
//   - mock_test.go: a double that returns IAM's answers, made with
//     sigcerttest.FuncAPI and sigcerttest.APIError: one answer per case;
//   - fake_test.go: sigcerttest.NewFake, an in-memory IAM that applies IAM's
//     rules, for sequences of calls;
//   - server_test.go: sigcerttest.NewServer with faults, for what only the
//     wire shows: the SDK's retries, 5xx answers, lost responses.
//
// Run them from this directory:
//
//	cd examples/consumer && go test ./...
package consumer
