package iammodel

// Where the model and the library's local checks (validate, which parses
// with crypto/x509) judge a certificate differently, each case by name,
// with the evidence for the side the model takes. TestOracleBodies counts
// the random bodies that fall in these cases.
//
// The model checks RFC 5280's structure and the validity window, and
// decodes RSA keys; it does not judge what strings, curves and extension
// values contain. Go's parser judges them, and ignores some data where the
// structure has no room for it.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/iamkit/signingcert/validate"
)

// divergentCert builds a P-256 certificate valid now, lets edit change its
// TBSCertificate's fields, signs the result, and appends tail inside the
// outer SEQUENCE.
func divergentCert(t *testing.T, edit func(fields []asn1.RawValue) []asn1.RawValue, tail []byte) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "divergence"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var outer struct {
		TBS    asn1.RawValue
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		t.Fatal(err)
	}
	fields, err := elements(outer.TBS.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	fields = edit(fields)
	var tbsBody []byte
	for _, f := range fields {
		tbsBody = append(tbsBody, f.FullBytes...)
	}
	tbs := mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: tbsBody})
	sum := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	body := append(append(tbs, outer.SigAlg.FullBytes...), mustMarshal(t, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)})...)
	body = append(body, tail...)
	cert := mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}))
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func raw(t *testing.T, v any) asn1.RawValue {
	t.Helper()
	b := mustMarshal(t, v)
	var r asn1.RawValue
	if _, err := asn1.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// nameWith is a Name of one common name, its value encoded as given.
func nameWith(t *testing.T, value asn1.RawValue) asn1.RawValue {
	t.Helper()
	atv := mustMarshal(t, struct {
		OID   asn1.ObjectIdentifier
		Value asn1.RawValue
	}{asn1.ObjectIdentifier{2, 5, 4, 3}, value})
	set := mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: atv})
	return raw(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: set})
}

// tbs field positions in a v3 certificate from x509.CreateCertificate.
const (
	fSerial  = 1
	fIssuer  = 3
	fSubject = 5
	fSPKI    = 6
	fExts    = 7
)

func setField(i int, v asn1.RawValue) func([]asn1.RawValue) []asn1.RawValue {
	return func(f []asn1.RawValue) []asn1.RawValue { f[i] = v; return f }
}

func TestDivergences(t *testing.T) {
	keep := func(f []asn1.RawValue) []asn1.RawValue { return f }
	printable := func(s string) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagPrintableString, Bytes: []byte(s)}
	}
	// secp256k1's generator point: a real point (private key 1).
	secpG, _ := new(big.Int).SetString("0479BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8", 16)
	cases := []struct {
		name string
		body func(t *testing.T) string
		// modelAccepts is the model's verdict; validate's is the opposite.
		modelAccepts bool
		evidence     string
	}{
		// Go refuses, the model accepts. IAM is not known to refuse any of
		// these (IAM-FACTS.md, "Parsers"); OpenSSL and Java parse them, and
		// refusing them would fail code that IAM serves. Evidence that IAM
		// accepts them is missing too: these are the cases to record against
		// the real service when one is at hand.
		{"negative serial number", func(t *testing.T) string {
			return divergentCert(t, setField(fSerial, raw(t, big.NewInt(-42))), nil)
		}, true, "RFC 5280 §4.1.2.2 asks for positive serials but tells parsers to handle negative ones gracefully; Go refuses them since 1.23 (x509negativeserial), OpenSSL accepts"},
		{"PrintableString with '_'", func(t *testing.T) string {
			return divergentCert(t, setField(fSubject, nameWith(t, printable("a_b"))), nil)
		}, true, "X.680 excludes '_' from PrintableString, yet such names are common in the wild; Go refuses, OpenSSL accepts"},
		{"PrintableString with '@'", func(t *testing.T) string {
			return divergentCert(t, setField(fSubject, nameWith(t, printable("ops@example.com"))), nil)
		}, true, "as '_'"},
		{"UniversalString name", func(t *testing.T) string {
			u := asn1.RawValue{Class: asn1.ClassUniversal, Tag: 28, Bytes: []byte{0, 0, 0, 'a', 0, 0, 0, 'b'}}
			return divergentCert(t, setField(fSubject, nameWith(t, u)), nil)
		}, true, "a DirectoryString choice of RFC 5280 §4.1.2.4; Go's parser does not support it"},
		{"URI SAN that does not parse", func(t *testing.T) string {
			san := mustMarshal(t, []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte("http://%zz")}})
			ext := mustMarshal(t, []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san}})
			exts := raw(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 3, IsCompound: true, Bytes: ext})
			return divergentCert(t, setField(fExts, exts), nil)
		}, true, "the value of a non-critical extension; Go refuses the whole certificate"},
		{"secp256k1 key", func(t *testing.T) string {
			spki := mustMarshal(t, struct {
				Alg struct{ Alg, Curve asn1.ObjectIdentifier }
				Key asn1.BitString
			}{
				struct{ Alg, Curve asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, asn1.ObjectIdentifier{1, 3, 132, 0, 10}},
				asn1.BitString{Bytes: secpG.Bytes(), BitLength: 8 * len(secpG.Bytes())},
			})
			var r asn1.RawValue
			if _, err := asn1.Unmarshal(spki, &r); err != nil {
				t.Fatal(err)
			}
			return divergentCert(t, setField(fSPKI, r), nil)
		}, true, "a curve Go does not implement (brainpool curves likewise); the key is well-formed"},

		// The model refuses, Go accepts: data RFC 5280's structure has no
		// room for, which Go's parser skips. A strict DER parser refuses it
		// (Java: "AVA, extra bytes"); no evidence shows what IAM does, and
		// refusing never lets a test pass what IAM might refuse.
		{"data after the signature value", func(t *testing.T) string {
			return divergentCert(t, keep, []byte{0x05, 0x00})
		}, false, "Certificate ::= SEQUENCE of exactly three fields"},
		{"data after an attribute's value", func(t *testing.T) string {
			atv := mustMarshal(t, []asn1.RawValue{raw(t, asn1.ObjectIdentifier{2, 5, 4, 3}), printable("x"), raw(t, 1)})
			set := mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: atv})
			return divergentCert(t, setField(fIssuer, raw(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: set})), nil)
		}, false, "AttributeTypeAndValue ::= SEQUENCE { type, value }"},
		{"an empty list of extensions", func(t *testing.T) string {
			empty := mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true})
			return divergentCert(t, setField(fExts, raw(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 3, IsCompound: true, Bytes: empty})), nil)
		}, false, "Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension"},
	}
	now := time.Now()
	// The unedited certificate is accepted by both: the cases differ from
	// it only where they say.
	base := divergentCert(t, keep, nil)
	if _, err := judgeBody(base, now); err != nil {
		t.Fatalf("the model refuses the base certificate: %v", err)
	}
	if _, err := validate.Certificate(base, validate.CertificateOptions{CurrentTime: now}); err != nil {
		t.Fatalf("validate refuses the base certificate: %v", err)
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body(t)
			_, merr := judgeBody(body, now)
			_, verr := validate.Certificate(body, validate.CertificateOptions{CurrentTime: now})
			if (merr == nil) != tt.modelAccepts {
				t.Errorf("the model's verdict changed: %v (%s)", merr, tt.evidence)
			}
			if (verr == nil) == tt.modelAccepts {
				t.Errorf("validate's verdict changed: %v; this is no longer a divergence", verr)
			}
			if !tt.modelAccepts && !errors.Is(merr, errNoRoom) {
				t.Errorf("the model refuses for %v, want errNoRoom", merr)
			}
			if tt.modelAccepts && !errors.Is(verr, validate.ErrUnparsable) {
				t.Errorf("validate refuses for %v, want ErrUnparsable", verr)
			}
		})
	}
}
