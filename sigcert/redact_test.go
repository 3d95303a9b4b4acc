package sigcert

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

const testBody = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk9CU0VDUkVUS0VZTUFURVJJQUwwCgYIKoZIzj0EAwIw\nFjEUMBIGA1UEAwwLc2lnbmluZ2NlcnQwHhcNMjQwMTAxMDAwMDAwWhcNMjUwMTAx\n-----END CERTIFICATE-----\n"

// message keeps IAM's words and drops what it quotes.
func TestRedactorMessage(t *testing.T) {
	r := newRedactor(testBody)
	line := strings.Split(testBody, "\n")[1]
	tests := []struct{ name, in, want string }{
		{"IAM's echo", "Certificate " + testBody + " is malformed.", "Certificate [certificate body withheld] is malformed."},
		{"echo of a short body", "Certificate abc is malformed.", "Certificate [certificate body withheld] is malformed."},
		{"a line quoted in prose", "bad data near " + line + " here", withheldMessage},
		{"16 characters of a line", "bad data near " + line[20:36] + " here", withheldMessage},
		{"a line joined to the next", "x" + strings.ReplaceAll(testBody[28:], "\n", ""), withheldMessage},
		{"lower-case armour", "see -----begin private key-----", withheldMessage},
		{"a PuTTY key", "PuTTY-User-Key-File-3: ssh-ed25519", withheldMessage},
		{"a long base64 run", "value " + strings.Repeat("QUJD", 20) + " refused", "value [withheld] refused"},
		{"IAM's own words", "The user with name Bob cannot be found.", "The user with name Bob cannot be found."},
		{"15 characters of a line", "near " + line[20:35], "near " + line[20:35]},
	}
	for _, tt := range tests {
		if got := r.message(tt.in); got != tt.want {
			t.Errorf("%s: message = %q, want %q", tt.name, got, tt.want)
		}
	}
	// With no body known, key material is still withheld.
	if got := newRedactor("").message("near " + testBody); got != withheldMessage {
		t.Errorf("no body: message = %q", got)
	}
}

// A chain that prints nothing secret comes back as it was, the same values.
func TestCleanKeepsCleanChains(t *testing.T) {
	api := &types.NoSuchEntityException{Message: ptrTo("The user with name Bob cannot be found.")}
	op := &smithy.OperationError{ServiceID: "IAM", OperationName: "ListSigningCertificates", Err: fmt.Errorf("wrapped: %w", api)}
	if got := newRedactor(testBody).clean(op); got != error(op) {
		t.Errorf("clean chain rebuilt: %#v", got)
	}
	// A value error holding a slice cannot be compared with ==; clean must
	// not try.
	params := &smithy.OperationError{ServiceID: "IAM", OperationName: "UploadSigningCertificate", Err: smithy.InvalidParamsError{Context: "UploadSigningCertificateInput"}}
	if got := newRedactor(testBody).clean(params); got != error(params) {
		t.Errorf("clean chain with a value error rebuilt: %#v", got)
	}
}

// Links sigcert cannot copy (fmt.Errorf's, a caller's own) are replaced
// when they print a secret, and the SDK types beneath them stay reachable.
func TestCleanReplacesLinksItCannotCopy(t *testing.T) {
	echo := "Certificate " + testBody + " is malformed."
	inner := &types.MalformedCertificateException{Message: &echo}
	for name, err := range map[string]error{
		"fmt.Errorf":       fmt.Errorf("upload: %w", inner),
		"errors.Join":      errors.Join(errors.New("first"), inner),
		"two %w":           fmt.Errorf("%w and %w", errors.New("first"), inner),
		"generic API":      &smithy.GenericAPIError{Code: "MalformedCertificate", Message: echo},
		"deserialization":  &smithy.DeserializationError{Err: errors.New("bad XML"), Snapshot: []byte(testBody)},
		"a cyclic chain":   &cyclic{msg: echo},
		"an opaque APIErr": opaqueAPIError{msg: echo},
	} {
		got := newRedactor(testBody).clean(err)
		for _, p := range ChainPrints(got) {
			if strings.Contains(p, "BEGIN") || strings.Contains(p, "MIIBszCCAVmgAwIBAgIU") {
				t.Errorf("%s: %q printed", name, p)
			}
		}
		var ae smithy.APIError
		if name != "deserialization" && name != "a cyclic chain" && !errors.As(got, &ae) {
			t.Errorf("%s: no smithy.APIError reachable in %#v", name, got)
		}
	}
	var me *types.MalformedCertificateException
	got := newRedactor(testBody).clean(fmt.Errorf("upload: %w", inner))
	if !errors.As(got, &me) || *me.Message != "Certificate [certificate body withheld] is malformed." {
		t.Errorf("the typed exception is not reachable with its message redacted: %#v", got)
	}
	if *inner.Message != echo {
		t.Errorf("clean changed the SDK's own error")
	}
}

// cyclic is an error whose chain never ends.
type cyclic struct{ msg string }

func (c *cyclic) Error() string { return c.msg }
func (c *cyclic) Unwrap() error { return c }

// opaqueAPIError is an API error sigcert cannot copy field by field.
type opaqueAPIError struct{ msg string }

func (e opaqueAPIError) Error() string                 { return e.msg }
func (e opaqueAPIError) ErrorCode() string             { return "MalformedCertificate" }
func (e opaqueAPIError) ErrorMessage() string          { return e.msg }
func (e opaqueAPIError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// An incomplete response is a *ServiceError with the operation and the
// request id, matching ErrIncompleteResponse and no IAM code.
func TestIncompleteErrorIsAServiceError(t *testing.T) {
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, "req-7")
	var err error = incompleteResponse("UploadSigningCertificate", &md, "certificate lacks [CertificateId]")
	var se *ServiceError
	if !errors.As(err, &se) || se.Operation != "UploadSigningCertificate" || se.RequestID != "req-7" || se.Code != "" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, ErrIncompleteResponse) || Code(err) != "" {
		t.Errorf("err = %v: want ErrIncompleteResponse and no code", err)
	}
	if want := "sigcert: UploadSigningCertificate: incomplete response: certificate lacks [CertificateId] (request id req-7)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func ptrTo[T any](v T) *T { return &v }
