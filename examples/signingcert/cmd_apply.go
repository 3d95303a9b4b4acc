package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
)

func init() { addCommand(newApplyCmd) }

const applyLong = `Apply a manifest: for each entry, make its user hold its certificate (mode
"ensure") or rotate the user to it (mode "rotate"), several users at a time,
within the account's request rate. Safe to rerun: a rerun after an
interruption does only what is left, and one after a finished apply sends only
list calls.

The manifest is JSON:

  {"entries": [
    {"user": "Bob", "certificate": "bob.pem", "mode": "rotate", "previous": "deactivate"},
    {"user": "Alice", "certificate": "alice.pem", "mode": "ensure"}
  ]}

  user                    IAM user name, required; each user once (ignoring case)
  certificate             PEM file, relative to the manifest; required; one
                          certificate, valid now, no private key, one user only
  mode                    "ensure" or "rotate", required
  previous                rotate only: "keep", "deactivate" (default) or "delete":
                          what happens to the user's other certificates
  delete_active_for_room  rotate only, default false: at IAM's quota of 2 with no
                          Inactive certificate, delete the oldest Active one

The whole manifest is checked before anything is sent; every problem is listed
with its entry.

--dry-run checks the manifest and prints each entry's intent ("would
ensure", "would rotate ...") without sending anything. It does not yet list
the account, so it cannot say which certificates would be deactivated or
deleted, nor which entries are already done.

--rate holds every HTTP request, retries included, to R a second: set it a
little under the account's rate for IAM and nothing is throttled. Without it,
the SDK's adaptive retry mode slows down when IAM answers Throttling.

Progress is a bar on a terminal, else one line per entry on stderr.

Exit status: 0 every entry done, 1 the manifest is invalid (nothing sent),
2 usage error, 3 some entries failed (each named on stderr with its error),
4 no usable answer (transport failure, timeout, no credentials), 130
interrupted (entries not started are reported not_run).`

func newApplyCmd(e *env) *cobra.Command {
	var (
		a        awsFlags
		o        outFlags
		manifest string
		dryRun   bool
		workers  int
		rate     float64
	)
	cmd := &cobra.Command{
		Use:   "apply --manifest FILE [--dry-run] [--concurrency N] [--rate R]",
		Short: "Ensure or rotate the certificates of many users, from a JSON manifest",
		Long:  applyLong,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, _ []string) error {
		if err := prepare(cmd, &a, &o); err != nil {
			return err
		}
		switch {
		case manifest == "":
			return usagef("--manifest is required (run signingcert apply --help for its schema)")
		case workers < 1:
			return usagef("--concurrency must be at least 1, not %d", workers)
		case rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0):
			return usagef("--rate must be 0 (no fixed rate) or a number of requests a second, not %v", rate)
		}
		opts := []sigcert.Option{sigcert.WithClock(e.now)}
		entries, err := loadManifest(manifest, opts...)
		if err != nil {
			return reportManifest(e.stderr, err)
		}
		if dryRun {
			return writeIntent(e.stdout, &o, intentOf(entries, opts))
		}

		ctx := cmd.Context()
		cfg, err := a.loadConfig(ctx, e)
		if err != nil {
			return a.explain(err)
		}
		out := newApplyOutput(len(entries))
		show := newApplyProgress(e, len(entries))
		r := &fleet.Runner{
			API:         a.client(cfg),
			Options:     append(append(append([]sigcert.Option{}, opts...), cmRetry), workflowRetry(cfg.RetryMaxAttempts)...),
			Retryer:     fleetRetryer(cfg.RetryMaxAttempts),
			Concurrency: workers,
			Rate:        rate,
			Burst:       1,
			// Deliver keeps the run's memory flat: each Result is cut to
			// its row as it ends, and the parsed certificates dropped.
			Deliver: func(res fleet.Result) {
				if res.Err != nil {
					res.Err = a.explain(res.Err)
				}
				out.add(entries[res.Index], res)
				show.done(entries[res.Index], res)
			},
		}
		rep, runErr := r.Run(ctx, entries)
		show.finish()
		var inv *fleet.InvalidEntriesError
		if errors.As(runErr, &inv) {
			// loadManifest ran the same checks; kept for safety.
			return reportManifest(e.stderr, runErr)
		}
		if rep == nil {
			return a.explain(runErr)
		}
		out.Summary = summaryOf(rep.Summary)
		if err := o.print(e.stdout, out, out.table); err != nil {
			return err
		}
		failed := out.failures(e.stderr)
		if runErr != nil {
			return runErr // interrupted: the rest is not_run
		}
		return failed
	})
	a.register(cmd)
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&manifest, "manifest", "", "the JSON manifest `FILE` (schema above)")
	f.BoolVar(&dryRun, "dry-run", false, "check the manifest and print each entry's intent; send nothing (the account is not listed yet)")
	f.IntVar(&workers, "concurrency", fleet.DefaultConcurrency, "how many users are worked on at once (`N`)")
	f.Float64Var(&rate, "rate", 0, "at most `R` HTTP requests a second, retries included; 0 for no fixed rate (adaptive retry only)")
	_ = cmd.MarkFlagFilename("manifest", "json")
	return cmd
}

// cmRetry is the ConcurrentModification retry every command's session has
// (awsFlags.connect): IAM's ConcurrentModification is safe to retry, and the
// SDK does not. The Runner builds its own Uploader, so it is given again.
var cmRetry = sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 4, Base: 100 * time.Millisecond, Max: 2 * time.Second})

// fleetRetryer is the Runner's one retryer: the SDK's adaptive mode, which
// slows every call down when IAM answers Throttling, with the attempts the
// configuration asks for (AWS_MAX_ATTEMPTS, the profile's max_attempts) as
// the other commands honour them; 0 keeps the SDK's default of 3.
func fleetRetryer(maxAttempts int) aws.Retryer {
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		if maxAttempts > 0 {
			o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) { so.MaxAttempts = maxAttempts })
		}
	})
}

// reportManifest prints a refused manifest: one error line, then every
// problem on its own line, escaped.
func reportManifest(w io.Writer, err error) error {
	var (
		me  *manifestError
		inv *fleet.InvalidEntriesError
	)
	var lines []string
	switch {
	case errors.As(err, &me):
		for _, p := range me.Problems {
			lines = append(lines, p.String())
		}
		fmt.Fprintf(w, "signingcert apply: InvalidManifest: %s: %d problem(s), nothing was sent:\n", oneLine(me.Path), len(me.Problems))
	case errors.As(err, &inv):
		for _, p := range inv.Problems {
			lines = append(lines, p.String())
		}
		fmt.Fprintf(w, "signingcert apply: InvalidManifest: %d problem(s), nothing was sent:\n", len(inv.Problems))
	default:
		return err
	}
	for _, l := range lines {
		msg := errorText(errors.New(l))
		if pemContent.MatchString(msg) {
			msg = "message withheld: it quotes certificate or key material"
		}
		fmt.Fprintln(w, "  "+oneLine(msg))
	}
	return &reportedError{code: exitRefused}
}

// applyOutput is apply's document: a result per entry, in the manifest's
// order, and the summary. Member names follow the AWS CLI's PascalCase.
type applyOutput struct {
	Results []applyResult `json:"Results"`
	Summary applySummary  `json:"Summary"`

	errs []error // per entry, for the error lines
}

type applyResult struct {
	Entry         string       `json:"Entry"`
	UserName      string       `json:"UserName"`
	Mode          string       `json:"Mode"`
	Status        string       `json:"Status"`
	CertificateID string       `json:"CertificateId,omitempty"`
	Steps         []rotateStep `json:"Steps,omitempty"`
	Calls         int          `json:"Calls"`
	ErrorCode     string       `json:"ErrorCode,omitempty"`
	Error         string       `json:"Error,omitempty"`
}

type applySummary struct {
	Entries        int            `json:"Entries"`
	Changed        int            `json:"Changed"`
	Unchanged      int            `json:"Unchanged"`
	Failed         int            `json:"Failed"`
	NotRun         int            `json:"NotRun"`
	Calls          map[string]int `json:"Calls"`
	Attempts       map[string]int `json:"Attempts"`
	Throttled      int            `json:"Throttled"`
	ElapsedSeconds float64        `json:"ElapsedSeconds"`
}

func newApplyOutput(n int) *applyOutput {
	return &applyOutput{Results: make([]applyResult, n), errs: make([]error, n)}
}

func (out *applyOutput) add(e fleet.Entry, res fleet.Result) {
	r := applyResult{Entry: e.Source, UserName: res.UserName, Mode: string(res.Mode), Status: string(res.Status), Calls: res.Calls}
	if res.Certificate != nil {
		r.CertificateID = res.Certificate.CertificateID
	}
	if res.Rotation != nil {
		r.Steps = stepsOf(res.Rotation.Steps)
	} else if res.Report != nil {
		r.Steps = stepsOf(res.Report.Done)
	}
	if res.Err != nil && res.Status == fleet.Failed {
		r.ErrorCode, r.Error = errorName(res.Err), errorMessage(res.Err)
		out.errs[res.Index] = res.Err
	}
	out.Results[res.Index] = r
}

func stepsOf(steps []sigcert.Step) []rotateStep {
	var out []rotateStep
	for _, s := range steps {
		out = append(out, rotateStep{Action: string(s.Action), CertificateID: s.CertificateID, Why: s.Why})
	}
	return out
}

func summaryOf(s fleet.Summary) applySummary {
	return applySummary{
		Entries: s.Entries, Changed: s.Changed, Unchanged: s.Unchanged, Failed: s.Failed, NotRun: s.NotRun,
		Calls: nonNil(s.Calls), Attempts: nonNil(s.Attempts), Throttled: s.Throttled,
		ElapsedSeconds: math.Round(s.Elapsed.Seconds()*1000) / 1000,
	}
}

func nonNil(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

// table draws one row per entry, then the summary.
func (out *applyOutput) table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTRY\tUSER\tMODE\tSTATUS\tCERTIFICATE ID\tCALLS\tERROR")
	for _, r := range out.Results {
		id, msg := r.CertificateID, "-"
		if id == "" {
			id = "-"
		}
		if r.Error != "" {
			msg = r.ErrorCode + ": " + r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", oneLine(r.Entry), oneLine(r.UserName), r.Mode, r.Status, oneLine(id), r.Calls, oneLine(msg))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := out.Summary
	_, err := fmt.Fprintf(w, "\n%d entries: %d changed, %d unchanged, %d failed, %d not run; %d calls, %d throttled, %.3f s\n",
		s.Entries, s.Changed, s.Unchanged, s.Failed, s.NotRun, sumCalls(s.Calls), s.Throttled, s.ElapsedSeconds)
	return err
}

func sumCalls(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// failures names each failed entry on stderr with its error, and returns
// the exit status: 3 when some entries failed, 4 when any failed for want
// of an answer (transport, timeout), as the one-user commands exit.
func (out *applyOutput) failures(w io.Writer) error {
	code := exitOK
	for i, err := range out.errs {
		if err == nil {
			continue
		}
		r := out.Results[i]
		fmt.Fprintln(w, entryErrorLine("apply", fmt.Sprintf("%s (%s)", r.Entry, oneLine(r.UserName)), err))
		if exitCode(err) == exitOther {
			code = exitOther
		} else if code == exitOK {
			code = exitIAM
		}
	}
	if code == exitOK {
		return nil
	}
	return &reportedError{code: code}
}

// errorMessage is errorLine's text for err without its prefix and name.
func errorMessage(err error) string {
	return strings.TrimPrefix(errorLine("", err), "signingcert: "+errorName(err)+": ")
}

// entryErrorLine is errorLine with what failed (an entry, a user) named
// after the error's name: errorLine's own message for a timeout or a
// failed send would drop anything wrapped around the error.
func entryErrorLine(cmd, what string, err error) string {
	return fmt.Sprintf("signingcert %s: %s: %s: %s", cmd, errorName(err), what, errorMessage(err))
}

// applyProgress shows the run's progress: a bar on a terminal, else one
// line per entry on stderr.
type applyProgress struct {
	bar   *progressbar.ProgressBar
	lines io.Writer
	total int
	n     int
}

func newApplyProgress(e *env, total int) *applyProgress {
	p := &applyProgress{total: total}
	if e.progress == nil {
		p.lines = e.stderr
		return p
	}
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(e.progress),
		progressbar.OptionSetDescription("applying"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(progressEvery),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
	return p
}

// done counts one entry; Deliver calls it one entry at a time.
func (p *applyProgress) done(e fleet.Entry, res fleet.Result) {
	p.n++
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	fmt.Fprintf(p.lines, "signingcert apply: %d/%d %s (%s): %s\n", p.n, p.total, e.Source, oneLine(res.UserName), res.Status)
}

func (p *applyProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// intentDoc is what --dry-run prints today: each entry's intent after the
// local checks, from the manifest alone.
//
// The switch to a real plan: when fleet.Runner has DryRun (sigcert's
// PlanEnsure and PlanRotate, list calls only), --dry-run connects, runs the
// Runner with DryRun set, and prints each Result's plan in place of
// intentOf's rows; Listed becomes true and Note goes.
type intentDoc struct {
	DryRun intentRun `json:"DryRun"`
}

type intentRun struct {
	// Listed is false: the account was not listed, so this is what the
	// manifest asks for, not the steps the apply would take.
	Listed  bool          `json:"Listed"`
	Note    string        `json:"Note"`
	Entries []intentEntry `json:"Entries"`
}

type intentEntry struct {
	Entry               string `json:"Entry"`
	UserName            string `json:"UserName"`
	Mode                string `json:"Mode"`
	Previous            string `json:"Previous,omitempty"`
	DeleteActiveForRoom bool   `json:"DeleteActiveForRoom,omitempty"`
	Fingerprint         string `json:"Fingerprint"`
	NotAfter            string `json:"NotAfter"`
	Subject             string `json:"Subject"`
	Intent              string `json:"Intent"`
}

const intentNote = "local checks only: nothing was sent and the account was not listed, so this is each entry's intent, not the calls the apply would make"

// previousNames are the manifest's names for sigcert.Previous values.
var previousNames = map[sigcert.Previous]string{
	sigcert.KeepPrevious:       "keep",
	sigcert.DeactivatePrevious: "deactivate",
	sigcert.DeletePrevious:     "delete",
}

// intentOf describes what each entry asks for. It sends nothing: the
// certificates are parsed locally (loadManifest already checked them).
func intentOf(entries []fleet.Entry, opts []sigcert.Option) intentDoc {
	checker := sigcert.NewUploader(nil, opts...)
	doc := intentDoc{DryRun: intentRun{Note: intentNote, Entries: make([]intentEntry, 0, len(entries))}}
	for _, e := range entries {
		ie := intentEntry{Entry: e.Source, UserName: e.UserName, Mode: string(e.Mode), Fingerprint: "-", NotAfter: "-", Subject: "-"}
		if c, err := checker.Check(sigcert.Request{CertificateBody: e.CertificateBody}); err == nil && c != nil {
			ie.Fingerprint = sigcert.Fingerprint(c)
			ie.NotAfter = awsTime(c.NotAfter)
			ie.Subject = subject(c)
		}
		switch e.Mode {
		case fleet.Rotate:
			ie.Previous = previousNames[e.Policy.Previous]
			ie.DeleteActiveForRoom = e.Policy.DeleteActiveForRoom
			room := "at the quota with no Inactive certificate, refuse"
			if e.Policy.DeleteActiveForRoom {
				room = "at the quota with no Inactive certificate, delete the oldest Active one"
			}
			ie.Intent = fmt.Sprintf("would rotate %s to %s: attach it unless already attached (%s), then %s the others",
				e.UserName, ie.Fingerprint, room, ie.Previous)
			if e.Policy.Previous == sigcert.KeepPrevious {
				ie.Intent = fmt.Sprintf("would rotate %s to %s: attach it unless already attached (%s), and keep the others",
					e.UserName, ie.Fingerprint, room)
			}
		default:
			ie.Intent = fmt.Sprintf("would ensure %s holds %s: attach it unless already attached, change nothing else", e.UserName, ie.Fingerprint)
		}
		doc.DryRun.Entries = append(doc.DryRun.Entries, ie)
	}
	return doc
}

func writeIntent(w io.Writer, o *outFlags, doc intentDoc) error {
	return o.print(w, doc, func(w io.Writer) error {
		fmt.Fprintln(w, "Dry run: "+intentNote+".")
		for _, ie := range doc.DryRun.Entries {
			fmt.Fprintf(w, "  %s: %s\n", oneLine(ie.Entry), oneLine(ie.Intent))
		}
		return nil
	})
}
