package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/iamkit/signingcert/sigcert"
)

// The --output formats.
const (
	outJSON  = "json"
	outText  = "text"
	outTable = "table"
)

// awsCertificate is a certificate in the shape the AWS CLI prints it, member
// for member and in the API's order.
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

// listOutput is list-signing-certificates' output. The tool follows every
// page, so IsTruncated is always false.
type listOutput struct {
	Certificates []awsCertificate `json:"Certificates"`
	IsTruncated  bool             `json:"IsTruncated"`
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

// awsTime formats t as the AWS CLI (v2) prints a timestamp: Python's
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

// row is one certificate as text and table output show it.
type row struct {
	User, ID, Status, Uploaded, Fingerprint, NotAfter, Subject string
}

var rowHeader = row{"USER", "CERTIFICATE ID", "STATUS", "UPLOADED", "SHA-256", "NOT AFTER", "SUBJECT"}

func (r row) fields() []string {
	return []string{r.User, r.ID, r.Status, r.Uploaded, r.Fingerprint, r.NotAfter, r.Subject}
}

// rowOf describes c for text and table output: never its body.
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
		r.Subject = oneLine("unparsable: " + c.ParseError.Error())
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

// writeText prints rows tab-separated, one per line, without a header: for
// cut, awk and while-read loops.
func writeText(w io.Writer, rows []row) error {
	for _, r := range rows {
		if _, err := fmt.Fprintln(w, strings.Join(r.fields(), "\t")); err != nil {
			return err
		}
	}
	return nil
}

// writeTable prints rows as aligned columns under a header.
func writeTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([]row{rowHeader}, rows...) {
		fmt.Fprintln(tw, strings.Join(r.fields(), "\t"))
	}
	return tw.Flush()
}

// writeCertificate prints one certificate, as upload and ensure do.
func writeCertificate(w io.Writer, format string, c *sigcert.Certificate) error {
	switch format {
	case outJSON:
		return writeJSON(w, uploadOutput{Certificate: toAWS(c)})
	case outTable:
		return writeTable(w, []row{rowOf(c)})
	}
	return writeText(w, []row{rowOf(c)})
}

// writeList prints a user's certificates, as list does.
func writeList(w io.Writer, format string, certs []*sigcert.Certificate) error {
	if format == outJSON {
		out := listOutput{Certificates: make([]awsCertificate, 0, len(certs))}
		for _, c := range certs {
			out.Certificates = append(out.Certificates, toAWS(c))
		}
		return writeJSON(w, out)
	}
	rows := make([]row, len(certs))
	for i, c := range certs {
		rows[i] = rowOf(c)
	}
	if format == outTable {
		return writeTable(w, rows)
	}
	return writeText(w, rows)
}

// writeRotation prints a completed rotation.
func writeRotation(w io.Writer, format string, r *sigcert.Rotation) error {
	switch format {
	case outJSON:
		out := rotateOutput{Certificate: toAWS(r.New), Steps: []rotateStep{}, Certificates: []awsCertificate{}}
		for _, s := range r.Steps {
			out.Steps = append(out.Steps, rotateStep{Action: string(s.Action), CertificateID: s.CertificateID, Why: s.Why})
		}
		for _, c := range r.Certificates {
			out.Certificates = append(out.Certificates, toAWS(c))
		}
		return writeJSON(w, out)
	case outTable:
		if len(r.Steps) == 0 {
			fmt.Fprintf(w, "Nothing to do: %s is already attached and Active.\n", oneLine(r.New.CertificateID))
		} else {
			fmt.Fprintln(w, "Steps:")
			for i, s := range r.Steps {
				fmt.Fprintf(w, "  %d. %s\n", i+1, oneLine(s.String()))
			}
		}
		fmt.Fprintf(w, "\nThe user now holds (new: %s):\n", oneLine(r.New.CertificateID))
		return writeList(w, outTable, r.Certificates)
	}
	for _, s := range r.Steps {
		fmt.Fprintf(w, "STEP\t%s\t%s\t%s\n", s.Action, oneLine(s.CertificateID), oneLine(s.Why))
	}
	for _, c := range r.Certificates {
		fmt.Fprintf(w, "CERTIFICATE\t%s\n", strings.Join(rowOf(c).fields(), "\t"))
	}
	return nil
}

// oneLine makes s safe for one line of text or table output: control
// characters, tabs and newlines included, become "?" so that a field can
// never break a row.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, s)
}
