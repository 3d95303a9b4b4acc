package sigcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// maxListPages bounds List against an endpoint whose markers never end.
const maxListPages = 1000

// List returns all of the user's signing certificates, following every page.
// An empty userName means the user that signs the requests.
//
// Each certificate's body is parsed for a view callers can act on (X509,
// Fingerprint); a body that does not parse leaves X509 nil and sets
// ParseError, and is not an error of List. Errors are those of Upload:
// ErrNoSuchEntity for an unknown user, ErrValidation for a bad name.
func (u *Uploader) List(ctx context.Context, userName string) ([]*Certificate, error) {
	if err := u.ready(ctx, iamspec.OpList); err != nil {
		return nil, err
	}
	if err := checkUser(userName); err != nil {
		return nil, err
	}
	var (
		certs  []*Certificate
		marker *string
		seen   = map[string]bool{}
	)
	for range maxListPages {
		in := &iam.ListSigningCertificatesInput{Marker: marker, UserName: optional(userName)}
		out, err := withCMRetry(ctx, &u.s, func() (*iam.ListSigningCertificatesOutput, error) {
			out, err := u.api.ListSigningCertificates(ctx, in, u.s.optFns...)
			if err != nil {
				return nil, serviceError(iamspec.OpList, err, "")
			}
			return out, nil
		})
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, fmt.Errorf("%w: %s returned nothing", ErrIncompleteResponse, iamspec.OpList)
		}
		requestID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		for i := range out.Certificates {
			c, err := fromSDK(&out.Certificates[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", iamspec.OpList, err)
			}
			c.RequestID = requestID
			c.X509, c.ParseError = parseStored(c.CertificateBody)
			if c.X509 != nil {
				c.Fingerprint = Fingerprint(c.X509)
			}
			certs = append(certs, c)
		}
		if !out.IsTruncated || out.Marker == nil || *out.Marker == "" {
			return certs, nil
		}
		if seen[*out.Marker] {
			return nil, fmt.Errorf("%w: %s repeated a marker", ErrIncompleteResponse, iamspec.OpList)
		}
		seen[*out.Marker] = true
		marker = out.Marker
	}
	return nil, fmt.Errorf("%w: %s returned more than %d pages", ErrIncompleteResponse, iamspec.OpList, maxListPages)
}

// SetStatus makes the user's certificate Active or Inactive. An Inactive
// certificate still counts against the quota of two.
func (u *Uploader) SetStatus(ctx context.Context, userName, certificateID string, status types.StatusType) error {
	if err := u.ready(ctx, iamspec.OpUpdate); err != nil {
		return err
	}
	if err := checkIDs(userName, certificateID); err != nil {
		return err
	}
	if err := validate.Status(string(status)); err != nil {
		return preflightError(err)
	}
	in := &iam.UpdateSigningCertificateInput{CertificateId: &certificateID, Status: status, UserName: optional(userName)}
	_, err := withCMRetry(ctx, &u.s, func() (struct{}, error) {
		if _, err := u.api.UpdateSigningCertificate(ctx, in, u.s.optFns...); err != nil {
			return struct{}{}, serviceError(iamspec.OpUpdate, err, "")
		}
		return struct{}{}, nil
	})
	return err
}

// Delete removes the user's certificate. Deleting one that is already gone
// is ErrNoSuchEntity.
func (u *Uploader) Delete(ctx context.Context, userName, certificateID string) error {
	if err := u.ready(ctx, iamspec.OpDelete); err != nil {
		return err
	}
	if err := checkIDs(userName, certificateID); err != nil {
		return err
	}
	in := &iam.DeleteSigningCertificateInput{CertificateId: &certificateID, UserName: optional(userName)}
	_, err := withCMRetry(ctx, &u.s, func() (struct{}, error) {
		if _, err := u.api.DeleteSigningCertificate(ctx, in, u.s.optFns...); err != nil {
			return struct{}{}, serviceError(iamspec.OpDelete, err, "")
		}
		return struct{}{}, nil
	})
	return err
}

// ready refuses misuse that would otherwise panic.
func (u *Uploader) ready(ctx context.Context, op string) error {
	if ctx == nil {
		return fmt.Errorf("sigcert: %s: nil Context", op)
	}
	if u == nil || u.api == nil {
		return fmt.Errorf("sigcert: %s: Uploader has no API; create it with NewUploader", op)
	}
	return nil
}

func checkUser(userName string) error {
	if userName == "" {
		return nil
	}
	if err := validate.UserName(userName); err != nil {
		return preflightError(err)
	}
	return nil
}

func checkIDs(userName, certificateID string) error {
	if err := checkUser(userName); err != nil {
		return err
	}
	if err := validate.CertificateID(certificateID); err != nil {
		return preflightError(err)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// errNoCertificateBlock is the ParseError of a stored body with no
// CERTIFICATE block.
var errNoCertificateBlock = errors.New("no PEM CERTIFICATE block")

// parseStored parses a body IAM already holds. It is lenient where the
// pre-flight is strict (text around the block, expiry): IAM accepted the
// body, and callers listing certificates want to see it, expired or not.
// Like the pre-flight, it finds a block whose BEGIN line is indented, which
// pem.Decode alone skips: else Ensure would not recognise a certificate it
// uploaded in that layout.
func parseStored(body string) (*x509.Certificate, error) {
	rest := []byte(body)
	for {
		i := bytes.Index(rest, []byte("-----BEGIN"))
		if i < 0 {
			return nil, errNoCertificateBlock
		}
		var block *pem.Block
		block, rest = pem.Decode(rest[i:])
		if block == nil {
			return nil, errNoCertificateBlock
		}
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
}

// identity is what makes two bodies the same certificate: the DER's
// fingerprint, or for a body that does not parse, its text without
// whitespace.
func identity(body string, parsed *x509.Certificate) string {
	if parsed == nil {
		parsed, _ = parseStored(body)
	}
	if parsed != nil {
		return Fingerprint(parsed)
	}
	return "body:" + strings.Join(strings.Fields(body), "")
}
