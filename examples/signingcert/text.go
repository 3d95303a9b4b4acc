package main

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// writeAWSText prints v, a document in generic form, in the AWS CLI's text
// layout (awscli/text.py), which scripts written for the AWS CLI parse:
//
//   - an object prints its scalar values on one line, in sorted key order,
//     after the upper-cased key it was found under; then each list or
//     object member, under its own key;
//   - a list of objects prints one line per object, with the scalar keys of
//     all of them (a missing one is empty);
//   - a list of scalars prints them tab-separated, or one per line after
//     the key;
//   - a scalar prints itself.
//
// Values are printed as the AWS CLI prints them (True, False, None), except
// that control, bidi and other invisible characters are escaped (\x1b,
// \u202e): only a newline inside a value, such as a PEM body, is kept, as
// the AWS CLI prints it (testdata/aws-cli/list.txt).
func writeAWSText(w io.Writer, v any) error {
	bw := bufio.NewWriter(w)
	formatText(bw, v, "", nil)
	return bw.Flush()
}

func formatText(w *bufio.Writer, v any, id string, scalarKeys []string) {
	switch t := v.(type) {
	case map[string]any:
		formatDict(w, t, id, scalarKeys)
	case []any:
		formatList(w, t, id)
	default:
		w.WriteString(textScalar(t))
		w.WriteByte('\n')
	}
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func formatList(w *bufio.Writer, l []any, id string) {
	if len(l) == 0 {
		return
	}
	var hasDict, hasList bool
	for _, e := range l {
		switch e.(type) {
		case map[string]any:
			hasDict = true
		case []any:
			hasList = true
		}
	}
	switch {
	case hasDict:
		keys := allScalarKeys(l)
		for _, e := range l {
			formatText(w, e, id, keys)
		}
	case hasList:
		var scalars, others []any
		for _, e := range l {
			if isScalar(e) {
				scalars = append(scalars, e)
			} else {
				others = append(others, e)
			}
		}
		if len(scalars) > 0 {
			formatScalarList(w, scalars, id)
		}
		for _, e := range others {
			formatText(w, e, id, nil)
		}
	default:
		formatScalarList(w, l, id)
	}
}

func formatScalarList(w *bufio.Writer, l []any, id string) {
	if id != "" {
		for _, e := range l {
			w.WriteString(strings.ToUpper(id) + "\t" + textScalar(e) + "\n")
		}
		return
	}
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = textScalar(e)
	}
	w.WriteString(strings.Join(parts, "\t") + "\n")
}

func formatDict(w *bufio.Writer, m map[string]any, id string, scalarKeys []string) {
	var (
		scalars []string
		others  []string // keys of the lists and objects
	)
	if scalarKeys == nil {
		keys := sortedKeys(m)
		for _, k := range keys {
			if isScalar(m[k]) {
				scalars = append(scalars, textScalar(m[k]))
			} else {
				others = append(others, k)
			}
		}
	} else {
		in := map[string]bool{}
		for _, k := range scalarKeys {
			in[k] = true
			if v, ok := m[k]; ok {
				scalars = append(scalars, textScalar(v))
			} else {
				scalars = append(scalars, "")
			}
		}
		for _, k := range sortedKeys(m) {
			if !in[k] {
				others = append(others, k)
			}
		}
	}
	if len(scalars) > 0 {
		if id != "" {
			scalars = append([]string{strings.ToUpper(id)}, scalars...)
		}
		w.WriteString(strings.Join(scalars, "\t") + "\n")
	}
	for _, k := range others {
		formatText(w, m[k], k, nil)
	}
}

func allScalarKeys(l []any) []string {
	seen := map[string]bool{}
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			for k, v := range m {
				if isScalar(v) {
					seen[k] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// textScalar prints a scalar as Python's str() does for the AWS CLI.
func textScalar(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case float64:
		if t == float64(int64(t)) {
			return strconv.FormatInt(int64(t), 10)
		}
		return pythonFloat(t)
	case string:
		return escapeText(t, true)
	default:
		return escapeText(fmt.Sprint(t), true)
	}
}

// pythonFloat prints a non-integral number as Python's repr() does: the
// shortest digits that read back the same, in positional notation unless
// the decimal exponent is below -4 or 16 and above, where it is
// scientific with at least two exponent digits ("1e-05", "1.5e+16").
// Go's 'g' switches to scientific from 1e+06 already: the AWS CLI v2
// prints 1234567.25 where 'g' gives 1.23456725e+06
// (testdata/aws-cli/query-numbers.txt).
func pythonFloat(f float64) string {
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	exp, err := strconv.Atoi(sci[strings.LastIndexByte(sci, 'e')+1:])
	if err != nil || exp < -4 || exp >= 16 {
		return sci
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
