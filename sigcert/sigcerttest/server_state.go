package sigcerttest

import "time"

// The Server's setup and inspection beyond users and certificates: each
// forwards to the model, as the Fake's methods of the same names do.

// AddAccessKeyWithSecret gives the existing user userName the access key
// accessKeyID with secret: requests signed with it act as that user. It
// panics if the user does not exist, the key id is not ASCII letters and
// digits, or the secret is empty.
func (s *Server) AddAccessKeyWithSecret(accessKeyID, secret, userName string) {
	addAccessKeyWithSecret(s.model, accessKeyID, secret, userName)
}

// SetPropagationDelay models IAM's eventual consistency, as
// Fake.SetPropagationDelay does. Zero, the default, turns it off.
func (s *Server) SetPropagationDelay(d time.Duration) { s.model.SetPropagationDelay(d) }

// StaleReads makes the next n reads (ListSigningCertificates, GetUser,
// ListUsers) stale, as Fake.StaleReads does.
func (s *Server) StaleReads(n int) { s.model.StaleReads(n) }

// SetRateLimit limits the Server to perSecond requests per second on its
// clock, in bursts of up to burst, answering the excess with Throttling
// (HTTP 400, "Rate exceeded"). perSecond of zero or less, the default,
// removes the limit.
func (s *Server) SetRateLimit(perSecond float64, burst int) { s.model.SetRateLimit(perSecond, burst) }

// MarkExpired sets the status of the user's certificate to Expired, as
// Fake.MarkExpired does. It panics if there is no such user or certificate.
func (s *Server) MarkExpired(userName, certificateID string) {
	markExpired(s.model, userName, certificateID)
}
