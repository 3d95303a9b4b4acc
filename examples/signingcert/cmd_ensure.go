package main

import (
	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
)

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
		ctx := cmd.Context()
		req, err := c.request(e, c.user.name)
		if err != nil {
			return err
		}
		if _, err := sigcert.NewUploader(nil, c.options(e)...).Check(req); err != nil {
			return c.hint(err, e.bodySource())
		}
		s, err := a.connect(ctx, e, c.options(e)...)
		if err != nil {
			return a.explain(err)
		}
		if req.UserName, err = s.user(ctx, e, cmd, &c.user); err != nil {
			return a.explain(err)
		}
		cert, err := s.up.Ensure(ctx, req)
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
