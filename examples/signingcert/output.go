package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/iamkit/signingcert/sigcert"
)

// The --output formats.
const (
	outJSON  = "json"
	outText  = "text"
	outTable = "table"
)

// awsCertificate is a certificate in the shape the AWS CLI prints it, member
// for member and in the API model's order (UserName, CertificateId,
// CertificateBody, Status, UploadDate; testdata/aws-cli/list.json).
type awsCertificate struct {
	UserName        string `json:"UserName"`
	CertificateID   string `json:"CertificateId"`
	CertificateBody string `json:"CertificateBody"`
	Status          string `json:"Status"`
	UploadDate      string `json:"UploadDate,omitempty"`
}

// uploadOutput is upload-signing-certificate's output.
type uploadOutput struct {
	Certificate awsCertificate `json:"Certificate"`
}

// listOutput is list-signing-certificates' output as the AWS CLI prints it:
// it follows every page and prints neither IsTruncated nor Marker
// (testdata/aws-cli/list.json).
type listOutput struct {
	Certificates []awsCertificate `json:"Certificates"`
}

// rotateOutput is this tool's own: the new certificate as upload prints it,
// the steps taken, and what the user holds at the end.
type rotateOutput struct {
	Certificate  awsCertificate   `json:"Certificate"`
	Steps        []rotateStep     `json:"Steps"`
	Certificates []awsCertificate `json:"Certificates"`
}

type rotateStep struct {
	Action        string `json:"Action"`
	CertificateID string `json:"CertificateId"`
	Why           string `json:"Why"`
}

// dryRunOutput is what upload --dry-run prints: what would be sent.
type dryRunOutput struct {
	DryRun dryRunCertificate `json:"DryRun"`
}

type dryRunCertificate struct {
	UserName    string `json:"UserName,omitempty"`
	Fingerprint string `json:"Fingerprint,omitempty"`
	Subject     string `json:"Subject,omitempty"`
	NotAfter    string `json:"NotAfter,omitempty"`
}

func toAWS(c *sigcert.Certificate) awsCertificate {
	return awsCertificate{
		UserName:        c.UserName,
		CertificateID:   c.CertificateID,
		CertificateBody: c.CertificateBody,
		Status:          string(c.Status),
		UploadDate:      awsTime(c.UploadDate),
	}
}

// awsTime formats t as the AWS CLI v2 prints a timestamp: Python's
// datetime.isoformat() in UTC, "2026-11-22T09:00:00+00:00", with six
// fraction digits only when there are microseconds. The zero time is "".
func awsTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "+00:00"
}

// writeJSON prints v as the AWS CLI does: four-space indents, non-ASCII and
// <, >, & as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// outFlags are --output and --query, for the commands that print a
// document.
type outFlags struct {
	output string
	query  string
	q      *query
	// queryFlag tells a --query given empty, which the AWS CLI refuses,
	// from none.
	queryFlag *pflag.Flag
}

func (o *outFlags) register(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.output, "output", outJSON, "output `FORMAT`: json (the AWS CLI's document), text (the AWS CLI's tab-separated layout) or table")
	f.StringVar(&o.query, "query", "", "JMESPath `EXPRESSION` applied to the json document before it is printed, as the AWS CLI's --query")
	o.queryFlag = f.Lookup("query")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outJSON, outText, outTable}, cobra.ShellCompDirectiveNoFileComp))
}

// check refuses a bad format or query before anything is loaded or sent.
func (o *outFlags) check() error {
	switch o.output {
	case outJSON, outText, outTable:
	default:
		return usagef("--output must be json, text or table, not %s", quoteShort(o.output))
	}
	if o.query == "" && o.queryFlag != nil && o.queryFlag.Changed {
		// The AWS CLI's words. Taken for no query, an unset $QUERY in a
		// script would print the whole document.
		return usagef("--query: Invalid JMESPath expression: cannot be empty")
	}
	if o.query != "" {
		q, err := compileQuery(o.query)
		if err != nil {
			return usagef("--query: bad JMESPath expression: %v", oneLine(err.Error()))
		}
		o.q = q
	}
	return nil
}

// print prints doc, the command's document in the AWS CLI's json shape:
// as it is, through --query, in the AWS CLI's text layout, or as the table
// (nil: text layout) draws it.
func (o *outFlags) print(w io.Writer, doc any, table func(io.Writer) error) error {
	if o.q == nil {
		switch o.output {
		case outJSON:
			return writeJSON(w, doc)
		case outTable:
			if table != nil {
				return table(w)
			}
		}
		v, err := generic(doc)
		if err != nil {
			return err
		}
		return writeAWSText(w, v.v)
	}
	v, err := generic(doc)
	if err != nil {
		return err
	}
	res, err := o.q.search(v)
	if err != nil {
		return &queryError{err: err}
	}
	if o.output == outJSON {
		return writeOrderedJSON(w, res)
	}
	return writeAWSText(w, res.v)
}

// row is one certificate as the table shows it.
type row struct {
	User, ID, Status, Uploaded, Fingerprint, NotAfter, Subject string
}

var rowHeader = row{"USER", "CERTIFICATE ID", "STATUS", "UPLOADED", "SHA-256", "NOT AFTER", "SUBJECT"}

func (r row) fields() []string {
	return []string{r.User, r.ID, r.Status, r.Uploaded, r.Fingerprint, r.NotAfter, r.Subject}
}

// rowOf describes c for table output: never its body.
func rowOf(c *sigcert.Certificate) row {
	r := row{
		User:        oneLine(c.UserName),
		ID:          oneLine(c.CertificateID),
		Status:      oneLine(string(c.Status)),
		Uploaded:    "-",
		Fingerprint: "-",
		NotAfter:    "-",
	}
	if !c.UploadDate.IsZero() {
		r.Uploaded = c.UploadDate.UTC().Format(time.RFC3339)
	}
	switch {
	case c.X509 != nil:
		r.Fingerprint = c.Fingerprint
		r.NotAfter = c.X509.NotAfter.UTC().Format(time.RFC3339)
		r.Subject = subject(c.X509)
	case c.ParseError != nil:
		r.Subject = oneLine("unparsable: " + errorText(c.ParseError))
	default:
		r.Subject = "-"
	}
	return r
}

func subject(c *x509.Certificate) string {
	s := c.Subject.String()
	if s == "" {
		return "(empty subject)"
	}
	return oneLine(s)
}

// writeTable prints rows as aligned columns under a header.
func writeTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([]row{rowHeader}, rows...) {
		fmt.Fprintln(tw, strings.Join(r.fields(), "\t"))
	}
	return tw.Flush()
}

func tableOf(certs []*sigcert.Certificate) func(io.Writer) error {
	return func(w io.Writer) error {
		rows := make([]row, len(certs))
		for i, c := range certs {
			rows[i] = rowOf(c)
		}
		return writeTable(w, rows)
	}
}

// writeCertificate prints one certificate, as upload and ensure do.
func writeCertificate(w io.Writer, o *outFlags, c *sigcert.Certificate) error {
	return o.print(w, uploadOutput{Certificate: toAWS(c)}, tableOf([]*sigcert.Certificate{c}))
}

// writeList prints certificates, of one user or several, as one document.
func writeList(w io.Writer, o *outFlags, certs []*sigcert.Certificate) error {
	out := listOutput{Certificates: make([]awsCertificate, 0, len(certs))}
	for _, c := range certs {
		out.Certificates = append(out.Certificates, toAWS(c))
	}
	return o.print(w, out, tableOf(certs))
}

// writeRotation prints a completed rotation.
func writeRotation(w io.Writer, o *outFlags, r *sigcert.Rotation) error {
	out := rotateOutput{Certificate: toAWS(r.New), Steps: append([]rotateStep{}, stepsOf(r.Steps)...), Certificates: []awsCertificate{}}
	for _, c := range r.Certificates {
		out.Certificates = append(out.Certificates, toAWS(c))
	}
	return o.print(w, out, func(w io.Writer) error {
		if len(r.Steps) == 0 {
			fmt.Fprintf(w, "Nothing to do: %s is already attached and Active.\n", oneLine(r.New.CertificateID))
		} else {
			fmt.Fprintln(w, "Steps:")
			for i, s := range r.Steps {
				fmt.Fprintf(w, "  %d. %s\n", i+1, oneLine(s.String()))
			}
		}
		fmt.Fprintf(w, "\nThe user now holds (new: %s):\n", oneLine(r.New.CertificateID))
		return tableOf(r.Certificates)(w)
	})
}
