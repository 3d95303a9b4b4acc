package sigcerttest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// TestResetKeepsSettings checks that a reset keeps what the Server's setup
// methods set after start (a key with its secret, the propagation delay,
// the rate limit) and drops what requests did.
func TestResetKeepsSettings(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.SetClock(func() time.Time { return now })
	srv.AddAccessKeyWithSecret("AKIABOB", "bob-secret", "Bob")
	srv.SetPropagationDelay(time.Minute)
	srv.SetRateLimit(1, 3)
	one := func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }
	asBob := func(secret string) func(*iam.Options) {
		return func(o *iam.Options) {
			o.Retryer = aws.NopRetryer{}
			o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOB", secret, "")
		}
	}
	if _, err := srv.Client(one).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Carol")}); err != nil {
		t.Fatal(err)
	}

	srv.Reset()

	// 1: Bob's key and its secret are kept; CreateUser's user is gone.
	if _, err := srv.Client(asBob("wrong")).GetUser(ctx, &iam.GetUserInput{}); !hasCode(err, iamspec.CodeSignatureDoesNotMatch) {
		t.Errorf("a wrong secret after reset: %v, want SignatureDoesNotMatch", err)
	}
	out, err := srv.Client(asBob("bob-secret")).UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(certgen.Valid().PEM)})
	if err != nil || *out.Certificate.UserName != "Bob" {
		t.Fatalf("upload as Bob after reset: %v", err)
	}
	// 2: the propagation delay is kept: the upload is not listed yet.
	list, err := srv.Client(one).ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	if err != nil || len(list.Certificates) != 0 {
		t.Errorf("list right after an upload, after reset: %v, %d certificates; want none (delay kept)", err, len(list.Certificates))
	}
	// The rate limit is kept: the burst of 3 is used up by the upload, the
	// list and this GetUser (a refused signature never reaches the model).
	if _, err := srv.Client(one).GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Errorf("third request after reset: %v", err)
	}
	if _, err := srv.Client(one).GetUser(ctx, &iam.GetUserInput{}); !hasCode(err, iamspec.CodeThrottling) {
		t.Errorf("fourth request in a second after reset: %v, want Throttling", err)
	}
	if got := strings.Join(srv.Users(), ","); got != "Bob,sigcerttest" {
		t.Errorf("users after reset: %s, want Bob,sigcerttest", got)
	}
}

// TestApplyThenCodeAppliesOnlySignedRequests checks that an ApplyThenCode
// fault does not apply a request the Server would have refused: the fault
// stands for a failure after IAM handled the request, and IAM does not
// handle a request whose signature does not verify.
func TestApplyThenCodeAppliesOnlySignedRequests(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpCreateUser, ApplyThenCode: iamspec.CodeInternalFailure})
	_, err := srv.Client(func(o *iam.Options) {
		o.Retryer = aws.NopRetryer{}
		o.Credentials = credentials.NewStaticCredentialsProvider(sigcerttest.DefaultAccessKeyID, "wrong", "")
	}).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Mallory")})
	if !hasCode(err, iamspec.CodeInternalFailure) {
		t.Errorf("got %v, want the injected InternalFailure", err)
	}
	if got := strings.Join(srv.Users(), ","); got != "Bob,sigcerttest" {
		t.Errorf("users %s: a request signed with a wrong secret was applied", got)
	}
}

// TestResetDuringRequestsDoesNotDeadlock resets the Server, through the
// method and the control API, while clients use every operation. Requests
// hold the model lock for reading while the model answers, and a reset
// takes it for writing: were a request to take the read lock a second time
// while a reset waits, both would wait for ever. Run with -race, it also
// checks that the setup methods do not touch the model a reset replaces.
func TestResetDuringRequestsDoesNotDeadlock(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.AddAccessKeyWithSecret("AKIABOB", "bob-secret", "Bob")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unexpected []error
	note := func(err error) {
		var ae interface{ ErrorCode() string }
		if err != nil && (!errors.As(err, &ae) || (ae.ErrorCode() != iamspec.CodeNoSuchEntity &&
			ae.ErrorCode() != iamspec.CodeEntityAlreadyExists && ae.ErrorCode() != iamspec.CodeDeleteConflict &&
			ae.ErrorCode() != iamspec.CodeDuplicateCertificate && ae.ErrorCode() != iamspec.CodeLimitExceeded)) {
			mu.Lock()
			unexpected = append(unexpected, err)
			mu.Unlock()
		}
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := aws.String(fmt.Sprintf("u%d-%d", w, i%3))
				_, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: name})
				note(err)
				_, err = client.GetUser(ctx, &iam.GetUserInput{UserName: name})
				note(err)
				_, err = client.ListUsers(ctx, &iam.ListUsersInput{})
				note(err)
				_, err = client.UploadSigningCertificate(ctx, uploadInput("Bob", certgen.Valid().PEM))
				note(err)
				_, err = client.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
				note(err)
				_, err = client.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name})
				note(err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 30; i++ {
			if i%2 == 0 {
				srv.Reset()
			} else {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+sigcerttest.ControlPath+"reset", nil)
				if resp, err := srv.HTTPClient().Do(req); err == nil {
					_ = resp.Body.Close()
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// The setup methods, from another goroutine than the resets.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			srv.SetPropagationDelay(0)
			srv.SetRateLimit(0, 0)
			srv.StaleReads(0)
			srv.AddAccessKeyWithSecret("AKIABOB", "bob-secret", "Bob")
			time.Sleep(time.Millisecond)
		}
	}()
	time.AfterFunc(300*time.Millisecond, func() { close(stop) })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("requests and resets did not finish: deadlock")
	}
	for _, err := range unexpected {
		t.Errorf("unexpected error: %v", err)
	}
}

// rawHTTP sends request, written as curl would write it, to the server and
// returns the response's status and body.
func rawHTTP(t *testing.T, srv *sigcerttest.Server, request string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postJSON(path, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", path, len(body), body)
}

// TestControlAcceptsEveryFaultField injects each kind of Fault through the
// control API as curl sends it, and checks each takes effect.
func TestControlAcceptsEveryFaultField(t *testing.T) {
	ctx := context.Background()
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	inject := func(js string) {
		t.Helper()
		if status, body := rawHTTP(t, srv, postJSON(sigcerttest.ControlPath+"faults", js)); status != 200 {
			t.Fatalf("POST faults %s: %d %s", js, status, body)
		}
	}

	inject(`{"Action": "CreateUser", "Count": 1, "ApplyThenCode": "ServiceUnavailable", "Message": "later", "Status": 503}`)
	_, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Carol")})
	if c, msg, _, status := describe(err); c != iamspec.CodeServiceUnavailable || msg != "later" || status != 503 {
		t.Errorf("ApplyThenCode: %v", err)
	}
	if !strings.Contains(strings.Join(srv.Users(), ","), "Carol") {
		t.Errorf("ApplyThenCode did not apply the CreateUser: users %v", srv.Users())
	}

	inject(`{"action": "GetUser", "code": "Throttling", "count": 2, "latency": "1ms"}`)
	for range 2 {
		if _, err := client.GetUser(ctx, &iam.GetUserInput{}); !hasCode(err, iamspec.CodeThrottling) {
			t.Errorf("Code: %v", err)
		}
	}
	if _, err := client.GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Errorf("after Count faults: %v", err)
	}

	inject(`{"Action": "ListUsers", "Drop": true}`)
	if _, err := client.ListUsers(ctx, &iam.ListUsersInput{}); err == nil || hasCode(err, "") {
		t.Errorf("Drop: %v, want a transport error", err)
	}

	inject(`{"Action": "CreateUser", "ApplyThenDrop": true}`)
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Dave")}); err == nil {
		t.Error("ApplyThenDrop: the call succeeded")
	}
	if !strings.Contains(strings.Join(srv.Users(), ","), "Dave") {
		t.Errorf("ApplyThenDrop did not apply the CreateUser: users %v", srv.Users())
	}

	status, body := rawHTTP(t, srv, "GET "+sigcerttest.ControlPath+"requests HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
	if status != 200 || !strings.Contains(body, `"CreateUser":2`) || !strings.Contains(body, `"GetUser":3`) {
		t.Errorf("GET requests: %d %s", status, body)
	}
}

// hasCode reports whether err is an API error with code; "" asks whether
// it is an API error at all.
func hasCode(err error, code string) bool {
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && (code == "" || ae.ErrorCode() == code)
}
