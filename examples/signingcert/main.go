// Command signingcert manages the X.509 signing certificates of IAM users:
// upload (with a dry run), check files in bulk, ensure, list, rotate within
// IAM's quota of two, activate, deactivate and delete. Everything IAM would
// refuse is checked locally first, and every failure is one line on stderr
// that names IAM's error and never quotes the certificate.
//
// Run signingcert --help for the commands, flags and exit codes.
package main

import (
	"context"
	"io/fs"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	e := &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		open:   func(name string) (fs.File, error) { return os.Open(name) },
		getenv: os.LookupEnv,
		now:    time.Now,
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		e.progress = os.Stderr
	}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}
