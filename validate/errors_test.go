package validate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/iamkit/signingcert/validate"
)

// Message is the refusal without the package prefix, so a caller prefixes
// it once; Error is "validate: " and Message.
func TestErrorMessageHasNoPrefix(t *testing.T) {
	err := validate.CertificateBody("")
	var ve *validate.Error
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *validate.Error", err)
	}
	if got, want := ve.Error(), "validate: "+ve.Message(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !strings.HasPrefix(ve.Message(), "CertificateBody: empty") || strings.Contains(ve.Message(), "validate:") {
		t.Errorf("Message() = %q", ve.Message())
	}
	tests := []struct {
		err  *validate.Error
		want string
	}{
		{&validate.Error{}, "refused (at byte offset 0)"},
		{&validate.Error{Offset: -1}, "refused"},
		{&validate.Error{Field: "UserName", Reason: validate.ErrTooLong, Offset: -1, Detail: "129 characters; IAM allows 128"}, "UserName: too long: 129 characters; IAM allows 128"},
		{nil, "refused"},
	}
	for _, tt := range tests {
		if got := tt.err.Message(); got != tt.want {
			t.Errorf("%#v.Message() = %q, want %q", tt.err, got, tt.want)
		}
		if got := fmt.Sprintf("%v", tt.err); got != "validate: "+tt.want {
			t.Errorf("%%v = %q, want %q", got, "validate: "+tt.want)
		}
	}
}
