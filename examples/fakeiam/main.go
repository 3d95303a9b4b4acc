// Command fakeiam serves a fake of IAM's signing-certificate API
// (UploadSigningCertificate, ListSigningCertificates,
// UpdateSigningCertificate, DeleteSigningCertificate) on a local address,
// until interrupted. It is sigcerttest.Server as a program: any HTTP client
// that speaks IAM's awsquery protocol can use it, such as the AWS CLI with
// --endpoint-url, or curl.
//
//	go run ./examples/fakeiam -addr 127.0.0.1:8080 -users Bob,Alice
//
// It prints its URL and the access key to sign with. Requests signed with
// that key act as the user sigcerttest when they name no user. Signatures
// are not checked; state lives in memory and is gone when it stops.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "`host:port` to listen on (port 0 picks a free one)")
	users := flag.String("users", "", "comma-separated IAM `names` of the users to create, such as Bob,Alice")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fakeiam: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *users, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fakeiam:", err)
		os.Exit(1)
	}
}

// serve listens on addr, prints how to reach the fake to out, calls ready
// (if not nil) and serves until ctx is done.
func serve(ctx context.Context, addr, users string, out io.Writer, ready func(*sigcerttest.Server)) error {
	names, err := parseUsers(users)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The fake has no real security: fixed keys and an unsigned control API.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		fmt.Fprintf(out, "fakeiam: WARNING: listening on %s, beyond loopback: anyone who can reach it can use and reset this fake\n", ln.Addr())
	}
	srv := sigcerttest.NewUnstartedServer(names...)
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	printBanner(out, srv)
	if ready != nil {
		ready(srv)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "fakeiam: shutting down")
	return nil
}

// parseUsers splits a comma-separated list of user names and checks each
// against IAM's constraints.
func parseUsers(list string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if err := validate.UserName(n); err != nil {
			return nil, fmt.Errorf("-users: %q: %v", n, err)
		}
		names = append(names, n)
	}
	return names, nil
}

func printBanner(w io.Writer, srv *sigcerttest.Server) {
	fmt.Fprintf(w, "fakeiam: IAM signing-certificate fake listening on %s\n", srv.URL)
	fmt.Fprintf(w, "users: %s\n", strings.Join(srv.Users(), ", "))
	fmt.Fprintf(w, "access key id: %s (secret: %s; signatures are not checked)\n",
		sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey)
	fmt.Fprintf(w, "requests without a user name act as: %s\n\n", sigcerttest.DefaultUser)
	fmt.Fprintf(w, "AWS CLI:\n  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws iam list-signing-certificates --region us-east-1 --endpoint-url %s\n",
		sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, srv.URL)
	fmt.Fprintf(w, "curl:\n  curl -s %s -H 'Authorization: AWS4-HMAC-SHA256 Credential=%s/' -d Action=ListSigningCertificates\n",
		srv.URL, sigcerttest.DefaultAccessKeyID)
	fmt.Fprintln(w, "Stop with Ctrl-C.")
}
