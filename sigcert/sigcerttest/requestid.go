package sigcerttest

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync/atomic"
)

// headerRequestID carries IAM's request id; the SDK prefers it to the one
// in the body.
const headerRequestID = "X-Amzn-Requestid"

var requestCounter atomic.Uint64

// newRequestID returns a request id shaped like IAM's (a version 4 UUID).
// Its last six bytes are a process-wide counter, so ids never repeat within
// a process; the rest is random, so they do not repeat across runs either.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:10]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40  // version 4
	b[8] = b[8]&0x3f | 0x80  // RFC 4122 variant
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], requestCounter.Add(1))
	copy(b[10:], n[2:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
