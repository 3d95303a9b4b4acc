package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
)

func init() { addCommand(newAuditCmd) }

const auditLong = `Report on the signing certificates of the users named, or of every user of
the account (ListUsers, every page): each certificate's status, NotAfter and
days left, key type and size, subject, and why it does not parse if it
doesn't.

Flagged, and listed under Findings:
  expiring            an Active certificate ends within --expiring-within
  expired_active      an Active certificate has already ended
  at_quota            the user holds 2 certificates, IAM's quota: the next
                      upload needs one deleted (a rotation that keeps or
                      deactivates the previous certificate leaves this)
  no_active           the user holds certificates but none Active, or was
                      named and holds none
  shared_certificate  the same certificate is on more than one user
  weak_key            an RSA key under 2048 bits
  list_failed         the user's certificates could not be listed

A user found by ListUsers who holds no certificate is not flagged.

Exit status: 0 nothing flagged, 1 something flagged (for CI gates), 2 usage
error, 3 IAM answered with an error (ListUsers), 4 no usable answer
(transport failure, timeout, no credentials), 130 interrupted.`

func newAuditCmd(e *env) *cobra.Command {
	var (
		a      awsFlags
		o      outFlags
		users  []string
		within string
		rate   float64
	)
	cmd := &cobra.Command{
		Use:   "audit [--user-name NAME]... [--expiring-within DURATION] [--rate R]",
		Short: "Report certificates expiring soon or breaking policy; exit 1 if any",
		Long:  auditLong,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o); err != nil {
			return err
		}
		if err := checkUsers(users); err != nil {
			return err
		}
		window, err := parseWindow(within)
		if err != nil {
			return err
		}
		if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
			return usagef("--rate must be 0 (no fixed rate) or a number of requests a second, not %v", rate)
		}
		opts := []sigcert.Option{sigcert.WithClock(e.now)}
		if rate > 0 {
			// ListUsers goes through the client, not the Uploader: it
			// takes its pages at full speed, one after another.
			opts = append(opts, sigcert.WithAPIOptions(fleet.RateLimit(rate, 1)))
		}
		ctx := cmd.Context()
		s, err := a.connect(ctx, e, opts...)
		if err != nil {
			return a.explain(err)
		}
		au := &fleet.Auditor{Uploader: s.up, Users: s.client, ExpiringWithin: window, Now: e.now}
		rep, err := au.Audit(ctx, users...)
		if err != nil {
			return a.explain(listUsersError(err))
		}
		if err := o.print(e.stdout, auditDocOf(rep), auditTable(rep)); err != nil {
			return err
		}
		return auditVerdict(e.stderr, &a, rep)
	})
	a.register(cmd)
	o.register(cmd)
	f := cmd.Flags()
	f.StringArrayVar(&users, "user-name", nil, "IAM user `NAME` to audit; repeat it for several users; omitted: every user of the account")
	f.Float64Var(&rate, "rate", 0, "at most `R` list requests a second, retries included, for a large account; 0 for no fixed rate")
	f.StringVar(&within, "expiring-within", "30d", "flag Active certificates ending within `DURATION`: days (30d) or a Go duration (720h, 90m)")
	return cmd
}

// parseWindow reads --expiring-within: a whole or decimal number of days
// ("30d", "1.5d") or a Go duration ("720h"). Zero, negative or unreadable
// values are usage errors.
func parseWindow(s string) (time.Duration, error) {
	bad := usagef("--expiring-within must be a positive number of days (30d) or a Go duration (720h, 90m), not %s", quoteShort(s))
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n <= 0 || n > 100*365 {
			return 0, bad
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, bad
	}
	return d, nil
}

// auditDoc is audit's document, in the AWS CLI's PascalCase like the other
// commands'; the finding kinds keep fleet's stable names. It never holds a
// certificate body.
type auditDoc struct {
	Time               string         `json:"Time"`
	ExpiringWithinDays float64        `json:"ExpiringWithinDays"`
	Users              []auditUser    `json:"Users"`
	Findings           []auditFinding `json:"Findings"`
	Summary            map[string]int `json:"Summary"`
}

type auditUser struct {
	UserName     string      `json:"UserName"`
	Certificates []auditCert `json:"Certificates"`
	Error        string      `json:"Error,omitempty"`
}

type auditCert struct {
	CertificateID string `json:"CertificateId"`
	Status        string `json:"Status"`
	UploadDate    string `json:"UploadDate,omitempty"`
	NotAfter      string `json:"NotAfter,omitempty"`
	DaysLeft      *int   `json:"DaysLeft,omitempty"`
	KeyType       string `json:"KeyType,omitempty"`
	KeyBits       int    `json:"KeyBits,omitempty"`
	Subject       string `json:"Subject,omitempty"`
	Fingerprint   string `json:"Fingerprint,omitempty"`
	ParseError    string `json:"ParseError,omitempty"`
}

type auditFinding struct {
	Kind          string   `json:"Kind"`
	UserName      string   `json:"UserName"`
	CertificateID string   `json:"CertificateId,omitempty"`
	OtherUsers    []string `json:"OtherUsers,omitempty"`
	Detail        string   `json:"Detail"`
}

func auditDocOf(rep *fleet.Audit) auditDoc {
	doc := auditDoc{
		Time:               awsTime(rep.Time),
		ExpiringWithinDays: rep.ExpiringWithinDays,
		Users:              make([]auditUser, 0, len(rep.Users)),
		Findings:           make([]auditFinding, 0, len(rep.Findings)),
		Summary:            map[string]int{},
	}
	for _, u := range rep.Users {
		au := auditUser{UserName: u.UserName, Certificates: make([]auditCert, 0, len(u.Certificates))}
		if u.Err != nil {
			au.Error = cause(u.Err)
		}
		for _, c := range u.Certificates {
			ac := auditCert{CertificateID: c.CertificateID, Status: string(c.Status), DaysLeft: c.DaysLeft,
				KeyType: c.KeyType, KeyBits: c.KeyBits, Subject: c.Subject, Fingerprint: c.Fingerprint}
			if c.UploadDate != nil {
				ac.UploadDate = awsTime(*c.UploadDate)
			}
			if c.NotAfter != nil {
				ac.NotAfter = awsTime(*c.NotAfter)
			}
			if c.ParseError != "" {
				ac.ParseError = cause(errors.New(c.ParseError))
			}
			au.Certificates = append(au.Certificates, ac)
		}
		doc.Users = append(doc.Users, au)
	}
	for _, f := range rep.Findings {
		detail := f.Detail
		if f.Kind == fleet.ListFailed {
			detail = cause(errors.New(detail))
		}
		doc.Findings = append(doc.Findings, auditFinding{Kind: string(f.Kind), UserName: f.UserName,
			CertificateID: f.CertificateID, OtherUsers: f.OtherUsers, Detail: detail})
		doc.Summary[string(f.Kind)]++
	}
	return doc
}

// auditTable draws the certificates, then the findings.
func auditTable(rep *fleet.Audit) func(io.Writer) error {
	return func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tCERTIFICATE ID\tSTATUS\tNOT AFTER\tDAYS LEFT\tKEY\tSUBJECT")
		for _, u := range rep.Users {
			if u.Err != nil {
				fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t%s\n", oneLine(u.UserName), "not listed: "+cause(u.Err))
				continue
			}
			if len(u.Certificates) == 0 {
				fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t(no certificate)\n", oneLine(u.UserName))
			}
			for _, c := range u.Certificates {
				end, days, key, subj := "-", "-", "-", oneLine(c.Subject)
				if c.NotAfter != nil {
					end = c.NotAfter.UTC().Format(time.RFC3339)
				}
				if c.DaysLeft != nil {
					days = strconv.Itoa(*c.DaysLeft)
				}
				if c.KeyType != "" {
					key = fmt.Sprintf("%s %d", c.KeyType, c.KeyBits)
				}
				if c.ParseError != "" {
					subj = "unparsable: " + cause(errors.New(c.ParseError))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", oneLine(u.UserName), oneLine(c.CertificateID), oneLine(string(c.Status)), end, days, oneLine(key), subj)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(rep.Findings) == 0 {
			_, err := fmt.Fprintf(w, "\nNothing flagged (%d users).\n", len(rep.Users))
			return err
		}
		fmt.Fprintf(w, "\nFindings (%d):\n", len(rep.Findings))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tUSER\tCERTIFICATE ID\tDETAIL")
		for _, f := range rep.Findings {
			id := f.CertificateID
			if id == "" {
				id = "-"
			}
			detail := f.Detail
			if f.Kind == fleet.ListFailed {
				detail = cause(errors.New(detail))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Kind, oneLine(f.UserName), oneLine(id), oneLine(detail))
		}
		return tw.Flush()
	}
}

// auditVerdict names on stderr each user that could not be listed, then
// sums up the findings, and returns the exit status: 1 when anything is
// flagged, 4 when a user could not be listed for want of an answer (the
// audit is incomplete, as a list without an answer exits).
func auditVerdict(w io.Writer, a *awsFlags, rep *fleet.Audit) error {
	if !rep.Flagged() {
		return nil
	}
	code := exitRefused
	for _, u := range rep.Users {
		if u.Err == nil {
			continue
		}
		err := a.explain(u.Err)
		fmt.Fprintln(w, entryErrorLine("audit", oneLine(u.UserName), err))
		if exitCode(err) == exitOther {
			code = exitOther
		}
	}
	counts := map[string]int{}
	for _, f := range rep.Findings {
		counts[string(f.Kind)]++
	}
	kinds := make([]string, 0, len(counts))
	for k, n := range counts {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "signingcert audit: Flagged: %d finding(s): %s\n", len(rep.Findings), strings.Join(kinds, ", "))
	return &reportedError{code: code}
}

// listUsersError makes IAM's refusal of ListUsers, which the Auditor calls
// on the client and not through sigcert, a *sigcert.ServiceError as every
// other call's refusal is: the line then names IAM's code, status and
// request id, and the exit status is 3 (IAM answered with an error), not 4.
// Without IAM's answer (transport, timeout, Ctrl-C) err is kept as it is.
func listUsersError(err error) error {
	var (
		se *sigcert.ServiceError
		ae smithy.APIError
	)
	if errors.As(err, &se) || !errors.As(err, &ae) {
		return err
	}
	out := &sigcert.ServiceError{Operation: "ListUsers", Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Err: err}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.ResponseError != nil && re.Response != nil {
		out.StatusCode = re.HTTPStatusCode()
		out.RequestID = re.ServiceRequestID()
	}
	return out
}
