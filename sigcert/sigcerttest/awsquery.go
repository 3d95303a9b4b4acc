package sigcerttest

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

// queryRequest is an awsquery request as the Server reads it.
type queryRequest struct {
	// Action is the operation, "" if absent.
	Action string
	// AccessKeyID is the key id from the SigV4 Authorization header's
	// Credential, "" if the request is not signed that way.
	AccessKeyID string
	// Params holds the parameters of the body, then those of the URL query.
	Params url.Values
}

// decodeRequest reads r's parameters and caller. It reads at most
// maxRequestBytes of the body. Its refusals are ValidationError *Errors;
// even then the result holds whatever could be read (the Action, for the
// request counts).
func decodeRequest(r *http.Request) (queryRequest, *iammodel.Error) {
	q := queryRequest{Params: url.Values{}}
	if r == nil {
		return q, badRequest("no request")
	}
	q.AccessKeyID = accessKeyID(r.Header.Get("Authorization"))

	var fail *iammodel.Error
	if r.Body != nil && isForm(r.Header.Get("Content-Type")) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		switch {
		case err != nil:
			fail = badRequest("reading the request body: " + err.Error())
		case len(body) > maxRequestBytes:
			fail = badRequest(fmt.Sprintf("the request body exceeds %d bytes", maxRequestBytes))
		default:
			vs, err := url.ParseQuery(string(body))
			if err != nil {
				fail = badRequest("the request body is not form-urlencoded: " + err.Error())
			}
			merge(q.Params, vs) // ParseQuery keeps what it could parse
		}
	}
	if r.URL != nil && r.URL.RawQuery != "" {
		vs, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil && fail == nil {
			fail = badRequest("the URL query is not form-urlencoded: " + err.Error())
		}
		merge(q.Params, vs)
	}
	q.Action = q.Params.Get("Action")
	return q, fail
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

func merge(dst, src url.Values) {
	for k, vs := range src {
		dst[k] = append(dst[k], vs...)
	}
}

// accessKeyID returns the access key id of a SigV4 Authorization header,
// "AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/iam/aws4_request,
// SignedHeaders=..., Signature=...", or "" if the header is not one.
// The signature is not checked.
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
	if s := param(p, iamspec.FieldMaxItems); s != nil {
		// Out-of-range numbers come back clamped, and the model refuses them
		// with its range message.
		n, err := strconv.Atoi(*s)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return in, &iammodel.Error{Code: iamspec.CodeValidationError,
				Message: iamspec.MsgValidation(iamspec.FieldMaxItems, "Member must be an integer")}
		}
		in.MaxItems = &n
	}
	return in, nil
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

func badRequest(msg string) *iammodel.Error {
	return &iammodel.Error{Code: iamspec.CodeValidationError, Message: msg}
}
