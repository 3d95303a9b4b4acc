package sigcert_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// This file is the fault harness: random schedules of IAM's real failure
// modes, played by the double against Ensure and Rotate, with the seed of a
// failing schedule printed so it can be rerun alone. The suites' seed count
// is -sigcert.faultseeds (200 by default).

var faultSeeds = flag.Int("sigcert.faultseeds", 200, "how many seeds TestEnsureUnderFaultsAndLag and TestRotateUnderFaultsAndLag run")

// The documented bounds (doc.go), with A = sigcert.MaxRetryAttempts.
const (
	ensureMaxUploads = sigcert.MaxRetryAttempts
	ensureMaxLists   = 1 + 8*sigcert.MaxRetryAttempts
	rotateMaxUploads = sigcert.MaxRetryAttempts
	rotateMaxWrites  = sigcert.MaxRetryAttempts + 3
	rotateMaxLists   = 8*sigcert.MaxRetryAttempts + 26
)

// lags are the propagation lags the suites mix in: lists that still show the
// state before a change. The propagation wait lists 8 times, so a lag of up
// to 7 lists is always outlasted: that stands for IAM's delay being shorter
// than the window, which is what the window is chosen for.
var lags = []int{0, 0, 1, 3, 7}

// randomFault draws one failure of IAM's: refusals that change nothing
// (Throttling, ConcurrentModification, ServiceFailure), changes applied and
// answered 500 InternalFailure or 503 ServiceUnavailable, changes applied
// whose answer is lost, requests lost before they arrive.
func randomFault(rng *rand.Rand, ops []string) fault {
	f := fault{Op: ops[rng.IntN(len(ops))], Count: 1 + rng.IntN(2)}
	switch rng.IntN(7) {
	case 0:
		f.Kind, f.Code = refuse, iamspec.CodeThrottling
	case 1:
		f.Kind, f.Code = refuse, iamspec.CodeConcurrentModification
	case 2:
		f.Kind, f.Code = refuse, iamspec.CodeServiceFailure
	case 3:
		f.Kind, f.Code, f.Status = applyThen, "InternalFailure", 500
	case 4:
		f.Kind, f.Code, f.Status = applyThen, "ServiceUnavailable", 503
	case 5:
		f.Kind = lost
	case 6:
		f.Kind = dropped
	}
	return f
}

// schedule draws faults failing at most budget requests.
func schedule(rng *rand.Rand, ops []string, budget int) []fault {
	var out []fault
	for left := rng.IntN(budget + 1); left > 0; {
		f := randomFault(rng, ops)
		f.Count = min(f.Count, left)
		left -= f.Count
		out = append(out, f)
	}
	return out
}

func scheduleText(fs []fault) string {
	if len(fs) == 0 {
		return "no faults"
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}

// onFailure logs how to rerun a failed seed.
func onFailure(t *testing.T, seed uint64, what *string) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: %s\n\trerun: go test ./sigcert -run '%s$' -v", seed, *what, t.Name())
		}
	})
}

// prepare gives user certificates with statuses on d, with no lag, and
// returns their ids and the certificates.
func prepare(t *testing.T, d *double, user string, statuses ...types.StatusType) []string {
	t.Helper()
	var ids []string
	for _, st := range statuses {
		c := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256))
		out, err := d.fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &c.PEM})
		if err != nil {
			t.Fatal(err)
		}
		id := *out.Certificate.CertificateId
		if st != types.StatusTypeActive {
			if _, err := d.fake.UpdateSigningCertificate(context.Background(), &iam.UpdateSigningCertificateInput{UserName: &user, CertificateId: &id, Status: st}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// holders counts the users among users who hold the certificate body.
func holders(d *double, body string, users ...string) (n int, status types.StatusType) {
	for _, u := range users {
		for _, c := range d.Certificates(u) {
			if normal(deref(c.CertificateBody)) == normal(body) {
				n++
				status = c.Status
			}
		}
	}
	return n, status
}

func normal(s string) string { return strings.Join(strings.Fields(s), "") }

func randomStatuses2(rng *rand.Rand, n int) []types.StatusType {
	out := make([]types.StatusType, n)
	for i := range out {
		out[i] = []types.StatusType{types.StatusTypeActive, types.StatusTypeInactive}[rng.IntN(2)]
	}
	return out
}

func seedList(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// TestEnsureUnderFaultsAndLag plays random schedules of failures, with
// propagation lag, against Ensure: it never attaches the certificate twice,
// never reports an error while the user holds it, and stays within its
// documented bounds.
func TestEnsureUnderFaultsAndLag(t *testing.T) {
	c := sigcerttest.NewCert()
	for _, seed := range seedList(*faultSeeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 10))
			d := newDouble("Bob", "Alice")
			prepare(t, d, "Bob", randomStatuses2(rng, rng.IntN(2))...)
			d.Lag = lags[rng.IntN(len(lags))]
			// Budget 5: with at most 5 failed requests, the 8 lists of a
			// propagation wait always include some that answer.
			faults := schedule(rng, []string{iamspec.OpUpload, iamspec.OpUpload, iamspec.OpList, ""}, 5)
			d.Script(faults...)
			what := fmt.Sprintf("lag %d, faults %s", d.Lag, scheduleText(faults))
			onFailure(t, seed, &what)

			got, err := newUploader(d).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
			n, _ := holders(d, c.PEM, "Bob", "Alice")
			switch {
			case n > 1:
				t.Errorf("the certificate is attached %d times", n)
			case err != nil && n == 1:
				t.Errorf("Ensure reported %v while Bob holds the certificate", err)
			case err == nil && n != 1:
				t.Errorf("Ensure succeeded (%v) but Bob does not hold the certificate", got.CertificateID)
			case err == nil && got.Fingerprint != "" && got.Fingerprint != fingerprintOf(c.DER):
				t.Errorf("Ensure returned another certificate")
			}
			if u, l := d.Calls(iamspec.OpUpload), d.Calls(iamspec.OpList); u > ensureMaxUploads || l > ensureMaxLists {
				t.Errorf("%d uploads and %d lists, bound %d and %d", u, l, ensureMaxUploads, ensureMaxLists)
			}
		})
	}
}

// TestRotateUnderFaultsAndLag plays random schedules of failures, with
// propagation lag, against Rotate under every policy: it never attaches the
// certificate twice, never reports an upload as failed while the user holds
// the certificate, never leaves a user who had an Active certificate without
// one, does what the policy says when it succeeds, and stays within its
// documented bounds.
func TestRotateUnderFaultsAndLag(t *testing.T) {
	c := sigcerttest.NewCert()
	for _, seed := range seedList(*faultSeeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 20))
			d := newDouble("Bob", "Alice")
			before := randomStatuses2(rng, rng.IntN(3))
			prepare(t, d, "Bob", before...)
			policy := sigcert.RotatePolicy{Previous: sigcert.Previous(rng.IntN(3)), DeleteActiveForRoom: rng.IntN(2) == 0}
			d.Lag = lags[rng.IntN(len(lags))]
			ops := []string{iamspec.OpUpload, iamspec.OpList, iamspec.OpUpdate, iamspec.OpDelete, ""}
			faults := schedule(rng, ops, 5)
			d.Script(faults...)
			what := fmt.Sprintf("Bob holds %v, policy %+v, lag %d, faults %s", before, policy, d.Lag, scheduleText(faults))
			onFailure(t, seed, &what)

			r, err := newUploader(d).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}, policy)
			n, status := holders(d, c.PEM, "Bob", "Alice")
			after := d.Certificates("Bob")
			active := 0
			for _, x := range after {
				if x.Status == types.StatusTypeActive {
					active++
				}
			}
			if n > 1 {
				t.Errorf("the certificate is attached %d times", n)
			}
			hadActive := false
			for _, s := range before {
				hadActive = hadActive || s == types.StatusTypeActive
			}
			if hadActive && active == 0 {
				t.Errorf("Bob had an Active certificate and now has none: %v", describeSDK(after))
			}
			var re *sigcert.RotateError
			switch {
			case err == nil:
				if n != 1 || status != types.StatusTypeActive {
					t.Fatalf("Rotate succeeded but Bob holds the certificate %d times, %s: %v", n, status, describeSDK(after))
				}
				if r.New == nil || !strings.Contains(normal(r.New.CertificateBody), normal(c.PEM)) {
					t.Errorf("Rotation.New is not the new certificate")
				}
				for _, x := range after {
					if deref(x.CertificateId) == r.New.CertificateID {
						continue
					}
					switch policy.Previous {
					case sigcert.DeletePrevious:
						t.Errorf("DeletePrevious left %s", deref(x.CertificateId))
					case sigcert.DeactivatePrevious:
						if x.Status == types.StatusTypeActive {
							t.Errorf("DeactivatePrevious left %s Active", deref(x.CertificateId))
						}
					}
				}
			case !errors.As(err, &re):
				t.Errorf("Rotate: %v is not a *RotateError", err)
			case re.Failed.Action == sigcert.ActionUpload && n == 1:
				t.Errorf("Rotate reported the upload failed (%v) while Bob holds the certificate", err)
			case re.Failed.Action == "" && n == 1:
				t.Errorf("Rotate reported nothing done (%v) while Bob holds the certificate", err)
			}
			w := d.Calls(iamspec.OpUpload) + d.Calls(iamspec.OpUpdate) + d.Calls(iamspec.OpDelete)
			if u, l := d.Calls(iamspec.OpUpload), d.Calls(iamspec.OpList); u > rotateMaxUploads || w > rotateMaxWrites || l > rotateMaxLists {
				t.Errorf("%d uploads, %d writes, %d lists; bounds %d, %d, %d", u, w, l, rotateMaxUploads, rotateMaxWrites, rotateMaxLists)
			}
		})
	}
}

func describeSDK(cs []types.SigningCertificate) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, deref(c.CertificateId)+":"+string(c.Status))
	}
	return strings.Join(parts, ", ")
}
