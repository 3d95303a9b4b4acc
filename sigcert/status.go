package sigcert

import "github.com/aws/aws-sdk-go-v2/service/iam/types"

// This file is the one home for what sigcert makes of a certificate's
// Status. IAM's model has Active, Inactive and Expired
// (types.StatusType); only Active signs. IAM never sets Expired on its own
// as far as is known, and an Expired certificate is treated as not Active.

// isActive reports whether c is Active: the only status that signs.
func isActive(c *Certificate) bool { return c != nil && c.Status == types.StatusTypeActive }

// hasStatus reports whether the certificate with id among held has status.
func hasStatus(held []*Certificate, id string, status types.StatusType) bool {
	for _, c := range held {
		if c != nil && c.CertificateID == id {
			return c.Status == status
		}
	}
	return false
}

// holdsID reports whether held has a certificate with id.
func holdsID(held []*Certificate, id string) bool {
	for _, c := range held {
		if c != nil && c.CertificateID == id {
			return true
		}
	}
	return false
}

// withStatus returns held with the certificate id given status, copying
// rather than changing the caller's certificates.
func withStatus(held []*Certificate, id string, status types.StatusType) []*Certificate {
	out := make([]*Certificate, len(held))
	for i, c := range held {
		if c != nil && c.CertificateID == id {
			cp := *c
			cp.Status = status
			c = &cp
		}
		out[i] = c
	}
	return out
}
