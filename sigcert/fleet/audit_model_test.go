package fleet_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// TestAuditOverHTTPFlagsAPreparedAccount audits every user of an account
// prepared in the local IAM's model, over HTTP through *iam.Client alone
// (ListUsers and the lists), with each state IAM's rules let an account
// reach, the Expired status included: IAM's API has a third status,
// Expired, which the model sets only when told (MarkExpired). A
// certificate in it is reported as it is, not as an error, and counts as
// not Active.
func TestAuditOverHTTPFlagsAPreparedAccount(t *testing.T) {
	now := time.Now()
	day := 24 * time.Hour
	srv := sigcerttest.NewServer("Fine", "Soon", "Lapsed", "Full", "Idle", "Retired", "Mixed", "Weak", "Quiet")
	defer srv.Close()
	api := srv.Client()
	give(t, api, "Fine", certgen.Valid().PEM)
	give(t, api, "Soon", certgen.New(certgen.Options{NotAfter: now.Add(10 * day)}).PEM)
	give(t, api, "Full", certgen.Valid().PEM)
	give(t, api, "Full", certgen.Valid().PEM)
	give(t, api, "Idle", certgen.Valid().PEM)
	give(t, api, "Retired", certgen.Valid().PEM)
	give(t, api, "Mixed", certgen.Valid().PEM)
	give(t, api, "Mixed", certgen.Valid().PEM)
	give(t, api, "Weak", weakCert(t))
	up := sigcert.NewUploader(api)
	if err := up.SetStatus(context.Background(), "Idle", *srv.Certificates("Idle")[0].CertificateId, types.StatusTypeInactive); err != nil {
		t.Fatal(err)
	}
	srv.MarkExpired("Retired", *srv.Certificates("Retired")[0].CertificateId)
	srv.MarkExpired("Mixed", *srv.Certificates("Mixed")[0].CertificateId)
	// Lapsed's certificate was valid when uploaded, and has ended since.
	then := now.Add(-2 * day)
	srv.SetClock(func() time.Time { return then })
	if _, err := sigcert.NewUploader(api, sigcert.WithClock(func() time.Time { return then })).Upload(context.Background(),
		sigcert.Request{UserName: "Lapsed", CertificateBody: certgen.New(certgen.Options{NotBefore: now.Add(-3 * day), NotAfter: now.Add(-day)}).PEM}); err != nil {
		t.Fatal(err)
	}
	srv.SetClock(nil)

	aud := &fleet.Auditor{Uploader: up, Users: api, Now: func() time.Time { return now }}
	rep, err := aud.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []flag{ // users in ListUsers' order, by name ignoring case
		{fleet.AtQuota, "Full"},
		{fleet.NoActive, "Idle"},
		{fleet.ExpiredActive, "Lapsed"},
		{fleet.AtQuota, "Mixed"}, // one Expired, one Active
		{fleet.NoActive, "Retired"},
		{fleet.Expiring, "Soon"},
		{fleet.WeakKey, "Weak"},
	}
	if diff := cmp.Diff(want, flags(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	byUser := map[string]fleet.UserAudit{}
	for _, u := range rep.Users {
		byUser[u.UserName] = u
	}
	if len(byUser) != 10 || byUser["Quiet"].UserName == "" || byUser[sigcerttest.DefaultUser].UserName == "" {
		t.Errorf("audited %d users: %v", len(rep.Users), rep.Users)
	}
	retired := byUser["Retired"]
	if retired.Err != nil || len(retired.Certificates) != 1 {
		t.Fatalf("Retired: %+v", retired)
	}
	if c := retired.Certificates[0]; c.Status != types.StatusTypeExpired || c.ParseError != "" || c.NotAfter == nil || *c.DaysLeft < 300 || c.KeyType != "RSA" {
		t.Errorf("Retired's Expired certificate: %+v", c)
	}
	var mixed []types.StatusType
	for _, c := range byUser["Mixed"].Certificates {
		mixed = append(mixed, c.Status)
	}
	if diff := cmp.Diff([]types.StatusType{types.StatusTypeExpired, types.StatusTypeActive}, mixed); diff != "" {
		t.Errorf("Mixed holds (-want +got):\n%s", diff)
	}
	if got := srv.Requests("ListUsers"); got != 1 {
		t.Errorf("%d ListUsers calls for 10 users, want 1", got)
	}
}
