package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
)

// testEnv is an env over the real file system with captured output and no
// terminal.
func testEnv(stdin io.Reader) (*env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &env{
		stdin:  stdin,
		stdout: &stdout,
		stderr: &stderr,
		open:   func(name string) (fs.File, error) { return os.Open(name) },
		getenv: func(string) (string, bool) { return "", false },
		now:    time.Now,
	}, &stdout, &stderr
}

// certFiles writes the usual certificate files into a temporary directory,
// which becomes the working directory, and returns their names.
func certFiles(t *testing.T) (good, expired, withKey, textBefore string) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	c := certgen.Valid()
	for name, body := range map[string]string{
		"good.pem":    c.CRLF(),
		"expired.pem": certgen.Expired().PEM,
		"key.pem":     c.WithKeyAppended(),
		"text.pem":    c.TextBefore(),
	} {
		writeFile(t, dir, name, body)
	}
	return "good.pem", "expired.pem", "key.pem", "text.pem"
}

func TestCheckLines(t *testing.T) {
	good, expired, withKey, textBefore := certFiles(t)
	e, stdout, stderr := testEnv(nil)
	code := run(context.Background(), e, []string{"check", good, expired, "--", withKey, textBefore, "missing.pem"})

	want := []string{
		"good.pem: OK",
		"expired.pem: MalformedCertificate: CertificateBody: certificate has expired",
		"key.pem: MalformedCertificate: CertificateBody: contains a private key",
		"text.pem: MalformedCertificate: CertificateBody: text before the PEM block",
		"missing.pem: BodyUnreadable: no such file or directory",
	}
	got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("stdout:\n%s", stdout.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	if code != exitRefused {
		t.Errorf("exit %d, want %d", code, exitRefused)
	}
	if s := stderr.String(); s != "signingcert check: Refused: 4 of 5 certificates failed the pre-flight\n" {
		t.Errorf("stderr = %q", s)
	}
	if strings.ContainsAny(stdout.String()+stderr.String(), "\r\x1b") {
		t.Errorf("progress drawn without a terminal")
	}
}

func TestCheckAllGoodAndUserName(t *testing.T) {
	good, _, _, _ := certFiles(t)
	e, stdout, stderr := testEnv(nil)
	if code := run(context.Background(), e, []string{"check", "--user-name", "Bob", good, "file://" + good, "fileb://" + good}); code != exitOK {
		t.Fatalf("exit %d; stdout %q stderr %q", code, stdout, stderr)
	}
	if diff := cmp.Diff("good.pem: OK\nfile://good.pem: OK\nfileb://good.pem: OK\n", stdout.String()); diff != "" || stderr.Len() != 0 {
		t.Errorf("stdout (-want +got):\n%s\nstderr %q", diff, stderr)
	}

	e, stdout, _ = testEnv(nil)
	if code := run(context.Background(), e, []string{"check", good, "--user-name", "Bob Smith"}); code != exitRefused {
		t.Errorf("bad user name: exit %d, want %d", code, exitRefused)
	}
	if !strings.HasPrefix(stdout.String(), "good.pem: ValidationError: UserName: character not allowed") {
		t.Errorf("stdout = %q", stdout)
	}
}

// check prints each file's line before it reads the next name: it streams,
// holding nothing per file. If it held its results, the first read below
// would wait for ever.
func TestCheckStreams(t *testing.T) {
	good, expired, _, _ := certFiles(t)
	namesR, namesW := io.Pipe()
	outR, outW := io.Pipe()
	e, _, stderr := testEnv(namesR)
	e.stdout = outW
	done := make(chan int)
	go func() {
		code := run(context.Background(), e, []string{"check", "--files-from", "-"})
		outW.Close()
		done <- code
	}()
	lines := bufio.NewReader(outR)
	for i, name := range []string{good, expired, good} {
		fmt.Fprintf(namesW, "%s\r\n\n", name)
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(line, name+": ") {
			t.Errorf("line %d = %q, want it about %s", i, line, name)
		}
	}
	namesW.Close()
	if rest, _ := io.ReadAll(lines); len(rest) != 0 {
		t.Errorf("more output: %q", rest)
	}
	if code := <-done; code != exitRefused {
		t.Errorf("exit %d, want %d", code, exitRefused)
	}
	if s := stderr.String(); s != "signingcert check: Refused: 1 of 3 certificates failed the pre-flight\n" {
		t.Errorf("stderr = %q", s)
	}
}

func TestCheckStopsWhenStdoutCloses(t *testing.T) {
	good, _, _, _ := certFiles(t)
	outR, outW := io.Pipe()
	outR.Close() // as when the reader (| head -1) has gone
	e, _, _ := testEnv(nil)
	e.stdout = outW
	var read int
	e.open = func(name string) (fs.File, error) { read++; return os.Open(name) }
	code := run(context.Background(), e, []string{"check", good, good, good})
	if read != 1 || code != exitOther {
		t.Errorf("opened %d files, exit %d; want to stop after the first, exit %d", read, code, exitOther)
	}
}

func TestCheckProgressOnTerminalOnly(t *testing.T) {
	good, expired, _, _ := certFiles(t)
	var term bytes.Buffer
	e, stdout, _ := testEnv(nil)
	e.progress = &term
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	e.now = func() time.Time { clock = clock.Add(time.Millisecond); return clock }
	run(context.Background(), e, []string{"check", good, expired, good})

	if strings.ContainsAny(stdout.String(), "\r\x1b") {
		t.Errorf("progress reached stdout: %q", stdout)
	}
	p := term.String()
	for _, want := range []string{"checked 1/3 files", "checked 2/3 files", "checked 3/3 files"} {
		if !strings.Contains(p, "\r\x1b[K"+want) {
			t.Errorf("progress %q lacks %q", p, want)
		}
	}
	if !strings.HasSuffix(p, "\r\x1b[K") {
		t.Errorf("progress line not erased at the end: %q", p)
	}
}

func TestProgressThrottles(t *testing.T) {
	var term bytes.Buffer
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	p := newProgress(&term, func() time.Time { return now }, "listed", "users", 5)
	for range 4 {
		p.step()
	}
	now = now.Add(progressEvery)
	p.step()
	if got, want := term.String(), "\r\x1b[Klisted 1/5 users\r\x1b[Klisted 5/5 users"; got != want {
		t.Errorf("drawn %q, want %q (first, then when due)", got, want)
	}
	var nilProgress *progress
	nilProgress.step()
	nilProgress.clear()
	if newProgress(nil, nil, "x", "y", 1) != nil {
		t.Error("a progress without a terminal draws")
	}
}

func TestUsageErrors(t *testing.T) {
	good, _, _, _ := certFiles(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "signingcert: Usage: no command given"},
		{[]string{"frobnicate"}, `signingcert: Usage: unknown command "frobnicate" for "signingcert"`},
		{[]string{"check"}, "signingcert check: Usage: no files to check"},
		{[]string{"check", "--files-from", "-", "-"}, "signingcert check: Usage: - names standard input twice"},
		{[]string{"upload", "--user-name", "Bob"}, "signingcert upload: Usage: --certificate-body is required"},
		{[]string{"upload", "--certificate-body", "x", "--output", "yaml"}, "signingcert upload: Usage: --output must be json, text or table"},
		{[]string{"upload", "--certificate-body", "x", "--endpoint-url", "localhost:4566"}, "signingcert upload: Usage: --endpoint-url must be an http:// or https:// URL"},
		{[]string{"upload", "--certificate-body", "x", "extra"}, `signingcert upload: Usage: unexpected argument "extra" (run signingcert upload --help)`},
		{[]string{"rotate", "--certificate-body", "file://" + good, "--previous", "archive"}, "signingcert rotate: Usage: --previous must be keep, deactivate or delete"},
		{[]string{"delete", "--user-name", "Bob"}, "signingcert delete: Usage: --certificate-id is required"},
		{[]string{"list", "--nope"}, "signingcert list: Usage: unknown flag: --nope"},
		{[]string{"list", "--cli-read-timeout", "AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMI"}, `signingcert list: Usage: invalid argument "AKIAIOSFODNN7EXA"… for "--cli-read-timeout" flag`},
		{[]string{"AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMI"}, `signingcert: Usage: unknown command "AKIAIOSFODNN7EXA"… for "signingcert"`},
		// Cobra printed the completion command's help to stdout and exited
		// 0, so "source <(signingcert completion bsah)" ran the help text.
		// An empty value, as from an unset $ENDPOINT, must not mean real
		// IAM.
		{[]string{"list", "--user-name", "Bob", "--endpoint-url", ""}, "signingcert list: Usage: --endpoint-url is empty"},
		{[]string{"audit", "--endpoint-url="}, "signingcert audit: Usage: --endpoint-url is empty"},
		{[]string{"help", "lsit"}, `signingcert help: Usage: unknown command "lsit" (run signingcert --help)`},
		{[]string{"completion", "bsah"}, `signingcert completion: Usage: unknown shell "bsah" (bash, zsh, fish or powershell; run signingcert completion --help)`},
		{[]string{"list", "-query", "x"}, "signingcert list: Usage: unknown flag: -query (flags take two dashes: --query; run signingcert list --help)"},
		{[]string{"list", "-user-name=Bob"}, "signingcert list: Usage: unknown flag: -user-name (flags take two dashes: --user-name;"},
		{[]string{"list", "--query", "Certificates[", "--endpoint-url", "http://127.0.0.1:1"}, "signingcert list: Usage: --query: bad JMESPath expression"},
		{[]string{"list", "--cli-read-timeout", "-1"}, "signingcert list: Usage: --cli-read-timeout must be 0 (none) or a number of seconds"},
		// Seconds beyond what a time.Duration holds wrapped round to a
		// negative timeout: every connection "timed out" at once.
		{[]string{"list", "--cli-connect-timeout", "9223372037"}, "signingcert list: Usage: --cli-connect-timeout must be at most 9223372036"},
		{[]string{"list", "--cli-read-timeout", "99999999999"}, "signingcert list: Usage: --cli-read-timeout must be at most 9223372036"},
		// The AWS CLI refuses an empty --query; taking it for no query
		// would print the whole document (bodies included) to a script
		// whose $QUERY was unset.
		{[]string{"list", "--query", ""}, "signingcert list: Usage: --query: Invalid JMESPath expression: cannot be empty"},
		{[]string{"audit", "--query="}, "signingcert audit: Usage: --query: Invalid JMESPath expression: cannot be empty"},
		{[]string{"list", "--user-name", "Bob", "--user-name", ""}, "signingcert list: Usage: --user-name: " + emptyUserName},
		{[]string{"upload", "--user-name", "", "--certificate-body", "file://" + good}, "signingcert upload: Usage: --user-name: " + emptyUserName},
		{[]string{"delete", "--user-name", "", "--certificate-id", "ASCA1234567890123456789012"}, "signingcert delete: Usage: --user-name: " + emptyUserName},
		{[]string{"check", "--user-name", "", good}, "signingcert check: Usage: --user-name: " + emptyUserName},
		{[]string{"upload", "--user-name", "a", "--user-name", "b", "--certificate-body", "x"}, `signingcert upload: Usage: invalid argument "b" for "--user-name" flag: given twice`},
	} {
		e, stdout, stderr := testEnv(nil)
		code := run(context.Background(), e, tt.args)
		if code != exitUsage || !strings.HasPrefix(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2 and one line starting %q", tt.args, code, stderr, stdout, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}} {
		e, stdout, stderr := testEnv(nil)
		if code := run(context.Background(), e, args); code != exitOK || stderr.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
		for _, want := range []string{"Exit status:", "  3    IAM answered with an error", "completion", "rotate"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%q: help lacks %q", args, want)
			}
		}
	}
	help := func(cmd string) string {
		e, stdout, _ := testEnv(nil)
		if code := run(context.Background(), e, []string{cmd, "--help"}); code != exitOK {
			t.Fatalf("%s --help: exit %d", cmd, code)
		}
		return stdout.String()
	}
	// Each command's help lists only what it takes.
	for cmd, tt := range map[string]struct{ want, not []string }{
		"rotate": {want: []string{"--previous keep|deactivate|delete", "--delete-active-for-room", "--endpoint-url URL", "--cli-read-timeout SECONDS", "file://PATH"}},
		"upload": {want: []string{"--dry-run", "file://PATH", "--query EXPRESSION"}, not: []string{"--previous", "--files-from"}},
		"list":   {want: []string{"--user-name NAME", "repeat it"}, not: []string{"file://PATH", "--certificate-body", "--dry-run"}},
		"delete": {want: []string{"--certificate-id ID", "Exit status: 0 done"}, not: []string{"file://PATH", "--certificate-body"}},
		"check":  {want: []string{"--files-from FILE", `(default "text")`, "Exit status: 0 every file passed"}, not: []string{"--endpoint-url", "--cli-read-timeout", "--debug", "3 IAM"}},
	} {
		h := help(cmd)
		for _, w := range tt.want {
			if !strings.Contains(h, w) {
				t.Errorf("%s --help lacks %q:\n%s", cmd, w, h)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(h, n) {
				t.Errorf("%s --help shows %q, which it does not take:\n%s", cmd, n, h)
			}
		}
	}
}
