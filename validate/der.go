package validate

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// derWindow checks that der is one X.509 certificate as RFC 5280 section
// 4.1 lays it out, and returns its validity window. It is the judgement for
// certificates crypto/x509 refuses: it walks the structure with
// encoding/asn1 and checks each field's type and order, but not what Go is
// strict about and other parsers are not (a serial's sign, the curve of a
// key, the characters of a PrintableString, the syntax of a URI).
//
// It is nowhere stricter than crypto/x509 (FuzzDERWindow checks it accepts
// all Go parses, with the same window): like Go, it lets be data after the
// last field it reads inside a SEQUENCE, but not after the certificate.
//
// Its errors say which field is wrong and never quote a value.
func derWindow(der []byte) (notBefore, notAfter time.Time, err error) {
	//	Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
	seq, rest, err := derNext(der, "Certificate")
	if err != nil {
		return
	}
	if len(rest) > 0 {
		return notBefore, notAfter, errors.New("data after the Certificate")
	}
	if err = wantSequence(seq, "Certificate"); err != nil {
		return
	}
	tbs, rest, err := derNext(seq.Bytes, "tbsCertificate")
	if err != nil {
		return
	}
	if err = wantSequence(tbs, "tbsCertificate"); err != nil {
		return
	}
	if rest, err = algorithmIdentifier(rest, "signatureAlgorithm"); err != nil {
		return
	}
	sig, _, err := derNext(rest, "signatureValue")
	if err != nil {
		return
	}
	if err = wantUniversal(sig, asn1.TagBitString, false, "signatureValue"); err != nil {
		return
	}
	return tbsWindow(tbs.Bytes)
}

// tbsWindow walks a TBSCertificate's contents:
//
//	version [0] EXPLICIT INTEGER DEFAULT v1, serialNumber INTEGER,
//	signature AlgorithmIdentifier, issuer Name, validity Validity,
//	subject Name, subjectPublicKeyInfo SEQUENCE,
//	issuerUniqueID [1] OPTIONAL, subjectUniqueID [2] OPTIONAL,
//	extensions [3] EXPLICIT SEQUENCE OF Extension OPTIONAL
func tbsWindow(b []byte) (notBefore, notAfter time.Time, err error) {
	v, rest, err := derNext(b, "version or serialNumber")
	if err != nil {
		return
	}
	version := 0
	if v.Class == asn1.ClassContextSpecific && v.Tag == 0 {
		if !v.IsCompound {
			return notBefore, notAfter, errors.New("version is not EXPLICIT")
		}
		if rest2, err2 := asn1.Unmarshal(v.Bytes, &version); err2 != nil || len(rest2) > 0 || version < 0 || version > 2 {
			return notBefore, notAfter, errors.New("version is not 1, 2 or 3")
		}
		if v, rest, err = derNext(rest, "serialNumber"); err != nil {
			return
		}
	}
	if err = wantUniversal(v, asn1.TagInteger, false, "serialNumber"); err != nil {
		return
	}
	if len(v.Bytes) == 0 {
		return notBefore, notAfter, errors.New("serialNumber is empty")
	}
	if rest, err = algorithmIdentifier(rest, "signature"); err != nil {
		return
	}
	if rest, err = name(rest, "issuer"); err != nil {
		return
	}
	validity, rest, err := derNext(rest, "validity")
	if err != nil {
		return
	}
	if err = wantSequence(validity, "validity"); err != nil {
		return
	}
	times := validity.Bytes
	if notBefore, times, err = derTime(times, "notBefore"); err != nil {
		return
	}
	if notAfter, _, err = derTime(times, "notAfter"); err != nil {
		return
	}
	if rest, err = name(rest, "subject"); err != nil {
		return
	}
	spki, rest, err := derNext(rest, "subjectPublicKeyInfo")
	if err != nil {
		return
	}
	if err = wantSequence(spki, "subjectPublicKeyInfo"); err != nil {
		return
	}
	keyRest, err := algorithmIdentifier(spki.Bytes, "subjectPublicKeyInfo algorithm")
	if err != nil {
		return
	}
	// Anything after the key is let be, as crypto/x509 lets it be.
	key, _, err := derNext(keyRest, "subjectPublicKey")
	if err != nil {
		return
	}
	if err = wantUniversal(key, asn1.TagBitString, false, "subjectPublicKey"); err != nil {
		return
	}
	// After the key, crypto/x509 reads issuerUniqueID [1],
	// subjectUniqueID [2] and, in version 3, extensions [3] when each is
	// present, in that order, and lets anything else be. The walk does the
	// same, so that it refuses nothing Go accepts.
	if version == 0 {
		return notBefore, notAfter, nil
	}
	for _, tag := range []byte{0x81, 0x82, 0xa3} {
		if len(rest) == 0 || rest[0] != tag || tag == 0xa3 && version != 2 {
			continue
		}
		var f asn1.RawValue
		if f, rest, err = derNext(rest, fmt.Sprintf("field [%d]", tag&0x1f)); err != nil {
			return
		}
		if tag == 0xa3 {
			if err = extensions(f); err != nil {
				return
			}
		}
	}
	return notBefore, notAfter, nil
}

// extensions checks [3] EXPLICIT SEQUENCE OF
// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING },
// as leniently as crypto/x509 reads it: an empty list, and data after the
// list or after an extension's value, are let be.
func extensions(f asn1.RawValue) error {
	list, _, err := derNext(f.Bytes, "extensions")
	if err != nil {
		return err
	}
	if err := wantSequence(list, "extensions"); err != nil {
		return err
	}
	for b := list.Bytes; len(b) > 0; {
		var ext asn1.RawValue
		if ext, b, err = derNext(b, "extension"); err != nil {
			return err
		}
		if err := wantSequence(ext, "extension"); err != nil {
			return err
		}
		var oid asn1.ObjectIdentifier
		in, err := asn1.Unmarshal(ext.Bytes, &oid)
		if err != nil {
			return errors.New("extension lacks its extnID")
		}
		var v asn1.RawValue
		if v, in, err = derNext(in, "extension"); err != nil {
			return err
		}
		if v.Class == asn1.ClassUniversal && v.Tag == asn1.TagBoolean {
			// What follows extnValue is let be, as Go does (see derWindow).
			if v, _, err = derNext(in, "extnValue"); err != nil {
				return err
			}
		}
		if err := wantUniversal(v, asn1.TagOctetString, false, "extnValue"); err != nil {
			return err
		}
	}
	return nil
}

// algorithmIdentifier reads SEQUENCE { algorithm OID, parameters ANY OPTIONAL }.
func algorithmIdentifier(b []byte, what string) (rest []byte, err error) {
	alg, rest, err := derNext(b, what)
	if err != nil {
		return nil, err
	}
	if err := wantSequence(alg, what); err != nil {
		return nil, err
	}
	var oid asn1.ObjectIdentifier
	params, err := asn1.Unmarshal(alg.Bytes, &oid)
	if err != nil {
		return nil, fmt.Errorf("%s lacks its OBJECT IDENTIFIER", what)
	}
	if len(params) > 0 {
		if _, _, err := derNext(params, what+" parameters"); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// name reads Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }.
// The values' string types and characters are left alone: that is where Go
// is stricter than the standard's users (PrintableString with '@' or '_',
// UniversalString).
func name(b []byte, what string) (rest []byte, err error) {
	n, rest, err := derNext(b, what)
	if err != nil {
		return nil, err
	}
	if err := wantSequence(n, what); err != nil {
		return nil, err
	}
	for rdns := n.Bytes; len(rdns) > 0; {
		var set asn1.RawValue
		if set, rdns, err = derNext(rdns, what); err != nil {
			return nil, err
		}
		if set.Class != asn1.ClassUniversal || set.Tag != asn1.TagSet || !set.IsCompound {
			return nil, fmt.Errorf("%s holds something other than a SET", what)
		}
		for atvs := set.Bytes; len(atvs) > 0; {
			var atv asn1.RawValue
			if atv, atvs, err = derNext(atvs, what); err != nil {
				return nil, err
			}
			if err := wantSequence(atv, what+" attribute"); err != nil {
				return nil, err
			}
			var oid asn1.ObjectIdentifier
			val, err := asn1.Unmarshal(atv.Bytes, &oid)
			if err != nil {
				return nil, fmt.Errorf("%s attribute lacks its type", what)
			}
			if _, _, err := derNext(val, what+" attribute value"); err != nil {
				return nil, err
			}
		}
	}
	return rest, nil
}

// derTime reads Time ::= CHOICE { UTCTime, GeneralizedTime }.
func derTime(b []byte, what string) (time.Time, []byte, error) {
	v, rest, err := derNext(b, what)
	if err != nil {
		return time.Time{}, nil, err
	}
	if v.Class != asn1.ClassUniversal || v.IsCompound || v.Tag != asn1.TagUTCTime && v.Tag != asn1.TagGeneralizedTime {
		return time.Time{}, nil, fmt.Errorf("%s is not a UTCTime or GeneralizedTime", what)
	}
	var t time.Time
	if after, err := asn1.Unmarshal(v.FullBytes, &t); err != nil || len(after) > 0 {
		return time.Time{}, nil, fmt.Errorf("%s is not a valid time", what)
	}
	return t, rest, nil
}

// derNext reads one element from b with encoding/asn1, which insists on
// DER's definite, minimal lengths.
func derNext(b []byte, what string) (asn1.RawValue, []byte, error) {
	var v asn1.RawValue
	if len(b) == 0 {
		return v, nil, fmt.Errorf("%s is missing", what)
	}
	rest, err := asn1.Unmarshal(b, &v)
	if err != nil {
		return v, nil, fmt.Errorf("%s is not a DER element", what)
	}
	return v, rest, nil
}

func wantSequence(v asn1.RawValue, what string) error {
	return wantUniversal(v, asn1.TagSequence, true, what)
}

func wantUniversal(v asn1.RawValue, tag int, compound bool, what string) error {
	if v.Class != asn1.ClassUniversal || v.Tag != tag || v.IsCompound != compound {
		return fmt.Errorf("%s has the wrong type", what)
	}
	return nil
}
