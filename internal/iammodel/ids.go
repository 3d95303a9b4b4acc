package iammodel

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// timePrecision is the precision of UploadDate: IAM's responses carry
// milliseconds.
const timePrecision = time.Millisecond

// IDLength is the length of the certificate ids the model issues: IAM's
// look like TA7SMP42TDN5Z26OBPJE7EXAMPLE, 28 upper-case letters and digits.
const IDLength = 28

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID returns a random certificate id never issued by this model before.
// Callers hold m.mu.
func (m *Model) newID() (string, error) {
	for range 100 {
		id, err := randomID()
		if err != nil {
			return "", err
		}
		if !m.issued[id] {
			return id, nil
		}
	}
	// 36^28 ids: a hundred collisions in a row mean a broken random source.
	return "", errors.New("random source keeps repeating itself")
}

// randomID returns IDLength characters of idAlphabet drawn uniformly from
// crypto/rand.
func randomID() (string, error) {
	// Rejection sampling: bytes at or above the largest multiple of the
	// alphabet's size would bias the draw.
	const limit = 256 - 256%len(idAlphabet)
	id := make([]byte, 0, IDLength)
	var buf [2 * IDLength]byte
	for len(id) < IDLength {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(id) < IDLength {
				id = append(id, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(id), nil
}

// Markers are opaque to callers. Inside, a marker names the user listed and
// the upload sequence number of the first certificate of the next page, so
// a page stays correct when certificates before it are deleted.
const markerPrefix = "iammodel-list/"

func encodeMarker(userName string, seq uint64) string {
	raw := markerPrefix + strconv.FormatUint(seq, 10) + "/" + userName
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeMarker returns the sequence number in marker, and false if marker is
// not one encodeMarker made for userName.
func decodeMarker(userName, marker string) (uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(raw), markerPrefix)
	if !ok {
		return 0, false
	}
	num, name, ok := strings.Cut(rest, "/")
	if !ok || name != userName {
		return 0, false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, false
	}
	return seq, true
}
