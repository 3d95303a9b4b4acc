package fleet_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// account is a Fake whose lists can show states IAM's rules no longer let
// anyone create (one certificate on two users, a body that does not parse),
// and fail for chosen users.
type account struct {
	*sigcerttest.Fake
	extra map[string][]types.SigningCertificate
	fail  map[string]error
}

func (a *account) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, o ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	user := aws.ToString(in.UserName)
	if err := a.fail[user]; err != nil {
		return nil, err
	}
	if extra, ok := a.extra[user]; ok {
		return &iam.ListSigningCertificatesOutput{Certificates: extra}, nil
	}
	return a.Fake.ListSigningCertificates(ctx, in, o...)
}

// secondPageFails is the Fake's ListUsers failing on every page after the
// first: a failure part way through the account, which a fault cannot
// aim at.
type secondPageFails struct{ *sigcerttest.Fake }

func (f secondPageFails) ListUsers(ctx context.Context, in *iam.ListUsersInput, o ...func(*iam.Options)) (*iam.ListUsersOutput, error) {
	if in.Marker != nil {
		return nil, errors.New("injected: connection reset on page 2")
	}
	return f.Fake.ListUsers(ctx, in, o...)
}

// weakCert is a self-signed certificate with an RSA-1024 key, which the
// public test certificate factory does not make (it starts at RSA-2048).
func weakCert(t *testing.T) string {
	t.Helper()
	return certgen.New(certgen.Options{Key: certgen.RSA1024}).PEM
}

// preparedAccount holds one user in each state the audit flags, and some
// that it must not flag.
func preparedAccount(t *testing.T, now time.Time) *account {
	t.Helper()
	names := []string{"Fine", "Soon", "Late", "Lapsed", "Full", "Idle", "Empty", "Weak", "Twin1", "Garbled"}
	fake := sigcerttest.NewFake(names...)
	day := 24 * time.Hour
	give(t, fake, "Fine", certgen.Valid().PEM)
	give(t, fake, "Soon", certgen.New(certgen.Options{NotAfter: now.Add(10 * day)}).PEM)
	give(t, fake, "Late", certgen.New(certgen.Options{NotAfter: now.Add(40 * day)}).PEM)
	give(t, fake, "Full", certgen.Valid().PEM)
	give(t, fake, "Full", certgen.Valid().PEM)
	give(t, fake, "Idle", certgen.Valid().PEM)
	give(t, fake, "Weak", weakCert(t))
	give(t, fake, "Twin1", certgen.New(certgen.Options{Key: certgen.ECDSAP256, CommonName: "twin"}).PEM)
	idle := fake.Certificates("Idle")[0]
	if _, err := fake.UpdateSigningCertificate(context.Background(), &iam.UpdateSigningCertificateInput{
		UserName: aws.String("Idle"), CertificateId: idle.CertificateId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	// Lapsed's certificate was valid when uploaded, and has ended since.
	then := now.Add(-2 * day)
	fake.SetClock(func() time.Time { return then })
	lapsed := certgen.New(certgen.Options{NotBefore: now.Add(-3 * day), NotAfter: now.Add(-day)}).PEM
	if _, err := sigcert.NewUploader(fake, sigcert.WithClock(func() time.Time { return then })).Upload(
		context.Background(), sigcert.Request{UserName: "Lapsed", CertificateBody: lapsed}); err != nil {
		t.Fatal(err)
	}
	fake.SetClock(nil)

	twin := fake.Certificates("Twin1")[0]
	twin.UserName, twin.CertificateId = aws.String("Twin2"), aws.String("ASCATWINTWOTWINTWOTWINTWO")
	garbled := twin
	garbled.UserName, garbled.CertificateId = aws.String("Garbled"), aws.String("ASCAGARBLEDGARBLEDGARBLED")
	garbled.CertificateBody = aws.String("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
	return &account{Fake: fake,
		extra: map[string][]types.SigningCertificate{"Twin2": {twin}, "Garbled": {garbled}},
		fail:  map[string]error{"Broken": errors.New("injected: connection reset")},
	}
}

type flag struct {
	Kind fleet.Kind
	User string
}

func flags(a *fleet.Audit) []flag {
	var out []flag
	for _, f := range a.Findings {
		out = append(out, flag{f.Kind, f.UserName})
	}
	return out
}

func TestAuditFlagsEachStateOfAPreparedAccount(t *testing.T) {
	now := time.Now()
	acct := preparedAccount(t, now)
	aud := &fleet.Auditor{Uploader: sigcert.NewUploader(acct), Now: func() time.Time { return now }}
	named := []string{"Fine", "Soon", "Late", "Lapsed", "Full", "Idle", "Empty", "Weak", "Twin1", "Twin2", "Garbled", "Broken", "fine"}
	rep, err := aud.Audit(context.Background(), named...)
	if err != nil {
		t.Fatal(err)
	}
	want := []flag{
		{fleet.Expiring, "Soon"},
		{fleet.ExpiredActive, "Lapsed"},
		{fleet.AtQuota, "Full"},
		{fleet.NoActive, "Idle"},
		{fleet.NoActive, "Empty"}, // named, and holds none
		{fleet.WeakKey, "Weak"},
		{fleet.ListFailed, "Broken"},
		{fleet.SharedCertificate, "Twin1"},
		{fleet.SharedCertificate, "Twin2"},
	}
	if diff := cmp.Diff(want, flags(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !rep.Flagged() {
		t.Error("not Flagged")
	}
	if len(rep.Users) != len(named)-1 {
		t.Errorf("%d users audited, want %d: \"fine\" is Fine again", len(rep.Users), len(named)-1)
	}
	byUser := map[string]fleet.UserAudit{}
	for _, u := range rep.Users {
		byUser[u.UserName] = u
	}
	soon := byUser["Soon"].Certificates[0]
	if soon.DaysLeft == nil || *soon.DaysLeft != 9 || soon.KeyType != "RSA" || soon.KeyBits != 2048 ||
		!strings.HasPrefix(soon.Subject, "CN="+certgen.DefaultCommonName) || soon.Status != types.StatusTypeActive || soon.NotAfter == nil || soon.UploadDate == nil {
		t.Errorf("Soon's certificate: %+v", soon)
	}
	if lapsed := byUser["Lapsed"].Certificates[0]; *lapsed.DaysLeft != -1 {
		t.Errorf("Lapsed's certificate has %d days left, want -1", *lapsed.DaysLeft)
	}
	if twin := byUser["Twin1"].Certificates[0]; twin.KeyType != "ECDSA" || twin.KeyBits != 256 {
		t.Errorf("Twin1's key: %s %d", twin.KeyType, twin.KeyBits)
	}
	if weak := byUser["Weak"].Certificates[0]; weak.KeyBits != 1024 {
		t.Errorf("Weak's key has %d bits", weak.KeyBits)
	}
	if g := byUser["Garbled"].Certificates[0]; g.ParseError == "" || g.NotAfter != nil || g.KeyType != "" {
		t.Errorf("Garbled's certificate: %+v", g)
	}
	if b := byUser["Broken"]; b.Err == nil || !strings.Contains(b.Error, "connection reset") {
		t.Errorf("Broken: %+v", b)
	}

	// A wider window also flags Late; a narrower one drops Soon.
	aud.ExpiringWithin = 60 * 24 * time.Hour
	rep, _ = aud.Audit(context.Background(), "Soon", "Late")
	if diff := cmp.Diff([]flag{{fleet.Expiring, "Soon"}, {fleet.Expiring, "Late"}}, flags(rep)); diff != "" {
		t.Errorf("60-day window (-want +got):\n%s", diff)
	}
	aud.ExpiringWithin = 5 * 24 * time.Hour
	if rep, _ = aud.Audit(context.Background(), "Soon", "Fine"); rep.Flagged() {
		t.Errorf("5-day window flagged %v", flags(rep))
	}
}

func TestAuditOfEveryUserFollowsEveryPage(t *testing.T) {
	now := time.Now()
	acct := preparedAccount(t, now)
	// The Fake's own ListUsers, which pages as IAM does (100 a page, with
	// its markers): the prepared users, Twin2 and Broken (whose lists the
	// account makes up), and enough users holding nothing for three pages.
	acct.AddUser("Twin2")
	acct.AddUser("Broken")
	for i := range 230 {
		acct.AddUser(fmt.Sprintf("idle%03d", i))
	}
	all := acct.Users()
	if len(all) <= 200 {
		t.Fatalf("only %d users", len(all))
	}
	aud := &fleet.Auditor{Uploader: sigcert.NewUploader(acct), Users: acct, Now: func() time.Time { return now }, Concurrency: 4}
	rep, err := aud.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, pages := len(rep.Users), acct.Requests("ListUsers"); got != len(all) || pages != 3 {
		t.Errorf("audited %d of %d users in %d ListUsers calls, want all in 3", got, len(all), pages)
	}
	for _, f := range rep.Findings {
		if f.UserName == "Empty" || f.UserName == sigcerttest.DefaultUser || strings.HasPrefix(f.UserName, "idle") {
			t.Errorf("a listed user with no certificate was flagged: %+v", f)
		}
	}
	if len(rep.Findings) != 8 {
		t.Errorf("%d findings, want the 9 of the named audit less Empty's: %v", len(rep.Findings), flags(rep))
	}

	// ListUsers failing, on the first page or part way: the audit stops
	// with the error rather than report on part of the account.
	acct.Inject(sigcerttest.Fault{Action: "ListUsers", Code: "AccessDenied"})
	if _, err := aud.Audit(context.Background()); err == nil || !strings.Contains(err.Error(), "AccessDenied") ||
		!strings.Contains(err.Error(), "listing the account's users") {
		t.Errorf("ListUsers refused: %v", err)
	}
	aud.Users = secondPageFails{acct.Fake}
	if rep, err := aud.Audit(context.Background()); err == nil || rep != nil || !strings.Contains(err.Error(), "page 2") {
		t.Errorf("ListUsers failing on page 2: %v, %v", rep, err)
	}
	if _, err := (&fleet.Auditor{Uploader: sigcert.NewUploader(acct)}).Audit(context.Background()); err == nil {
		t.Error("no Users and no names: no error")
	}
	if _, err := (&fleet.Auditor{}).Audit(context.Background(), "Fine"); err == nil {
		t.Error("no Uploader: no error")
	}
}

func TestAuditJSONNamesAreStable(t *testing.T) {
	end := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	days := 12
	a := fleet.Audit{Time: end, ExpiringWithinDays: 30,
		Users: []fleet.UserAudit{{UserName: "Bob", Certificates: []fleet.CertificateAudit{{CertificateID: "ASCA1", Status: "Active",
			UploadDate: &end, NotAfter: &end, DaysLeft: &days, KeyType: "RSA", KeyBits: 2048, Subject: "CN=x", Fingerprint: "ab"}}}},
		Findings: []fleet.Finding{{Kind: fleet.SharedCertificate, UserName: "Bob", CertificateID: "ASCA1", OtherUsers: []string{"Al"}, Detail: "d"}},
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"time":"2027-01-02T03:04:05Z","expiring_within_days":30,"users":[{"user_name":"Bob","certificates":[{"certificate_id":"ASCA1","status":"Active","upload_date":"2027-01-02T03:04:05Z","not_after":"2027-01-02T03:04:05Z","days_left":12,"key_type":"RSA","key_bits":2048,"subject":"CN=x","fingerprint":"ab"}]}],"findings":[{"kind":"shared_certificate","user_name":"Bob","certificate_id":"ASCA1","other_users":["Al"],"detail":"d"}]}`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
	var zero *fleet.Audit
	if zero.Flagged() || (&fleet.Audit{}).Flagged() {
		t.Error("an empty audit is flagged")
	}
}

// endlessUsers answers every ListUsers page with one new user and a fresh
// marker, as no account can: the audit must refuse it, not grow forever.
type endlessUsers struct{ calls *int }

func (e endlessUsers) ListUsers(_ context.Context, in *iam.ListUsersInput, _ ...func(*iam.Options)) (*iam.ListUsersOutput, error) {
	*e.calls++
	n := fmt.Sprint(*e.calls)
	return &iam.ListUsersOutput{Users: []types.User{{UserName: &n}}, IsTruncated: true, Marker: &n}, nil
}

func TestAuditRefusesAnEndlessUserList(t *testing.T) {
	calls := 0
	aud := &fleet.Auditor{Uploader: sigcert.NewUploader(sigcerttest.NewFake()), Users: endlessUsers{&calls}}
	_, err := aud.Audit(context.Background())
	if !errors.Is(err, sigcert.ErrIncompleteResponse) || calls > 1000 {
		t.Errorf("err = %v after %d pages, want ErrIncompleteResponse within 1000", err, calls)
	}
}
