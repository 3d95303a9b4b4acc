package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// manifestDir copies testdata/manifest/name into a fresh directory with
// the given files beside it (certificates are made per run: a committed one
// would expire), and returns the manifest's path.
func manifestDir(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "manifest", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "manifest.json")
	files["manifest.json"] = string(src)
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestLoadManifestAcceptsTheMinimalFormAsWritten(t *testing.T) {
	bob, alice := certgen.Valid().PEM, certgen.Valid().PEM
	path := manifestDir(t, "minimal.json", map[string]string{"bob.pem": bob, "alice.pem": alice})
	got, err := loadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []fleet.Entry{
		{UserName: "Bob", CertificateBody: bob, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}, Source: "entries[0]"},
		{UserName: "Alice", CertificateBody: alice, Mode: fleet.Ensure, Source: "entries[1]"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}

	// What it loads, a Runner applies.
	fake := sigcerttest.NewFake("Bob", "Alice")
	rep, err := (&fleet.Runner{API: fake}).Run(context.Background(), got)
	if err != nil || !rep.Done() || rep.Summary.Changed != 2 {
		t.Errorf("applying the manifest: %v %+v", err, rep.Summary)
	}
}

func TestLoadManifestReadsEveryMemberAndItsDefaults(t *testing.T) {
	dir := t.TempDir()
	certs := map[string]string{"a.pem": certgen.Valid().PEM, "b.pem": certgen.Valid().PEM, "c.pem": certgen.Valid().CRLF()}
	for n, b := range certs {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(dir, "c.pem")
	manifest := `{"entries": [
		{"user": "A", "certificate": "a.pem", "mode": "rotate"},
		{"mode": "rotate", "previous": "delete", "delete_active_for_room": true, "certificate": "b.pem", "user": "B"},
		{"user": "C", "certificate": "` + abs + `", "mode": "rotate", "previous": "keep", "delete_active_for_room": false}
	]}`
	path := filepath.Join(dir, "sub", "m.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// Relative paths are relative to the manifest, not the working directory.
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(manifest, `"a.pem"`, `"../a.pem"`)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "b.pem"), []byte(certs["b.pem"]), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := loadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	// A byte order mark before the document changes nothing.
	if err := os.WriteFile(path, append([]byte("\xef\xbb\xbf"), mustRead(t, path)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if again, err := loadManifest(path); err != nil || !cmp.Equal(got, again) {
		t.Errorf("with a byte order mark: %v", err)
	}
	var policies []sigcert.RotatePolicy
	for _, e := range got {
		policies = append(policies, e.Policy)
	}
	want := []sigcert.RotatePolicy{
		{Previous: sigcert.DeactivatePrevious}, // the default, as the CLI's rotate
		{Previous: sigcert.DeletePrevious, DeleteActiveForRoom: true},
		{Previous: sigcert.KeepPrevious},
	}
	if diff := cmp.Diff(want, policies); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	if got[2].CertificateBody != certs["c.pem"] {
		t.Error("the absolute path's certificate was not read as it is")
	}
}

func TestLoadManifestListsEveryProblem(t *testing.T) {
	key := certgen.Valid()
	path := manifestDir(t, "every-problem.json", map[string]string{
		"bob.pem":     certgen.Valid().PEM,
		"bob2.pem":    certgen.Valid().PEM,
		"empty.pem":   "\n  \n",
		"key.pem":     key.WithKeyAppended(),
		"expired.pem": certgen.Expired().PEM,
		"hal.pem":     certgen.Valid().PEM,
		"ida.pem":     certgen.Valid().PEM,
		"jo.pem":      certgen.Valid().PEM,
		"kim.pem":     certgen.Valid().PEM,
		"lu.pem":      certgen.Valid().PEM,
		"mo.pem":      certgen.Valid().PEM,
		"pat.der":     key.DERBody(),
	})
	if err := os.Mkdir(filepath.Join(filepath.Dir(path), "a-directory"), 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := loadManifest(path)
	var me *manifestError
	if !errors.As(err, &me) || entries != nil {
		t.Fatalf("loadManifest: %v, %d entries; want *manifestError and none", err, len(entries))
	}
	type problem struct {
		Entry int
		Field string
	}
	want := []struct {
		problem
		reason error
	}{
		{problem{-1, "comment"}, errManifestUnknown},
		{problem{1, "user"}, fleet.ErrConflictingUser},
		{problem{2, "certificate"}, fleet.ErrSharedCertificate},
		{problem{3, "certificate"}, os.ErrNotExist},
		{problem{4, "certificate"}, errManifestEmpty},
		{problem{5, "certificate"}, validate.ErrPrivateKey},
		{problem{6, "certificate"}, validate.ErrExpired},
		{problem{7, "mode"}, errManifestValue},
		{problem{8, "previous"}, errManifestValue},
		{problem{9, "previous"}, errManifestRotate},
		{problem{9, "delete_active_for_room"}, errManifestRotate},
		{problem{10, "mode"}, errManifestRepeated},
		{problem{11, "colour"}, errManifestUnknown},
		{problem{12, "user"}, errManifestType},
		{problem{12, "delete_active_for_room"}, errManifestType},
		{problem{13, "user"}, errManifestRequired},
		{problem{13, "mode"}, errManifestRequired},
		{problem{14, ""}, errManifestType},
		{problem{15, "certificate"}, errManifestFile},
		{problem{16, "user"}, fleet.ErrRepeatedUser},
		{problem{17, "certificate"}, errManifestFile},
		{problem{18, "previous"}, errManifestType},
		{problem{18, "certificate"}, errManifestRequired},
	}
	var gotP, wantP []problem
	for _, p := range me.Problems {
		gotP = append(gotP, problem{p.Entry, p.Field})
	}
	for _, w := range want {
		wantP = append(wantP, w.problem)
	}
	if diff := cmp.Diff(wantP, gotP); diff != "" {
		t.Fatalf("problems (-want +got):\n%s\n%v", diff, err)
	}
	if testing.Verbose() {
		t.Log(err)
	}
	for i, w := range want {
		if !errors.Is(me.Problems[i].Err, w.reason) {
			t.Errorf("problem %d, %s: reason %v, want %v", i, me.Problems[i], me.Problems[i].Err, w.reason)
		}
	}
	msg := err.Error()
	for _, s := range []string{
		"23 problem(s), nothing was sent",
		"entries[1] (bob): user: user has another entry with a different certificate: entries[0]",
		"entries[3] (Dave): certificate: \"missing.pem\": cannot read the certificate file",
		"entries[12]: user: wrong type: want a string, got number",
		"entries[14]: wrong type: want an object, got string",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, "sigcert: ") {
		t.Errorf("message shows the library's prefix, which says nothing at a shell:\n%s", msg)
	}
	if strings.Contains(msg, "BEGIN") {
		t.Errorf("message shows file contents:\n%s", msg)
	}
}

func TestLoadManifestRefusesABadDocument(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"syntax", "{\"entries\": [\n{\"user\": \"Bob\",}\n]}", "not valid JSON at line 2"},
		{"not an object", `[{"user": "Bob"}]`, "want an object, got array"},
		{"no entries", `{}`, "entries: required"},
		{"entries not an array", `{"entries": {"user": "Bob"}}`, "entries: wrong type: want an array, got object"},
		{"entries empty", `{"entries": []}`, "entries: empty"},
		{"entries twice", `{"entries": [], "entries": []}`, "entries: given more than once"},
		{"data after", `{"entries": []} {}`, "data after the object"},
		{"empty file", ``, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.json")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadManifest(path)
			var me *manifestError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a manifest error with %q", err, tc.want)
			}
		})
	}
	if _, err := loadManifest(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err.(*manifestError).Problems[0].Err, os.ErrNotExist) ||
		!strings.Contains(err.Error(), "cannot read the manifest") {
		t.Errorf("missing manifest: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
