// Command signingcert manages the X.509 signing certificates of IAM users:
// upload (with a dry run), check files in bulk, ensure, list, rotate within
// IAM's quota of two, activate, deactivate and delete. Everything IAM would
// refuse is checked locally first, and every failure is one line on stderr
// that names IAM's error and never quotes the certificate. Flags, output and
// exit status follow the AWS CLI's conventions.
//
// Run signingcert --help for the commands, and signingcert COMMAND --help
// for a command's flags.
package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// interruptGrace is how long the program waits, after Ctrl-C, for the
// command to end on its own (reporting what it did) before it exits anyway:
// a read of a FIFO or a terminal cannot be cancelled, and Ctrl-C must end
// the program at any point.
const interruptGrace = 500 * time.Millisecond

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		open:   func(name string) (fs.File, error) { return os.Open(name) },
		getenv: os.LookupEnv,
		now:    time.Now,
		homeOf: lookupHome,
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		e.progress = os.Stderr
	}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, os.Args[1:]) }()
	var got os.Signal
	select {
	case code := <-done:
		os.Exit(code)
	case got = <-sig:
	}
	cancel()
	select {
	case code := <-done:
		os.Exit(code)
	case <-sig: // a second Ctrl-C: at once
	case <-time.After(interruptGrace):
	}
	fmt.Fprintln(os.Stderr, "signingcert: interrupted")
	if got == syscall.SIGTERM {
		os.Exit(128 + int(syscall.SIGTERM)) // as a shell reports it
	}
	os.Exit(exitInterrupted)
}
