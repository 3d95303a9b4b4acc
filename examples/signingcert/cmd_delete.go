package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { addCommand(newDeleteCmd) }

func newDeleteCmd(e *env) *cobra.Command {
	var (
		a awsFlags
		o outFlags
		f idFlags
	)
	cmd := &cobra.Command{
		Use:   "delete --certificate-id ID [--user-name NAME]",
		Short: "Delete a certificate (delete-signing-certificate)",
		Long:  "Delete a certificate, as aws iam delete-signing-certificate.\nLike the AWS CLI, json and text print nothing on success." + exitHelpIAM,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o, &f); err != nil {
			return err
		}
		s, user, err := f.connect(cmd, e, &a)
		if err != nil {
			return err
		}
		if err := s.up.Delete(cmd.Context(), user, f.id); err != nil {
			return a.explain(err)
		}
		if o.output == outTable {
			fmt.Fprintf(e.stdout, "%s is deleted.\n", oneLine(f.id))
		}
		return nil
	})
	a.register(cmd)
	o.register(cmd)
	f.register(cmd)
	return cmd
}
