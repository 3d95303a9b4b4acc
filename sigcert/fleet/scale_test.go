package fleet_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// The scale runs take minutes: they run only with SIGCERT_SCALE=1.
//
//	SIGCERT_SCALE=1 go test -run '^$' -bench Fleet -benchtime 1x -count 3 ./sigcert/fleet
//	SIGCERT_SCALE=1 go test -run 'FleetMemory|FleetPeakRSS' -v ./sigcert/fleet
func needScale(tb testing.TB) {
	tb.Helper()
	if os.Getenv("SIGCERT_SCALE") != "1" {
		tb.Skip("a scale run: set SIGCERT_SCALE=1")
	}
}

// The conditions of the benchmark: 20 ms on every request, and
// the local IAM throttling as IAM does (Throttling, HTTP 400) beyond 200
// requests a second with bursts of 20; the Runner's Rate is the account's.
const (
	benchLatency = 20 * time.Millisecond
	benchRate    = 200
	benchBurst   = 20
)

// ecdsaCerts makes n certificates quickly (an ECDSA signature is far
// cheaper than an RSA one).
func ecdsaCerts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = certgen.New(certgen.Options{Key: certgen.ECDSAP256}).PEM
	}
	return out
}

// BenchmarkFleetRotate1000 rotates 1,000 users, each holding one
// certificate, to a new one, deactivating the old, at the account's rate.
func BenchmarkFleetRotate1000(b *testing.B) {
	benchFleet(b, benchCase{users: 1000, mode: fleet.Rotate, rate: benchRate, burst: benchBurst})
}

// BenchmarkFleetEnsureHeld1000 ensures 1,000 users hold the certificate
// they hold: one list each.
func BenchmarkFleetEnsureHeld1000(b *testing.B) {
	benchFleet(b, benchCase{users: 1000, mode: fleet.Ensure, rate: benchRate, burst: benchBurst})
}

// BenchmarkFleetAdaptiveOnly rotates 50 users with no Rate: the SDK's
// adaptive retryer alone meets the account's throttling.
func BenchmarkFleetAdaptiveOnly(b *testing.B) {
	benchFleet(b, benchCase{users: 50, mode: fleet.Rotate})
}

type benchCase struct {
	users int
	mode  fleet.Mode
	// rate and burst are the Runner's; 0 means no Rate.
	rate  float64
	burst int
}

// benchFleet runs c.users entries against the local HTTP endpoint, each
// user holding one certificate: Rotate to a new one (deactivating the old),
// or Ensure the one held. The endpoint answers every request after
// benchLatency and throttles beyond benchRate, burst benchBurst.
func benchFleet(b *testing.B, c benchCase) {
	needScale(b)
	n := c.users
	names := users(n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := sigcerttest.NewServer(names...)
		held, next := ecdsaCerts(n), ecdsaCerts(n)
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := w; j < n; j += 8 {
					give(b, srv.Client(), names[j], held[j])
				}
			}()
		}
		wg.Wait()
		entries := make([]fleet.Entry, n)
		for j := range entries {
			entries[j] = fleet.Entry{UserName: names[j], CertificateBody: held[j], Mode: fleet.Ensure}
			if c.mode == fleet.Rotate {
				entries[j] = fleet.Entry{UserName: names[j], CertificateBody: next[j], Mode: fleet.Rotate, Policy: deactivate}
			}
		}
		srv.Inject(sigcerttest.Fault{Latency: benchLatency, Count: 1 << 30})
		srv.SetRateLimit(benchRate, benchBurst) // the bucket starts full
		before := srv.Requests("")
		r := &fleet.Runner{API: srv.Client(), Rate: c.rate, Burst: c.burst}
		b.StartTimer()

		rep, err := r.Run(context.Background(), entries)

		b.StopTimer()
		received := srv.Requests("") - before
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		s := rep.Summary
		calls, attempts := s.TotalCalls(), s.TotalAttempts()
		// The floor as the issue defines it: total calls ÷ the account's
		// rate. (The burst comes free, so a run can finish a hair under it.)
		floor := time.Duration(float64(calls) / benchRate * float64(time.Second))
		b.ReportMetric(s.Elapsed.Seconds(), "s/run")
		b.ReportMetric(s.Elapsed.Seconds()/floor.Seconds(), "x_floor")
		b.ReportMetric(float64(calls)/float64(n), "calls/user")
		b.ReportMetric(float64(received)/float64(n), "requests/user")
		b.ReportMetric(float64(s.Throttled), "throttled")
		b.ReportMetric(float64(s.Failed+s.NotRun), "failures")
		b.Logf("%s %d users, Rate %v burst %d: %v, floor %v (%.3fx); calls %v (%.2f a user), attempts %d, IAM received %d, throttled %d; changed %d unchanged %d failed %d",
			c.mode, n, c.rate, c.burst, s.Elapsed.Round(time.Millisecond), floor.Round(time.Millisecond), s.Elapsed.Seconds()/floor.Seconds(),
			s.Calls, float64(calls)/float64(n), attempts, received, s.Throttled, s.Changed, s.Unchanged, s.Failed)
		for _, res := range rep.Results {
			if res.Err != nil {
				b.Logf("first failure: %s: %v", res.UserName, res.Err)
				break
			}
		}
	}
}

// stubIAM answers as IAM would for users who each hold one old certificate,
// and stores nothing: the heap it leaves is the Runner's and sigcert's.
type stubIAM struct{ old string }

func (s stubIAM) ListSigningCertificates(_ context.Context, in *iam.ListSigningCertificatesInput, _ ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	return &iam.ListSigningCertificatesOutput{Certificates: []types.SigningCertificate{{
		UserName: in.UserName, CertificateId: aws.String("ASCAOLDOLDOLDOLDOLDOLDOLD"), CertificateBody: aws.String(s.old),
		Status: types.StatusTypeActive, UploadDate: aws.Time(time.Now()),
	}}}, nil
}

func (s stubIAM) UploadSigningCertificate(_ context.Context, in *iam.UploadSigningCertificateInput, _ ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	return &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName: in.UserName, CertificateId: aws.String("ASCANEWNEWNEWNEWNEWNEWNEW"), CertificateBody: in.CertificateBody,
		Status: types.StatusTypeActive, UploadDate: aws.Time(time.Now()),
	}}, nil
}

func (s stubIAM) UpdateSigningCertificate(context.Context, *iam.UpdateSigningCertificateInput, ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	return &iam.UpdateSigningCertificateOutput{}, nil
}

func (s stubIAM) DeleteSigningCertificate(context.Context, *iam.DeleteSigningCertificateInput, ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	return &iam.DeleteSigningCertificateOutput{}, nil
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestFleetMemoryAtScale rotates 1,000 and then 10,000 users against an IAM
// that stores nothing, and reports the live heap over the entries
// themselves: at its peak during the run (sampled, garbage included), and
// after it (after a GC) with the Report kept, then dropped. It does so
// twice: keeping the Results in the Report, and handing them to Deliver,
// which drops them. Flat means the run's own overhead does not grow with
// the users beyond the Results it is asked to keep.
func TestFleetMemoryAtScale(t *testing.T) {
	needScale(t)
	const mib = 1 << 20
	old := ecdsaCerts(1)[0]
	for _, deliver := range []bool{false, true} {
		for _, n := range []int{1000, 10000} {
			entries := make([]fleet.Entry, n)
			for j, body := range ecdsaCerts(n) {
				entries[j] = fleet.Entry{UserName: fmt.Sprintf("user%05d", j), CertificateBody: body, Mode: fleet.Rotate, Policy: deactivate}
			}
			r := &fleet.Runner{API: stubIAM{old: old}}
			if deliver {
				r.Deliver = func(fleet.Result) {}
			}
			base := heapAfterGC()
			peak := samplePeak(func() {
				rep, err := r.Run(context.Background(), entries)
				if err != nil || rep.Summary.Changed != n {
					t.Fatalf("%d users: %v %+v", n, err, rep.Summary)
				}
				kept := heapAfterGC()
				elapsed := rep.Summary.Elapsed
				rep = nil
				dropped := heapAfterGC()
				t.Logf("Deliver %-5v %5d users in %v: entries %.1f MiB; live after the run, Report kept +%.2f MiB (%.0f B a user), Report dropped %+.2f MiB",
					deliver, n, elapsed.Round(time.Millisecond), float64(base)/mib,
					float64(kept-base)/mib, float64(kept-base)/float64(n), (float64(dropped)-float64(base))/mib)
			})
			t.Logf("Deliver %-5v %5d users: peak heap during the run +%.1f MiB over the entries (garbage included)", deliver, n, float64(peak-base)/mib)
			runtime.KeepAlive(entries)
		}
	}
}

// samplePeak runs f while sampling the heap every 5 ms, and returns the
// largest HeapAlloc seen.
func samplePeak(f func()) uint64 {
	var peak uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	<-sampled
	return peak
}
