package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamkit/signingcert/sigcert"
)

// maxNameLine is the longest line --files-from accepts: far beyond any path.
const maxNameLine = 64 << 10

// checkFailed is check's verdict when some files were refused.
type checkFailed struct{ failed, total int }

func (e *checkFailed) Error() string {
	return fmt.Sprintf("%d of %d certificates failed the pre-flight", e.failed, e.total)
}

func init() { addCommand(newCheckCmd) }

func newCheckCmd(e *env) *cobra.Command {
	var (
		o        outFlags
		user     oneUser
		from     string
		skipX509 bool
	)
	cmd := &cobra.Command{
		Use:   "check [--user-name NAME] [--files-from FILE|-] [FILE]...",
		Short: "Pre-flight certificate files, one line each; sends nothing",
		Long: "Check certificate files as upload would before sending, one line per file as\n" +
			"soon as it is checked; nothing is sent, and no AWS configuration is read.\n\n" +
			"A FILE operand is a path, read as written (the shell has expanded it), or\n" +
			"file://PATH, fileb://PATH or - as for upload's --certificate-body. Names read\n" +
			"from --files-from are data: never expanded, and - is refused there while the\n" +
			"list itself comes from standard input.\n\n" +
			"Exit status: 0 every file passed, 1 some were refused, 2 usage error, 130\ninterrupted.",
		Args: cobra.ArbitraryArgs,
	}
	cmd.RunE = runE(func(cmd *cobra.Command, files []string) error {
		if err := prepare(cmd, &o); err != nil {
			return err
		}
		if err := checkUser(user.set, user.name); err != nil {
			return err
		}
		if len(files) == 0 && from == "" {
			return usagef("no files to check (run signingcert check --help)")
		}
		if from == stdinArg && slices.Contains(files, stdinArg) {
			return usagef("- names standard input twice: --files-from - reads the list of names from it")
		}
		return runCheck(cmd.Context(), e, &o, files, from, user.name, skipX509)
	})
	f := cmd.Flags()
	o.register(cmd)
	// check's own default: a line per file, for people and grep.
	o.output = outText
	f.Lookup("output").DefValue = outText
	f.Lookup("output").Usage = "output `FORMAT`: text (a line per file: NAME: OK, or NAME: ErrorName: reason), json (one document; --query applies) or table (as text)"
	f.Var(&user, "user-name", "also check the user `NAME` against IAM's constraints")
	f.StringVar(&from, "files-from", "", "read the names of the files to check from `FILE`, one per line (- for standard input)")
	f.BoolVar(&skipX509, "skip-x509-checks", false, "check only IAM's length and character constraints and for private keys")
	return cmd
}

// checkResult is one file's verdict in check's json document.
type checkResult struct {
	File    string `json:"File"`
	Status  string `json:"Status"` // OK or Refused
	Error   string `json:"Error,omitempty"`
	Message string `json:"Message,omitempty"`
}

// checkOutput is check's json document.
type checkOutput struct {
	Files []checkResult `json:"Files"`
}

// runCheck pre-flights certificate files and prints each verdict as soon as
// the file is checked. It holds one file at a time and keeps only counts,
// so its memory does not grow with the number of files (except with
// --query, which needs the whole document); --files-from streams the names
// too.
func runCheck(ctx context.Context, e *env, o *outFlags, files []string, from, user string, skipX509 bool) error {
	c := certFlags{skipX509: skipX509}
	up := sigcert.NewUploader(nil, c.options(e)...)

	total := len(files)
	if from != "" {
		total = 0 // unknown
	}
	p := newProgress(e.progress, e.now, "checked", "files", total)
	var (
		checked, failed int
		collected       []checkResult
		js              *jsonStream
	)
	if o.output == outJSON && o.q == nil {
		js = &jsonStream{w: e.stdout, key: "Files"}
	}
	one := func(name string, src bodySource) error {
		r := checkFile(name, user, up, src)
		checked++
		if r.Status != "OK" {
			failed++
		}
		p.clear()
		var err error
		switch {
		case js != nil:
			err = js.add(r)
		case o.q != nil:
			collected = append(collected, r)
		default:
			_, err = fmt.Fprintln(e.stdout, r.line())
		}
		if err != nil {
			return err // stdout is gone (| head): stop
		}
		p.step()
		return ctx.Err()
	}
	defer p.clear()
	for _, name := range files {
		if err := one(name, e.bodySource()); err != nil {
			return err
		}
	}
	if from != "" {
		// Entries are data: no ~ or $VAR expansion, even after file://.
		src := e.bodySource()
		src.literal = true
		err := eachLine(from, e, func(name string) error {
			if name == stdinArg && from == stdinArg {
				return one(name, bodySource{}) // refused below: stdin is the list
			}
			return one(name, src)
		})
		if err != nil {
			return err
		}
	}
	switch {
	case js != nil:
		if err := js.end(); err != nil {
			return err
		}
	case o.q != nil:
		if collected == nil {
			collected = []checkResult{}
		}
		if err := o.print(e.stdout, checkOutput{Files: collected}, nil); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &checkFailed{failed: failed, total: checked}
	}
	return nil
}

// line is the text form of r: "NAME: OK" or "NAME: ErrorName: reason".
func (r checkResult) line() string {
	if r.Status == "OK" {
		return r.File + ": OK"
	}
	return r.File + ": " + r.Error + ": " + r.Message
}

// jsonStream writes {"KEY": [ ... ]} element by element, in the layout
// writeJSON gives the whole document.
type jsonStream struct {
	w   io.Writer
	key string
	n   int
}

func (s *jsonStream) add(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as writeJSON: & < > as they are
	enc.SetIndent("        ", "    ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	sep := ","
	if s.n == 0 {
		sep = "{\n    \"" + s.key + "\": ["
	}
	s.n++
	_, err := fmt.Fprintf(s.w, "%s\n        %s", sep, b)
	return err
}

func (s *jsonStream) end() error {
	if s.n == 0 {
		_, err := fmt.Fprintf(s.w, "{\n    \"%s\": []\n}\n", s.key)
		return err
	}
	_, err := fmt.Fprint(s.w, "\n    ]\n}\n")
	return err
}

// checkFile pre-flights one file and returns its line: "NAME: OK" or
// "NAME: ErrorName: reason". NAME is read as a path, or as loadBody reads a
// file://, fileb:// or - argument.
func checkFile(name, user string, up *sigcert.Uploader, src bodySource) checkResult {
	label := printable(name)
	body, err := loadFileArg(name, src)
	if err == nil {
		_, err = up.Check(sigcert.Request{UserName: user, CertificateBody: body})
	}
	if err == nil {
		return checkResult{File: label, Status: "OK"}
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
	return checkResult{File: label, Status: "Refused", Error: errorName(err), Message: cause(reason)}
}

// loadFileArg loads a check operand: a plain name is a text file, read with
// no ~ or $VAR expansion (the shell has done that); the AWS CLI's forms work
// as for --certificate-body.
func loadFileArg(name string, src bodySource) (string, error) {
	if name == stdinArg && src.stdin == nil {
		return "", &bodyError{Loc: "-", Err: errors.New("names standard input, which --files-from - is reading: list the file's name instead")}
	}
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
