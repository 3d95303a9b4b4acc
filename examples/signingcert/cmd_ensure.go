package main

import "github.com/spf13/cobra"

func init() { addCommand(newEnsureCmd) }

func newEnsureCmd(e *env) *cobra.Command {
	var (
		a awsFlags
		o outFlags
		c certFlags
	)
	cmd := &cobra.Command{
		Use:   "ensure --certificate-body BODY [--user-name NAME]",
		Short: "Make sure the user holds the certificate; upload only if not (safe to rerun)",
		Long: "Make sure the user holds the certificate: list first, upload only if it is not\n" +
			"attached, so a rerun changes nothing.\n\n" + bodyHelp + exitHelpIAM,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o, &c); err != nil {
			return err
		}
		s, req, err := c.connect(cmd, e, &a)
		if err != nil {
			return err
		}
		cert, err := s.up.Ensure(cmd.Context(), req)
		if err != nil {
			return a.explain(c.hint(err, e.bodySource()))
		}
		return writeCertificate(e.stdout, &o, cert)
	})
	a.register(cmd)
	o.register(cmd)
	c.register(cmd)
	return cmd
}
