package iammodel

import (
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// Throttling.
//
// IAM limits the rate of requests per account and answers the excess with
// code Throttling, HTTP 400, message "Rate exceeded" (nccgroup/Scout2 issue
// 17 quotes the answer). AWS Support describes its API rate limits as token
// buckets: a burst, refilled at a steady rate (quoted in
// terraform-provider-aws issue 44853). IAM's own rates are not published;
// the model takes them from SetRateLimit and is not limited by default.
// Only requests that reach the model take a token: on both faces a request
// refused for its signature or credentials, or answered by an injected
// fault, does not. Whether IAM's limit counts refused requests is not
// known.

type limiter struct {
	rate   float64 // tokens per second; 0 means no limit
	burst  float64
	tokens float64
	last   time.Time
}

// SetRateLimit limits the model to perSecond requests per second on its
// clock, with bursts of up to burst requests (at least 1); a request beyond
// that is refused with Throttling. The bucket starts full. perSecond of
// zero or less removes the limit.
func (m *Model) SetRateLimit(perSecond float64, burst int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if perSecond <= 0 {
		m.limiter = limiter{}
		return
	}
	b := float64(max(burst, 1))
	m.limiter = limiter{rate: perSecond, burst: b, tokens: b, last: m.clock()}
}

// admit takes a token for one request, or refuses it. Callers hold m.mu.
func (m *Model) admit() *Error {
	l := &m.limiter
	if l.rate <= 0 {
		return nil
	}
	now := m.clock()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed.Seconds()*l.rate)
		l.last = now
	}
	if l.tokens < 1 {
		return newError(iamspec.CodeThrottling, iamspec.MsgThrottling)
	}
	l.tokens--
	return nil
}
