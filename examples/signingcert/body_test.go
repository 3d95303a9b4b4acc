package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/iamkit/signingcert/internal/certgen"
)

// osSource reads the real file system and a fixed environment.
func osSource(stdin io.Reader, vars map[string]string) bodySource {
	return bodySource{
		stdin:  stdin,
		open:   func(name string) (fs.File, error) { return os.Open(name) },
		getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadBody(t *testing.T) {
	dir := t.TempDir()
	c := certgen.Valid()
	crlf := writeFile(t, dir, "crlf.pem", c.CRLF())
	lf := writeFile(t, dir, "lf.pem", c.PEM)
	writeFile(t, dir, "home.pem", "in home")
	latin1 := writeFile(t, dir, "latin1.txt", "caf\xe9")
	vars := map[string]string{"HOME": dir, "CERTS": dir}

	tests := []struct {
		name, arg, stdin, want string
		wantErr                error // matched with errors.Is; nil: no error
	}{
		{name: "literal", arg: c.PEM, want: c.PEM},
		{name: "literal kept byte for byte", arg: c.CRLF(), want: c.CRLF()},
		{name: "literal path-like is still literal", arg: "cert.pem", want: "cert.pem"},
		{name: "empty literal", arg: "", want: ""},
		{name: "file", arg: "file://" + lf, want: c.PEM},
		{name: "file normalises CRLF", arg: "file://" + crlf, want: c.PEM},
		{name: "fileb keeps CRLF", arg: "fileb://" + crlf, want: c.CRLF()},
		{name: "fileb keeps non-UTF-8", arg: "fileb://" + latin1, want: "caf\xe9"},
		{name: "file refuses non-UTF-8", arg: "file://" + latin1, wantErr: errNotText},
		{name: "tilde", arg: "file://~/home.pem", want: "in home"},
		{name: "env var", arg: "file://$CERTS/home.pem", want: "in home"},
		{name: "braced env var", arg: "file://${CERTS}/home.pem", want: "in home"},
		{name: "unset var kept", arg: "file://" + dir + "/$NOPE", wantErr: fs.ErrNotExist},
		{name: "stdin", arg: "-", stdin: c.CRLF(), want: c.PEM},
		{name: "missing file", arg: "file://" + dir + "/missing.pem", wantErr: fs.ErrNotExist},
		{name: "directory", arg: "file://" + dir, wantErr: errIsDir},
		{name: "prefix is case-sensitive", arg: "FILE://" + lf, want: "FILE://" + lf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadBody(tt.arg, osSource(strings.NewReader(tt.stdin), vars))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				var be *bodyError
				if !errors.As(err, &be) {
					t.Fatalf("err is %T, want *bodyError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadBody: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpandPathUnsetAndEdgeCases(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"A": "x", "HOME": "/h"}[k]
		return v, ok
	}
	for in, want := range map[string]string{
		"$A/b":       "x/b",
		"${A}b":      "xb",
		"$Ab":        "$Ab", // the variable is Ab, unset
		"$B/c":       "$B/c",
		"${B}":       "${B}",
		"${}":        "${}",
		"${A":        "${A",
		"$":          "$",
		"a$":         "a$",
		"~":          "/h",
		"~/x":        "/h/x",
		"~bob/x":     "~bob/x",
		"x/~/y":      "x/~/y",
		"$A$A":       "xx",
		"\xff$A\xfe": "\xffx\xfe",
	} {
		if got := expandPath(in, env, nil); got != want {
			t.Errorf("expandPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// countingFile counts the bytes read through it.
type countingFile struct {
	fs.File
	n *int64
}

func (f countingFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	*f.n += int64(n)
	return n, err
}

func TestLoadBodyRefusesLargeFileUnread(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.pem")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: a terabyte that takes no disk, and would take forever to read.
	if err := f.Truncate(1 << 40); err != nil {
		t.Skipf("cannot make a sparse file here: %v", err)
	}
	f.Close()
	justOver := writeFile(t, dir, "over.pem", strings.Repeat("a", maxBodyFile+1))
	atCap := writeFile(t, dir, "cap.pem", strings.Repeat("a", maxBodyFile))

	var read int64
	src := bodySource{open: func(name string) (fs.File, error) {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		return countingFile{f, &read}, nil
	}}
	for _, p := range []string{huge, justOver} {
		read = 0
		if _, err := loadBody("fileb://"+p, src); !errors.Is(err, errTooLarge) {
			t.Errorf("%s: err = %v, want errTooLarge", filepath.Base(p), err)
		}
		if read != 0 {
			t.Errorf("%s: read %d bytes of a file refused for its size", filepath.Base(p), read)
		}
	}
	read = 0
	got, err := loadBody("fileb://"+atCap, src)
	if err != nil || len(got) != maxBodyFile {
		t.Errorf("file of exactly %d bytes: len %d, err %v; want it loaded", maxBodyFile, len(got), err)
	}
}

// endless is a stream that never ends, like cat /dev/zero | signingcert.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestLoadBodyCapsStreams(t *testing.T) {
	in := &endless{}
	if _, err := loadBody("-", bodySource{stdin: in}); !errors.Is(err, errTooLarge) {
		t.Fatalf("err = %v, want errTooLarge", err)
	}
	if in.n > maxBodyFile+1 {
		t.Errorf("read %d bytes from an endless stream, want at most %d", in.n, maxBodyFile+1)
	}
}

func TestBodyErrorNeverQuotesLiteral(t *testing.T) {
	// Only file:// and fileb:// and - can fail; a literal never does, so no
	// error can quote one.
	c := certgen.Valid()
	for _, arg := range []string{c.WithKeyAppended(), "\xff\xfe", ""} {
		if _, err := loadBody(arg, bodySource{}); err != nil {
			t.Errorf("literal body refused by loadBody: %v", err)
		}
	}
}

// fuzzFiles is the small file system FuzzLoadBody reads.
var fuzzFiles = fstest.MapFS{
	"cert.pem":       {Data: []byte(certgen.Valid().CRLF())},
	"big.pem":        {Data: make([]byte, maxBodyFile+1)},
	"latin1.pem":     {Data: []byte("caf\xe9")},
	"dir/nested.pem": {Data: []byte("x\r\ny\rz")},
}

// fuzzSource is a small in-memory world for FuzzLoadBody.
func fuzzSource(stdin []byte) bodySource {
	vars := map[string]string{"HOME": "dir", "D": "dir", "EMPTY": ""}
	return bodySource{
		stdin:  strings.NewReader(string(stdin)),
		open:   fuzzFiles.Open,
		getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}
}

func FuzzLoadBody(f *testing.F) {
	// Seeds beyond those here are in testdata/fuzz/FuzzLoadBody.
	f.Add("file://cert.pem", []byte(nil))
	f.Add("-", []byte("a\r\nb"))
	f.Fuzz(func(t *testing.T, arg string, stdin []byte) {
		got, err := loadBody(arg, fuzzSource(stdin))
		if err != nil {
			var be *bodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %T is not a *bodyError: %v", err, err)
			}
			if arg != "" && !strings.HasPrefix(arg, prefixFile) && !strings.HasPrefix(arg, prefixFileB) && arg != stdinArg {
				t.Fatalf("literal %q refused: %v", arg, err)
			}
			return
		}
		switch {
		case arg == stdinArg || strings.HasPrefix(arg, prefixFile):
			if !utf8.ValidString(got) || strings.Contains(got, "\r") {
				t.Fatalf("text body %q is not UTF-8 with LF line endings", got)
			}
			if len(got) > maxBodyFile {
				t.Fatalf("loaded %d bytes, more than the cap", len(got))
			}
			if arg == stdinArg && got != strings.ReplaceAll(strings.ReplaceAll(string(stdin), "\r\n", "\n"), "\r", "\n") {
				t.Fatalf("stdin %q loaded as %q", stdin, got)
			}
		case strings.HasPrefix(arg, prefixFileB):
			if len(got) > maxBodyFile {
				t.Fatalf("loaded %d bytes, more than the cap", len(got))
			}
		default:
			if got != arg {
				t.Fatalf("literal %q loaded as %q", arg, got)
			}
		}
	})
}

func TestExpandPathTildeUser(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "HOME" {
			return "/home/me", true
		}
		return "", false
	}
	homes := map[string]string{"bob": "/home/bob/", "root": "/"}
	homeOf := func(u string) (string, bool) { h, ok := homes[u]; return h, ok }
	// As Python's os.path.expanduser, which the AWS CLI applies to file://.
	for in, want := range map[string]string{
		"~/c.pem":      "/home/me/c.pem",
		"~bob/c.pem":   "/home/bob/c.pem",
		"~bob":         "/home/bob",
		"~root/c.pem":  "/c.pem",
		"~root":        "/",
		"~nobody/c":    "~nobody/c",
		"a/~bob/c.pem": "a/~bob/c.pem",
	} {
		if got := expandPath(in, env, homeOf); got != want {
			t.Errorf("expandPath(%q) = %q, want %q", in, got, want)
		}
	}
	// Names from --files-from are data: nothing is expanded.
	src := bodySource{getenv: env, homeOf: homeOf, literal: true}
	if got := src.path("~bob/$HOME"); got != "~bob/$HOME" {
		t.Errorf("literal path expanded to %q", got)
	}
}
