package fleet_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
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

// TestValidateRefusesEachBadEntryAlone checks each kind of bad entry on its
// own, in a run of otherwise good entries, so that no check depends on
// another's problem being found first: every one names its entry and field,
// and nothing is sent.
func TestValidateRefusesEachBadEntryAlone(t *testing.T) {
	good := newCerts(2)
	valid := certgen.Valid()
	cases := []struct {
		name  string
		entry fleet.Entry
		field string
		want  error
	}{
		{"no user", fleet.Entry{CertificateBody: valid.PEM, Mode: fleet.Ensure}, "UserName", fleet.ErrMissing},
		{"a name IAM refuses", fleet.Entry{UserName: strings.Repeat("n", 129), CertificateBody: valid.PEM, Mode: fleet.Ensure}, "UserName", sigcert.ErrValidation},
		{"no certificate", fleet.Entry{UserName: "Zed", Mode: fleet.Ensure}, "CertificateBody", fleet.ErrMissing},
		{"blank certificate", fleet.Entry{UserName: "Zed", CertificateBody: " \n\t", Mode: fleet.Ensure}, "CertificateBody", fleet.ErrMissing},
		{"not PEM", fleet.Entry{UserName: "Zed", CertificateBody: "hello", Mode: fleet.Ensure}, "CertificateBody", sigcert.ErrMalformedCertificate},
		{"DER, not PEM", fleet.Entry{UserName: "Zed", CertificateBody: valid.DERBody(), Mode: fleet.Ensure}, "CertificateBody", sigcert.ErrValidation},
		{"a private key", fleet.Entry{UserName: "Zed", CertificateBody: valid.WithKeyAppended(), Mode: fleet.Ensure}, "CertificateBody", validate.ErrPrivateKey},
		{"expired", fleet.Entry{UserName: "Zed", CertificateBody: certgen.Expired().PEM, Mode: fleet.Ensure}, "CertificateBody", validate.ErrExpired},
		{"no mode", fleet.Entry{UserName: "Zed", CertificateBody: valid.PEM}, "Mode", fleet.ErrMissing},
		{"a mode of its own", fleet.Entry{UserName: "Zed", CertificateBody: valid.PEM, Mode: "Rotate"}, "Mode", fleet.ErrBadMode},
		{"a policy out of range", fleet.Entry{UserName: "Zed", CertificateBody: valid.PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: -1}}, "Policy", fleet.ErrBadPolicy},
		{"ensure with room to delete", fleet.Entry{UserName: "Zed", CertificateBody: valid.PEM, Mode: fleet.Ensure, Policy: sigcert.RotatePolicy{DeleteActiveForRoom: true}}, "Policy", fleet.ErrBadPolicy},
		{"a user twice, another case", fleet.Entry{UserName: "ALICE", CertificateBody: good[0], Mode: fleet.Ensure}, "UserName", fleet.ErrRepeatedUser},
		{"a user twice, another certificate", fleet.Entry{UserName: "alice", CertificateBody: valid.PEM, Mode: fleet.Ensure}, "UserName", fleet.ErrConflictingUser},
		{"another user's certificate", fleet.Entry{UserName: "Zed", CertificateBody: good[1], Mode: fleet.Ensure}, "CertificateBody", fleet.ErrSharedCertificate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.entry.Source = "bad"
			entries := []fleet.Entry{
				{UserName: "Alice", CertificateBody: good[0], Mode: fleet.Ensure},
				{UserName: "Bob", CertificateBody: good[1], Mode: fleet.Rotate, Policy: deactivate},
				c.entry,
			}
			api := &writeCounter{API: sigcerttest.NewFake("Alice", "Bob", "Zed")}
			rep, err := (&fleet.Runner{API: api}).Run(context.Background(), entries)
			var inv *fleet.InvalidEntriesError
			if !errors.As(err, &inv) || rep != nil {
				t.Fatalf("err %v, report %v", err, rep)
			}
			if len(inv.Problems) != 1 {
				t.Fatalf("%d problems, want 1:\n%v", len(inv.Problems), err)
			}
			p := inv.Problems[0]
			if p.Index != 2 || p.Entry != "bad" || p.Field != c.field || !errors.Is(p.Err, c.want) {
				t.Errorf("problem %+v (%v); want entry 2, field %s, %v", p, p.Err, c.field, c.want)
			}
			if api.wrote() != 0 {
				t.Errorf("%d writes", api.wrote())
			}
		})
	}
}
