package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
)

// Limits on what loadManifest reads: a manifest of 10,000 entries is about a
// megabyte, and a certificate file is held to the limit of a
// --certificate-body file (maxBodyFile).
const (
	maxManifestBytes  = 16 << 20
	maxManifestCert   = maxBodyFile
	manifestWholeFile = -1
)

// manifestProblem is one problem in a manifest.
type manifestProblem struct {
	// Entry is the index in "entries", or manifestWholeFile.
	Entry int
	// User is the entry's user, if it has one.
	User string
	// Field is the member at fault, by its JSON name ("" for the entry or
	// file as a whole).
	Field string
	Err   error
}

func (p manifestProblem) String() string {
	var b strings.Builder
	if p.Entry != manifestWholeFile {
		fmt.Fprintf(&b, "entries[%d]", p.Entry)
		if p.User != "" {
			fmt.Fprintf(&b, " (%s)", p.User)
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Err.Error())
	return b.String()
}

// manifestError refuses a manifest, listing every problem.
type manifestError struct {
	Path     string
	Problems []manifestProblem
}

func (e *manifestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "manifest %s: %d problem(s), nothing was sent:", e.Path, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// The reasons for manifest problems, for errors.Is.
var (
	errManifestSyntax   = errors.New("not valid JSON")
	errManifestUnknown  = errors.New("unknown member")
	errManifestRepeated = errors.New("given more than once")
	errManifestType     = errors.New("wrong type")
	errManifestRequired = errors.New("required")
	errManifestValue    = errors.New("value not allowed")
	errManifestFile     = errors.New("cannot read the certificate file")
	errManifestEmpty    = errors.New("empty")
	errManifestRotate   = errors.New("applies to mode \"rotate\" only")
)

// manifestMembers are the members an entry may have, in the schema's order.
var manifestMembers = []string{"user", "certificate", "mode", "previous", "delete_active_for_room"}

var manifestPrevious = map[string]sigcert.Previous{
	"keep":       sigcert.KeepPrevious,
	"deactivate": sigcert.DeactivatePrevious,
	"delete":     sigcert.DeletePrevious,
}

// loadManifest reads the apply manifest at path and the certificate files it
// names, and checks everything before any request could be sent: the schema
// below, and fleet.Validate's checks of the entries, with the pre-flight
// checks of an Uploader made with opts (a clock, SkipX509Checks...). It
// returns the entries in the manifest's order, with Source "entries[i]", or
// a *manifestError listing every problem. It uses no global state.
//
// The manifest is a JSON file listing, for many users, which certificate
// each should hold and how to put it there.
//
//	{
//	  "entries": [
//	    {"user": "Bob", "certificate": "bob.pem", "mode": "rotate", "previous": "deactivate"},
//	    {"user": "Alice", "certificate": "alice.pem", "mode": "ensure"}
//	  ]
//	}
//
// The top level is an object with one member, "entries": a non-empty array
// of objects with these members:
//
//   - "user" (string, required): the IAM user. Each user appears once,
//     ignoring case, as IAM's user names do.
//   - "certificate" (string, required): the PEM certificate file, relative to
//     the manifest's directory unless absolute. It must be UTF-8 text holding
//     one certificate, valid now, and no private key. No two users may name
//     the same certificate: IAM attaches a certificate to one user only.
//   - "mode" (string, required): "ensure" (the user holds the certificate
//     afterwards; nothing else changes) or "rotate" (the user holds it, and
//     the others are retired as "previous" says).
//   - "previous" (string, rotate only): what happens to the user's other
//     certificates: "keep", "deactivate" (the default) or "delete".
//   - "delete_active_for_room" (boolean, rotate only, default false): at
//     IAM's quota of two with no Inactive certificate, Rotate may delete the
//     oldest Active one to make room; without it, it refuses.
//
// Nothing else is accepted: an unknown or repeated member, a value of the
// wrong type, or anything after the top-level object is a problem.
// Every problem is reported at once, each with its entry.
func loadManifest(path string, opts ...sigcert.Option) ([]fleet.Entry, error) {
	fail := func(err error) error {
		return &manifestError{Path: path, Problems: []manifestProblem{{Entry: manifestWholeFile, Err: err}}}
	}
	data, err := readLimited(path, maxManifestBytes)
	if err != nil {
		return nil, fail(fmt.Errorf("cannot read the manifest: %w", err))
	}
	m := &manifestLoad{dir: filepath.Dir(path), certNames: map[int]string{}}
	// Editors on Windows may start a UTF-8 file with a byte order mark,
	// which JSON does not allow; it carries no meaning, so it is skipped.
	entries, ok := m.parse(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if !ok {
		return nil, &manifestError{Path: path, Problems: m.problems}
	}

	// fleet.Validate checks what is left (keys, expiry, duplicates) on the
	// entries whose user and certificate were read; their Source names
	// them as the manifest does.
	var checked []fleet.Entry
	var index []int
	for i, e := range entries {
		if e != nil {
			checked = append(checked, *e)
			index = append(index, i)
		}
	}
	if err := fleet.Validate(checked, opts...); err != nil {
		var inv *fleet.InvalidEntriesError
		if !errors.As(err, &inv) {
			return nil, fail(err)
		}
		for _, p := range inv.Problems {
			i, field, err := index[p.Index], jsonField(p.Field), error(prefixFree{p.Err})
			if field == "certificate" {
				err = fmt.Errorf("%q: %w", m.certNames[i], err)
			}
			m.add(i, p.UserName, field, err)
		}
	}
	if len(m.problems) > 0 {
		sortProblems(m.problems)
		return nil, &manifestError{Path: path, Problems: m.problems}
	}
	out := make([]fleet.Entry, len(entries))
	for i, e := range entries {
		out[i] = *e
	}
	return out, nil
}

// manifestLoad is one loadManifest call's state.
type manifestLoad struct {
	dir       string
	certNames map[int]string // entry → its "certificate", as written
	problems  []manifestProblem
}

func (m *manifestLoad) add(entry int, user, field string, err error) {
	m.problems = append(m.problems, manifestProblem{Entry: entry, User: user, Field: field, Err: err})
}

// parse reads the manifest's JSON. It returns one slot per entry: the
// entry, with a placeholder Mode where the mode was bad (already reported),
// or nil where no user or no certificate could be had. ok is false when the
// document is unusable as a whole.
func (m *manifestLoad) parse(data []byte) (entries []*fleet.Entry, ok bool) {
	top, err := members(data)
	if err != nil {
		m.add(manifestWholeFile, "", "", err)
		return nil, false
	}
	var list json.RawMessage
	for _, kv := range top {
		switch {
		case kv.repeated:
			m.add(manifestWholeFile, "", kv.key, errManifestRepeated)
		case kv.key != "entries":
			m.add(manifestWholeFile, "", kv.key, fmt.Errorf("%w (the top level has only \"entries\")", errManifestUnknown))
		default:
			list = kv.value
		}
	}
	if list == nil {
		m.add(manifestWholeFile, "", "entries", errManifestRequired)
		return nil, false
	}
	var raws []json.RawMessage
	if kind := jsonKind(list); kind != "array" {
		m.add(manifestWholeFile, "", "entries", fmt.Errorf("%w: want an array, got %s", errManifestType, kind))
		return nil, false
	}
	if err := json.Unmarshal(list, &raws); err != nil {
		m.add(manifestWholeFile, "", "entries", fmt.Errorf("%w: %v", errManifestSyntax, err))
		return nil, false
	}
	if len(raws) == 0 {
		m.add(manifestWholeFile, "", "entries", errManifestEmpty)
		return nil, false
	}
	entries = make([]*fleet.Entry, len(raws))
	for i, raw := range raws {
		entries[i] = m.entry(i, raw)
	}
	return entries, true
}

// entry reads entries[i].
func (m *manifestLoad) entry(i int, raw json.RawMessage) *fleet.Entry {
	if kind := jsonKind(raw); kind != "object" {
		m.add(i, "", "", fmt.Errorf("%w: want an object, got %s", errManifestType, kind))
		return nil
	}
	kvs, err := members(raw)
	if err != nil {
		m.add(i, "", "", err)
		return nil
	}
	// The user first, so that every later problem can name it.
	var user string
	for _, kv := range kvs {
		if kv.key == "user" && !kv.repeated {
			_ = json.Unmarshal(kv.value, &user)
		}
	}
	strs := map[string]string{}
	var room *bool
	for _, kv := range kvs {
		known := false
		for _, name := range manifestMembers {
			known = known || kv.key == name
		}
		switch {
		case !known:
			m.add(i, user, kv.key, fmt.Errorf("%w (an entry has %s)", errManifestUnknown, strings.Join(manifestMembers, ", ")))
		case kv.repeated:
			m.add(i, user, kv.key, errManifestRepeated)
		case kv.key == "delete_active_for_room":
			var b bool
			if kind := jsonKind(kv.value); kind != "boolean" || json.Unmarshal(kv.value, &b) != nil {
				m.add(i, user, kv.key, fmt.Errorf("%w: want true or false, got %s", errManifestType, kind))
				continue
			}
			room = &b
		default:
			var s string
			if kind := jsonKind(kv.value); kind != "string" || json.Unmarshal(kv.value, &s) != nil {
				m.add(i, user, kv.key, fmt.Errorf("%w: want a string, got %s", errManifestType, kind))
				continue
			}
			strs[kv.key] = s
		}
	}

	e := &fleet.Entry{UserName: user, Source: fmt.Sprintf("entries[%d]", i)}
	// A user of the wrong type was reported above; absent or "" is
	// reported here.
	if _, typed := strs["user"]; !hasKey(kvs, "user") || typed && user == "" {
		m.add(i, "", "user", errManifestRequired)
	}
	usable := user != ""

	mode, hasMode := strs["mode"]
	switch {
	case mode == string(fleet.Ensure) || mode == string(fleet.Rotate):
		e.Mode = fleet.Mode(mode)
	case hasMode:
		m.add(i, user, "mode", fmt.Errorf("%w: %q (want \"ensure\" or \"rotate\")", errManifestValue, mode))
	case !hasKey(kvs, "mode"):
		m.add(i, user, "mode", errManifestRequired)
	}
	if e.Mode == fleet.Rotate {
		e.Policy.Previous = sigcert.DeactivatePrevious
	}
	if prev, ok := strs["previous"]; ok {
		p, known := manifestPrevious[prev]
		switch {
		case !known:
			m.add(i, user, "previous", fmt.Errorf("%w: %q (want \"keep\", \"deactivate\" or \"delete\")", errManifestValue, prev))
		case e.Mode == fleet.Ensure:
			m.add(i, user, "previous", errManifestRotate)
		default:
			e.Policy.Previous = p
		}
	}
	if room != nil {
		if e.Mode == fleet.Ensure {
			m.add(i, user, "delete_active_for_room", errManifestRotate)
		} else {
			e.Policy.DeleteActiveForRoom = *room
		}
	}
	if e.Mode == "" {
		// Reported above; a placeholder lets the other checks run.
		e.Mode, e.Policy = fleet.Ensure, sigcert.RotatePolicy{}
	}

	name, ok := strs["certificate"]
	switch {
	case ok && name == "":
		m.add(i, user, "certificate", errManifestRequired)
		usable = false
	case ok:
		m.certNames[i] = name
		body, err := m.readCertificate(name)
		if err != nil {
			m.add(i, user, "certificate", fmt.Errorf("%q: %w", name, err))
			usable = false
		}
		e.CertificateBody = body
	default:
		if !hasKey(kvs, "certificate") {
			m.add(i, user, "certificate", errManifestRequired)
		}
		usable = false
	}
	if !usable {
		return nil
	}
	return e
}

// readCertificate reads a certificate file named in the manifest.
func (m *manifestLoad) readCertificate(name string) (string, error) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(m.dir, path)
	}
	b, err := readLimited(path, maxManifestCert)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errManifestFile, err)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%w: not UTF-8 text (a DER file? convert it to PEM)", errManifestFile)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("%w file", errManifestEmpty)
	}
	return string(b), nil
}

// readLimited reads a regular file of at most limit bytes. Its errors keep
// the os package's, for errors.Is(err, fs.ErrNotExist).
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d KiB", limit>>10)
	}
	return b, nil
}

// member is one member of a JSON object, in document order.
type member struct {
	key      string
	value    json.RawMessage
	repeated bool // an earlier member has the same key
}

// members splits one JSON object into its members, marking repeated keys
// (encoding/json would silently keep the last), and refuses anything after
// the object.
func members(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if kind := jsonKind(data); kind != "object" {
		if !json.Valid(data) {
			return nil, syntaxProblem(data, dec)
		}
		return nil, fmt.Errorf("%w: want an object, got %s", errManifestType, kind)
	}
	if _, err := dec.Token(); err != nil { // {
		return nil, syntaxProblem(data, dec)
	}
	seen := map[string]bool{}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxProblem(data, dec)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, syntaxProblem(data, dec)
		}
		out = append(out, member{key: key, value: v, repeated: seen[key]})
		seen[key] = true
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, syntaxProblem(data, dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the object, at line %d", errManifestSyntax, lineAt(data, dec.InputOffset()))
	}
	return out, nil
}

// syntaxProblem names the line where data stops being JSON.
func syntaxProblem(data []byte, dec *json.Decoder) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w at line %d: %v", errManifestSyntax, lineAt(data, se.Offset), se)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errManifestSyntax, err)
	}
	return fmt.Errorf("%w near line %d", errManifestSyntax, lineAt(data, dec.InputOffset()))
}

func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// jsonKind names a JSON value's type by its first byte, for messages.
func jsonKind(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func hasKey(kvs []member, key string) bool {
	for _, kv := range kvs {
		if kv.key == key {
			return true
		}
	}
	return false
}

// jsonField is the manifest's name for a fleet.Entry field.
func jsonField(field string) string {
	switch field {
	case "UserName":
		return "user"
	case "CertificateBody":
		return "certificate"
	case "Mode":
		return "mode"
	case "Policy":
		return "previous"
	}
	return field
}

// sortProblems orders problems by entry, the whole file first, keeping each
// entry's problems in the order found.
func sortProblems(ps []manifestProblem) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Entry < ps[j-1].Entry; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// prefixFree is an error whose message drops the library's "sigcert: "
// prefix, which says nothing at a shell; errors.Is and As still see the
// error itself.
type prefixFree struct{ err error }

func (e prefixFree) Error() string { return sigcert.Detail(e.err) }
func (e prefixFree) Unwrap() error { return e.err }
