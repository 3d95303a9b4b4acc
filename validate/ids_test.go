package validate_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

func TestCertificateIDAgreesWithIAM(t *testing.T) {
	re := regexp.MustCompile(iamspec.CertificateIDPattern)
	tests := []struct {
		id   string
		want error
	}{
		{"", validate.ErrEmpty},
		{strings.Repeat("A", 23), validate.ErrTooShort},
		{strings.Repeat("A", 24), nil},
		{"TA7SMP42TDN5Z26OBPJE7EXAMPLE", nil},
		{strings.Repeat("a_1", 42) + "xy", nil},          // 128
		{strings.Repeat("a_1", 43), validate.ErrTooLong}, // 129
		{"TA7SMP42TDN5Z26OBPJE7EXAMPL-", validate.ErrInvalidCharacter},
		{"TA7SMP42TDN5Z26OBPJE7EXAMPL+", validate.ErrInvalidCharacter},
		{"TA7SMP42TDN5Z26OBPJE7EXAMPLé", validate.ErrInvalidCharacter},
		{"TA7SMP42TDN5 26OBPJE7EXAMPLE", validate.ErrInvalidCharacter},
	}
	for _, tt := range tests {
		err := validate.CertificateID(tt.id)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("CertificateID(%q) = %v, want %v", tt.id, err, tt.want)
		}
		oracle := re.MatchString(tt.id) && len(tt.id) >= iamspec.CertificateIDMinLen && len(tt.id) <= iamspec.CertificateIDMaxLen
		if oracle != (err == nil) {
			t.Errorf("CertificateID(%q): accepted=%v, IAM's pattern and length say %v", tt.id, err == nil, oracle)
		}
		if err != nil && !validate.IsConstraint(err) {
			t.Errorf("CertificateID(%q): refusal is not a constraint", tt.id)
		}
	}
}

func TestStatus(t *testing.T) {
	for s, ok := range map[string]bool{"Active": true, "Inactive": true, "Expired": false, "active": false, "": false} {
		err := validate.Status(s)
		if (err == nil) != ok || (err != nil && !errors.Is(err, validate.ErrInvalidValue)) {
			t.Errorf("Status(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}
