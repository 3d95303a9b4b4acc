package iammodel

import (
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// timePrecision is the precision of UploadDate: IAM's responses carry
// milliseconds.
const timePrecision = time.Millisecond

// IDLength is the length of the certificate ids IAM issues and the model
// reproduces: 32 characters of the RFC 4648 base32 alphabet.
const IDLength = 32

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// CertificateID returns the id IAM gives the certificate with this DER: the
// base32 (RFC 4648 alphabet, no padding) of its SHA-1, 32 characters. So the
// same certificate always gets the same id, after a delete and re-upload
// too.
//
// Evidence: a response recorded from IAM in 2010 in the specs of the Ruby
// gem stratus (serverworks/stratus, spec/stratus/aws/iam_spec.rb,
// upload_signing_certificate_response) has CertificateId
// PBEX2T7R5DA3SVZHQDK2HQ2G3ZOP7SYA for the certificate in the same
// response, which is exactly this function of its DER
// (TestCertificateIDMatchesRecordedIAM). AWS's documentation examples, such
// as TA7SMP42TDN5Z26OBPJE7EXAMPLE, also use only base32 letters and digits.
func CertificateID(der []byte) string {
	sum := sha1.Sum(der)
	return base32NoPad.EncodeToString(sum[:])
}

// userID returns a user id shaped like IAM's (AIDA and 17 characters of
// base32, 21 in all, as in the 2010 stratus recording's
// AIDAI6PGTVSCYFGUNXK4G), unique per name and creation.
func userID(name string, seq uint64) string {
	sum := sha1.Sum([]byte(strconv.FormatUint(seq, 10) + "/" + name))
	return "AIDA" + base32NoPad.EncodeToString(sum[:])[:17]
}

// AccountID is the account the model's ARNs name.
const AccountID = "123456789012"

// Markers are opaque to callers. Inside, a marker names what it pages
// through and where the next page starts, so a page stays correct when
// items before it are deleted.
const (
	markerCertificates = "iammodel-certs/"
	markerUsers        = "iammodel-users/"
)

func encodeMarker(kind, scope, next string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + scope + "/" + next))
}

// decodeMarker returns where the page of marker starts, and false if marker
// is not one encodeMarker made for kind and scope.
func decodeMarker(kind, scope, marker string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(string(raw), kind+scope+"/")
	return rest, ok
}
