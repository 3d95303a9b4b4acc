package sigcert_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
)

// Every method of a zero Uploader returns an error rather than panicking,
// and sends nothing; so does every method given a nil context.
func TestZeroUploaderReturnsErrors(t *testing.T) {
	ctx := context.Background()
	req := sigcert.Request{UserName: "Bob", CertificateBody: newPEM()}
	const id = "ASCAEXAMPLEEXAMPLEEXAMPLE"
	for _, up := range []*sigcert.Uploader{{}, nil} {
		calls := map[string]func() error{
			"Upload":     func() error { _, err := up.Upload(ctx, req); return err },
			"Ensure":     func() error { _, err := up.Ensure(ctx, req); return err },
			"Rotate":     func() error { _, err := up.Rotate(ctx, req, sigcert.RotatePolicy{}); return err },
			"PlanEnsure": func() error { _, err := up.PlanEnsure(ctx, req); return err },
			"PlanRotate": func() error { _, err := up.PlanRotate(ctx, req, sigcert.RotatePolicy{}); return err },
			"List":       func() error { _, err := up.List(ctx, "Bob"); return err },
			"SetStatus":  func() error { return up.SetStatus(ctx, "Bob", id, types.StatusTypeInactive) },
			"Delete":     func() error { return up.Delete(ctx, "Bob", id) },
		}
		for name, call := range calls {
			if err := call(); err == nil || !strings.Contains(err.Error(), "NewUploader") {
				t.Errorf("%s on %#v: err = %v, want one saying to use NewUploader", name, up, err)
			}
		}
	}
	// Check needs no API: a zero Uploader checks with the defaults.
	if _, err := (&sigcert.Uploader{}).Check(req); err != nil {
		t.Errorf("zero Uploader's Check: %v", err)
	}
	var nilCtx context.Context
	if _, err := sigcert.NewUploader(newDouble("Bob")).Ensure(nilCtx, req); err == nil {
		t.Errorf("Ensure with a nil context: no error")
	}
}

// A zero RotateError, and one with only some fields set, print without
// panicking and say what they know.
func TestZeroRotateErrorPrints(t *testing.T) {
	for _, e := range []*sigcert.RotateError{
		{},
		{UserName: "Bob"},
		{Err: sigcert.ErrLimitExceeded, State: sigcert.RotateStateListed},
		{Err: sigcert.ErrLimitExceeded, StateListed: true},
		{Failed: sigcert.Step{Action: sigcert.ActionDelete}, State: sigcert.RotateStateDerived},
	} {
		msg := e.Error()
		if !strings.HasPrefix(msg, "sigcert: rotate ") {
			t.Errorf("%#v: %q", e, msg)
		}
		if e.State == sigcert.RotateStateUnknown && !e.StateListed && !strings.Contains(msg, "could not list") {
			t.Errorf("%q: the state is unknown, and the message must say so", msg)
		}
		if (e.State == sigcert.RotateStateListed || e.StateListed) && !strings.Contains(msg, "the user now holds: no certificates") {
			t.Errorf("%q: listed, holding nothing", msg)
		}
	}
	if errors.Unwrap(&sigcert.RotateError{}) != nil {
		t.Errorf("a zero RotateError unwraps to something")
	}
}
