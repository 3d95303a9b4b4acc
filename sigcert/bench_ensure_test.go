package sigcert_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// Issue 5, item 4: Ensure must not serialize its callers. Many goroutines
// share one Uploader and Ensure a certificate for one user each, against the
// local HTTP endpoint with ensureLatency injected into every request. Each
// Ensure makes two requests (list, upload), so one goroutine manages about
// 1/(2·ensureLatency) = 25 users/s; g goroutines should manage close to g
// times that.
//
// One benchmark iteration is one batch: a fresh Server holding the batch's
// users, none holding a certificate, and a distinct certificate per user
// (generated and set up outside the timer). The figure to read is users/s;
// ns/op is per batch.
//
//	go test ./sigcert -run '^$' -bench '^BenchmarkEnsureConcurrent$' -count 6
//	SIGCERT_PAIRED=1 go test ./sigcert -run '^TestEnsureConcurrencyPaired$' -v
//
// Target: at 8 goroutines at least 6x the throughput of 1. The benchmark
// runs each case -count times before the next, so load from the rest of the
// machine can land on one case only; the paired test rotates the cases
// round by round and gives the ratios to quote.

const ensureLatency = 20 * time.Millisecond

// ensureCases: 100 users for one goroutine (4 s), 1,000 for the others.
var ensureCases = []struct{ goroutines, users int }{
	{1, 100},
	{8, 1000},
	{64, 1000},
}

// ensureBatch is a fresh Server holding empty users, every request delayed
// by ensureLatency, one Uploader over its client, and one request per user.
type ensureBatch struct {
	srv  *sigcerttest.Server
	up   *sigcert.Uploader
	reqs []sigcert.Request
}

func newEnsureBatch(users int) *ensureBatch {
	bodies := distinctCerts(users)
	srv := sigcerttest.NewServer()
	e := &ensureBatch{srv: srv, up: newUploader(srv.Client(idleConns()...))}
	for i := range users {
		name := "ensure-" + strconv.Itoa(i)
		srv.AddUser(name)
		e.reqs = append(e.reqs, sigcert.Request{UserName: name, CertificateBody: bodies[i]})
	}
	// Count is how many requests the fault applies to: all of them.
	srv.Inject(sigcerttest.Fault{Latency: ensureLatency, Count: math.MaxInt32})
	return e
}

// idleConns returns, when SIGCERT_IDLE_CONNS=n is set, a client option
// keeping n idle connections to the Server instead of net/http's default 2
// (which srv.Client keeps): with more goroutines than that, most requests
// then dial a new connection. The SDK's own default transport keeps 10.
func idleConns() []func(*iam.Options) {
	n, err := strconv.Atoi(os.Getenv("SIGCERT_IDLE_CONNS"))
	if err != nil || n < 1 {
		return nil
	}
	return []func(*iam.Options){func(o *iam.Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	}}
}

// run Ensures every request with g goroutines sharing the Uploader, each
// taking the next request not yet taken.
func (e *ensureBatch) run(ctx context.Context, g int) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(e.reqs) {
					return
				}
				if _, err := e.up.Ensure(ctx, e.reqs[i]); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("Ensure %s: %w", e.reqs[i].UserName, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// check confirms the batch did what it should: one list and one upload per
// user, every user holding its certificate.
func (e *ensureBatch) check(tb testing.TB) {
	n := len(e.reqs)
	if got := e.srv.Requests(iamspec.OpList); got != n {
		tb.Errorf("%d list requests, want %d", got, n)
	}
	if got := e.srv.Requests(iamspec.OpUpload); got != n {
		tb.Errorf("%d upload requests, want %d", got, n)
	}
	for _, r := range []sigcert.Request{e.reqs[0], e.reqs[n-1]} {
		if got := e.srv.Certificates(r.UserName); len(got) != 1 || *got[0].CertificateBody != r.CertificateBody {
			tb.Errorf("%s holds %d certificates, want its own one", r.UserName, len(got))
		}
	}
}

// timeEnsureBatch runs one batch of users at g goroutines and returns its
// throughput in users/s, set-up and checks excluded.
func timeEnsureBatch(tb testing.TB, g, users int) float64 {
	e := newEnsureBatch(users)
	defer e.srv.Close()
	start := time.Now()
	if err := e.run(context.Background(), g); err != nil {
		tb.Fatal(err)
	}
	elapsed := time.Since(start)
	e.check(tb)
	return float64(users) / elapsed.Seconds()
}

// BenchmarkEnsureConcurrent reports users/s for each case. -count repeats a
// case before the next, so the ratios it logs (with -v), of the medians over
// the passes, are not side by side: the paired test's are.
func BenchmarkEnsureConcurrent(b *testing.B) {
	ctx := context.Background()
	throughput := map[int][]float64{}
	for _, c := range ensureCases {
		b.Run(fmt.Sprintf("g=%d/users=%d", c.goroutines, c.users), func(b *testing.B) {
			distinctCerts(c.users)
			for b.Loop() {
				b.StopTimer()
				e := newEnsureBatch(c.users)
				b.StartTimer()
				if err := e.run(ctx, c.goroutines); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				e.check(b)
				e.srv.Close()
				b.StartTimer()
			}
			usersPerSec := float64(b.N*c.users) / b.Elapsed().Seconds()
			b.ReportMetric(usersPerSec, "users/s")
			throughput[c.goroutines] = append(throughput[c.goroutines], usersPerSec)
		})
	}
	if one := median(throughput[1]); one > 0 {
		b.Logf("median throughput vs 1 goroutine: 8 goroutines %.2fx (target >= 6), 64 goroutines %.2fx",
			median(throughput[8])/one, median(throughput[64])/one)
	}
}

// TestEnsureConcurrencyPaired runs the three cases side by side, round
// after round, the order rotating, and logs the median throughput of each
// and the medians of the per-round ratios to one goroutine. It asserts
// nothing about time. Opt in with SIGCERT_PAIRED=1; SIGCERT_PAIRED_ROUNDS
// (default 6) sets the rounds, about 10 s each.
func TestEnsureConcurrencyPaired(t *testing.T) {
	if os.Getenv("SIGCERT_PAIRED") == "" {
		t.Skip("a measurement, not a test: set SIGCERT_PAIRED=1 to run it")
	}
	rounds := envInt(t, "SIGCERT_PAIRED_ROUNDS", 6)
	maxUsers := 0
	for _, c := range ensureCases {
		maxUsers = max(maxUsers, c.users)
	}
	distinctCerts(maxUsers)

	perCase := make([][]float64, len(ensureCases))
	ratios := make([][]float64, len(ensureCases))
	for r := range rounds {
		got := make([]float64, len(ensureCases))
		for k := range ensureCases {
			i := (k + r) % len(ensureCases)
			got[i] = timeEnsureBatch(t, ensureCases[i].goroutines, ensureCases[i].users)
		}
		line := fmt.Sprintf("round %d:", r+1)
		for i, c := range ensureCases {
			perCase[i] = append(perCase[i], got[i])
			ratios[i] = append(ratios[i], got[i]/got[0])
			line += fmt.Sprintf(" g=%d %.1f users/s (%.2fx)", c.goroutines, got[i], got[i]/got[0])
		}
		t.Log(line)
	}
	for i, c := range ensureCases {
		t.Logf("g=%-2d users=%-4d median %7.1f users/s, median ratio to g=1 %.2fx", c.goroutines, c.users, median(perCase[i]), median(ratios[i]))
	}
	t.Logf("target: g=8 at least 6x g=1: %s", verdict(median(ratios[1]) >= 6))
}
