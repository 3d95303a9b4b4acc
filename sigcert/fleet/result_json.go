package fleet

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
)

// resultJSON is a Result as MarshalJSON writes it: a flat record for a JSON
// line or a report file. Encoding a Result's fields as they are fails for
// the entries that matter most: the error of a call made over HTTP holds
// the SDK's *http.Request (its GetBody is a func, which encoding/json
// refuses), and a parsed certificate is kilobytes of DER repeated.
type resultJSON struct {
	Index    int    `json:"index"`
	UserName string `json:"user_name"`
	Mode     Mode   `json:"mode"`
	Status   Status `json:"status"`
	// CertificateID is the certificate the user holds (Ensure) or the new
	// one (Rotate).
	CertificateID string `json:"certificate_id,omitempty"`
	// Steps are the rotation's changes, or, on failure, those done before
	// it.
	Steps      []stepJSON `json:"steps,omitempty"`
	FailedStep *stepJSON  `json:"failed_step,omitempty"`
	// Holds is what the user holds at the end, when Rotate knows it.
	Holds []heldJSON `json:"holds,omitempty"`
	// Plan is a dry run's steps, the ones the apply would take.
	Plan       []stepJSON `json:"plan,omitempty"`
	Error      string     `json:"error,omitempty"`
	ErrorCode  string     `json:"error_code,omitempty"`
	Calls      int        `json:"calls"`
	DurationNS int64      `json:"duration_ns"`
}

type stepJSON struct {
	Action        sigcert.Action `json:"action"`
	CertificateID string         `json:"certificate_id,omitempty"`
	Why           string         `json:"why,omitempty"`
}

type heldJSON struct {
	CertificateID string           `json:"certificate_id"`
	Status        types.StatusType `json:"status"`
	Fingerprint   string           `json:"fingerprint,omitempty"`
	NotAfter      *time.Time       `json:"not_after,omitempty"`
}

// MarshalJSON encodes the Result as a flat record with stable snake_case
// names: index, user_name, mode, status, certificate_id, steps,
// failed_step, holds (each certificate_id, status, fingerprint, not_after),
// plan (a dry run's steps, each action, certificate_id and why), error (the
// message), error_code (sigcert.Code's IAM code, if any), calls
// and duration_ns. It never holds a certificate body, and it encodes every
// Result, failed ones included, whatever their error holds.
func (r Result) MarshalJSON() ([]byte, error) {
	out := resultJSON{Index: r.Index, UserName: r.UserName, Mode: r.Mode, Status: r.Status,
		Calls: r.Calls, DurationNS: int64(r.Duration)}
	if r.Certificate != nil {
		out.CertificateID = r.Certificate.CertificateID
	}
	if r.Rotation != nil {
		out.Steps = steps(r.Rotation.Steps)
		out.Holds = held(r.Rotation.Certificates)
	}
	if r.Plan != nil {
		for _, s := range r.Plan.Steps {
			out.Plan = append(out.Plan, stepJSON{Action: s.Action, CertificateID: s.CertificateID, Why: s.Reason})
		}
		out.Holds = held(r.Plan.Certificates)
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
		out.ErrorCode = sigcert.Code(r.Err)
	}
	rep := r.Report
	if rep == nil {
		errors.As(r.Err, &rep)
	}
	if rep != nil {
		out.Steps = steps(rep.Done)
		if rep.Failed.Action != "" {
			out.FailedStep = &stepJSON{Action: rep.Failed.Action, CertificateID: rep.Failed.CertificateID, Why: rep.Failed.Why}
		}
		out.Holds = held(rep.Certificates)
	}
	return json.Marshal(out)
}

func steps(in []sigcert.Step) []stepJSON {
	var out []stepJSON
	for _, s := range in {
		out = append(out, stepJSON{Action: s.Action, CertificateID: s.CertificateID, Why: s.Why})
	}
	return out
}

func held(in []*sigcert.Certificate) []heldJSON {
	var out []heldJSON
	for _, c := range in {
		if c == nil {
			continue
		}
		h := heldJSON{CertificateID: c.CertificateID, Status: c.Status, Fingerprint: c.Fingerprint}
		if c.X509 != nil {
			end := c.X509.NotAfter
			h.NotAfter = &end
		}
		out = append(out, h)
	}
	return out
}
