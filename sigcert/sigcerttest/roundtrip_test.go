package sigcerttest_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// TestMalformedBodyEchoedByteForByte sends bodies full of characters that
// form encoding, XML or line-end handling could alter. IAM echoes a body it
// cannot use in its MalformedCertificate message: through both faces, and
// through the SDK and the wire for the Server, the echo must be exact.
func TestMalformedBodyEchoedByteForByte(t *testing.T) {
	bodies := []string{
		"a+b&c%20d<e>f=g/h?i#j;k'\"",
		"Latin-1: é ÿ À ß ¤ \u00a0 and C1 \u0080\u0085\u009f and DEL \x7f",
		"-----BEGIN CERTIFICATE-----\r\nnot base64 &<>%+ é\r\n-----END CERTIFICATE-----\r\n",
		"\r",
		"\r\r\n\n\t lone CR\rmixed\n\r",
		"  leading and trailing spaces  ",
		"]]> <![CDATA[ x ]]>",
		"&amp; &#xD; &lt; %0D%0A + literally",
		"ÿ",
	}
	ctx := context.Background()
	for _, f := range faces {
		t.Run(f.name, func(t *testing.T) {
			api, _ := f.start(t, time.Now())
			for _, body := range bodies {
				_, err := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
					UserName: aws.String("Bob"), CertificateBody: aws.String(body)})
				var mc *types.MalformedCertificateException
				if !errors.As(err, &mc) {
					t.Errorf("body %q: error %v, want *types.MalformedCertificateException", body, err)
					continue
				}
				if got, want := mc.ErrorMessage(), iamspec.MsgMalformedCertificate(body); got != want {
					t.Errorf("echo differs:\n got %q\nwant %q", got, want)
				}
			}
		})
	}
}

// TestValidBodyRoundTrip uploads valid certificates whose text has CRLF line
// endings and surrounding whitespace: the body returned by Upload, by List
// and by the inspection helper is the one sent, byte for byte.
func TestValidBodyRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, f := range faces {
		t.Run(f.name, func(t *testing.T) {
			api, inspect := f.start(t, time.Now())
			uploads := []struct{ user, body string }{
				{"Bob", certgen.Valid().CRLF()},
				{"Bob", "\r\n\t " + certgen.Valid().CRLF() + " \t\r\n\r\n"},
				{"Alice", certgen.Valid().PEM + "\n\n"},
			}
			for _, u := range uploads {
				out, err := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
					UserName: aws.String(u.user), CertificateBody: aws.String(u.body)})
				if err != nil {
					t.Fatalf("upload: %v", err)
				}
				if got := *out.Certificate.CertificateBody; got != u.body {
					t.Errorf("Upload returned body %q, sent %q", got, u.body)
				}
			}
			for _, user := range []string{"Bob", "Alice"} {
				list, err := api.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String(user)})
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, u := range uploads {
					if u.user == user {
						want = append(want, u.body)
					}
				}
				var got, inspected []string
				for _, c := range list.Certificates {
					got = append(got, *c.CertificateBody)
				}
				for _, c := range inspect(user) {
					inspected = append(inspected, *c.CertificateBody)
				}
				if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(inspected, want) {
					t.Errorf("%s: List bodies %q, inspected %q, want %q", user, got, inspected, want)
				}
			}
		})
	}
}

// TestOutputsIdentical compares the Fake's results with what the SDK
// decodes from the Server, field by field and with reflect.DeepEqual (so
// time.Time's location counts), ids aside.
func TestOutputsIdentical(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 7, 30, 1, 987654321, time.FixedZone("CET", 3600))
	body := certgen.New(certgen.Options{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}).CRLF()
	var uploads []types.SigningCertificate
	var lists []*iam.ListSigningCertificatesOutput
	for _, f := range faces {
		api, _ := f.start(t, now)
		out, err := api.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(body)})
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		c := *out.Certificate
		if c.UploadDate.Location() != time.UTC {
			t.Errorf("%s: UploadDate in %v, want UTC", f.name, c.UploadDate.Location())
		}
		c.CertificateId = nil
		uploads = append(uploads, c)

		list, err := api.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
		if err != nil {
			t.Fatal(err)
		}
		list.Certificates[0].CertificateId = nil
		lists = append(lists, list)
	}
	want := types.SigningCertificate{
		UserName:        aws.String("sigcerttest"),
		CertificateBody: aws.String(body),
		Status:          types.StatusTypeActive,
		UploadDate:      aws.Time(time.Date(2026, 11, 22, 6, 30, 1, 987000000, time.UTC)),
	}
	for i, f := range faces {
		if !reflect.DeepEqual(uploads[i], want) {
			t.Errorf("%s: upload result %+v, want %+v", f.name, uploads[i], want)
		}
		if !reflect.DeepEqual(lists[i].Certificates, []types.SigningCertificate{want}) || lists[i].IsTruncated || lists[i].Marker != nil {
			t.Errorf("%s: list result %+v", f.name, lists[i])
		}
	}
}
