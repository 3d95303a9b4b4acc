// Package sigcerttest provides fakes of IAM for tests: its
// signing-certificate operations (UploadSigningCertificate,
// ListSigningCertificates, UpdateSigningCertificate,
// DeleteSigningCertificate) and the user operations that go with them
// (CreateUser, GetUser, ListUsers, DeleteUser). One model of IAM's rules,
// with two faces.
//
// # Which fake to use
//
//   - NewFake returns a *Fake, an in-memory sigcert.API. It is the fastest:
//     no sockets, no SDK. It returns the SDK's own error values, so code that
//     inspects errors with errors.As works as it would against IAM.
//   - NewServer returns a *Server, a local HTTP endpoint on 127.0.0.1 that
//     speaks IAM's awsquery protocol, and Server.Client returns a real
//     *iam.Client wired to it. Use it to test the SDK path end to end:
//     serialization, retries, transport failures. Server.Inject makes
//     requests fail, slow down or lose their connection.
//
// Both faces apply the same rules in the same order and give the same
// results, codes and messages (see the scenarios in this package's tests):
// UploadSigningCertificate refuses, in this order, a bad UserName
// (ValidationError), an unknown user (NoSuchEntity), a body breaking IAM's
// length or character constraints (ValidationError), a body that is not one
// PEM certificate valid now by the fake's clock (MalformedCertificate, whose
// message echoes the body as IAM's does), a certificate already attached to
// any user (DuplicateCertificate), and a third certificate for one user
// (LimitExceeded). Certificate ids are IAM's: the base32 of the SHA-1 of
// the certificate's DER, so the same certificate always gets the same id.
// User names are unique without regard to case, at most 64 characters at
// creation, and DeleteUser answers DeleteConflict while the user holds
// certificates. Off by default, both faces model IAM's eventual
// consistency (SetPropagationDelay, StaleReads) and its rate limit
// (SetRateLimit, answering Throttling).
//
//	srv := sigcerttest.NewServer("Bob")
//	defer srv.Close()
//	client := srv.Client()
//	out, err := client.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
//		UserName: aws.String("Bob"), CertificateBody: aws.String(pemText)})
//
// # Testing your code
//
// Code that takes a sigcert.API (or a *sigcert.Uploader built on one) can
// be tested three ways, from the narrowest to the most complete. All of them
// use only public packages, and make test certificates with NewCert,
// ExpiredCert and NotYetValidCert.
//
// 1. A hand-written double, returning IAM's answer with APIError. Fits a test
// about how your code reacts to one answer: APIError returns the very error
// value the real client returns for it (the typed exception inside the
// SDK's operation and response errors, with status and request id), so
// sigcert's sentinels, ServiceError fields and errors.As all behave as in
// production:
//
//	type quotaFull struct{ sigcert.API }
//
//	func (quotaFull) UploadSigningCertificate(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
//		return nil, sigcerttest.APIError("UploadSigningCertificate", "LimitExceeded")
//	}
//
// Or FuncAPI, the same without declaring a type: set the operations the test
// needs; any other fails with an error naming it (errors.ErrUnsupported)
// instead of panicking, and every call is recorded:
//
//	api := &sigcerttest.FuncAPI{Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
//		return nil, sigcerttest.APIError("UploadSigningCertificate", "ServiceFailure", sigcerttest.WithRequestID("req-1"))
//	}}
//
// 2. The Fake. Fits a test of a sequence of calls against IAM's rules (the
// quota of two, duplicates, NoSuchEntity, validity by the clock), without
// scripting each answer: it holds users and certificates and answers as IAM
// would, in memory and fast.
//
//	fake := sigcerttest.NewFake("Bob")
//	up := sigcert.NewUploader(fake)
//
// 3. The Server with faults. Fits a test of what only the wire shows: the
// SDK's retries, throttling, 5xx answers, latency, a dropped connection or a
// response lost after IAM applied the change. Its Client is a real
// *iam.Client.
//
//	srv := sigcerttest.NewServer("Bob")
//	defer srv.Close()
//	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Code: "Throttling", Count: 3})
//	up := sigcert.NewUploader(srv.Client())
//
// When a test makes IAM fail (a 5xx, Throttling, a lost response), Ensure
// and Rotate back off and then wait up to 10 s for IAM to show the change,
// as they must against real IAM. Give the Uploader a wait that returns at
// once, so the test does not sleep through them:
//
//	noWait := sigcert.WithWait(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
//	up := sigcert.NewUploader(srv.Client(), noWait)
//
// examples/consumer in this module's repository is a small service tested
// all three ways.
//
// # Callers
//
// Every fake knows the user DefaultUser, owner of the access key
// DefaultAccessKeyID. Requests without a UserName act on the caller's user,
// as IAM's do: the Fake's calls and the Server's Client are signed with
// DefaultAccessKeyID unless the call's options set other Credentials. Give
// other users keys with AddAccessKey or AddAccessKeyWithSecret. Credentials
// are checked as IAM checks them: an unknown access key id is refused with
// InvalidClientTokenId, a wrong secret with SignatureDoesNotMatch (403). The
// Server verifies each request's SigV4 signature with the SDK's own signer;
// the Fake, which has no request to sign, compares the secret of the call's
// Credentials with the key's.
//
// # Running it as a program
//
// examples/fakeiam serves a Server on an address of your choice, for tests
// in any language: the AWS CLI (--endpoint-url), boto3, or curl
// (--aws-sigv4). Its control API under ControlPath resets the state,
// injects faults and reads the request counts.
package sigcerttest

import "github.com/iamkit/signingcert/internal/iammodel"

// The caller every fake knows. Sign requests with DefaultAccessKeyID and
// DefaultSecretAccessKey to act as DefaultUser; a request signed with
// another secret is refused with SignatureDoesNotMatch.
const (
	DefaultAccessKeyID     = iammodel.DefaultAccessKeyID
	DefaultSecretAccessKey = iammodel.DefaultSecretAccessKey
	DefaultUser            = iammodel.DefaultUser
)
