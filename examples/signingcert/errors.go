package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/sigcert"
)

// Exit codes. usage() documents them.
const (
	exitOK      = 0 // done; for check and --dry-run, every certificate passed
	exitRefused = 1 // refused locally (pre-flight, unreadable body, rotation policy): nothing was sent for it
	exitUsage   = 2 // bad command line
	exitIAM     = 3 // IAM answered with an error
	exitOther   = 4 // no answer from IAM (transport, timeout), bad configuration, bad response
	// exitInterrupted is the AWS CLI's status for Ctrl-C (128 + SIGINT).
	exitInterrupted = 130
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// configError is a failure to load the AWS configuration (profile, region,
// credentials sources), or to find credentials in it.
type configError struct {
	noCredentials bool
	err           error
}

func (e *configError) Error() string {
	if e.noCredentials {
		return "no AWS credentials: " + e.err.Error()
	}
	return "loading AWS configuration: " + e.err.Error()
}

func (e *configError) Unwrap() error { return e.err }

// errorName is the short name of err's kind: the IAM code of the sigcert
// sentinel it matches, else what went wrong without one.
func errorName(err error) string {
	if code := sigcert.Code(err); code != "" {
		return code
	}
	if errors.Is(err, sigcert.ErrIncompleteResponse) {
		return "IncompleteResponse"
	}
	var (
		ue *usageError
		qe *queryError
		be *bodyError
		ce *configError
		cf *checkFailed
		se *sigcert.ServiceError
		te *timeoutError
	)
	switch {
	case errors.As(err, &ue), errors.As(err, &qe):
		return "Usage"
	case errors.As(err, &te) && te.flag == "--cli-connect-timeout":
		return "ConnectTimeout"
	case errors.As(err, &te):
		return "ReadTimeout"
	case errors.As(err, &cf):
		return "Refused"
	case errors.As(err, &be):
		return "BodyUnreadable"
	case errors.As(err, &ce) && ce.noCredentials:
		return "NoCredentials"
	case errors.As(err, &ce):
		return "Config"
	case errors.Is(err, context.Canceled):
		return "Interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case errors.As(err, &se) && se.Code != "":
		return se.Code // an IAM code sigcert has no sentinel for
	case errors.As(err, new(*smithyhttp.RequestSendError)):
		return "Transport"
	case errors.As(err, &se):
		return "NoAnswer"
	}
	return "Error"
}

// exitCode is the exit status for err.
func exitCode(err error) int {
	var (
		ue *usageError
		qe *queryError
		be *bodyError
		cf *checkFailed
		pe *sigcert.PreflightError
		se *sigcert.ServiceError
		te *timeoutError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.As(err, &qe):
		return exitUsage
	case errors.As(err, &te):
		return exitOther
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &se):
		if se.Code != "" {
			return exitIAM
		}
		return exitOther
	case errors.As(err, &pe), errors.As(err, &be), errors.As(err, &cf):
		return exitRefused
	case errors.Is(err, sigcert.ErrLimitExceeded):
		// Rotate refusing, by policy, to delete an Active certificate:
		// decided locally, nothing changed.
		return exitRefused
	}
	return exitOther
}

// errorLine is the one line printed on stderr for err: the command, the
// error's short name, the cause and IAM's request id when there is one. It
// never holds a certificate body or key material: sigcert keeps bodies out of
// its messages, and a message that still quotes PEM armour is withheld.
func errorLine(cmd string, err error) string {
	msg := cause(err)
	var send *smithyhttp.RequestSendError
	var (
		te *timeoutError
		oe *smithy.OperationError
	)
	if errors.As(err, &te) {
		msg = te.Error()
		if errors.As(err, &oe) {
			msg = oe.OperationName + ": " + msg + unknownOutcome(oe.OperationName)
		}
	} else if errors.As(err, &send) && errors.As(err, &oe) {
		// The SDK's message for a failed send runs to several layers of
		// wrapping; what failed is the operation, and why is the send.
		msg = oe.OperationName + ": " + cause(send)
	}
	var se *sigcert.ServiceError
	if errors.As(err, &se) && se.RequestID != "" && !strings.Contains(msg, se.RequestID) {
		msg += " (request id " + oneLine(se.RequestID) + ")"
	}
	// A single write with no definite answer (a 5xx after the retries, a
	// transport failure, Ctrl-C in flight) may have been applied, as a
	// timeout may (above). A rotation's error says itself what it did.
	if te == nil && se != nil && sigcert.OutcomeUnknown(err) && !errors.As(err, new(*sigcert.RotateError)) {
		msg += unknownOutcome(se.Operation)
	}
	if cmd == "" {
		return fmt.Sprintf("signingcert: %s: %s", errorName(err), msg)
	}
	return fmt.Sprintf("signingcert %s: %s: %s", cmd, errorName(err), msg)
}

// pemContent finds PEM armour followed by encoded data, or a key's armour:
// what a message quoting a body or a key holds. Armour alone, as in advice
// to start the body with -----BEGIN CERTIFICATE-----, is not content.
var pemContent = regexp.MustCompile(`-----BEGIN [^-]*-----\s*[A-Za-z0-9+/=]{16}|PRIVATE KEY-----`)

// cause is err's message made safe for one line. sigcert keeps bodies out of
// its messages; this is the second line of defence, for any other message.
func cause(err error) string {
	msg := errorText(err)
	if pemContent.MatchString(msg) {
		return "message withheld: it quotes certificate or key material"
	}
	return oneLine(strings.Join(strings.Fields(msg), " "))
}

// errorText is err's message without the library's prefix ("sigcert: ",
// "validate: "), which says nothing to someone at a shell: the CLI puts its
// own "signingcert COMMAND: " in front. sigcert builds the prefix-free text
// itself, so the CLI never edits a message.
func errorText(err error) string {
	return sigcert.Detail(err)
}

// unknownOutcome is what a line about a request with no answer adds for an
// operation that writes: IAM may have applied it.
func unknownOutcome(op string) string {
	if strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Get") {
		return ""
	}
	return "; IAM may have applied it: list to see"
}
