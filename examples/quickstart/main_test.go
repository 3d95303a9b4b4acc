package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"uploaded:", "Active",
		"refused before sending", "certificate has expired", "requests sent: 0",
		"DuplicateCertificate", "HTTP 409",
		"LimitExceeded: Cannot exceed quota for CertificatesPerUser: 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "BEGIN CERTIFICATE") {
		t.Errorf("output contains a certificate body")
	}
}
