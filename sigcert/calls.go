package sigcert

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// This file is the single-call layer: each operation is one SDK call (or,
// for List, one call per page) with its error mapping. Called directly, they
// pass the Uploader's SDK options and honour WithConcurrentModificationRetry;
// the workflows (Ensure, Rotate) call them through a run, which turns both
// off and applies its own one retry budget instead.

// List bounds. A user holds at most iamspec.CertificatesPerUser (2) signing
// certificates, and IAM pages 100 to a page by default, so a real answer is
// one page of at most two. Anything far beyond that is not IAM's answer for
// one user, and is refused rather than followed until memory runs out.
const (
	maxListPages = 10
	maxListItems = 10
)

// List returns all of the user's signing certificates, following every page.
// An empty userName means the user that signs the requests.
//
// Each certificate's body is parsed for a view callers can act on (X509,
// Fingerprint); a body that does not parse leaves X509 nil and sets
// ParseError, and is not an error of List. Errors are those of Upload:
// ErrNoSuchEntity for an unknown user, ErrValidation for a bad name.
//
// List is never silently partial: an answer that says IsTruncated without a
// Marker, repeats a Marker, runs past 10 pages or 10 certificates (a user
// holds at most 2), or lacks a required field is a *ServiceError matching
// ErrIncompleteResponse, with the operation and the request id of the page.
func (u *Uploader) List(ctx context.Context, userName string) ([]*Certificate, error) {
	if err := u.ready(ctx, iamspec.OpList); err != nil {
		return nil, err
	}
	return u.list(ctx, userName, u.s.optFns, true)
}

// list is List with the SDK options given, and with or without the
// ConcurrentModification retry.
func (u *Uploader) list(ctx context.Context, userName string, optFns []func(*iam.Options), cmRetry bool) ([]*Certificate, error) {
	if err := checkUser(userName); err != nil {
		return nil, err
	}
	var (
		certs  []*Certificate
		marker *string
		seen   = map[string]bool{}
		last   *middleware.Metadata // the last page's, for its request id
	)
	for page := 0; ; page++ {
		if page == maxListPages {
			return nil, incompleteResponse(iamspec.OpList, last, fmt.Sprintf("more than %d pages", maxListPages))
		}
		in := &iam.ListSigningCertificatesInput{Marker: marker, UserName: optional(userName)}
		out, err := call(ctx, &u.s, cmRetry, func() (*iam.ListSigningCertificatesOutput, error) {
			out, err := u.api.ListSigningCertificates(ctx, in, optFns...)
			if err != nil {
				return nil, serviceError(iamspec.OpList, err, "")
			}
			return out, nil
		})
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, incompleteResponse(iamspec.OpList, nil, "no answer")
		}
		last = &out.ResultMetadata
		requestID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		if len(certs)+len(out.Certificates) > maxListItems {
			return nil, incompleteResponse(iamspec.OpList, &out.ResultMetadata,
				fmt.Sprintf("more than %d certificates for one user, who can hold %d", maxListItems, iamspec.CertificatesPerUser))
		}
		for i := range out.Certificates {
			c, missing := fromSDK(&out.Certificates[i])
			if missing != "" {
				return nil, incompleteResponse(iamspec.OpList, &out.ResultMetadata, missing)
			}
			c.RequestID = requestID
			describeStored(c)
			certs = append(certs, c)
		}
		if !out.IsTruncated {
			return certs, nil
		}
		switch {
		case out.Marker == nil || *out.Marker == "":
			return nil, incompleteResponse(iamspec.OpList, &out.ResultMetadata, "IsTruncated without a Marker")
		case seen[*out.Marker]:
			return nil, incompleteResponse(iamspec.OpList, &out.ResultMetadata, "a Marker repeated")
		}
		seen[*out.Marker] = true
		marker = out.Marker
	}
}

// SetStatus makes the user's certificate Active or Inactive. An Inactive
// certificate still counts against the quota of two.
func (u *Uploader) SetStatus(ctx context.Context, userName, certificateID string, status types.StatusType) error {
	if err := u.ready(ctx, iamspec.OpUpdate); err != nil {
		return err
	}
	return u.setStatus(ctx, userName, certificateID, status, u.s.optFns, true)
}

func (u *Uploader) setStatus(ctx context.Context, userName, certificateID string, status types.StatusType, optFns []func(*iam.Options), cmRetry bool) error {
	if err := checkIDs(userName, certificateID); err != nil {
		return err
	}
	if err := validate.Status(string(status)); err != nil {
		return preflightError(err)
	}
	in := &iam.UpdateSigningCertificateInput{CertificateId: &certificateID, Status: status, UserName: optional(userName)}
	_, err := call(ctx, &u.s, cmRetry, func() (struct{}, error) {
		if _, err := u.api.UpdateSigningCertificate(ctx, in, optFns...); err != nil {
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
	return u.delete(ctx, userName, certificateID, u.s.optFns, true)
}

func (u *Uploader) delete(ctx context.Context, userName, certificateID string, optFns []func(*iam.Options), cmRetry bool) error {
	if err := checkIDs(userName, certificateID); err != nil {
		return err
	}
	in := &iam.DeleteSigningCertificateInput{CertificateId: &certificateID, UserName: optional(userName)}
	_, err := call(ctx, &u.s, cmRetry, func() (struct{}, error) {
		if _, err := u.api.DeleteSigningCertificate(ctx, in, optFns...); err != nil {
			return struct{}{}, serviceError(iamspec.OpDelete, err, "")
		}
		return struct{}{}, nil
	})
	return err
}

// upload makes the call for a request that passed pre-flight, as Upload
// does: with the Uploader's SDK options and ConcurrentModification retry.
func (u *Uploader) upload(ctx context.Context, req Request, parsed *x509.Certificate, optFns []func(*iam.Options)) (*Certificate, error) {
	return u.uploadWith(ctx, req, parsed, optFns, true)
}

func (u *Uploader) uploadWith(ctx context.Context, req Request, parsed *x509.Certificate, optFns []func(*iam.Options), cmRetry bool) (*Certificate, error) {
	in := &iam.UploadSigningCertificateInput{CertificateBody: &req.CertificateBody, UserName: optional(req.UserName)}
	out, err := call(ctx, &u.s, cmRetry, func() (*iam.UploadSigningCertificateOutput, error) {
		out, err := u.api.UploadSigningCertificate(ctx, in, optFns...)
		if err != nil {
			return nil, serviceError(iamspec.OpUpload, err, req.CertificateBody)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil || out.Certificate == nil {
		var md *middleware.Metadata
		if out != nil {
			md = &out.ResultMetadata
		}
		return nil, incompleteResponse(iamspec.OpUpload, md, "no certificate")
	}
	c, missing := fromSDK(out.Certificate)
	if missing != "" {
		return nil, incompleteResponse(iamspec.OpUpload, &out.ResultMetadata, missing)
	}
	c.RequestID, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	switch {
	case parsed != nil:
		c.X509 = parsed
		c.Fingerprint = Fingerprint(parsed)
	case !u.s.skipX509:
		// The checks passed but crypto/x509 could not parse the body (a
		// negative serial, a secp256k1 key, ...): describe the answer as List
		// describes what IAM holds, so that Ensure's and Rotate's uploads
		// say why X509 is nil as Upload's do (Upload then puts validate's
		// reason in ParseError, see describeSent).
		describeStored(c)
	default:
		if der, err := storedDER(c.CertificateBody); err == nil {
			c.Fingerprint = fingerprintDER(der)
		}
	}
	return c, nil
}

// call runs one SDK call, retried on ConcurrentModification as the
// Uploader's option says when cmRetry is set.
func call[T any](ctx context.Context, s *settings, cmRetry bool, f func() (T, error)) (T, error) {
	if !cmRetry {
		return f()
	}
	return withCMRetry(ctx, s, f)
}

// fromSDK converts the SDK's certificate. missing names the fields IAM
// documents as required that the answer lacks ("" when none does).
func fromSDK(sc *types.SigningCertificate) (c *Certificate, missing string) {
	var lacks []string
	if sc.UserName == nil || *sc.UserName == "" {
		lacks = append(lacks, iamspec.FieldUserName)
	}
	if sc.CertificateId == nil || *sc.CertificateId == "" {
		lacks = append(lacks, iamspec.FieldCertificateID)
	}
	if sc.CertificateBody == nil || *sc.CertificateBody == "" {
		lacks = append(lacks, iamspec.FieldCertificateBody)
	}
	if sc.Status == "" {
		lacks = append(lacks, iamspec.FieldStatus)
	}
	if len(lacks) > 0 {
		return nil, fmt.Sprintf("a certificate without %s", strings.Join(lacks, ", "))
	}
	c = &Certificate{
		UserName:        *sc.UserName,
		CertificateID:   *sc.CertificateId,
		CertificateBody: *sc.CertificateBody,
		Status:          sc.Status,
	}
	if sc.UploadDate != nil {
		c.UploadDate = *sc.UploadDate
	}
	return c, ""
}

// misuseError is a refusal of a call that could not be made at all (no
// API, no context): nothing was sent, so its outcome is known.
type misuseError struct{ msg string }

func (e *misuseError) Error() string { return e.msg }

// ready refuses misuse that would otherwise panic: a nil or zero Uploader,
// a nil context.
func (u *Uploader) ready(ctx context.Context, op string) error {
	if ctx == nil {
		return &misuseError{fmt.Sprintf("sigcert: %s: nil Context", op)}
	}
	if u == nil || u.api == nil {
		return &misuseError{fmt.Sprintf("sigcert: %s: Uploader has no API; create it with NewUploader", op)}
	}
	return nil
}

// checkUser refuses a user name IAM would refuse, as a *PreflightError;
// "" (the caller's own user) passes.
func checkUser(userName string) error {
	if userName == "" {
		return nil
	}
	if err := validate.UserName(userName); err != nil {
		return preflightError(err)
	}
	return nil
}

// checkIDs is checkUser, then the certificate id's pattern.
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
