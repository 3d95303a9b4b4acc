package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// writeManifest writes doc and files into a fresh directory and returns the
// manifest's path.
func writeManifest(t *testing.T, doc string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["manifest.json"] = doc
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "manifest.json")
}

func TestApplyDrawsAProgressBarOnATerminalOnly(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", sigcerttest.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sigcerttest.DefaultSecretAccessKey)
	srv := sigcerttest.NewServer("Ann", "Ben")
	defer srv.Close()
	m := writeManifest(t, `{"entries": [{"user": "Ann", "certificate": "a.pem", "mode": "ensure"}, {"user": "Ben", "certificate": "b.pem", "mode": "ensure"}]}`,
		map[string]string{"a.pem": certgen.Valid().PEM, "b.pem": certgen.Valid().PEM})

	e, stdout, stderr := testEnv(nil)
	var term strings.Builder
	e.progress = &term
	if code := run(context.Background(), e, []string{"apply", "--manifest", m, "--endpoint-url", srv.URL}); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// The bar is redrawn at most every progressEvery, and cleared at the
	// end so that the terminal keeps only the output.
	if bar := term.String(); !strings.Contains(bar, "applying") || !strings.Contains(bar, "/2)") || !strings.HasSuffix(bar, "\r") {
		t.Errorf("terminal got %q, want a bar of 2 entries, cleared", bar)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q: with a bar, no plain lines", stderr)
	}
	if !strings.Contains(stdout.String(), `"Changed": 2`) {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestApplyExitStatusOfFailures(t *testing.T) {
	iamErr := &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "no such user"}
	timeout := &timeoutError{flag: "--cli-read-timeout", seconds: 1, host: "127.0.0.1:1", err: context.DeadlineExceeded}
	for _, c := range []struct {
		name string
		errs []error
		want int
	}{
		{"none", []error{nil, nil}, exitOK},
		{"IAM refused one", []error{nil, fmt.Errorf("x: %w", &sigcert.ServiceError{Code: "NoSuchEntity", Err: iamErr})}, exitIAM},
		{"rotate refused by policy", []error{sigcert.ErrLimitExceeded}, exitIAM},
		{"one without an answer", []error{&sigcert.ServiceError{Code: "NoSuchEntity", Err: iamErr}, timeout}, exitOther},
	} {
		out := newApplyOutput(len(c.errs))
		for i, err := range c.errs {
			st := fleet.Changed
			if err != nil {
				st = fleet.Failed
			}
			out.add(fleet.Entry{Source: fmt.Sprintf("entries[%d]", i)}, fleet.Result{Index: i, UserName: "U", Status: st, Err: err})
		}
		var w strings.Builder
		err := out.failures(&w)
		got := exitOK
		var re *reportedError
		if errors.As(err, &re) {
			got = re.code
		}
		if got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
		failed := 0
		for _, err := range c.errs {
			if err != nil {
				failed++
			}
		}
		if lines := strings.Count(w.String(), "\n"); lines != failed || (failed > 0 && !strings.HasPrefix(w.String(), "signingcert apply: ")) {
			t.Errorf("%s: stderr %q, want one line per failed entry", c.name, w.String())
		}
	}
}

func TestApplyProgressLinesListEachEntrysSteps(t *testing.T) {
	e, _, stderr := testEnv(nil)
	entries := []fleet.Entry{{UserName: "Bob", Source: "entries[0]"}, {UserName: "Al\u202ece", Source: "entries[1]"}}
	p := newApplyProgress(e, entries, false)
	for _, ev := range []fleet.Event{
		{Kind: fleet.EntryStarted, Index: 0, UserName: "Bob"},
		{Kind: fleet.EntryStarted, Index: 1, UserName: "Al\u202ece"},
		{Kind: fleet.StepStarted, Index: 0, UserName: "Bob", Action: sigcert.ActionUpload},
		{Kind: fleet.StepEnded, Index: 0, UserName: "Bob", Action: sigcert.ActionUpload, CertificateID: "NEWID", Duration: 20 * time.Millisecond},
		{Kind: fleet.StepStarted, Index: 1, UserName: "Al\u202ece", Action: sigcert.ActionUpload},
		{Kind: fleet.StepEnded, Index: 1, UserName: "Al\u202ece", Action: sigcert.ActionUpload, Err: errors.New("x"), Duration: time.Second},
		{Kind: fleet.EntryEnded, Index: 1, UserName: "Al\u202ece", Status: fleet.Failed},
		{Kind: fleet.StepStarted, Index: 0, UserName: "Bob", Action: sigcert.ActionDeactivate, CertificateID: "OLDID"},
		{Kind: fleet.StepEnded, Index: 0, UserName: "Bob", Action: sigcert.ActionDeactivate, CertificateID: "OLDID", Duration: 10 * time.Millisecond},
		{Kind: fleet.EntryEnded, Index: 0, UserName: "Bob", Status: fleet.Changed},
	} {
		p.event(ev)
	}
	p.finish()
	want := "signingcert apply: 1/2 entries[1] (Al\\u202ece): failed: upload failed (1.000 s)\n" +
		"signingcert apply: 2/2 entries[0] (Bob): changed: upload NEWID (0.020 s), deactivate OLDID (0.010 s)\n"
	if got := stderr.String(); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}

	// A dry run's lines say what the apply would do.
	e, _, stderr = testEnv(nil)
	p = newApplyProgress(e, entries[:1], true)
	p.event(fleet.Event{Kind: fleet.EntryStarted, Index: 0, UserName: "Bob", DryRun: true})
	p.event(fleet.Event{Kind: fleet.EntryEnded, Index: 0, UserName: "Bob", DryRun: true, Status: fleet.Changed})
	if got := stderr.String(); got != "signingcert apply: 1/1 entries[0] (Bob): would_change\n" {
		t.Errorf("dry-run line %q", got)
	}
}

func TestApplyProgressBarNamesTheStepRunning(t *testing.T) {
	e, _, stderr := testEnv(nil)
	var term strings.Builder
	e.progress = &term
	p := newApplyProgress(e, []fleet.Entry{{UserName: "Bob"}, {UserName: "Ann"}}, false)
	p.event(fleet.Event{Kind: fleet.EntryStarted, Index: 0, UserName: "Bob"})
	p.event(fleet.Event{Kind: fleet.StepStarted, Index: 0, UserName: "Bob", Action: sigcert.ActionDeactivate})
	if !strings.Contains(term.String(), "applying: Bob deactivate") {
		t.Errorf("terminal got %q, want the step named", term.String())
	}
	p.event(fleet.Event{Kind: fleet.StepEnded, Index: 0, UserName: "Bob", Action: sigcert.ActionDeactivate})
	p.event(fleet.Event{Kind: fleet.EntryEnded, Index: 0, UserName: "Bob", Status: fleet.Changed})
	p.finish()
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q: with a bar, no plain lines", stderr)
	}
}
