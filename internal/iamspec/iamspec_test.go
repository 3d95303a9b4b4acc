package iamspec_test

import (
	"testing"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// The hand-written Go patterns the validator uses are the API model's
// patterns, translated.
func TestGoPatternTranslatesTheAPIModelsPatterns(t *testing.T) {
	for _, tt := range []struct{ api, goPattern string }{
		{iamspec.APICertificateBodyPattern, iamspec.CertificateBodyPattern},
		{iamspec.APIUserNamePattern, iamspec.UserNamePattern},
		{iamspec.APICertificateIDPattern, iamspec.CertificateIDPattern},
		{iamspec.APIMarkerPattern, iamspec.MarkerPattern},
		{`[\u0000-\u0041]`, `^[\x{0}-\x{41}]$`},
	} {
		if got := iamspec.GoPattern(tt.api); got != tt.goPattern {
			t.Errorf("GoPattern(%s) = %s, want %s", tt.api, got, tt.goPattern)
		}
	}
}

func TestStatusOfServerCodes(t *testing.T) {
	for code, want := range map[string]int{
		iamspec.CodeInternalFailure: 500, iamspec.CodeServiceUnavailable: 503, iamspec.CodeServiceFailure: 500,
		iamspec.CodeDeleteConflict: 409, iamspec.CodeThrottling: 400, "SomethingElse": 400,
	} {
		if got := iamspec.Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}
