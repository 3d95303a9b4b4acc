package validate_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

const bodyField = iamspec.FieldCertificateBody

func invalidAt(off int) *refusal {
	return &refusal{Field: bodyField, Reason: validate.ErrInvalidCharacter, Offset: off}
}

func tooLongAt(off int) *refusal {
	return &refusal{Field: bodyField, Reason: validate.ErrTooLong, Offset: off}
}

type bodyCase struct {
	name string
	body string
	want *refusal // nil: accepted
}

func bodyCases() []bodyCase {
	é, ÿ := "\u00e9", "\u00ff"
	cases := []bodyCase{
		{"empty", "", &refusal{Field: bodyField, Reason: validate.ErrEmpty, Offset: -1}},
		{"tab", "\t", nil},
		{"LF", "\n", nil},
		{"CR", "\r", nil},
		{"CRLF PEM-like", "-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n", nil},
		{"space", " ", nil},
		{"tilde", "~", nil},
		{"DEL", "a\x7fb", nil},
		{"U+0080", "\u0080", nil},
		{"U+009F", "\u009f", nil},
		{"U+00A0", "\u00a0", nil},
		{"é", "caf" + é, nil},
		{"ÿ U+00FF", ÿ, nil},
		{"U+0100", "ab\u0100", invalidAt(2)},
		{"€", "price: 5\u20ac", invalidAt(8)},
		{"emoji", "é😀", invalidAt(2)},
		{"BOM", "\ufeff-----BEGIN", invalidAt(0)},
		{"NUL", "a\x00b", invalidAt(1)},
		{"VT", "a\vb", invalidAt(1)},
		{"FF", "a\fb", invalidAt(1)},
		{"ESC after é", é + "\x1b", invalidAt(2)},
		{"US 0x1F", "\x1f", invalidAt(0)},
		{"lone C3 at end", "ab\xc3", invalidAt(2)},
		{"C3 then ASCII", "\xc3A", invalidAt(0)},
		{"C2 then C3", "x\xc2\xc3\xa9", invalidAt(1)},
		{"stray continuation", é + "\xa9", invalidAt(2)},
		{"overlong C0 80", "x\xc0\x80", invalidAt(1)},
		{"overlong C1 BF", "\xc1\xbf", invalidAt(0)},
		{"FF byte", "\xff", invalidAt(0)},
		{"surrogate ED A0 80", "a\xed\xa0\x80", invalidAt(1)},
		{"three-byte U+0800", "\xe0\xa0\x80", invalidAt(0)},
		{"U+10FFFF", "\U0010ffff", invalidAt(0)},
		{"bad after 8-byte word", "01234567\x00", invalidAt(8)},
		{"é across an 8-byte boundary", "0123456" + é + "\x01", invalidAt(9)},
		{"lead byte at the last byte of a word", "0123456\xc3", invalidAt(7)},
		{"lead byte at the end of a word, then ASCII", "0123456\xc3" + strings.Repeat("a", 24), invalidAt(7)},
		{"bad byte 15 in 16 of ASCII", "0123456789abcde\x00", invalidAt(15)},
		{"CR after 16 of ASCII", strings.Repeat("a", 16) + "\r\n" + strings.Repeat("b", 20), nil},
		{"16384 chars", strings.Repeat("a", 16384), nil},
		{"16385 chars", strings.Repeat("a", 16385), tooLongAt(16384)},
		{"10000 é (20000 bytes)", strings.Repeat(é, 10000), nil},
		{"16384 é (32768 bytes)", strings.Repeat(é, 16384), nil},
		{"16383 é and 2 ASCII (32768 bytes, 16385 chars)", strings.Repeat(é, 16383) + "ab", tooLongAt(32767)},
		{"16385 é", strings.Repeat(é, 16385), tooLongAt(-1)},
		{"32769 bytes of ASCII", strings.Repeat("a", 32769), tooLongAt(-1)},
		{"too long and a bad character", strings.Repeat("a", 20000) + "\x00", invalidAt(20000)},
	}
	for c := byte(0); c < 0x20; c++ {
		var want *refusal
		if c != '\t' && c != '\n' && c != '\r' {
			want = invalidAt(3)
		}
		cases = append(cases, bodyCase{fmt.Sprintf("C0 0x%02X", c), "abc" + string(c), want})
	}
	for r := rune(0x80); r <= 0x9F; r++ {
		cases = append(cases, bodyCase{fmt.Sprintf("C1 U+%04X", r), "a" + string(r), nil})
	}
	return cases
}

func TestCertificateBody(t *testing.T) {
	for _, tc := range bodyCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := validate.CertificateBody(tc.body)
			if diff := cmp.Diff(tc.want, asRefusal(got), errorOpts); diff != "" {
				t.Errorf("CertificateBody: wrong refusal (-want +got):\n%s", diff)
			}
			// The table's expectation is IAM's: the oracle must agree with it.
			if diff := cmp.Diff(tc.want, bodyOracle(tc.body), errorOpts); diff != "" {
				t.Errorf("the table disagrees with the regexp oracle (-table +oracle):\n%s", diff)
			}
			if got != nil && !validate.IsConstraint(got) {
				t.Errorf("IsConstraint(%v) = false", got)
			}
		})
	}
}

func TestCertificateBodyHuge(t *testing.T) {
	body := strings.Repeat("A", 100<<20)
	err := validate.CertificateBody(body)
	if diff := cmp.Diff(tooLongAt(-1), asRefusal(err), errorOpts); diff != "" {
		t.Errorf("100 MiB body (-want +got):\n%s", diff)
	}
}

// TestCertificateBodyNoEcho: a refusal's message names the problem, never the
// body, whatever the reason.
func TestCertificateBodyNoEcho(t *testing.T) {
	const marker = "ZQXJ-SECRET-MARKER"
	for _, body := range []string{
		marker + "\x00",
		marker + "\u0100",
		marker + "\xc3",
		"\x01" + marker,
		strings.Repeat(marker, 16384/len(marker)+1),
		strings.Repeat(marker, 32768/len(marker)+1),
	} {
		err := validate.CertificateBody(body)
		if err == nil {
			t.Fatalf("CertificateBody(%.30q...) accepted it", body)
		}
		if msg := err.Error(); strings.Contains(msg, "ZQXJ") {
			t.Errorf("message quotes the body: %s", msg)
		}
	}
}

// TestCertificateBodyMessages: messages carry the reason, the character and
// the offset, so that a user can find the problem without the body.
func TestCertificateBodyMessages(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string
	}{
		{"ab\u0100", []string{"CertificateBody", "character not allowed", "U+0100", "byte offset 2"}},
		{"a\xffb", []string{"byte 0xFF is not valid UTF-8", "byte offset 1"}},
		{strings.Repeat("a", 16385), []string{"too long", "16385 characters", "16384", "byte offset 16384"}},
		{"", []string{"CertificateBody", "empty"}},
	} {
		msg := validate.CertificateBody(tc.body).Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("message %q lacks %q", msg, w)
			}
		}
	}
	var e *validate.Error
	if err := validate.CertificateBody("x\x00"); !errors.As(err, &e) || !errors.Is(err, validate.ErrInvalidCharacter) {
		t.Errorf("refusal %v is not an *Error reaching ErrInvalidCharacter", err)
	}
}

// TestScanBodyAgreesWithReference runs the fast scanner and its
// one-character-at-a-time reference over every short string built from the
// bytes that matter, at every alignment.
func TestScanBodyAgreesWithReference(t *testing.T) {
	alphabet := []byte{'a', '\t', '\n', '\r', 0x00, 0x1f, 0x7f, 0x80, 0xa9, 0xbf, 0xc0, 0xc2, 0xc3, 0xc4, 0xe0, 0xed, 0xff}
	check := func(s string) {
		t.Helper()
		n, bad := validate.ScanBody(s)
		wn, wbad := validate.RefScanBody(s)
		if n != wn || bad != wbad {
			t.Fatalf("scanBody(%q) = %d, %d; reference says %d, %d", s, n, bad, wn, wbad)
		}
		if bad < 0 && n != utf8.RuneCountInString(s) {
			t.Fatalf("scanBody(%q) counts %d characters, utf8 counts %d", s, n, utf8.RuneCountInString(s))
		}
	}
	// Every string of up to 3 bytes from the alphabet, placed at each offset
	// 0..17 of a run of allowed characters (ASCII or é), so that it lands on
	// every position of one and two 8-byte words.
	var buf []byte
	for _, fill := range []string{"a", "\u00e9"} {
		for pre := 0; pre < 18; pre++ {
			prefix := strings.Repeat(fill, pre)
			for n := 1; n <= 3; n++ {
				idx := make([]int, n)
				for {
					buf = append(buf[:0], prefix...)
					for _, i := range idx {
						buf = append(buf, alphabet[i])
					}
					check(string(buf))
					check(string(buf) + strings.Repeat(fill, 17))
					k := 0
					for k < n {
						idx[k]++
						if idx[k] < len(alphabet) {
							break
						}
						idx[k] = 0
						k++
					}
					if k == n {
						break
					}
				}
			}
		}
	}
	// Long valid runs mixing one- and two-byte characters with every
	// period, so two-byte characters straddle word boundaries in every way.
	for period := 1; period <= 17; period++ {
		var b strings.Builder
		for i := 0; i < 200; i++ {
			if i%period == 0 {
				b.WriteString("\u00e9")
			} else {
				b.WriteByte('x')
			}
		}
		check(b.String())
		check(b.String() + "\x00")
	}
}

// TestScanBodyRandom compares the fast scanner with its reference on long
// pseudo-random bodies (a fixed seed: the same bodies every run) that are
// mostly valid, mixing ASCII, LF and two-byte characters, with now and then
// one bad byte.
func TestScanBodyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Z", "/", "\n", "\u00e9", "\u0080", "\u00ff", "\t", "\r\n", "\x7f"}
	bad := []string{"\x00", "\x1f", "\xc3", "\xa9", "\xc4\x80", "\xff", "\u20ac", "\xc0\x80"}
	var b strings.Builder
	for range 20000 {
		b.Reset()
		n := rng.IntN(300)
		for range n {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if rng.IntN(2) == 0 {
			s := b.String()
			at := rng.IntN(len(s) + 1)
			b.Reset()
			b.WriteString(s[:at] + bad[rng.IntN(len(bad))] + s[at:])
		}
		s := b.String()
		n0, bad0 := validate.ScanBody(s)
		n1, bad1 := validate.RefScanBody(s)
		if n0 != n1 || bad0 != bad1 {
			t.Fatalf("scanBody(%q) = %d, %d; reference says %d, %d", s, n0, bad0, n1, bad1)
		}
	}
}
