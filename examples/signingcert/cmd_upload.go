package main

import (
	"crypto/x509"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
)

func init() { addCommand(newUploadCmd) }

func newUploadCmd(e *env) *cobra.Command {
	var (
		a   awsFlags
		o   outFlags
		c   certFlags
		dry bool
	)
	cmd := &cobra.Command{
		Use:   "upload --certificate-body BODY [--user-name NAME] [--dry-run]",
		Short: "Upload a certificate (upload-signing-certificate, checked first)",
		Long: "Upload a certificate to an IAM user, as aws iam upload-signing-certificate, after\n" +
			"checking locally everything IAM would refuse.\n\n" + bodyHelp + exitHelpIAM,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o, &c); err != nil {
			return err
		}
		if dry {
			// No configuration is loaded and no client built: a dry run
			// cannot send anything.
			req, parsed, err := c.checked(e)
			if err != nil {
				return err
			}
			if !c.user.set {
				fmt.Fprintln(e.stderr, "signingcert upload: --user-name omitted: IAM would act on the user whose credentials sign the requests")
			}
			return writeDryRun(e.stdout, &o, req.UserName, parsed)
		}
		s, req, err := c.connect(cmd, e, &a)
		if err != nil {
			return err
		}
		cert, err := s.up.Upload(cmd.Context(), req)
		if err != nil {
			return a.explain(c.hint(err, e.bodySource()))
		}
		return writeCertificate(e.stdout, &o, cert)
	})
	a.register(cmd)
	o.register(cmd)
	c.register(cmd)
	cmd.Flags().BoolVar(&dry, "dry-run", false, "run the pre-flight checks only and send nothing; exit 0 if the certificate would be sent, 1 if refused")
	return cmd
}

func writeDryRun(w io.Writer, o *outFlags, user string, parsed *x509.Certificate) error {
	c := &sigcert.Certificate{UserName: user, X509: parsed}
	if parsed != nil {
		c.Fingerprint = sigcert.Fingerprint(parsed)
	}
	d := dryRunCertificate{UserName: user, Fingerprint: c.Fingerprint}
	r := rowOf(c)
	if parsed != nil {
		d.Subject, d.NotAfter = r.Subject, awsTime(parsed.NotAfter)
	}
	return o.print(w, dryRunOutput{DryRun: d}, func(w io.Writer) error {
		r.ID, r.Status = "(dry run: not sent)", "-"
		if r.User == "" {
			r.User = "-"
		}
		return writeTable(w, []row{r})
	})
}
