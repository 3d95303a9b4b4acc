package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	ready := make(chan *sigcerttest.Server)
	done := make(chan error)
	go func() {
		cfg, err := parseFlags([]string{"-users", " Bob, Alice ,", "-user", "ops,admin", "-access-key", "AKIABOB:bob-secret:Bob"}, io.Discard)
		if err != nil {
			done <- err
			return
		}
		done <- serve(ctx, cfg, &out, func(s *sigcerttest.Server) { ready <- s })
	}()
	var srv *sigcerttest.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	banner := out.String() // written before ready
	for _, want := range []string{srv.URL, "users: Alice, Bob, ops,admin, sigcerttest", "AKIABOB, acting as Bob", sigcerttest.DefaultAccessKeyID, "--endpoint-url " + srv.URL} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}

	// curl's way: a form POST, signed as curl --aws-sigv4 does.
	form := url.Values{"Action": {"ListSigningCertificates"}, "UserName": {"Alice"}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(form))
	sum := sha256.Sum256([]byte(form))
	creds := aws.Credentials{AccessKeyID: sigcerttest.DefaultAccessKeyID, SecretAccessKey: sigcerttest.DefaultSecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<ListSigningCertificatesResult>") {
		t.Errorf("curl-style list: %d %s", resp.StatusCode, body)
	}

	// The SDK's way.
	_, err = srv.Client().ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("Nobody")})
	if err == nil || !strings.Contains(err.Error(), "NoSuchEntity") {
		t.Errorf("SDK list of an unknown user: %v", err)
	}

	// The key given with -access-key acts as its user, with its secret.
	bob := srv.Client(func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOB", "bob-secret", "")
	})
	me, err := bob.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || *me.User.UserName != "Bob" {
		t.Errorf("GetUser as AKIABOB: %v, %v", me, err)
	}
	// The comma stays in a name given with -user.
	if _, err := srv.Client().GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ops,admin")}); err != nil {
		t.Errorf("GetUser(ops,admin): %v", err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after cancel", err)
	}
	if _, err := http.Get(srv.URL); err == nil {
		t.Error("still serving after cancel")
	}
}

func TestFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-user", "Bob", "-access-key", "AKIAX:s3cr/et+", "-access-key", "AKIAY:other:bob",
		"-propagation-delay", "2s", "-rate", "2.5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []accessKey{{"AKIAX", "s3cr/et+", sigcerttest.DefaultUser}, {"AKIAY", "other", "bob"}}
	if len(cfg.keys) != 2 || cfg.keys[0] != want[0] || cfg.keys[1] != want[1] {
		t.Errorf("keys = %+v, want %+v", cfg.keys, want)
	}
	if cfg.delay != 2*time.Second || cfg.rate != 2.5 || cfg.burst != 3 {
		t.Errorf("delay %v rate %v burst %d", cfg.delay, cfg.rate, cfg.burst)
	}
	for _, args := range [][]string{
		{"-user", "bad name"},
		{"-users", "Bob,bad name"},
		{"-user", strings.Repeat("a", 65)},
		{"-access-key", "AKIAX"},
		{"-access-key", "AKIA-X:secret"},
		{"-access-key", "AKIAX::Bob"},
		{"-access-key", "AKIAX:secret:Nobody"},
		{"-propagation-delay", "-1s"},
		{"-rate", "-1"},
		{"-burst", "-1"},
		{"extra"},
	} {
		var stderr strings.Builder
		_, err := parseFlags(args, &stderr)
		if err == nil {
			t.Errorf("%q accepted", args)
		}
		if strings.Contains(err.Error()+stderr.String(), "secret:") {
			t.Errorf("%q: the error shows the secret: %v", args, err)
		}
	}
	ctx := context.Background()
	if err := serve(ctx, config{addr: "127.0.0.1:-1"}, io.Discard, nil); err == nil {
		t.Error("invalid address accepted")
	}
}

func TestServeThrottles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := parseFlags([]string{"-rate", "0.001", "-burst", "2", "-propagation-delay", "1h"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan *sigcerttest.Server)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, io.Discard, func(s *sigcerttest.Server) { ready <- s }) }()
	srv := <-ready
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Carol")}); err != nil {
		t.Fatal(err)
	}
	// The propagation delay hides the new user.
	if _, err := client.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Carol")}); err == nil || !strings.Contains(err.Error(), "NoSuchEntity") {
		t.Errorf("GetUser of a user created an hour early: %v", err)
	}
	_, err = client.ListUsers(ctx, &iam.ListUsersInput{})
	if err == nil || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("third request within the burst of 2: %v", err)
	}
	cancel()
	<-done
}
