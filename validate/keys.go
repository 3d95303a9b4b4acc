package validate

import (
	"bytes"
	"encoding/base64"
	"strings"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// NoPrivateKey refuses a body that holds private key material in any common
// form: a certificate body never holds one, and IAM echoes the body of a
// refused certificate in its error message, so a key sent is a key leaked
// into logs.
//
// It finds, anywhere in the body:
//   - PEM armour naming a private or secret key, in any case and with any
//     spacing (-----begin rsa  private key-----), OpenSSH, PGP and PuTTY
//     (.ppk) keys, and the DEK-Info header of a legacy encrypted key;
//   - a JSON Web Key with its private member "d";
//   - a key under another label (a PKCS#1, PKCS#8, SEC1, DSA, encrypted
//     PKCS#8, PKCS#12, OpenSSH or PGP key in a CERTIFICATE block, or bare
//     base64 with no armour): every long run of base64 is decoded and its
//     structure looked at;
//   - base64 of any of the above, as a Kubernetes Secret stores a key, up to
//     two encodings deep.
//
// The refusal is an *Error with Reason ErrPrivateKey whose Offset is the
// start of the line where the key begins (its BEGIN line when it has one);
// it never contains the key.
func NoPrivateKey(body string) error {
	if at := findKey(body, 0); at >= 0 {
		return refuse(iamspec.FieldCertificateBody, ErrPrivateKey, at,
			"key material must never be sent; upload the certificate alone and keep its key")
	}
	return nil
}

// maxKeyDepth is how many base64 encodings deep findKey looks: 2 finds the
// base64 of a Secret's value that is itself base64 of a PEM key.
const maxKeyDepth = 2

// minKeyRun is the fewest base64 characters a key can take: an Ed25519 key in
// PKCS#8, the smallest in common use, is 48 bytes. Shorter runs (words of
// prose, armour labels) are not decoded.
const minKeyRun = 64

// findKey returns the offset in s of the line where key material starts, or
// -1. depth counts the base64 encodings already removed.
func findKey(s string, depth int) int {
	if at := findMarker(s); at >= 0 {
		return keyLineStart(s, at)
	}
	if len(s) > 0 && isKeyBinary(s) {
		return 0
	}
	if depth >= maxKeyDepth {
		return -1
	}
	return findEncodedKey(s, depth)
}

// findMarker returns the offset of the first text that only key material
// carries, or -1. It is one pass over s, comparing without regard to case.
func findMarker(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] | 0x20 {
		case 'p':
			// PRIVATE KEY in any armour (RSA, EC, DSA, PKCS#8, ENCRYPTED,
			// OPENSSH, PGP ... BLOCK, SSH2), JSON's "privateKey"; PuTTY's
			// header and its Private-Lines.
			if phraseAt(s, i, "private", "key") || foldPrefix(s[i:], "putty-user-key-file") || foldPrefix(s[i:], "private-lines:") {
				return i
			}
		case 's':
			if phraseAt(s, i, "secret", "key") { // PGP's older SECRET KEY BLOCK
				return i
			}
		case 'o':
			if foldPrefix(s[i:], "openssh-key-v1") {
				return i
			}
		case 'd':
			if foldPrefix(s[i:], "dek-info:") || s[i] == 'd' && jwkPrivate(s, i) {
				return i
			}
		}
	}
	return -1
}

// phraseAt reports whether s at i holds the words a and b, compared without
// regard to case, separated by spaces, tabs, '_' or '-', or joined when
// nothing alphanumeric surrounds them ("privateKey" in JSON): joined words
// inside a run of letters and digits are base64, not a phrase.
func phraseAt(s string, i int, a, b string) bool {
	if !foldPrefix(s[i:], a) {
		return false
	}
	j := i + len(a)
	k := j
	for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '_' || s[k] == '-') {
		k++
	}
	if !foldPrefix(s[k:], b) {
		return false
	}
	if k > j {
		return true
	}
	end := k + len(b)
	return (i == 0 || !isAlnum(s[i-1])) && (end == len(s) || !isAlnum(s[end]))
}

// jwkPrivate reports whether the d at s[i] is a JSON member name "d" (or
// \"d\" inside a JSON string) followed by a colon: a JSON Web Key's private
// exponent or scalar.
func jwkPrivate(s string, i int) bool {
	if i == 0 || s[i-1] != '"' || i+1 >= len(s) {
		return false
	}
	j := i + 1
	if i >= 2 && s[i-2] == '\\' {
		if s[j] != '\\' {
			return false
		}
		j++
	}
	if j >= len(s) || s[j] != '"' {
		return false
	}
	for j++; j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'); j++ {
	}
	return j < len(s) && s[j] == ':'
}

// foldPrefix reports whether s begins with lower, an ASCII lower-case
// string, compared without regard to case.
func foldPrefix(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for k := 0; k < len(lower); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[k] {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}

// keyLineStart returns where the key found at offset at begins: the start of
// its line, or of the armour's dashes when the line holds text before them.
func keyLineStart(s string, at int) int {
	ls := strings.LastIndexAny(s[:at], "\r\n") + 1
	if d := indexDashes(s[ls:at]); d >= 0 {
		return ls + d
	}
	return ls
}

func indexDashes(s string) int {
	for i := 0; i+5 <= len(s); i++ {
		if s[i:i+5] == "-----" {
			return i
		}
	}
	return -1
}

// findEncodedKey decodes each run of base64 in s at least minKeyRun
// characters long and looks for a key in what it holds. A run is base64
// characters and the whitespace between its lines; it ends at any other
// byte and after '=' padding.
//
// An encoding may start at any piece of a run (a piece follows whitespace):
// "data LS0tLS1CRUdJTi...", or a key's base64 on the line after a
// certificate's. So the run is decoded once per alignment its pieces start
// at (at most four), and what starts at each piece is looked at: a key in a
// binary form at that point, or text that holds one.
func findEncodedKey(s string, depth int) int {
	var (
		buf    []byte
		pieces []piece
	)
	for i := 0; i < len(s); {
		if !isBase64[s[i]] || s[i] == '=' {
			i++
			continue
		}
		start := i
		buf, pieces = buf[:0], append(pieces[:0], piece{0, start})
		for ; i < len(s); i++ {
			c := s[i]
			if isBase64[c] {
				if c == '=' {
					for i < len(s) && s[i] == '=' {
						buf = append(buf, '=')
						i++
					}
					break
				}
				if i > start && isSpace(s[i-1]) {
					pieces = append(pieces, piece{len(buf), i})
				}
				buf = append(buf, c)
				continue
			}
			if !isSpace(c) {
				break
			}
		}
		if len(buf) < minKeyRun {
			continue
		}
		if at := keyInRun(buf, pieces, depth); at >= 0 {
			return keyRunStart(s, at)
		}
	}
	return -1
}

// piece is where a piece of a run starts: in the run without its
// whitespace, and in the text.
type piece struct{ enc, at int }

// keyInRun returns the text offset of the piece where a key encoded in the
// run enc starts, or -1.
func keyInRun(enc []byte, pieces []piece, depth int) int {
	var done [4]bool
	for k, first := range pieces {
		r := first.enc % 4
		if done[r] {
			continue
		}
		done[r] = true
		dec := string(decodeLenient(enc[first.enc:]))
		// What starts at a piece is read as text if it starts as text: a
		// key's PEM after a certificate's DER, say. But not inside a
		// certificate's DER where the run starts: its names may say
		// anything ("Private Key Services").
		recursed, derEnd, nth := false, 0, 0
		for _, p := range pieces[k:] {
			if p.enc%4 != r {
				continue
			}
			nth++
			off := (p.enc - first.enc) / 4 * 3
			if off >= len(dec) {
				break
			}
			seg := dec[off:]
			// A key's DER is looked for at every piece: its structure is
			// too precise to occur by chance. The other binary forms only
			// where the run starts (or after a word, "data MIIB..."): a
			// PGP packet header is a few bytes that a certificate's DER
			// holds at a line's start once in many thousand certificates.
			start := nth <= 2
			if seg[0] == 0x30 && isKeyDER(seg) || start && isKeyBinary(seg) {
				return p.at
			}
			if off < derEnd {
				continue
			}
			if start {
				if n := certificateShape(seg); n > 0 {
					derEnd = off + n
					continue
				}
			}
			if head := seg[:min(len(seg), 64)]; !recursed && nonText(head)*16 <= len(head) {
				recursed = true
				if findKey(seg, depth+1) >= 0 {
					return p.at
				}
			}
		}
	}
	return -1
}

// decodeLenient decodes enc, base64 with '=' padding or without, as far as
// it is valid.
func decodeLenient(enc []byte) []byte {
	enc = bytes.TrimRight(enc, "=")
	if len(enc)%4 == 1 {
		enc = enc[:len(enc)-1]
	}
	dec := make([]byte, base64.RawStdEncoding.DecodedLen(len(enc)))
	n, err := base64.RawStdEncoding.Decode(dec, enc)
	if ce, ok := err.(base64.CorruptInputError); ok {
		// Keep what decoded before the first bad quantum.
		n = min(int(ce)/4*3, n)
	}
	return dec[:n]
}

// keyRunStart returns the offset to report for a key encoded from offset at:
// the start of its line, or of the armour line just before it.
func keyRunStart(s string, at int) int {
	ls := strings.LastIndexAny(s[:at], "\r\n") + 1
	if firstNonSpace(s[ls:at]) >= 0 {
		return ls
	}
	// Only whitespace before it on its line: if the line before is armour
	// (-----BEGIN ...-----), report that line.
	prev := ls - 1
	for prev >= 0 && isSpace(s[prev]) {
		prev--
	}
	if prev >= 0 && s[prev] == '-' {
		pls := strings.LastIndexAny(s[:prev], "\r\n") + 1
		if d := indexDashes(s[pls : prev+1]); d >= 0 {
			return pls + d
		}
	}
	return ls
}

// nonText counts the bytes of b outside printable ASCII and whitespace.
// Text has at most one in 16 (a few may come from words decoded with the
// encoding).
func nonText(b string) int {
	bad := 0
	for _, c := range []byte(b) {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c > 0x7E {
			bad++
		}
	}
	return bad
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

var isBase64 = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=" {
		t[c] = true
	}
	return t
}()

// isKeyBinary reports whether b starts with a private key in a binary
// encoding: DER (see isKeyDER), OpenSSH's format, or a PGP secret key packet.
func isKeyBinary(b string) bool {
	switch b[0] {
	case 0x30:
		return isKeyDER(b)
	case 'o':
		return len(b) >= 15 && b[:15] == "openssh-key-v1\x00"
	}
	return isPGPSecretKey(b)
}

// OID prefixes, as DER bytes with the OBJECT IDENTIFIER tag and length.
const (
	oidPKCS5  = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05"     // 1.2.840.113549.1.5: PBES1, PBES2
	oidPKCS12 = "\x06\x0a\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01" // 1.2.840.113549.1.12.1: PKCS#12 PBE
	oidPKCS7  = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07"     // 1.2.840.113549.1.7: PKCS#7 content types
)

// isKeyDER reports whether b starts with the DER of a private key:
//   - PKCS#1 RSA (version 0 or 1, then INTEGER) and OpenSSL's DSA key (the
//     same shape);
//   - SEC1 EC (version 1, then OCTET STRING);
//   - PKCS#8 / RFC 5958 (version 0 or 1, AlgorithmIdentifier, OCTET STRING);
//   - encrypted PKCS#8 (a PBES1, PBES2 or PKCS#12 AlgorithmIdentifier, then
//     OCTET STRING);
//   - PKCS#12 (version 3, then PKCS#7 ContentInfo), which holds keys.
//
// A certificate is SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }, and matches
// none of these.
func isKeyDER(b string) bool {
	tag, seq, _, ok := derTLV(b)
	if !ok || tag != 0x30 {
		return false
	}
	t1, c1, rest, ok := derTLV(seq)
	if !ok {
		return false
	}
	t2, c2, rest, ok := derTLV(rest)
	if !ok {
		return false
	}
	switch {
	case t1 == 0x02 && (c1 == "\x00" || c1 == "\x01"):
		switch t2 {
		case 0x02:
			return true
		case 0x04:
			return c1 == "\x01"
		case 0x30:
			t3, _, _, ok := derTLV(rest)
			return ok && t3 == 0x04 && len(c2) > 0 && c2[0] == 0x06
		}
	case t1 == 0x02 && c1 == "\x03" && t2 == 0x30:
		return len(c2) >= len(oidPKCS7) && c2[:len(oidPKCS7)] == oidPKCS7
	case t1 == 0x30 && t2 == 0x04:
		return len(c1) >= len(oidPKCS5) && c1[:len(oidPKCS5)] == oidPKCS5 ||
			len(c1) >= len(oidPKCS12) && c1[:len(oidPKCS12)] == oidPKCS12
	}
	return false
}

// derTLV reads one DER element from the start of b: its tag, its contents
// and what follows it. ok is false when the element is not whole or its
// length is not definite.
func derTLV(b string) (tag byte, content, rest string, ok bool) {
	if len(b) < 2 {
		return 0, "", "", false
	}
	tag = b[0]
	if tag&0x1f == 0x1f {
		return 0, "", "", false // high tag numbers: no key structure uses them
	}
	n, i := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, "", "", false
		}
		n = 0
		for _, c := range []byte(b[2 : 2+k]) {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n < 0 || n > len(b)-i {
		return 0, "", "", false
	}
	return tag, b[i : i+n], b[i+n:], true
}

// certificateShape returns the length of the certificate-shaped DER
// element b starts with, SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }, or 0.
func certificateShape(b string) int {
	tag, content, rest, ok := derTLV(b)
	if !ok || tag != 0x30 {
		return 0
	}
	for _, want := range []byte{0x30, 0x30, 0x03} {
		if tag, _, content, ok = derTLV(content); !ok || tag != want {
			return 0
		}
	}
	if len(content) > 0 {
		return 0
	}
	return len(b) - len(rest)
}

// isPGPSecretKey reports whether b starts with an OpenPGP Secret-Key packet
// (tag 5, RFC 4880 section 5.5.3 and RFC 9580): in the old or the new packet
// format, with a version from 3 to 6 and, from version 4, a public-key
// algorithm OpenPGP defines.
func isPGPSecretKey(b string) bool {
	if len(b) < 8 {
		return false
	}
	var body int
	switch c := b[0]; {
	case c&0xfc == 0x94: // old format, tag 5
		body = 1 + [4]int{1, 2, 4, 0}[c&3]
	case c == 0xc5: // new format, tag 5
		switch l := b[1]; {
		case l < 192:
			body = 2
		case l < 224:
			body = 3
		case l == 255:
			body = 6
		default:
			return false // partial lengths are not allowed for key packets
		}
	default:
		return false
	}
	if len(b) < body+6 {
		return false
	}
	alg := body + 5 // after the version and 4 bytes of creation time
	switch b[body] {
	case 3:
		alg += 2 // and 2 bytes of validity
	case 4, 5, 6:
	default:
		return false
	}
	if alg >= len(b) {
		return false
	}
	switch b[alg] {
	case 1, 2, 3, 16, 17, 18, 19, 20, 22, 25, 26, 27, 28:
		return true
	}
	return false
}
