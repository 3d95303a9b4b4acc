// Command bodyratio measures validate.CertificateBody against IAM's body
// regexp on the 16 KiB benchmark bodies and prints the median ns/op of each,
// their allocations and the speed-up, next to the targets of the
// performance issue (50x on PEM-like ASCII, 10x on Latin-1, 0 allocations).
//
// It is the benchmark BenchmarkBodyCheck without go test: the two sides run
// alternately, count times each, so that noise from other processes falls
// on both.
//
//	go run ./validate/internal/bodyratio -count 6
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
	"github.com/iamkit/signingcert/validate/internal/bodybench"
)

func main() {
	testing.Init()
	count := flag.Int("count", 6, "runs of each benchmark; medians are reported")
	flag.Parse()

	re := regexp.MustCompile(iamspec.CertificateBodyPattern)
	targets := map[string]float64{"ascii-pem": 50, "latin1": 10}
	failed := false
	fmt.Printf("%-10s %14s %14s %9s %7s %s\n", "body", "validate ns/op", "regexp ns/op", "speed-up", "allocs", "target")
	for _, body := range bodybench.Bodies() {
		if validate.CertificateBody(body.Text) != nil || !re.MatchString(body.Text) {
			fmt.Fprintf(os.Stderr, "bodyratio: %s: the body must be valid\n", body.Name)
			os.Exit(2)
		}
		var fast, slow []float64
		var allocs int64
		for range *count {
			r := testing.Benchmark(func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = validate.CertificateBody(body.Text)
				}
			})
			fast = append(fast, float64(r.NsPerOp()))
			allocs = max(allocs, r.AllocsPerOp())
			r = testing.Benchmark(func(b *testing.B) {
				for b.Loop() {
					_ = re.MatchString(body.Text)
				}
			})
			slow = append(slow, float64(r.NsPerOp()))
		}
		f, s := median(fast), median(slow)
		ratio := s / f
		verdict := "met"
		if ratio < targets[body.Name] || allocs != 0 {
			verdict, failed = "NOT met", true
		}
		fmt.Printf("%-10s %14.0f %14.0f %8.1fx %7d >=%.0fx, 0 allocs: %s\n", body.Name, f, s, ratio, allocs, targets[body.Name], verdict)
	}
	if failed {
		os.Exit(1)
	}
}

func median(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
