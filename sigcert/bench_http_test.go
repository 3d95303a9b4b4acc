package sigcert_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// Issue 5, item 3: what Upload costs on top of the raw SDK call it wraps,
// against the local HTTP endpoint.
//
// IAM refuses a third certificate for one user and a certificate already
// attached anywhere in the account, so every measured upload goes to a user
// that holds nothing yet, with a certificate the Server has never seen: both
// sub-benchmarks do exactly the same work on the server. The users are
// created and the certificates generated outside the timer.
//
// go test's -count repeats one sub-benchmark before the next, so machine
// drift lands on one side only. For the ratio, run the paired test, which
// alternates raw and uploader batches and prints the medians:
//
//	go test ./sigcert -run '^$' -bench '^BenchmarkUploadOverHTTP$' -count 8
//	SIGCERT_PAIRED=1 go test ./sigcert -run '^TestUploadOverHTTPPaired$' -v
//
// Target: uploader at most 1.10x raw (median ratio), and at most 10
// allocations more than BenchmarkPreflight/bare-pem-x509 on top of raw's.

// certPool holds distinct valid RSA-2048 certificates, generated once per
// process. A certificate is a duplicate only within one Server's account, so
// every fresh Server can reuse the same ones.
var certPool struct {
	mu     sync.Mutex
	bodies []string
}

// distinctCerts returns n distinct certificates' PEM bodies, generating the
// missing ones on every CPU.
func distinctCerts(n int) []string {
	certPool.mu.Lock()
	defer certPool.mu.Unlock()
	if missing := n - len(certPool.bodies); missing > 0 {
		fresh := make([]string, missing)
		workers := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < missing; i += workers {
					fresh[i] = certgen.Valid().PEM
				}
			}()
		}
		wg.Wait()
		certPool.bodies = append(certPool.bodies, fresh...)
	}
	return certPool.bodies[:n:n]
}

// uploadTargets hands out uploads the Server will accept: user i, created
// empty on the Server, gets certificate i of the pool.
type uploadTargets struct {
	srv    *sigcerttest.Server
	users  []string
	bodies []string
	next   int
}

func newUploadTargets(srv *sigcerttest.Server, n int) *uploadTargets {
	t := &uploadTargets{srv: srv}
	t.grow(n)
	return t
}

// grow makes n targets available in all.
func (t *uploadTargets) grow(n int) {
	for i := len(t.users); i < n; i++ {
		name := "bench-" + strconv.Itoa(i)
		t.srv.AddUser(name)
		t.users = append(t.users, name)
	}
	t.bodies = distinctCerts(n)
}

func (t *uploadTargets) left() int { return len(t.users) - t.next }

func (t *uploadTargets) take() (user, body string) {
	user, body = t.users[t.next], t.bodies[t.next]
	t.next++
	return user, body
}

// uploadOp is one upload of body to user, the way one side of the
// comparison makes it.
type uploadOp func(ctx context.Context, user, body string) error

// rawUpload is the plain SDK call, as a caller without sigcert writes it.
func rawUpload(c *iam.Client) uploadOp {
	return func(ctx context.Context, user, body string) error {
		_, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &body})
		return err
	}
}

// uploaderUpload is Upload through an Uploader wrapping the same client.
func uploaderUpload(c *iam.Client) uploadOp {
	up := sigcert.NewUploader(c)
	return func(ctx context.Context, user, body string) error {
		_, err := up.Upload(ctx, sigcert.Request{UserName: user, CertificateBody: body})
		return err
	}
}

var uploadSides = []struct {
	name string
	op   func(*iam.Client) uploadOp
}{
	{"raw", rawUpload},
	{"uploader", uploaderUpload},
}

// BenchmarkUploadOverHTTP uploads a fresh certificate to a fresh user per
// iteration, through a real *iam.Client over loopback HTTP: raw is the SDK
// call alone, uploader is Upload wrapping the same call. The allocations
// counted include the Server's, which are the same on both sides.
func BenchmarkUploadOverHTTP(b *testing.B) {
	ctx := context.Background()
	for _, side := range uploadSides {
		b.Run(side.name, func(b *testing.B) {
			srv := sigcerttest.NewServer()
			defer srv.Close()
			op := side.op(srv.Client())
			targets := newUploadTargets(srv, 1024)
			b.ReportAllocs()
			for b.Loop() {
				if targets.left() == 0 {
					b.StopTimer()
					targets.grow(2 * len(targets.users))
					b.StartTimer()
				}
				user, body := targets.take()
				if err := op(ctx, user, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// pairedRound uploads n pairs against one fresh Server, through one client:
// in each pair one raw call and one Upload, back to back, the order
// alternating from pair to pair, each call timed alone. Interleaving call by
// call exposes both sides to the same load from the rest of the machine. It
// returns the median call time of each side.
func pairedRound(tb testing.TB, n int) (raw, up time.Duration) {
	const warmup = 16
	ctx := context.Background()
	srv := sigcerttest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ops := []uploadOp{rawUpload(client), uploaderUpload(client)}
	targets := newUploadTargets(srv, 2*(warmup+n))
	times := [][]time.Duration{make([]time.Duration, 0, n), make([]time.Duration, 0, n)}
	for i := range warmup + n {
		for k := range ops {
			side := (k + i) % len(ops)
			user, body := targets.take()
			start := time.Now()
			err := ops[side](ctx, user, body)
			d := time.Since(start)
			if err != nil {
				tb.Fatal(err)
			}
			if i >= warmup {
				times[side] = append(times[side], d)
			}
		}
	}
	return medianDuration(times[0]), medianDuration(times[1])
}

// allocsPerUpload counts the allocations of n uploads of one side against a
// fresh Server, the Server's own included, after an untimed warm-up.
func allocsPerUpload(tb testing.TB, newOp func(*iam.Client) uploadOp, n int) float64 {
	const warmup = 16
	ctx := context.Background()
	srv := sigcerttest.NewServer()
	defer srv.Close()
	op := newOp(srv.Client())
	targets := newUploadTargets(srv, warmup+n)
	var before, after runtime.MemStats
	for i := range warmup + n {
		if i == warmup {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		user, body := targets.take()
		if err := op(ctx, user, body); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(n)
}

// TestUploadOverHTTPPaired measures the ratio of item 3 with both sides
// interleaved call by call (see pairedRound), round after round, and logs
// the median over rounds of each round's uploader/raw ratio of median call
// times; then the allocations of each side. It asserts nothing about time.
// Opt in with SIGCERT_PAIRED=1; SIGCERT_PAIRED_ROUNDS (default 10) and
// SIGCERT_PAIRED_BATCH (default 1000 pairs per round) size it.
func TestUploadOverHTTPPaired(t *testing.T) {
	if os.Getenv("SIGCERT_PAIRED") == "" {
		t.Skip("a measurement, not a test: set SIGCERT_PAIRED=1 to run it")
	}
	rounds := envInt(t, "SIGCERT_PAIRED_ROUNDS", 10)
	batch := envInt(t, "SIGCERT_PAIRED_BATCH", 1000)
	distinctCerts(2 * (batch + 16)) // generate them all before timing anything

	var raws, ups, ratios, deltas []float64
	for r := range rounds {
		raw, up := pairedRound(t, batch)
		ratio := float64(up) / float64(raw)
		t.Logf("round %2d: median raw %6.1f us, uploader %6.1f us, ratio %.3f", r+1, us(raw), us(up), ratio)
		raws, ups = append(raws, us(raw)), append(ups, us(up))
		ratios, deltas = append(ratios, ratio), append(deltas, us(up)-us(raw))
	}
	ratio := median(ratios)
	t.Logf("medians over %d rounds of %d pairs: raw %.1f us, uploader %.1f us, uploader-raw %.1f us, uploader/raw %.3f (target <= 1.10: %s)",
		rounds, batch, median(raws), median(ups), median(deltas), ratio, verdict(ratio <= 1.10))

	body := certgen.Valid().PEM
	bare := testing.AllocsPerRun(100, func() {
		block, _ := pem.Decode([]byte(body))
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			t.Fatal(err)
		}
	})
	var rawAllocs, upAllocs, extras []float64
	for range 3 {
		raw, up := allocsPerUpload(t, rawUpload, batch), allocsPerUpload(t, uploaderUpload, batch)
		rawAllocs, upAllocs, extras = append(rawAllocs, raw), append(upAllocs, up), append(extras, up-raw)
	}
	extra := median(extras)
	t.Logf("allocs/op (Server's included): raw %.1f, uploader %.1f, extra %.1f; bare pem.Decode+x509.ParseCertificate %.0f (target extra <= %.0f: %s)",
		median(rawAllocs), median(upAllocs), extra, bare, bare+10, verdict(extra <= bare+10))
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
