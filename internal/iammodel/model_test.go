package iammodel_test

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

const caller = iammodel.DefaultAccessKeyID

func ptr[T any](v T) *T { return &v }

// fixedClock is a settable clock for the model.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// newModel returns a model with users Bob and Alice.
func newModel(t *testing.T) *iammodel.Model {
	t.Helper()
	m := iammodel.New()
	for _, u := range []string{"Bob", "Alice"} {
		if err := m.AddUser(u); err != nil {
			t.Fatalf("AddUser(%q): %v", u, err)
		}
	}
	return m
}

// wantErr fails unless err is an *iammodel.Error with code (and, if msg is
// not empty, message msg).
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var me *iammodel.Error
	if !errors.As(err, &me) {
		t.Fatalf("error = %v (%T), want *iammodel.Error with code %s", err, err, code)
	}
	if me.Code != code {
		t.Fatalf("code = %s (message %q), want %s", me.Code, me.Message, code)
	}
	if msg != "" && me.Message != msg {
		t.Fatalf("message = %q, want %q", me.Message, msg)
	}
	if me.Status() != iamspec.Status(code) {
		t.Fatalf("Status() = %d, want %d", me.Status(), iamspec.Status(code))
	}
}

func upload(t *testing.T, m *iammodel.Model, userName, body string) iammodel.Certificate {
	t.Helper()
	c, err := m.Upload(caller, iammodel.UploadInput{UserName: &userName, CertificateBody: &body})
	if err != nil {
		t.Fatalf("Upload(%s): %v", userName, err)
	}
	return c
}

var idRE = regexp.MustCompile(`^[A-Z2-7]{32}$`)

func TestUploadStoresCertificate(t *testing.T) {
	m := newModel(t)
	clock := &fixedClock{t: time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("X", 3600))}
	m.SetClock(clock.now)
	cert := certgen.New(certgen.Options{NotBefore: clock.t.Add(-time.Hour), NotAfter: clock.t.Add(time.Hour)})
	body := cert.CRLF() + "\n\t "

	got := upload(t, m, "Bob", body)
	if !idRE.MatchString(got.CertificateID) {
		t.Errorf("CertificateID %q does not look like IAM's (32 characters of base32)", got.CertificateID)
	}
	want := iammodel.Certificate{
		UserName:        "Bob",
		CertificateID:   got.CertificateID,
		CertificateBody: body,
		Status:          iammodel.StatusActive,
		UploadDate:      time.Date(2026, 3, 4, 4, 6, 7, 891000000, time.UTC),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Upload result (-want +got):\n%s", diff)
	}
	if got.UploadDate.Location() != time.UTC {
		t.Errorf("UploadDate location = %v, want UTC", got.UploadDate.Location())
	}
	if diff := cmp.Diff([]iammodel.Certificate{want}, m.Certificates("Bob")); diff != "" {
		t.Errorf("Certificates(Bob) (-want +got):\n%s", diff)
	}
	if c := m.Certificates("Alice"); c != nil {
		t.Errorf("Certificates(Alice) = %v, want none", c)
	}
}

func TestCallerActsOnOwnUser(t *testing.T) {
	m := newModel(t)
	body := certgen.Valid().PEM
	c, err := m.Upload(caller, iammodel.UploadInput{CertificateBody: &body})
	if err != nil {
		t.Fatal(err)
	}
	if c.UserName != iammodel.DefaultUser {
		t.Errorf("UserName = %q, want the default caller's user %q", c.UserName, iammodel.DefaultUser)
	}

	if err := m.AddAccessKey("AKIABOBKEY", "Bob"); err != nil {
		t.Fatal(err)
	}
	body2 := certgen.Valid().PEM
	c2, err := m.Upload("AKIABOBKEY", iammodel.UploadInput{CertificateBody: &body2})
	if err != nil {
		t.Fatal(err)
	}
	if c2.UserName != "Bob" {
		t.Errorf("UserName = %q, want Bob (owner of AKIABOBKEY)", c2.UserName)
	}
	out, err := m.List("AKIABOBKEY", iammodel.ListInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Certificates) != 1 || out.Certificates[0].CertificateID != c2.CertificateID {
		t.Errorf("List as Bob's key = %+v, want Bob's one certificate", out)
	}

	_, err = m.Upload("AKIAUNKNOWN", iammodel.UploadInput{CertificateBody: &body2})
	wantErr(t, err, iamspec.CodeInvalidClientTokenID, iamspec.MsgInvalidClientTokenID)

	wantErr(t, m.AddAccessKey("AKIAX", "Nobody"), iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser("Nobody"))
	wantErr(t, m.AddAccessKey("AKIA/X", "Bob"), iamspec.CodeValidationError, "")
	if u, ok := m.UserOf("AKIABOBKEY"); !ok || u != "Bob" {
		t.Errorf("UserOf(AKIABOBKEY) = %q, %v", u, ok)
	}
}

// TestUploadOrder checks each refusal and that it wins over every later one.
func TestUploadOrder(t *testing.T) {
	now := time.Now()
	valid := certgen.Valid().PEM
	expired := certgen.Expired().PEM
	notYet := certgen.NotYetValid().PEM
	// Valid a second from now: any clock skew would let it through, and the
	// model allows none.
	barely := certgen.New(certgen.Options{NotBefore: now.Add(time.Second), NotAfter: now.Add(48 * time.Hour)}).PEM

	bad := "invalid-certificate-body"
	tests := []struct {
		name     string
		user     *string
		body     *string
		code     string
		msg      string
		setupBob int // certificates Bob holds before
	}{
		{"bad user name beats unknown user", ptr("no spaces"), ptr(bad), iamspec.CodeValidationError,
			iamspec.MsgUserNamePattern, 0},
		{"empty user name", ptr(""), &valid, iamspec.CodeValidationError,
			iamspec.MsgValidationValue("UserName", "", "Member must have length greater than or equal to 1"), 0},
		{"long user name", ptr(strings.Repeat("a", 129)), &valid, iamspec.CodeValidationError,
			iamspec.MsgValidationValue("UserName", strings.Repeat("a", 129), "Member must have length less than or equal to 128"), 0},
		{"unknown user beats bad body", ptr("nonexistent-user"), ptr(""), iamspec.CodeNoSuchEntity,
			"The user with name nonexistent-user cannot be found.", 0},
		{"unknown user beats missing body", ptr("nonexistent-user"), nil, iamspec.CodeNoSuchEntity,
			iamspec.MsgNoSuchUser("nonexistent-user"), 0},
		{"missing body", ptr("Bob"), nil, iamspec.CodeValidationError,
			iamspec.MsgValidationNull("CertificateBody", "Member must not be null"), 0},
		{"empty body", ptr("Bob"), ptr(""), iamspec.CodeValidationError,
			iamspec.MsgValidationValue("CertificateBody", "", "Member must have length greater than or equal to 1"), 0},
		{"body too long", ptr("Bob"), ptr(strings.Repeat("é", 16385)), iamspec.CodeValidationError,
			iamspec.MsgValidationValue("CertificateBody", strings.Repeat("é", 16385), "Member must have length less than or equal to 16384"), 0},
		{"body character outside the pattern", ptr("Bob"), ptr(valid + "€"), iamspec.CodeValidationError,
			iamspec.MsgValidationValue("CertificateBody", valid+"€", "Member must satisfy regular expression pattern: "+
				iamspec.APICertificateBodyPattern), 0},
		{"body constraint beats quota", ptr("Bob"), ptr(""), iamspec.CodeValidationError, "", 2},
		{"not a certificate", ptr("Bob"), ptr(bad), iamspec.CodeMalformedCertificate,
			"Certificate invalid-certificate-body is malformed.", 0},
		{"malformed beats quota", ptr("Bob"), ptr(bad), iamspec.CodeMalformedCertificate, "", 2},
		{"expired", ptr("Bob"), &expired, iamspec.CodeMalformedCertificate, iamspec.MsgMalformedCertificate(expired), 0},
		{"not yet valid", ptr("Bob"), &notYet, iamspec.CodeMalformedCertificate, iamspec.MsgMalformedCertificate(notYet), 0},
		{"not yet valid, no skew", ptr("Bob"), &barely, iamspec.CodeMalformedCertificate, "", 0},
		{"text before the block", ptr("Bob"), ptr("Certificate for Bob:\n" + valid), iamspec.CodeMalformedCertificate, "", 0},
		{"private key", ptr("Bob"), ptr(certgen.Valid().WithKeyAppended()), iamspec.CodeMalformedCertificate, "", 0},
		{"quota", ptr("Bob"), &valid, iamspec.CodeLimitExceeded, "Cannot exceed quota for CertificatesPerUser: 2", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel(t)
			m.SetClock(func() time.Time { return now })
			for range tt.setupBob {
				upload(t, m, "Bob", certgen.Valid().PEM)
			}
			_, err := m.Upload(caller, iammodel.UploadInput{UserName: tt.user, CertificateBody: tt.body})
			wantErr(t, err, tt.code, tt.msg)
			if n := len(m.Certificates("Bob")); n != tt.setupBob {
				t.Errorf("Bob holds %d certificates after a refused upload, want %d", n, tt.setupBob)
			}
		})
	}
}

func TestDuplicate(t *testing.T) {
	m := newModel(t)
	a, b := certgen.Valid(), certgen.Valid()
	first := upload(t, m, "Bob", a.PEM)

	// Same DER, different text (CRLF): still the same certificate.
	_, err := m.Upload(caller, iammodel.UploadInput{UserName: ptr("Alice"), CertificateBody: ptr(a.CRLF())})
	wantErr(t, err, iamspec.CodeDuplicateCertificate, iamspec.MsgDuplicateCertificate)

	// Duplicate is checked before the quota.
	upload(t, m, "Bob", b.PEM)
	_, err = m.Upload(caller, iammodel.UploadInput{UserName: ptr("Bob"), CertificateBody: &a.PEM})
	wantErr(t, err, iamspec.CodeDuplicateCertificate, "")

	// Malformed (expired by now) is checked before duplicate.
	m.SetClock(func() time.Time { return a.X509.NotAfter.Add(time.Second) })
	_, err = m.Upload(caller, iammodel.UploadInput{UserName: ptr("Alice"), CertificateBody: &a.PEM})
	wantErr(t, err, iamspec.CodeMalformedCertificate, "")
	m.SetClock(nil)

	// Once deleted, the certificate may be uploaded again, to anyone, and
	// gets the same id: IAM derives it from the DER.
	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &first.CertificateID}); err != nil {
		t.Fatal(err)
	}
	again := upload(t, m, "Alice", a.PEM)
	if again.CertificateID != first.CertificateID {
		t.Errorf("re-upload got id %s, want %s again", again.CertificateID, first.CertificateID)
	}
}

func TestQuotaCountsInactive(t *testing.T) {
	m := newModel(t)
	c1 := upload(t, m, "Bob", certgen.Valid().PEM)
	upload(t, m, "Bob", certgen.Valid().PEM)
	if err := m.Update(caller, iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &c1.CertificateID, Status: ptr(iammodel.StatusInactive)}); err != nil {
		t.Fatal(err)
	}
	_, err := m.Upload(caller, iammodel.UploadInput{UserName: ptr("Bob"), CertificateBody: ptr(certgen.Valid().PEM)})
	wantErr(t, err, iamspec.CodeLimitExceeded, iamspec.MsgQuota)
	// Alice's quota is her own.
	upload(t, m, "Alice", certgen.Valid().PEM)
}

func TestClock(t *testing.T) {
	m := newModel(t)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := certgen.New(certgen.Options{NotBefore: start, NotAfter: start.Add(24 * time.Hour)})
	clock := &fixedClock{t: start.Add(-time.Second)}
	m.SetClock(clock.now)
	in := iammodel.UploadInput{UserName: ptr("Bob"), CertificateBody: &cert.PEM}
	_, err := m.Upload(caller, in)
	wantErr(t, err, iamspec.CodeMalformedCertificate, "")

	clock.set(start.Add(24*time.Hour + time.Second))
	_, err = m.Upload(caller, in)
	wantErr(t, err, iamspec.CodeMalformedCertificate, "")

	clock.set(start.Add(time.Hour + 1500*time.Microsecond))
	c, err := m.Upload(caller, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(time.Hour + time.Millisecond); !c.UploadDate.Equal(want) {
		t.Errorf("UploadDate = %v, want %v (the clock truncated to the millisecond)", c.UploadDate, want)
	}
}

func TestListPagination(t *testing.T) {
	m := newModel(t)
	c1 := upload(t, m, "Bob", certgen.Valid().PEM)
	c2 := upload(t, m, "Bob", certgen.Valid().PEM)

	all, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(iammodel.ListOutput{Certificates: []iammodel.Certificate{c1, c2}}, all); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}

	p1, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob"), MaxItems: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !p1.IsTruncated || p1.Marker == "" || len(p1.Certificates) != 1 || p1.Certificates[0] != c1 {
		t.Fatalf("first page = %+v, want c1, truncated, with a marker", p1)
	}
	// The marker still works after the first page's certificate is deleted.
	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c1.CertificateID}); err != nil {
		t.Fatal(err)
	}
	p2, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob"), MaxItems: ptr(1), Marker: &p1.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(iammodel.ListOutput{Certificates: []iammodel.Certificate{c2}}, p2); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}

	empty, err := m.List(caller, iammodel.ListInput{UserName: ptr("Alice")})
	if err != nil {
		t.Fatal(err)
	}
	if empty.Certificates == nil || len(empty.Certificates) != 0 || empty.IsTruncated {
		t.Errorf("empty list = %#v, want a non-nil empty page", empty)
	}

	refusals := []struct {
		name string
		in   iammodel.ListInput
		code string
		msg  string
	}{
		{"unknown user", iammodel.ListInput{UserName: ptr("nonexistent-user"), MaxItems: ptr(0)}, iamspec.CodeNoSuchEntity,
			iamspec.MsgNoSuchUser("nonexistent-user")},
		{"MaxItems 0", iammodel.ListInput{MaxItems: ptr(0)}, iamspec.CodeValidationError,
			iamspec.MsgValidationValue("MaxItems", "0", "Member must have value greater than or equal to 1")},
		{"MaxItems 1001", iammodel.ListInput{MaxItems: ptr(1001)}, iamspec.CodeValidationError,
			iamspec.MsgValidationValue("MaxItems", "1001", "Member must have value less than or equal to 1000")},
		{"empty marker", iammodel.ListInput{Marker: ptr("")}, iamspec.CodeValidationError,
			iamspec.MsgValidationValue("Marker", "", "Member must have length greater than or equal to 1")},
		{"long marker", iammodel.ListInput{Marker: ptr(strings.Repeat("ÿ", 321))}, iamspec.CodeValidationError,
			iamspec.MsgValidationValue("Marker", strings.Repeat("ÿ", 321), "Member must have length less than or equal to 320")},
		{"marker character", iammodel.ListInput{Marker: ptr("a\nb")}, iamspec.CodeValidationError, ""},
		{"foreign marker", iammodel.ListInput{Marker: ptr("not-a-marker")}, iamspec.CodeValidationError, ""},
		{"another user's marker", iammodel.ListInput{UserName: ptr("Alice"), Marker: &p1.Marker}, iamspec.CodeValidationError, ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.List(caller, tt.in)
			wantErr(t, err, tt.code, tt.msg)
		})
	}
}

func TestListMaxItemsBounds(t *testing.T) {
	m := newModel(t)
	upload(t, m, "Bob", certgen.Valid().PEM)
	for _, n := range []int{1, 1000} {
		out, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob"), MaxItems: &n})
		if err != nil {
			t.Fatalf("MaxItems %d: %v", n, err)
		}
		if len(out.Certificates) != 1 || out.IsTruncated || out.Marker != "" {
			t.Errorf("MaxItems %d: %+v, want one certificate, not truncated", n, out)
		}
	}
}

func TestUpdate(t *testing.T) {
	m := newModel(t)
	c := upload(t, m, "Bob", certgen.Valid().PEM)
	alices := upload(t, m, "Alice", certgen.Valid().PEM)

	for _, s := range []string{iammodel.StatusInactive, iammodel.StatusActive, iammodel.StatusInactive} {
		if err := m.Update(caller, iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &c.CertificateID, Status: &s}); err != nil {
			t.Fatal(err)
		}
		if got := m.Certificates("Bob")[0].Status; got != s {
			t.Fatalf("status = %s, want %s", got, s)
		}
	}

	missing := "NONEXISTENTCERTID12345678901"
	refusals := []struct {
		name string
		in   iammodel.UpdateInput
		code string
		msg  string
	}{
		{"user before id", iammodel.UpdateInput{UserName: ptr("nonexistent-user"), CertificateID: ptr("x"), Status: ptr("Bogus")},
			iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser("nonexistent-user")},
		{"missing id", iammodel.UpdateInput{UserName: ptr("Bob"), Status: ptr("Active")}, iamspec.CodeValidationError,
			iamspec.MsgValidationNull("CertificateId", "Member must not be null")},
		{"short id", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: ptr(strings.Repeat("A", 23)), Status: ptr("Active")},
			iamspec.CodeValidationError, iamspec.MsgValidationValue("CertificateId", strings.Repeat("A", 23), "Member must have length greater than or equal to 24")},
		{"long id", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: ptr(strings.Repeat("A", 129)), Status: ptr("Active")},
			iamspec.CodeValidationError, iamspec.MsgValidationValue("CertificateId", strings.Repeat("A", 129), "Member must have length less than or equal to 128")},
		{"id characters", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: ptr(strings.Repeat("A", 27) + "-"), Status: ptr("Active")},
			iamspec.CodeValidationError, iamspec.MsgValidationValue("CertificateId", strings.Repeat("A", 27)+"-", "Member must satisfy regular expression pattern: [\\w]+")},
		{"missing status", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &missing}, iamspec.CodeValidationError,
			iamspec.MsgValidationNull("Status", "Member must not be null")},
		{"status Expired", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &missing, Status: ptr("Expired")},
			iamspec.CodeValidationError, iamspec.MsgValidationValue("Status", "Expired", "Member must satisfy enum value set: [Active, Inactive]")},
		{"status case", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &c.CertificateID, Status: ptr("active")},
			iamspec.CodeValidationError, ""},
		{"unknown id", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &missing, Status: ptr("Active")},
			iamspec.CodeNoSuchEntity, "The Certificate with id NONEXISTENTCERTID12345678901 cannot be found."},
		{"another user's certificate", iammodel.UpdateInput{UserName: ptr("Bob"), CertificateID: &alices.CertificateID, Status: ptr("Active")},
			iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(alices.CertificateID)},
		{"own user's certificate by default", iammodel.UpdateInput{CertificateID: &c.CertificateID, Status: ptr("Active")},
			iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(c.CertificateID)},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, m.Update(caller, tt.in), tt.code, tt.msg)
			if got := m.Certificates("Bob")[0].Status; got != iammodel.StatusInactive {
				t.Errorf("a refused update changed the status to %s", got)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	m := newModel(t)
	c1 := upload(t, m, "Bob", certgen.Valid().PEM)
	c2 := upload(t, m, "Bob", certgen.Valid().PEM)

	wantErr(t, m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Alice"), CertificateID: &c1.CertificateID}),
		iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(c1.CertificateID))
	wantErr(t, m.Delete(caller, iammodel.DeleteInput{UserName: ptr("nonexistent-user"), CertificateID: ptr("")}),
		iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser("nonexistent-user"))
	wantErr(t, m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob")}),
		iamspec.CodeValidationError, iamspec.MsgValidationNull("CertificateId", "Member must not be null"))
	wantErr(t, m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: ptr("")}),
		iamspec.CodeValidationError, iamspec.MsgValidationValue("CertificateId", "", "Member must have length greater than or equal to 24"))

	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c1.CertificateID}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]iammodel.Certificate{c2}, m.Certificates("Bob")); diff != "" {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}
	wantErr(t, m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c1.CertificateID}),
		iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(c1.CertificateID))
	// The quota frees up.
	upload(t, m, "Bob", certgen.Valid().PEM)
}

func TestIDsAreDerivedFromTheDER(t *testing.T) {
	m := newModel(t)
	seen := map[string]bool{}
	for range 50 {
		cert := certgen.Valid()
		c := upload(t, m, "Bob", cert.PEM)
		if want := iammodel.CertificateID(cert.X509.Raw); c.CertificateID != want || !idRE.MatchString(c.CertificateID) {
			t.Fatalf("id %q, want %q (base32 of the DER's SHA-1)", c.CertificateID, want)
		}
		if seen[c.CertificateID] {
			t.Fatalf("two certificates got id %q", c.CertificateID)
		}
		seen[c.CertificateID] = true
		if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c.CertificateID}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUsersAndInspection(t *testing.T) {
	m := newModel(t)
	if diff := cmp.Diff([]string{"Alice", "Bob", iammodel.DefaultUser}, m.Users()); diff != "" {
		t.Errorf("Users (-want +got):\n%s", diff)
	}
	if err := m.AddUser("Bob"); err != nil {
		t.Errorf("adding an existing user: %v", err)
	}
	wantErr(t, m.AddUser("bad name"), iamspec.CodeValidationError, "")
	if len(m.Users()) != 3 {
		t.Errorf("Users = %v after adding an existing and an invalid user", m.Users())
	}
	upload(t, m, "Bob", certgen.Valid().PEM)
	got := m.Certificates("Bob")
	got[0].Status = "Mutated"
	if m.Certificates("Bob")[0].Status != iammodel.StatusActive {
		t.Error("Certificates returned the model's own storage")
	}
	if m.Certificates("nonexistent-user") != nil {
		t.Error("Certificates of an unknown user is not nil")
	}
}

func TestConcurrentUploadsRespectQuota(t *testing.T) {
	m := newModel(t)
	const n = 50
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = certgen.Valid().PEM
	}
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.Upload(caller, iammodel.UploadInput{UserName: ptr("Bob"), CertificateBody: &bodies[i]})
			codes[i] = iammodel.CodeOf(err)
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	want := map[string]int{"": iamspec.CertificatesPerUser, iamspec.CodeLimitExceeded: n - iamspec.CertificatesPerUser}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if got := len(m.Certificates("Bob")); got != iamspec.CertificatesPerUser {
		t.Errorf("Bob holds %d certificates, want %d", got, iamspec.CertificatesPerUser)
	}
}

func TestConcurrentSameCertificate(t *testing.T) {
	m := newModel(t)
	const n = 50
	users := make([]string, n)
	for i := range users {
		users[i] = "user" + strings.Repeat("x", i)
		if err := m.AddUser(users[i]); err != nil {
			t.Fatal(err)
		}
	}
	body := certgen.Valid().PEM
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.Upload(caller, iammodel.UploadInput{UserName: &users[i], CertificateBody: &body})
			codes[i] = iammodel.CodeOf(err)
		}()
	}
	wg.Wait()
	count := map[string]int{}
	stored := 0
	for i, c := range codes {
		count[c]++
		stored += len(m.Certificates(users[i]))
	}
	if diff := cmp.Diff(map[string]int{"": 1, iamspec.CodeDuplicateCertificate: n - 1}, count); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if stored != 1 {
		t.Errorf("%d copies stored, want 1", stored)
	}
}

func TestErrorString(t *testing.T) {
	err := &iammodel.Error{Code: iamspec.CodeLimitExceeded, Message: iamspec.MsgQuota}
	if got, want := err.Error(), "LimitExceeded: Cannot exceed quota for CertificatesPerUser: 2"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if iammodel.CodeOf(errors.New("x")) != "" || iammodel.CodeOf(nil) != "" {
		t.Error("CodeOf of a non-model error is not empty")
	}
}

// TestCertificateIDMatchedExactly checks that a certificate id in another
// case finds nothing (see user.find for why), while the user's name in
// another case finds the user.
func TestCertificateIDMatchedExactly(t *testing.T) {
	m := newModel(t)
	c := upload(t, m, "Bob", certgen.Valid().PEM)
	lower := strings.ToLower(c.CertificateID)
	err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("bob"), CertificateID: &lower})
	wantErr(t, err, iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchCertificate(lower))
	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("BOB"), CertificateID: &c.CertificateID}); err != nil {
		t.Fatalf("Delete by the exact id, the name in another case: %v", err)
	}
}
