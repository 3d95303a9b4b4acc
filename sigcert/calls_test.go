package sigcert_test

import (
	"context"
	"errors"
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
