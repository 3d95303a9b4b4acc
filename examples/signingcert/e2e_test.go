package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// The CLI is built once, into a temporary directory TestMain removes.
var cli struct {
	once      sync.Once
	pkgDir    string
	dir, path string
	err       error
	out       []byte
}

func TestMain(m *testing.M) {
	cli.pkgDir, _ = os.Getwd() // tests may t.Chdir; the build must not follow
	// The in-process tests (run) load the configuration from this process's
	// environment. Without credentials, a command that wrongly gets past its
	// usage checks must fail here, not ask EC2 instance metadata
	// (169.254.169.254) or use the developer's own credentials: tests that
	// call an endpoint set their credentials with t.Setenv.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		os.Unsetenv(k)
	}
	code := m.Run()
	if cli.dir != "" {
		os.RemoveAll(cli.dir)
	}
	os.Exit(code)
}

func buildCLI(t *testing.T) string {
	t.Helper()
	cli.once.Do(func() {
		cli.dir, cli.err = os.MkdirTemp("", "signingcert-e2e-")
		if cli.err != nil {
			return
		}
		cli.path = filepath.Join(cli.dir, "signingcert")
		cmd := exec.Command("go", "build", "-o", cli.path, ".")
		cmd.Dir = cli.pkgDir
		cli.out, cli.err = cmd.CombinedOutput()
	})
	if cli.err != nil {
		t.Fatalf("go build: %v\n%s", cli.err, cli.out)
	}
	return cli.path
}

// harness runs the built CLI against a sigcerttest.Server, through a proxy
// that records the request id of every response.
type harness struct {
	t   *testing.T
	bin string
	srv *sigcerttest.Server
	url string // the proxy's URL: what --endpoint-url gets
	dir string // working directory, with the certificate files
	env map[string]string
	mu  sync.Mutex
	ids []string
}

func newHarness(t *testing.T, users ...string) *harness {
	t.Helper()
	h := &harness{t: t, bin: buildCLI(t), srv: sigcerttest.NewServer(users...), dir: t.TempDir()}
	t.Cleanup(h.srv.Close)
	target, _ := url.Parse(h.srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		h.mu.Lock()
		h.ids = append(h.ids, r.Header.Get("X-Amzn-Requestid"))
		h.mu.Unlock()
		return nil
	}
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	h.url = front.URL

	empty := filepath.Join(h.dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{
		"HOME":                        h.dir,
		"AWS_ACCESS_KEY_ID":           sigcerttest.DefaultAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       sigcerttest.DefaultSecretAccessKey,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
		"AWS_MAX_ATTEMPTS":            "1", // failures at once, no backoff
	}
	return h
}

// file writes a file into the working directory and returns its name.
func (h *harness) file(name, content string) string {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return name
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the CLI with args and stdin, in the harness's environment and
// nothing else of the test process's.
func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Dir = h.dir
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("running the CLI: %v", err)
	}
	return r
}

// iam runs a command that calls IAM, pointed at the harness's endpoint.
func (h *harness) iam(args ...string) result {
	h.t.Helper()
	return h.run("", append(args, "--endpoint-url", h.url)...)
}

func (h *harness) lastRequestID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ids) == 0 {
		return ""
	}
	return h.ids[len(h.ids)-1]
}

// ok fails the test unless r is a success with nothing on stderr.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	return r
}

// fails checks r is a failure with exit code, one line on stderr starting
// with prefix, and nothing on stdout.
func (r result) fails(t *testing.T, code int, prefix string) result {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, prefix) || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr = %q, want one line starting %q", r.stderr, prefix)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	return r
}

// fromServer is a certificate the server holds, as the CLI's JSON has it.
func fromServer(c types.SigningCertificate) awsCertificate {
	return awsCertificate{
		UserName:        aws.ToString(c.UserName),
		CertificateID:   aws.ToString(c.CertificateId),
		CertificateBody: aws.ToString(c.CertificateBody),
		Status:          string(c.Status),
		UploadDate:      awsTime(aws.ToTime(c.UploadDate)),
	}
}

var awsDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$`)

// keys returns the member names of a JSON object, in order.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func TestE2EUploadJSONMatchesServer(t *testing.T) {
	h := newHarness(t, "Bob")
	c := certgen.Valid()
	h.file("cert.pem", c.PEM)
	r := h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://cert.pem").ok(t)

	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if diff := cmp.Diff([]string{"Certificate"}, keys(t, json.RawMessage(r.stdout))); diff != "" {
		t.Errorf("top-level members (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"UserName", "CertificateId", "CertificateBody", "Status", "UploadDate"}, keys(t, doc["Certificate"])); diff != "" {
		t.Errorf("Certificate members (-want +got):\n%s", diff)
	}
	var got uploadOutput
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	held := h.srv.Certificates("Bob")
	if len(held) != 1 {
		t.Fatalf("server holds %d certificates, want 1", len(held))
	}
	if diff := cmp.Diff(fromServer(held[0]), got.Certificate); diff != "" {
		t.Errorf("printed certificate differs from the server's (-server +printed):\n%s", diff)
	}
	if got.Certificate.CertificateBody != c.PEM || got.Certificate.Status != "Active" || !awsDate.MatchString(got.Certificate.UploadDate) {
		t.Errorf("printed %+v", got.Certificate)
	}
	if n := h.srv.Requests("UploadSigningCertificate"); n != 1 {
		t.Errorf("%d upload requests, want 1", n)
	}
}

func TestE2EUploadTextAndTable(t *testing.T) {
	h := newHarness(t, "Bob")
	c := certgen.New(certgen.Options{CommonName: "bob"})
	sum := sha256.Sum256(c.DER)
	fp := hex.EncodeToString(sum[:])
	h.file("cert.pem", c.PEM)

	// text is the AWS CLI's layout (testdata/aws-cli/upload.txt): the
	// members in sorted order after CERTIFICATE, the body as it is.
	r := h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://cert.pem", "--output", "text").ok(t)
	held := h.srv.Certificates("Bob")[0]
	want := []string{"CERTIFICATE", c.PEM, aws.ToString(held.CertificateId), "Active", awsTime(aws.ToTime(held.UploadDate)), "Bob"}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\t")); diff != "" {
		t.Errorf("text row (-want +got):\n%s", diff)
	}

	h.file("cert2.pem", certgen.Valid().PEM)
	r = h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://cert2.pem", "--output", "table").ok(t)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "USER ") || !strings.Contains(lines[1], aws.ToString(h.srv.Certificates("Bob")[1].CertificateId)) {
		t.Errorf("table:\n%s", r.stdout)
	}
	_ = fp
}

func TestE2EBodyForms(t *testing.T) {
	h := newHarness(t, "Bob", "Alice", "Carol")
	a, b, c := certgen.Valid(), certgen.Valid(), certgen.Valid()

	// Standard input, with CRLF line endings: read as text, as file:// is.
	h.run(a.CRLF(), "upload", "--user-name", "Bob", "--certificate-body", "-", "--endpoint-url", h.url).ok(t)
	if got := aws.ToString(h.srv.Certificates("Bob")[0].CertificateBody); got != a.PEM {
		t.Errorf("stdin body sent as %q, want the LF PEM", got)
	}
	// fileb:// sends the bytes as they are.
	h.file("b.pem", b.CRLF())
	h.iam("upload", "--user-name", "Alice", "--certificate-body", "fileb://b.pem").ok(t)
	if got := aws.ToString(h.srv.Certificates("Alice")[0].CertificateBody); got != b.CRLF() {
		t.Errorf("fileb body sent as %q, want the CRLF PEM byte for byte", got)
	}
	// A literal body.
	h.iam("upload", "--user-name", "Carol", "--certificate-body", c.PEM).ok(t)
	if got := aws.ToString(h.srv.Certificates("Carol")[0].CertificateBody); got != c.PEM {
		t.Errorf("literal body sent as %q", got)
	}

	// Forgetting file:// is refused before sending, with the fix.
	h.file("forgot.pem", certgen.Valid().PEM)
	before := h.srv.Requests("")
	r := h.iam("upload", "--user-name", "Bob", "--certificate-body", "forgot.pem")
	r.fails(t, exitRefused, "signingcert upload: MalformedCertificate: refused before sending: CertificateBody: looks like a file path")
	if !strings.Contains(r.stderr, "did you mean --certificate-body file://forgot.pem") {
		t.Errorf("no hint: %s", r.stderr)
	}
	// A missing file.
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://nope.pem").
		fails(t, exitRefused, "signingcert upload: BodyUnreadable: loading file://nope.pem: no such file or directory")
	if n := h.srv.Requests(""); n != before {
		t.Errorf("%d requests sent for refused bodies", n-before)
	}
}

func TestE2EDryRunSendsNothing(t *testing.T) {
	h := newHarness(t, "Bob")
	c := certgen.Valid()
	h.file("good.pem", c.PEM)
	h.file("expired.pem", certgen.Expired().PEM)
	h.file("key.pem", c.WithKeyAppended())

	r := h.iam("upload", "--dry-run", "--user-name", "Bob", "--certificate-body", "file://good.pem").ok(t)
	var got dryRunOutput
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	sum := sha256.Sum256(c.DER)
	if got.DryRun.Fingerprint != hex.EncodeToString(sum[:]) || got.DryRun.UserName != "Bob" {
		t.Errorf("dry run printed %+v", got)
	}

	h.iam("upload", "--dry-run", "--user-name", "Bob", "--certificate-body", "file://expired.pem").
		fails(t, exitRefused, "signingcert upload: MalformedCertificate: refused before sending: CertificateBody: certificate has expired")
	r = h.iam("upload", "--dry-run", "--user-name", "Bob", "--certificate-body", "file://key.pem").
		fails(t, exitRefused, "signingcert upload: MalformedCertificate: refused before sending: CertificateBody: contains a private key")
	assertSafeLine(t, r.stderr[:len(r.stderr)-1], c.KeyPEM, c.PEM)
	h.iam("upload", "--dry-run", "--user-name", "Bob Smith", "--certificate-body", "file://good.pem").
		fails(t, exitRefused, "signingcert upload: ValidationError: refused before sending: UserName: character not allowed")

	// Not even credentials are looked for: a dry run works with none.
	delete(h.env, "AWS_ACCESS_KEY_ID")
	h.iam("upload", "--dry-run", "--user-name", "Bob", "--certificate-body", "file://good.pem").ok(t)

	if n := h.srv.Requests(""); n != 0 {
		t.Errorf("dry runs sent %d requests, want 0", n)
	}
	if held := h.srv.Certificates("Bob"); len(held) != 0 {
		t.Errorf("dry runs left Bob with %d certificates", len(held))
	}
}

func TestE2EIAMErrors(t *testing.T) {
	h := newHarness(t, "Bob", "Alice")
	c1, c2, c3 := certgen.Valid(), certgen.Valid(), certgen.Valid()
	h.file("c1.pem", c1.PEM)
	h.file("c2.pem", c2.PEM)
	h.file("c3.pem", c3.PEM)
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c1.pem").ok(t)

	expired := certgen.Expired()
	h.file("expired.pem", expired.PEM)

	for _, tt := range []struct {
		name   string
		args   []string
		prefix string
		says   string
		secret string
	}{
		{"duplicate", []string{"upload", "--user-name", "Alice", "--certificate-body", "file://c1.pem"},
			"signingcert upload: DuplicateCertificate: ", "", c1.PEM},
		{"no such user", []string{"upload", "--user-name", "Nobody", "--certificate-body", "file://c2.pem"},
			"signingcert upload: NoSuchEntity: ", "The user with name Nobody cannot be found.", c2.PEM},
		{"IAM echoes a malformed body", []string{"upload", "--user-name", "Bob", "--certificate-body", "file://expired.pem", "--skip-x509-checks"},
			"signingcert upload: MalformedCertificate: UploadSigningCertificate: MalformedCertificate: ", "", expired.PEM},
		{"list for no such user", []string{"list", "--user-name", "Nobody"},
			"signingcert list: NoSuchEntity: ", "cannot be found", ""},
		{"delete a missing certificate", []string{"delete", "--user-name", "Bob", "--certificate-id", "ASCANOSUCHCERTIFICATE0000"},
			"signingcert delete: NoSuchEntity: ", "cannot be found", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := h.iam(tt.args...).fails(t, exitIAM, tt.prefix)
			id := h.lastRequestID()
			if id == "" || !strings.HasSuffix(r.stderr, "request id "+id+")\n") {
				t.Errorf("stderr %q lacks the request id %q of IAM's answer", r.stderr, id)
			}
			if !strings.Contains(r.stderr, tt.says) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.says)
			}
			assertSafeLine(t, strings.TrimSuffix(r.stderr, "\n"), tt.secret)
		})
	}

	t.Run("limit", func(t *testing.T) {
		h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c2.pem").ok(t)
		r := h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c3.pem").
			fails(t, exitIAM, "signingcert upload: LimitExceeded: UploadSigningCertificate: LimitExceeded: Cannot exceed quota for CertificatesPerUser: 2 (HTTP 409, request id ")
		if id := h.lastRequestID(); !strings.Contains(r.stderr, id) {
			t.Errorf("stderr %q lacks request id %s", r.stderr, id)
		}
	})

	t.Run("unknown access key", func(t *testing.T) {
		h.env["AWS_ACCESS_KEY_ID"] = "AKIANOBODYKNOWS"
		defer func() { h.env["AWS_ACCESS_KEY_ID"] = sigcerttest.DefaultAccessKeyID }()
		h.iam("list", "--user-name", "Bob").fails(t, exitIAM, "signingcert list: AccessDenied: ListSigningCertificates: InvalidClientTokenId: ")
	})
}

func TestE2ENoAnswer(t *testing.T) {
	h := newHarness(t, "Bob")
	// Straight to the server: the recording proxy would answer 502.
	h.srv.Inject(sigcerttest.Fault{Drop: true})
	h.run("", "list", "--user-name", "Bob", "--endpoint-url", h.srv.URL).fails(t, exitOther, "signingcert list: Transport: ListSigningCertificates: request send failed")

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	h.run("", "list", "--user-name", "Bob", "--endpoint-url", dead.URL).fails(t, exitOther, "signingcert list: Transport: ListSigningCertificates: request send failed")
	// Without --user-name, GetUser is the first request, and fails alike.
	h.run("", "list", "--endpoint-url", dead.URL).fails(t, exitOther, "signingcert list: Transport: GetUser: request send failed")

	delete(h.env, "AWS_ACCESS_KEY_ID")
	h.iam("list").fails(t, exitOther, "signingcert list: NoCredentials: ")
	h.iam("list", "--profile", "nosuch").fails(t, exitOther, "signingcert list: Config: ")
}

func TestE2EEndpointAndProfileFromConfig(t *testing.T) {
	h := newHarness(t, "Bob")
	c := certgen.Valid()
	h.file("cert.pem", c.PEM)
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://cert.pem").ok(t)
	id := aws.ToString(h.srv.Certificates("Bob")[0].CertificateId)

	for _, v := range []string{"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL"} {
		h.env[v] = h.url
		r := h.run("", "list", "--user-name", "Bob", "--output", "text").ok(t)
		delete(h.env, v)
		if !strings.Contains(r.stdout, id) {
			t.Errorf("%s: list printed %q", v, r.stdout)
		}
	}

	// Credentials from a profile: the default one's key is unknown to the
	// server, the ci profile's is the server's own.
	delete(h.env, "AWS_ACCESS_KEY_ID")
	delete(h.env, "AWS_SECRET_ACCESS_KEY")
	h.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(h.dir, h.file("credentials",
		"[default]\naws_access_key_id = AKIANOBODYKNOWS\naws_secret_access_key = x\n"+
			"[ci]\naws_access_key_id = "+sigcerttest.DefaultAccessKeyID+"\naws_secret_access_key = "+sigcerttest.DefaultSecretAccessKey+"\n"))
	h.env["AWS_CONFIG_FILE"] = filepath.Join(h.dir, h.file("config", "[profile ci]\nregion = eu-west-1\n"))
	h.iam("list", "--user-name", "Bob").fails(t, exitIAM, "signingcert list: AccessDenied: ")
	r := h.iam("list", "--user-name", "Bob", "--profile", "ci", "--output", "text").ok(t)
	if !strings.Contains(r.stdout, id) {
		t.Errorf("--profile ci: list printed %q", r.stdout)
	}
	h.env["AWS_PROFILE"] = "ci"
	h.iam("list", "--user-name", "Bob").ok(t)
}

func TestE2EList(t *testing.T) {
	h := newHarness(t, "Bob", "Alice")
	c1, c2, c3 := certgen.New(certgen.Options{CommonName: "one"}), certgen.Valid(), certgen.Valid()
	h.file("c1.pem", c1.PEM)
	h.file("c2.pem", c2.CRLF())
	h.file("c3.pem", c3.PEM)
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c1.pem").ok(t)
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "fileb://c2.pem").ok(t)
	h.iam("upload", "--user-name", "Alice", "--certificate-body", "file://c3.pem").ok(t)
	id1 := aws.ToString(h.srv.Certificates("Bob")[0].CertificateId)
	h.iam("deactivate", "--user-name", "Bob", "--certificate-id", id1).ok(t)

	r := h.iam("list", "--user-name", "Bob").ok(t)
	if diff := cmp.Diff([]string{"Certificates"}, keys(t, json.RawMessage(r.stdout))); diff != "" {
		t.Errorf("list members (-want +got):\n%s", diff)
	}
	var got listOutput
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	var want listOutput
	for _, c := range h.srv.Certificates("Bob") {
		want.Certificates = append(want.Certificates, fromServer(c))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list json differs from the server (-server +printed):\n%s", diff)
	}
	if got.Certificates[0].Status != "Inactive" || got.Certificates[1].CertificateBody != c2.CRLF() {
		t.Errorf("list json: %+v", got)
	}

	r = h.iam("list", "--user-name", "Bob", "--output", "table").ok(t)
	rows := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(rows) != 3 {
		t.Fatalf("table:\n%s", r.stdout)
	}
	sum := sha256.Sum256(c1.DER)
	if f := strings.Fields(rows[1]); f[1] != id1 || f[2] != "Inactive" || f[4] != hex.EncodeToString(sum[:]) ||
		f[5] != c1.X509.NotAfter.UTC().Format(time.RFC3339) || !strings.HasPrefix(rows[1], "Bob ") {
		t.Errorf("table row %q", f)
	}

	// Several users: one document for all, one error line for the missing
	// one, and IAM's exit code for it. "Nobody,Alice" is one name.
	r = h.iam("list", "--user-name", "Bob", "--user-name", "Nobody,Alice", "--user-name", "Alice")
	// The library's "sigcert: " prefix says nothing at a shell; the
	// one-user line drops it, and so must this one.
	if r.code != exitIAM || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, `signingcert list: NoSuchEntity: "Nobody,Alice": `) || strings.Contains(r.stderr, "sigcert: ") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	var all listOutput
	if err := json.Unmarshal([]byte(r.stdout), &all); err != nil || strings.Count(r.stdout, "\n{") != 0 {
		t.Fatalf("not one document: %v\n%s", err, r.stdout)
	}
	var users []string
	for _, c := range all.Certificates {
		users = append(users, c.UserName)
	}
	if diff := cmp.Diff([]string{"Bob", "Bob", "Alice"}, users); diff != "" {
		t.Errorf("certificates' users (-want +got):\n%s", diff)
	}
	if strings.ContainsAny(r.stderr, "\r\x1b") {
		t.Errorf("progress drawn on a pipe: %q", r.stderr)
	}

	// A user named twice, in any case (IAM's names ignore case), is listed
	// once: the document must not hold a certificate twice.
	r = h.iam("list", "--user-name", "Bob", "--user-name", "bob", "--user-name", "Bob", "--query", "Certificates[].UserName", "--output", "text").ok(t)
	if r.stdout != "Bob\tBob\n" {
		t.Errorf("list of Bob, bob, Bob printed %q, want Bob's two certificates once", r.stdout)
	}
}

func TestE2EStatusAndDelete(t *testing.T) {
	h := newHarness(t, "Bob")
	h.file("c.pem", certgen.Valid().PEM)
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c.pem").ok(t)
	id := aws.ToString(h.srv.Certificates("Bob")[0].CertificateId)
	status := func() types.StatusType { return h.srv.Certificates("Bob")[0].Status }

	if r := h.iam("deactivate", "--user-name", "Bob", "--certificate-id", id).ok(t); r.stdout != "" || status() != types.StatusTypeInactive {
		t.Errorf("deactivate: stdout %q, status %s", r.stdout, status())
	}
	if r := h.iam("activate", "--user-name", "Bob", "--certificate-id", id, "--output", "table").ok(t); r.stdout != id+" is now Active.\n" || status() != types.StatusTypeActive {
		t.Errorf("activate: stdout %q, status %s", r.stdout, status())
	}
	h.iam("delete", "--user-name", "Bob", "--certificate-id", id).ok(t)
	if n := len(h.srv.Certificates("Bob")); n != 0 {
		t.Errorf("Bob still holds %d certificates", n)
	}
	h.iam("delete", "--user-name", "Bob", "--certificate-id", id).fails(t, exitIAM, "signingcert delete: NoSuchEntity: ")
	h.iam("activate", "--user-name", "Bob", "--certificate-id", "short").fails(t, exitRefused, "signingcert activate: ValidationError: refused before sending: CertificateId: too short")
}

func TestE2EEnsureIsIdempotent(t *testing.T) {
	h := newHarness(t, "Bob")
	c := certgen.Valid()
	h.file("lf.pem", c.PEM)
	h.file("crlf.pem", c.CRLF())
	var first, second uploadOutput
	json.Unmarshal([]byte(h.iam("ensure", "--user-name", "Bob", "--certificate-body", "file://lf.pem").ok(t).stdout), &first)
	json.Unmarshal([]byte(h.iam("ensure", "--user-name", "Bob", "--certificate-body", "fileb://crlf.pem").ok(t).stdout), &second)
	if first.Certificate.CertificateID == "" || first != second {
		t.Errorf("ensure twice printed %+v then %+v, want the same certificate", first, second)
	}
	if n := h.srv.Requests("UploadSigningCertificate"); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
	if diff := cmp.Diff(fromServer(h.srv.Certificates("Bob")[0]), second.Certificate); diff != "" {
		t.Errorf("(-server +printed):\n%s", diff)
	}
}

func TestE2ERotateAtQuota(t *testing.T) {
	h := newHarness(t, "Bob")
	var certs []*certgen.Cert
	for i := range 4 {
		c := certgen.Valid()
		certs = append(certs, c)
		h.file("c"+string(rune('1'+i))+".pem", c.PEM)
	}
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c1.pem").ok(t)
	h.iam("upload", "--user-name", "Bob", "--certificate-body", "file://c2.pem").ok(t)
	held := h.srv.Certificates("Bob")
	id1, id2 := aws.ToString(held[0].CertificateId), aws.ToString(held[1].CertificateId)
	state := func() []awsCertificate {
		var out []awsCertificate
		for _, c := range h.srv.Certificates("Bob") {
			out = append(out, fromServer(c))
		}
		return out
	}

	// Two Active certificates and a policy that may not delete one: refused,
	// nothing changed, nothing uploaded or deleted.
	before := state()
	r := h.iam("rotate", "--user-name", "Bob", "--certificate-body", "file://c3.pem")
	r.fails(t, exitRefused, "signingcert rotate: LimitExceeded: rotate Bob: limit exceeded: the user holds 2 Active certificates")
	if !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, id1) || !strings.Contains(r.stderr, id2) {
		t.Errorf("refusal does not say what the user holds: %s", r.stderr)
	}
	if diff := cmp.Diff(before, state()); diff != "" {
		t.Errorf("refused rotation changed the server (-before +after):\n%s", diff)
	}
	if n := h.srv.Requests("UploadSigningCertificate") + h.srv.Requests("DeleteSigningCertificate") + h.srv.Requests("UpdateSigningCertificate"); n != 2 {
		t.Errorf("%d changing requests, want only the 2 uploads of the setup", n)
	}

	// Allowed to delete an Active one for room: the oldest goes, the new one
	// arrives, the other is deactivated.
	r = h.iam("rotate", "--user-name", "Bob", "--certificate-body", "file://c3.pem", "--delete-active-for-room").ok(t)
	var got rotateOutput
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	now := state()
	if len(now) != 2 {
		t.Fatalf("Bob holds %d certificates", len(now))
	}
	id3 := now[1].CertificateID
	wantSteps := []rotateStep{
		{Action: "delete", CertificateID: id1, Why: "make room under the quota of 2"},
		{Action: "upload", CertificateID: id3, Why: "the new certificate"},
		{Action: "deactivate", CertificateID: id2, Why: "retire the previous certificate"},
	}
	if diff := cmp.Diff(wantSteps, got.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(now[1], got.Certificate); diff != "" {
		t.Errorf("new certificate (-server +printed):\n%s", diff)
	}
	sortByID := func(s []awsCertificate) []awsCertificate {
		s = slices.Clone(s)
		slices.SortFunc(s, func(a, b awsCertificate) int { return strings.Compare(a.CertificateID, b.CertificateID) })
		return s
	}
	if diff := cmp.Diff(sortByID(now), sortByID(got.Certificates)); diff != "" {
		t.Errorf("final state (-server +printed):\n%s", diff)
	}
	if now[0].CertificateID != id2 || now[0].Status != "Inactive" || now[1].Status != "Active" || now[1].CertificateBody != certs[2].PEM {
		t.Errorf("server state after rotation: %+v", now)
	}

	// At the quota again, with an Inactive one: the default policy makes room
	// by deleting it, no flag needed.
	r = h.iam("rotate", "--user-name", "Bob", "--certificate-body", "file://c4.pem", "--output", "text").ok(t)
	now = state()
	id4 := now[1].CertificateID
	wantText := "STEPS\tdelete\t" + id2 + "\tmake room under the quota of 2\n" +
		"STEPS\tupload\t" + id4 + "\tthe new certificate\n" +
		"STEPS\tdeactivate\t" + id3 + "\tretire the previous certificate\n"
	if !strings.Contains(r.stdout, wantText) || strings.Count(r.stdout, "CERTIFICATES\t") != 2 || !strings.HasPrefix(r.stdout, "CERTIFICATE\t") {
		t.Errorf("rotation text:\n%s\nwant it to start:\n%s", r.stdout, wantText)
	}
	if now[0].CertificateID != id3 || now[0].Status != "Inactive" || now[1].Status != "Active" {
		t.Errorf("server state: %+v", now)
	}

	// A rerun finds the work done.
	uploads := h.srv.Requests("UploadSigningCertificate")
	r = h.iam("rotate", "--user-name", "Bob", "--certificate-body", "file://c4.pem", "--output", "table").ok(t)
	if !strings.HasPrefix(r.stdout, "Nothing to do: "+id4+" is already attached and Active.") {
		t.Errorf("rerun:\n%s", r.stdout)
	}
	if h.srv.Requests("UploadSigningCertificate") != uploads {
		t.Errorf("rerun uploaded again")
	}

	// --previous delete leaves only the new certificate.
	c5 := certgen.Valid()
	h.file("c5.pem", c5.PEM)
	h.iam("rotate", "--user-name", "Bob", "--certificate-body", "file://c5.pem", "--previous", "delete").ok(t)
	if now = state(); len(now) != 1 || now[0].CertificateBody != c5.PEM || now[0].Status != "Active" {
		t.Errorf("after --previous delete: %+v", now)
	}

	// --previous keep leaves the previous one Active beside the new one.
	h.file("c6.pem", certgen.Valid().PEM)
	h.iam("rotate", "--user-name", "Bob", "--certificate-body", "file://c6.pem", "--previous", "keep").ok(t)
	if now = state(); len(now) != 2 || now[0].CertificateBody != c5.PEM || now[0].Status != "Active" || now[1].Status != "Active" {
		t.Errorf("after --previous keep: %+v", now)
	}
}

func TestE2ECheck(t *testing.T) {
	h := newHarness(t)
	c := certgen.Valid()
	h.file("good.pem", c.PEM)
	h.file("expired.pem", certgen.Expired().PEM)
	h.file("key.pem", c.WithKeyAppended())
	h.file("list.txt", "good.pem\nkey.pem\n")
	r := h.run("", "check", "good.pem", "expired.pem", "--files-from", "list.txt")
	want := []string{
		"good.pem: OK",
		"expired.pem: MalformedCertificate: CertificateBody: certificate has expired",
		"good.pem: OK",
		"key.pem: MalformedCertificate: CertificateBody: contains a private key",
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
	if r.code != exitRefused || r.stderr != "signingcert check: Refused: 2 of 4 certificates failed the pre-flight\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	assertSafeLine(t, strings.ReplaceAll(r.stdout, "\n", " "), c.KeyPEM)
	if n := h.srv.Requests(""); n != 0 {
		t.Errorf("check sent %d requests", n)
	}
	h.run("", "check", "good.pem").ok(t)
}

func TestE2EHelp(t *testing.T) {
	h := newHarness(t)
	r := h.run("", "--help").ok(t)
	for _, want := range []string{"Exit status:", "0    done", "1    refused locally", "2    usage error", "3    IAM answered with an error", "4    no usable answer", "130  interrupted"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	h.run("", "upload").fails(t, exitUsage, "signingcert upload: Usage: --certificate-body is required")
}
