package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/user"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
	// homeOf finds a user's home directory for ~user/ (nil: none is found).
	homeOf func(user string) (string, bool)
}

func (e *env) bodySource() bodySource {
	return bodySource{stdin: e.stdin, open: e.open, getenv: e.getenv, homeOf: e.homeOf}
}

// lookupHome is the process's homeOf: the password database, as Python's
// os.path.expanduser reads it for the AWS CLI.
func lookupHome(name string) (string, bool) {
	u, err := user.Lookup(name)
	if err != nil || u.HomeDir == "" {
		return "", false
	}
	return u.HomeDir, true
}

// commandBuilders build the subcommands. Each command lives in its own
// cmd_*.go file and adds itself here from init, so a new command is one new
// file: it declares the flag groups it takes (awsFlags for a command that
// calls IAM, outFlags for one that prints a document, oneUser or certFlags),
// runs prepare on them first so that every usage error comes before
// anything is read or sent, builds its session with awsFlags.connect, passes
// each error through awsFlags.explain, and prints through outFlags.print so
// that --output and --query work as everywhere else.
var commandBuilders []func(e *env) *cobra.Command

// addCommand registers a subcommand; call it from the command file's init.
func addCommand(build func(e *env) *cobra.Command) {
	commandBuilders = append(commandBuilders, build)
}

const rootLong = `signingcert manages the X.509 signing certificates of IAM users, checking locally
everything IAM would refuse before anything is sent. Flags, output and exit
status follow the AWS CLI's conventions (aws iam ...-signing-certificate(s)).

Exit status:
  0    done (check, --dry-run: every certificate passed)
  1    refused locally, nothing sent: pre-flight failed, body unreadable, or
       rotate would have to delete an Active certificate
  2    usage error: nothing was sent
  3    IAM answered with an error (duplicate, limit, no such user, access
       denied, a 5xx after the retries, ...)
  4    no usable answer: transport failure, --cli-connect-timeout or
       --cli-read-timeout, bad response; or no credentials, bad configuration
  130  interrupted (Ctrl-C)

Errors are one line on stderr: "signingcert CMD: NAME: cause (request id ID)",
NAME being IAM's error code (LimitExceeded, MalformedCertificate, ...). They
never contain the certificate body or key material.`

// exitHelpIAM ends the help of a command that calls IAM.
const exitHelpIAM = "\n\nExit status: 0 done, 1 refused locally (nothing sent), 2 usage error, 3 IAM\nanswered with an error, 4 no usable answer, 130 interrupted."

// version is what --version prints, in the AWS CLI's shape
// (aws-cli/2.x Python/3.x Linux/...).
func version() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("signingcert/%s Go/%s %s/%s", v, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
}

// newRoot builds the command tree.
func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "signingcert",
		Short:         "Manage the X.509 signing certificates of IAM users",
		Long:          rootLong,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetIn(e.stdin)
	root.SetFlagErrorFunc(flagError)
	root.CompletionOptions.HiddenDefaultCmd = false
	for _, build := range commandBuilders {
		c := build(e)
		c.SilenceErrors, c.SilenceUsage = true, true
		c.SetFlagErrorFunc(flagError)
		if c.Args == nil {
			c.Args = noArgs
		}
		root.AddCommand(c)
	}
	// Cobra's completion command, given an unknown shell, prints its help
	// to stdout and exits 0: "source <(signingcert completion bsah)" would
	// run the help text. An operand that names no shell is a usage error.
	root.InitDefaultCompletionCmd()
	// Cobra's help command, likewise, answers an unknown topic with the
	// usage on stdout and exit 0.
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() != "help" {
			continue
		}
		show := c.Run
		c.Run = nil
		c.RunE = func(c *cobra.Command, args []string) error {
			if found, _, err := root.Find(args); err != nil || found == nil || (found == root && len(args) > 0) {
				return usagef("unknown command %s (run signingcert --help)", quoteShort(strings.Join(args, " ")))
			}
			show(c, args)
			return nil
		}
	}
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.ArbitraryArgs // RunE names the bad operand
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) == 0 {
					return c.Help()
				}
				return usagef("unknown shell %s (bash, zsh, fish or powershell; run %s --help)", quoteShort(args[0]), c.CommandPath())
			}
		}
	}
	return root
}

// flagError makes pflag's errors usage errors naming the flag as typed
// (pflag already writes --name; "-x" stays short).
func flagError(c *cobra.Command, err error) error {
	if errors.Is(err, pflag.ErrHelp) {
		return err
	}
	// "-query" parses as the shorthands q, u, e, ...: say what was meant.
	msg := err.Error()
	if i := strings.Index(msg, "' in -"); strings.HasPrefix(msg, "unknown shorthand flag: ") && i > 0 {
		if typed := msg[i+len("' in "):]; len(typed) > 2 && !strings.HasPrefix(typed, "--") {
			if name, _, _ := strings.Cut(typed, "="); len(name) <= 40 {
				name = oneLine(name)
				return usagef("unknown flag: %s (flags take two dashes: -%s; run %s --help)", name, name, c.CommandPath())
			}
		}
	}
	return usagef("%s (run %s --help)", shortenQuoted(msg), c.CommandPath())
}

// quoted finds the double-quoted values in cobra's and pflag's messages
// (invalid argument "VALUE" for "--flag" flag).
var quoted = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// shortenQuoted cuts every quoted value in msg to what quoteShort shows: a
// value given on the command line may be a secret pasted in the wrong place.
func shortenQuoted(msg string) string {
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if strings.HasPrefix(q, `"--`) {
			return q // a flag's name
		}
		return quoteShort(q[1 : len(q)-1])
	})
}

// noArgs refuses operands for commands that take none.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %s (run %s --help)", quoteShort(args[0]), c.CommandPath())
	}
	return nil
}

// run runs the command line args (without the program name) and returns the
// exit status.
func run(ctx context.Context, e *env, args []string) int {
	if e.homeOf == nil {
		e.homeOf = func(string) (string, bool) { return "", false }
	}
	root := newRoot(e)
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "signingcert: Usage: no command given (run signingcert --help)")
		return exitUsage
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var reported *reportedError
	if errors.As(err, &reported) {
		return reported.code
	}
	name := ""
	if cmd != nil && cmd != root {
		name = cmd.Name()
	}
	var ue *usageError
	if !errors.As(err, &ue) && (cmd == nil || !ran(cmd)) {
		// Cobra's own refusals: unknown commands, bad arguments.
		msg := err.Error()
		if i := strings.Index(msg, "\n"); i >= 0 {
			msg = msg[:i]
		}
		err = usagef("%s (run signingcert --help)", shortenQuoted(msg))
	}
	fmt.Fprintln(e.stderr, errorLine(name, err))
	return exitCode(err)
}

// ranKey marks, in a command's annotations, that its RunE was entered: an
// error from before that is cobra's, a usage error.
const ranKey = "signingcert.ran"

func ran(c *cobra.Command) bool { return c.Annotations[ranKey] == "yes" }

// runE wraps a command's function so that run can tell its errors from
// cobra's.
func runE(f func(c *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[ranKey] = "yes"
		return f(c, args)
	}
}

// reportedError is a failure whose lines were already printed; run only
// exits with its code.
type reportedError struct{ code int }

func (e *reportedError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
