package sigcerttest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// FuzzFacesAgree sends the same calls, with arbitrary parameters, to a Fake
// and to a Server's real client, and checks the two answer alike: the same
// code, message, error type and HTTP status (or both succeed), and never a
// 5xx of their own making. Each input starts from the same state on both
// (a new Fake, a reset Server), so a failing input fails alone.
func FuzzFacesAgree(f *testing.F) {
	pemText := certgen.Valid().PEM
	f.Add("Bob", pemText, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "Inactive", "", int32(0))
	f.Add("bob", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "short", "Expired", "m", int32(1001))
	f.Add("a,b@c=d+e.f_g-h", "\xff", "\x00", "", "\xff", int32(-1))
	f.Add("", "", "", "Active", " ", int32(1))
	f.Add("Zoë", pemText+"\r\n", "abcdefghijklmnopqrstuvwxyz", "active", "\u0100", int32(1000))
	srv := sigcerttest.NewServer("Bob")
	f.Cleanup(srv.Close)
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, user, body, id, status, marker string, maxItems int32) {
		srv.Reset()
		fake := sigcerttest.NewFake("Bob")
		calls := []struct {
			name string
			call func(api fullAPI) error
		}{
			{"CreateUser", func(api fullAPI) error {
				_, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: &user})
				return err
			}},
			{"Upload", func(api fullAPI) error {
				_, err := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &body})
				return err
			}},
			{"List", func(api fullAPI) error {
				in := &iam.ListSigningCertificatesInput{UserName: &user}
				if marker != "" {
					in.Marker = &marker
				}
				if maxItems != 0 {
					in.MaxItems = &maxItems
				}
				_, err := api.ListSigningCertificates(ctx, in)
				return err
			}},
			{"Update", func(api fullAPI) error {
				_, err := api.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: &user, CertificateId: &id, Status: types.StatusType(status)})
				return err
			}},
			{"GetUser", func(api fullAPI) error {
				_, err := api.GetUser(ctx, &iam.GetUserInput{UserName: &user})
				return err
			}},
			{"ListUsers", func(api fullAPI) error {
				in := &iam.ListUsersInput{}
				if marker != "" {
					in.Marker = &marker
				}
				if maxItems != 0 {
					in.MaxItems = &maxItems
				}
				_, err := api.ListUsers(ctx, in)
				return err
			}},
			{"Delete", func(api fullAPI) error {
				_, err := api.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: &user, CertificateId: &id})
				return err
			}},
			{"DeleteUser", func(api fullAPI) error {
				_, err := api.DeleteUser(ctx, &iam.DeleteUserInput{UserName: &user})
				return err
			}},
		}
		for _, c := range calls {
			fc, fm, ft, fs := describe(c.call(fake))
			sc, sm, st, ss := describe(c.call(client))
			if fc != sc || fm != sm || ft != st || fs != ss {
				t.Fatalf("%s(user %q, body %.40q, id %q, status %q, marker %q, max %d):\nFake   %s %.300q %s %d\nServer %s %.300q %s %d",
					c.name, user, body, id, status, marker, maxItems, fc, fm, ft, fs, sc, sm, st, ss)
			}
			if fs >= 500 {
				t.Fatalf("%s: status %d %s", c.name, fs, fc)
			}
		}
	})
}
