package main

import (
	"encoding/json"
	"testing"
)

// The AWS CLI reads a backtick literal that is not JSON as a string, as
// Python's jmespath does; scripts rely on it. JSON literals, raw strings and
// quoted identifiers holding backticks are left alone.
func TestLegacyLiterals(t *testing.T) {
	for in, want := range map[string]string{
		"Certificates[?Status==`Inactive`].CertificateId": "Certificates[?Status==`\"Inactive\"`].CertificateId",
		"Certificates[?Status==`\"Active\"`]":             "Certificates[?Status==`\"Active\"`]",
		"length(Certificates) > `1`":                      "length(Certificates) > `1`",
		"[?a=='x`y`']":                                    "[?a=='x`y`']",
		"\"we`ird\".x":                                    "\"we`ird\".x",
		"[?a==` spaced`]":                                 "[?a==`\"spaced\"`]",
		"a`":                                              "a`",
		"`":                                               "`",
	} {
		if got := legacyLiterals(in); got != want {
			t.Errorf("legacyLiterals(%q) = %q, want %q", in, got, want)
		}
	}
	q, err := compileQuery("Certificates[?Status==`Inactive`].CertificateId")
	if err != nil {
		t.Fatal(err)
	}
	var data any
	_ = json.Unmarshal([]byte(`{"Certificates":[{"Status":"Active","CertificateId":"A"},{"Status":"Inactive","CertificateId":"B"}]}`), &data)
	got, err := q.expr.Search(data)
	if err != nil {
		t.Fatal(err)
	}
	if ids, ok := got.([]any); !ok || len(ids) != 1 || ids[0] != "B" {
		t.Errorf("search = %v, want [B]", got)
	}
}
