package sigcert_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestSetStatusAndDelete(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		ctx := context.Background()
		c, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
		if err != nil {
			t.Fatal(err)
		}
		if err := up.SetStatus(ctx, "Bob", c.CertificateID, types.StatusTypeInactive); err != nil {
			t.Fatal(err)
		}
		if h := held(ep, "Bob"); !cmp.Equal(h, []string{c.CertificateID + ":Inactive"}) {
			t.Errorf("after SetStatus Bob holds %v", h)
		}
		checks := []struct {
			name string
			err  error
			want error
		}{
			{"expired status", up.SetStatus(ctx, "Bob", c.CertificateID, types.StatusTypeExpired), sigcert.ErrValidation},
			{"bad id", up.SetStatus(ctx, "Bob", "short", types.StatusTypeActive), sigcert.ErrValidation},
			{"unknown id", up.SetStatus(ctx, "Bob", strings.Repeat("A", 28), types.StatusTypeActive), sigcert.ErrNoSuchEntity},
			{"unknown user", up.Delete(ctx, "Nobody", c.CertificateID), sigcert.ErrNoSuchEntity},
			{"bad user", up.Delete(ctx, "no body", c.CertificateID), sigcert.ErrValidation},
		}
		for _, ch := range checks {
			if !errors.Is(ch.err, ch.want) {
				t.Errorf("%s: err = %v, want %v", ch.name, ch.err, ch.want)
			}
		}
		if err := up.Delete(ctx, "Bob", c.CertificateID); err != nil {
			t.Fatal(err)
		}
		if h := held(ep, "Bob"); len(h) != 0 {
			t.Errorf("after Delete Bob holds %v", h)
		}
		if err := up.Delete(ctx, "Bob", c.CertificateID); !errors.Is(err, sigcert.ErrNoSuchEntity) {
			t.Errorf("second Delete: err = %v, want ErrNoSuchEntity", err)
		}
	})
}

// A certificate crypto/x509 cannot parse, uploaded by Ensure or Rotate, is
// described as Upload and List describe it: X509 nil, ParseError saying why,
// and the fingerprint of its DER.
func TestWorkflowUploadSaysWhyGoCannotParse(t *testing.T) {
	body, err := os.ReadFile("../validate/testdata/x509/negative-serial.pem")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := sigcert.Request{UserName: "Bob", CertificateBody: string(body)}
	ensure := func(up *sigcert.Uploader) (*sigcert.Certificate, error) { return up.Ensure(ctx, req) }
	rotate := func(up *sigcert.Uploader) (*sigcert.Certificate, error) {
		r, err := up.Rotate(ctx, req, sigcert.RotatePolicy{})
		if err != nil {
			return nil, err
		}
		return r.New, nil
	}
	for name, run := range map[string]func(*sigcert.Uploader) (*sigcert.Certificate, error){"Ensure": ensure, "Rotate": rotate} {
		t.Run(name, func(t *testing.T) {
			up := sigcert.NewUploader(sigcerttest.NewFake("Bob"))
			c, err := run(up)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(body)
			sum := sha256.Sum256(block.Bytes)
			if c.X509 != nil || c.ParseError == nil || c.Fingerprint != hex.EncodeToString(sum[:]) {
				t.Errorf("X509 %v, ParseError %v, Fingerprint %q", c.X509, c.ParseError, c.Fingerprint)
			}
		})
	}
}
