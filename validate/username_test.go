package validate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

func TestUserName(t *testing.T) {
	const f = iamspec.FieldUserName
	bad := func(off int) *refusal { return &refusal{Field: f, Reason: validate.ErrInvalidCharacter, Offset: off} }
	cases := []struct {
		name string
		want *refusal
	}{
		{"", &refusal{Field: f, Reason: validate.ErrEmpty, Offset: -1}},
		{"Bob", nil},
		{"b", nil},
		{"_", nil},
		{"bob_smith+tag=x,y.z@example-co", nil},
		{"ALL_CAPS_0123456789", nil},
		{strings.Repeat("a", 64), nil},
		{strings.Repeat("a", 128), nil},
		{strings.Repeat("a", 129), &refusal{Field: f, Reason: validate.ErrTooLong, Offset: 128}},
		{strings.Repeat("a", 10000), &refusal{Field: f, Reason: validate.ErrTooLong, Offset: 128}},
		{strings.Repeat("a", 129) + " ", bad(129)},
		{"bob smith", bad(3)},
		{"bob/smith", bad(3)},
		{"bob:smith", bad(3)},
		{"bob#1", bad(3)},
		{"bob*", bad(3)},
		{"bob!", bad(3)},
		{"bob\t", bad(3)},
		{"bob\n", bad(3)},
		{"bob\x00", bad(3)},
		{"bob\x7f", bad(3)},
		{"-bob-", nil},
		{"josé", bad(3)},
		{"ü", bad(0)},
		{"bob\xff", bad(3)},
		{"bob\xc3", bad(3)},
		{"\u0663", bad(0)},    // ARABIC-INDIC DIGIT THREE: a digit, but not ASCII \w
		{"a\u212a", bad(1)},   // KELVIN SIGN, which folds to K
		{"\u017f", bad(0)},    // LATIN SMALL LETTER LONG S, which folds to s
		{"bob\u00a0", bad(3)}, // NO-BREAK SPACE
		{"bob\ufeff", bad(3)}, // BOM
		{"Bob\u200b", bad(3)}, // ZERO WIDTH SPACE
		{"[bob]", bad(0)},     // brackets of the pattern's own syntax
		{"bob^", bad(3)},
		{"b\\ob", bad(1)},
		{"bob\u00e9x", bad(3)},
	}
	for _, c := range []byte("+=,.@-_") {
		cases = append(cases, struct {
			name string
			want *refusal
		}{"x" + string(c) + "y", nil})
	}
	for c := 0; c < 0x80; c++ {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", byte(c)) >= 0
		var want *refusal
		if !ok {
			want = bad(1)
		}
		cases = append(cases, struct {
			name string
			want *refusal
		}{"a" + string(rune(c)), want})
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%.40q", tc.name), func(t *testing.T) {
			got := validate.UserName(tc.name)
			if diff := cmp.Diff(tc.want, asRefusal(got), errorOpts); diff != "" {
				t.Errorf("UserName: wrong refusal (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, userNameOracle(tc.name), errorOpts); diff != "" {
				t.Errorf("the table disagrees with the regexp oracle (-table +oracle):\n%s", diff)
			}
			if got != nil {
				if !validate.IsConstraint(got) {
					t.Errorf("IsConstraint(%v) = false", got)
				}
				if len(tc.name) >= 3 && strings.Contains(got.Error(), tc.name) {
					t.Errorf("message quotes the name: %s", got)
				}
			}
		})
	}
}
