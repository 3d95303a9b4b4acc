package validate_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/validate"
)

// keyDERs returns private keys as DER, by form: every structure a key is
// stored in that NoPrivateKey must know without its armour.
func keyDERs(t testing.TB) map[string][]byte {
	t.Helper()
	pkcs8 := func(c *certgen.Cert) []byte {
		b, _ := pem.Decode([]byte(c.KeyPEM))
		return b.Bytes
	}
	rsaCert := certgen.Valid()
	ecCert := certgen.New(certgen.Options{Key: certgen.ECDSAP256})
	edCert := certgen.New(certgen.Options{Key: certgen.Ed25519})
	rsaKey, err := x509.ParsePKCS8PrivateKey(pkcs8(rsaCert))
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := x509.ParsePKCS8PrivateKey(pkcs8(ecCert))
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	mustMarshal := func(v any) []byte {
		der, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	// EncryptedPrivateKeyInfo with PBES2 (RFC 8018): its contents are
	// random to anyone without the passphrase.
	type algID struct {
		OID    asn1.ObjectIdentifier
		Params asn1.RawValue `asn1:"optional"`
	}
	encrypted := mustMarshal(struct {
		Alg  algID
		Data []byte
	}{algID{OID: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}, Params: asn1.RawValue{FullBytes: mustMarshal([]int{1, 2})}}, make([]byte, 160)})
	pkcs12PBE := mustMarshal(struct {
		Alg  algID
		Data []byte
	}{algID{OID: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}, Params: asn1.RawValue{FullBytes: mustMarshal([]int{1, 2})}}, make([]byte, 160)})
	// OpenSSL's DSA key: SEQUENCE { 0, p, q, g, y, x }.
	big1 := new(big.Int).Lsh(big.NewInt(1), 1023)
	dsa := mustMarshal([]*big.Int{big.NewInt(0), big1, big.NewInt(1 << 40), big1, big1, big.NewInt(1 << 40)})
	// PKCS#12 PFX: SEQUENCE { 3, ContentInfo { id-data, [0] OCTET STRING }, ... }.
	pfx := mustMarshal(struct {
		Version int
		Auth    struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue `asn1:"explicit,tag:0"`
		}
	}{Version: 3, Auth: struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, asn1.RawValue{FullBytes: mustMarshal(make([]byte, 64))}}})
	// An OpenPGP v4 Secret-Key packet, new format, EdDSA (22).
	pgp := append([]byte{0xc5, 0x58, 4, 0x65, 0x00, 0x00, 0x00, 22}, make([]byte, 0x58-6)...)
	return map[string][]byte{
		"PKCS#8 RSA":        pkcs8(rsaCert),
		"PKCS#8 EC":         pkcs8(ecCert),
		"PKCS#8 Ed25519":    pkcs8(edCert),
		"PKCS#1 RSA":        x509.MarshalPKCS1PrivateKey(rsaKey.(*rsa.PrivateKey)),
		"SEC1 EC":           sec1,
		"encrypted PKCS#8":  encrypted,
		"PKCS#12 PBE":       pkcs12PBE,
		"DSA":               dsa,
		"PKCS#12 PFX":       pfx,
		"OpenSSH binary":    append([]byte("openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none"), make([]byte, 200)...),
		"PGP secret packet": pgp,
	}
}

// keyTexts returns private keys in every text form people paste, by name.
func keyTexts(t testing.TB) map[string]string {
	t.Helper()
	ders := keyDERs(t)
	rsaPEM := pemBlock("RSA PRIVATE KEY", ders["PKCS#1 RSA"], nil)
	pkcs8PEM := pemBlock("PRIVATE KEY", ders["PKCS#8 EC"], nil)
	b64 := base64.StdEncoding.EncodeToString
	forms := map[string]string{
		"PKCS#8 lower-case armour":  strings.ToLower(pkcs8PEM[:len("-----BEGIN PRIVATE KEY-----")]) + pkcs8PEM[len("-----BEGIN PRIVATE KEY-----"):],
		"PKCS#1 all lower-case":     strings.ToLower(rsaPEM),
		"mixed-case armour":         strings.Replace(rsaPEM, "RSA PRIVATE KEY", "Rsa Private Key", 2),
		"spaced armour":             strings.Replace(rsaPEM, "RSA PRIVATE KEY", "RSA  PRIVATE \t KEY", 2),
		"underscored armour":        strings.Replace(pkcs8PEM, "PRIVATE KEY", "PRIVATE_KEY", 2),
		"joined armour":             strings.Replace(pkcs8PEM, "PRIVATE KEY", "PRIVATEKEY", 2),
		"CRLF":                      strings.ReplaceAll(rsaPEM, "\n", "\r\n"),
		"legacy encrypted headers":  pemBlock("CERTIFICATE", ders["PKCS#1 RSA"], map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"}),
		"base64 of PEM, one line":   b64([]byte(rsaPEM)),
		"base64 of PEM, 76 columns": wrap(b64([]byte(pkcs8PEM)), 76),
		"base64 of base64 of PEM":   b64([]byte(b64([]byte(pkcs8PEM)))),
		"Kubernetes Secret YAML":    "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.key: " + b64([]byte(rsaPEM)) + "\n",
		"Kubernetes Secret JSON":    `{"data":{"tls.key":"` + b64([]byte(pkcs8PEM)) + `"}}`,
		"base64 after a word":       "key " + b64([]byte(pkcs8PEM)),
		"base64 after a long word":  "keymaterial=" + b64([]byte(pkcs8PEM)),
		"PuTTY v3":                  "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: bob\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIB8v\nAAAA\nPrivate-Lines: 1\nAAAAIGbd\nPrivate-MAC: 0011\n",
		"PuTTY without header":      "Private-Lines: 1\nAAAAIGbd\n",
		"OpenSSH armour":            pemBlock("OPENSSH PRIVATE KEY", ders["OpenSSH binary"], nil),
		"OpenSSH armour stripped":   wrap(b64(ders["OpenSSH binary"]), 70),
		"PGP armour":                "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + wrap(b64(ders["PGP secret packet"]), 64) + "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n",
		"PGP old armour":            "-----BEGIN PGP SECRET KEY BLOCK-----\n\n" + wrap(b64(ders["PGP secret packet"]), 64) + "\n-----END PGP SECRET KEY BLOCK-----\n",
		"PGP as MESSAGE":            pemBlock("PGP MESSAGE", ders["PGP secret packet"], nil),
		"SSH2 encrypted":            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: bob\n" + wrap(b64(make([]byte, 120)), 70) + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n",
		"JWK":                       jwk(t, `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLNjjDBq6ZZXGAiHkgH6y4"}`),
		"JWK pretty":                "{\n  \"kty\": \"OKP\",\n  \"crv\": \"Ed25519\",\n  \"d\" : \"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\",\n  \"x\": \"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"\n}",
		"JWK escaped in a string":   `{"jwk":"{\"kty\":\"oct\",\"d\":\"AAAA\"}"}`,
		"base64 of a JWK":           b64([]byte(`{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","d":"X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q"}`)),
	}
	for name, der := range ders {
		forms[name+" as CERTIFICATE"] = pemBlock("CERTIFICATE", der, nil)
		forms[name+" as PUBLIC KEY"] = pemBlock("PUBLIC KEY", der, nil)
		forms[name+" as lower-case certificate"] = strings.ToLower(pemBlock("CERTIFICATE", der, nil)[:27]) + pemBlock("CERTIFICATE", der, nil)[27:]
		forms[name+" bare base64"] = wrap(b64(der), 64)
		forms[name+" base64, one line"] = b64(der)
		forms[name+" PEM"] = pemBlock(strings.ToUpper(strings.Fields(name)[0])+" PRIVATE KEY", der, nil)
		forms[name+" base64 of PEM as CERTIFICATE"] = b64([]byte(pemBlock("CERTIFICATE", der, nil)))
	}
	return forms
}

func jwk(t testing.TB, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return s
}

// wrap breaks s into lines of n characters.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

// TestNoPrivateKeyFindsEveryForm puts each form of key alone, after a
// certificate, before one and inside prose, and wants a refusal that quotes
// nothing of it.
func TestNoPrivateKeyFindsEveryForm(t *testing.T) {
	cert := certgen.Valid().PEM
	forms := keyTexts(t)
	for name, key := range forms {
		for place, body := range map[string]string{
			"alone":              key,
			"after certificate":  cert + key,
			"before certificate": key + "\n" + cert,
			"in prose":           "Here is Bob's key, keep it safe:\n" + key + "\nthanks!",
		} {
			err := validate.NoPrivateKey(body)
			if !errors.Is(err, validate.ErrPrivateKey) {
				t.Errorf("%s, %s: NoPrivateKey = %v, want ErrPrivateKey", name, place, err)
				continue
			}
			var e *validate.Error
			if errors.As(err, &e) && (e.Offset < 0 || e.Offset >= len(body)) {
				t.Errorf("%s, %s: offset %d outside the body", name, place, e.Offset)
			}
			noEcho(t, err.Error(), key)
		}
	}
	t.Logf("%d forms in 4 places", len(forms))
}

// TestCertificateRefusesKeyFormsAsKeys: Certificate and Parse name a key as
// a key, whatever else is wrong with the body.
func TestCertificateRefusesKeyFormsAsKeys(t *testing.T) {
	for name, key := range keyTexts(t) {
		_, err := validate.Parse(key, validate.CertificateOptions{})
		if !errors.Is(err, validate.ErrPrivateKey) {
			t.Errorf("%s: Parse = %v, want ErrPrivateKey", name, err)
		}
	}
}

// TestNoPrivateKeyOffsetIsTheBeginLine: a key under another label is
// reported at its BEGIN line, as an armoured one is.
func TestNoPrivateKeyOffsetIsTheBeginLine(t *testing.T) {
	ders := keyDERs(t)
	cert := certgen.Valid().PEM
	for _, label := range []string{"CERTIFICATE", "RSA PRIVATE KEY"} {
		body := cert + pemBlock(label, ders["PKCS#1 RSA"], nil)
		var e *validate.Error
		if !errors.As(validate.NoPrivateKey(body), &e) || e.Offset != len(cert) {
			t.Errorf("%s: got %v, want offset %d", label, e, len(cert))
		}
	}
}

// certLayouts returns c in every layout a certificate is found in; none
// holds a key.
func certLayouts(c *certgen.Cert) map[string]string {
	b64 := base64.StdEncoding.EncodeToString
	return map[string]string{
		"PEM":               c.PEM,
		"CRLF":              c.CRLF(),
		"no final newline":  strings.TrimSuffix(c.PEM, "\n"),
		"76 columns":        "-----BEGIN CERTIFICATE-----\n" + wrap(b64(c.DER), 76) + "\n-----END CERTIFICATE-----\n",
		"one line":          "-----BEGIN CERTIFICATE-----\n" + b64(c.DER) + "\n-----END CERTIFICATE-----\n",
		"indented":          strings.ReplaceAll(c.PEM, "\n", "\n    "),
		"trailing spaces":   strings.ReplaceAll(c.PEM, "\n", "  \n"),
		"bare base64":       wrap(b64(c.DER), 64),
		"base64 of PEM":     b64([]byte(c.PEM)),
		"Secret YAML":       "data:\n  tls.crt: " + b64([]byte(c.PEM)) + "\n",
		"chain of two":      c.ChainOfTwo(),
		"lower-case armour": strings.ToLower(c.PEM[:27]) + c.PEM[27:],
		"openssl -text":     "Certificate:\n    Data:\n        Version: 3 (0x2)\n        Subject Public Key Info:\n" + c.PEM,
	}
}

// TestNoPrivateKeyAcceptsCertificates: no certificate, in any layout, of
// any key type, with subjects that name keys, is taken for a key.
func TestNoPrivateKeyAcceptsCertificates(t *testing.T) {
	n := 240
	if os.Getenv("SIGCERT_SCALE") != "" {
		n = 4000
	}
	names := []string{"", "Private Key Services", `{"d":1}`, "openssh-key-v1", "PuTTY-User-Key-File-3", "DEK-Info: x", "secret key"}
	// RSA-4096 is left out: its key alone takes seconds to make.
	types := []certgen.KeyType{certgen.RSA2048, certgen.ECDSAP256, certgen.Ed25519}
	checked := 0
	for i := range n {
		k := types[i%len(types)]
		c := certgen.New(certgen.Options{Key: k, CommonName: names[i%len(names)] + fmt.Sprint(i)})
		for layout, body := range certLayouts(c) {
			checked++
			if err := validate.NoPrivateKey(body); err != nil {
				t.Fatalf("%v certificate %d, %s: %v\n%s", k, i, layout, err, body)
			}
		}
	}
	t.Logf("%d bodies, none refused", checked)
}

// TestNoPrivateKeyAcceptsPublicForms: public keys, requests and parameters
// are not keys.
func TestNoPrivateKeyAcceptsPublicForms(t *testing.T) {
	c := certgen.New(certgen.Options{Key: certgen.Ed25519})
	spki, err := x509.MarshalPKIXPublicKey(c.X509.PublicKey.(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	rsaC := certgen.Valid()
	pkcs1Pub := x509.MarshalPKCS1PublicKey(rsaC.X509.PublicKey.(*rsa.PublicKey))
	for name, body := range map[string]string{
		"PUBLIC KEY":         pemBlock("PUBLIC KEY", spki, nil),
		"RSA PUBLIC KEY":     pemBlock("RSA PUBLIC KEY", pkcs1Pub, nil),
		"public JWK":         `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
		"prose":              "The private part stays with Bob; the key he sends is public.",
		"ssh public key":     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB8vYk0cOTNGp6pQJ6pQm8cR9u1CXb0q1K8A0rZkS8d6 bob@example",
		"date and time text": time.Now().Format(time.RFC1123),
	} {
		if err := validate.NoPrivateKey(body); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
