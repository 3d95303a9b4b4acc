#!/bin/sh
# Makes the certificates of this directory (see README.md). Keys go to a
# temporary directory and are deleted: only certificates are kept.
# Needs OpenSSL 3 and od. Run from this directory: sh make.sh
set -eu
K=$(mktemp -d)
trap 'rm -rf "$K"' EXIT
DAYS=8000 # long past the tests' fixed clock (2030-01-01)

# Certificates OpenSSL makes directly, each self-signed with a fresh key.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$K/neg.key" \
  -subj "/CN=negative serial" -set_serial -4242 -days $DAYS -out negative-serial.pem
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:secp256k1 -nodes -keyout "$K/k1.key" \
  -subj "/CN=secp256k1" -days $DAYS -out secp256k1.pem
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:brainpoolP256r1 -nodes -keyout "$K/bp.key" \
  -subj "/CN=brainpoolP256r1" -days $DAYS -out brainpool.pem
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$K/uri.key" \
  -subj "/CN=bad URI SAN" -addext "subjectAltName=URI:https://bad..host.example/" -days $DAYS -out uri-san.pem

# Certificates whose subject OpenSSL's req will not write: the
# TBSCertificate is written with asn1parse -genconf, signed with
# ECDSA P-256 and SHA-256, and wrapped into a Certificate the same way.
# gen NAME SUBJECT-VALUE NOTBEFORE NOTAFTER
openssl ecparam -name prime256v1 -genkey -noout -out "$K/p256.key"
POINT=$(openssl pkey -in "$K/p256.key" -pubout -outform DER | tail -c 65 | od -An -v -tx1 | tr -d ' \n')
gen() {
  cat > "$K/tbs.cnf" <<CNF
asn1=SEQUENCE:tbs
[tbs]
version=EXPLICIT:0,INTEGER:2
serial=INTEGER:0x0123456789
sigalg=SEQUENCE:sigalg
issuer=SEQUENCE:name
validity=SEQUENCE:validity
subject=SEQUENCE:name
spki=SEQUENCE:spki
[sigalg]
oid=OID:ecdsa-with-SHA256
[name]
rdn=SET:rdn
[rdn]
cn=SEQUENCE:cn
[cn]
type=OID:commonName
value=$2
[validity]
notBefore=UTCTIME:$3
notAfter=UTCTIME:$4
[spki]
alg=SEQUENCE:ecalg
key=FORMAT:HEX,BITSTRING:$POINT
[ecalg]
type=OID:id-ecPublicKey
curve=OID:prime256v1
CNF
  openssl asn1parse -genconf "$K/tbs.cnf" -noout -out "$K/tbs.der"
  SIG=$(openssl dgst -sha256 -sign "$K/p256.key" "$K/tbs.der" | od -An -v -tx1 | tr -d ' \n')
  sed 's/^asn1=SEQUENCE:tbs$/asn1=SEQUENCE:cert/' "$K/tbs.cnf" > "$K/cert.cnf"
  printf '[cert]\ntbs=SEQUENCE:tbs\nalg=SEQUENCE:sigalg\nsig=FORMAT:HEX,BITSTRING:%s\n' "$SIG" >> "$K/cert.cnf"
  openssl asn1parse -genconf "$K/cert.cnf" -noout -out "$K/cert.der"
  openssl x509 -inform DER -in "$K/cert.der" -out "$1.pem"
}
# IMPLICIT:19U retags an IA5String (which allows @ and _) as a PrintableString.
gen printable-at 'IMPLICIT:19U,IA5STRING:bob@example.com' 260101000000Z 491231235959Z
gen printable-underscore 'IMPLICIT:19U,IA5STRING:bob_signing' 260101000000Z 491231235959Z
gen universalstring 'UNIVERSALSTRING:Bob Universal' 260101000000Z 491231235959Z
# Expired: a PrintableString with _ (so crypto/x509 refuses it too), valid
# only in 2001: its window can come only from the DER.
gen expired-printable-underscore 'IMPLICIT:19U,IA5STRING:old_cert' 010101000000Z 011231235959Z
