package sigcerttest

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// This file reads IAM's awsquery requests: form-encoded parameters in a POST
// body (or the URL's query), routed on Action, signed with SigV4. Nothing
// here may panic, whatever the request: decodeRequest is fuzzed.

// maxRequestBytes bounds the form body read. The largest valid request, a
// 16384-character body of two-byte characters percent-encoded three bytes
// per byte, is under 100 KiB.
const maxRequestBytes = 1 << 20

// Codes of the refusals of requests that are not well-formed awsquery.
// The codes and statuses are those of AWS's common errors page (shared by
// the query services: MissingAction 400, InvalidQueryParameter 400 "The AWS
// query string is malformed or does not adhere to AWS standards"); which of
// them IAM gives for each case was not established, and the messages are
// this fake's own. MethodNotAllowed (405) is S3's code for a method a
// resource does not support; IAM's answer to PUT or DELETE was not found.
const (
	codeMissingAction         = "MissingAction"
	codeInvalidQueryParameter = "InvalidQueryParameter"
	codeMethodNotAllowed      = "MethodNotAllowed"
)

// queryRequest is an awsquery request as the Server reads it.
type queryRequest struct {
	// Action is the operation, "" if absent.
	Action string
	// AccessKeyID is the key id from the SigV4 Authorization header's
	// Credential, "" if the request is not signed that way.
	AccessKeyID string
	// Params holds the parameters of the body, then those of the URL query.
	Params url.Values
	// Body is the request body as received, for the signature; nil if
	// none was read.
	Body []byte
	// Early is set when the refusal comes before the signature can be
	// checked: a method IAM does not serve, or a body that could not be
	// read whole.
	Early bool
}

// decodeRequest reads r's parameters and caller. It reads at most
// maxRequestBytes of the body. It refuses, with IAM's error document, an
// HTTP method other than GET and POST; a body that cannot be read or is too
// large; a body that is not form-encoded; a query that cannot be decoded or
// holds bytes that are not UTF-8; a parameter given twice (in the body, the
// URL, or both); a missing Action; and a Version other than IAM's. Even then
// the result holds whatever could be read (the Action, for the request
// counts). Nothing here may panic, whatever the request: it is fuzzed.
func decodeRequest(r *http.Request) (queryRequest, *iammodel.Error) {
	q := queryRequest{Params: url.Values{}}
	if r == nil {
		q.Early = true
		return q, malformed("no request")
	}
	q.AccessKeyID = accessKeyID(r.Header.Get("Authorization"))
	switch r.Method {
	case http.MethodGet, http.MethodPost, "":
		// IAM serves both GET and POST query requests (IAM User Guide,
		// "Making query requests"); "" is GET for an http.Request.
	default:
		q.Early = true
		return q, &iammodel.Error{Code: codeMethodNotAllowed,
			Message: fmt.Sprintf("The method %s is not allowed: send the query with GET or POST.", r.Method)}
	}

	var fail *iammodel.Error
	failOnce := func(e *iammodel.Error) {
		if fail == nil {
			fail = e
		}
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		switch {
		case err != nil:
			q.Early = true
			return q, malformed("reading the request body: " + err.Error())
		case len(body) > maxRequestBytes:
			q.Early = true
			return q, malformed(fmt.Sprintf("the request body exceeds %d bytes", maxRequestBytes))
		}
		q.Body = body
		switch {
		case len(body) == 0:
		case !isForm(r.Header.Get("Content-Type")):
			failOnce(malformed(fmt.Sprintf("a request body of Content-Type %q is not read: send application/x-www-form-urlencoded",
				r.Header.Get("Content-Type"))))
		default:
			vs, err := url.ParseQuery(string(body))
			if err != nil {
				failOnce(malformed("the request body is not form-urlencoded: " + err.Error()))
			}
			failOnce(merge(q.Params, vs)) // ParseQuery keeps what it could parse
		}
	}
	if r.URL != nil && r.URL.RawQuery != "" {
		vs, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			failOnce(malformed("the URL query is not form-urlencoded: " + err.Error()))
		}
		failOnce(merge(q.Params, vs))
	}
	q.Action = q.Params.Get("Action")
	// In name order, so the refusal names the same parameter every time
	// (and the one the Fake names: the SDK's input fields are in name
	// order too).
	for _, k := range slices.Sorted(maps.Keys(q.Params)) {
		vs := q.Params[k]
		valid := utf8.ValidString(k)
		for _, v := range vs {
			valid = valid && utf8.ValidString(v)
		}
		if !valid {
			failOnce(malformed(fmt.Sprintf("the parameter %q is not UTF-8", strings.ToValidUTF8(k, "\uFFFD"))))
		}
	}
	switch v := param(q.Params, "Version"); {
	case q.Action == "":
		failOnce(&iammodel.Error{Code: codeMissingAction, Message: "The request has no Action parameter."})
	case v != nil && *v != iamspec.APIVersion:
		// The SDK and the AWS CLI always send Version=2010-05-08; curl users
		// may leave it out, which is accepted. Another version is answered
		// like an unknown Action, naming the version (IAM's InvalidAction
		// text names its version, iamspec.MsgInvalidAction); what IAM
		// answers was not established.
		failOnce(&iammodel.Error{Code: iamspec.CodeInvalidAction,
			Message: fmt.Sprintf("Could not find operation %s for version %s", q.Action, *v)})
	}
	return q, fail
}

// refusalStatus is the HTTP status of a refusal from decodeRequest.
func refusalStatus(e *iammodel.Error) int {
	if e.Code == codeMethodNotAllowed {
		return http.StatusMethodNotAllowed
	}
	return iamspec.Status(e.Code) // 400 for the codes iamspec does not list
}

// isForm reports whether a body of this Content-Type holds form parameters.
// A missing Content-Type is read as a form, as curl -d sends.
func isForm(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// merge adds src's parameters to dst. A parameter already in dst, or given
// twice in src, is refused: none of IAM's inputs repeats a name, and taking
// one of two values silently would hide a client's bug.
func merge(dst, src url.Values) *iammodel.Error {
	var fail *iammodel.Error
	for k, vs := range src {
		if (len(vs) > 1 || len(dst[k]) > 0) && fail == nil {
			fail = malformed(fmt.Sprintf("the parameter %q is given more than once", strings.ToValidUTF8(k, "\uFFFD")))
		}
		dst[k] = append(dst[k], vs...)
	}
	return fail
}

// accessKeyID returns the access key id of a SigV4 Authorization header,
// "AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/iam/aws4_request,
// SignedHeaders=..., Signature=...", or "" if the header is not one.
// The signature is checked by authenticate, not here.
func accessKeyID(authorization string) string {
	rest, ok := strings.CutPrefix(authorization, "AWS4-HMAC-SHA256")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return ""
	}
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if cred, ok := strings.CutPrefix(part, "Credential="); ok {
			id, _, found := strings.Cut(cred, "/")
			if !found {
				return ""
			}
			return id
		}
	}
	return ""
}

// param returns the first value of parameter name, or nil if it is absent.
// A parameter given with an empty value is present.
func param(p url.Values, name string) *string {
	if vs := p[name]; len(vs) > 0 {
		return &vs[0]
	}
	return nil
}

func uploadInput(p url.Values) iammodel.UploadInput {
	return iammodel.UploadInput{
		UserName:        param(p, iamspec.FieldUserName),
		CertificateBody: param(p, iamspec.FieldCertificateBody),
	}
}

func listInput(p url.Values) (iammodel.ListInput, *iammodel.Error) {
	in := iammodel.ListInput{
		UserName: param(p, iamspec.FieldUserName),
		Marker:   param(p, iamspec.FieldMarker),
	}
	var err *iammodel.Error
	in.MaxItems, err = maxItemsParam(p)
	return in, err
}

// maxItemsParam reads MaxItems, of ListSigningCertificates and ListUsers
// alike. Out-of-range numbers come back clamped, and the model refuses them
// with its range message. IAM's answer to a MaxItems that is not a number
// was not found (no SDK or CLI sends one); the answer is a ValidationError
// quoting the value, shaped as IAM's other ValidationErrors.
func maxItemsParam(p url.Values) (*int, *iammodel.Error) {
	s := param(p, iamspec.FieldMaxItems)
	if s == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(*s)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, &iammodel.Error{Code: iamspec.CodeValidationError,
			Message: iamspec.MsgValidationValue(iamspec.FieldMaxItems, *s, "Member must be an integer")}
	}
	return &n, nil
}

func updateInput(p url.Values) iammodel.UpdateInput {
	return iammodel.UpdateInput{
		UserName:      param(p, iamspec.FieldUserName),
		CertificateID: param(p, iamspec.FieldCertificateID),
		Status:        param(p, iamspec.FieldStatus),
	}
}

func deleteInput(p url.Values) iammodel.DeleteInput {
	return iammodel.DeleteInput{
		UserName:      param(p, iamspec.FieldUserName),
		CertificateID: param(p, iamspec.FieldCertificateID),
	}
}

// malformed refuses a request that is not well-formed awsquery.
func malformed(msg string) *iammodel.Error {
	return &iammodel.Error{Code: codeInvalidQueryParameter, Message: msg}
}
