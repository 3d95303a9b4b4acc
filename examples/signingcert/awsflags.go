package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/iamkit/signingcert/sigcert"
)

// defaultTimeout is the AWS CLI's default for --cli-connect-timeout and
// --cli-read-timeout, in seconds.
const defaultTimeout = 60

// awsFlags are the flags of every command that calls IAM, named and
// meaning as in the AWS CLI.
type awsFlags struct {
	endpointURL, region, profile string
	connectTimeout, readTimeout  int // seconds; 0 for none
	debug                        bool
	noPager                      bool
	// flags tells a flag given empty from one not given.
	flags *pflag.FlagSet
}

func (a *awsFlags) register(c *cobra.Command) {
	f := c.Flags()
	a.flags = f
	f.StringVar(&a.endpointURL, "endpoint-url", "", "send requests to `URL` instead of IAM (http or https; also AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL)")
	f.StringVar(&a.region, "region", "", "AWS `REGION` (IAM is global; default: AWS_REGION, the profile's, else us-east-1)")
	f.StringVar(&a.profile, "profile", "", "shared config and credentials `PROFILE` (also AWS_PROFILE)")
	f.IntVar(&a.connectTimeout, "cli-connect-timeout", defaultTimeout, "most `SECONDS` to wait for a connection; 0 waits for ever")
	f.IntVar(&a.readTimeout, "cli-read-timeout", defaultTimeout, "most `SECONDS` to wait for data from IAM; 0 waits for ever")
	f.BoolVar(&a.debug, "debug", false, "log each HTTP request and response line to stderr (never a body, key, token or signature)")
	f.BoolVar(&a.noPager, "no-cli-pager", false, "accepted for scripts written for AWS CLI v2; signingcert never pages")
}

// check refuses bad flag values before anything is loaded or sent.
func (a *awsFlags) check() error {
	// Given empty (an unset $ENDPOINT in a script meant for a local
	// endpoint), --endpoint-url would silently mean real IAM.
	if a.flags != nil {
		if f := a.flags.Lookup("endpoint-url"); f != nil && f.Changed && a.endpointURL == "" {
			return usagef("--endpoint-url is empty (omit it to send requests to IAM)")
		}
	}
	if a.endpointURL != "" {
		u, err := url.Parse(a.endpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--endpoint-url must be an http:// or https:// URL, not %s", quoteShort(a.endpointURL))
		}
	}
	if a.connectTimeout < 0 {
		return usagef("--cli-connect-timeout must be 0 (none) or a number of seconds, not %d", a.connectTimeout)
	}
	if a.readTimeout < 0 {
		return usagef("--cli-read-timeout must be 0 (none) or a number of seconds, not %d", a.readTimeout)
	}
	// More seconds than a time.Duration holds would wrap round to a
	// negative timeout, under which every connection times out at once.
	if a.connectTimeout > maxTimeout {
		return usagef("--cli-connect-timeout must be at most %d seconds (0 for none), not %d", maxTimeout, a.connectTimeout)
	}
	if a.readTimeout > maxTimeout {
		return usagef("--cli-read-timeout must be at most %d seconds (0 for none), not %d", maxTimeout, a.readTimeout)
	}
	return nil
}

// maxTimeout is the most seconds a time.Duration holds (about 292 years).
const maxTimeout = int(math.MaxInt64 / int64(time.Second))

// timeoutError is a connection that took longer than --cli-connect-timeout,
// or an answer that stopped for longer than --cli-read-timeout.
type timeoutError struct {
	flag    string // "--cli-connect-timeout" or "--cli-read-timeout"
	seconds int
	host    string
	err     error
}

func (e *timeoutError) Error() string {
	what := "nothing received from " + e.host
	if e.flag == "--cli-connect-timeout" {
		what = "no connection to " + e.host
	}
	return fmt.Sprintf("%s within %s %d s", what, e.flag, e.seconds)
}

func (e *timeoutError) Unwrap() error { return e.err }

// httpClient is the SDK's client with the AWS CLI's two timeouts: one for
// the connection, one for each read from it.
func (a *awsFlags) httpClient() *awshttp.BuildableClient {
	connect := time.Duration(a.connectTimeout) * time.Second
	c := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = connect }).
		WithTransportOptions(func(tr *http.Transport) {
			dial := tr.DialContext
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := dial(ctx, network, addr)
				var ne net.Error
				if err != nil && errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
					return nil, &timeoutError{flag: "--cli-connect-timeout", seconds: a.connectTimeout, host: addr, err: err}
				}
				return conn, err
			}
		}).
		WithReadTimeout(time.Duration(a.readTimeout) * time.Second)
	return c
}

// loadConfig loads the AWS configuration the SDK's usual way (environment,
// shared config and credentials files, SSO, ...) with the flags on top.
func (a *awsFlags) loadConfig(ctx context.Context, e *env) (aws.Config, error) {
	load := []func(*config.LoadOptions) error{config.WithHTTPClient(a.httpClient())}
	if a.profile != "" {
		load = append(load, config.WithSharedConfigProfile(a.profile))
	}
	if a.region != "" {
		load = append(load, config.WithRegion(a.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, &configError{err: err}
	}
	if cfg.Region == "" {
		// IAM is global; without a region the SDK refuses to resolve its
		// endpoint.
		cfg.Region = "us-east-1"
	}
	if a.debug && e != nil {
		cfg.APIOptions = append(cfg.APIOptions, debugLog(e.stderr, e.now))
	}
	// Find the credentials now, so that their absence is reported as such
	// and not as a failure of the first call. They are cached for the
	// calls.
	if cfg.Credentials == nil {
		return aws.Config{}, &configError{noCredentials: true, err: errors.New("no credentials provider")}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return aws.Config{}, ctx.Err()
		}
		return aws.Config{}, &configError{noCredentials: true, err: err}
	}
	return cfg, nil
}

// client returns the IAM client for cfg. iam.NewFromConfig, not iam.New, so
// that AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL are honoured; --endpoint-url
// wins over both.
func (a *awsFlags) client(cfg aws.Config) *iam.Client {
	return iam.NewFromConfig(cfg, func(o *iam.Options) {
		if a.endpointURL != "" {
			o.BaseEndpoint = aws.String(a.endpointURL)
		}
	})
}

// session is what a command that calls IAM works with: the client, for
// GetUser, and the Uploader over it.
type session struct {
	client *iam.Client
	up     *sigcert.Uploader
}

// cmRetry is the ConcurrentModification retry of every Uploader the CLI
// builds (connect's, and apply's Runner's): IAM's ConcurrentModification is
// safe to retry, and the SDK does not.
var cmRetry = sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 4, Base: 100 * time.Millisecond, Max: 2 * time.Second})

// connect loads the configuration and builds the session.
func (a *awsFlags) connect(ctx context.Context, e *env, opts ...sigcert.Option) (*session, error) {
	cfg, err := a.loadConfig(ctx, e)
	if err != nil {
		return nil, err
	}
	cl := a.client(cfg)
	opts = append(append([]sigcert.Option{cmRetry}, workflowRetry(cfg.RetryMaxAttempts)...), opts...)
	return &session{client: cl, up: sigcert.NewUploader(cl, opts...)}, nil
}

// workflowRetry is the retry budget of each ensure and rotate: as many
// attempts as the configuration allows (AWS_MAX_ATTEMPTS, the profile's
// max_attempts), which sigcert caps at sigcert.MaxRetryAttempts; by default
// sigcert's own budget.
func workflowRetry(maxAttempts int) []sigcert.Option {
	if maxAttempts <= 0 {
		return nil
	}
	return []sigcert.Option{sigcert.WithRetry(sigcert.Backoff{Attempts: maxAttempts, Base: 50 * time.Millisecond, Max: time.Second})}
}

// explain turns a read that timed out, somewhere down err's chain, into a
// *timeoutError naming --cli-read-timeout. A connect timeout is one already.
func (a *awsFlags) explain(err error) error {
	var te *timeoutError
	var ne net.Error
	if err == nil || errors.As(err, &te) || !errors.As(err, &ne) || !ne.Timeout() {
		return err
	}
	host := "iam.amazonaws.com"
	if u, perr := url.Parse(a.endpointURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	return &timeoutError{flag: "--cli-read-timeout", seconds: a.readTimeout, host: host, err: err}
}
