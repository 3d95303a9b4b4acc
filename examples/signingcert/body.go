package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxBodyFile is the most bytes read for one certificate body. A valid body
// is at most 16384 characters (32768 bytes of UTF-8); anything much larger
// is the wrong file, and is refused without being read.
const maxBodyFile = 64 << 10

// The prefixes the AWS CLI gives parameter values, and the name for standard
// input.
const (
	prefixFile  = "file://"  // a text file: UTF-8, line endings normalised
	prefixFileB = "fileb://" // a file sent byte for byte
	stdinArg    = "-"
)

// bodySource is where loadBody reads from: the process's standard input,
// file system and environment in the program, fakes in tests.
type bodySource struct {
	stdin  io.Reader
	open   func(name string) (fs.File, error)
	getenv func(key string) (string, bool)
	// homeOf finds the home directory of a named user, for ~user/.
	homeOf func(user string) (string, bool)
	// literal turns expansion off: the path after file:// or fileb:// is
	// used as written. Names read from --files-from are data, not shell
	// input, and are never expanded.
	literal bool
}

// bodyError says why a body could not be loaded. Loc names where it was
// loaded from (file://..., -); it is never the literal body itself.
type bodyError struct {
	Loc string
	Err error
}

func (e *bodyError) Error() string { return "loading " + e.Loc + ": " + e.Err.Error() }
func (e *bodyError) Unwrap() error { return e.Err }

var (
	errTooLarge = fmt.Errorf("larger than %d KiB, the most a certificate body file may be", maxBodyFile>>10)
	errNotText  = errors.New("not UTF-8 text (use fileb:// to send the bytes as they are)")
	errIsDir    = errors.New("is a directory")
)

// loadBody turns a --certificate-body argument into the body to send, as the
// AWS CLI does:
//
//   - file://PATH reads PATH as UTF-8 text, with CRLF and CR line endings
//     made LF (the AWS CLI reads file:// in Python's text mode);
//   - fileb://PATH reads PATH's bytes as they are;
//   - "-" reads standard input, as text;
//   - anything else is the body itself.
//
// In PATH, a leading ~ or ~/ is the home directory, ~user/ that user's, and
// $VAR or ${VAR} the variable's value; an unknown user or an unset variable
// is left as written. Messages name the file as written, never expanded. A file over
// maxBodyFile bytes is refused, a regular file without being read.
//
// loadBody never panics, whatever arg and the source hold.
func loadBody(arg string, src bodySource) (string, error) {
	switch {
	case arg == stdinArg:
		if src.stdin == nil {
			return "", &bodyError{Loc: "standard input", Err: errors.New("no standard input")}
		}
		b, err := readCapped(src.stdin)
		if err != nil {
			return "", &bodyError{Loc: "standard input", Err: err}
		}
		return asText(b, "standard input")
	case strings.HasPrefix(arg, prefixFile):
		b, err := readFile(src.path(arg[len(prefixFile):]), src.open)
		if err != nil {
			return "", &bodyError{Loc: printable(arg), Err: err}
		}
		return asText(b, printable(arg))
	case strings.HasPrefix(arg, prefixFileB):
		b, err := readFile(src.path(arg[len(prefixFileB):]), src.open)
		if err != nil {
			return "", &bodyError{Loc: printable(arg), Err: err}
		}
		return string(b), nil
	}
	return arg, nil
}

// path is the file a file:// or fileb:// argument names.
func (src bodySource) path(p string) string {
	if src.literal {
		return p
	}
	return expandPath(p, src.getenv, src.homeOf)
}

// readFile reads name through open, refusing a regular file larger than
// maxBodyFile before reading any of it, and any other file once it has
// yielded more than maxBodyFile bytes.
func readFile(name string, open func(string) (fs.File, error)) ([]byte, error) {
	if open == nil {
		return nil, errors.New("no file system")
	}
	f, err := open(name)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// The path in it may be the expansion of a variable, whose value
		// must not be printed (file://$AWS_SECRET_ACCESS_KEY): the caller
		// names the file as written.
		return nil, pe.Err
	}
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errors.New("no file")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errIsDir
	}
	if st.Mode().IsRegular() && st.Size() > maxBodyFile {
		return nil, errTooLarge
	}
	return readCapped(f)
}

// readCapped reads r to its end, or fails once it has read more than
// maxBodyFile bytes.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBodyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBodyFile {
		return nil, errTooLarge
	}
	return b, nil
}

// asText decodes b as the AWS CLI decodes a file:// parameter: UTF-8, with
// universal newlines.
func asText(b []byte, loc string) (string, error) {
	if !utf8.Valid(b) {
		bad := 0
		for bad < len(b) {
			r, n := utf8.DecodeRune(b[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
		return "", &bodyError{Loc: loc, Err: fmt.Errorf("%w: invalid byte at offset %d", errNotText, bad)}
	}
	s := string(b)
	if strings.IndexByte(s, '\r') < 0 {
		return s, nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n"), nil
}

// expandPath expands a leading ~, ~user and $VAR / ${VAR}, as Python's
// os.path.expandvars(os.path.expanduser(p)) does for the AWS CLI
// (awscli/paramfile.py): ~ is $HOME, ~user is the user's home directory
// from homeOf, and an unknown user is left as written.
func expandPath(p string, getenv func(string) (string, bool), homeOf func(string) (string, bool)) string {
	if getenv == nil {
		return p
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, ok := getenv("HOME"); ok && home != "" {
			p = home + p[1:]
		}
	} else if strings.HasPrefix(p, "~") && homeOf != nil {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			i = len(p)
		}
		if home, ok := homeOf(p[1:i]); ok {
			// As Python: the home's trailing slashes go, and an empty
			// result is the root.
			if p = strings.TrimRight(home, "/") + p[i:]; p == "" {
				p = "/"
			}
		}
	}
	if !strings.Contains(p, "$") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		if p[i] != '$' {
			b.WriteByte(p[i])
			i++
			continue
		}
		name, end := varAt(p, i)
		if v, ok := getenv(name); ok && name != "" {
			b.WriteString(v)
		} else {
			b.WriteString(p[i:end])
		}
		i = end
	}
	return b.String()
}

// varAt parses the variable reference starting at p[i] == '$': ${NAME} or
// $NAME with NAME made of letters, digits and underscores. It returns the
// name ("" if there is none) and the index just past the reference.
func varAt(p string, i int) (name string, end int) {
	j := i + 1
	if j < len(p) && p[j] == '{' {
		k := strings.IndexByte(p[j+1:], '}')
		if k < 0 {
			return "", j
		}
		return p[j+1 : j+1+k], j + 1 + k + 1
	}
	for j < len(p) {
		r, n := utf8.DecodeRuneInString(p[j:])
		if r == utf8.RuneError && n <= 1 || !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			break
		}
		j += n
	}
	return p[i+1 : j], j
}
