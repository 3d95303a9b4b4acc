package sigcerttest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// face is one of the two faces under test, fresh for each scenario.
type face struct {
	name string
	// start returns the API to script and the face's inspection function.
	start func(t *testing.T, now time.Time) (sigcert.API, func(user string) []types.SigningCertificate)
}

var faces = []face{
	{"Fake", func(t *testing.T, now time.Time) (sigcert.API, func(string) []types.SigningCertificate) {
		f := sigcerttest.NewFake("Bob", "Alice")
		f.SetClock(func() time.Time { return now })
		return f, f.Certificates
	}},
	{"Server", func(t *testing.T, now time.Time) (sigcert.API, func(string) []types.SigningCertificate) {
		s := sigcerttest.NewServer("Bob", "Alice")
		t.Cleanup(s.Close)
		s.SetClock(func() time.Time { return now })
		return s.Client(), s.Certificates
	}},
}

// step is one call of a scenario. Certificates are named: an upload's save
// names the certificate it creates, and id refers to a saved name (or, if
// no certificate has that name, is sent as is).
type step struct {
	op     string  // iamspec.Op*
	user   *string // UserName; nil omits it
	body   string  // a key of bodies; "nil" omits CertificateBody
	id     string  // CertificateId; "nil" omits it
	status types.StatusType
	max    int32 // MaxItems; 0 omits it
	marker string
	// useMarker sends the Marker of the previous List.
	useMarker bool
	save      string

	wantCode string   // "" for success
	wantMsg  string   // checked if not empty; certificate names in <> stand for their ids
	wantList []string // for a successful List: the certificates' names, in order
}

// outcome is what a step returned, with certificate ids replaced by names,
// for comparing the faces.
type outcome struct {
	Code, Message string
	ErrorType     string
	HTTPStatus    int
	Certificates  []types.SigningCertificate
	IsTruncated   bool
	HasMarker     bool
}

func str(v string) *string { return &v }

func scenarioBodies(now time.Time) map[string]string {
	a, b, c := certgen.Valid(), certgen.Valid(), certgen.Valid()
	return map[string]string{
		"a":       a.PEM,
		"a-crlf":  a.CRLF(),
		"b":       b.PEM,
		"c":       c.PEM,
		"expired": certgen.New(certgen.Options{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Second)}).PEM,
		"notyet":  certgen.New(certgen.Options{NotBefore: now.Add(time.Second), NotAfter: now.Add(48 * time.Hour)}).PEM,
		"junk":    "invalid-certificate-body",
		"text":    a.TextBefore(),
		"empty":   "",
		"euro":    a.PEM + "€",
	}
}

var scenarios = []struct {
	name  string
	steps []step
}{
	{"upload list update delete", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1"}},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "c1", status: types.StatusTypeInactive},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1"}},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "c1", status: types.StatusTypeActive},
		{op: iamspec.OpDelete, user: str("Bob"), id: "c1"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
		{op: iamspec.OpDelete, user: str("Bob"), id: "c1", wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: "The Certificate with id <c1> cannot be found."},
	}},
	{"quota counts inactive certificates", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: iamspec.OpUpload, user: str("Bob"), body: "b", save: "c2"},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "c1", status: types.StatusTypeInactive},
		{op: iamspec.OpUpload, user: str("Bob"), body: "c", wantCode: iamspec.CodeLimitExceeded,
			wantMsg: "Cannot exceed quota for CertificatesPerUser: 2"},
		{op: iamspec.OpUpload, user: str("Alice"), body: "c", save: "c3"},
		{op: iamspec.OpDelete, user: str("Bob"), id: "c1"},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c4"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c2", "c4"}},
	}},
	{"duplicate anywhere in the account", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: iamspec.OpUpload, user: str("Alice"), body: "a", wantCode: iamspec.CodeDuplicateCertificate,
			wantMsg: iamspec.MsgDuplicateCertificate},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a-crlf", wantCode: iamspec.CodeDuplicateCertificate},
		{op: iamspec.OpUpload, user: str("Bob"), body: "b", save: "c2"},
		// Duplicate before quota.
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeDuplicateCertificate},
		{op: iamspec.OpList, user: str("Alice"), wantList: []string{}},
	}},
	{"upload refusals in IAM's order", []step{
		{op: iamspec.OpUpload, user: str("bad name"), body: "junk", wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgUserNamePattern},
		{op: iamspec.OpUpload, user: str(""), body: "a", wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("UserName", "", "Member must have length greater than or equal to 1")},
		{op: iamspec.OpUpload, user: str("nonexistent-user"), body: "junk", wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: "The user with name nonexistent-user cannot be found."},
		{op: iamspec.OpUpload, user: str("nonexistent-user"), body: "empty", wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpUpload, user: str("Bob"), body: "empty", wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("CertificateBody", "", "Member must have length greater than or equal to 1")},
		{op: iamspec.OpUpload, user: str("Bob"), body: "euro", wantCode: iamspec.CodeValidationError},
		{op: iamspec.OpUpload, user: str("Bob"), body: "junk", wantCode: iamspec.CodeMalformedCertificate,
			wantMsg: "Certificate invalid-certificate-body is malformed."},
		{op: iamspec.OpUpload, user: str("Bob"), body: "text", wantCode: iamspec.CodeMalformedCertificate},
		{op: iamspec.OpUpload, user: str("Bob"), body: "expired", wantCode: iamspec.CodeMalformedCertificate},
		{op: iamspec.OpUpload, user: str("Bob"), body: "notyet", wantCode: iamspec.CodeMalformedCertificate},
		{op: iamspec.OpUpload, user: str("Bob"), body: "nil", wantCode: "InvalidParams"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
	}},
	{"the caller's own user", []step{
		{op: iamspec.OpUpload, body: "a", save: "c1"},
		{op: iamspec.OpList, wantList: []string{"c1"}},
		{op: iamspec.OpList, user: str(sigcerttest.DefaultUser), wantList: []string{"c1"}},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
		{op: iamspec.OpUpdate, id: "c1", status: types.StatusTypeInactive},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "c1", status: types.StatusTypeActive, wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: "The Certificate with id <c1> cannot be found."},
		{op: iamspec.OpDelete, id: "c1"},
		{op: iamspec.OpList, wantList: []string{}},
	}},
	{"pagination", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: iamspec.OpUpload, user: str("Bob"), body: "b", save: "c2"},
		{op: iamspec.OpList, user: str("Bob"), max: 1, wantList: []string{"c1"}},
		{op: iamspec.OpList, user: str("Bob"), max: 1, useMarker: true, wantList: []string{"c2"}},
		{op: iamspec.OpList, user: str("Bob"), max: 2, wantList: []string{"c1", "c2"}},
		{op: iamspec.OpList, user: str("Bob"), max: -1, wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("MaxItems", "-1", "Member must have value greater than or equal to 1")},
		{op: iamspec.OpList, user: str("Bob"), max: 1001, wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("MaxItems", "1001", "Member must have value less than or equal to 1000")},
		{op: iamspec.OpList, user: str("Bob"), marker: "not a marker", wantCode: iamspec.CodeValidationError},
		{op: iamspec.OpList, user: str("nonexistent-user"), wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: iamspec.MsgNoSuchUser("nonexistent-user")},
	}},
	{"update and delete refusals", []step{
		{op: iamspec.OpUpload, user: str("Alice"), body: "a", save: "alices"},
		{op: iamspec.OpUpdate, user: str("nonexistent-user"), id: "short", status: "Bogus", wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: iamspec.MsgNoSuchUser("nonexistent-user")},
		{op: iamspec.OpDelete, user: str("nonexistent-user"), id: "alices", wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: iamspec.MsgNoSuchUser("nonexistent-user")},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "short", status: types.StatusTypeActive, wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("CertificateId", "short", "Member must have length greater than or equal to 24")},
		{op: iamspec.OpDelete, user: str("Bob"), id: strings.Repeat("A", 27) + "!", wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("CertificateId", strings.Repeat("A", 27)+"!", `Member must satisfy regular expression pattern: [\w]+`)},
		{op: iamspec.OpUpdate, user: str("Alice"), id: "alices", status: types.StatusTypeExpired, wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("Status", "Expired", "Member must satisfy enum value set: [Active, Inactive]")},
		{op: iamspec.OpUpdate, user: str("Alice"), id: "alices", status: "", wantCode: "InvalidParams"},
		{op: iamspec.OpDelete, user: str("Alice"), id: "nil", wantCode: "InvalidParams"},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "alices", status: types.StatusTypeActive, wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: "The Certificate with id <alices> cannot be found."},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "NONEXISTENTCERTID12345678901", status: types.StatusTypeActive,
			wantCode: iamspec.CodeNoSuchEntity, wantMsg: "The Certificate with id NONEXISTENTCERTID12345678901 cannot be found."},
		{op: iamspec.OpList, user: str("Alice"), wantList: []string{"alices"}},
	}},
}

// TestScenarios runs every scenario against both faces and checks that each
// step gives what it expects, and the same on both faces: codes, messages,
// error types, HTTP statuses and results.
func TestScenarios(t *testing.T) {
	now := time.Now().UTC()
	bodies := scenarioBodies(now)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var results [][]outcome
			for _, f := range faces {
				api, inspect := f.start(t, now)
				results = append(results, runScenario(t, f.name, api, inspect, bodies, sc.steps))
			}
			if diff := cmp.Diff(results[0], results[1], cmpopts.IgnoreUnexported(types.SigningCertificate{})); diff != "" {
				t.Errorf("%s and %s differ (-%s +%s):\n%s", faces[0].name, faces[1].name, faces[0].name, faces[1].name, diff)
			}
		})
	}
}

func runScenario(t *testing.T, faceName string, api sigcert.API, inspect func(string) []types.SigningCertificate,
	bodies map[string]string, steps []step) []outcome {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}   // name → id
	names := map[string]string{} // id → name
	var marker *string
	var outs []outcome
	for i, st := range steps {
		var (
			err  error
			out  outcome
			list []types.SigningCertificate
		)
		id := func() *string {
			switch {
			case st.id == "nil":
				return nil
			case ids[st.id] != "":
				return aws.String(ids[st.id])
			}
			return aws.String(st.id)
		}
		switch st.op {
		case iamspec.OpUpload:
			in := &iam.UploadSigningCertificateInput{UserName: st.user}
			if st.body != "nil" {
				b, ok := bodies[st.body]
				if !ok {
					t.Fatalf("step %d: no body %q", i, st.body)
				}
				in.CertificateBody = &b
			}
			var res *iam.UploadSigningCertificateOutput
			if res, err = api.UploadSigningCertificate(ctx, in); err == nil {
				c := *res.Certificate
				if *c.CertificateBody != *in.CertificateBody {
					t.Errorf("%s step %d: body changed in transit", faceName, i)
				}
				if st.save != "" {
					ids[st.save], names[*c.CertificateId] = *c.CertificateId, st.save
				}
				list = []types.SigningCertificate{c}
			}
		case iamspec.OpList:
			in := &iam.ListSigningCertificatesInput{UserName: st.user}
			if st.max != 0 {
				in.MaxItems = &st.max
			}
			if st.useMarker {
				in.Marker = marker
			} else if st.marker != "" {
				in.Marker = &st.marker
			}
			var res *iam.ListSigningCertificatesOutput
			if res, err = api.ListSigningCertificates(ctx, in); err == nil {
				list, marker = res.Certificates, res.Marker
				out.IsTruncated, out.HasMarker = res.IsTruncated, res.Marker != nil
				if res.IsTruncated != (res.Marker != nil) {
					t.Errorf("%s step %d: IsTruncated %v with Marker %v", faceName, i, res.IsTruncated, res.Marker)
				}
				if st.wantList != nil {
					var got []string
					for _, c := range res.Certificates {
						got = append(got, names[*c.CertificateId])
					}
					if diff := cmp.Diff(st.wantList, got, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("%s step %d: listed (-want +got):\n%s", faceName, i, diff)
					}
				}
			}
		case iamspec.OpUpdate:
			_, err = api.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: st.user, CertificateId: id(), Status: st.status})
		case iamspec.OpDelete:
			_, err = api.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: st.user, CertificateId: id()})
		}

		out.Code, out.Message, out.ErrorType, out.HTTPStatus = describe(err)
		for id, name := range names {
			out.Message = strings.ReplaceAll(out.Message, id, "<"+name+">")
		}
		for _, c := range list {
			c.CertificateId = aws.String("<" + names[*c.CertificateId] + ">")
			out.Certificates = append(out.Certificates, c)
		}
		if out.Code != st.wantCode {
			t.Errorf("%s step %d (%s): code %q (%s), want %q", faceName, i, st.op, out.Code, out.Message, st.wantCode)
		}
		if st.wantMsg != "" && out.Message != st.wantMsg {
			t.Errorf("%s step %d (%s): message %q, want %q", faceName, i, st.op, out.Message, st.wantMsg)
		}
		if st.wantCode == iamspec.CodeValidationError || st.wantCode == iamspec.CodeNoSuchEntity ||
			st.wantCode == iamspec.CodeMalformedCertificate || st.wantCode == iamspec.CodeLimitExceeded ||
			st.wantCode == iamspec.CodeDuplicateCertificate {
			if out.HTTPStatus != iamspec.Status(st.wantCode) {
				t.Errorf("%s step %d: HTTP status %d, want %d", faceName, i, out.HTTPStatus, iamspec.Status(st.wantCode))
			}
		}
		outs = append(outs, out)
	}
	// The inspection helpers agree with what the API reported.
	outs = append(outs, outcome{Certificates: relabel(inspect("Bob"), names)}, outcome{Certificates: relabel(inspect("Alice"), names)})
	return outs
}

func relabel(cs []types.SigningCertificate, names map[string]string) []types.SigningCertificate {
	for i := range cs {
		cs[i].CertificateId = aws.String("<" + names[*cs[i].CertificateId] + ">")
	}
	return cs
}

// describe returns what a caller can learn from err through the SDK's
// interfaces: IAM's code and message, the Go type of the API error, and
// the HTTP status. The SDK's own validation refusal is reported as code
// "InvalidParams".
func describe(err error) (code, message, typ string, status int) {
	if err == nil {
		return "", "", "", 0
	}
	var ip smithy.InvalidParamsError
	if errors.As(err, &ip) {
		return "InvalidParams", ip.Error(), fmt.Sprintf("%T", ip), 0
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "not an APIError", err.Error(), fmt.Sprintf("%T", err), 0
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), ae.ErrorMessage(), fmt.Sprintf("%T", ae), status
}
