package validate

import "math/bits"

// scanBody counts the characters of s and finds the byte offset of the first
// character outside IAM's body pattern [\u0009\u000A\u000D\u0020-\u00FF], or
// -1 if there is none. Invalid UTF-8 is outside the pattern. When it finds
// one, chars counts the characters before it.
//
// The allowed characters are tab, LF, CR, the bytes 0x20-0x7F, and the
// two-byte sequences C2 80-BF and C3 80-BF (U+0080-U+00FF).
//
// It reads 8 bytes at a time as a little-endian uint64 (byte k of the word is
// s[i+k], at bits 8k..8k+7) and classifies all 8 at once with SWAR
// arithmetic: each mask below has bit 7 of byte k set when byte k is in the
// class. Runs of printable ASCII and LF, most of a PEM body, go 16 bytes a
// step at a few operations a word; any other word is classified whole, its
// two-byte characters paired up with masks (a lead byte C2/C3 at byte k must
// have a continuation at byte k+1, carried into the next word from byte 7).
// The first error is the lowest marked byte, and it is the byte a UTF-8
// decoder stops at. refScanBody, in the tests, is the definition it is
// checked against, and the fuzzers compare the two.
func scanBody(s string) (chars, bad int) {
	var (
		carry uint64 // 0x80 when s[i-1] is a lead byte awaiting its continuation
		hi    uint64 // the high bits of the last word; 0 also means carry is 0
	)
	i := 0
	for i+8 <= len(s) {
		// Printable ASCII and LF, most of a PEM body: 16 bytes a step, while
		// the text stays ASCII. (The masks of the second word move to bit 6
		// of each byte, clear of the first word's bit 7.)
		for hi == 0 && i+16 <= len(s) {
			w, v := load64(s, i), load64(s, i+8)
			if (w|v)&high != 0 {
				break
			}
			if c := below20(w) | below20(v)>>1; c != 0 && c&^(zeros(w^'\n'*ones)|zeros(v^'\n'*ones)>>1) != 0 {
				break
			}
			chars += 16
			i += 16
		}
		if i+8 > len(s) {
			break
		}
		// One word of anything, each byte classified.
		w := load64(s, i)
		hi = w & high
		// classify's checks, inline: the compiler does not inline classify,
		// and a call per word costs as much as the work.
		var b uint64
		if ctrl := below20(w); ctrl != 0 {
			b = ctrl &^ allowedControls(w)
		}
		cont := hi &^ (w << 1)
		top2 := hi ^ cont                                       // 11xxxxxx
		lead := top2 &^ (w&(0x3E*ones) ^ 0x02*ones + 0x7F*ones) // 1100001x: C2, C3
		want := lead<<8 | carry
		if b|top2&^lead|(cont^want) != 0 {
			return wordError(w, carry, i, chars)
		}
		chars += 8 - bits.OnesCount64(cont)
		carry = lead >> 56
		i += 8
	}
	if i == len(s) && carry == 0 {
		return chars, -1
	}
	// The last 0-7 bytes, padded with spaces: a space is allowed, and ends a
	// lead byte's sequence as an error at the lead, as the end of s does.
	w := uint64(spaces)
	for k := 0; i+k < len(s); k++ {
		w = w&^(0xFF<<(8*k)) | uint64(s[i+k])<<(8*k)
	}
	b, cont, _, leadBefore := classify(w, carry)
	if b != 0 || leadBefore {
		return wordError(w, carry, i, chars)
	}
	return chars + len(s) - i - bits.OnesCount64(cont), -1
}

// wordError returns scanBody's result for a word w at offset i that holds an
// error (or whose first byte fails the lead byte before it), chars being the
// count of characters before the word.
func wordError(w, carry uint64, i, chars int) (int, int) {
	b, cont, _, leadBefore := classify(w, carry)
	if leadBefore {
		return chars - 1, i - 1 // the lead byte before w started no character
	}
	p := bits.TrailingZeros64(b) >> 3
	return chars + p - bits.OnesCount64(cont&(1<<(8*p)-1)), i + p
}

const (
	ones   = 0x0101010101010101
	low7   = 0x7F7F7F7F7F7F7F7F
	high   = 0x8080808080808080
	spaces = 0x20 * ones
)

// load64 returns s[i:i+8] as a little-endian uint64. The compiler turns the
// shifts into one 8-byte load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeros marks the bytes of x that are zero. It is exact for every byte: the
// sum (x&0x7F)+0x7F never carries into the next byte.
func zeros(x uint64) uint64 {
	return ^((x&low7 + low7) | x) & high
}

// below20 marks the bytes of w below 0x20. (b&0x7F)+0x60 reaches 0x80 exactly
// when b&0x7F >= 0x20 and never carries into the next byte; a byte with its
// high bit set is not below 0x20.
func below20(w uint64) uint64 {
	return ^((w&low7 + 0x60*ones) | w) & high
}

// allowedControls marks the bytes of w that are tab, LF or CR.
func allowedControls(w uint64) uint64 {
	return zeros(w^'\t'*ones) | zeros(w^'\n'*ones) | zeros(w^'\r'*ones)
}

// classify checks the 8 bytes of w, the byte before which is a lead byte
// awaiting its continuation if carry is 0x80. It returns the bytes that are
// errors (each one is the start of a character outside the pattern, given
// that the bytes before it are not), the continuation bytes, the carry for the
// next word, and leadBefore: the byte before w is a lead byte that w does not
// continue, an error before every byte of w.
func classify(w, carry uint64) (bad, cont, next uint64, leadBefore bool) {
	hi := w & high
	if ctrl := below20(w); ctrl != 0 {
		bad = ctrl &^ allowedControls(w)
	}
	cont = hi &^ (w << 1) // 10xxxxxx: bit 6, shifted to bit 7, is clear
	top2 := hi ^ cont     // 11xxxxxx
	// Of those, C2 and C3 are 1100001x: bits 5-1 are 00001. The sum of at
	// most 0x3E and 0x7F stays inside its byte.
	lead := top2 &^ (w&(0x3E*ones) ^ 0x02*ones + 0x7F*ones)
	bad |= top2 &^ lead     // C0, C1, C4-FF: never allowed
	want := lead<<8 | carry // where a continuation must be
	missing := want &^ cont
	bad |= cont&^want | missing>>8 // a continuation without its lead; a lead without its continuation
	return bad, cont, lead >> 56, missing&0x80 != 0
}
