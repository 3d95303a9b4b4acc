package validate

import "unicode/utf8"

// refScanBody is the obviously correct version of scanBody, one character at
// a time through the standard UTF-8 decoder: the fast scanBody must agree
// with it on every input.
func refScanBody(s string) (chars, bad int) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return chars, i // not valid UTF-8
		}
		if r > 0xFF || r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return chars, i
		}
		i += size
		chars++
	}
	return chars, -1
}
