package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestDryRunIntentFollowsThePolicy(t *testing.T) {
	c := certgen.Valid()
	entries := []fleet.Entry{
		{UserName: "K", CertificateBody: c.PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.KeepPrevious}, Source: "entries[0]"},
		{UserName: "D", CertificateBody: certgen.Valid().PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeletePrevious, DeleteActiveForRoom: true}, Source: "entries[1]"},
		{UserName: "E", CertificateBody: certgen.Valid().PEM, Mode: fleet.Ensure, Source: "entries[2]"},
	}
	doc := intentOf(entries, nil)
	got := doc.DryRun.Entries
	for i, want := range []string{
		"would rotate K to " + got[0].Fingerprint + ": attach it unless already attached (at the quota with no Inactive certificate, refuse), and keep the others",
		"would rotate D to " + got[1].Fingerprint + ": attach it unless already attached (at the quota with no Inactive certificate, delete the oldest Active one), then delete the others",
		"would ensure E holds " + got[2].Fingerprint + ": attach it unless already attached, change nothing else",
	} {
		if got[i].Intent != want {
			t.Errorf("entry %d: %q\nwant %q", i, got[i].Intent, want)
		}
	}
	if doc.DryRun.Listed || got[0].Previous != "keep" || !got[1].DeleteActiveForRoom || got[2].Previous != "" || len(got[0].Fingerprint) != 64 {
		t.Errorf("intent = %+v", doc)
	}
}
