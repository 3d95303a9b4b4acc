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
		done <- serve(ctx, "127.0.0.1:0", " Bob, Alice ,", &out, func(s *sigcerttest.Server) { ready <- s })
	}()
	var srv *sigcerttest.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	banner := out.String() // written before ready
	for _, want := range []string{srv.URL, "users: Alice, Bob, sigcerttest", sigcerttest.DefaultAccessKeyID, "--endpoint-url " + srv.URL} {
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

	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after cancel", err)
	}
	if _, err := http.Get(srv.URL); err == nil {
		t.Error("still serving after cancel")
	}
}

func TestServeRefusals(t *testing.T) {
	ctx := context.Background()
	if err := serve(ctx, "127.0.0.1:0", "Bob,bad name", io.Discard, nil); err == nil || !strings.Contains(err.Error(), "bad name") {
		t.Errorf("invalid user name: %v", err)
	}
	if err := serve(ctx, "127.0.0.1:-1", "", io.Discard, nil); err == nil {
		t.Error("invalid address accepted")
	}
}
