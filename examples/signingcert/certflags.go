package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/validate"
)

// bodyHelp is the body syntax, in the help of the commands that take one.
const bodyHelp = `BODY is given as the AWS CLI takes it:
  file://PATH   a PEM text file (UTF-8; CRLF line endings become LF)
  fileb://PATH  a file sent byte for byte
  -             standard input
  anything else the certificate itself
In PATH, ~, ~user and $VAR are expanded as the AWS CLI does; messages name
the file as written. A body file larger than 64 KiB is refused unread.`

// certFlags are the flags of the commands that send a certificate.
type certFlags struct {
	user     oneUser
	body     string
	skipX509 bool
}

func (c *certFlags) register(cmd *cobra.Command) {
	registerUser(cmd, &c.user)
	f := cmd.Flags()
	f.StringVar(&c.body, "certificate-body", "", "the certificate: file://PATH, fileb://PATH, - (standard input) or the PEM `BODY` itself")
	f.BoolVar(&c.skipX509, "skip-x509-checks", false, "leave PEM, X.509 and validity checks to IAM (a private key is still never sent)")
}

// check refuses a missing body and an empty user name before anything is
// read or sent.
func (c *certFlags) check(cmd *cobra.Command) error {
	if !cmd.Flags().Changed("certificate-body") {
		return usagef("--certificate-body is required (run %s --help)", cmd.CommandPath())
	}
	return checkUser(c.user.set, c.user.name)
}

// checked loads the body and runs the pre-flight checks on the request for
// the user named (or "" for the caller), before any configuration is loaded
// or request sent: a refusal costs no call. It returns the certificate the
// checks parsed (nil with --skip-x509-checks).
func (c *certFlags) checked(e *env) (sigcert.Request, *x509.Certificate, error) {
	body, err := loadBody(c.body, e.bodySource())
	if err != nil {
		return sigcert.Request{}, nil, err
	}
	req := sigcert.Request{UserName: c.user.name, CertificateBody: body}
	parsed, err := sigcert.NewUploader(nil, c.options(e)...).Check(req)
	if err != nil {
		return req, nil, c.hint(err, e.bodySource())
	}
	return req, parsed, nil
}

// connect is what upload, ensure and rotate do before their one call: check
// the body (see checked), connect, and find the user to name.
func (c *certFlags) connect(cmd *cobra.Command, e *env, a *awsFlags) (*session, sigcert.Request, error) {
	req, _, err := c.checked(e)
	if err != nil {
		return nil, req, err
	}
	ctx := cmd.Context()
	s, err := a.connect(ctx, e, c.options(e)...)
	if err != nil {
		return nil, req, a.explain(err)
	}
	if req.UserName, err = s.user(ctx, e, cmd, &c.user); err != nil {
		return nil, req, a.explain(err)
	}
	return s, req, nil
}

func (c *certFlags) options(e *env) []sigcert.Option {
	opts := []sigcert.Option{sigcert.WithClock(e.now)}
	if c.skipX509 {
		opts = append(opts, sigcert.SkipX509Checks())
	}
	return opts
}

// hint adds a suggestion to a refusal of a literal body that looks like a
// file path: the common mistake of forgetting file:// (aws/aws-cli#1149).
// It repeats at most maxQuoted characters of the argument, and only when
// the argument names an existing file: a literal body can be a key or a
// secret pasted by mistake.
func (c *certFlags) hint(err error, src bodySource) error {
	arg := c.body
	if arg == stdinArg || strings.HasPrefix(arg, prefixFile) || strings.HasPrefix(arg, prefixFileB) {
		return err
	}
	lower := strings.ToLower(arg)
	if strings.HasPrefix(lower, prefixFile) || strings.HasPrefix(lower, prefixFileB) {
		// FILE://x.pem: the AWS CLI's prefixes are lower case only.
		given := arg[:strings.Index(arg, "://")+3]
		return fmt.Errorf("%w (prefixes are lower case: write %s, not %s)", err, strings.ToLower(given), quoteShort(given))
	}
	if !errors.Is(err, validate.ErrFilePath) {
		return err
	}
	name := strings.TrimSpace(arg)
	if isFile(name, src) {
		shown, cut := cutShort(name)
		if cut {
			shown += "…"
		}
		return fmt.Errorf("%w (did you mean --certificate-body file://%s ?)", err, oneLine(shown))
	}
	return fmt.Errorf("%w (to send a file's contents, write --certificate-body file://PATH)", err)
}

// isFile reports whether name is a regular file that can be opened.
func isFile(name string, src bodySource) bool {
	if src.open == nil || name == "" {
		return false
	}
	f, err := src.open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}
