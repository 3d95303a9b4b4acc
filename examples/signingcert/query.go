package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jmespath/go-jmespath"
)

// query is a compiled --query. The JMESPath library is
// github.com/jmespath/go-jmespath: the AWS CLI implements the JMESPath
// specification as that library does (the original dialect, which the AWS
// SDK for Go v1 used too), while the jmespath-community fork follows a newer
// specification that accepts expressions the AWS CLI refuses.
type query struct {
	expr *jmespath.JMESPath
	// keys are the keys of the expression's multiselect hashes, in the
	// order written: the AWS CLI prints {S: Status, Id: CertificateId} in
	// that order (testdata/aws-cli/query.json), and the library returns a Go
	// map, which has none.
	keys []string
}

// hashKey finds "key:" after "{" or "," in an expression: a multiselect
// hash key, bare or quoted. Slices ([0:2]) have numbers before ":", never
// an identifier after "{" or ",".
var hashKey = regexp.MustCompile(`[{,]\s*([A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")\s*:`)

func compileQuery(s string) (*query, error) {
	expr, err := jmespath.Compile(legacyLiterals(s))
	if err != nil {
		return nil, err
	}
	q := &query{expr: expr}
	for _, m := range hashKey.FindAllStringSubmatch(s, -1) {
		k := m[1]
		if strings.HasPrefix(k, `"`) {
			if u, err := strconv.Unquote(k); err == nil {
				k = u
			}
		}
		q.keys = append(q.keys, k)
	}
	return q, nil
}

// doc is a document in the generic form JMESPath works on, with the order
// in which its object keys first appear, so that printing it again keeps
// the AWS CLI's member order.
type doc struct {
	v     any
	order []string
}

// generic turns one of the output structs into a doc.
func generic(v any) (doc, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return doc{}, err
	}
	var d doc
	if err := json.Unmarshal(b, &d.v); err != nil {
		return doc{}, err
	}
	d.order = keyOrder(b)
	return d, nil
}

// keyOrder lists the object keys of the JSON text b in order of first
// appearance.
func keyOrder(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		key    bool // the next token in this object is a key
	}
	var (
		stack []frame
		order []string
		seen  = map[string]bool{}
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			return order
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].key
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = !stack[len(stack)-1].key
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, key: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					// The closed container was a value: the next is a key.
					stack[len(stack)-1].key = true
				}
			}
			continue
		}
		if s, ok := tok.(string); ok && isKey && !seen[s] {
			seen[s] = true
			order = append(order, s)
		}
	}
}

// search runs the query on d; the result keeps d's key order, after the
// expression's own keys.
func (q *query) search(d doc) (doc, error) {
	res, err := q.expr.Search(d.v)
	if err != nil {
		return doc{}, err
	}
	return doc{v: res, order: append(append([]string{}, q.keys...), d.order...)}, nil
}

// queryError is a --query that failed on the document (a type error in a
// function call, say): a usage error, found after the calls were made.
type queryError struct{ err error }

func (e *queryError) Error() string { return "--query: " + e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

// writeOrderedJSON prints d as the AWS CLI prints JSON (json.dumps with
// indent 4, ensure_ascii off), object keys in d's order, others after them
// sorted.
func writeOrderedJSON(w io.Writer, d doc) error {
	rank := map[string]int{}
	for i, k := range d.order {
		if _, ok := rank[k]; !ok {
			rank[k] = i
		}
	}
	var b bytes.Buffer
	encodeOrdered(&b, d.v, rank, 0)
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

func encodeOrdered(b *bytes.Buffer, v any, rank map[string]int, depth int) {
	indent := func(d int) { b.WriteString("\n" + strings.Repeat("    ", d)) }
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString("{}")
			return
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			ri, iok := rank[keys[i]]
			rj, jok := rank[keys[j]]
			switch {
			case iok && jok:
				return ri < rj
			case iok != jok:
				return iok
			}
			return keys[i] < keys[j]
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(depth + 1)
			encodeScalar(b, k)
			b.WriteString(": ")
			encodeOrdered(b, t[k], rank, depth+1)
		}
		indent(depth)
		b.WriteByte('}')
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(depth + 1)
			encodeOrdered(b, e, rank, depth+1)
		}
		indent(depth)
		b.WriteByte(']')
	default:
		encodeScalar(b, t)
	}
}

func encodeScalar(b *bytes.Buffer, v any) {
	var s bytes.Buffer
	enc := json.NewEncoder(&s)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(b, "%q", fmt.Sprint(v))
		return
	}
	b.Write(bytes.TrimSuffix(s.Bytes(), []byte("\n")))
}

// legacyLiterals rewrites each backtick literal that is not JSON, such as
// `Inactive`, as the JSON string it stands for. The AWS CLI's JMESPath
// (Python's jmespath, lexer.py) accepts that older form, reading the text
// as a string once JSON fails, and scripts use it
// (Certificates[?Status==`Inactive`]); go-jmespath refuses it. Raw strings
// ('...') and quoted identifiers ("...") are copied as they are.
func legacyLiterals(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			end, ok := closing(s, i+1, c)
			if !ok {
				b.WriteString(s[i:]) // unterminated: the compiler reports it
				return b.String()
			}
			if c != '`' {
				b.WriteString(s[i:end])
				i = end - 1
				continue
			}
			text := strings.ReplaceAll(s[i+1:end-1], "\\`", "`")
			if json.Valid([]byte(text)) {
				b.WriteString(s[i:end])
			} else {
				quoted, _ := json.Marshal(strings.TrimLeft(text, " \t\r\n"))
				b.WriteString("`" + strings.ReplaceAll(string(quoted), "`", "\\`") + "`")
			}
			i = end - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// closing returns the index just past the quote q that closes the token
// starting before from, skipping backslash escapes, and whether one does.
func closing(s string, from int, q byte) (int, bool) {
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1, true
		}
	}
	return len(s), false
}
