package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
)

// emptyUserName is the AWS CLI's own refusal of --user-name "" (botocore's
// parameter validation), word for word.
const emptyUserName = "Invalid length for parameter UserName, value: 0, valid min length: 1"

// oneUser is a --user-name that may be given once: a second one is refused
// rather than silently winning, as pflag's string flag would let it.
type oneUser struct {
	name string
	set  bool
}

func (u *oneUser) String() string { return u.name }
func (u *oneUser) Type() string   { return "string" }
func (u *oneUser) Set(v string) error {
	if u.set {
		return errors.New("given twice; this command acts on one user")
	}
	u.name, u.set = v, true
	return nil
}

// registerUser adds --user-name for a command that acts on one user.
func registerUser(c *cobra.Command, u *oneUser) {
	c.Flags().Var(u, "user-name", "IAM user `NAME`; omitted: the user whose credentials sign the requests (named on stderr)")
}

// checkUser refuses an empty --user-name: sending it would drop UserName
// from the request and act on the caller's own user.
func checkUser(given bool, name string) error {
	if given && name == "" {
		return usagef("--user-name: %s (omit --user-name to act on the caller's own user)", emptyUserName)
	}
	return nil
}

// checkUsers is checkUser for each --user-name of a command that takes
// several.
func checkUsers(names []string) error {
	for _, n := range names {
		if err := checkUser(true, n); err != nil {
			return err
		}
	}
	return nil
}

// callerGetter is the part of *iam.Client that finds the caller's own user.
// GetUser is not in sigcert.API, which covers the certificate operations
// only; a local endpoint without it is handled (see caller).
type callerGetter interface {
	GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error)
}

// caller finds the name of the user whose credentials sign the requests,
// and says on stderr which user the command acts on. When IAM answers
// GetUser with an error (no iam:GetUser permission, or an endpoint without
// the operation), the requests go without UserName, which IAM applies to the
// same user, and stderr says that the name is unknown. No answer at all is
// an error: the command's own requests would fare no better.
func caller(ctx context.Context, e *env, cmd string, g callerGetter) (string, error) {
	out, err := g.GetUser(ctx, &iam.GetUserInput{})
	if err == nil && out != nil && out.User != nil && out.User.UserName != nil && *out.User.UserName != "" {
		name := *out.User.UserName
		fmt.Fprintf(e.stderr, "signingcert %s: --user-name omitted: acting on %s, the user whose credentials sign the requests\n", cmd, quoteShort(name))
		return name, nil
	}
	var ae smithy.APIError
	if err != nil && !errors.As(err, &ae) {
		return "", err
	}
	why := "GetUser gave no name"
	if ae != nil {
		why = "GetUser answered " + oneLine(ae.ErrorCode())
	}
	fmt.Fprintf(e.stderr, "signingcert %s: --user-name omitted: acting on the user whose credentials sign the requests (name unknown: %s)\n", cmd, why)
	return "", nil
}
