package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isBidi reports the Unicode bidirectional formatting characters: a file
// name or subject holding U+202E (right-to-left override) would otherwise
// print reversed text on a terminal ("Trojan Source", CVE-2021-42574).
func isBidi(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f',
		r >= '\u202a' && r <= '\u202e',
		r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// escapeText makes s safe to print on a terminal: C0 and C1 control
// characters, DEL, bidi formatting characters, the line and paragraph
// separators and bytes that are not UTF-8 are written as Go escapes (\x1b,
// \t, \u202e), so a value can neither move the cursor, recolour the
// terminal, reorder the line nor break a row. keepNewline keeps "\n", for
// the AWS CLI's text layout of a PEM body.
func escapeText(s string, keepNewline bool) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) && !(keepNewline && r == '\n') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepNewline && r == '\n':
			b.WriteByte('\n')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || isBidi(r) || r == '\u2028' || r == '\u2029'
}

// oneLine makes s safe for one line of a message or the table: everything
// escapeText escapes, newlines included.
func oneLine(s string) string { return escapeText(s, false) }

// maxQuoted is the most characters of a user's argument a message repeats:
// enough to recognise it, too few to leak a key or a secret pasted in its
// place.
const maxQuoted = 16

// quoteShort quotes at most maxQuoted characters of a literal argument for a
// message, Go-quoted so that every character is visible, with "…" when it
// was cut.
func quoteShort(s string) string {
	s, cut := cutShort(s)
	q := strconv.Quote(s)
	for _, r := range s {
		if isBidi(r) {
			q = strconv.QuoteToASCII(s)
			break
		}
	}
	if cut {
		q += "…"
	}
	return q
}

// cutShort returns the first maxQuoted characters of s, and whether that
// cut anything.
func cutShort(s string) (string, bool) {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return s, false
	}
	return string([]rune(s)[:maxQuoted]), true
}

// printable is a name (a file, a path as written) for a message: as it is
// if every character is printable and not bidi, else Go-quoted. Names are
// the user's own and printed whole, unlike arguments that may be secrets.
func printable(s string) string {
	for _, r := range s {
		// An invalid byte ranges as U+FFFD, which IsPrint accepts.
		if !unicode.IsPrint(r) || isBidi(r) || r == utf8.RuneError {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}
