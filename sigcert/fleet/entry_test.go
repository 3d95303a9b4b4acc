package fleet_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/validate"
)

func TestValidateListsEveryProblem(t *testing.T) {
	c := newCerts(6)
	valid := certgen.Valid()
	entries := []fleet.Entry{
		{UserName: "Bob", CertificateBody: c[0], Mode: fleet.Rotate, Policy: deactivate},                                                      // 0: fine
		{UserName: "bob", CertificateBody: c[0], Mode: fleet.Rotate},                                                                          // 1: Bob again, same certificate
		{UserName: "BOB", CertificateBody: c[1], Mode: fleet.Ensure},                                                                          // 2: Bob again, another certificate
		{UserName: "Carol", CertificateBody: c[0], Mode: fleet.Ensure},                                                                        // 3: Bob's certificate
		{UserName: "", CertificateBody: c[2], Mode: fleet.Ensure},                                                                             // 4: no user
		{UserName: "Dave", Mode: fleet.Ensure},                                                                                                // 5: no certificate
		{UserName: "Erin", CertificateBody: c[3], Mode: "replace"},                                                                            // 6: bad mode
		{UserName: "Fay", CertificateBody: c[4]},                                                                                              // 7: no mode
		{UserName: "Gus", CertificateBody: c[5], Mode: fleet.Ensure, Policy: deactivate},                                                      // 8: policy on ensure
		{UserName: "Hal", CertificateBody: certgen.Expired().PEM, Mode: fleet.Ensure},                                                         // 9: expired
		{UserName: "Ida", CertificateBody: valid.WithKeyAppended(), Mode: fleet.Ensure},                                                       // 10: private key
		{UserName: "bad name!", CertificateBody: valid.PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: 7}, Source: "line 12"}, // 11: name, policy
		{UserName: "Jo", CertificateBody: valid.CRLF(), Mode: fleet.Ensure},                                                                   // 12: line 12's certificate in another layout
	}
	err := fleet.Validate(entries)
	var inv *fleet.InvalidEntriesError
	if !errors.As(err, &inv) {
		t.Fatalf("Validate: %v, want *InvalidEntriesError", err)
	}
	type got struct {
		Index int
		Field string
	}
	var problems []got
	for _, p := range inv.Problems {
		problems = append(problems, got{p.Index, p.Field})
	}
	want := []got{
		{1, "UserName"}, {2, "UserName"}, {3, "CertificateBody"}, {4, "UserName"}, {5, "CertificateBody"},
		{6, "Mode"}, {7, "Mode"}, {8, "Policy"}, {9, "CertificateBody"}, {10, "CertificateBody"},
		{11, "Policy"}, {11, "UserName"}, {12, "CertificateBody"},
	}
	if diff := cmp.Diff(want, problems); diff != "" {
		t.Fatalf("problems (-want +got):\n%s\n%v", diff, err)
	}
	reasons := []error{
		fleet.ErrRepeatedUser, fleet.ErrConflictingUser, fleet.ErrSharedCertificate, fleet.ErrMissing, fleet.ErrMissing,
		fleet.ErrBadMode, fleet.ErrMissing, fleet.ErrBadPolicy, validate.ErrExpired, validate.ErrPrivateKey,
		fleet.ErrBadPolicy, sigcert.ErrValidation, fleet.ErrSharedCertificate,
	}
	for i, p := range inv.Problems {
		if !errors.Is(p.Err, reasons[i]) {
			t.Errorf("problem %d (%s): %v, want %v", i, p, p.Err, reasons[i])
		}
	}
	msg := err.Error()
	for _, s := range []string{"13 problem(s)", "entry 1 (bob): UserName: user has another entry: entry 0", "line 12 (bad name!): Policy", "entry 12 (Jo): CertificateBody: certificate is also in another user's entry: line 12 (bad name!)"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, "BEGIN") {
		t.Errorf("message shows a certificate body:\n%s", msg)
	}
}

func TestValidateAcceptsAGoodFleet(t *testing.T) {
	c := newCerts(2)
	if err := fleet.Validate([]fleet.Entry{
		{UserName: "Bob", CertificateBody: c[0], Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeletePrevious, DeleteActiveForRoom: true}},
		{UserName: "Alice", CertificateBody: c[1], Mode: fleet.Ensure},
	}); err != nil {
		t.Fatal(err)
	}
	if err := fleet.Validate(nil); err != nil {
		t.Errorf("no entries: %v", err)
	}
}

func TestValidateWithSkippedX509ChecksComparesBodies(t *testing.T) {
	c := certgen.Valid()
	err := fleet.Validate([]fleet.Entry{
		{UserName: "Bob", CertificateBody: c.PEM, Mode: fleet.Ensure},
		{UserName: "Alice", CertificateBody: c.CRLF(), Mode: fleet.Ensure},
	}, sigcert.SkipX509Checks())
	if !errors.Is(err.(*fleet.InvalidEntriesError).Problems[0].Err, fleet.ErrSharedCertificate) {
		t.Errorf("the same certificate in two layouts was not found shared: %v", err)
	}
}
