package sigcert

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/validate"
)

// Option configures an Uploader.
type Option func(*settings)

type settings struct {
	now      func() time.Time
	skew     time.Duration
	skipX509 bool
	optFns   []func(*iam.Options)
	cmRetry  Backoff
}

func defaultSettings() settings {
	return settings{now: time.Now, skew: validate.DefaultClockSkew}
}

// WithClock sets the clock that certificate validity is checked against,
// like x509.VerifyOptions.CurrentTime. The default is time.Now. A nil now
// keeps the default.
func WithClock(now func() time.Time) Option {
	return func(s *settings) {
		if now != nil {
			s.now = now
		}
	}
}

// WithClockSkew sets the tolerated difference between this machine's clock
// and IAM's (see validate.CertificateOptions.ClockSkew). The default is
// validate.DefaultClockSkew; zero tolerates none.
func WithClockSkew(d time.Duration) Option {
	return func(s *settings) { s.skew = d }
}

// SkipX509Checks turns off the local PEM, X.509, validity and file-path
// checks, leaving them to IAM. A well-formed certificate that Go's
// crypto/x509 refuses does not need it: pre-flight judges those from their
// DER (see validate.Parse). IAM's length and character constraints are still
// checked, and a body holding a private key in any form validate.NoPrivateKey
// finds is still never sent.
func SkipX509Checks() Option {
	return func(s *settings) { s.skipX509 = true }
}

// WithAPIOptions adds per-call options for the SDK, passed on every call the
// Uploader makes: for example a retryer, or RetryMaxAttempts.
func WithAPIOptions(fns ...func(*iam.Options)) Option {
	return func(s *settings) { s.optFns = append(s.optFns, fns...) }
}
