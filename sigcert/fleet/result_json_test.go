package fleet_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// TestReportOfFailedEntriesEncodesAsJSON runs, over HTTP, entries that
// fail in each way a Result can carry (an unknown user, a step that fails
// part way) next to ones that succeed, and encodes the Report. The SDK's
// errors hold its *http.Request, which encoding/json refuses: the Report
// must encode anyway, flat, naming each failure, and without any body.
func TestReportOfFailedEntriesEncodesAsJSON(t *testing.T) {
	srv := sigcerttest.NewServer("Bob", "Carol", "Dave")
	defer srv.Close()
	c := newCerts(6)
	give(t, srv.Client(), "Bob", c[0])
	give(t, srv.Client(), "Carol", c[1])
	give(t, srv.Client(), "Dave", c[5])
	entries := []fleet.Entry{
		{UserName: "Bob", CertificateBody: c[2], Mode: fleet.Rotate, Policy: deactivate},  // deactivate refused
		{UserName: "Nobody", CertificateBody: c[3], Mode: fleet.Rotate},                   // no such user
		{UserName: "Carol", CertificateBody: c[1], Mode: fleet.Ensure},                    // holds it
		{UserName: "Dave", CertificateBody: c[4], Mode: fleet.Rotate, Policy: deactivate}, // a plain rotation
	}
	srv.Inject(sigcerttest.Fault{Action: "UpdateSigningCertificate", Code: "AccessDenied"})
	rep, err := (&fleet.Runner{API: srv.Client(), Concurrency: 1, Retryer: fastRetryer()}).Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatalf("the Report does not encode: %v", err)
	}
	if strings.Contains(string(b), "BEGIN CERTIFICATE") || strings.Contains(string(b), "MII") {
		t.Errorf("the JSON holds a certificate body:\n%s", b)
	}
	type step struct {
		Action        string `json:"action"`
		CertificateID string `json:"certificate_id"`
	}
	type held struct {
		CertificateID string `json:"certificate_id"`
		Status        string `json:"status"`
		Fingerprint   string `json:"fingerprint"`
		NotAfter      string `json:"not_after"`
	}
	type result struct {
		Index         int    `json:"index"`
		UserName      string `json:"user_name"`
		Mode          string `json:"mode"`
		Status        string `json:"status"`
		CertificateID string `json:"certificate_id"`
		Steps         []step `json:"steps"`
		FailedStep    *step  `json:"failed_step"`
		Holds         []held `json:"holds"`
		Error         string `json:"error"`
		ErrorCode     string `json:"error_code"`
		Calls         int    `json:"calls"`
		DurationNS    int64  `json:"duration_ns"`
	}
	var got struct {
		Results []result       `json:"results"`
		Summary map[string]any `json:"summary"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 4 || got.Summary["failed"] != 2.0 || got.Summary["changed"] != 1.0 {
		t.Fatalf("decoded %s", b)
	}
	bob, nobody, carol, dave := got.Results[0], got.Results[1], got.Results[2], got.Results[3]
	if bob.Status != "failed" || bob.ErrorCode != "AccessDenied" || !strings.Contains(bob.Error, "deactivate") ||
		bob.FailedStep == nil || bob.FailedStep.Action != "deactivate" || len(bob.Steps) != 1 || bob.Steps[0].Action != "upload" ||
		len(bob.Holds) != 2 || bob.Holds[0].Fingerprint == "" || bob.Holds[0].NotAfter == "" {
		t.Errorf("Bob, failed after the upload: %+v", bob)
	}
	if nobody.Status != "failed" || nobody.ErrorCode != "NoSuchEntity" || nobody.FailedStep != nil || nobody.Holds != nil || nobody.Index != 1 {
		t.Errorf("Nobody: %+v", nobody)
	}
	if carol.Status != "unchanged" || carol.CertificateID == "" || carol.Error != "" || carol.Calls != 1 || carol.Mode != "ensure" {
		t.Errorf("Carol: %+v", carol)
	}
	var daveSteps []string
	for _, s := range dave.Steps {
		daveSteps = append(daveSteps, s.Action)
	}
	if diff := cmp.Diff([]string{"upload", "deactivate"}, daveSteps); diff != "" || dave.Status != "changed" || dave.CertificateID != rep.Results[3].Certificate.CertificateID || dave.DurationNS <= 0 {
		t.Errorf("Dave (-want +got steps):\n%s\n%+v", diff, dave)
	}

	// A zero Result encodes too.
	if _, err := json.Marshal(fleet.Result{}); err != nil {
		t.Errorf("zero Result: %v", err)
	}
}

// A dry run's Report encodes each entry's plan: the steps the apply would
// take, with their certificates and reasons.
func TestDryRunReportEncodesThePlan(t *testing.T) {
	fake := sigcerttest.NewFake("Bob")
	c := newCerts(2)
	give(t, fake, "Bob", c[0])
	rep, err := (&fleet.Runner{API: fake, DryRun: true}).Run(context.Background(), []fleet.Entry{
		{UserName: "Bob", CertificateBody: c[1], Mode: fleet.Rotate, Policy: deactivate},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Results []struct {
			Plan []struct {
				Action, CertificateID, Why string
			} `json:"plan"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, s := range got.Results[0].Plan {
		actions = append(actions, s.Action)
	}
	if diff := cmp.Diff([]string{"upload", "deactivate"}, actions); diff != "" || got.Results[0].Plan[1].Why == "" {
		t.Errorf("plan actions (-want +got):\n%s\n%s", diff, b)
	}
}
