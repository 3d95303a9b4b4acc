package sigcerttest

import (
	"fmt"
	"time"

	"github.com/iamkit/signingcert/internal/iammodel"
)

// Fault is a failure injected into the requests a Server receives
// (Server.Inject) or the calls a Fake receives (Fake.Inject): one type for
// both faces.
//
// A Fault has at most one outcome. If several are set, the first of Drop,
// ApplyThenDrop, Code and ApplyThenCode wins. Latency applies before any
// outcome, and alone just slows requests down.
//
//	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Count: 2, Code: "ServiceFailure"})
//	fake.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenCode: "InternalFailure"})
//	fake.Inject(sigcerttest.Fault{Latency: 20 * time.Millisecond})
//	srv.Inject(sigcerttest.Fault{Drop: true})          // Server only
//	srv.Inject(sigcerttest.Fault{ApplyThenDrop: true}) // Server only
type Fault struct {
	// Action limits the fault to requests of this operation, such as
	// "UploadSigningCertificate"; "" matches every request.
	Action string
	// Count is how many matching requests fail; zero or less means 1.
	Count int

	// Latency delays the request before it is handled. The wait ends early
	// if the client gives up (the request's context is done): the Fake then
	// fails the call with the context's error, as the SDK does, and the
	// Server answers nothing; if the Server is closed meanwhile, the
	// connection is dropped.
	Latency time.Duration

	// Drop closes the connection without answering and without applying
	// the request: the client sees a transport error (and the SDK retries).
	// Server only: a Fake has no connection, and its Inject panics on it.
	Drop bool
	// ApplyThenDrop applies the request to the model, then closes the
	// connection without answering: the lost-response case, where the
	// change happened but the client cannot know. Server only, as Drop.
	ApplyThenDrop bool

	// Code answers with this IAM error code instead of handling the
	// request.
	Code string
	// ApplyThenCode applies the request to the model, then answers with
	// this error code instead of the result: typically InternalFailure
	// (500) or ServiceUnavailable (503), the answers after which IAM may or
	// may not have applied a request, so a client must find out.
	ApplyThenCode string
	// Message is the error's message for Code or ApplyThenCode; "" means
	// "Injected fault: <code>".
	Message string
	// Status is the HTTP status of Code's or ApplyThenCode's answer, from
	// 300 to 599 (below 300 the SDK would read the answer as a success);
	// zero (or a number outside that range) means IAM's status for the
	// code: 500 for ServiceFailure and InternalFailure, 503 for
	// ServiceUnavailable, 400 for Throttling and for a code IAM does not
	// list.
	Status int
}

// pendingFault is a Fault in a queue with the requests it has left.
type pendingFault struct {
	Fault
	left int
}

func (f Fault) matches(action string) bool { return f.Action == "" || f.Action == action }

// errorAnswer returns the error a Code fault answers with.
func (f Fault) errorAnswer() *iammodel.Error { return f.answer(f.Code) }

// applyThenAnswer returns the error an ApplyThenCode fault answers with.
func (f Fault) applyThenAnswer() *iammodel.Error { return f.answer(f.ApplyThenCode) }

func (f Fault) answer(code string) *iammodel.Error {
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("Injected fault: %s", code)
	}
	return &iammodel.Error{Code: code, Message: msg}
}

func (f Fault) status() int { return f.statusOf(f.Code) }

func (f Fault) applyThenStatus() int { return f.statusOf(f.ApplyThenCode) }

// statusOf is Status if set, else IAM's status for code (iamspec's table:
// the common errors' statuses from the IAM API reference), found without
// regard to case as APIError finds it.
func (f Fault) statusOf(code string) int {
	if f.Status >= 300 && f.Status <= 599 {
		return f.Status
	}
	return defaultStatus(code)
}
