package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/validate"
)

// certFlags are the flags of the commands that send a certificate.
type certFlags struct {
	user     string
	body     string
	skipX509 bool
}

func (c *certFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.user, "user-name", "", "IAM user `name`; omitted: the user whose credentials sign the requests")
	fs.StringVar(&c.body, "certificate-body", "", "the certificate: file://PATH, fileb://PATH, - (stdin) or the PEM itself")
	fs.BoolVar(&c.skipX509, "skip-x509-checks", false, "leave PEM, X.509 and validity checks to IAM (a private key is still never sent)")
}

// request loads the body and returns the request to send.
func (c *certFlags) request(fs *flag.FlagSet, e *env) (sigcert.Request, error) {
	if !isSet(fs, "certificate-body") {
		return sigcert.Request{}, usagef("--certificate-body is required (run signingcert %s --help)", fs.Name())
	}
	body, err := loadBody(c.body, e.bodySource())
	if err != nil {
		return sigcert.Request{}, err
	}
	return sigcert.Request{UserName: c.user, CertificateBody: body}, nil
}

func (c *certFlags) options(e *env) []sigcert.Option {
	opts := []sigcert.Option{sigcert.WithClock(e.now)}
	if c.skipX509 {
		opts = append(opts, sigcert.SkipX509Checks())
	}
	return opts
}

// hint adds a suggestion to a refusal of a body that looks like a file path:
// the common mistake of forgetting file:// (aws/aws-cli#1149).
func (c *certFlags) hint(err error) error {
	arg := c.body
	if !errors.Is(err, validate.ErrFilePath) || arg == stdinArg ||
		strings.HasPrefix(arg, prefixFile) || strings.HasPrefix(arg, prefixFileB) || len(arg) > 256 {
		return err
	}
	return fmt.Errorf("%w (did you mean --certificate-body file://%s ?)", err, oneLine(strings.TrimSpace(arg)))
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// prepare parses a command's flags and refuses bad values and stray
// operands.
func prepare(e *env, fs *flag.FlagSet, a *awsFlags, args []string) error {
	operands, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if err := noOperands(fs, operands); err != nil {
		return err
	}
	return a.check()
}

func runUpload(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("upload")
	var (
		a   awsFlags
		c   certFlags
		dry bool
	)
	a.register(fs)
	c.register(fs)
	fs.BoolVar(&dry, "dry-run", false, "run the pre-flight checks only and send nothing; exit 0 if the certificate would be sent, 1 if refused")
	if err := prepare(e, fs, &a, args); err != nil {
		return err
	}
	req, err := c.request(fs, e)
	if err != nil {
		return err
	}
	if dry {
		// No configuration is loaded and no client built: a dry run cannot
		// send anything.
		parsed, err := sigcert.NewUploader(nil, c.options(e)...).Check(req)
		if err != nil {
			return c.hint(err)
		}
		return writeDryRun(e.stdout, a.output, req.UserName, parsed)
	}
	up, err := a.uploader(ctx, c.options(e)...)
	if err != nil {
		return err
	}
	cert, err := up.Upload(ctx, req)
	if err != nil {
		return c.hint(err)
	}
	return writeCertificate(e.stdout, a.output, cert)
}

func writeDryRun(w io.Writer, format, user string, parsed *x509.Certificate) error {
	c := &sigcert.Certificate{UserName: user, X509: parsed}
	if parsed != nil {
		c.Fingerprint = sigcert.Fingerprint(parsed)
	}
	r := rowOf(c)
	r.ID, r.Status = "(dry run: not sent)", "-"
	if r.User == "" {
		r.User = "-"
	}
	switch format {
	case outJSON:
		d := dryRunCertificate{UserName: user, Fingerprint: c.Fingerprint}
		if parsed != nil {
			d.Subject, d.NotAfter = r.Subject, awsTime(parsed.NotAfter)
		}
		return writeJSON(w, dryRunOutput{DryRun: d})
	case outTable:
		return writeTable(w, []row{r})
	}
	return writeText(w, []row{r})
}

func runEnsure(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("ensure")
	var (
		a awsFlags
		c certFlags
	)
	a.register(fs)
	c.register(fs)
	if err := prepare(e, fs, &a, args); err != nil {
		return err
	}
	req, err := c.request(fs, e)
	if err != nil {
		return err
	}
	up, err := a.uploader(ctx, c.options(e)...)
	if err != nil {
		return err
	}
	cert, err := up.Ensure(ctx, req)
	if err != nil {
		return c.hint(err)
	}
	return writeCertificate(e.stdout, a.output, cert)
}

func runRotate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("rotate")
	var (
		a        awsFlags
		c        certFlags
		previous string
		policy   sigcert.RotatePolicy
	)
	a.register(fs)
	c.register(fs)
	fs.StringVar(&previous, "previous", "deactivate", "what to do with the user's other certificates: `keep`, deactivate or delete")
	fs.BoolVar(&policy.DeleteActiveForRoom, "delete-active-for-room", false,
		"at the quota of 2 with no Inactive certificate, delete the oldest Active one to make room (else refuse, changing nothing)")
	if err := prepare(e, fs, &a, args); err != nil {
		return err
	}
	switch previous {
	case "keep":
		policy.Previous = sigcert.KeepPrevious
	case "deactivate":
		policy.Previous = sigcert.DeactivatePrevious
	case "delete":
		policy.Previous = sigcert.DeletePrevious
	default:
		return usagef("--previous must be keep, deactivate or delete, not %q", printable(previous))
	}
	req, err := c.request(fs, e)
	if err != nil {
		return err
	}
	up, err := a.uploader(ctx, c.options(e)...)
	if err != nil {
		return err
	}
	r, err := up.Rotate(ctx, req, policy)
	if err != nil {
		return c.hint(err)
	}
	return writeRotation(e.stdout, a.output, r)
}

// reportedError is a failure whose lines were already printed; run only
// exits with its code.
type reportedError struct{ code int }

func (e *reportedError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func runList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("list")
	var (
		a     awsFlags
		users stringList
	)
	a.register(fs)
	fs.Var(&users, "user-name", "IAM user `name`; repeat it, or separate names with commas, for several users\n(json then prints one document per user); omitted: the user whose credentials sign the requests")
	if err := prepare(e, fs, &a, args); err != nil {
		return err
	}
	if len(users) == 0 {
		users = stringList{""}
	}
	up, err := a.uploader(ctx, sigcert.WithClock(e.now))
	if err != nil {
		return err
	}
	if len(users) == 1 {
		certs, err := up.List(ctx, users[0])
		if err != nil {
			return err
		}
		return writeList(e.stdout, a.output, certs)
	}

	// Several users: stream, one user at a time, reporting each failure and
	// going on with the rest.
	p := newProgress(e.progress, e.now, "listed", "users", len(users))
	var first error
	for i, user := range users {
		if err := ctx.Err(); err != nil {
			p.clear()
			return err
		}
		certs, err := up.List(ctx, user)
		p.clear()
		if err != nil {
			fmt.Fprintln(e.stderr, errorLine("list", fmt.Errorf("%s: %w", oneLine(user), err)))
			if first == nil {
				first = err
			}
			p.step()
			continue
		}
		if a.output == outTable && i > 0 {
			fmt.Fprintln(e.stdout)
		}
		if err := writeList(e.stdout, a.output, certs); err != nil {
			return err
		}
		p.step()
	}
	p.clear()
	if first != nil {
		return &reportedError{code: exitCode(first)}
	}
	return nil
}

func runActivate(ctx context.Context, e *env, args []string) error {
	return setStatus(ctx, e, "activate", types.StatusTypeActive, args)
}

func runDeactivate(ctx context.Context, e *env, args []string) error {
	return setStatus(ctx, e, "deactivate", types.StatusTypeInactive, args)
}

// idFlags are the flags of the commands that act on one certificate.
func idFlags(fs *flag.FlagSet) (user, id *string) {
	user = fs.String("user-name", "", "IAM user `name`; omitted: the user whose credentials sign the requests")
	id = fs.String("certificate-id", "", "the certificate's `ID`, as list shows it")
	return user, id
}

func setStatus(ctx context.Context, e *env, name string, status types.StatusType, args []string) error {
	fs := newFlagSet(name)
	var a awsFlags
	a.register(fs)
	user, id := idFlags(fs)
	if err := prepare(e, fs, &a, args); err != nil {
		return err
	}
	if *id == "" {
		return usagef("--certificate-id is required (run signingcert %s --help)", name)
	}
	up, err := a.uploader(ctx)
	if err != nil {
		return err
	}
	if err := up.SetStatus(ctx, *user, *id, status); err != nil {
		return err
	}
	// Like the AWS CLI, json and text print nothing on success.
	if a.output == outTable {
		fmt.Fprintf(e.stdout, "%s is now %s.\n", oneLine(*id), status)
	}
	return nil
}

func runDelete(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("delete")
	var a awsFlags
	a.register(fs)
	user, id := idFlags(fs)
	if err := prepare(e, fs, &a, args); err != nil {
		return err
	}
	if *id == "" {
		return usagef("--certificate-id is required (run signingcert delete --help)")
	}
	up, err := a.uploader(ctx)
	if err != nil {
		return err
	}
	if err := up.Delete(ctx, *user, *id); err != nil {
		return err
	}
	if a.output == outTable {
		fmt.Fprintf(e.stdout, "%s is deleted.\n", oneLine(*id))
	}
	return nil
}
