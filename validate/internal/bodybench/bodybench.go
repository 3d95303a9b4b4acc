// Package bodybench holds the bodies validate's body-check benchmarks run
// on, shared by validate's benchmarks and the bodyratio program so both
// measure the same thing.
package bodybench

import "strings"

// Size is the length, in bytes, of every benchmark body: 16 KiB.
const Size = 16 << 10

// ASCIIPEM returns a PEM-like body of Size bytes: a CERTIFICATE block of
// 64-character base64 lines, as real bodies are.
func ASCIIPEM() string {
	const (
		head = "-----BEGIN CERTIFICATE-----\n"
		foot = "-----END CERTIFICATE-----\n"
		b64  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	)
	var b strings.Builder
	b.WriteString(head)
	for i := 0; b.Len() < Size-len(foot); i++ {
		b.WriteByte(b64[(i*37+i/64)%64])
		if i%64 == 63 {
			b.WriteByte('\n')
		}
	}
	s := b.String()[:Size-len(foot)-1] + "\n" + foot
	if len(s) != Size {
		panic("bodybench: wrong size")
	}
	return s
}

// Latin1 returns a body of Size bytes made of two-byte characters only,
// U+0080 to U+00FF in turn.
func Latin1() string {
	var b strings.Builder
	for r := rune(0); b.Len() < Size; r++ {
		b.WriteRune(0x80 + r%0x80)
	}
	return b.String()
}

// Bodies lists the benchmark bodies by name.
func Bodies() []Body {
	return []Body{{"ascii-pem", ASCIIPEM()}, {"latin1", Latin1()}}
}

// Body is a named benchmark body.
type Body struct {
	Name string
	Text string
}
