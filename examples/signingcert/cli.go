package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert"
)

// env is the program's world: main passes the process's, tests their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// progress is where progress is drawn: the terminal stderr is, or nil
	// when stderr is not a terminal.
	progress io.Writer
	open     func(name string) (fs.File, error)
	getenv   func(key string) (string, bool)
	now      func() time.Time
}

func (e *env) bodySource() bodySource {
	return bodySource{stdin: e.stdin, open: e.open, getenv: e.getenv}
}

// command is one subcommand.
type command struct {
	name    string
	args    string // synopsis after the name
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"upload", "--certificate-body BODY [--user-name NAME] [--dry-run]", "upload a certificate (upload-signing-certificate, checked first)", runUpload},
		{"check", "[--user-name NAME] [--files-from FILE|-] FILE...", "pre-flight certificate files, one line each; sends nothing", runCheck},
		{"ensure", "--certificate-body BODY [--user-name NAME]", "make sure the user holds the certificate; upload only if not (safe to rerun)", runEnsure},
		{"list", "[--user-name NAME]...", "list certificates with fingerprint, expiry and subject", runList},
		{"rotate", "--certificate-body BODY [--user-name NAME] [--previous keep|deactivate|delete] [--delete-active-for-room]", "attach a new certificate and retire the old ones, within the quota of 2", runRotate},
		{"activate", "--certificate-id ID [--user-name NAME]", "make a certificate Active", runActivate},
		{"deactivate", "--certificate-id ID [--user-name NAME]", "make a certificate Inactive", runDeactivate},
		{"delete", "--certificate-id ID [--user-name NAME]", "delete a certificate", runDelete},
	}
}

const usageTail = `
BODY is given as the AWS CLI takes it:
  file://PATH   a PEM text file (UTF-8; CRLF line endings become LF)
  fileb://PATH  a file sent byte for byte
  -             standard input
  anything else the certificate itself
A body file larger than 64 KiB is refused unread.

Common flags (every command that calls IAM):
  --endpoint-url URL   send requests here instead of IAM (also AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL)
  --region REGION      default: AWS_REGION, the profile's region, else us-east-1 (IAM is global)
  --profile NAME       shared config/credentials profile (also AWS_PROFILE)
  --output json|text|table
                       json (default) is the AWS CLI's shape; text is tab-separated rows
                       for scripts; text and table add SHA-256 fingerprint, NotAfter, subject
Credentials and settings come from the SDK's usual sources: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, ~/.aws/config, ~/.aws/credentials,
SSO, AWS_MAX_ATTEMPTS, ...

Exit status:
  0  done (check, --dry-run: every certificate passed)
  1  refused locally, nothing sent: pre-flight failed, body unreadable, or
     rotate would have to delete an Active certificate
  2  usage error
  3  IAM answered with an error (duplicate, limit, no such user, access
     denied, a 5xx after the SDK's retries, ...)
  4  no usable answer: transport failure, timeout, interrupted; or no
     credentials, bad configuration

Errors are one line on stderr: "signingcert CMD: NAME: cause (request id ID)",
NAME being IAM's error code (LimitExceeded, MalformedCertificate, ...). They
never contain the certificate body or key material.
`

func usage(w io.Writer) {
	fmt.Fprintln(w, "signingcert manages the X.509 signing certificates of IAM users, checking locally")
	fmt.Fprintln(w, "everything IAM would refuse before anything is sent.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: signingcert COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run signingcert COMMAND --help for a command's flags.")
	fmt.Fprint(w, usageTail)
}

// run runs the command line args (without the program name) and returns the
// exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "signingcert: Usage: no command given (run signingcert --help)")
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var reported *reportedError
		switch {
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &reported):
			return reported.code
		case err != nil:
			fmt.Fprintln(e.stderr, errorLine(name, err))
		}
		return exitCode(err)
	}
	fmt.Fprintf(e.stderr, "signingcert: Usage: unknown command %q (run signingcert --help)\n", printable(name))
	return exitUsage
}

// newFlagSet returns a flag set whose errors come back to the caller, for
// the one-line error, instead of being printed with the whole usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args, flags and operands interleaved (signingcert check
// a.pem --user-name Bob b.pem), and returns the operands; "--" ends the
// flags. -h prints the command's help on stdout and returns flag.ErrHelp.
func parse(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				commandUsage(e.stdout, fs)
				return nil, err
			}
			return nil, usagef("%v (run signingcert %s --help)", err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		// Parse stops at the first operand, or just after "--".
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

func commandUsage(w io.Writer, fs *flag.FlagSet) {
	for _, c := range commands {
		if c.name == fs.Name() {
			fmt.Fprintf(w, "Usage: signingcert %s %s\n\n%s.\n\nFlags:\n", c.name, c.args, c.summary)
		}
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, usageTail)
}

// noOperands refuses operands for commands that take none.
func noOperands(fs *flag.FlagSet, operands []string) error {
	if len(operands) > 0 {
		return usagef("unexpected argument %q (run signingcert %s --help)", printable(operands[0]), fs.Name())
	}
	return nil
}

// awsFlags are the flags of every command that calls IAM.
type awsFlags struct {
	endpointURL, region, profile string
	output                       string
}

func (a *awsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.endpointURL, "endpoint-url", "", "send requests to `URL` instead of IAM (http or https)")
	fs.StringVar(&a.region, "region", "", "AWS `region` (IAM is global; default us-east-1 when none is configured)")
	fs.StringVar(&a.profile, "profile", "", "shared config and credentials `profile`")
	fs.StringVar(&a.output, "output", outJSON, "output `format`: json, text or table")
}

// check refuses bad flag values before anything is loaded or sent.
func (a *awsFlags) check() error {
	switch a.output {
	case outJSON, outText, outTable:
	default:
		return usagef("--output must be json, text or table, not %q", printable(a.output))
	}
	if a.endpointURL != "" {
		u, err := url.Parse(a.endpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--endpoint-url must be an http:// or https:// URL, not %q", printable(a.endpointURL))
		}
	}
	return nil
}

// loadConfig loads the AWS configuration the SDK's usual way (environment,
// shared config and credentials files, SSO, ...) with the flags on top.
func (a *awsFlags) loadConfig(ctx context.Context) (aws.Config, error) {
	var load []func(*config.LoadOptions) error
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
	// Find the credentials now, so that their absence is reported as such
	// and not as a failure of the first call. They are cached for the
	// calls.
	if cfg.Credentials == nil {
		return aws.Config{}, &configError{noCredentials: true, err: errors.New("no credentials provider")}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
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

// uploader builds the Uploader over the configured IAM client.
func (a *awsFlags) uploader(ctx context.Context, opts ...sigcert.Option) (*sigcert.Uploader, error) {
	cfg, err := a.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	// IAM's ConcurrentModification is safe to retry, and the SDK does not.
	opts = append([]sigcert.Option{
		sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 4, Base: 100 * time.Millisecond, Max: 2 * time.Second}),
	}, opts...)
	return sigcert.NewUploader(a.client(cfg), opts...), nil
}

// stringList is a repeatable flag; a value may also list names separated by
// commas.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = append(*l, strings.Split(v, ",")...)
	return nil
}
