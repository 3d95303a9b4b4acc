package sigcerttest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// Server is a local HTTP endpoint that speaks IAM's awsquery protocol for
// UploadSigningCertificate, ListSigningCertificates,
// UpdateSigningCertificate and DeleteSigningCertificate, in the manner of
// httptest.Server. Point an *iam.Client at URL (Client does it for you), or
// the AWS CLI with --endpoint-url.
//
// It answers as IAM does: XML results, IAM's XML error documents with IAM's
// HTTP statuses, an x-amzn-RequestId header with a fresh id on every
// response. Another Action is refused with InvalidAction. A request without
// an "Authorization: AWS4-HMAC-SHA256 Credential=AKID/..." header is refused
// with MissingAuthenticationToken (403), and one whose AKID the Server does
// not know with InvalidClientTokenId (403); the signature is not checked.
// Parameters may come in a form-encoded body or in the URL's query, so GET
// and curl -d work too.
//
// Inject makes requests fail, slow down or lose their connection; Requests
// counts what arrived. A Server is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, http://127.0.0.1:port. Start sets
	// it.
	URL string
	// Listener is what the server listens on. NewUnstartedServer opens one
	// on 127.0.0.1 with a random port; replace it before Start to serve
	// elsewhere.
	Listener net.Listener

	ts        *httptest.Server
	model     *iammodel.Model
	done      chan struct{} // closed by Close: ends injected latencies
	closeOnce sync.Once

	mu       sync.Mutex
	faults   []*pendingFault
	requests map[string]int // by Action
	total    int
}

// NewServer starts and returns a Server holding DefaultUser and the given
// users, without certificates. The caller should call Close when finished.
// Like httptest.NewServer, it panics instead of returning an error: if it
// cannot listen, or if a name breaks IAM's constraints on user names.
func NewServer(users ...string) *Server {
	s := NewUnstartedServer(users...)
	s.Start()
	return s
}

// NewUnstartedServer returns a Server that is not started yet, like
// httptest.NewUnstartedServer: replace its Listener if need be, then call
// Start. It panics as NewServer does.
func NewUnstartedServer(users ...string) *Server {
	s := &Server{
		model:    iammodel.New(),
		done:     make(chan struct{}),
		requests: map[string]int{},
	}
	for _, u := range users {
		addUser(s.model, u)
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.Listener = s.ts.Listener
	return s
}

// Start starts a server from NewUnstartedServer, on its Listener. If the
// Listener was replaced, Start closes the one NewUnstartedServer opened. It
// panics if the server is already started.
func (s *Server) Start() {
	if s.Listener != s.ts.Listener {
		_ = s.ts.Listener.Close()
		s.ts.Listener = s.Listener
	}
	s.ts.Start()
	s.URL = s.ts.URL
}

// Close shuts the server down, ending injected latencies, and blocks until
// all outstanding requests on this server have completed.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	if s.Listener != s.ts.Listener { // replaced, never started
		_ = s.Listener.Close()
	}
	s.ts.Close()
}

// Client returns an *iam.Client wired to the server: Region us-east-1,
// BaseEndpoint URL, static credentials DefaultAccessKeyID and
// DefaultSecretAccessKey, and the SDK's standard retryer (3 attempts) with
// no backoff between attempts, so retries are fast. optFns are applied last
// and may change any of it, such as Credentials to act as another user, or
// Retryer: aws.NopRetryer{} for a single attempt. Call it after Start.
func (s *Server) Client(optFns ...func(*iam.Options)) *iam.Client {
	opts := iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  defaultCredentials(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
		HTTPClient: s.httpClient(),
	}
	return iam.New(opts, optFns...)
}

// httpClient is httptest's client with room for as many idle connections
// as a concurrent test uses: httptest's transport keeps two, and every
// other concurrent request would open a new connection.
func (s *Server) httpClient() *http.Client {
	c := s.ts.Client()
	if t, ok := c.Transport.(*http.Transport); ok {
		t = t.Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256
		c.Transport = t
	}
	return c
}

// AddUser creates the IAM user name; adding an existing user does nothing.
// It panics if name breaks IAM's constraints on user names.
func (s *Server) AddUser(name string) { addUser(s.model, name) }

// AddAccessKey gives the existing user userName the access key accessKeyID:
// requests signed with it act as that user. It panics if the user does not
// exist or the key id is not ASCII letters and digits.
func (s *Server) AddAccessKey(accessKeyID, userName string) {
	addAccessKey(s.model, accessKeyID, userName)
}

// Users returns the names of all users, sorted, DefaultUser included.
func (s *Server) Users() []string { return s.model.Users() }

// Certificates returns the certificates of user userName in upload order, as
// the SDK decodes them from ListSigningCertificates, or nil if there are
// none.
func (s *Server) Certificates(userName string) []types.SigningCertificate {
	return certificates(s.model, userName)
}

// SetClock makes now the server's clock: it dates uploads and decides
// whether a certificate has expired or is not yet valid (with no tolerance
// for clock skew, like IAM). A nil now restores time.Now.
func (s *Server) SetClock(now func() time.Time) { s.model.SetClock(now) }

// Inject queues f: the next f.Count requests matching f.Action fail as f
// says. Faults apply in the order injected; a request takes the first
// queued fault that matches it.
func (s *Server) Inject(f Fault) {
	p := &pendingFault{Fault: f, left: max(f.Count, 1)}
	s.mu.Lock()
	s.faults = append(s.faults, p)
	s.mu.Unlock()
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Requests returns how many requests with this Action the server has
// received, faulted ones included; "" counts all requests.
func (s *Server) Requests(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if action == "" {
		return s.total
	}
	return s.requests[action]
}

// arrive counts a request of action and takes the fault it gets, if any.
func (s *Server) arrive(action string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	if action != "" {
		s.requests[action]++
	}
	for i, p := range s.faults {
		if p.matches(action) {
			p.left--
			if p.left <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return p.Fault
		}
	}
	return Fault{}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	q, decodeErr := decodeRequest(r)
	f := s.arrive(q.Action)
	if f.Latency > 0 {
		if err := s.sleep(r.Context(), f.Latency); err != nil {
			drop(w) // the client is gone, or the server is closing
			return
		}
	}
	switch {
	case f.Drop:
		drop(w)
		return
	case f.ApplyThenDrop:
		if decodeErr == nil {
			s.respond(q, requestID)
		}
		drop(w)
		return
	case f.Code != "":
		errorResponse(f.errorAnswer(), f.status(), requestID).write(w, requestID)
		return
	case f.ApplyThenCode != "":
		if decodeErr == nil {
			s.respond(q, requestID)
		}
		errorResponse(f.applyThenAnswer(), f.applyThenStatus(), requestID).write(w, requestID)
		return
	}
	if decodeErr != nil {
		errorResponse(decodeErr, 0, requestID).write(w, requestID)
		return
	}
	s.respond(q, requestID).write(w, requestID)
}

var errClosed = errors.New("sigcerttest: server closed")

// sleep waits d, or until ctx is done or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errClosed
	}
}

// drop closes the connection without answering.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Only an HTTP/2 connection cannot be hijacked, and this server
		// speaks HTTP/1.1. ErrAbortHandler is net/http's documented way to
		// abort a response: the server recovers it silently and resets the
		// stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// respond applies one decoded request to the model and returns the answer.
func (s *Server) respond(q queryRequest, requestID string) response {
	if q.AccessKeyID == "" {
		return errorResponse(missingAuth(), 0, requestID)
	}
	fail := func(err error) response { return errorResponse(asModelError(err), 0, requestID) }
	switch q.Action {
	case iamspec.OpUpload:
		c, err := s.model.Upload(q.AccessKeyID, uploadInput(q.Params))
		if err != nil {
			return fail(err)
		}
		return okResponse(success(q.Action, requestID, uploadResult(c)))
	case iamspec.OpList:
		in, perr := listInput(q.Params)
		if perr != nil {
			return fail(perr)
		}
		page, err := s.model.List(q.AccessKeyID, in)
		if err != nil {
			return fail(err)
		}
		return okResponse(success(q.Action, requestID, listResult(page)))
	case iamspec.OpUpdate:
		if err := s.model.Update(q.AccessKeyID, updateInput(q.Params)); err != nil {
			return fail(err)
		}
		return okResponse(success(q.Action, requestID, nil))
	case iamspec.OpDelete:
		if err := s.model.Delete(q.AccessKeyID, deleteInput(q.Params)); err != nil {
			return fail(err)
		}
		return okResponse(success(q.Action, requestID, nil))
	case iamspec.OpCreateUser, iamspec.OpGetUser, iamspec.OpListUsers, iamspec.OpDeleteUser:
		r, _ := s.respondUsers(q, requestID)
		return r
	}
	return errorResponse(&iammodel.Error{Code: iamspec.CodeInvalidAction, Message: iamspec.MsgInvalidAction(q.Action)}, 0, requestID)
}

// asModelError returns err as the model's error; anything else, which the
// model never returns, becomes a ServiceFailure.
func asModelError(err error) *iammodel.Error {
	var me *iammodel.Error
	if errors.As(err, &me) {
		return me
	}
	return &iammodel.Error{Code: iamspec.CodeServiceFailure, Message: err.Error()}
}
