package sigcerttest_test

import (
	"context"
	"crypto/sha1"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
	// full returns the face to script, on the given clock.
	full func(t *testing.T, clock func() time.Time) faceUnderTest
}

// start returns the face's sigcert.API and inspection, its clock fixed at
// now.
func (f face) start(t *testing.T, now time.Time) (sigcert.API, func(user string) []types.SigningCertificate) {
	ft := f.full(t, func() time.Time { return now })
	return ft.api, ft.ctrl.Certificates
}

// fullAPI is sigcert.API and the user operations, as *iam.Client and the
// Fake both have them.
type fullAPI interface {
	sigcert.API
	CreateUser(context.Context, *iam.CreateUserInput, ...func(*iam.Options)) (*iam.CreateUserOutput, error)
	GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error)
	ListUsers(context.Context, *iam.ListUsersInput, ...func(*iam.Options)) (*iam.ListUsersOutput, error)
	DeleteUser(context.Context, *iam.DeleteUserInput, ...func(*iam.Options)) (*iam.DeleteUserOutput, error)
}

// controls are the setup methods the Fake and the Server share.
type controls interface {
	Certificates(user string) []types.SigningCertificate
	SetPropagationDelay(time.Duration)
	StaleReads(int)
	SetRateLimit(float64, int)
	MarkExpired(user, id string)
	Inject(sigcerttest.Fault)
	AddAccessKeyWithSecret(id, secret, user string)
}

type faceUnderTest struct {
	api  fullAPI
	ctrl controls
	// fresh, if set, returns a new client with opts, for calls that sign
	// with other credentials.
	fresh func(opts ...func(*iam.Options)) fullAPI
}

var (
	_ fullAPI  = (*iam.Client)(nil)
	_ fullAPI  = (*sigcerttest.Fake)(nil)
	_ controls = (*sigcerttest.Fake)(nil)
	_ controls = (*sigcerttest.Server)(nil)
)

var faces = []face{
	{"Fake", func(t *testing.T, clock func() time.Time) faceUnderTest {
		f := sigcerttest.NewFake("Bob", "Alice")
		f.SetClock(clock)
		return faceUnderTest{api: f, ctrl: f}
	}},
	{"Server", func(t *testing.T, clock func() time.Time) faceUnderTest {
		s := sigcerttest.NewServer("Bob", "Alice")
		t.Cleanup(s.Close)
		s.SetClock(clock)
		// One attempt per call, as the Fake makes: injected faults are then
		// seen as they are, not retried away.
		one := func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }
		return faceUnderTest{api: s.Client(one), ctrl: s, fresh: func(opts ...func(*iam.Options)) fullAPI {
			return s.Client(append([]func(*iam.Options){one}, opts...)...)
		}}
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

	wantCode   string   // "" for success
	wantMsg    string   // checked if not empty; certificate names in <> stand for their ids
	wantStatus int      // HTTP status; 0 means IAM's status for wantCode
	wantList   []string // for a successful List: the certificates' names, in order
	wantUsers  []string // for a successful ListUsers: the names, in order
	// wantState is the "id:Status" list of the user's certificates (user)
	// after a List; checked if not nil.
	wantState []string

	// Setup steps (op is one of the set* constants below).
	dur    time.Duration
	n      int
	rate   float64
	fault  sigcerttest.Fault
	keyID  string // for setKey, and to sign a call as (with secret)
	secret string
	// unsigned sends the call without credentials.
	unsigned bool
	// timeout, if set, bounds the call's context.
	timeout time.Duration
}

// codeDeadline stands for a call that ended with its context's deadline.
const codeDeadline = "context.DeadlineExceeded"

// Setup steps of a scenario, applied through the faces' shared methods.
const (
	setDelay   = "SetPropagationDelay" // dur
	setStale   = "StaleReads"          // n
	setRate    = "SetRateLimit"        // rate, n (burst)
	setExpired = "MarkExpired"         // user, id
	setFault   = "Inject"              // fault
	setKey     = "AddAccessKeyWithSecret"
	advance    = "advance the clock" // dur
)

// outcome is what a step returned, with certificate ids replaced by names,
// for comparing the faces.
type outcome struct {
	Code, Message string
	ErrorType     string
	HTTPStatus    int
	Certificates  []types.SigningCertificate
	IsTruncated   bool
	HasMarker     bool
	Users         []string
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
		"badutf8": a.PEM + "\xff",
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
		// Bytes that are not UTF-8: IAM's answer is not known; both faces
		// refuse them as the Server's decoder does.
		{op: iamspec.OpUpload, user: str("Bob"), body: "badutf8", wantCode: "InvalidQueryParameter",
			wantMsg: `the parameter "CertificateBody" is not UTF-8`},
		{op: iamspec.OpUpload, user: str("Bo\xffb"), body: "a", wantCode: "InvalidQueryParameter",
			wantMsg: `the parameter "UserName" is not UTF-8`},
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
	{"same certificate, same id, after delete and re-upload", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "first"},
		{op: iamspec.OpDelete, user: str("Bob"), id: "first"},
		{op: iamspec.OpUpload, user: str("Alice"), body: "a-crlf", save: "again"},
		{op: iamspec.OpDelete, user: str("Alice"), id: "first"}, // the same id
		{op: iamspec.OpList, user: str("Alice"), wantList: []string{}},
	}},
	{"users: create, case, length, get, list", []step{
		{op: iamspec.OpCreateUser, user: str("Carol")},
		{op: iamspec.OpCreateUser, user: str("carol"), wantCode: iamspec.CodeEntityAlreadyExists,
			wantMsg: "User with name carol already exists.", wantStatus: 409},
		{op: iamspec.OpCreateUser, user: str("BOB"), wantCode: iamspec.CodeEntityAlreadyExists},
		{op: iamspec.OpCreateUser, user: str(strings.Repeat("x", 65)), wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("UserName", strings.Repeat("x", 65), "Member must have length less than or equal to 64")},
		{op: iamspec.OpCreateUser, user: str("ops,admin")}, // ',' is legal in IAM names
		{op: iamspec.OpCreateUser, user: str("no/slash"), wantCode: iamspec.CodeValidationError, wantMsg: iamspec.MsgUserNamePattern},
		{op: iamspec.OpCreateUser, wantCode: "InvalidParams"},
		{op: iamspec.OpGetUser, user: str("CAROL"), wantUsers: []string{"Carol"}}, // the name as created
		{op: iamspec.OpGetUser, wantUsers: []string{sigcerttest.DefaultUser}},     // no name: the caller
		{op: iamspec.OpGetUser, user: str("nobody"), wantCode: iamspec.CodeNoSuchEntity, wantMsg: iamspec.MsgNoSuchUser("nobody")},
		{op: iamspec.OpListUsers, max: 2, wantUsers: []string{"Alice", "Bob"}},
		{op: iamspec.OpListUsers, max: 2, useMarker: true, wantUsers: []string{"Carol", "ops,admin"}},
		{op: iamspec.OpListUsers, max: 2, useMarker: true, wantUsers: []string{sigcerttest.DefaultUser}},
		{op: iamspec.OpListUsers, max: 1001, wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("MaxItems", "1001", "Member must have value less than or equal to 1000")},
		{op: iamspec.OpListUsers, marker: "not a marker", wantCode: iamspec.CodeValidationError},
		// 64 characters at creation; the other operations take names of up
		// to 128 (existingUserNameType), so a longer name is just unknown.
		{op: iamspec.OpCreateUser, user: str(strings.Repeat("y", 64)), wantUsers: []string{strings.Repeat("y", 64)}},
		{op: iamspec.OpUpload, user: str(strings.Repeat("y", 100)), body: "a", wantCode: iamspec.CodeNoSuchEntity,
			wantMsg: iamspec.MsgNoSuchUser(strings.Repeat("y", 100))},
		{op: iamspec.OpGetUser, user: str(strings.Repeat("y", 128)), wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpGetUser, user: str(strings.Repeat("y", 129)), wantCode: iamspec.CodeValidationError,
			wantMsg: iamspec.MsgValidationValue("UserName", strings.Repeat("y", 129), "Member must have length less than or equal to 128")},
		{op: iamspec.OpDeleteUser, user: str(strings.Repeat("y", 64))},
		{op: iamspec.OpUpload, user: str("carol"), body: "a", save: "c1"}, // lookups ignore case
		{op: iamspec.OpList, user: str("Carol"), wantList: []string{"c1"}},
	}},
	{"delete user refused while it holds certificates", []step{
		{op: iamspec.OpCreateUser, user: str("Dave")},
		{op: iamspec.OpUpload, user: str("Dave"), body: "a", save: "c1"},
		{op: iamspec.OpDeleteUser, user: str("Dave"), wantCode: iamspec.CodeDeleteConflict,
			wantMsg: "Cannot delete entity, must delete certificates first.", wantStatus: 409},
		{op: iamspec.OpDelete, user: str("Dave"), id: "c1"},
		{op: iamspec.OpDeleteUser, user: str("Dave")},
		{op: iamspec.OpGetUser, user: str("Dave"), wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpDeleteUser, user: str("Dave"), wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpDeleteUser, wantCode: "InvalidParams"},
	}},
	{"propagation delay", []step{
		{op: setDelay, dur: 5 * time.Second},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeDuplicateCertificate}, // applied all the same
		{op: advance, dur: 5 * time.Second},
		{op: iamspec.OpList, user: str("Bob"), wantState: []string{"c1:Active"}},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "c1", status: types.StatusTypeInactive},
		{op: iamspec.OpList, user: str("Bob"), wantState: []string{"c1:Active"}},
		{op: advance, dur: 5 * time.Second},
		{op: iamspec.OpList, user: str("Bob"), wantState: []string{"c1:Inactive"}},
		{op: iamspec.OpDelete, user: str("Bob"), id: "c1"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1"}},
		{op: advance, dur: 5 * time.Second},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
		{op: iamspec.OpCreateUser, user: str("Erin")},
		{op: iamspec.OpGetUser, user: str("Erin"), wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpUpload, user: str("Erin"), body: "b", wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpListUsers, wantUsers: []string{"Alice", "Bob", sigcerttest.DefaultUser}},
		{op: advance, dur: 5 * time.Second},
		{op: iamspec.OpGetUser, user: str("Erin")},
	}},
	{"stale reads", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: iamspec.OpUpload, user: str("Bob"), body: "b", save: "c2"},
		{op: setStale, n: 1},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1"}},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1", "c2"}},
		{op: iamspec.OpCreateUser, user: str("Hank")},
		{op: setStale, n: 2},
		{op: iamspec.OpGetUser, user: str("Hank"), wantCode: iamspec.CodeNoSuchEntity},
		{op: iamspec.OpListUsers, wantUsers: []string{"Alice", "Bob", sigcerttest.DefaultUser}},
		{op: iamspec.OpGetUser, user: str("Hank"), wantUsers: []string{"Hank"}},
		{op: iamspec.OpListUsers, wantUsers: []string{"Alice", "Bob", "Hank", sigcerttest.DefaultUser}},
	}},
	{"throttling", []step{
		{op: setRate, rate: 1, n: 2},
		{op: iamspec.OpList, user: str("Bob")},
		{op: iamspec.OpList, user: str("Bob")},
		{op: iamspec.OpList, user: str("Bob"), wantCode: iamspec.CodeThrottling, wantMsg: "Rate exceeded", wantStatus: 400},
		{op: iamspec.OpCreateUser, user: str("Frank"), wantCode: iamspec.CodeThrottling},
		{op: advance, dur: time.Second},
		{op: iamspec.OpCreateUser, user: str("Frank")},
		{op: setRate},
		{op: iamspec.OpList, user: str("Bob")},
		{op: iamspec.OpList, user: str("Bob")},
	}},
	{"an Expired certificate is listed as such", []step{
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"},
		{op: setExpired, user: str("Bob"), id: "c1"},
		{op: iamspec.OpList, user: str("Bob"), wantState: []string{"c1:Expired"}},
		{op: iamspec.OpUpdate, user: str("Bob"), id: "c1", status: types.StatusTypeActive},
		{op: iamspec.OpList, user: str("Bob"), wantState: []string{"c1:Active"}},
	}},
	{"an Expired certificate counts as any other and causes no error", []step{
		{op: iamspec.OpCreateUser, user: str("Ivy")},
		{op: iamspec.OpUpload, user: str("Ivy"), body: "a", save: "c1"},
		{op: iamspec.OpUpload, user: str("Ivy"), body: "b", save: "c2"},
		{op: setExpired, user: str("Ivy"), id: "c1"},
		{op: iamspec.OpList, user: str("Ivy"), max: 1, wantState: []string{"c1:Expired"}},
		{op: iamspec.OpUpload, user: str("Ivy"), body: "c", wantCode: iamspec.CodeLimitExceeded},          // the quota counts it
		{op: iamspec.OpUpload, user: str("Alice"), body: "a", wantCode: iamspec.CodeDuplicateCertificate}, // still attached
		{op: iamspec.OpDeleteUser, user: str("Ivy"), wantCode: iamspec.CodeDeleteConflict},
		{op: iamspec.OpUpdate, user: str("Ivy"), id: "c1", status: types.StatusTypeInactive},
		{op: iamspec.OpList, user: str("Ivy"), wantState: []string{"c1:Inactive", "c2:Active"}},
		{op: setExpired, user: str("Ivy"), id: "c1"},
		{op: iamspec.OpDelete, user: str("Ivy"), id: "c1"},
		{op: iamspec.OpDelete, user: str("Ivy"), id: "c2"},
		{op: iamspec.OpDeleteUser, user: str("Ivy")},
	}},
	{"faults: 5xx codes get their real status", []step{
		{op: setFault, fault: sigcerttest.Fault{Code: iamspec.CodeInternalFailure}},
		{op: iamspec.OpList, user: str("Bob"), wantCode: iamspec.CodeInternalFailure, wantStatus: 500},
		{op: setFault, fault: sigcerttest.Fault{Code: iamspec.CodeServiceUnavailable}},
		{op: iamspec.OpList, user: str("Bob"), wantCode: iamspec.CodeServiceUnavailable, wantStatus: 503},
		{op: setFault, fault: sigcerttest.Fault{Code: iamspec.CodeServiceFailure, Message: "boom"}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeServiceFailure, wantMsg: "boom", wantStatus: 500},
		{op: setFault, fault: sigcerttest.Fault{Code: iamspec.CodeThrottling, Status: 429}},
		{op: iamspec.OpList, user: str("Bob"), wantCode: iamspec.CodeThrottling, wantStatus: 429},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
	}},
	{"faults: per operation, counted, applied then failed", []step{
		{op: setFault, fault: sigcerttest.Fault{Action: iamspec.OpUpload, Count: 2, Code: iamspec.CodeConcurrentModification}},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeConcurrentModification},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeConcurrentModification},
		{op: setFault, fault: sigcerttest.Fault{Action: iamspec.OpUpload, ApplyThenCode: iamspec.CodeServiceUnavailable}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeServiceUnavailable, wantStatus: 503},
		// The failed upload was applied: the certificate is a duplicate now.
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", wantCode: iamspec.CodeDuplicateCertificate},
		{op: setFault, fault: sigcerttest.Fault{Action: iamspec.OpCreateUser, ApplyThenCode: iamspec.CodeInternalFailure}},
		{op: iamspec.OpCreateUser, user: str("Gina"), wantCode: iamspec.CodeInternalFailure, wantStatus: 500},
		{op: iamspec.OpGetUser, user: str("Gina")},
	}},
	{"faults: latency, cut short by the caller's deadline", []step{
		{op: setFault, fault: sigcerttest.Fault{Action: iamspec.OpUpload, Latency: time.Hour}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", timeout: 20 * time.Millisecond, wantCode: codeDeadline},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}}, // not applied
		{op: setFault, fault: sigcerttest.Fault{Latency: time.Millisecond}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", save: "c1"}, // a short one only delays
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1"}},
	}},
	{"access keys act as their user", []step{
		{op: setKey, keyID: "AKIABOB", secret: "bob-secret", user: str("Bob")},
		{op: iamspec.OpUpload, body: "a", keyID: "AKIABOB", secret: "bob-secret", save: "c1"},
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{"c1"}},
		{op: iamspec.OpGetUser, keyID: "AKIABOB", secret: "bob-secret"},
		{op: iamspec.OpList, keyID: "AKIAUNKNOWN", secret: "x", wantCode: iamspec.CodeInvalidClientTokenID, wantStatus: 403,
			wantMsg: iamspec.MsgInvalidClientTokenID},
	}},
	{"credentials: a wrong secret, an unsigned call", []step{
		{op: setKey, keyID: "AKIABOB", secret: "bob-secret", user: str("Bob")},
		{op: iamspec.OpGetUser, keyID: "AKIABOB", secret: "bob-secret", wantUsers: []string{"Bob"}},
		{op: iamspec.OpUpload, user: str("Bob"), body: "a", keyID: "AKIABOB", secret: "not-bobs-secret",
			wantCode: iamspec.CodeSignatureDoesNotMatch, wantMsg: iamspec.MsgSignatureDoesNotMatch, wantStatus: 403},
		{op: iamspec.OpCreateUser, user: str("Judy"), keyID: sigcerttest.DefaultAccessKeyID, secret: "wrong",
			wantCode: iamspec.CodeSignatureDoesNotMatch, wantStatus: 403},
		{op: iamspec.OpList, user: str("Bob"), unsigned: true, wantCode: iamspec.CodeMissingAuthToken,
			wantMsg: iamspec.MsgMissingAuthToken, wantStatus: 403},
		{op: iamspec.OpDeleteUser, user: str("Bob"), unsigned: true, wantCode: iamspec.CodeMissingAuthToken},
		// Nothing refused was applied.
		{op: iamspec.OpList, user: str("Bob"), wantList: []string{}},
		{op: iamspec.OpGetUser, user: str("Judy"), wantCode: iamspec.CodeNoSuchEntity},
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
				clock := &scenarioClock{t: now}
				ft := f.full(t, clock.now)
				results = append(results, runScenario(t, f.name, ft, clock, bodies, sc.steps))
			}
			if diff := cmp.Diff(results[0], results[1], cmpopts.IgnoreUnexported(types.SigningCertificate{})); diff != "" {
				t.Errorf("%s and %s differ (-%s +%s):\n%s", faces[0].name, faces[1].name, faces[0].name, faces[1].name, diff)
			}
		})
	}
}

// scenarioClock is a face's clock, which advance steps move.
type scenarioClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *scenarioClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *scenarioClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func runScenario(t *testing.T, faceName string, ft faceUnderTest, clock *scenarioClock,
	bodies map[string]string, steps []step) []outcome {
	t.Helper()
	api, inspect := ft.api, ft.ctrl.Certificates
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
		var opts []func(*iam.Options)
		if st.keyID != "" && st.op != setKey {
			opts = append(opts, func(o *iam.Options) {
				o.Credentials = credentials.NewStaticCredentialsProvider(st.keyID, st.secret, "")
			})
		}
		if st.unsigned {
			opts = append(opts, func(o *iam.Options) { o.Credentials = nil })
		}
		ctx := context.Background()
		if st.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, st.timeout)
			defer cancel()
		}
		api := api
		if len(opts) > 0 && ft.fresh != nil {
			// A client of its own: the SDK's signer caches the signing key
			// derived from a secret per access key id and day, not per
			// secret (aws/signer/internal/v4/cache.go), so a client that
			// signed with a key's right secret would go on signing with it
			// whatever secret a call's options give.
			api = ft.fresh(opts...)
		}
		switch st.op {
		case setDelay:
			ft.ctrl.SetPropagationDelay(st.dur)
			continue
		case setStale:
			ft.ctrl.StaleReads(st.n)
			continue
		case setRate:
			ft.ctrl.SetRateLimit(st.rate, st.n)
			continue
		case setExpired:
			ft.ctrl.MarkExpired(*st.user, *id())
			continue
		case setFault:
			ft.ctrl.Inject(st.fault)
			continue
		case setKey:
			ft.ctrl.AddAccessKeyWithSecret(st.keyID, st.secret, *st.user)
			continue
		case advance:
			clock.add(st.dur)
			continue
		case iamspec.OpCreateUser:
			var res *iam.CreateUserOutput
			if res, err = api.CreateUser(ctx, &iam.CreateUserInput{UserName: st.user}, opts...); err == nil {
				out.Users = []string{*res.User.UserName}
			}
		case iamspec.OpGetUser:
			var res *iam.GetUserOutput
			if res, err = api.GetUser(ctx, &iam.GetUserInput{UserName: st.user}, opts...); err == nil {
				out.Users = []string{*res.User.UserName}
				checkUser(t, faceName, i, *res.User)
			}
		case iamspec.OpListUsers:
			in := &iam.ListUsersInput{}
			if st.max != 0 {
				in.MaxItems = &st.max
			}
			if st.useMarker {
				in.Marker = marker
			} else if st.marker != "" {
				in.Marker = &st.marker
			}
			var res *iam.ListUsersOutput
			if res, err = api.ListUsers(ctx, in, opts...); err == nil {
				marker = res.Marker
				out.IsTruncated, out.HasMarker = res.IsTruncated, res.Marker != nil
				out.Users = []string{}
				for _, u := range res.Users {
					out.Users = append(out.Users, *u.UserName)
					checkUser(t, faceName, i, u)
				}
			}
		case iamspec.OpDeleteUser:
			_, err = api.DeleteUser(ctx, &iam.DeleteUserInput{UserName: st.user}, opts...)
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
			if res, err = api.UploadSigningCertificate(ctx, in, opts...); err == nil {
				c := *res.Certificate
				if *c.CertificateBody != *in.CertificateBody {
					t.Errorf("%s step %d: body changed in transit", faceName, i)
				}
				if want := derivedID(*in.CertificateBody); *c.CertificateId != want {
					t.Errorf("%s step %d: id %s, want %s (base32 of the DER's SHA-1, as IAM's)", faceName, i, *c.CertificateId, want)
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
			if res, err = api.ListSigningCertificates(ctx, in, opts...); err == nil {
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
				if st.wantState != nil {
					got := []string{}
					for _, c := range res.Certificates {
						got = append(got, names[*c.CertificateId]+":"+string(c.Status))
					}
					if diff := cmp.Diff(st.wantState, got); diff != "" {
						t.Errorf("%s step %d: listed (-want +got):\n%s", faceName, i, diff)
					}
				}
			}
		case iamspec.OpUpdate:
			_, err = api.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: st.user, CertificateId: id(), Status: st.status}, opts...)
		case iamspec.OpDelete:
			_, err = api.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: st.user, CertificateId: id()}, opts...)
		}

		if err == nil && st.wantUsers != nil {
			if diff := cmp.Diff(st.wantUsers, out.Users); diff != "" {
				t.Errorf("%s step %d (%s): users (-want +got):\n%s", faceName, i, st.op, diff)
			}
		}
		out.Code, out.Message, out.ErrorType, out.HTTPStatus = describe(err)
		if errors.Is(err, context.DeadlineExceeded) {
			// The transport's words differ (the Server's name its URL).
			out.Code, out.Message, out.ErrorType = codeDeadline, "", ""
		}
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
		if st.wantCode != "" && st.wantCode != "InvalidParams" && st.wantCode != codeDeadline {
			want := st.wantStatus
			if want == 0 {
				want = iamspec.Status(st.wantCode)
			}
			if out.HTTPStatus != want {
				t.Errorf("%s step %d: HTTP status %d, want %d", faceName, i, out.HTTPStatus, want)
			}
		}
		outs = append(outs, out)
	}
	// The inspection helpers agree with what the API reported.
	outs = append(outs, outcome{Certificates: relabel(inspect("Bob"), names)}, outcome{Certificates: relabel(inspect("Alice"), names)})
	return outs
}

// derivedID is the id IAM gives a certificate: base32 (RFC 4648, no
// padding) of the SHA-1 of its DER.
func derivedID(body string) string {
	block, _ := pem.Decode([]byte(body))
	if block == nil {
		return "not PEM"
	}
	sum := sha1.Sum(block.Bytes)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
}

// checkUser checks a user as both faces must return it.
func checkUser(t *testing.T, faceName string, i int, u types.User) {
	t.Helper()
	if u.UserName == nil || u.UserId == nil || u.Arn == nil || u.Path == nil || u.CreateDate == nil ||
		*u.Arn != "arn:aws:iam::123456789012:user/"+*u.UserName || *u.Path != "/" || !strings.HasPrefix(*u.UserId, "AIDA") {
		t.Errorf("%s step %d: user %+v", faceName, i, u)
	}
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
