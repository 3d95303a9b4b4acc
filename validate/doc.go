// Package validate checks, locally and with the standard library only, what
// IAM's UploadSigningCertificate would refuse, and a few things IAM would
// accept but a caller never wants sent.
//
// # Which check to call
//
//   - CertificateBody: IAM's length (1-16384 characters) and character
//     pattern for the body. IAM answers these with ValidationError.
//   - UserName: IAM's length (1-128) and pattern for the user name.
//   - Certificate: one PEM CERTIFICATE block, no private key, parseable
//     X.509, inside its validity window. IAM answers these with
//     MalformedCertificate.
//   - Parse: Certificate's checks, but a well-formed certificate that
//     crypto/x509 cannot parse (a negative serial, a secp256k1 key, a
//     PrintableString with '@') is accepted, judged from its DER, with the
//     reason Go refused it.
//   - NoPrivateKey: only the private-key refusal, for callers that skip
//     the X.509 checks. It finds keys in every common form: any armour,
//     relabelled, bare or base64-encoded DER, PuTTY, OpenSSH, PGP, JWK.
//
// # Errors
//
// Every refusal is an *Error carrying the Field, a Reason sentinel and the
// byte Offset of the first offending character. Match the reason with
// errors.Is (errors.Is(err, validate.ErrExpired)) and reach the details with
// errors.As. Messages never quote the value checked.
package validate
