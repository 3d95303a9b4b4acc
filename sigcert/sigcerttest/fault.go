package sigcerttest

import (
	"fmt"
	"time"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// Fault is a failure a Server injects into the requests it receives. Pass it
// to Server.Inject.
//
// A Fault has at most one outcome. If several are set, the first of Drop,
// ApplyThenDrop and Code wins. Latency applies before any outcome, and
// alone just slows requests down.
//
//	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Count: 2, Code: "ServiceFailure"})
//	srv.Inject(sigcerttest.Fault{Drop: true})
//	srv.Inject(sigcerttest.Fault{ApplyThenDrop: true})
//	srv.Inject(sigcerttest.Fault{Latency: 20 * time.Millisecond})
type Fault struct {
	// Action limits the fault to requests of this operation, such as
	// "UploadSigningCertificate"; "" matches every request.
	Action string
	// Count is how many matching requests fail; zero or less means 1.
	Count int

	// Latency delays the request before it is handled. The wait ends early,
	// without an answer, if the client gives up (the request's context is
	// done); if the Server is closed meanwhile, the connection is dropped.
	Latency time.Duration

	// Drop closes the connection without answering and without applying
	// the request: the client sees a transport error (and the SDK retries).
	Drop bool
	// ApplyThenDrop applies the request to the model, then closes the
	// connection without answering: the lost-response case, where the
	// change happened but the client cannot know.
	ApplyThenDrop bool

	// Code answers with this IAM error code instead of handling the
	// request.
	Code string
	// Message is the error's message; "" means "Injected fault: <Code>".
	Message string
	// Status is the HTTP status, from 200 to 599; zero (or a number
	// outside that range) means IAM's status for Code: 500 for
	// ServiceFailure, 400 for a code IAM does not list.
	Status int
}

// pendingFault is a Fault in the Server's queue with the requests it has
// left.
type pendingFault struct {
	Fault
	left int
}

func (f Fault) matches(action string) bool { return f.Action == "" || f.Action == action }

// errorAnswer returns the error a Code fault answers with.
func (f Fault) errorAnswer() *iammodel.Error {
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("Injected fault: %s", f.Code)
	}
	return &iammodel.Error{Code: f.Code, Message: msg}
}

func (f Fault) status() int {
	if f.Status >= 200 && f.Status <= 599 {
		return f.Status
	}
	return iamspec.Status(f.Code)
}
