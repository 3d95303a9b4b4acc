package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// readmeProgram is the Usage program of README.md, kept here so that it
// compiles and runs in a test.
const readmeProgram = "testdata/readme/main.go"

func TestREADMEHoldsTheUsageProgram(t *testing.T) {
	prog, err := os.ReadFile(readmeProgram)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(cli.pkgDir, "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(prog)+"```\n") {
		t.Errorf("README.md does not hold %s verbatim in a go block: copy it in", readmeProgram)
	}
}

func TestREADMEUsageProgramHandlesEveryErrorClass(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "upload-cert")
	build := exec.Command("go", "build", "-o", bin, "./testdata/readme")
	build.Dir = cli.pkgDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := sigcerttest.NewServer("Bob", "Alice", "Carol")
	defer srv.Close()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(endpoint, key string) []string {
		return []string{
			"HOME=" + dir, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty,
			"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + sigcerttest.DefaultSecretAccessKey,
			"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_IAM=" + endpoint, "AWS_MAX_ATTEMPTS=1",
		}
	}
	start := func(endpoint, key string, args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = env(endpoint, key)
		return cmd
	}
	run := func(name string, code int, want string, cmd *exec.Cmd) {
		t.Helper()
		out, _ := cmd.CombinedOutput()
		if got := cmd.ProcessState.ExitCode(); got != code || !strings.Contains(string(out), want) {
			t.Errorf("%s: exit %d, output %q; want exit %d and %q", name, got, out, code, want)
		}
	}
	key := sigcerttest.DefaultAccessKeyID
	a, b, c := write("a.pem", certgen.Valid().PEM), write("b.pem", certgen.Valid().PEM), write("c.pem", certgen.Valid().PEM)

	run("success", 0, "uploaded ", start(srv.URL, key, "Bob", a))
	run("local refusal", 1, "refused before sending (MalformedCertificate)", start(srv.URL, key, "Bob", write("old.pem", certgen.Expired().PEM)))
	run("duplicate", 3, "IAM answered DuplicateCertificate (HTTP 409, request id ", start(srv.URL, key, "Alice", a))
	run("no such user", 3, "IAM answered NoSuchEntity (HTTP 404", start(srv.URL, key, "Nobody", b))
	start(srv.URL, key, "Bob", b).Run()
	run("limit", 3, "the user holds two certificates: rotate instead", start(srv.URL, key, "Bob", c))
	run("access denied", 3, "the caller needs iam:UploadSigningCertificate", start(srv.URL, "AKIAUNKNOWNKEY000000", "Carol", c))
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Code: "ServiceFailure", Count: 5})
	run("5xx", 3, "IAM answered ServiceFailure (HTTP 500", start(srv.URL, key, "Carol", c))
	srv.ClearFaults()
	run("transport", 4, "no answer from IAM for UploadSigningCertificate, outcome unknown", start("http://127.0.0.1:1", key, "Carol", c))

	// The context: Ctrl-C while IAM does not answer.
	silent, dialled := silentListenerDialled(t)
	cmd := start(silent, key, "Carol", c)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-dialled: // the request is in flight
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the program never dialled the endpoint")
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if cmd.ProcessState.ExitCode() != 4 || !strings.Contains(out.String(), "stopped by the context, outcome unknown") {
		t.Errorf("context: exit %d, output %q", cmd.ProcessState.ExitCode(), out.String())
	}
	run("usage", 2, "usage: upload-cert USER CERT.pem", start(srv.URL, key))
}
