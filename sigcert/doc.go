// Package sigcert uploads X.509 signing certificates to AWS IAM users, and
// checks locally first everything IAM would refuse.
//
// # Uploading
//
// Wrap an *iam.Client (or any API) in an Uploader and call Upload:
//
//	up := sigcert.NewUploader(iam.NewFromConfig(cfg))
//	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: pemText})
//
// Upload checks the user name and body against IAM's constraints, decodes
// the PEM, parses the certificate and checks its validity window. Only if
// all of that passes does it make one call to UploadSigningCertificate.
//
// # Errors
//
// Every IAM error code has a sentinel: match with errors.Is.
//
//	switch {
//	case errors.Is(err, sigcert.ErrDuplicateCertificate): // already attached somewhere
//	case errors.Is(err, sigcert.ErrLimitExceeded):        // the user holds two already
//	case errors.Is(err, sigcert.ErrMalformedCertificate): // bad, expired or not yet valid
//	}
//
// A local refusal is a *PreflightError (no request was sent) and also
// matches the validate package's reason, such as validate.ErrExpired. IAM's
// answer is a *ServiceError, and the SDK's error stays reachable with
// errors.As: *types.DuplicateCertificateException, smithy.APIError, and
// *awshttp.ResponseError for the HTTP status and request id. No error
// message contains the certificate body.
//
// # Testing
//
// API is the narrow interface sigcert needs; *iam.Client satisfies it.
// Package sigcerttest provides an in-memory fake of it and a local HTTP
// endpoint that speaks IAM's protocol.
package sigcert
