package main

import (
	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
)

func init() { addCommand(newRotateCmd) }

// previousValues are --previous's values, in the order help shows them.
var previousValues = map[string]sigcert.Previous{
	"keep":       sigcert.KeepPrevious,
	"deactivate": sigcert.DeactivatePrevious,
	"delete":     sigcert.DeletePrevious,
}

func newRotateCmd(e *env) *cobra.Command {
	var (
		a        awsFlags
		o        outFlags
		c        certFlags
		previous string
		policy   sigcert.RotatePolicy
	)
	cmd := &cobra.Command{
		Use:   "rotate --certificate-body BODY [--user-name NAME] [--previous keep|deactivate|delete] [--delete-active-for-room]",
		Short: "Attach a new certificate and retire the old ones, within the quota of 2",
		Long: "Attach a new certificate and retire the user's other certificates, within IAM's\n" +
			"quota of two per user. Safe to rerun after a failure.\n\n" + bodyHelp + exitHelpIAM,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o, &c); err != nil {
			return err
		}
		p, ok := previousValues[previous]
		if !ok {
			return usagef("--previous must be keep, deactivate or delete, not %s", quoteShort(previous))
		}
		policy.Previous = p
		s, req, err := c.connect(cmd, e, &a)
		if err != nil {
			return err
		}
		r, err := s.up.Rotate(cmd.Context(), req, policy)
		if err != nil {
			return a.explain(c.hint(err, e.bodySource()))
		}
		return writeRotation(e.stdout, &o, r)
	})
	a.register(cmd)
	o.register(cmd)
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&previous, "previous", "deactivate", "`keep|deactivate|delete`: what to do with the user's other certificates")
	f.BoolVar(&policy.DeleteActiveForRoom, "delete-active-for-room", false,
		"at the quota of 2 with no Inactive certificate, delete the oldest Active one to make room (else refuse, changing nothing)")
	_ = cmd.RegisterFlagCompletionFunc("previous", cobra.FixedCompletions([]string{"keep", "deactivate", "delete"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
