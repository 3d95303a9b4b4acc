package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

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

--dry-run lists each user's certificates and prints the plan: for each entry,
the steps the apply would take (upload, activate, deactivate, delete), each
with its certificate id and reason, from the decision code the apply runs. It
sends list calls only, never a write; on an account nobody changes meanwhile,
the apply then takes exactly these steps. An upload's id is IAM's to assign,
so the plan leaves it empty. Status is would_change, unchanged, or failed
(the user could not be listed, or rotate would refuse).

--rate holds every HTTP request, retries included, to R a second: set it a
little under the account's rate for IAM and nothing is throttled. Without it,
the SDK's adaptive retry mode slows down when IAM answers Throttling.

Progress is a bar on a terminal, naming each step as it starts; else one line
per entry on stderr as it ends, with its steps.

Exit status: 0 every entry done (or planned), 1 the manifest is invalid (nothing sent),
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
		ctx := cmd.Context()
		cfg, err := a.loadConfig(ctx, e)
		if err != nil {
			return a.explain(err)
		}
		show := newApplyProgress(e, entries, dryRun)
		var (
			out  *applyOutput
			plan *planOutput
		)
		if dryRun {
			plan = newPlanOutput(entries, opts)
		} else {
			out = newApplyOutput(len(entries))
		}
		r := &fleet.Runner{
			API:         a.client(cfg),
			Options:     append(append(append([]sigcert.Option{}, opts...), cmRetry), workflowRetry(cfg.RetryMaxAttempts)...),
			Retryer:     fleetRetryer(cfg.RetryMaxAttempts),
			Concurrency: workers,
			Rate:        rate,
			Burst:       1,
			DryRun:      dryRun,
			Progress:    show.event,
			// Deliver keeps the run's memory flat: each Result is cut to
			// its row as it ends, and the parsed certificates dropped.
			Deliver: func(res fleet.Result) {
				if res.Err != nil {
					res.Err = a.explain(res.Err)
				}
				if plan != nil {
					plan.add(entries[res.Index], res)
					return
				}
				out.add(entries[res.Index], res)
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
		var failed error
		if plan != nil {
			plan.Summary = planSummaryOf(rep.Summary)
			if err := o.print(e.stdout, plan, plan.table); err != nil {
				return err
			}
			failed = entryFailures(e.stderr, plan.names(), plan.errs)
		} else {
			out.Summary = summaryOf(rep.Summary)
			if err := o.print(e.stdout, out, out.table); err != nil {
				return err
			}
			failed = out.failures(e.stderr)
		}
		if runErr != nil {
			return runErr // interrupted: the rest is not_run
		}
		return failed
	})
	a.register(cmd)
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&manifest, "manifest", "", "the JSON manifest `FILE` (schema above)")
	f.BoolVar(&dryRun, "dry-run", false, "list each user's certificates and print the plan: every step the apply would take; no write is sent")
	f.IntVar(&workers, "concurrency", fleet.DefaultConcurrency, "how many users are worked on at once (`N`)")
	f.Float64Var(&rate, "rate", 0, "at most `R` HTTP requests a second, retries included; 0 for no fixed rate (adaptive retry only)")
	_ = cmd.MarkFlagFilename("manifest", "json")
	return cmd
}

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

// stepsOf is a rotation's steps as rotate and apply print them; nil for
// none.
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
// the exit status, as entryFailures does.
func (out *applyOutput) failures(w io.Writer) error {
	names := make([]string, len(out.Results))
	for i, r := range out.Results {
		names[i] = fmt.Sprintf("%s (%s)", r.Entry, oneLine(r.UserName))
	}
	return entryFailures(w, names, out.errs)
}

// entryFailures names each failed entry on stderr with its error, and
// returns the exit status: 3 when some entries failed, 4 when any failed for
// want of an answer (transport, timeout), as the one-user commands exit.
func entryFailures(w io.Writer, names []string, errs []error) error {
	code := exitOK
	for i, err := range errs {
		if err == nil {
			continue
		}
		fmt.Fprintln(w, entryErrorLine("apply", names[i], err))
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

// applyProgress shows the run's progress from the Runner's events: a bar on
// a terminal, whose description names each step as it starts, else one line
// per entry on stderr as it ends, with the steps it took. The Runner calls
// event one event at a time, so it needs no lock.
type applyProgress struct {
	bar     *progressbar.ProgressBar
	lines   io.Writer
	entries []fleet.Entry
	verb    string // "applying", "planning"
	dry     bool
	n       int
	steps   map[int][]string // for the lines: each running entry's steps so far
}

func newApplyProgress(e *env, entries []fleet.Entry, dry bool) *applyProgress {
	p := &applyProgress{entries: entries, verb: "applying", dry: dry}
	if dry {
		p.verb = "planning"
	}
	if e.progress == nil {
		p.lines, p.steps = e.stderr, map[int][]string{}
		return p
	}
	p.bar = progressbar.NewOptions(len(entries),
		progressbar.OptionSetWriter(e.progress),
		progressbar.OptionSetDescription(p.verb),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(progressEvery),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
	return p
}

// event is the Runner's Progress.
func (p *applyProgress) event(ev fleet.Event) {
	switch ev.Kind {
	case fleet.StepStarted:
		if p.bar != nil {
			p.bar.Describe(fmt.Sprintf("%s: %s %s", p.verb, shorten(oneLine(ev.UserName), 24), ev.Action))
		}
	case fleet.StepEnded:
		if p.bar != nil || ev.Index < 0 {
			return
		}
		s := string(ev.Action)
		if ev.CertificateID != "" {
			s += " " + oneLine(ev.CertificateID)
		}
		if ev.Err != nil {
			s += " failed"
		}
		p.steps[ev.Index] = append(p.steps[ev.Index], fmt.Sprintf("%s (%.3f s)", s, ev.Duration.Seconds()))
	case fleet.EntryEnded:
		p.n++
		if p.bar != nil {
			_ = p.bar.Add(1)
			return
		}
		line := fmt.Sprintf("signingcert apply: %d/%d %s (%s): %s", p.n, len(p.entries), oneLine(p.entries[ev.Index].Source), oneLine(ev.UserName), statusWord(ev.Status, p.dry))
		if steps := p.steps[ev.Index]; len(steps) > 0 {
			line += ": " + strings.Join(steps, ", ")
		}
		delete(p.steps, ev.Index)
		fmt.Fprintln(p.lines, line)
	}
}

func (p *applyProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// statusWord is how apply prints a status: in a dry run, "changed" is
// what the apply would do, so it reads "would_change".
func statusWord(s fleet.Status, dry bool) string {
	if dry && s == fleet.Changed {
		return "would_change"
	}
	return string(s)
}

// planOutput is what --dry-run prints: each entry's plan, in the manifest's
// order, and the summary. It has apply's shape (Results, Summary, the same
// Steps) with DryRun true, so that one --query serves both; Status is
// would_change, unchanged, failed or not_run.
type planOutput struct {
	DryRun  bool         `json:"DryRun"`
	Results []planResult `json:"Results"`
	Summary planSummary  `json:"Summary"`

	errs    []error // per entry, for the error lines
	checker *sigcert.Uploader
}

type planResult struct {
	Entry               string `json:"Entry"`
	UserName            string `json:"UserName"`
	Mode                string `json:"Mode"`
	Previous            string `json:"Previous,omitempty"`
	DeleteActiveForRoom bool   `json:"DeleteActiveForRoom,omitempty"`
	// Fingerprint is the SHA-256 of the entry's certificate.
	Fingerprint string `json:"Fingerprint"`
	Status      string `json:"Status"`
	// CertificateID is the entry's certificate's id when the user holds it
	// already; an upload's is IAM's to assign.
	CertificateID string `json:"CertificateId,omitempty"`
	// Steps are the steps the apply would take, in order: apply's Steps,
	// with an upload's CertificateId "".
	Steps     []rotateStep `json:"Steps"`
	Calls     int          `json:"Calls"`
	ErrorCode string       `json:"ErrorCode,omitempty"`
	Error     string       `json:"Error,omitempty"`
}

type planSummary struct {
	Entries        int            `json:"Entries"`
	WouldChange    int            `json:"WouldChange"`
	Unchanged      int            `json:"Unchanged"`
	Failed         int            `json:"Failed"`
	NotRun         int            `json:"NotRun"`
	Calls          map[string]int `json:"Calls"`
	Attempts       map[string]int `json:"Attempts"`
	Throttled      int            `json:"Throttled"`
	ElapsedSeconds float64        `json:"ElapsedSeconds"`
}

// previousNames are the manifest's names for sigcert.Previous values.
var previousNames = map[sigcert.Previous]string{
	sigcert.KeepPrevious:       "keep",
	sigcert.DeactivatePrevious: "deactivate",
	sigcert.DeletePrevious:     "delete",
}

func newPlanOutput(entries []fleet.Entry, opts []sigcert.Option) *planOutput {
	return &planOutput{DryRun: true, Results: make([]planResult, len(entries)), errs: make([]error, len(entries)),
		checker: sigcert.NewUploader(nil, opts...)}
}

// add keeps one entry's plan as its row. The fingerprint is taken locally:
// loadManifest already checked the certificate.
func (out *planOutput) add(e fleet.Entry, res fleet.Result) {
	r := planResult{Entry: e.Source, UserName: res.UserName, Mode: string(res.Mode), Fingerprint: "-",
		Status: statusWord(res.Status, true), Steps: []rotateStep{}, Calls: res.Calls}
	if e.Mode == fleet.Rotate {
		r.Previous, r.DeleteActiveForRoom = previousNames[e.Policy.Previous], e.Policy.DeleteActiveForRoom
	}
	if c, err := out.checker.Check(sigcert.Request{CertificateBody: e.CertificateBody}); err == nil && c != nil {
		r.Fingerprint = sigcert.Fingerprint(c)
	}
	if p := res.Plan; p != nil {
		if p.Holding != nil {
			r.CertificateID = p.Holding.CertificateID
		}
		for _, s := range p.Steps {
			r.Steps = append(r.Steps, rotateStep{Action: string(s.Action), CertificateID: s.CertificateID, Why: s.Reason})
		}
	}
	if res.Err != nil && res.Status == fleet.Failed {
		r.ErrorCode, r.Error = errorName(res.Err), errorMessage(res.Err)
		out.errs[res.Index] = res.Err
	}
	out.Results[res.Index] = r
}

func (out *planOutput) names() []string {
	names := make([]string, len(out.Results))
	for i, r := range out.Results {
		names[i] = fmt.Sprintf("%s (%s)", r.Entry, oneLine(r.UserName))
	}
	return names
}

func planSummaryOf(s fleet.Summary) planSummary {
	a := summaryOf(s)
	return planSummary{Entries: a.Entries, WouldChange: a.Changed, Unchanged: a.Unchanged, Failed: a.Failed, NotRun: a.NotRun,
		Calls: a.Calls, Attempts: a.Attempts, Throttled: a.Throttled, ElapsedSeconds: a.ElapsedSeconds}
}

// table draws one row per planned step (one for an entry with none), then
// the summary.
func (out *planOutput) table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTRY\tUSER\tMODE\tSTATUS\tSTEP\tCERTIFICATE ID\tREASON")
	for _, r := range out.Results {
		head := fmt.Sprintf("%s\t%s\t%s\t%s", oneLine(r.Entry), oneLine(r.UserName), r.Mode, r.Status)
		switch {
		case r.Error != "":
			fmt.Fprintf(tw, "%s\t-\t-\t%s\n", head, oneLine(r.ErrorCode+": "+r.Error))
		case len(r.Steps) == 0:
			id := r.CertificateID
			if id == "" {
				id = "-"
			}
			fmt.Fprintf(tw, "%s\t-\t%s\t%s\n", head, oneLine(id), "nothing to do")
		}
		for _, s := range r.Steps {
			id := s.CertificateID
			if id == "" {
				id = "(new)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", head, s.Action, oneLine(id), oneLine(s.Why))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := out.Summary
	_, err := fmt.Fprintf(w, "\nDry run, nothing written. %d entries: %d would change, %d unchanged, %d failed, %d not run; %d calls, %d throttled, %.3f s\n",
		s.Entries, s.WouldChange, s.Unchanged, s.Failed, s.NotRun, sumCalls(s.Calls), s.Throttled, s.ElapsedSeconds)
	return err
}
