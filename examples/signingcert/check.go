package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/iamkit/signingcert/sigcert"
)

// maxNameLine is the longest line --files-from accepts: far beyond any path.
const maxNameLine = 64 << 10

// checkFailed is check's verdict when some files were refused.
type checkFailed struct{ failed, total int }

func (e *checkFailed) Error() string {
	return fmt.Sprintf("%d of %d certificates failed the pre-flight", e.failed, e.total)
}

// runCheck pre-flights certificate files and prints one line for each as soon
// as it is checked. It holds one file at a time and keeps only counts, so its
// memory does not grow with the number of files; --files-from streams the
// names too.
func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("check")
	var (
		user, from string
		skipX509   bool
	)
	fs.StringVar(&user, "user-name", "", "also check the user `name` against IAM's constraints")
	fs.StringVar(&from, "files-from", "", "read the names of the files to check from `FILE`, one per line (- for standard input)")
	fs.BoolVar(&skipX509, "skip-x509-checks", false, "check only IAM's length and character constraints and for private keys")
	files, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 && from == "" {
		return usagef("no files to check (run signingcert check --help)")
	}
	c := certFlags{user: user, skipX509: skipX509}
	up := sigcert.NewUploader(nil, c.options(e)...)

	total := len(files)
	if from != "" {
		total = 0 // unknown
	}
	p := newProgress(e.progress, e.now, "checked", "files", total)
	var checked, failed int
	one := func(name string) error {
		line, ok := checkFile(name, user, up, e.bodySource())
		checked++
		if !ok {
			failed++
		}
		p.clear()
		if _, err := fmt.Fprintln(e.stdout, line); err != nil {
			return err // stdout is gone (| head): stop
		}
		p.step()
		return ctx.Err()
	}
	defer p.clear()
	for _, name := range files {
		if err := one(name); err != nil {
			return err
		}
	}
	if from != "" {
		if err := eachLine(from, e, func(name string) error { return one(name) }); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &checkFailed{failed: failed, total: checked}
	}
	return nil
}

// checkFile pre-flights one file and returns its line: "NAME: OK" or
// "NAME: ErrorName: reason". NAME is read as a path, or as loadBody reads a
// file://, fileb:// or - argument.
func checkFile(name, user string, up *sigcert.Uploader, src bodySource) (line string, ok bool) {
	label := printable(name)
	body, err := loadFileArg(name, src)
	if err == nil {
		_, err = up.Check(sigcert.Request{UserName: user, CertificateBody: body})
	}
	if err == nil {
		return label + ": OK", true
	}
	var (
		be *bodyError
		pe *sigcert.PreflightError
	)
	reason := err
	switch {
	case errors.As(err, &be):
		reason = be.Err
	case errors.As(err, &pe):
		reason = pe.Err
	}
	return fmt.Sprintf("%s: %s: %s", label, errorName(err), cause(reason)), false
}

// loadFileArg loads a check operand: a plain name is a text file, read with
// no ~ or $VAR expansion (the shell has done that); the AWS CLI's forms work
// as for --certificate-body.
func loadFileArg(name string, src bodySource) (string, error) {
	if name == stdinArg || strings.HasPrefix(name, prefixFile) || strings.HasPrefix(name, prefixFileB) {
		return loadBody(name, src)
	}
	b, err := readFile(name, src.open)
	if err != nil {
		return "", &bodyError{Loc: printable(name), Err: err}
	}
	return asText(b, printable(name))
}

// eachLine calls fn with each non-empty line of the file from ("-": standard
// input), CR LF or LF terminated, one at a time.
func eachLine(from string, e *env, fn func(string) error) error {
	r := e.stdin
	if from != stdinArg {
		if e.open == nil {
			return &bodyError{Loc: printable(from), Err: errors.New("no file system")}
		}
		f, err := e.open(from)
		if err != nil {
			return &bodyError{Loc: printable(from), Err: err}
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return &bodyError{Loc: "standard input", Err: errors.New("no standard input")}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxNameLine)
	for sc.Scan() {
		name := strings.TrimSuffix(sc.Text(), "\r")
		if name == "" {
			continue
		}
		if err := fn(name); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &bodyError{Loc: "--files-from " + printable(from), Err: err}
	}
	return nil
}
