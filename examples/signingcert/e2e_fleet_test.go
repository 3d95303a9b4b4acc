package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// End-to-end tests of apply and audit (issue 12, item 5), over the built
// binary against the local endpoint.

// iamActions are the actions whose requests the fleet tests count.
var iamActions = []string{
	"ListSigningCertificates", "UploadSigningCertificate", "UpdateSigningCertificate",
	"DeleteSigningCertificate", "ListUsers", "GetUser", "CreateUser", "DeleteUser",
}

// counts returns the server's request counts by action, zeros left out.
func (h *harness) counts() map[string]int {
	m := map[string]int{}
	for _, a := range iamActions {
		if n := h.srv.Requests(a); n > 0 {
			m[a] = n
		}
	}
	return m
}

// since is what the server received after before was taken.
func since(before, after map[string]int) map[string]int {
	d := map[string]int{}
	for a, n := range after {
		if n-before[a] > 0 {
			d[a] = n - before[a]
		}
	}
	return d
}

// give attaches body to user directly (not through the CLI), and returns
// the certificate id.
func (h *harness) give(user, body string) string {
	h.t.Helper()
	out, err := h.srv.Client().UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName: aws.String(user), CertificateBody: aws.String(body)})
	if err != nil {
		h.t.Fatalf("giving %s a certificate: %v", user, err)
	}
	return aws.ToString(out.Certificate.CertificateId)
}

func (h *harness) deactivate(user, id string) {
	h.t.Helper()
	if _, err := h.srv.Client().UpdateSigningCertificate(context.Background(), &iam.UpdateSigningCertificateInput{
		UserName: aws.String(user), CertificateId: aws.String(id), Status: types.StatusTypeInactive}); err != nil {
		h.t.Fatal(err)
	}
}

// manifest writes a manifest and the files beside it into a fresh
// directory under the harness's, and returns its path relative to the
// working directory (certificates are relative to the manifest, not to it).
func (h *harness) manifest(doc string, files map[string]string) string {
	h.t.Helper()
	dir, err := os.MkdirTemp(h.dir, "m")
	if err != nil {
		h.t.Fatal(err)
	}
	files["manifest.json"] = doc
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o600); err != nil {
			h.t.Fatal(err)
		}
	}
	return filepath.Join(filepath.Base(dir), "manifest.json")
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %T: %v\n%s", v, err, s)
	}
	return v
}

func statuses(out applyOutput) []string {
	var s []string
	for _, r := range out.Results {
		s = append(s, r.UserName+":"+r.Status)
	}
	return s
}

func TestE2EApplyMinimalManifestThenRerunOnlyLists(t *testing.T) {
	h := newHarness(t, "Bob", "Alice")
	old := h.give("Bob", certgen.Valid().PEM)
	doc, err := os.ReadFile(filepath.Join("testdata", "apply", "minimal.json"))
	if err != nil {
		t.Fatal(err)
	}
	bob, alice := certgen.Valid(), certgen.Valid()
	m := h.manifest(string(doc), map[string]string{"bob.pem": bob.PEM, "alice.pem": alice.PEM})

	before := h.counts()
	r := h.iam("apply", "--manifest", m)
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}
	out := decode[applyOutput](t, r.stdout)
	if diff := cmp.Diff([]string{"Bob:changed", "Alice:changed"}, statuses(out)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := out.Results[0].Steps; len(got) != 2 || got[0].Action != "upload" || got[1].Action != "deactivate" || got[1].CertificateID != old {
		t.Errorf("Bob's steps = %+v, want upload then deactivate %s", got, old)
	}
	if out.Summary.Changed != 2 || out.Summary.Failed != 0 || out.Summary.Entries != 2 {
		t.Errorf("summary = %+v", out.Summary)
	}
	// The writes are exactly the two uploads and Bob's deactivation; the
	// lists are sigcert's to decide.
	sent := since(before, h.counts())
	lists := sent["ListSigningCertificates"]
	delete(sent, "ListSigningCertificates")
	if diff := cmp.Diff(map[string]int{"UploadSigningCertificate": 2, "UpdateSigningCertificate": 1}, sent); diff != "" || lists < 2 {
		t.Errorf("writes (-want +got):\n%s\nlists: %d", diff, lists)
	}
	// Not a terminal: a plain line per entry on stderr, in the order they
	// end, and nothing else.
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "signingcert apply: 1/2 entries[") || !strings.HasPrefix(lines[1], "signingcert apply: 2/2 entries[") {
		t.Errorf("stderr = %q, want two progress lines", r.stderr)
	}
	bobs := h.srv.Certificates("Bob")
	if len(bobs) != 2 || bobs[0].Status != types.StatusTypeInactive || bobs[1].Status != types.StatusTypeActive {
		t.Errorf("Bob holds %+v, want the old Inactive and the new Active", bobs)
	}

	// A rerun finds everything done: lists only.
	before = h.counts()
	r = h.iam("apply", "--manifest", m, "--output", "json")
	if r.code != 0 {
		t.Fatalf("rerun: exit %d\n%s", r.code, r.stderr)
	}
	out = decode[applyOutput](t, r.stdout)
	if diff := cmp.Diff([]string{"Bob:unchanged", "Alice:unchanged"}, statuses(out)); diff != "" {
		t.Errorf("rerun statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"ListSigningCertificates": 2}, since(before, h.counts())); diff != "" {
		t.Errorf("rerun requests (-want +got):\n%s", diff)
	}
}

func TestE2EApplyNamesEachFailedEntryAndExits3(t *testing.T) {
	h := newHarness(t, "Bob", "Full")
	h.give("Full", certgen.Valid().PEM)
	h.give("Full", certgen.Valid().PEM)
	m := h.manifest(`{"entries": [
		{"user": "Bob", "certificate": "bob.pem", "mode": "ensure"},
		{"user": "Ghost", "certificate": "ghost.pem", "mode": "ensure"},
		{"user": "Full", "certificate": "full.pem", "mode": "rotate"}]}`,
		map[string]string{"bob.pem": certgen.Valid().PEM, "ghost.pem": certgen.Valid().PEM, "full.pem": certgen.Valid().PEM})

	r := h.iam("apply", "--manifest", m, "--concurrency", "1")
	if r.code != exitIAM {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitIAM, r.stderr)
	}
	out := decode[applyOutput](t, r.stdout)
	if diff := cmp.Diff([]string{"Bob:changed", "Ghost:failed", "Full:failed"}, statuses(out)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if out.Results[1].ErrorCode != "NoSuchEntity" || out.Results[2].ErrorCode != "LimitExceeded" {
		t.Errorf("error codes = %q, %q", out.Results[1].ErrorCode, out.Results[2].ErrorCode)
	}
	for _, want := range []string{
		"signingcert apply: NoSuchEntity: entries[1] (Ghost): ",
		"signingcert apply: LimitExceeded: entries[2] (Full): ",
	} {
		if !strings.Contains(r.stderr, "\n"+want) {
			t.Errorf("stderr lacks a line starting %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "sigcert: ") || strings.Contains(r.stderr, "BEGIN") {
		t.Errorf("stderr shows a package prefix or a body:\n%s", r.stderr)
	}
	if n := len(h.srv.Certificates("Full")); n != 2 {
		t.Errorf("Full holds %d certificates; rotate without delete_active_for_room must change nothing", n)
	}

	// table output: a row per entry and the summary.
	r = h.iam("apply", "--manifest", m, "--output", "table")
	if r.code != exitIAM || !strings.Contains(r.stdout, "ENTRY") || !strings.Contains(r.stdout, "3 entries: 0 changed, 1 unchanged, 2 failed, 0 not run") {
		t.Errorf("table: exit %d\n%s", r.code, r.stdout)
	}
}

func TestE2EApplyRefusesBadManifestsSendingNothing(t *testing.T) {
	h := newHarness(t, "Bob", "Carol")
	good, other := certgen.Valid(), certgen.Valid()
	cases := []struct {
		name, doc string
		files     map[string]string
		want      []string // in the problem lines
	}{
		{"duplicate user", `{"entries": [{"user": "Bob", "certificate": "a.pem", "mode": "ensure"}, {"user": "BOB", "certificate": "a.pem", "mode": "ensure"}]}`,
			map[string]string{"a.pem": good.PEM}, []string{"entries[1] (BOB): user: user has another entry: entries[0]"}},
		{"user twice with different certificates", `{"entries": [{"user": "Bob", "certificate": "a.pem", "mode": "ensure"}, {"user": "Bob", "certificate": "b.pem", "mode": "rotate"}]}`,
			map[string]string{"a.pem": good.PEM, "b.pem": other.PEM}, []string{"entries[1] (Bob): user: user has another entry with a different certificate"}},
		{"unknown field", `{"entries": [{"user": "Bob", "certificate": "a.pem", "mode": "ensure", "colour": "red"}]}`,
			map[string]string{"a.pem": good.PEM}, []string{"entries[0] (Bob): colour: unknown member"}},
		{"unknown top-level field", `{"entries": [{"user": "Bob", "certificate": "a.pem", "mode": "ensure"}], "dry": true}`,
			map[string]string{"a.pem": good.PEM}, []string{"dry: unknown member"}},
		{"missing file", `{"entries": [{"user": "Bob", "certificate": "nope.pem", "mode": "ensure"}]}`,
			map[string]string{}, []string{`entries[0] (Bob): certificate: "nope.pem": cannot read the certificate file`}},
		{"unreadable file", `{"entries": [{"user": "Bob", "certificate": "locked.pem", "mode": "ensure"}]}`,
			map[string]string{"locked.pem": good.PEM}, []string{`entries[0] (Bob): certificate: "locked.pem": cannot read the certificate file`}},
		{"private key in the certificate file", `{"entries": [{"user": "Bob", "certificate": "k.pem", "mode": "ensure"}]}`,
			map[string]string{"k.pem": good.WithKeyAppended()}, []string{"entries[0] (Bob): certificate:", "private key"}},
		{"expired certificate", `{"entries": [{"user": "Bob", "certificate": "x.pem", "mode": "ensure"}]}`,
			map[string]string{"x.pem": certgen.Expired().PEM}, []string{"entries[0] (Bob): certificate:", "expired"}},
		{"one certificate on two users", `{"entries": [{"user": "Bob", "certificate": "a.pem", "mode": "ensure"}, {"user": "Carol", "certificate": "a.pem", "mode": "ensure"}]}`,
			map[string]string{"a.pem": good.PEM}, []string{`entries[1] (Carol): certificate: "a.pem": certificate is also in another user's entry: entries[0] (Bob)`}},
		{"not JSON", `{"entries": [`, map[string]string{}, []string{"not valid JSON"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.manifest(c.doc, c.files)
			if c.name == "unreadable file" {
				if os.Geteuid() == 0 {
					// root reads a mode-0 file; a directory stands in.
					p := filepath.Join(h.dir, filepath.Dir(m), "locked.pem")
					os.Remove(p)
					if err := os.Mkdir(p, 0o700); err != nil {
						t.Fatal(err)
					}
				} else if err := os.Chmod(filepath.Join(h.dir, filepath.Dir(m), "locked.pem"), 0); err != nil {
					t.Fatal(err)
				}
			}
			before := h.counts()
			r := h.iam("apply", "--manifest", m)
			if r.code != exitRefused {
				t.Errorf("exit %d, want %d\n%s", r.code, exitRefused, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.HasPrefix(r.stderr, "signingcert apply: InvalidManifest: "+m+": ") || !strings.Contains(r.stderr, "nothing was sent") {
				t.Errorf("stderr = %q", r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "BEGIN") || strings.Contains(r.stderr, "PRIVATE KEY--") {
				t.Errorf("stderr quotes a file:\n%s", r.stderr)
			}
			if d := since(before, h.counts()); len(d) != 0 {
				t.Errorf("requests sent: %v", d)
			}
		})
	}

	// Every problem of one manifest is listed, each on its own line.
	t.Run("every problem at once", func(t *testing.T) {
		doc, err := os.ReadFile(filepath.Join("testdata", "manifest", "every-problem.json"))
		if err != nil {
			t.Fatal(err)
		}
		key := certgen.Valid()
		files := map[string]string{"bob.pem": certgen.Valid().PEM, "bob2.pem": certgen.Valid().PEM, "empty.pem": "\n",
			"key.pem": key.WithKeyAppended(), "expired.pem": certgen.Expired().PEM, "pat.der": key.DERBody()}
		for _, n := range []string{"hal", "ida", "jo", "kim", "lu", "mo"} {
			files[n+".pem"] = certgen.Valid().PEM
		}
		m := h.manifest(string(doc), files)
		if err := os.Mkdir(filepath.Join(h.dir, filepath.Dir(m), "a-directory"), 0o700); err != nil {
			t.Fatal(err)
		}
		before := h.counts()
		r := h.iam("apply", "--manifest", m)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != exitRefused || len(lines) != 24 || !strings.Contains(lines[0], "23 problem(s), nothing was sent") {
			t.Errorf("exit %d, %d lines:\n%s", r.code, len(lines), r.stderr)
		}
		for _, l := range lines[1:] {
			if !strings.HasPrefix(l, "  ") {
				t.Errorf("problem line %q is not indented", l)
			}
		}
		if d := since(before, h.counts()); len(d) != 0 {
			t.Errorf("requests sent: %v", d)
		}
	})
}

func TestE2EApplyUsageErrors(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{"apply"},
		{"apply", "--manifest", "m.json", "--concurrency", "0"},
		{"apply", "--manifest", "m.json", "--rate", "-1"},
		{"apply", "--manifest", "m.json", "--output", "yaml"},
		{"apply", "--manifest", "m.json", "--rate", "fast"},
	} {
		r := h.iam(args...)
		r.fails(t, exitUsage, "signingcert apply: Usage: ")
	}
	if d := h.counts(); len(d) != 0 {
		t.Errorf("requests sent: %v", d)
	}
}

// listsOnly fails the test if sent holds anything but list calls.
func listsOnly(t *testing.T, what string, sent map[string]int, lists int) {
	t.Helper()
	if diff := cmp.Diff(map[string]int{"ListSigningCertificates": lists}, sent); diff != "" {
		t.Errorf("%s sent (-want +got):\n%s", what, diff)
	}
}

// iamID is the id IAM gives a certificate: base32 of the SHA-1 of its DER,
// which the local IAM reproduces from a recorded answer. A plan leaves an
// upload's id empty; the test derives the one the apply gets.
func iamID(der []byte) string { return iammodel.CertificateID(der) }

func TestE2EApplyDryRunPrintsThePlanSendingOnlyLists(t *testing.T) {
	h := newHarness(t, "Bob", "Alice", "Cy")
	old := h.give("Bob", certgen.Valid().PEM)
	h.give("Cy", certgen.Valid().PEM)
	h.give("Cy", certgen.Valid().PEM) // at the quota, both Active
	doc, err := os.ReadFile(filepath.Join("testdata", "apply", "minimal.json"))
	if err != nil {
		t.Fatal(err)
	}
	bob := certgen.Valid()
	m := h.manifest(string(doc), map[string]string{"bob.pem": bob.PEM, "alice.pem": certgen.Valid().PEM})

	before := h.counts()
	r := h.iam("apply", "--manifest", m, "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	listsOnly(t, "the dry run", since(before, h.counts()), 2)
	got := decode[planOutput](t, r.stdout)
	if !got.DryRun || len(got.Results) != 2 || got.Summary.WouldChange != 2 || got.Summary.Entries != 2 {
		t.Fatalf("dry run = %+v", got)
	}
	b, a := got.Results[0], got.Results[1]
	if sum := sha256.Sum256(bob.DER); b.Fingerprint != hex.EncodeToString(sum[:]) {
		t.Errorf("Bob's fingerprint %s is not his certificate's", b.Fingerprint)
	}
	wantBob := []rotateStep{{Action: "upload", Why: "the new certificate"}, {Action: "deactivate", CertificateID: old, Why: "retire the previous certificate"}}
	if diff := cmp.Diff(wantBob, b.Steps); diff != "" || b.Status != "would_change" || b.Previous != "deactivate" || b.CertificateID != "" {
		t.Errorf("Bob: %+v\nsteps (-want +got):\n%s", b, diff)
	}
	if len(a.Steps) != 1 || a.Steps[0].Action != "upload" || a.Mode != "ensure" || a.Previous != "" {
		t.Errorf("Alice: %+v", a)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[1], ": would_change") {
		t.Errorf("stderr = %q, want a progress line per entry", r.stderr)
	}

	before = h.counts()
	r = h.iam("apply", "--manifest", m, "--dry-run", "--output", "table")
	if r.code != 0 {
		t.Fatalf("table: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"ENTRY       USER   MODE    STATUS        STEP        CERTIFICATE ID",
		"entries[0]  Bob    rotate  would_change  upload      (new)",
		"entries[0]  Bob    rotate  would_change  deactivate  " + old + "  retire the previous certificate",
		"entries[1]  Alice  ensure  would_change  upload      (new)",
		"Dry run, nothing written. 2 entries: 2 would change, 0 unchanged, 0 failed, 0 not run; 2 calls",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = h.iam("apply", "--manifest", m, "--dry-run", "--query", "Results[].Steps[].CertificateId", "--output", "text")
	if r.code != 0 || r.stdout != "\t"+old+"\t\n" {
		t.Errorf("--query: exit %d, %q", r.code, r.stdout)
	}
	r = h.iam("apply", "--manifest", m, "--dry-run", "--output", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "STEPS\tdeactivate\t"+old+"\tretire the previous certificate\n") {
		t.Errorf("text: exit %d\n%s", r.code, r.stdout)
	}
	listsOnly(t, "the table, the query and the text", since(before, h.counts()), 6)

	// Rotate would refuse at the quota: the dry run names the entry, exits
	// 3 as the apply would, and still writes nothing.
	m = h.manifest(`{"entries": [{"user": "Cy", "certificate": "c.pem", "mode": "rotate"}]}`, map[string]string{"c.pem": certgen.Valid().PEM})
	before = h.counts()
	r = h.iam("apply", "--manifest", m, "--dry-run", "--output", "json")
	if r.code != exitIAM || !strings.Contains(r.stderr, "signingcert apply: LimitExceeded: entries[0] (Cy): ") {
		t.Errorf("exit %d, stderr %q: want 3 and the entry named", r.code, r.stderr)
	}
	if got := decode[planOutput](t, r.stdout); got.Results[0].Status != "failed" || got.Results[0].ErrorCode != "LimitExceeded" || got.Summary.Failed != 1 {
		t.Errorf("refused plan = %+v", got)
	}
	listsOnly(t, "the refused dry run", since(before, h.counts()), 1)
}

func TestE2EApplyTakesTheStepsTheDryRunPlanned(t *testing.T) {
	users := []string{"Fresh", "Holder", "Idle", "Single", "Full", "FullActive", "Quiet", "Ens1", "Ens2"}
	h := newHarness(t, users...)
	mine := map[string]*certgen.Cert{}
	for _, u := range users {
		mine[u] = certgen.Valid()
	}
	h.give("Holder", mine["Holder"].PEM) // holds it, Active: nothing to do
	h.deactivate("Idle", h.give("Idle", mine["Idle"].PEM))
	h.give("Idle", certgen.Valid().PEM) // holds it Inactive, and another Active
	h.give("Single", certgen.Valid().PEM)
	h.deactivate("Full", h.give("Full", certgen.Valid().PEM))
	h.give("Full", certgen.Valid().PEM) // at the quota, one Inactive
	h.give("FullActive", certgen.Valid().PEM)
	h.give("FullActive", certgen.Valid().PEM) // at the quota, both Active
	h.deactivate("Quiet", h.give("Quiet", certgen.Valid().PEM))
	h.give("Ens2", mine["Ens2"].PEM)

	entries := []string{
		`{"user": "Fresh", "certificate": "Fresh.pem", "mode": "rotate"}`,
		`{"user": "Holder", "certificate": "Holder.pem", "mode": "rotate", "previous": "delete"}`,
		`{"user": "Idle", "certificate": "Idle.pem", "mode": "rotate", "previous": "delete"}`,
		`{"user": "Single", "certificate": "Single.pem", "mode": "rotate", "previous": "keep"}`,
		`{"user": "Full", "certificate": "Full.pem", "mode": "rotate", "previous": "deactivate"}`,
		`{"user": "FullActive", "certificate": "FullActive.pem", "mode": "rotate", "previous": "deactivate", "delete_active_for_room": true}`,
		`{"user": "Quiet", "certificate": "Quiet.pem", "mode": "rotate", "previous": "delete"}`,
		`{"user": "Ens1", "certificate": "Ens1.pem", "mode": "ensure"}`,
		`{"user": "Ens2", "certificate": "Ens2.pem", "mode": "ensure"}`,
	}
	files := map[string]string{}
	for _, u := range users {
		files[u+".pem"] = mine[u].PEM
	}
	m := h.manifest(`{"entries": [`+strings.Join(entries, ",")+`]}`, files)

	before := h.counts()
	r := h.iam("apply", "--manifest", m, "--dry-run")
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	listsOnly(t, "the dry run", since(before, h.counts()), len(entries))
	plan := decode[planOutput](t, r.stdout)

	r = h.iam("apply", "--manifest", m)
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}
	applied := decode[applyOutput](t, r.stdout)
	writes := 0
	for i, p := range plan.Results {
		a := applied.Results[i]
		// The plan's steps, with each upload's id as IAM assigns it.
		want := []rotateStep{}
		for _, s := range p.Steps {
			if s.Action == "upload" {
				s.CertificateID = iamID(mine[p.UserName].DER)
			}
			want = append(want, s)
		}
		writes += len(want)
		got := append([]rotateStep{}, a.Steps...)
		if a.Mode == "ensure" && a.Status == "changed" {
			// Ensure reports no steps: its one possible step is the
			// upload of the certificate it answers with.
			got = []rotateStep{{Action: "upload", CertificateID: a.CertificateID, Why: p.Steps[0].Why}}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: plan vs apply (-plan +apply):\n%s", p.UserName, diff)
		}
		if wantStatus := strings.Replace(p.Status, "would_change", "changed", 1); wantStatus != a.Status {
			t.Errorf("%s: planned %s, applied %s", p.UserName, p.Status, a.Status)
		}
		if p.CertificateID != "" && p.CertificateID != a.CertificateID {
			t.Errorf("%s: the plan found %s held, the apply ended with %s", p.UserName, p.CertificateID, a.CertificateID)
		}
	}
	if plan.Summary.WouldChange != applied.Summary.Changed || plan.Summary.Unchanged != applied.Summary.Unchanged || plan.Summary.Unchanged != 2 {
		t.Errorf("plan summary %+v, apply summary %+v", plan.Summary, applied.Summary)
	}
	if got := applied.Summary.Calls["UploadSigningCertificate"] + applied.Summary.Calls["UpdateSigningCertificate"] + applied.Summary.Calls["DeleteSigningCertificate"]; got != writes {
		t.Errorf("the apply made %d writes, the plan foresaw %d", got, writes)
	}
}

func TestE2EApplyAtTheRateLimitIsNeverThrottled(t *testing.T) {
	t.Parallel() // waits on timeouts and the rate; spawns processes only
	const users = 10
	var names []string
	entries := []string{}
	files := map[string]string{}
	for i := 0; i < users; i++ {
		n := "u" + strconv.Itoa(i)
		names = append(names, n)
		files[n+".pem"] = certgen.Valid().PEM
		entries = append(entries, `{"user": "`+n+`", "certificate": "`+n+`.pem", "mode": "rotate"}`)
	}
	h := newHarness(t, names...)
	m := h.manifest(`{"entries": [`+strings.Join(entries, ",")+`]}`, files)
	// The server allows 40 requests a second in bursts of 4; 16 workers
	// unpaced would exceed that at once. At --rate 30 nothing is
	// throttled.
	h.srv.SetRateLimit(40, 4)
	start := time.Now()
	r := h.iam("apply", "--manifest", m, "--rate", "30")
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	out := decode[applyOutput](t, r.stdout)
	if out.Summary.Throttled != 0 || out.Summary.Failed != 0 || out.Summary.Changed != users {
		t.Errorf("summary = %+v, want %d changed and nothing throttled", out.Summary, users)
	}
	if strings.Contains(r.stderr, "Throttling") {
		t.Errorf("stderr shows throttling:\n%s", r.stderr)
	}
	// Every call at 30 a second, the first free: the run cannot be faster.
	calls := 0
	for _, n := range out.Summary.Attempts {
		calls += n
	}
	if out.Summary.Calls["UploadSigningCertificate"] != users {
		t.Errorf("calls = %v", out.Summary.Calls)
	}
	if floor := time.Duration(calls-1) * time.Second / 30; took < floor {
		t.Errorf("took %v, under the floor %v: --rate was not applied", took, floor)
	}
}

// twinFront serves the harness's server, but answers the list of user
// twin with the certificates of from: an account state IAM no longer lets
// anyone create (one certificate on two users). The server holds a
// placeholder for twin, whose body is replaced in the answer.
func (h *harness) twinFront(twin, placeholder, body string) string {
	h.t.Helper()
	target, _ := url.Parse(h.srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(req))
		form, _ := url.ParseQuery(string(req))
		if form.Get("Action") != "ListSigningCertificates" || form.Get("UserName") != twin {
			proxy.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r)
		out := strings.ReplaceAll(rec.Body.String(), esc(placeholder), esc(body))
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		io.WriteString(w, out)
	}))
	h.t.Cleanup(front.Close)
	return front.URL
}

// weakCert is a self-signed certificate with an RSA-1024 key, which the
// public test certificate factory does not make (it starts at RSA-2048).
func weakCert(t *testing.T) string {
	t.Helper()
	return certgen.New(certgen.Options{Key: certgen.RSA1024}).PEM
}

func TestE2EAuditFlagsAPreparedAccount(t *testing.T) {
	day := 24 * time.Hour
	now := time.Now()
	h := newHarness(t, "Fine", "Soon", "Late", "Lapsed", "Full", "Idle", "Weak", "Twin1", "Twin2", "Nobody")
	h.give("Fine", certgen.Valid().PEM)
	h.give("Soon", certgen.New(certgen.Options{NotAfter: now.Add(10 * day)}).PEM)
	h.give("Late", certgen.New(certgen.Options{NotAfter: now.Add(40 * day)}).PEM)
	h.give("Full", certgen.Valid().PEM)
	h.give("Full", certgen.Valid().PEM)
	h.deactivate("Idle", h.give("Idle", certgen.Valid().PEM))
	h.give("Weak", weakCert(t))
	twin := certgen.New(certgen.Options{Key: certgen.ECDSAP256, CommonName: "twin"}).PEM
	placeholder := certgen.New(certgen.Options{Key: certgen.ECDSAP256, CommonName: "twin"}).PEM
	h.give("Twin1", twin)
	h.give("Twin2", placeholder)
	// Lapsed's certificate was valid when uploaded, two days ago by the
	// server's clock, and has ended since.
	then := now.Add(-2 * day)
	h.srv.SetClock(func() time.Time { return then })
	h.give("Lapsed", certgen.New(certgen.Options{NotBefore: now.Add(-3 * day), NotAfter: now.Add(-day)}).PEM)
	h.srv.SetClock(nil)
	front := h.twinFront("Twin2", placeholder, twin)

	before := h.counts()
	r := h.run("", "audit", "--endpoint-url", front)
	if r.code != exitRefused {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	doc := decode[auditDoc](t, r.stdout)
	want := map[string]int{"expiring": 1, "expired_active": 1, "at_quota": 1, "no_active": 1, "shared_certificate": 2, "weak_key": 1}
	if diff := cmp.Diff(want, doc.Summary); diff != "" {
		t.Errorf("findings by kind (-want +got):\n%s\n%s", diff, r.stdout)
	}
	byKind := map[string][]string{}
	for _, f := range doc.Findings {
		byKind[f.Kind] = append(byKind[f.Kind], f.UserName)
	}
	wantUsers := map[string][]string{"expiring": {"Soon"}, "expired_active": {"Lapsed"}, "at_quota": {"Full"},
		"no_active": {"Idle"}, "shared_certificate": {"Twin1", "Twin2"}, "weak_key": {"Weak"}}
	if diff := cmp.Diff(wantUsers, byKind); diff != "" {
		t.Errorf("flagged users (-want +got):\n%s", diff)
	}
	// Every user ListUsers returns is audited, sorted; DefaultUser and
	// Nobody hold nothing and are not flagged.
	var audited []string
	for _, u := range doc.Users {
		audited = append(audited, u.UserName)
	}
	if len(audited) != 11 {
		t.Errorf("audited %v", audited)
	}
	if !strings.HasSuffix(r.stderr, "signingcert audit: Flagged: 7 finding(s): at_quota 1, expired_active 1, expiring 1, no_active 1, shared_certificate 2, weak_key 1\n") {
		t.Errorf("stderr = %q", r.stderr)
	}
	if d := since(before, h.counts()); d["ListUsers"] != 1 || d["ListSigningCertificates"] != 11 || len(d) != 2 {
		t.Errorf("requests = %v, want ListUsers once and a list per user", d)
	}
	if strings.Contains(r.stdout, "BEGIN") {
		t.Error("audit output holds a certificate body")
	}

	// --expiring-within: days and Go durations.
	for _, c := range []struct {
		within   string
		expiring int
	}{{"30d", 1}, {"45d", 2}, {"1080h", 2}, {"5d", 0}} {
		r := h.run("", "audit", "--endpoint-url", front, "--user-name", "Soon", "--user-name", "Late", "--expiring-within", c.within)
		doc := decode[auditDoc](t, r.stdout)
		if doc.Summary["expiring"] != c.expiring || (c.expiring > 0) != (r.code == exitRefused) {
			t.Errorf("--expiring-within %s: exit %d, %d expiring, want %d", c.within, r.code, doc.Summary["expiring"], c.expiring)
		}
	}

	// A named user holding nothing is flagged; an unknown one cannot be
	// listed and is named on stderr.
	r = h.run("", "audit", "--endpoint-url", front, "--user-name", "Nobody", "--user-name", "Ghost", "--output", "table")
	if r.code != exitRefused || !strings.Contains(r.stdout, "no_active") || !strings.Contains(r.stdout, "list_failed") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "signingcert audit: NoSuchEntity: Ghost: ") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestE2EAuditCleanAccountExits0(t *testing.T) {
	h := newHarness(t, "Ann", "Ben")
	h.give("Ann", certgen.Valid().PEM)
	h.give("Ben", certgen.New(certgen.Options{Key: certgen.ECDSAP256}).PEM)
	r := h.iam("audit").ok(t)
	doc := decode[auditDoc](t, r.stdout)
	if len(doc.Findings) != 0 || len(doc.Users) != 3 || doc.ExpiringWithinDays != 30 {
		t.Errorf("doc = %+v", doc)
	}
	// Member names and order, as a script with --query relies on them.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Time", "ExpiringWithinDays", "Users", "Findings", "Summary"}, keys(t, json.RawMessage(r.stdout))); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var users []json.RawMessage
	_ = json.Unmarshal(raw["Users"], &users)
	var ann struct{ Certificates []json.RawMessage }
	_ = json.Unmarshal(users[0], &ann)
	if diff := cmp.Diff([]string{"CertificateId", "Status", "UploadDate", "NotAfter", "DaysLeft", "KeyType", "KeyBits", "Subject", "Fingerprint"},
		keys(t, ann.Certificates[0])); diff != "" {
		t.Errorf("certificate members (-want +got):\n%s", diff)
	}
	if doc.Users[0].Certificates[0].KeyType != "RSA" || doc.Users[0].Certificates[0].KeyBits != 2048 ||
		doc.Users[1].Certificates[0].KeyType != "ECDSA" {
		t.Errorf("keys: %+v", doc.Users)
	}

	r = h.iam("audit", "--query", "Users[].UserName", "--output", "text").ok(t)
	if want := "Ann\tBen\t" + sigcerttest.DefaultUser + "\n"; r.stdout != want {
		t.Errorf("--query text = %q", r.stdout)
	}
	r = h.iam("audit", "--output", "table").ok(t)
	if !strings.Contains(r.stdout, "Nothing flagged (3 users).") {
		t.Errorf("table:\n%s", r.stdout)
	}
}

func TestE2EAuditUsageErrorsSendNothing(t *testing.T) {
	h := newHarness(t, "Ann")
	for _, args := range [][]string{
		{"--expiring-within", "30x"},
		{"--expiring-within", "-1d"},
		{"--expiring-within", "0"},
		{"--expiring-within", ""},
		{"--expiring-within", "d"},
		{"--user-name", ""},
	} {
		r := h.iam(append([]string{"audit"}, args...)...)
		r.fails(t, exitUsage, "signingcert audit: Usage: ")
	}
	if d := h.counts(); len(d) != 0 {
		t.Errorf("requests sent: %v", d)
	}
}

func TestE2EApplyAndAuditJSONShapes(t *testing.T) {
	h := newHarness(t, "Bob")
	m := h.manifest(`{"entries": [{"user": "Bob", "certificate": "b.pem", "mode": "rotate", "previous": "delete"}]}`,
		map[string]string{"b.pem": certgen.Valid().PEM})
	r := h.iam("apply", "--manifest", m)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	raw := json.RawMessage(r.stdout)
	if diff := cmp.Diff([]string{"Results", "Summary"}, keys(t, raw)); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var doc struct{ Results, Summary json.RawMessage }
	_ = json.Unmarshal(raw, &doc)
	var results []json.RawMessage
	_ = json.Unmarshal(doc.Results, &results)
	if diff := cmp.Diff([]string{"Entry", "UserName", "Mode", "Status", "CertificateId", "Steps", "Calls"}, keys(t, results[0])); diff != "" {
		t.Errorf("result members (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Entries", "Changed", "Unchanged", "Failed", "NotRun", "Calls", "Attempts", "Throttled", "ElapsedSeconds"}, keys(t, doc.Summary)); diff != "" {
		t.Errorf("summary members (-want +got):\n%s", diff)
	}
	r = h.iam("apply", "--manifest", m, "--query", "Results[0].Status", "--output", "text")
	if r.code != 0 || r.stdout != "unchanged\n" {
		t.Errorf("--query: exit %d, %q", r.code, r.stdout)
	}
}

func TestE2EApplySilentEndpointExits4NamingTheEntry(t *testing.T) {
	t.Parallel() // waits on timeouts and the rate; spawns processes only
	h := newHarness(t)
	m := h.manifest(`{"entries": [{"user": "Bob", "certificate": "b.pem", "mode": "ensure"}]}`, map[string]string{"b.pem": certgen.Valid().PEM})
	start := time.Now()
	r := h.run("", "apply", "--manifest", m, "--cli-read-timeout", "1", "--endpoint-url", silentListener(t))
	if r.code != exitOther {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitOther, r.stderr)
	}
	want := "signingcert apply: ReadTimeout: entries[0] (Bob): ListSigningCertificates: nothing received from 127.0.0.1:"
	if !strings.Contains(r.stderr, "\n"+want) || !strings.Contains(r.stderr, "within --cli-read-timeout 1 s") {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	out := decode[applyOutput](t, r.stdout)
	if out.Results[0].Status != "failed" || out.Results[0].ErrorCode != "ReadTimeout" {
		t.Errorf("result = %+v", out.Results[0])
	}
	// AWS_MAX_ATTEMPTS=1 (the harness's) is honoured: one wait, not three.
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("took %v with a 1 s read timeout and one attempt", took)
	}
}

func TestE2EApplyCtrlCReportsWhatWasNotRun(t *testing.T) {
	t.Parallel() // waits on timeouts and the rate; spawns processes only
	var names, entries []string
	files := map[string]string{}
	for i := 0; i < 4; i++ {
		n := "u" + strconv.Itoa(i)
		names = append(names, n)
		files[n+".pem"] = certgen.Valid().PEM
		entries = append(entries, `{"user": "`+n+`", "certificate": "`+n+`.pem", "mode": "ensure"}`)
	}
	h := newHarness(t, names...)
	m := h.manifest(`{"entries": [`+strings.Join(entries, ",")+`]}`, files)
	h.srv.Inject(sigcerttest.Fault{Latency: 5 * time.Second, Count: 100})
	cmd := exec.Command(h.bin, "apply", "--manifest", m, "--concurrency", "1", "--endpoint-url", h.url)
	cmd.Dir = h.dir
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first entry's request reaches the server, which holds it.
	for deadline := time.Now().Add(10 * time.Second); h.srv.Requests("") == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no request reached the server")
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, stderr.String())
	}
	out := decode[applyOutput](t, stdout.String())
	if out.Summary.NotRun != 3 || out.Summary.Changed != 0 {
		t.Errorf("summary = %+v, want 3 not run", out.Summary)
	}
	if !strings.HasSuffix(stderr.String(), "signingcert apply: Interrupted: context canceled\n") {
		t.Errorf("stderr = %q", stderr.String())
	}

	// The rerun does what is left: every entry not run before, and the
	// interrupted one unless its write had landed.
	h.srv.ClearFaults()
	before := h.counts()
	r := h.iam("apply", "--manifest", m)
	if r.code != 0 {
		t.Fatalf("rerun: exit %d\n%s", r.code, r.stderr)
	}
	rerun := decode[applyOutput](t, r.stdout)
	for i, res := range rerun.Results {
		if i > 0 && res.Status != "changed" {
			t.Errorf("rerun of %s: %s, want changed", res.UserName, res.Status)
		}
		if certs := h.srv.Certificates(res.UserName); len(certs) != 1 {
			t.Errorf("%s holds %d certificates after the rerun, want 1", res.UserName, len(certs))
		}
	}
	if sent := since(before, h.counts()); sent["UploadSigningCertificate"] != rerun.Summary.Changed {
		t.Errorf("rerun sent %v for %d changed entries", sent, rerun.Summary.Changed)
	}
}

func TestE2EApplyEscapesWhatItPrints(t *testing.T) {
	h := newHarness(t)
	// U+202E reverses what follows on a terminal: a name must not hide
	// another in a problem line.
	m := h.manifest("{\"entries\": [{\"user\": \"Bob\u202etxt.exe\", \"certificate\": \"b\u202e.pem\", \"mode\": \"ensure\"}]}", map[string]string{})
	r := h.iam("apply", "--manifest", m)
	if r.code != exitRefused || strings.ContainsRune(r.stderr, '\u202e') {
		t.Errorf("exit %d, stderr %q: want exit 1 and U+202E escaped", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `\u202e`) {
		t.Errorf("stderr %q does not show the character escaped", r.stderr)
	}
}

func TestE2EAuditSilentEndpointExits4(t *testing.T) {
	t.Parallel() // waits on timeouts and the rate; spawns processes only
	h := newHarness(t)
	silent := silentListener(t)
	r := h.run("", "audit", "--cli-read-timeout", "1", "--endpoint-url", silent)
	r.fails(t, exitOther, "signingcert audit: ReadTimeout: ListUsers: nothing received from 127.0.0.1:")
	// Named users that cannot be listed: each named, and the audit is
	// incomplete, not merely flagged.
	r = h.run("", "audit", "--user-name", "Bob", "--cli-read-timeout", "1", "--endpoint-url", silent)
	if r.code != exitOther || !strings.HasPrefix(r.stderr, "signingcert audit: ReadTimeout: Bob: ListSigningCertificates: nothing received") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// ListUsers goes through the client, not sigcert: its refusal came out as
// exit 4, "Error" and the SDK's whole message, where README promises 3 and
// IAM's code.
func TestE2EAuditListUsersRefusedExits3(t *testing.T) {
	h := newHarness(t, "Bob")
	h.srv.Inject(sigcerttest.Fault{Action: "ListUsers", Code: "AccessDenied", Status: 403, Count: 10})
	r := h.iam("audit")
	r.fails(t, exitIAM, "signingcert audit: AccessDenied: ListUsers: AccessDenied: ")
	if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "(HTTP 403, request id ") || r.stdout != "" {
		t.Errorf("stderr %q, stdout %q; want one line with IAM's status and request id, nothing on stdout", r.stderr, r.stdout)
	}
}

func TestE2EAuditEscapesSubjectsInTextAndTable(t *testing.T) {
	h := newHarness(t, "Eve")
	h.give("Eve", certgen.New(certgen.Options{CommonName: "invoice\u202egpj.exe"}).PEM)
	for _, o := range []string{"table", "text"} {
		r := h.iam("audit", "--output", o).ok(t)
		if strings.ContainsRune(r.stdout, '\u202e') || !strings.Contains(r.stdout, "invoice") {
			t.Errorf("--output %s shows U+202E raw:\n%q", o, r.stdout)
		}
	}
}
