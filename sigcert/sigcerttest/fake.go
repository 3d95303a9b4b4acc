package sigcerttest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// Fake is an in-memory IAM that implements sigcert.API, and the user
// operations of *iam.Client (CreateUser, GetUser, ListUsers, DeleteUser)
// with their exact signatures. Its methods behave as *iam.Client's would
// against IAM, without sending anything:
//
//   - results are what the SDK decodes from IAM's responses (every pointer
//     set, Status, UploadDate in UTC to the millisecond, a request id in
//     ResultMetadata that awsmiddleware.GetRequestIDMetadata reads);
//   - IAM's refusals are the SDK's error values, wrapped as the SDK wraps
//     them: *smithy.OperationError → *awshttp.ResponseError (HTTP status,
//     request id) → the operation's modelled exception, such as
//     *types.LimitExceededException, or *smithy.GenericAPIError for codes
//     the operation does not model, such as ValidationError;
//   - inputs the SDK's own validator refuses (a nil CertificateBody or
//     CertificateId, an empty Status, a nil UserName for CreateUser and
//     DeleteUser) fail with smithy.InvalidParamsError inside
//     *smithy.OperationError, as the SDK's do;
//   - a context already done fails with the context's error inside
//     *smithy.OperationError, so errors.Is(err, context.Canceled) holds.
//
// A call acts as DefaultAccessKeyID unless its options set Credentials: then
// as their access key id, which must be one the Fake knows
// (InvalidClientTokenId otherwise) with its secret (SignatureDoesNotMatch,
// 403, otherwise), as IAM checks a request's signature. (An *iam.Client
// differs in one way: its signer caches the key it derives from a secret
// per access key id and day, not per secret, so a client that has signed
// with a key's right secret goes on signing with it even when a call's
// Credentials carry another secret for the same key id. The Fake has no
// signer and compares every call's secret.) As with the SDK, nil
// Credentials send the call unsigned (refused with
// MissingAuthenticationToken), and credentials that fail to load fail the
// call with the SDK's "get identity" error. Other options, such as retry
// settings, are ignored: the Fake makes one attempt per call.
//
// Inject makes calls fail or slow down; Calls and Requests show what was
// called. A Fake is safe for concurrent use. Create it with NewFake; the
// zero Fake works too, holding only DefaultUser.
type Fake struct {
	once  sync.Once
	model *iammodel.Model

	mu     sync.Mutex
	faults []*pendingFault
	calls  []Call
}

var _ sigcert.API = (*Fake)(nil)

// NewFake returns a Fake holding DefaultUser and the given users, without
// certificates. Its clock is time.Now. Like httptest, it panics instead of
// returning an error: if a name breaks IAM's constraints on user names.
func NewFake(users ...string) *Fake {
	f := &Fake{}
	for _, u := range users {
		f.AddUser(u)
	}
	return f
}

// m returns the Fake's model, creating it for a zero Fake.
func (f *Fake) m() *iammodel.Model {
	f.once.Do(func() {
		if f.model == nil {
			f.model = iammodel.New()
		}
	})
	return f.model
}

// AddUser creates the IAM user name; adding an existing user (in any case)
// does nothing. It panics if name breaks IAM's constraints on user names
// (at most 64 characters, IAM's pattern).
func (f *Fake) AddUser(name string) { addUser(f.m(), name) }

// AddAccessKey gives the existing user userName the access key accessKeyID,
// with the secret DefaultSecretAccessKey: calls whose Credentials carry that
// key act as that user. It panics if the user does not exist or the key id
// is not ASCII letters and digits.
func (f *Fake) AddAccessKey(accessKeyID, userName string) {
	addAccessKey(f.m(), accessKeyID, userName)
}

// AddAccessKeyWithSecret is AddAccessKey with the key's secret: calls
// signed with another secret are refused with SignatureDoesNotMatch. It
// panics as AddAccessKey does, and for an empty secret.
func (f *Fake) AddAccessKeyWithSecret(accessKeyID, secret, userName string) {
	addAccessKeyWithSecret(f.m(), accessKeyID, secret, userName)
}

// Users returns the names of all users, sorted, DefaultUser included.
func (f *Fake) Users() []string { return f.m().Users() }

// Certificates returns the certificates user userName holds, in upload
// order, as ListSigningCertificates would return them once every write has
// propagated, or nil if there are none.
func (f *Fake) Certificates(userName string) []types.SigningCertificate {
	return certificates(f.m(), userName)
}

// SetClock makes now the Fake's clock: it dates uploads and users, decides
// whether a certificate has expired or is not yet valid (with no tolerance
// for clock skew, like IAM), and drives the propagation delay and the rate
// limit. A nil now restores time.Now.
func (f *Fake) SetClock(now func() time.Time) { f.m().SetClock(now) }

// SetPropagationDelay models IAM's eventual consistency: for d on the
// Fake's clock after each write, ListSigningCertificates, GetUser and
// ListUsers do not show it (a new certificate is missing, an updated one
// keeps its old status, a deleted one is still listed, a new user is not
// found), although the write is applied (DuplicateCertificate and the quota
// see it). Zero, the default, turns it off.
func (f *Fake) SetPropagationDelay(d time.Duration) { f.m().SetPropagationDelay(d) }

// StaleReads makes the next n reads (ListSigningCertificates, GetUser,
// ListUsers) stale: each misses the latest write to what it reads.
func (f *Fake) StaleReads(n int) { f.m().StaleReads(n) }

// SetRateLimit limits the Fake to perSecond calls per second on its clock,
// in bursts of up to burst: beyond it calls fail with Throttling (HTTP 400,
// "Rate exceeded"), as IAM's do. perSecond of zero or less, the default,
// removes the limit.
func (f *Fake) SetRateLimit(perSecond float64, burst int) { f.m().SetRateLimit(perSecond, burst) }

// MarkExpired sets the status of the user's certificate to Expired, the
// third status of IAM's API model, which IAM sets at times no evidence
// establishes; the Fake never sets it on its own. It panics if there is no
// such user or certificate.
func (f *Fake) MarkExpired(userName, certificateID string) {
	markExpired(f.m(), userName, certificateID)
}

// Inject queues fault: the next fault.Count calls of fault.Action fail,
// slow down, or are applied and then answered with an error, as it says.
// Faults apply in the order injected; a call takes the first queued fault
// that matches it. Drop and ApplyThenDrop need a connection to drop: Inject
// panics on them; use a Server.
func (f *Fake) Inject(fault Fault) {
	if fault.Drop || fault.ApplyThenDrop {
		panic("sigcerttest: Fake.Inject: Drop and ApplyThenDrop lose a connection, which only a Server has")
	}
	f.mu.Lock()
	f.faults = append(f.faults, &pendingFault{Fault: fault, left: max(fault.Count, 1)})
	f.mu.Unlock()
}

// ClearFaults drops every queued fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	f.faults = nil
	f.mu.Unlock()
}

// Call is one call the Fake received.
type Call struct {
	// Operation is the operation's name, such as "UploadSigningCertificate".
	Operation string
	// Input is a copy of the input the call was given, such as an
	// *iam.UploadSigningCertificateInput (the pointers inside it are
	// shared with the caller's).
	Input any
}

// Calls returns the calls the Fake received, in order, faulted ones
// included. Calls the SDK's validator would have refused before sending are
// not among them, as they never reach a Server either.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Requests returns how many calls of operation the Fake received, as
// Server.Requests counts them; "" counts all calls.
func (f *Fake) Requests(operation string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if operation == "" {
		return len(f.calls)
	}
	n := 0
	for _, c := range f.calls {
		if c.Operation == operation {
			n++
		}
	}
	return n
}

// arrive records a call and takes the fault it gets, if any.
func (f *Fake) arrive(op string, input any) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Operation: op, Input: input})
	return takeFault(&f.faults, op)
}

// takeFault takes the first fault of queue matching action, if any.
func takeFault(queue *[]*pendingFault, action string) Fault {
	for i, p := range *queue {
		if p.matches(action) {
			p.left--
			if p.left <= 0 {
				*queue = slices.Delete(*queue, i, i+1)
			}
			return p.Fault
		}
	}
	return Fault{}
}

// UploadSigningCertificate implements sigcert.API.
func (f *Fake) UploadSigningCertificate(ctx context.Context, params *iam.UploadSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	const op = iamspec.OpUpload
	if params == nil {
		params = &iam.UploadSigningCertificateInput{}
	}
	if params.CertificateBody == nil {
		return nil, invalidParams(op, "UploadSigningCertificateInput", "CertificateBody")
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	c, err := f.m().Upload(r.caller, iammodel.UploadInput{UserName: params.UserName, CertificateBody: params.CertificateBody})
	if err := r.end(err); err != nil {
		return nil, err
	}
	sc := sdkCertificate(c)
	return &iam.UploadSigningCertificateOutput{Certificate: &sc, ResultMetadata: metadata(r.requestID)}, nil
}

// ListSigningCertificates implements sigcert.API.
func (f *Fake) ListSigningCertificates(ctx context.Context, params *iam.ListSigningCertificatesInput, optFns ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	const op = iamspec.OpList
	if params == nil {
		params = &iam.ListSigningCertificatesInput{}
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	in := iammodel.ListInput{UserName: params.UserName, Marker: params.Marker}
	if params.MaxItems != nil {
		in.MaxItems = ptr(int(*params.MaxItems))
	}
	page, err := f.m().List(r.caller, in)
	if err := r.end(err); err != nil {
		return nil, err
	}
	out := &iam.ListSigningCertificatesOutput{
		Certificates:   sdkCertificates(page.Certificates),
		IsTruncated:    page.IsTruncated,
		ResultMetadata: metadata(r.requestID),
	}
	if page.IsTruncated {
		out.Marker = ptr(page.Marker)
	}
	return out, nil
}

// UpdateSigningCertificate implements sigcert.API.
func (f *Fake) UpdateSigningCertificate(ctx context.Context, params *iam.UpdateSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	const op = iamspec.OpUpdate
	if params == nil {
		params = &iam.UpdateSigningCertificateInput{}
	}
	var missing []string
	if params.CertificateId == nil {
		missing = append(missing, iamspec.FieldCertificateID)
	}
	if len(params.Status) == 0 {
		missing = append(missing, iamspec.FieldStatus)
	}
	if len(missing) > 0 {
		return nil, invalidParams(op, "UpdateSigningCertificateInput", missing...)
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	status := string(params.Status)
	err = f.m().Update(r.caller, iammodel.UpdateInput{UserName: params.UserName, CertificateID: params.CertificateId, Status: &status})
	if err := r.end(err); err != nil {
		return nil, err
	}
	return &iam.UpdateSigningCertificateOutput{ResultMetadata: metadata(r.requestID)}, nil
}

// DeleteSigningCertificate implements sigcert.API.
func (f *Fake) DeleteSigningCertificate(ctx context.Context, params *iam.DeleteSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	const op = iamspec.OpDelete
	if params == nil {
		params = &iam.DeleteSigningCertificateInput{}
	}
	if params.CertificateId == nil {
		return nil, invalidParams(op, "DeleteSigningCertificateInput", iamspec.FieldCertificateID)
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	err = f.m().Delete(r.caller, iammodel.DeleteInput{UserName: params.UserName, CertificateID: params.CertificateId})
	if err := r.end(err); err != nil {
		return nil, err
	}
	return &iam.DeleteSigningCertificateOutput{ResultMetadata: metadata(r.requestID)}, nil
}

// request is one call on its way through the Fake.
type request struct {
	op, caller, requestID string
	fault                 Fault
}

// end turns the model's answer into the call's error: an ApplyThenCode
// fault answers with its code whatever the model did; otherwise the
// model's refusal, as the SDK returns it.
func (r request) end(modelErr error) error {
	if r.fault.ApplyThenCode != "" {
		return r.faultError(r.fault.applyThenAnswer(), r.fault.applyThenStatus())
	}
	if modelErr != nil {
		return modelError(r.op, r.requestID, modelErr)
	}
	return nil
}

func (r request) faultError(e *iammodel.Error, status int) error {
	return answerError(r.op, status, r.requestID, e.Code, e.Message)
}

// begin does what the SDK and the Server do between validating the input
// and applying it: it checks the context, records the call, takes its
// fault (waiting out its latency, answering with its code), finds the
// caller's credentials in the options and checks them against the access
// keys the Fake knows.
func (f *Fake) begin(ctx context.Context, op string, input any, optFns []func(*iam.Options)) (request, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		// So does the SDK, before sending, when the context is already done.
		return request{}, operationError(op, err)
	}
	r := request{op: op, requestID: newRequestID(), fault: f.arrive(op, input)}
	if d := r.fault.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			// What the SDK returns when the context ends while it waits for
			// an answer: the send failed, wrapping the context's error.
			return request{}, operationError(op, &smithyhttp.RequestSendError{Err: ctx.Err()})
		}
	}
	if r.fault.Code != "" {
		return request{}, r.faultError(r.fault.errorAnswer(), r.fault.status())
	}
	o := iam.Options{Credentials: defaultCredentials()}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Credentials == nil {
		// The SDK falls back to sending the request unsigned.
		e := missingAuth()
		return request{}, answerError(op, e.Status(), r.requestID, e.Code, e.Message)
	}
	creds, err := o.Credentials.Retrieve(ctx)
	if err != nil {
		return request{}, operationError(op, fmt.Errorf("get identity: get credentials: %w", err))
	}
	secret, known := f.m().Secret(creds.AccessKeyID)
	switch {
	case !known:
		e := &iammodel.Error{Code: iamspec.CodeInvalidClientTokenID, Message: iamspec.MsgInvalidClientTokenID}
		return request{}, answerError(op, e.Status(), r.requestID, e.Code, e.Message)
	case secret != creds.SecretAccessKey:
		e := &iammodel.Error{Code: iamspec.CodeSignatureDoesNotMatch, Message: iamspec.MsgSignatureDoesNotMatch}
		return request{}, answerError(op, e.Status(), r.requestID, e.Code, e.Message)
	}
	if name := invalidUTF8(input); name != "" {
		// What the Server answers when the SDK sends these bytes
		// (decodeRequest), after the signature as there.
		e := malformed(fmt.Sprintf("the parameter %q is not UTF-8", name))
		return request{}, answerError(op, refusalStatus(e), r.requestID, e.Code, e.Message)
	}
	r.caller = creds.AccessKeyID
	return r, nil
}

// invalidUTF8 returns the name of the first string parameter of input (a
// pointer to an SDK input struct, whose fields are in name order, the order
// in which the Server checks parameters) that is not valid UTF-8, or "". The SDK
// sends such bytes percent-encoded as they are; IAM's answer to them was not
// established, and both faces refuse them as the Server does.
func invalidUTF8(input any) string {
	v := reflect.ValueOf(input)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	v = v.Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		if f.Kind() == reflect.String && !utf8.ValidString(f.String()) {
			return v.Type().Field(i).Name
		}
	}
	return ""
}

// copyOf returns a pointer to a shallow copy of *in, for the call record.
func copyOf[T any](in *T) *T {
	c := *in
	return &c
}

// invalidParams is the SDK validator's refusal of missing required fields.
func invalidParams(op, context string, fields ...string) error {
	e := smithy.InvalidParamsError{Context: context}
	for _, f := range fields {
		e.Add(smithy.NewErrParamRequired(f))
	}
	return operationError(op, e)
}

// metadata is a result's metadata holding the request id, where
// awsmiddleware.GetRequestIDMetadata finds it.
func metadata(requestID string) middleware.Metadata {
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, requestID)
	return md
}

// defaultCredentials signs as DefaultAccessKeyID.
func defaultCredentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")
}

// missingAuth is IAM's refusal of an unsigned request.
func missingAuth() *iammodel.Error {
	return &iammodel.Error{Code: iamspec.CodeMissingAuthToken, Message: iamspec.MsgMissingAuthToken}
}

// Setup and inspection shared by Fake and Server.

func addUser(m *iammodel.Model, name string) {
	if err := m.AddUser(name); err != nil {
		panic(fmt.Sprintf("sigcerttest: AddUser(%q): %v", name, err))
	}
}

// addAccessKey gives the user a key with the secret DefaultSecretAccessKey.
func addAccessKey(m *iammodel.Model, accessKeyID, userName string) {
	addAccessKeyWithSecret(m, accessKeyID, DefaultSecretAccessKey, userName)
}

func addAccessKeyWithSecret(m *iammodel.Model, accessKeyID, secret, userName string) {
	if err := m.AddAccessKeyWithSecret(accessKeyID, secret, userName); err != nil {
		panic(fmt.Sprintf("sigcerttest: AddAccessKey(%q, %q): %v", accessKeyID, userName, err))
	}
}

func markExpired(m *iammodel.Model, userName, certificateID string) {
	if err := m.MarkExpired(userName, certificateID); err != nil {
		panic(fmt.Sprintf("sigcerttest: MarkExpired(%q, %q): %v", userName, certificateID, err))
	}
}

func certificates(m *iammodel.Model, userName string) []types.SigningCertificate {
	cs := m.Certificates(userName)
	if cs == nil {
		return nil
	}
	return sdkCertificates(cs)
}
