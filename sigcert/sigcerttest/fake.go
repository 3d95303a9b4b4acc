package sigcerttest

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
)

// Fake is an in-memory IAM that implements sigcert.API. Its methods behave
// as *iam.Client's would against IAM, without sending anything:
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
//     CertificateId, an empty Status) fail with smithy.InvalidParamsError
//     inside *smithy.OperationError, as the SDK's do;
//   - a context already done fails with the context's error inside
//     *smithy.OperationError, so errors.Is(err, context.Canceled) holds.
//
// A call acts as DefaultAccessKeyID unless its options set Credentials: then
// as their access key id. As with the SDK, nil Credentials send the call
// unsigned (refused with MissingAuthenticationToken), and credentials that
// fail to load fail the call with the SDK's "get identity" error. Other
// options, such as retry settings, are ignored: the Fake never fails
// transiently.
//
// A Fake is safe for concurrent use. Create it with NewFake.
type Fake struct {
	model *iammodel.Model
}

var _ sigcert.API = (*Fake)(nil)

// NewFake returns a Fake holding DefaultUser and the given users, without
// certificates. Its clock is time.Now. Like httptest, it panics instead of
// returning an error: if a name breaks IAM's constraints on user names.
func NewFake(users ...string) *Fake {
	f := &Fake{model: iammodel.New()}
	for _, u := range users {
		f.AddUser(u)
	}
	return f
}

// AddUser creates the IAM user name; adding an existing user does nothing.
// It panics if name breaks IAM's constraints on user names.
func (f *Fake) AddUser(name string) { addUser(f.model, name) }

// AddAccessKey gives the existing user userName the access key accessKeyID:
// calls whose Credentials carry that key id act as that user. It panics if
// the user does not exist or the key id is not ASCII letters and digits.
func (f *Fake) AddAccessKey(accessKeyID, userName string) {
	addAccessKey(f.model, accessKeyID, userName)
}

// Users returns the names of all users, sorted, DefaultUser included.
func (f *Fake) Users() []string { return f.model.Users() }

// Certificates returns the certificates of user userName in upload order, as
// ListSigningCertificates would return them, or nil if there are none.
func (f *Fake) Certificates(userName string) []types.SigningCertificate {
	return certificates(f.model, userName)
}

// SetClock makes now the Fake's clock: it dates uploads and decides whether
// a certificate has expired or is not yet valid (with no tolerance for
// clock skew, like IAM). A nil now restores time.Now.
func (f *Fake) SetClock(now func() time.Time) { f.model.SetClock(now) }

// UploadSigningCertificate implements sigcert.API.
func (f *Fake) UploadSigningCertificate(ctx context.Context, params *iam.UploadSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	const op = iamspec.OpUpload
	if params == nil {
		params = &iam.UploadSigningCertificateInput{}
	}
	if params.CertificateBody == nil {
		return nil, invalidParams(op, "UploadSigningCertificateInput", "CertificateBody")
	}
	caller, reqID, err := f.begin(ctx, op, optFns)
	if err != nil {
		return nil, err
	}
	c, err := f.model.Upload(caller, iammodel.UploadInput{UserName: params.UserName, CertificateBody: params.CertificateBody})
	if err != nil {
		return nil, modelError(op, reqID, err)
	}
	sc := sdkCertificate(c)
	return &iam.UploadSigningCertificateOutput{Certificate: &sc, ResultMetadata: metadata(reqID)}, nil
}

// ListSigningCertificates implements sigcert.API.
func (f *Fake) ListSigningCertificates(ctx context.Context, params *iam.ListSigningCertificatesInput, optFns ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	const op = iamspec.OpList
	if params == nil {
		params = &iam.ListSigningCertificatesInput{}
	}
	caller, reqID, err := f.begin(ctx, op, optFns)
	if err != nil {
		return nil, err
	}
	in := iammodel.ListInput{UserName: params.UserName, Marker: params.Marker}
	if params.MaxItems != nil {
		in.MaxItems = ptr(int(*params.MaxItems))
	}
	page, err := f.model.List(caller, in)
	if err != nil {
		return nil, modelError(op, reqID, err)
	}
	out := &iam.ListSigningCertificatesOutput{
		Certificates:   sdkCertificates(page.Certificates),
		IsTruncated:    page.IsTruncated,
		ResultMetadata: metadata(reqID),
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
	caller, reqID, err := f.begin(ctx, op, optFns)
	if err != nil {
		return nil, err
	}
	status := string(params.Status)
	err = f.model.Update(caller, iammodel.UpdateInput{UserName: params.UserName, CertificateID: params.CertificateId, Status: &status})
	if err != nil {
		return nil, modelError(op, reqID, err)
	}
	return &iam.UpdateSigningCertificateOutput{ResultMetadata: metadata(reqID)}, nil
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
	caller, reqID, err := f.begin(ctx, op, optFns)
	if err != nil {
		return nil, err
	}
	err = f.model.Delete(caller, iammodel.DeleteInput{UserName: params.UserName, CertificateID: params.CertificateId})
	if err != nil {
		return nil, modelError(op, reqID, err)
	}
	return &iam.DeleteSigningCertificateOutput{ResultMetadata: metadata(reqID)}, nil
}

// begin does what the SDK does between validating the input and sending the
// request: it checks the context, finds the caller's access key id in the
// credentials the options select, and names the request. An unsigned call
// is refused as IAM refuses it.
func (f *Fake) begin(ctx context.Context, op string, optFns []func(*iam.Options)) (caller, requestID string, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		// So does the SDK, before sending, when the context is already done.
		return "", "", operationError(op, err)
	}
	requestID = newRequestID()
	o := iam.Options{Credentials: defaultCredentials()}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Credentials == nil {
		// The SDK falls back to sending the request unsigned.
		e := missingAuth()
		return "", "", responseError(op, e.Status(), requestID, apiError(op, e.Code, e.Message))
	}
	creds, err := o.Credentials.Retrieve(ctx)
	if err != nil {
		return "", "", operationError(op, fmt.Errorf("get identity: get credentials: %w", err))
	}
	return creds.AccessKeyID, requestID, nil
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

func addAccessKey(m *iammodel.Model, accessKeyID, userName string) {
	if err := m.AddAccessKey(accessKeyID, userName); err != nil {
		panic(fmt.Sprintf("sigcerttest: AddAccessKey(%q, %q): %v", accessKeyID, userName, err))
	}
}

func certificates(m *iammodel.Model, userName string) []types.SigningCertificate {
	cs := m.Certificates(userName)
	if cs == nil {
		return nil
	}
	return sdkCertificates(cs)
}
