package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// TestMain runs main instead of the tests when the test binary is started
// as fakeiam by TestInterruptExitsPromptly: the process under test is the
// real program, without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("FAKEIAM_RUN_MAIN") == "1" {
		os.Args = append([]string{"fakeiam"}, strings.Fields(os.Getenv("FAKEIAM_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestInterruptExitsPromptly starts fakeiam as a process, holds a
// connection with a half-sent request open, sends SIGINT, and checks the
// process exits at once with status 0: Close does not wait for the client.
func TestInterruptExitsPromptly(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FAKEIAM_RUN_MAIN=1", "FAKEIAM_ARGS=-addr 127.0.0.1:0 -user Bob")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := bufio.NewScanner(stdout)
	var url string
	for lines.Scan() {
		if _, u, ok := strings.Cut(lines.Text(), "listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		t.Fatal("fakeiam printed no URL")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	// A request signed by the process's default key works.
	client := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, "")})
	if out, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("bob")}); err != nil || *out.User.UserName != "Bob" {
		t.Fatalf("GetUser(bob) from the process: %v", err)
	}
	// A client that stops halfway through its request.
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nAction=Li"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the server start reading it

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("fakeiam exited with %v after SIGINT, want status 0", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("fakeiam took %v to exit after SIGINT", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fakeiam still running 10 s after SIGINT")
	}
	if _, err := http.Get(url); err == nil {
		t.Error("still serving after exit")
	}
}

// TestFlagsThroughServe checks each flag's effect on the running fake, and
// that a reset through the control API keeps what the flags set.
func TestFlagsThroughServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := parseFlags([]string{"-user", "Bob", "-user", "Al,ice", "-access-key", "AKIABOB:bob-secret:bob",
		"-access-key", "AKIADEF:def-secret", "-propagation-delay", "1h", "-rate", "0.001", "-burst", "4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan *sigcerttest.Server)
	done := make(chan error, 1)
	var out strings.Builder
	go func() { done <- serve(ctx, cfg, &out, func(s *sigcerttest.Server) { ready <- s }) }()
	srv := <-ready
	banner := out.String()
	for _, want := range []string{"--aws-sigv4 aws:amz:us-east-1:iam --user " + sigcerttest.DefaultAccessKeyID + ":" + sigcerttest.DefaultSecretAccessKey,
		"propagation delay: 1h0m0s", "rate limit: 0.001 requests a second, bursts of 4", srv.URL + sigcerttest.ControlPath + "reset"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "not checked") || strings.Contains(banner, "Authorization:") {
		t.Errorf("banner still offers an unsigned request:\n%s", banner)
	}
	as := func(id, secret string) *iam.Client {
		return srv.Client(func(o *iam.Options) {
			o.Retryer = aws.NopRetryer{}
			o.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
		})
	}
	check := func(phase string) {
		t.Helper()
		// -access-key ID:SECRET:USER acts as USER (named in any case) ...
		if me, err := as("AKIABOB", "bob-secret").GetUser(ctx, &iam.GetUserInput{}); err != nil || *me.User.UserName != "Bob" {
			t.Errorf("%s: GetUser as AKIABOB: %v", phase, err)
		}
		// ... only with its secret; without USER the key is the default user's.
		if _, err := as("AKIABOB", "wrong").GetUser(ctx, &iam.GetUserInput{}); !hasCode(err, "SignatureDoesNotMatch") {
			t.Errorf("%s: AKIABOB with a wrong secret: %v", phase, err)
		}
		if me, err := as("AKIADEF", "def-secret").GetUser(ctx, &iam.GetUserInput{}); err != nil || *me.User.UserName != sigcerttest.DefaultUser {
			t.Errorf("%s: GetUser as AKIADEF: %v", phase, err)
		}
		// -user, repeated, with a ',' kept in the name.
		if got := strings.Join(srv.Users(), "|"); got != "Al,ice|Bob|sigcerttest" {
			t.Errorf("%s: users %s", phase, got)
		}
		// -propagation-delay: a new user is not found yet.
		if _, err := as("AKIADEF", "def-secret").CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Carol")}); err != nil {
			t.Errorf("%s: CreateUser: %v", phase, err)
		}
		// -rate and -burst: the burst of 4 is spent (3 calls reached the
		// model above; a refused signature does not), the fifth is throttled.
		if _, err := as("AKIADEF", "def-secret").GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Carol")}); !hasCode(err, "NoSuchEntity") {
			t.Errorf("%s: GetUser of a user created within the delay: %v", phase, err)
		}
		if _, err := as("AKIADEF", "def-secret").ListUsers(ctx, &iam.ListUsersInput{}); !hasCode(err, "Throttling") {
			t.Errorf("%s: a request beyond the burst: %v", phase, err)
		}
	}
	check("at start")
	resp, err := http.Post(srv.URL+sigcerttest.ControlPath+"reset", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v", err)
	}
	resp.Body.Close()
	check("after a reset")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func hasCode(err error, code string) bool {
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// TestBeyondLoopback checks which listening addresses get the warning,
// without listening beyond loopback.
func TestBeyondLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": false, "127.0.0.2:8080": false, "[::1]:8080": false,
		"0.0.0.0:8080": true, "[::]:8080": true, "192.0.2.2:8080": true, "[fd00::2]:8080": true,
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := beyondLoopback(a); got != want {
			t.Errorf("beyondLoopback(%s) = %v, want %v", addr, got, want)
		}
	}
	if !beyondLoopback(&net.UnixAddr{Name: "/tmp/x", Net: "unix"}) {
		t.Error("a non-TCP listener is not known to be local")
	}
}
