package validate_test

import (
	"testing"

	"github.com/iamkit/signingcert/validate"
	"github.com/iamkit/signingcert/validate/internal/bodybench"
)

// BenchmarkBodyCheck compares CertificateBody with IAM's regexp on 16 KiB
// bodies. go run ./validate/internal/bodyratio prints medians and ratios.
func BenchmarkBodyCheck(b *testing.B) {
	for _, body := range bodybench.Bodies() {
		if err := validate.CertificateBody(body.Text); err != nil || !bodyPattern.MatchString(body.Text) {
			b.Fatalf("%s: the benchmark body must be valid: %v", body.Name, err)
		}
		b.Run(body.Name+"/validate", func(b *testing.B) {
			b.SetBytes(int64(len(body.Text)))
			b.ReportAllocs()
			for b.Loop() {
				if validate.CertificateBody(body.Text) != nil {
					b.Fatal("refused")
				}
			}
		})
		b.Run(body.Name+"/regexp", func(b *testing.B) {
			b.SetBytes(int64(len(body.Text)))
			b.ReportAllocs()
			for b.Loop() {
				if !bodyPattern.MatchString(body.Text) {
					b.Fatal("refused")
				}
			}
		})
	}
}

// TestBodyCheckAllocs: accepting a body allocates nothing (a refusal
// allocates its *Error).
func TestBodyCheckAllocs(t *testing.T) {
	for _, body := range bodybench.Bodies() {
		if n := testing.AllocsPerRun(20, func() { _ = validate.CertificateBody(body.Text) }); n != 0 {
			t.Errorf("%s: CertificateBody allocates %v times per call", body.Name, n)
		}
	}
}
