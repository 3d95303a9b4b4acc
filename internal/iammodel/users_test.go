package iammodel_test

import (
	"strings"
	"testing"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

func TestCreateUserNamesAreUniqueRegardlessOfCase(t *testing.T) {
	m := iammodel.New()
	u, err := m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("Alice")})
	if err != nil {
		t.Fatal(err)
	}
	if u.UserName != "Alice" || u.Path != "/" || u.Arn != "arn:aws:iam::"+iammodel.AccountID+":user/Alice" ||
		len(u.UserID) != 21 || !strings.HasPrefix(u.UserID, "AIDA") || u.CreateDate.IsZero() {
		t.Errorf("CreateUser = %+v", u)
	}
	_, err = m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("alice")})
	wantErr(t, err, iamspec.CodeEntityAlreadyExists, "User with name alice already exists.")
	_, err = m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("Alice")})
	wantErr(t, err, iamspec.CodeEntityAlreadyExists, "")
}

func TestCreateUserConstraints(t *testing.T) {
	m := iammodel.New()
	long := strings.Repeat("a", 65)
	_, err := m.CreateUser(caller, iammodel.CreateUserInput{UserName: &long})
	wantErr(t, err, iamspec.CodeValidationError,
		"1 validation error detected: Value '"+long+"' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64")
	_, err = m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr("bad/name")})
	wantErr(t, err, iamspec.CodeValidationError, iamspec.MsgUserNamePattern)
	_, err = m.CreateUser(caller, iammodel.CreateUserInput{})
	wantErr(t, err, iamspec.CodeValidationError, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
	_, err = m.CreateUser("AKIAUNKNOWN", iammodel.CreateUserInput{UserName: ptr("x")})
	wantErr(t, err, iamspec.CodeInvalidClientTokenID, "")
	// 64 characters, and ',' which IAM's pattern allows.
	if _, err := m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr(strings.Repeat("b", 63) + ",")}); err != nil {
		t.Errorf("64 characters with ',': %v", err)
	}
	// An existing user may be named with up to 128 characters elsewhere:
	// the name is checked against the 128 limit, then not found.
	_, err = m.GetUser(caller, iammodel.GetUserInput{UserName: ptr(strings.Repeat("c", 100))})
	wantErr(t, err, iamspec.CodeNoSuchEntity, "")
}

func TestGetUserWithoutNameIsTheCaller(t *testing.T) {
	m := newModel(t)
	if err := m.AddAccessKey("AKIABOB", "Bob"); err != nil {
		t.Fatal(err)
	}
	u, err := m.GetUser("AKIABOB", iammodel.GetUserInput{})
	if err != nil || u.UserName != "Bob" {
		t.Fatalf("GetUser() as Bob = %+v, %v", u, err)
	}
	// Lookups ignore case and answer with the name as created.
	u, err = m.GetUser(caller, iammodel.GetUserInput{UserName: ptr("BOB")})
	if err != nil || u.UserName != "Bob" {
		t.Fatalf("GetUser(BOB) = %+v, %v", u, err)
	}
	_, err = m.GetUser(caller, iammodel.GetUserInput{UserName: ptr("nobody")})
	wantErr(t, err, iamspec.CodeNoSuchEntity, iamspec.MsgNoSuchUser("nobody"))
}

func TestListUsersPages(t *testing.T) {
	m := iammodel.New()
	for _, n := range []string{"d", "B", "a", "C"} {
		if _, err := m.CreateUser(caller, iammodel.CreateUserInput{UserName: ptr(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var marker *string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("ListUsers never ends")
		}
		out, err := m.ListUsers(caller, iammodel.ListUsersInput{Marker: marker, MaxItems: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Users) > 2 || out.IsTruncated != (out.Marker != "") {
			t.Fatalf("page %+v", out)
		}
		for _, u := range out.Users {
			got = append(got, u.UserName)
		}
		if !out.IsTruncated {
			break
		}
		marker = &out.Marker
	}
	if want := "a B C d " + iammodel.DefaultUser; strings.Join(got, " ") != want {
		t.Errorf("users = %v, want %s", got, want)
	}
	_, err := m.ListUsers(caller, iammodel.ListUsersInput{Marker: ptr("forged")})
	wantErr(t, err, iamspec.CodeValidationError, "")
	_, err = m.ListUsers(caller, iammodel.ListUsersInput{MaxItems: ptr(0)})
	wantErr(t, err, iamspec.CodeValidationError, "")
}

func TestDeleteUserConflictsWhileCertificatesRemain(t *testing.T) {
	m := newModel(t)
	c := upload(t, m, "Bob", certgen.Valid().PEM)
	err := m.DeleteUser(caller, iammodel.DeleteUserInput{UserName: ptr("bob")})
	wantErr(t, err, iamspec.CodeDeleteConflict, "Cannot delete entity, must delete certificates first.")
	if err.(*iammodel.Error).Status() != 409 {
		t.Errorf("DeleteConflict status %d, want 409", err.(*iammodel.Error).Status())
	}
	if err := m.Delete(caller, iammodel.DeleteInput{UserName: ptr("Bob"), CertificateID: &c.CertificateID}); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteUser(caller, iammodel.DeleteUserInput{UserName: ptr("Bob")}); err != nil {
		t.Fatalf("DeleteUser after the certificate went: %v", err)
	}
	wantErr(t, m.DeleteUser(caller, iammodel.DeleteUserInput{UserName: ptr("Bob")}), iamspec.CodeNoSuchEntity, "")
	// The caller's own user has an access key: refused until it goes.
	wantErr(t, m.DeleteUser(caller, iammodel.DeleteUserInput{UserName: ptr(iammodel.DefaultUser)}), iamspec.CodeDeleteConflict, "")
	wantErr(t, m.DeleteUser(caller, iammodel.DeleteUserInput{}), iamspec.CodeValidationError, "")
}

func TestSecrets(t *testing.T) {
	m := newModel(t)
	if s, ok := m.Secret(iammodel.DefaultAccessKeyID); !ok || s != iammodel.DefaultSecretAccessKey {
		t.Errorf("default key's secret = %q, %v", s, ok)
	}
	if err := m.AddAccessKeyWithSecret("AKIABOB", "bob-secret", "Bob"); err != nil {
		t.Fatal(err)
	}
	if s, ok := m.Secret("AKIABOB"); !ok || s != "bob-secret" {
		t.Errorf("Secret(AKIABOB) = %q, %v", s, ok)
	}
	if err := m.AddAccessKey("AKIAALICE", "Alice"); err != nil {
		t.Fatal(err)
	}
	if s, _ := m.Secret("AKIAALICE"); s != iammodel.DefaultSecretAccessKey {
		t.Errorf("AddAccessKey's secret = %q, want the default", s)
	}
	if _, ok := m.Secret("AKIANONE"); ok {
		t.Error("an unknown key has a secret")
	}
	wantErr(t, m.AddAccessKeyWithSecret("AKIAX", "", "Bob"), iamspec.CodeValidationError, "")
	wantErr(t, m.AddAccessKeyWithSecret("AKIA-X", "s", "Bob"), iamspec.CodeValidationError, "")
	wantErr(t, m.AddAccessKeyWithSecret("AKIAX", "s", "nobody"), iamspec.CodeNoSuchEntity, "")
}

func TestMarkExpired(t *testing.T) {
	m := newModel(t)
	c := upload(t, m, "Bob", certgen.Valid().PEM)
	if err := m.MarkExpired("Bob", c.CertificateID); err != nil {
		t.Fatal(err)
	}
	out, err := m.List(caller, iammodel.ListInput{UserName: ptr("Bob")})
	if err != nil || len(out.Certificates) != 1 || out.Certificates[0].Status != iammodel.StatusExpired {
		t.Fatalf("List after MarkExpired = %+v, %v", out, err)
	}
	// It still counts towards the quota.
	upload(t, m, "Bob", certgen.Valid().PEM)
	_, err = m.Upload(caller, iammodel.UploadInput{UserName: ptr("Bob"), CertificateBody: ptr(certgen.Valid().PEM)})
	wantErr(t, err, iamspec.CodeLimitExceeded, "")
	wantErr(t, m.MarkExpired("Bob", "NOSUCHCERTIFICATEID12345678"), iamspec.CodeNoSuchEntity, "")
	wantErr(t, m.MarkExpired("nobody", c.CertificateID), iamspec.CodeNoSuchEntity, "")
}
