package sigcerttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
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
// UpdateSigningCertificate, DeleteSigningCertificate, CreateUser, GetUser,
// ListUsers and DeleteUser, in the manner of httptest.Server. Point an *iam.Client at URL (Client does it for you), or
// the AWS CLI with --endpoint-url.
//
// It answers as IAM does: XML results, IAM's XML error documents with IAM's
// HTTP statuses, an x-amzn-RequestId header with a fresh id on every
// response. Another Action is refused with InvalidAction. Requests must be
// signed with SigV4 by a key the Server knows, with its secret:
// MissingAuthenticationToken (403) answers an unsigned request,
// InvalidClientTokenId (403) an unknown key, SignatureDoesNotMatch (403) a
// signature that does not verify or a request dated more than 15 minutes
// from the server's signing clock (SetSigningClock). The region in the
// signature's scope may be any. Parameters may come in a form-encoded body
// or in the URL's query, so GET works too; curl signs with --aws-sigv4.
//
// It is a real server: Config holds its timeouts, Close returns within
// about a second even while clients hold half-sent requests, and StartTLS
// serves HTTPS. Under the path ControlPath it serves a small unsigned
// control API (see Handler).
//
// Inject makes requests fail, slow down or lose their connection; Requests
// counts what arrived. A Server is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, http://127.0.0.1:port (https://
	// after StartTLS). Start sets it.
	URL string
	// Listener is what the server listens on. NewUnstartedServer opens one
	// on 127.0.0.1 with a random port; replace it before Start to serve
	// elsewhere.
	Listener net.Listener
	// Config is the http.Server that Start serves with. NewUnstartedServer
	// sets ReadHeaderTimeout (10 s), ReadTimeout (1 min) and IdleTimeout
	// (2 min), so a client that stalls cannot hold a connection for ever;
	// change them before Start. WriteTimeout is left at zero so that an
	// injected Latency of any length can be served.
	Config *http.Server

	// modelMu guards the model pointer, which reset replaces: requests
	// hold it for reading while they use the model.
	modelMu sync.RWMutex
	model   *iammodel.Model

	done      chan struct{} // closed by Close: ends injected latencies
	closeOnce sync.Once

	mu          sync.Mutex
	faults      []*pendingFault
	requests    map[string]int // by Action
	total       int
	setup       []func(*iammodel.Model) // replayed by reset, in order
	signingNow  func() time.Time        // nil: time.Now
	started     bool
	ownListener net.Listener // the one NewUnstartedServer opened
	active      int          // requests being handled
	certificate *x509.Certificate
	httpc       *http.Client
	client      *iam.Client
}

// Timeouts NewUnstartedServer puts in Config, and how long Close lets
// requests in flight finish before closing their connections.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = time.Minute
	defaultIdleTimeout       = 2 * time.Minute
	closeGrace               = time.Second
)

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
// httptest.NewUnstartedServer: replace its Listener or change its Config if
// need be, then call Start or StartTLS. It panics as NewServer does.
func NewUnstartedServer(users ...string) *Server {
	s := &Server{
		model:    iammodel.New(),
		done:     make(chan struct{}),
		requests: map[string]int{},
	}
	for _, u := range users {
		s.AddUser(u)
	}
	s.Listener = newLocalListener()
	s.ownListener = s.Listener
	s.Config = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: defaultReadHeaderTimeout,
		ReadTimeout:       defaultReadTimeout,
		IdleTimeout:       defaultIdleTimeout,
		// HTTP/1.1 only, also over TLS: the Drop faults hijack the
		// connection, which HTTP/2 cannot.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	return s
}

// newLocalListener listens on a random port of the loopback interface, as
// httptest does.
func newLocalListener() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("sigcerttest: failed to listen on a port: %v", err))
		}
	}
	return ln
}

// Start starts a server from NewUnstartedServer, on its Listener, serving
// HTTP. If the Listener was replaced, Start closes the one
// NewUnstartedServer opened. It panics if the server is already started.
func (s *Server) Start() { s.start(false) }

// StartTLS starts a server from NewUnstartedServer serving HTTPS, with a
// certificate for 127.0.0.1, ::1 and localhost made for this server
// (Certificate returns it). The clients from Client and HTTPClient trust
// it. It panics if the server is already started.
func (s *Server) StartTLS() { s.start(true) }

func (s *Server) start(useTLS bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("sigcerttest: Server already started")
	}
	if s.Config == nil || s.Listener == nil {
		panic("sigcerttest: Start on a Server not made by NewUnstartedServer")
	}
	s.started = true
	if s.ownListener != nil && s.ownListener != s.Listener {
		_ = s.ownListener.Close()
	}
	ln, scheme := s.Listener, "http"
	if useTLS {
		cert, leaf := newLocalCertificate()
		s.certificate = leaf
		cfg := s.Config.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg.Certificates = append(cfg.Certificates, cert)
		cfg.NextProtos = []string{"http/1.1"}
		s.Config.TLSConfig = cfg
		ln, scheme = tls.NewListener(ln, cfg), "https"
	}
	s.URL = scheme + "://" + s.Listener.Addr().String()
	s.httpc = newHTTPClient(s.certificate)
	go func() { _ = s.Config.Serve(ln) }() // ends with ErrServerClosed
}

// Certificate returns the certificate StartTLS serves, or nil if the server
// serves plain HTTP.
func (s *Server) Certificate() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.certificate
}

// Close shuts the server down. It ends injected latencies, lets requests in
// flight finish for up to a second, then closes every connection left, such
// as those of clients that stopped halfway through a request, and waits
// (a bounded time) for their handlers to return. It closes the idle
// connections of the server's own client. Close on a zero Server, or twice,
// does nothing more.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.done != nil {
			close(s.done)
		}
	})
	s.mu.Lock()
	started, cfg, ln, own, httpc := s.started, s.Config, s.Listener, s.ownListener, s.httpc
	s.mu.Unlock()
	switch {
	case cfg != nil && started:
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		if err := cfg.Shutdown(ctx); err != nil {
			_ = cfg.Close() // connections still busy: half-sent requests
		}
		cancel()
	case ln != nil:
		_ = ln.Close() // never started
		if own != nil && own != ln {
			_ = own.Close()
		}
	}
	s.waitHandlers(closeGrace)
	if httpc != nil {
		httpc.CloseIdleConnections()
	}
}

// waitHandlers waits until no request is being handled, or for d. The
// handlers still running once the connections are closed are about to
// return (a read or write on a closed connection fails at once), so the
// wait is short; it is bounded in case one is not.
func (s *Server) waitHandlers(d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		n := s.active
		s.mu.Unlock()
		if n == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Client returns an *iam.Client wired to the server: Region us-east-1,
// BaseEndpoint URL, static credentials DefaultAccessKeyID and
// DefaultSecretAccessKey, the server's one HTTP client (HTTPClient), and the
// SDK's standard retryer (3 attempts) with no backoff between attempts, so
// retries are fast. optFns are applied last and may change any of it, such
// as Credentials to act as another user, or Retryer: aws.NopRetryer{} for a
// single attempt. Without optFns, every call returns the same client. Call
// it after Start.
//
// To test a wrong secret, give it to a new client (Client with
// Credentials in optFns) rather than to one call's options: the SDK's
// signer caches the key it derives from a secret per access key id and
// day, so a client that has signed with a key's right secret goes on
// signing with it, whatever secret a later call's options carry.
func (s *Server) Client(optFns ...func(*iam.Options)) *iam.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(optFns) == 0 && s.client != nil {
		return s.client
	}
	httpc := s.httpc
	if httpc == nil { // not started: a client that fails to connect
		httpc = newHTTPClient(nil)
	}
	opts := iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  defaultCredentials(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
		HTTPClient: httpc,
	}
	c := iam.New(opts, optFns...)
	if len(optFns) == 0 && s.started {
		s.client = c
	}
	return c
}

// HTTPClient returns the server's one *http.Client, which Client's
// *iam.Client uses too: it trusts the certificate of StartTLS and keeps as
// many idle connections as a concurrent test uses. Close closes its idle
// connections. It returns nil before Start.
func (s *Server) HTTPClient() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpc
}

// newHTTPClient returns a client with room for as many idle connections as
// a concurrent test uses (http.DefaultTransport keeps two per host, and
// every other concurrent request would open a new connection), trusting
// cert if it is not nil.
func newHTTPClient(cert *x509.Certificate) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.Proxy = nil // the server is local; never send its traffic to a proxy
	t.ForceAttemptHTTP2 = false
	if cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		t.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &http.Client{Transport: t}
}

// AddUser creates the IAM user name; adding an existing user does nothing.
// It panics if name breaks IAM's constraints on user names. Reset keeps the
// user.
func (s *Server) AddUser(name string) {
	s.configure(func(m *iammodel.Model) { addUser(m, name) })
}

// AddAccessKey gives the existing user userName the access key accessKeyID:
// requests signed with it act as that user. It panics if the user does not
// exist or the key id is not ASCII letters and digits. Reset keeps the key.
func (s *Server) AddAccessKey(accessKeyID, userName string) {
	s.configure(func(m *iammodel.Model) { addAccessKey(m, accessKeyID, userName) })
}

// configure applies fn to the model and records it, so that Reset, which
// starts again from a new model, applies it again. Setup through the
// Server's methods is kept by a reset; what requests did is not.
func (s *Server) configure(fn func(*iammodel.Model)) {
	s.rlockModel()
	defer s.modelMu.RUnlock()
	fn(s.model) // may panic: then it is not recorded
	s.mu.Lock()
	s.setup = append(s.setup, fn)
	s.mu.Unlock()
}

// Reset puts the server back as it was set up: a new model with what was
// given through NewServer and the Server's setup methods (the users of
// AddUser, the keys of AddAccessKey and AddAccessKeyWithSecret, SetClock,
// SetPropagationDelay, SetRateLimit with a full bucket), and none of what
// requests did: no certificates, no users made by CreateUser, users deleted
// by DeleteUser back, no pending StaleReads, no MarkExpired. It also drops
// queued faults and zeroes the request counts; SetSigningClock is kept.
// Requests in flight finish first, and requests arriving meanwhile wait for
// the new model. The control API's POST reset calls it.
func (s *Server) Reset() {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	s.mu.Lock()
	setup := slices.Clone(s.setup)
	s.faults = nil
	s.requests = map[string]int{}
	s.total = 0
	s.mu.Unlock()
	m := iammodel.New()
	for _, fn := range setup {
		fn(m)
	}
	s.model = m
}

// withModel runs fn with the current model, which Reset does not replace
// meanwhile.
func (s *Server) withModel(fn func(*iammodel.Model)) {
	s.rlockModel()
	defer s.modelMu.RUnlock()
	fn(s.model)
}

// rlockModel takes modelMu for reading, giving a zero Server its model
// first.
func (s *Server) rlockModel() {
	s.modelMu.RLock()
	if s.model != nil {
		return
	}
	s.modelMu.RUnlock()
	s.modelMu.Lock()
	if s.model == nil {
		s.model = iammodel.New()
	}
	s.modelMu.Unlock()
	s.modelMu.RLock()
}

// Users returns the names of all users, sorted, DefaultUser included.
func (s *Server) Users() (users []string) {
	s.withModel(func(m *iammodel.Model) { users = m.Users() })
	return users
}

// Certificates returns the certificates of user userName in upload order, as
// the SDK decodes them from ListSigningCertificates, or nil if there are
// none.
func (s *Server) Certificates(userName string) (certs []types.SigningCertificate) {
	s.withModel(func(m *iammodel.Model) { certs = certificates(m, userName) })
	return certs
}

// SetClock makes now the server's clock: it dates uploads and decides
// whether a certificate has expired or is not yet valid (with no tolerance
// for clock skew, like IAM). A nil now restores time.Now. It does not move
// the clock that judges request dates: see SetSigningClock.
func (s *Server) SetClock(now func() time.Time) {
	s.configure(func(m *iammodel.Model) { m.SetClock(now) })
}

// SetSigningClock makes now the clock against which the Server judges the
// date of a request's signature: IAM refuses a request dated more than 15
// minutes from its own time, and the Server's responses carry this clock in
// their Date header, from which the SDK corrects its own clock skew. It is
// apart from SetClock because a test that moves the model's clock to judge
// certificates still signs its requests with the real time. A nil now
// restores time.Now.
func (s *Server) SetSigningClock(now func() time.Time) {
	s.mu.Lock()
	s.signingNow = now
	s.mu.Unlock()
}

func (s *Server) signingTime() time.Time {
	s.mu.Lock()
	now := s.signingNow
	s.mu.Unlock()
	if now == nil {
		return time.Now()
	}
	return now()
}

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
	if s.requests == nil { // a zero Server
		s.requests = map[string]int{}
	}
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

// ControlPath is the path under which the Server serves its control API,
// like moto's /moto-api/: see Handler.
const ControlPath = "/_sigcerttest/"

// Handler returns the handler the Server serves with, to mount the
// endpoint in another server, for example under a prefix with
// http.StripPrefix (signatures are checked against the path the client
// sent). Besides IAM's API, it serves an unsigned control API under
// ControlPath, for tests in any language:
//
//	POST   /_sigcerttest/reset     Reset
//	POST   /_sigcerttest/faults    Inject the Fault in the JSON body, such as
//	                               {"Action": "UploadSigningCertificate", "Code": "Throttling", "Count": 2}
//	                               with any of Fault's fields (Action, Count, Latency, Drop,
//	                               ApplyThenDrop, Code, ApplyThenCode, Message, Status; names in
//	                               any case; Latency as a Go duration, "250ms", or nanoseconds)
//	DELETE /_sigcerttest/faults    ClearFaults
//	GET    /_sigcerttest/requests  the request counts as JSON: {"total": 3, "actions": {"ListSigningCertificates": 3}}
//
// Faults and request counts apply to IAM's API only, never to the control
// API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}()
	if r.URL != nil && strings.HasPrefix(r.URL.Path, ControlPath) {
		s.serveControl(w, r)
		return
	}
	s.serveIAM(w, r)
}

// serveIAM answers one request of IAM's API. Injected faults come first,
// then the checks in IAM's order as far as it is known: a request that
// cannot be read, the signature, then the parameters, then the model.
func (s *Server) serveIAM(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	now := s.signingTime()
	// IAM's responses carry its time; the SDK corrects its clock skew from
	// it (aws/retry/middleware.go, clock skew correction).
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
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
			s.withModel(func(m *iammodel.Model) {
				if authenticate(r, q.Body, m, now) == nil {
					s.respond(q, requestID)
				}
			})
		}
		drop(w)
		return
	case f.Code != "":
		errorResponse(f.errorAnswer(), f.status(), requestID).write(w, requestID)
		return
	case f.ApplyThenCode != "":
		// Applied only as the request would have been without the fault:
		// well-formed and signed by a known key with its secret.
		if decodeErr == nil {
			s.withModel(func(m *iammodel.Model) {
				if authenticate(r, q.Body, m, now) == nil {
					s.respond(q, requestID)
				}
			})
		}
		errorResponse(f.applyThenAnswer(), f.applyThenStatus(), requestID).write(w, requestID)
		return
	}
	if decodeErr != nil && q.Early {
		errorResponse(decodeErr, refusalStatus(decodeErr), requestID).write(w, requestID)
		return
	}
	var resp response
	s.withModel(func(m *iammodel.Model) {
		switch ae := authenticate(r, q.Body, m, now); {
		case ae != nil:
			resp = errorResponse(ae.err, ae.status, requestID)
		case decodeErr != nil:
			resp = errorResponse(decodeErr, refusalStatus(decodeErr), requestID)
		default:
			resp = s.respond(q, requestID)
		}
	})
	resp.write(w, requestID)
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
// Its callers hold modelMu for reading (withModel): respond and what it
// calls use s.model directly and must never call a Server method that
// takes modelMu again, since a reset waiting for the write lock would then
// deadlock with it (TestResetDuringRequestsDoesNotDeadlock).
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

// newLocalCertificate makes a self-signed ECDSA P-256 certificate for
// 127.0.0.1, ::1 and localhost, valid from an hour ago for a year, as
// httptest's is for its TLS servers. ECDSA keeps it fast: no RSA key is
// generated.
func newLocalCertificate() (tls.Certificate, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("sigcerttest: generating a TLS key: %v", err))
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{Organization: []string{"sigcerttest"}, CommonName: "sigcerttest local IAM"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(fmt.Sprintf("sigcerttest: making a TLS certificate: %v", err))
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(fmt.Sprintf("sigcerttest: parsing the TLS certificate: %v", err))
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}
