package iammodel

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// This file is the model's own judgement of a certificate body: the PEM
// text as IAM is observed to read it, the RFC 5280 structure walked with
// encoding/asn1, and the validity window on the model's clock.
//
// It deliberately does not use crypto/x509's parser. IAM is not known to
// refuse certificates that OpenSSL and Java accept while Go refuses them
// (a negative serial number, secp256k1 or brainpool keys, a PrintableString
// holding '_' or '@', UniversalString names, a URI SAN that does not parse):
// evidence is missing either way, and refusing them here would let the
// fakes pass code that real IAM fails, or fail code IAM accepts. So the
// model checks the structure RFC 5280 §4.1 requires and nothing of what the
// fields contain beyond the validity dates.

// judgeBody decodes body as IAM reads it and returns the certificate's DER.
// now is the model's clock. Any refusal is MalformedCertificate, as IAM's
// documentation says ("malformed or expired", UploadSigningCertificate in
// the IAM API reference).
func judgeBody(body string, now time.Time) ([]byte, error) {
	der, err := decodePEM(body)
	if err != nil {
		return nil, err
	}
	notBefore, notAfter, err := walkCertificate(der)
	if err != nil {
		return nil, err
	}
	// A certificate whose NotBefore is in IAM's future is refused, even by a
	// minute (aws/aws-sdk-go issue 2586); an expired one too ("malformed or
	// expired", API reference). The bounds themselves count as valid, as in
	// RFC 5280 §4.1.2.5.
	if now.Before(notBefore) {
		return nil, fmt.Errorf("not valid before %s", notBefore.UTC().Format(time.RFC3339))
	}
	if now.After(notAfter) {
		return nil, fmt.Errorf("expired at %s", notAfter.UTC().Format(time.RFC3339))
	}
	return der, nil
}

const pemCertificateBegin = "-----BEGIN CERTIFICATE-----"

// decodePEM returns the DER of the one CERTIFICATE block body holds.
//   - Text before the block is refused: IAM answers MalformedCertificate
//     (aws/aws-cli issue 715). Whitespace is not text: the AWS CLI sends a
//     file's trailing newline, and uploads of such files succeed.
//   - Headers in the block, a second block, or other text after it are
//     refused too. No evidence shows how IAM treats them; refusing is the
//     reading that never lets a test pass what IAM might refuse.
func decodePEM(body string) ([]byte, error) {
	lead := len(body) - len(strings.TrimLeft(body, " \t\r\n"))
	rest := body[lead:]
	if !strings.HasPrefix(rest, pemCertificateBegin) {
		return nil, errors.New("the body does not start with a CERTIFICATE block")
	}
	block, after := pem.Decode([]byte(rest))
	if block == nil {
		return nil, errors.New("the block is truncated or its base64 is invalid")
	}
	used := len(rest) - len(after)
	// pem.Decode skips a broken block and returns a later one: the block
	// returned must be the first.
	if strings.Count(rest[:used], "-----BEGIN ") != 1 {
		return nil, errors.New("the first block is broken")
	}
	if block.Type != "CERTIFICATE" || len(block.Headers) > 0 {
		return nil, errors.New("not a plain CERTIFICATE block")
	}
	if strings.TrimSpace(string(after)) != "" {
		return nil, errors.New("text after the block")
	}
	return block.Bytes, nil
}

// walkCertificate checks der against RFC 5280 §4.1's structure and returns
// the validity window.
//
//	Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
//	TBSCertificate ::= SEQUENCE {
//	    version [0] EXPLICIT INTEGER DEFAULT v1, serialNumber INTEGER,
//	    signature AlgorithmIdentifier, issuer Name, validity Validity,
//	    subject Name, subjectPublicKeyInfo SEQUENCE { AlgorithmIdentifier, BIT STRING },
//	    issuerUniqueID [1] IMPLICIT OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL,
//	    extensions [3] EXPLICIT SEQUENCE OF Extension OPTIONAL }
func walkCertificate(der []byte) (notBefore, notAfter time.Time, err error) {
	var outer asn1.RawValue
	if err := unmarshalAll(der, &outer); err != nil || !isSequence(outer) {
		return bad("the certificate is not one DER SEQUENCE")
	}
	parts, partsErr := elements(outer.Bytes)
	if len(parts) < 3 {
		return bad("the certificate is not tbsCertificate, signatureAlgorithm, signatureValue")
	}
	tbs, sigAlg, sig := parts[0], parts[1], parts[2]
	if !isSequence(tbs) || !isAlgorithmIdentifier(sigAlg) || !isUniversal(sig, asn1.TagBitString) {
		return bad("the certificate's outer fields have the wrong types")
	}
	if partsErr != nil || len(parts) > 3 {
		return time.Time{}, time.Time{}, errNoRoom
	}
	// A damaged element ends the list; what came before it is judged
	// first, so that the error names the field that is wrong.
	fields, tbsErr := elements(tbs.Bytes)
	i := 0
	if i < len(fields) && isContext(fields[i], 0) {
		var version int
		if err := unmarshalAll(fields[i].Bytes, &version); err != nil || version < 0 || version > 2 {
			return bad("the version is not v1, v2 or v3")
		}
		i++
	}
	if len(fields) < i+6 {
		return bad("tbsCertificate lacks fields or one is not DER")
	}
	// Any INTEGER is a serial number here, negative ones included: Go
	// refuses those, other parsers do not, and nothing shows that IAM does.
	var serial *big.Int
	if !isUniversal(fields[i], asn1.TagInteger) || unmarshalAll(fields[i].FullBytes, &serial) != nil {
		return bad("the serial number is not an INTEGER")
	}
	if !isAlgorithmIdentifier(fields[i+1]) {
		return bad("the signature algorithm is not an AlgorithmIdentifier")
	}
	// RFC 5280 §4.1.1.2: the two signature algorithms MUST be the same.
	// Go's parser and Java's ("Signature algorithm mismatch") both refuse
	// a certificate where they differ.
	if !bytes.Equal(fields[i+1].FullBytes, sigAlg.FullBytes) {
		return bad("the inner and outer signature algorithms differ")
	}
	for _, name := range []asn1.RawValue{fields[i+2], fields[i+4]} {
		if err := checkName(name); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	notBefore, notAfter, err = validity(fields[i+3])
	if err != nil {
		return bad(err.Error())
	}
	spki, err := elements(fields[i+5].Bytes)
	if !isSequence(fields[i+5]) || err != nil || len(spki) != 2 ||
		!isAlgorithmIdentifier(spki[0]) || !isUniversal(spki[1], asn1.TagBitString) {
		return bad("the subject public key info is not { AlgorithmIdentifier, BIT STRING }")
	}
	if err := checkRSAKey(spki[0], spki[1]); err != nil {
		return bad(err.Error())
	}
	// Then the optional [1], [2] and [3], each at most once and in order,
	// and nothing else. Go's parser ignores what follows them (see
	// divergence_test.go); RFC 5280's structure has no room for it.
	if tbsErr != nil {
		return time.Time{}, time.Time{}, errNoRoom
	}
	next := 1
	for _, f := range fields[i+6:] {
		if f.Class != asn1.ClassContextSpecific || f.Tag < next || f.Tag > 3 {
			return time.Time{}, time.Time{}, errNoRoom
		}
		next = f.Tag + 1
		if f.Tag == 3 {
			if err := checkExtensions(f); err != nil {
				return time.Time{}, time.Time{}, err
			}
		}
	}
	return notBefore, notAfter, nil
}

// errNoRoom refuses what RFC 5280's structure has no room for, and Go's
// parser ignores: data after the signature value, after an attribute's
// value in a Name, after the subject public key info that is not one of the
// optional fields there, or after the extensions' SEQUENCE inside [3], and
// an empty list of extensions (SIZE (1..MAX)).
var errNoRoom = errors.New("data that RFC 5280's structure has no room for")

func bad(reason string) (time.Time, time.Time, error) {
	return time.Time{}, time.Time{}, errors.New(reason)
}

// unmarshalAll unmarshals exactly one DER value filling b.
func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return errors.New("trailing data")
	}
	return nil
}

// elements splits the contents of a constructed value into its elements.
// On an error it returns the elements before the damaged one.
func elements(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return out, err
		}
		out = append(out, v)
		b = rest
	}
	return out, nil
}

func isUniversal(v asn1.RawValue, tag int) bool {
	return v.Class == asn1.ClassUniversal && v.Tag == tag
}

func isSequence(v asn1.RawValue) bool {
	return isUniversal(v, asn1.TagSequence) && v.IsCompound
}

func isContext(v asn1.RawValue, tag int) bool {
	return v.Class == asn1.ClassContextSpecific && v.Tag == tag && v.IsCompound
}

// isAlgorithmIdentifier: SEQUENCE { OBJECT IDENTIFIER, ANY OPTIONAL }. The
// algorithm is not judged: a curve Go does not know is still a key.
func isAlgorithmIdentifier(v asn1.RawValue) bool {
	if !isSequence(v) {
		return false
	}
	parts, err := elements(v.Bytes)
	if err != nil || len(parts) < 1 || len(parts) > 2 {
		return false
	}
	var oid asn1.ObjectIdentifier
	return isUniversal(parts[0], asn1.TagOID) && unmarshalAll(parts[0].FullBytes, &oid) == nil
}

// checkName: SEQUENCE OF SET OF SEQUENCE { OBJECT IDENTIFIER, ANY }. The
// values' string types and characters are not judged (Go refuses a
// PrintableString with '_' or '@'; IAM is not known to). Data after an
// attribute's value is errNoRoom: Go's parser ignores it, Java's refuses
// it ("AVA, extra bytes").
func checkName(v asn1.RawValue) error {
	errShape := errors.New("the issuer or subject is not a Name")
	if !isSequence(v) {
		return errShape
	}
	rdns, err := elements(v.Bytes)
	if err != nil {
		return errShape
	}
	for _, rdn := range rdns {
		if !isUniversal(rdn, asn1.TagSet) || !rdn.IsCompound {
			return errShape
		}
		atvs, err := elements(rdn.Bytes)
		if err != nil || len(atvs) == 0 {
			return errShape
		}
		for _, atv := range atvs {
			parts, err := elements(atv.Bytes)
			var oid asn1.ObjectIdentifier
			if !isSequence(atv) || len(parts) < 2 ||
				!isUniversal(parts[0], asn1.TagOID) || unmarshalAll(parts[0].FullBytes, &oid) != nil {
				return errShape
			}
			if err != nil || len(parts) > 2 {
				return errNoRoom
			}
		}
	}
	return nil
}

// checkExtensions: [3] EXPLICIT SEQUENCE SIZE (1..MAX) OF Extension. The
// extensions' values are not judged (Go refuses a URI SAN it cannot parse;
// IAM is not known to).
func checkExtensions(v asn1.RawValue) error {
	errShape := errors.New("the extensions are not a SEQUENCE of { OID, BOOLEAN OPTIONAL, OCTET STRING }")
	if !v.IsCompound {
		return errShape
	}
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(v.Bytes, &seq)
	if err != nil || !isSequence(seq) {
		return errShape
	}
	if len(rest) > 0 {
		return errNoRoom
	}
	exts, err := elements(seq.Bytes)
	if err != nil {
		return errShape
	}
	if len(exts) == 0 {
		return errNoRoom
	}
	for _, e := range exts {
		parts, err := elements(e.Bytes)
		if !isSequence(e) || err != nil || len(parts) < 2 || len(parts) > 3 || !isUniversal(parts[0], asn1.TagOID) {
			return errShape
		}
		if len(parts) == 3 && !isUniversal(parts[1], asn1.TagBoolean) {
			return errShape
		}
		if !isUniversal(parts[len(parts)-1], asn1.TagOctetString) {
			return errShape
		}
	}
	return nil
}

var oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// checkRSAKey checks an rsaEncryption key is RSAPublicKey ::= SEQUENCE {
// modulus INTEGER, publicExponent INTEGER } with both positive (RFC 3279
// §2.3.1). Every X.509 parser decodes the key of an algorithm it knows;
// other algorithms' keys, such as EC points on curves Go does not know,
// are not judged.
func checkRSAKey(alg, key asn1.RawValue) error {
	parts, _ := elements(alg.Bytes)
	var oid asn1.ObjectIdentifier
	if len(parts) == 0 || unmarshalAll(parts[0].FullBytes, &oid) != nil || !oid.Equal(oidRSAEncryption) {
		return nil
	}
	var bits asn1.BitString
	var rsa struct{ N, E *big.Int }
	if unmarshalAll(key.FullBytes, &bits) != nil || bits.BitLength%8 != 0 ||
		unmarshalAll(bits.Bytes, &rsa) != nil || rsa.N.Sign() <= 0 || rsa.E.Sign() <= 0 {
		return errors.New("the RSA public key is not SEQUENCE { modulus, publicExponent } of positive INTEGERs")
	}
	return nil
}

// validity reads Validity ::= SEQUENCE { notBefore Time, notAfter Time }.
func validity(v asn1.RawValue) (notBefore, notAfter time.Time, err error) {
	parts, err := elements(v.Bytes)
	if !isSequence(v) || err != nil || len(parts) != 2 {
		return time.Time{}, time.Time{}, errors.New("the validity is not two times")
	}
	if notBefore, err = readTime(parts[0]); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if notAfter, err = readTime(parts[1]); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return notBefore, notAfter, nil
}

// readTime reads an RFC 5280 Time: UTCTime YYMMDDHHMMSSZ, where YY of 50
// or more is 19YY (§4.1.2.5.1), or GeneralizedTime YYYYMMDDHHMMSSZ.
func readTime(v asn1.RawValue) (time.Time, error) {
	s := string(v.Bytes)
	switch {
	case isUniversal(v, asn1.TagUTCTime) && len(s) == 13 && s[12] == 'Z' && digits(s[:12]):
		t, err := time.Parse("20060102150405", "20"+s[:12])
		if err != nil {
			return time.Time{}, errors.New("a UTCTime is not a date")
		}
		if s[0] >= '5' {
			t = t.AddDate(-100, 0, 0)
		}
		return t, nil
	case isUniversal(v, asn1.TagGeneralizedTime) && len(s) == 15 && s[14] == 'Z' && digits(s[:14]):
		t, err := time.Parse("20060102150405", s[:14])
		if err != nil {
			return time.Time{}, errors.New("a GeneralizedTime is not a date")
		}
		return t, nil
	}
	return time.Time{}, errors.New("a validity time is neither YYMMDDHHMMSSZ nor YYYYMMDDHHMMSSZ")
}

func digits(s string) bool {
	return bytes.IndexFunc([]byte(s), func(r rune) bool { return r < '0' || r > '9' }) < 0
}
