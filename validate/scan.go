package validate

// scanBody counts the characters of s and finds the byte offset of the first
// character outside IAM's body pattern [\u0009\u000A\u000D\u0020-\u00FF], or
// -1 if there is none. Invalid UTF-8 is outside the pattern.
//
// The allowed characters are tab, LF, CR, the bytes 0x20-0x7F, and the
// two-byte sequences C2 80-BF and C3 80-BF (U+0080-U+00FF).
func scanBody(s string) (chars, bad int) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x80, c == '\t', c == '\n', c == '\r':
			i++
		case (c == 0xC2 || c == 0xC3) && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			i += 2
		default:
			return chars, i
		}
		chars++
	}
	return chars, -1
}
