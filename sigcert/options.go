package sigcert

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/validate"
)

// Option configures an Uploader.
type Option func(*settings)

// settings are an Uploader's options. The zero value is usable (a zero
// Uploader's Check reads it): every field's zero means its default or off.
type settings struct {
	clock    func() time.Time
	skew     time.Duration
	skipX509 bool
	optFns   []func(*iam.Options)
	cmRetry  Backoff

	// The workflows' options (workflow.go).
	retry          Backoff // zero Attempts: defaultRetry()
	propagation    time.Duration
	propagationSet bool // false: DefaultPropagationWait
	wait           func(context.Context, time.Duration) error
	observer       func(StepEvent)
}

func defaultSettings() settings {
	return settings{clock: time.Now, skew: validate.DefaultClockSkew, retry: defaultRetry()}
}

// now reads the clock, time.Now when none is set.
func (s *settings) now() time.Time {
	if s.clock == nil {
		return time.Now()
	}
	return s.clock()
}

// WithClock sets the clock that certificate validity is checked against,
// like x509.VerifyOptions.CurrentTime. The default is time.Now. A nil now
// keeps the default. StepEvent durations are measured on it too.
func WithClock(now func() time.Time) Option {
	return func(s *settings) {
		if now != nil {
			s.clock = now
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
