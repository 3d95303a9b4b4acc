package sigcerttest

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"

	smithytime "github.com/aws/smithy-go/time"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// This file writes IAM's awsquery responses: XML documents in IAM's
// namespace, the request id in both the body and the x-amzn-RequestId
// header.

// xmlDoc builds an XML document. Text is escaped with encoding/xml, which
// writes tab, LF and CR as character references, so a certificate body with
// CRLF line endings survives the reader's end-of-line normalization.
type xmlDoc struct{ bytes.Buffer }

func (d *xmlDoc) open(name string) {
	d.WriteByte('<')
	d.WriteString(name)
	d.WriteByte('>')
}

func (d *xmlDoc) openRoot(name string) {
	d.WriteString("<" + name + ` xmlns="` + iamspec.Namespace + `">`)
}

func (d *xmlDoc) close(name string) {
	d.WriteString("</")
	d.WriteString(name)
	d.WriteByte('>')
}

// text writes <name>value</name>. Characters XML cannot carry (NUL, other
// C0 controls, invalid UTF-8) become U+FFFD; no valid IAM value has them.
func (d *xmlDoc) text(name, value string) {
	d.open(name)
	_ = xml.EscapeText(d, []byte(value)) // writing to a bytes.Buffer never fails
	d.close(name)
}

func (d *xmlDoc) certificate(name string, c iammodel.Certificate) {
	d.open(name)
	d.text("UserName", c.UserName)
	d.text("CertificateId", c.CertificateID)
	d.text("CertificateBody", c.CertificateBody)
	d.text("Status", c.Status)
	d.text("UploadDate", smithytime.FormatDateTime(c.UploadDate))
	d.close(name)
}

// success writes the response document of action around its result; result
// may be nil for operations without one.
func success(action, requestID string, result func(*xmlDoc)) []byte {
	var d xmlDoc
	d.openRoot(action + "Response")
	if result != nil {
		d.open(action + "Result")
		result(&d)
		d.close(action + "Result")
	}
	d.open("ResponseMetadata")
	d.text("RequestId", requestID)
	d.close("ResponseMetadata")
	d.close(action + "Response")
	return d.Bytes()
}

func uploadResult(c iammodel.Certificate) func(*xmlDoc) {
	return func(d *xmlDoc) { d.certificate("Certificate", c) }
}

func listResult(page iammodel.ListOutput) func(*xmlDoc) {
	return func(d *xmlDoc) {
		// Always write Certificates, even empty: the SDK then decodes an
		// empty, non-nil slice, as from IAM.
		d.open("Certificates")
		for _, c := range page.Certificates {
			d.certificate("member", c)
		}
		d.close("Certificates")
		d.text("IsTruncated", strconv.FormatBool(page.IsTruncated))
		if page.IsTruncated {
			d.text("Marker", page.Marker)
		}
	}
}

// errorDoc is IAM's error document.
func errorDoc(e *iammodel.Error, status int, requestID string) []byte {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	var d xmlDoc
	d.openRoot("ErrorResponse")
	d.open("Error")
	d.text("Type", typ)
	d.text("Code", e.Code)
	d.text("Message", e.Message)
	d.close("Error")
	d.text("RequestId", requestID)
	d.close("ErrorResponse")
	return d.Bytes()
}

// response is what the Server answers one request with.
type response struct {
	status int
	body   []byte
}

func okResponse(body []byte) response { return response{status: http.StatusOK, body: body} }

// errorResponse answers with e, at status if it is not zero, else at IAM's
// status for e's code.
func errorResponse(e *iammodel.Error, status int, requestID string) response {
	if status == 0 {
		status = e.Status()
	}
	return response{status: status, body: errorDoc(e, status, requestID)}
}

func (r response) write(w http.ResponseWriter, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
	h.Set(headerRequestID, requestID)
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body) // the client may be gone; nothing to do then
}
