//go:build linux

package main

// check at scale: thousands of certificate files, checked by the built binary
// and in process. The measurements are Linux-only: a child's own peak RSS is
// read from /proc.
//
// Measuring a child's peak RSS: the rusage wait4 returns is no good here.
// Go starts children with clone(CLONE_VM|CLONE_VFORK), so the child runs in
// this process's address space until it calls execve, and execve folds the
// high-water mark of that address space (this test process's peak RSS) into
// the child's ru_maxrss. Rusage.Maxrss is then max(this process's peak, the
// child's peak): some 20 MiB whatever the child does. Instead the child is
// started under ptrace with PTRACE_O_TRACEEXIT, and when it stops on its way
// out, with its memory still mapped, its own high-water mark is read from
// /proc/PID/status (VmHWM).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/certgen"
)

// scaleKind is what one file of a scale run holds.
type scaleKind int

const (
	scaleRSA      scaleKind = iota // a valid RSA-2048 certificate
	scaleRSACRLF                   // the same with CRLF line endings: passes
	scaleECDSA                     // a valid ECDSA P-256 certificate
	scaleExpired                   // an RSA-2048 certificate that expired a day ago
	scaleKeyAdded                  // a valid RSA-2048 certificate with its private key appended
)

// scaleMix is the mix of a certificate directory, file i holding
// scaleMix[i%len(scaleMix)]: 17 of 20 pass (9 RSA, 1 RSA with CRLF, 7
// ECDSA), 2 of 20 have expired, 1 of 20 has its key appended.
var scaleMix = [20]scaleKind{
	scaleExpired, scaleRSA, scaleECDSA, scaleRSA, scaleECDSA,
	scaleRSA, scaleKeyAdded, scaleECDSA, scaleRSA, scaleRSACRLF,
	scaleRSA, scaleECDSA, scaleExpired, scaleRSA, scaleECDSA,
	scaleRSA, scaleECDSA, scaleRSA, scaleECDSA, scaleRSA,
}

// scaleWant is the start of file name's line in check's output.
func scaleWant(name string, k scaleKind) (prefix string, ok bool) {
	switch k {
	case scaleExpired:
		return name + ": MalformedCertificate: CertificateBody: certificate has expired", false
	case scaleKeyAdded:
		return name + ": MalformedCertificate: CertificateBody: contains a private key", false
	}
	return name + ": OK", true
}

// scalePoolSize is how many distinct certificates of each kind the files
// are made from. Signing an RSA-2048 certificate takes milliseconds (6.5 ms
// on a loaded 2-core machine), so 10,000 distinct ones would take a minute;
// check reads and parses every file afresh and remembers nothing between
// files, so repeating a body across files costs it the same as a new one.
const scalePoolSize = 50

var scalePool struct {
	once                    sync.Once
	rsa, ecdsa, expired     [scalePoolSize]string
	rsaCRLF, rsaKeyAppended [scalePoolSize]string
}

// scaleBody returns file i's content.
func scaleBody(i int) (string, scaleKind) {
	scalePool.once.Do(func() {
		p := &scalePool
		for j := range scalePoolSize {
			c := certgen.Valid()
			p.rsa[j], p.rsaCRLF[j], p.rsaKeyAppended[j] = c.PEM, c.CRLF(), c.WithKeyAppended()
			p.ecdsa[j] = certgen.New(certgen.Options{Key: certgen.ECDSAP256}).PEM
			p.expired[j] = certgen.Expired().PEM
		}
	})
	k := scaleMix[i%len(scaleMix)]
	j := (i / len(scaleMix)) % scalePoolSize
	switch k {
	case scaleRSACRLF:
		return scalePool.rsaCRLF[j], k
	case scaleECDSA:
		return scalePool.ecdsa[j], k
	case scaleExpired:
		return scalePool.expired[j], k
	case scaleKeyAdded:
		return scalePool.rsaKeyAppended[j], k
	}
	return scalePool.rsa[j], k
}

func scaleName(i int) string { return fmt.Sprintf("c%05d.pem", i) }

// scaleDir is a directory of certificate files c00000.pem, c00001.pem, ...
// written as needed and kept for every later run, and of name lists
// names-N.txt listing the first N.
type scaleDir struct {
	dir     string
	written int
	lists   map[int]string
}

// files makes sure the first n files and their name list exist, and returns
// the list's name (relative to d.dir).
func (d *scaleDir) files(tb testing.TB, n int) string {
	tb.Helper()
	for ; d.written < n; d.written++ {
		body, _ := scaleBody(d.written)
		if err := os.WriteFile(filepath.Join(d.dir, scaleName(d.written)), []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if list, ok := d.lists[n]; ok {
		return list
	}
	var names strings.Builder
	for i := range n {
		names.WriteString(scaleName(i) + "\n")
	}
	list := fmt.Sprintf("names-%d.txt", n)
	if err := os.WriteFile(filepath.Join(d.dir, list), []byte(names.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	if d.lists == nil {
		d.lists = map[int]string{}
	}
	d.lists[n] = list
	return list
}

// scaleNames returns the first n file names.
func scaleNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = scaleName(i)
	}
	return names
}

// scaleVerdict checks the output of check over the first n files: one line
// per file in order, each with its expected verdict, exit status 1 and the
// summary on stderr.
func scaleVerdict(n, code int, stdout, stderr string) error {
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != n {
		return fmt.Errorf("%d lines on stdout, want %d", len(lines), n)
	}
	failed := 0
	for i, line := range lines {
		_, k := scaleBody(i)
		want, ok := scaleWant(scaleName(i), k)
		if !ok {
			failed++
		}
		if (ok && line != want) || (!ok && !strings.HasPrefix(line, want)) {
			return fmt.Errorf("line %d = %q, want %q", i, line, want)
		}
	}
	if code != exitRefused {
		return fmt.Errorf("exit %d, want %d", code, exitRefused)
	}
	if want := fmt.Sprintf("signingcert check: Refused: %d of %d certificates failed the pre-flight\n", failed, n); stderr != want {
		return fmt.Errorf("stderr = %q, want %q", stderr, want)
	}
	return nil
}

// childRun is one run of the built CLI.
type childRun struct {
	code           int
	stdout, stderr string
	wall           time.Duration // from start to reaped, ptrace stops included
	peakKiB        int64         // the child's own peak RSS: VmHWM as it exits
	maxrssKiB      int64         // wait4's ru_maxrss: at least this process's peak (see the top of the file)
}

// runCLI runs bin with args in dir, with an empty environment but for HOME,
// and measures its own peak RSS.
func runCLI(tb testing.TB, bin, dir string, args ...string) childRun {
	tb.Helper()
	return startCLI(tb, true, bin, dir, args...)
}

// startCLI runs bin as runCLI does, under ptrace only if trace is set;
// without it, peakKiB is 0.
func startCLI(tb testing.TB, trace bool, bin, dir string, args ...string) childRun {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if trace {
		cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
		// Every ptrace request must come from the thread that started the
		// child.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		if trace && errors.Is(err, syscall.EPERM) {
			tb.Skipf("cannot measure the CLI's peak RSS: ptrace is not permitted here: %v", err)
		}
		tb.Fatalf("starting the CLI (ptrace %t): %v", trace, err)
	}
	var (
		peak int64
		terr error
	)
	if trace {
		if peak, terr = traceToExit(cmd.Process.Pid); terr != nil {
			cmd.Process.Kill()
		}
	}
	werr := cmd.Wait()
	r := childRun{wall: time.Since(start), peakKiB: peak, stdout: stdout.String(), stderr: stderr.String()}
	if terr != nil {
		tb.Fatalf("tracing the CLI: %v (wait: %v)", terr, werr)
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		r.code = ee.ExitCode()
	} else if werr != nil {
		tb.Fatalf("running the CLI: %v", werr)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxrssKiB = ru.Maxrss
	}
	return r
}

// traceToExit follows a child started with Ptrace from its stop after
// execve until it stops on its way out, passing on the signals it is sent,
// and returns its peak RSS in KiB, read then. It leaves the child to finish
// exiting, unreaped.
func traceToExit(pid int) (int64, error) {
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		return 0, err
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGTRAP {
		return 0, fmt.Errorf("child not stopped after execve: status %#x", ws)
	}
	if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACEEXIT); err != nil {
		return 0, fmt.Errorf("PTRACE_SETOPTIONS: %w", err)
	}
	sig := 0
	for {
		if err := syscall.PtraceCont(pid, sig); err != nil {
			return 0, fmt.Errorf("PTRACE_CONT: %w", err)
		}
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			return 0, err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			return 0, fmt.Errorf("child ended without stopping at exit: status %#x", ws)
		case ws.TrapCause() == syscall.PTRACE_EVENT_EXIT:
			peak, err := vmHWM(pid)
			if derr := syscall.PtraceDetach(pid); err == nil && derr != nil {
				err = fmt.Errorf("PTRACE_DETACH: %w", derr)
			}
			return peak, err
		case ws.Stopped():
			sig = int(ws.StopSignal()) // a signal for the child (Go's SIGURG, say): deliver it
		default:
			sig = 0
		}
	}
}

// vmHWM returns process pid's peak resident set size in KiB.
func vmHWM(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// scaleEnv is an env for running check in process over the files in dir:
// names are opened relative to dir, and stdout is w.
func scaleEnv(dir string, w io.Writer) *env {
	return &env{
		stdout: w,
		stderr: io.Discard,
		open:   func(name string) (fs.File, error) { return os.Open(filepath.Join(dir, name)) },
		getenv: func(string) (string, bool) { return "", false },
		now:    time.Now,
	}
}

// scaleSizes are the two file counts TestCheckAtScale compares: 1,000 and
// 3,000 by default, 1,000 and 10,000 with SIGCERT_SCALE=1 (and not -short).
// Creating a file takes about a millisecond on a busy machine, so 10,000
// files cost some ten seconds before check even starts. The smaller count
// is not lower because check's RSS rises over its first thousand files or
// so, until the heap reaches the collector's minimum goal (4 MiB), and is
// flat from then on.
func scaleSizes() (small, large int) {
	if os.Getenv("SIGCERT_SCALE") == "" || testing.Short() {
		return 1000, 3000
	}
	return 1000, 10000
}

// check's memory does not grow with the number of files. Both subtests
// share one directory of certificate files (see scaleSizes for how many).
func TestCheckAtScale(t *testing.T) {
	small, large := scaleSizes()
	d := &scaleDir{dir: t.TempDir()}
	start := time.Now()
	smallList, largeList := d.files(t, small), d.files(t, large)
	t.Logf("made %d files in %v", large, time.Since(start).Round(time.Millisecond))

	// The built CLI's peak RSS over the larger number of files is within
	// 8 MiB of its peak over the smaller, and its output is right: a line per
	// file, in order, and exit status 1.
	//
	// Each count is run three times and the least peak kept: on a busy
	// machine a run's peak can jump by 15 MiB when the OS deschedules the
	// collector's mark worker mid-cycle (seen: one cycle's mark phase took
	// 275 ms while check allocated 10 MiB, all of it kept live until the
	// next cycle). Growth with the number of files would show in every run.
	//
	// 8 MiB is 4 KiB a file over 2,000 files, 0.9 KiB over 9,000: keeping
	// every body would show at 10,000 files; keeping every line would not,
	// which is what live-heap is for.
	t.Run("peak-RSS", func(t *testing.T) {
		const margin = 8 << 10 // KiB
		bin := buildCLI(t)
		argv := append([]string{"check", "--"}, scaleNames(small)...)
		r := runCLI(t, bin, d.dir, argv...)
		if err := scaleVerdict(small, r.code, r.stdout, r.stderr); err != nil {
			t.Fatalf("check over %d files as arguments: %v", small, err)
		}
		t.Logf("check -- over %d files: peak RSS %d KiB (wait4's ru_maxrss %d KiB), %v",
			small, r.peakKiB, r.maxrssKiB, r.wall.Round(time.Millisecond))

		least := func(n int, list string) int64 {
			var peaks []int64
			for range 3 {
				r := runCLI(t, bin, d.dir, "check", "--files-from", list)
				if err := scaleVerdict(n, r.code, r.stdout, r.stderr); err != nil {
					t.Fatalf("check --files-from over %d files: %v", n, err)
				}
				peaks = append(peaks, r.peakKiB)
				t.Logf("check --files-from over %5d files: peak RSS %d KiB (wait4's ru_maxrss %d KiB), %v",
					n, r.peakKiB, r.maxrssKiB, r.wall.Round(time.Millisecond))
			}
			return slices.Min(peaks)
		}
		if ps, pl := least(small, smallList), least(large, largeList); pl > ps+margin {
			t.Errorf("peak RSS over %d files is %d KiB, over %d files %d KiB (least of 3 runs): it grows with the number of files",
				large, pl, small, ps)
		}
	})

	// In process, check's live heap after the last file is what it was
	// after the first tenth, give or take 32 KiB: 12 bytes a file over 2,700
	// files, under 4 over 9,000 (it drifts by under 7 KiB). Keeping each
	// file's output line, some 60 bytes a file, would fail it.
	t.Run("live-heap", func(t *testing.T) {
		const margin = 32 << 10
		s := &heapSampler{step: large / 10}
		if code := run(context.Background(), scaleEnv(d.dir, s), []string{"check", "--files-from", largeList}); code != exitRefused || s.lines != large {
			t.Fatalf("exit %d after %d lines, want %d after %d", code, s.lines, exitRefused, large)
		}
		first, last := s.heap[0], s.heap[len(s.heap)-1]
		t.Logf("live heap every %d files: %v bytes", s.step, s.heap)
		if last > first+margin {
			t.Errorf("live heap after %d files %d bytes, after %d files %d: it grows with the number of files",
				large, last, s.step, first)
		}
	})
}

// heapSampler is check's stdout in process: every step lines, it collects
// garbage (twice, to empty sync.Pools) and records the live heap.
type heapSampler struct {
	step, lines int
	heap        []uint64
}

func (s *heapSampler) Write(p []byte) (int, error) {
	s.lines += bytes.Count(p, []byte("\n"))
	if s.lines%s.step == 0 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.heap = append(s.heap, m.HeapAlloc)
	}
	return len(p), nil
}

// BenchmarkCheckFiles measures check over many certificate files: files/s,
// and for the built CLI its own peak RSS, the median and the largest over
// the iterations (see TestCheckAtScale for why they differ on a busy
// machine). The CLI runs under ptrace for that, which stops it only for the
// signals it is sent.
//
//   - exec-files-from: the CLI reads the names from a file (--files-from);
//   - exec-argv: the names are arguments;
//   - exec-untraced: as exec-files-from, not under ptrace, so no RSS: what
//     tracing costs;
//   - inprocess: run's check loop alone, no process start-up, output
//     discarded.
//
// The files are written once per run of the benchmark binary, in one
// directory for every sub-benchmark.
func BenchmarkCheckFiles(b *testing.B) {
	d := &scaleDir{dir: b.TempDir()}
	var bin string
	build := func(b *testing.B) string {
		if bin == "" {
			bin = filepath.Join(d.dir, "signingcert")
			pkg := cli.pkgDir
			if pkg == "" {
				pkg = "."
			}
			cmd := exec.Command("go", "build", "-o", bin, ".")
			cmd.Dir = pkg
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("go build: %v\n%s", err, out)
			}
		}
		return bin
	}
	viaExec := func(n int, argv, trace bool) func(*testing.B) {
		return func(b *testing.B) {
			cliPath := build(b)
			args := []string{"check", "--files-from", d.files(b, n)}
			if argv {
				args = append([]string{"check", "--"}, scaleNames(n)...)
			}
			var peaks []int64
			for b.Loop() {
				r := startCLI(b, trace, cliPath, d.dir, args...)
				if r.code != exitRefused || strings.Count(r.stdout, "\n") != n {
					b.Fatalf("exit %d, %d lines; want %d, %d", r.code, strings.Count(r.stdout, "\n"), exitRefused, n)
				}
				peaks = append(peaks, r.peakKiB)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
			if !trace {
				return
			}
			slices.Sort(peaks)
			b.ReportMetric(float64(peaks[len(peaks)/2]), "peak-RSS-KiB")
			b.ReportMetric(float64(peaks[len(peaks)-1]), "max-peak-RSS-KiB")
		}
	}
	inprocess := func(n int) func(*testing.B) {
		return func(b *testing.B) {
			list := d.files(b, n)
			args := []string{"check", "--files-from", list}
			e := scaleEnv(d.dir, io.Discard)
			b.ReportAllocs()
			for b.Loop() {
				if code := run(context.Background(), e, args); code != exitRefused {
					b.Fatalf("exit %d, want %d", code, exitRefused)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
		}
	}
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("exec-files-from/files=%d", n), viaExec(n, false, true))
	}
	b.Run("exec-argv/files=1000", viaExec(1000, true, true))
	b.Run("exec-untraced/files=10000", viaExec(10000, false, false))
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("inprocess/files=%d", n), inprocess(n))
	}
}
