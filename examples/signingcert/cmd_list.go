package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
)

func init() { addCommand(newListCmd) }

func newListCmd(e *env) *cobra.Command {
	var (
		a     awsFlags
		o     outFlags
		users []string
	)
	cmd := &cobra.Command{
		Use:   "list [--user-name NAME]...",
		Short: "List certificates (list-signing-certificates), of one user or several",
		Long: "List the certificates of one or several users. json is byte for byte what\n" +
			"aws iam list-signing-certificates prints, one document for all the users named;\n" +
			"table adds the SHA-256 fingerprint, NotAfter and subject." + exitHelpIAM,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o); err != nil {
			return err
		}
		if err := checkUsers(users); err != nil {
			return err
		}
		users = distinctUsers(users)
		ctx := cmd.Context()
		s, err := a.connect(ctx, e, sigcert.WithClock(e.now))
		if err != nil {
			return a.explain(err)
		}
		if len(users) == 0 {
			name, err := caller(ctx, e, cmd.Name(), s.client)
			if err != nil {
				return a.explain(err)
			}
			users = []string{name}
		}
		// One user at a time; a failure is reported and the rest listed.
		// What was listed is printed as one document, as the AWS CLI prints
		// one for one user.
		p := newProgress(e.progress, e.now, "listed", "users", len(users))
		var (
			all   []*sigcert.Certificate
			first error
		)
		for _, user := range users {
			if err := ctx.Err(); err != nil {
				p.clear()
				return err
			}
			certs, err := s.up.List(ctx, user)
			p.clear()
			if err != nil {
				err = a.explain(err)
				if len(users) == 1 {
					return err
				}
				fmt.Fprintln(e.stderr, entryErrorLine("list", quoteShort(user), err))
				if first == nil {
					first = err
				}
			}
			all = append(all, certs...)
			p.step()
		}
		p.clear()
		if err := writeList(e.stdout, &o, all); err != nil {
			return err
		}
		if first != nil {
			return &reportedError{code: exitCode(first)}
		}
		return nil
	})
	a.register(cmd)
	o.register(cmd)
	// StringArray, not StringSlice: "," is legal in a user name, and a
	// value is never split.
	cmd.Flags().StringArrayVar(&users, "user-name", nil, "IAM user `NAME`; repeat it for several users; omitted: the user whose credentials sign the requests (named on stderr)")
	return cmd
}

// distinctUsers drops a name given before, in any case: IAM's user names
// ignore case, so Bob and bob are one user, and listing it twice would put
// each certificate in the document twice.
func distinctUsers(names []string) []string {
	var out []string
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}
