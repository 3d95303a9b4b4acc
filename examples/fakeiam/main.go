// Command fakeiam serves a fake of IAM's signing-certificate and user API
// (UploadSigningCertificate, ListSigningCertificates,
// UpdateSigningCertificate, DeleteSigningCertificate, CreateUser, GetUser,
// ListUsers, DeleteUser) on a local address, until interrupted. It is
// sigcerttest.Server as a program: any HTTP client that speaks IAM's
// awsquery protocol can use it, such as the AWS CLI with --endpoint-url,
// boto3, or curl.
//
//	go run ./examples/fakeiam -addr 127.0.0.1:8080 -user Bob -user Alice \
//	    -access-key AKIABOB:bob-secret:Bob -propagation-delay 2s -rate 20 -burst 5
//
// Flags:
//
//	-user NAME                     create the user NAME; repeat for more
//	-access-key ID:SECRET[:USER]   an access key of USER (default sigcerttest); repeat for more
//	-propagation-delay D           eventual consistency: writes show in reads only after D
//	-rate R, -burst B              throttle beyond R requests a second, in bursts of B
//
// It prints its URL and the default access key (AKIASIGCERTTEST, secret
// sigcerttest-secret-access-key), which acts as the user sigcerttest when a
// request names no user. Requests must be signed with SigV4 by a key it
// knows, with that key's secret, as IAM's must (curl signs with
// --aws-sigv4 aws:amz:us-east-1:iam). An unsigned control API under
// /_sigcerttest/ resets the state, injects faults and counts requests
// (see README.md). State lives in memory and is gone when it stops; SIGINT
// or SIGTERM stops it within about a second.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeiam:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fakeiam:", err)
		os.Exit(1)
	}
}

// config is what the flags ask for.
type config struct {
	addr  string
	users []string
	keys  []accessKey
	delay time.Duration
	rate  float64
	burst int
}

type accessKey struct{ id, secret, user string }

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseFlags reads the command line. Usage and errors go to stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("fakeiam", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	var users, keys listFlag
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "`host:port` to listen on (port 0 picks a free one)")
	fs.Var(&users, "user", "create the IAM user `NAME`; repeat the flag for more users")
	// Deprecated: use -user, once per user. A ',' is legal in IAM user
	// names, so a comma-separated list cannot name every user.
	usersCSV := fs.String("users", "", "deprecated: comma-separated user `names`; use -user, since ',' is legal in IAM names")
	fs.Var(&keys, "access-key", "an access key `ID:SECRET[:USER]` (USER defaults to "+sigcerttest.DefaultUser+"); repeat for more")
	fs.DurationVar(&cfg.delay, "propagation-delay", 0, "model IAM's eventual consistency: a write shows in reads only after this `duration`")
	fs.Float64Var(&cfg.rate, "rate", 0, "answer Throttling beyond this many `requests` a second (0: no limit)")
	fs.IntVar(&cfg.burst, "burst", 0, "the `number` of requests -rate allows at once (0: -rate rounded up)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, n := range strings.Split(*usersCSV, ",") {
		if n = strings.TrimSpace(n); n != "" {
			users = append(users, n)
		}
	}
	for _, n := range users {
		if err := checkUserName(n); err != nil {
			return config{}, fmt.Errorf("-user %q: %v", n, err)
		}
		cfg.users = append(cfg.users, n)
	}
	for _, k := range keys {
		key, err := parseAccessKey(k, cfg.users)
		if err != nil {
			return config{}, fmt.Errorf("-access-key %q: %v", redactKey(k), err)
		}
		cfg.keys = append(cfg.keys, key)
	}
	if cfg.delay < 0 {
		return config{}, fmt.Errorf("-propagation-delay %s: must not be negative", cfg.delay)
	}
	if cfg.rate < 0 || math.IsNaN(cfg.rate) || math.IsInf(cfg.rate, 0) {
		return config{}, fmt.Errorf("-rate %v: must be a number of requests a second, 0 or more", cfg.rate)
	}
	if cfg.burst < 0 {
		return config{}, fmt.Errorf("-burst %d: must not be negative", cfg.burst)
	}
	if cfg.burst == 0 && cfg.rate > 0 {
		cfg.burst = int(math.Ceil(cfg.rate))
	}
	return cfg, nil
}

// checkUserName applies IAM's rules for a new user: its pattern, and at
// most 64 characters (CreateUser's limit).
func checkUserName(name string) error {
	if err := validate.UserName(name); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(name); n > 64 {
		return fmt.Errorf("%d characters; IAM user names have at most 64", n)
	}
	return nil
}

// parseAccessKey reads ID:SECRET[:USER]. Neither an access key id nor a user
// name can hold ':', so the secret is whatever lies between.
func parseAccessKey(s string, users []string) (accessKey, error) {
	id, rest, ok := strings.Cut(s, ":")
	if !ok {
		return accessKey{}, errors.New("want ID:SECRET or ID:SECRET:USER")
	}
	k := accessKey{id: id, secret: rest, user: sigcerttest.DefaultUser}
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		k.secret, k.user = rest[:i], rest[i+1:]
	}
	if k.id == "" || strings.Trim(k.id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
		return accessKey{}, errors.New("the access key id must be ASCII letters and digits")
	}
	if k.secret == "" {
		return accessKey{}, errors.New("the secret is empty")
	}
	known := strings.EqualFold(k.user, sigcerttest.DefaultUser)
	for _, u := range users {
		known = known || strings.EqualFold(u, k.user)
	}
	if !known {
		return accessKey{}, fmt.Errorf("no user %q: create it with -user", k.user)
	}
	return k, nil
}

// redactKey hides the secret of an -access-key value in messages.
func redactKey(s string) string {
	id, rest, ok := strings.Cut(s, ":")
	if !ok {
		return s
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		return id + ":***" + rest[i:]
	}
	return id + ":***"
}

// serve listens on cfg.addr, prints how to reach the fake to out, calls
// ready (if not nil) and serves until ctx is done.
func serve(ctx context.Context, cfg config, out io.Writer, ready func(*sigcerttest.Server)) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// The fake has no real security: fixed keys and an unsigned control API.
	if beyondLoopback(ln.Addr()) {
		fmt.Fprintf(out, "fakeiam: WARNING: listening on %s, beyond loopback: anyone who can reach it can use and reset this fake\n", ln.Addr())
	}
	srv := sigcerttest.NewUnstartedServer(cfg.users...)
	srv.Listener = ln
	for _, k := range cfg.keys {
		srv.AddAccessKeyWithSecret(k.id, k.secret, k.user)
	}
	srv.SetPropagationDelay(cfg.delay)
	srv.SetRateLimit(cfg.rate, cfg.burst)
	srv.Start()
	defer srv.Close()

	printBanner(out, srv, cfg)
	if ready != nil {
		ready(srv)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "fakeiam: shutting down")
	return nil
}

// beyondLoopback reports whether a listener on addr can be reached from
// other machines: any address but a loopback one, the unspecified 0.0.0.0
// and :: included.
func beyondLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}

func printBanner(w io.Writer, srv *sigcerttest.Server, cfg config) {
	fmt.Fprintf(w, "fakeiam: IAM signing-certificate fake listening on %s\n", srv.URL)
	fmt.Fprintf(w, "users: %s\n", strings.Join(srv.Users(), ", "))
	fmt.Fprintf(w, "access key id: %s (secret: %s), acting as %s\n",
		sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, sigcerttest.DefaultUser)
	for _, k := range cfg.keys {
		fmt.Fprintf(w, "access key id: %s, acting as %s\n", k.id, k.user)
	}
	if cfg.delay > 0 {
		fmt.Fprintf(w, "propagation delay: %s\n", cfg.delay)
	}
	if cfg.rate > 0 {
		fmt.Fprintf(w, "rate limit: %g requests a second, bursts of %d\n", cfg.rate, cfg.burst)
	}
	fmt.Fprintf(w, "\nAWS CLI:\n  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws iam list-signing-certificates --region us-east-1 --endpoint-url %s\n",
		sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, srv.URL)
	// Requests must be signed: curl does it with --aws-sigv4 (curl 7.75+).
	fmt.Fprintf(w, "curl:\n  curl -s --aws-sigv4 aws:amz:us-east-1:iam --user %s:%s %s -d Action=ListSigningCertificates -d Version=2010-05-08\n",
		sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, srv.URL)
	fmt.Fprintf(w, "control API (unsigned): POST %[1]s%[2]sreset, POST/DELETE %[1]s%[2]sfaults, GET %[1]s%[2]srequests\n",
		srv.URL, sigcerttest.ControlPath)
	fmt.Fprintln(w, "Requests must be signed with SigV4 by a known key and its secret. Stop with Ctrl-C.")
}
