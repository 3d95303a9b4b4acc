package iammodel

import (
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
)

func TestReadTimeFollowsRFC5280(t *testing.T) {
	utc := func(s string) asn1.RawValue { return asn1.RawValue{Tag: asn1.TagUTCTime, Bytes: []byte(s)} }
	gen := func(s string) asn1.RawValue { return asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(s)} }
	for _, tt := range []struct {
		v    asn1.RawValue
		want time.Time
	}{
		{utc("491231235959Z"), time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)},
		{utc("500101000000Z"), time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)}, // YY >= 50 is 19YY
		{utc("960229120000Z"), time.Date(1996, 2, 29, 12, 0, 0, 0, time.UTC)},
		{gen("20500101000000Z"), time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := readTime(tt.v)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("readTime(%s) = %v, %v; want %v", tt.v.Bytes, got, err, tt.want)
		}
	}
	for _, v := range []asn1.RawValue{utc("5001010000Z"), utc("500101000000+0100"), gen("205001010000Z"),
		utc("501301000000Z"), {Tag: asn1.TagPrintableString, Bytes: []byte("500101000000Z")}} {
		if _, err := readTime(v); err == nil {
			t.Errorf("readTime(tag %d %q) accepted", v.Tag, v.Bytes)
		}
	}
}

func TestDecodePEMAsIAMReadsIt(t *testing.T) {
	c := certgen.Valid()
	for _, tt := range []struct {
		name string
		body string
		ok   bool
	}{
		{"plain", c.PEM, true},
		{"CRLF", c.CRLF(), true},
		{"whitespace around", "\n \t" + c.PEM + "\n\n", true},
		{"text before (aws-cli 715)", c.TextBefore(), false},
		{"a header", strings.Replace(c.PEM, "-----\n", "-----\nComment: x\n\n", 1), false},
		{"a chain", c.ChainOfTwo(), false},
		{"a key after", c.WithKeyAppended(), false},
		{"text after", c.PEM + "x", false},
		{"another type", strings.ReplaceAll(c.PEM, "CERTIFICATE", "X509 CRL"), false},
		{"truncated", c.PEM[:len(c.PEM)-30], false},
		{"DER", c.DERBody(), false},
	} {
		_, err := decodePEM(tt.body)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want accepted %v", tt.name, err, tt.ok)
		}
	}
}
