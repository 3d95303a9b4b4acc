package iammodel_test

import (
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// listIDs lists Bob's certificates as "id:status".
func listIDs(t *testing.T, m *iammodel.Model) []string {
	t.Helper()
	out, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob")})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, c := range out.Certificates {
		ids = append(ids, c.CertificateID[:4]+":"+c.Status)
	}
	return ids
}

func TestPropagationDelayHidesWritesFromList(t *testing.T) {
	clock := &fixedClock{t: time.Now()}
	m := newModel(t)
	m.SetClock(clock.now)
	m.SetPropagationDelay(10 * time.Second)
	a := certgen.Valid()
	c := upload(t, m, "Bob", a.PEM)
	id := c.CertificateID[:4]

	if got := listIDs(t, m); len(got) != 0 {
		t.Fatalf("List right after the upload = %v, want nothing yet", got)
	}
	// Applied nonetheless: the same certificate again is a duplicate.
	_, err := m.Upload(caller, iammodel.UploadInput{UserName: ptr("Bob"), CertificateBody: &a.PEM})
	wantErr(t, err, iamspec.CodeDuplicateCertificate, "")

	clock.set(clock.now().Add(10 * time.Second))
	if got := listIDs(t, m); len(got) != 1 || got[0] != id+":Active" {
		t.Fatalf("List after the delay = %v", got)
	}

	inactive := iammodel.StatusInactive
	if err := m.Update(caller, iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &c.CertificateID, Status: &inactive}); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, m); got[0] != id+":Active" {
		t.Fatalf("List right after the update = %v, want the old status", got)
	}
	clock.set(clock.now().Add(10 * time.Second))
	if got := listIDs(t, m); got[0] != id+":Inactive" {
		t.Fatalf("List after the delay = %v, want Inactive", got)
	}

	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c.CertificateID}); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, m); len(got) != 1 {
		t.Fatalf("List right after the delete = %v, want it still listed", got)
	}
	clock.set(clock.now().Add(10 * time.Second))
	if got := listIDs(t, m); len(got) != 0 {
		t.Fatalf("List after the delay = %v, want nothing", got)
	}
	// Inspection sees the truth at once.
	if m.Certificates("Bob") != nil {
		t.Error("Certificates shows a deleted certificate")
	}
}

func TestPropagationDelayHidesNewUsers(t *testing.T) {
	clock := &fixedClock{t: time.Now()}
	m := iammodel.New()
	m.SetClock(clock.now)
	m.SetPropagationDelay(time.Minute)
	if _, err := m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("Carol")}); err != nil {
		t.Fatal(err)
	}
	_, err := m.GetUser(caller, iammodel.GetUserInput{UserName: ptr("Carol")})
	wantErr(t, err, iamspec.CodeNoSuchEntity, "")
	_, err = m.Upload(caller, iammodel.UploadInput{UserName: ptr("Carol"), CertificateBody: ptr(certgen.Valid().PEM)})
	wantErr(t, err, iamspec.CodeNoSuchEntity, "")
	out, _ := m.ListUsers(caller, iammodel.ListUsersInput{})
	if len(out.Users) != 1 {
		t.Errorf("ListUsers right after CreateUser = %+v, want the default user only", out.Users)
	}
	// Yet the name is taken.
	_, err = m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("carol")})
	wantErr(t, err, iamspec.CodeEntityAlreadyExists, "")

	clock.set(clock.now().Add(time.Minute))
	if _, err := m.GetUser(caller, iammodel.GetUserInput{UserName: ptr("Carol")}); err != nil {
		t.Errorf("GetUser after the delay: %v", err)
	}
}

func TestStaleReadsMissTheLatestWrite(t *testing.T) {
	m := newModel(t)
	c1 := upload(t, m, "Bob", certgen.Valid().PEM)
	upload(t, m, "Bob", certgen.Valid().PEM)
	m.StaleReads(1)
	if got := listIDs(t, m); len(got) != 1 || got[0][:4] != c1.CertificateID[:4] {
		t.Fatalf("stale List = %v, want only the first certificate", got)
	}
	if got := listIDs(t, m); len(got) != 2 {
		t.Fatalf("the read after the stale one = %v, want both", got)
	}
	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c1.CertificateID}); err != nil {
		t.Fatal(err)
	}
	m.StaleReads(1)
	if got := listIDs(t, m); len(got) != 2 {
		t.Fatalf("stale List after a delete = %v, want the deleted one still", got)
	}
	if got := listIDs(t, m); len(got) != 1 {
		t.Fatalf("fresh List after a delete = %v", got)
	}

	if _, err := m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("Dave")}); err != nil {
		t.Fatal(err)
	}
	m.StaleReads(1)
	_, err := m.GetUser(caller, iammodel.GetUserInput{UserName: ptr("Dave")})
	wantErr(t, err, iamspec.CodeNoSuchEntity, "")
	if _, err := m.GetUser(caller, iammodel.GetUserInput{UserName: ptr("Dave")}); err != nil {
		t.Errorf("fresh GetUser: %v", err)
	}
}

func TestRateLimitIsATokenBucketOnTheModelsClock(t *testing.T) {
	clock := &fixedClock{t: time.Now()}
	m := newModel(t)
	m.SetClock(clock.now)
	m.SetRateLimit(2, 3)
	list := func() error {
		_, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob")})
		return err
	}
	for i := range 3 {
		if err := list(); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	wantErr(t, list(), iamspec.CodeThrottling, "Rate exceeded")
	if iamspec.Status(iamspec.CodeThrottling) != 400 {
		t.Error("Throttling is not HTTP 400")
	}
	clock.set(clock.now().Add(500 * time.Millisecond)) // one token at 2/s
	if err := list(); err != nil {
		t.Fatalf("after refilling one token: %v", err)
	}
	wantErr(t, list(), iamspec.CodeThrottling, "")
	m.SetRateLimit(0, 0)
	for range 10 {
		if err := list(); err != nil {
			t.Fatalf("without a limit: %v", err)
		}
	}
}
