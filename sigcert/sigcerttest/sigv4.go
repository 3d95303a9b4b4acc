package sigcerttest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// This file checks the SigV4 signature of a request the Server receives, by
// signing it again with the SDK's own signer (aws/signer/v4) and comparing
// the two signatures. No canonicaliser is written here: whatever the SDK's
// signer does on the client, it does here too.
//
// What is verified is what the request's Authorization header names: the
// region and service of its credential scope (another region is never
// refused: the SDK signs with the client's own region whenever an endpoint is
// set explicitly, see /work/shared/sdk-v2-facts.md §9), and the headers in its
// SignedHeaders list. The SDK's signer never signs Authorization, User-Agent,
// X-Amzn-Trace-Id, Expect or Transfer-Encoding
// (aws-sdk-go-v2 internal/v4/headers.go, IgnoredHeaders), so a client that
// does sign one of them is refused here although IAM might accept it.

// Codes and texts of the answers to a request whose signature is refused.
const (
	// codeIncompleteSignature answers an Authorization header that lacks a
	// part, or a request without X-Amz-Date: HTTP 400 on AWS's common
	// errors page ("The request signature does not conform to AWS
	// standards"). The sentences of the message follow the recorded
	// answers of API Gateway ("Authorization header requires 'Signature'
	// parameter. ...", aws/chalice issue 828); IAM's own text for it was
	// not found.
	codeIncompleteSignature = "IncompleteSignature"

	// maxRequestSkew is how far a request's X-Amz-Date may be from the
	// server's clock. AWS's common errors page (RequestExpired) and every
	// recorded query-service answer below say 15 minutes.
	maxRequestSkew = 15 * time.Minute

	amzDateFormat = "20060102T150405Z"
)

// msgSignatureExpired and msgSignatureNotYetCurrent are the texts of the
// SignatureDoesNotMatch (403) answers to a request dated too far in the past
// or the future. IAM's own answer was not found; these follow the query
// services that share IAM's front end: STS GetCallerIdentity (aws/aws-cli
// issue 6676) and AssumeRole (devsecops/bootcamp issue 101) answer
// SignatureDoesNotMatch "Signature expired: <request> is now earlier than
// <now-15min> (<now> - 15 min.)"; SQS the same with 403
// (aws-amplify/aws-sdk-android issue 88); ELB answered a future date with
// SignatureDoesNotMatch 403 "Signature not yet current: <request> is still
// later than <now+window> (<now> + <window>)" (aws/aws-sdk-js pull 142).
// AWS's common errors page documents RequestExpired (400) for the same
// case; the recorded answers are preferred because they are what clients
// have met.
func msgSignatureExpired(date, now time.Time) string {
	return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
		date.Format(amzDateFormat), now.Add(-maxRequestSkew).Format(amzDateFormat), now.Format(amzDateFormat))
}

func msgSignatureNotYetCurrent(date, now time.Time) string {
	return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
		date.Format(amzDateFormat), now.Add(maxRequestSkew).Format(amzDateFormat), now.Format(amzDateFormat))
}

// sigv4Header is a parsed "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/
// SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex" header.
type sigv4Header struct {
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	signedHeaders []string
	signature     string
	// missing lists the parts absent or malformed, in the order AWS's
	// messages name them.
	missing []string
}

// parseSigV4 parses an Authorization header. ok is false when the header is
// not a SigV4 header at all (the request is then unsigned, as far as IAM is
// concerned).
func parseSigV4(authorization string) (h sigv4Header, ok bool) {
	rest, found := strings.CutPrefix(authorization, "AWS4-HMAC-SHA256")
	if !found || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return h, false
	}
	var credential, signedHeaders, signature string
	var haveCredential, haveSignedHeaders, haveSignature bool
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "Credential":
			credential, haveCredential = v, true
		case "SignedHeaders":
			signedHeaders, haveSignedHeaders = v, true
		case "Signature":
			signature, haveSignature = v, true
		}
	}
	scope := strings.Split(credential, "/")
	h.accessKeyID = scope[0]
	if !haveCredential || len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" {
		h.missing = append(h.missing, "Credential")
	} else {
		h.scopeDate, h.region, h.service = scope[1], scope[2], scope[3]
	}
	if !haveSignature || signature == "" {
		h.missing = append(h.missing, "Signature")
	}
	if !haveSignedHeaders || signedHeaders == "" {
		h.missing = append(h.missing, "SignedHeaders")
	}
	h.signature = signature
	h.signedHeaders = strings.Split(signedHeaders, ";")
	return h, true
}

// incompleteSignature builds the IncompleteSignature answer naming what is
// missing.
func incompleteSignature(missing []string, noDate bool, authorization string) *iammodel.Error {
	var b strings.Builder
	for _, m := range missing {
		fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", m)
	}
	if noDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString("Authorization=" + authorization)
	return &iammodel.Error{Code: codeIncompleteSignature, Message: b.String()}
}

// authError is a refusal of the request's credentials, with its HTTP status
// (IncompleteSignature is not in iamspec's table).
type authError struct {
	err    *iammodel.Error
	status int
}

// authenticate checks r's signature: a request that is not SigV4-signed is
// MissingAuthenticationToken, an unknown key InvalidClientTokenId, an
// incomplete header IncompleteSignature, a date more than 15 minutes from
// now, or a signature that does not verify, SignatureDoesNotMatch. body is
// the request body as received. It returns nil if the request verifies.
func authenticate(r *http.Request, body []byte, m *iammodel.Model, now time.Time) *authError {
	authorization := r.Header.Get("Authorization")
	h, ok := parseSigV4(authorization)
	if !ok || h.accessKeyID == "" {
		return &authError{err: missingAuth()}
	}
	secret, known := m.Secret(h.accessKeyID)
	if !known {
		return &authError{err: &iammodel.Error{Code: iamspec.CodeInvalidClientTokenID, Message: iamspec.MsgInvalidClientTokenID}}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	date, dateErr := time.Parse(amzDateFormat, amzDate)
	if len(h.missing) > 0 || dateErr != nil {
		return &authError{err: incompleteSignature(h.missing, dateErr != nil, authorization), status: http.StatusBadRequest}
	}
	if now.Sub(date) > maxRequestSkew {
		return &authError{err: signatureMismatch(msgSignatureExpired(date, now))}
	}
	if date.Sub(now) > maxRequestSkew {
		return &authError{err: signatureMismatch(msgSignatureNotYetCurrent(date, now))}
	}
	want, err := expectedSignature(r, body, h, aws.Credentials{AccessKeyID: h.accessKeyID, SecretAccessKey: secret}, date)
	if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(h.signature)) != 1 {
		return &authError{err: signatureMismatch(iamspec.MsgSignatureDoesNotMatch)}
	}
	return nil
}

func signatureMismatch(msg string) *iammodel.Error {
	return &iammodel.Error{Code: iamspec.CodeSignatureDoesNotMatch, Message: msg}
}

// expectedSignature signs a copy of r, holding only the headers r's
// Authorization header names, with the SDK's signer, and returns the
// signature it computes.
func expectedSignature(r *http.Request, body []byte, h sigv4Header, creds aws.Credentials, date time.Time) (string, error) {
	// The request as the client wrote it: RequestURI is untouched by
	// http.StripPrefix, so a Handler mounted under a prefix still verifies.
	u := r.URL
	if r.RequestURI != "" {
		if parsed, err := url.ParseRequestURI(r.RequestURI); err == nil {
			u = parsed
		}
	}
	if u == nil {
		u = &url.URL{Path: "/"}
	}
	c := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range h.signedHeaders {
		switch name {
		case "host", "x-amz-date":
			// The signer writes both itself: host from Host, the date
			// from the signing time.
		case "content-length":
			// The signer signs Content-Length only from the request's
			// ContentLength field, when it is above zero.
			c.ContentLength = int64(len(body))
		default:
			key := http.CanonicalHeaderKey(name)
			if vs, ok := r.Header[key]; ok {
				c.Header[key] = vs
			}
		}
	}
	sum := sha256.Sum256(body)
	// A fresh Signer every time: a Signer caches derived keys per access key
	// id and day, not per secret, and a key's secret can change (reset).
	err := v4.NewSigner().SignHTTP(context.Background(), creds, c, hex.EncodeToString(sum[:]), h.service, h.region, date)
	if err != nil {
		return "", err
	}
	got, ok := parseSigV4(c.Header.Get("Authorization"))
	if !ok || strings.Join(got.signedHeaders, ";") != strings.Join(h.signedHeaders, ";") {
		// The signer would sign other headers than the client did, such
		// as one it never signs: no signature can match.
		return "", fmt.Errorf("signed headers %q, the SDK signs %q", h.signedHeaders, got.signedHeaders)
	}
	return got.signature, nil
}
