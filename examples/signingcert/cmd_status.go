package main

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/spf13/cobra"
)

func init() {
	addCommand(func(e *env) *cobra.Command {
		return newStatusCmd(e, "activate", "Make a certificate Active", types.StatusTypeActive)
	})
	addCommand(func(e *env) *cobra.Command {
		return newStatusCmd(e, "deactivate", "Make a certificate Inactive", types.StatusTypeInactive)
	})
}

// idFlags are the flags of the commands that act on one certificate.
type idFlags struct {
	user oneUser
	id   string
}

func (f *idFlags) register(cmd *cobra.Command) {
	registerUser(cmd, &f.user)
	cmd.Flags().StringVar(&f.id, "certificate-id", "", "the certificate's `ID`, as list shows it")
}

func (f *idFlags) check(cmd *cobra.Command) error {
	if f.id == "" {
		return usagef("--certificate-id is required (run %s --help)", cmd.CommandPath())
	}
	return checkUser(f.user.set, f.user.name)
}

// connect is what delete, activate and deactivate do before their one
// call: connect, and find the user to name.
func (f *idFlags) connect(cmd *cobra.Command, e *env, a *awsFlags) (*session, string, error) {
	ctx := cmd.Context()
	s, err := a.connect(ctx, e)
	if err != nil {
		return nil, "", a.explain(err)
	}
	user, err := s.user(ctx, e, cmd, &f.user)
	if err != nil {
		return nil, "", a.explain(err)
	}
	return s, user, nil
}

func newStatusCmd(e *env, name, short string, status types.StatusType) *cobra.Command {
	var (
		a awsFlags
		o outFlags
		f idFlags
	)
	cmd := &cobra.Command{
		Use:   name + " --certificate-id ID [--user-name NAME]",
		Short: short + " (update-signing-certificate)",
		Long:  short + ", as aws iam update-signing-certificate --status " + string(status) + ".\nLike the AWS CLI, json and text print nothing on success." + exitHelpIAM,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o, &f); err != nil {
			return err
		}
		s, user, err := f.connect(cmd, e, &a)
		if err != nil {
			return err
		}
		if err := s.up.SetStatus(cmd.Context(), user, f.id, status); err != nil {
			return a.explain(err)
		}
		if o.output == outTable {
			fmt.Fprintf(e.stdout, "%s is now %s.\n", oneLine(f.id), status)
		}
		return nil
	})
	a.register(cmd)
	o.register(cmd)
	f.register(cmd)
	return cmd
}
