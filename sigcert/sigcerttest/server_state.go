package sigcerttest

import (
	"time"

	"github.com/iamkit/signingcert/internal/iammodel"
)

// The Server's setup and inspection beyond users and certificates: each
// forwards to the model, as the Fake's methods of the same names do.
// Settings (access keys, the propagation delay, the rate limit) go through
// configure, so that Reset keeps them; StaleReads and MarkExpired act on
// the state a reset drops, so it drops them too. Each takes the model lock
// for reading, so none runs while a reset replaces the model.

// AddAccessKeyWithSecret gives the existing user userName the access key
// accessKeyID with secret: requests signed with it act as that user. It
// panics if the user does not exist, the key id is not ASCII letters and
// digits, or the secret is empty. Reset keeps the key.
func (s *Server) AddAccessKeyWithSecret(accessKeyID, secret, userName string) {
	s.configure(func(m *iammodel.Model) { addAccessKeyWithSecret(m, accessKeyID, secret, userName) })
}

// SetPropagationDelay models IAM's eventual consistency, as
// Fake.SetPropagationDelay does. Zero, the default, turns it off. Reset
// keeps the setting.
func (s *Server) SetPropagationDelay(d time.Duration) {
	s.configure(func(m *iammodel.Model) { m.SetPropagationDelay(d) })
}

// StaleReads makes the next n reads (ListSigningCertificates, GetUser,
// ListUsers) stale, as Fake.StaleReads does. Reset cancels the stale reads
// still pending.
func (s *Server) StaleReads(n int) { s.withModel(func(m *iammodel.Model) { m.StaleReads(n) }) }

// SetRateLimit limits the Server to perSecond requests per second on its
// clock, in bursts of up to burst, answering the excess with Throttling
// (HTTP 400, "Rate exceeded"). perSecond of zero or less, the default,
// removes the limit. Reset keeps the limit, with a full bucket.
func (s *Server) SetRateLimit(perSecond float64, burst int) {
	s.configure(func(m *iammodel.Model) { m.SetRateLimit(perSecond, burst) })
}

// MarkExpired sets the status of the user's certificate to Expired, as
// Fake.MarkExpired does. It panics if there is no such user or certificate.
// Reset removes the certificate, and so the mark.
func (s *Server) MarkExpired(userName, certificateID string) {
	s.withModel(func(m *iammodel.Model) { markExpired(m, userName, certificateID) })
}
