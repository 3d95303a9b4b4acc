package sigcert_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// When Rotate cannot list the user's certificates at all, it knows nothing
// of them, and its message must not claim the user holds none.
func TestRotateUnlistedSaysSo(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	seed(t, httpEndpoint{srv.Client(), srv}, "Bob", types.StatusTypeActive, types.StatusTypeInactive)
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: iamspec.CodeServiceFailure, Count: 20})
	_, err := newUploader(srv.Client()).Rotate(context.Background(),
		sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM}, sigcert.RotatePolicy{})
	var re *sigcert.RotateError
	if !errors.As(err, &re) || !errors.Is(err, sigcert.ErrServiceFailure) {
		t.Fatalf("err = %v, want a *RotateError matching ErrServiceFailure", err)
	}
	if re.StateListed || re.Certificates != nil || re.Failed.Action != "" || len(re.Done) != 0 {
		t.Errorf("StateListed %v, Certificates %v, Failed %v, Done %v", re.StateListed, re.Certificates, re.Failed, re.Done)
	}
	msg := err.Error()
	if strings.Contains(msg, "no certificates") || !strings.Contains(msg, "could not list the user's certificates") {
		t.Errorf("message %q: Bob holds 2 certificates, which Rotate could not list", msg)
	}
}
