package sigcert_test

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// This file runs the fault schedules over HTTP: the local endpoint, the
// SDK's client and its retryer, as a user's code runs them. The in-memory
// suites with propagation lag are in faults_test.go.

// httpFaultSeeds is how many seeds the HTTP suites run. They cost a few
// milliseconds a seed over loopback, so the default is smaller than the
// in-memory suites' 200; the soak raises it.
var httpFaultSeeds = flag.Int("sigcert.httpfaultseeds", 40, "how many seeds TestEnsureUnderFaults and TestRotateUnderFaults run over HTTP")

// ensureFaultBudget is how many requests a schedule fails at most in
// TestEnsureUnderFaults. After a lost upload Ensure lists up to 8 times (the
// propagation wait), each list up to 3 requests: to make it report an error
// while the certificate it uploaded is attached, a schedule must fail every
// one of them. With 4, Ensure always has a way to learn the truth, so such
// an error is a bug, not bad luck.
const ensureFaultBudget = 4

// rotateFaultBudget bounds the faults of TestRotateUnderFaults. Rotate may
// fail under any number of them; what it must not do is lie or strand a user.
const rotateFaultBudget = 5

// faultSchedule draws up to budget failing requests (ServiceFailure,
// Throttling, ConcurrentModification, a dropped connection, a lost response),
// some with 1-3 ms of latency, interleaved with latency-only faults, each
// aimed at one of actions ("" for any request).
func faultSchedule(rng *rand.Rand, actions []string, budget int) []sigcerttest.Fault {
	var out []sigcerttest.Fault
	left := rng.IntN(budget + 1)
	for left > 0 {
		f := sigcerttest.Fault{Action: actions[rng.IntN(len(actions))], Count: 1 + rng.IntN(min(left, 3))}
		switch rng.IntN(5) {
		case 0:
			f.Code = iamspec.CodeServiceFailure
		case 1:
			f.Code = iamspec.CodeThrottling
		case 2:
			f.Code = iamspec.CodeConcurrentModification
		case 3:
			f.Drop = true
		case 4:
			f.ApplyThenDrop = true
		}
		if rng.IntN(3) == 0 {
			f.Latency = time.Duration(1+rng.IntN(3)) * time.Millisecond
		}
		left -= f.Count
		out = append(out, f)
		if rng.IntN(4) == 0 {
			out = append(out, sigcerttest.Fault{
				Action:  actions[rng.IntN(len(actions))],
				Count:   1 + rng.IntN(2),
				Latency: time.Duration(1+rng.IntN(3)) * time.Millisecond,
			})
		}
	}
	return out
}

func scheduleString(faults []sigcerttest.Fault) string {
	if len(faults) == 0 {
		return "no faults"
	}
	parts := make([]string, len(faults))
	for i, f := range faults {
		what := "latency"
		switch {
		case f.Drop:
			what = "Drop"
		case f.ApplyThenDrop:
			what = "ApplyThenDrop"
		case f.Code != "":
			what = f.Code
		case f.ApplyThenCode != "":
			what = "ApplyThen" + f.ApplyThenCode
		}
		action := f.Action
		if action == "" {
			action = "any"
		}
		parts[i] = fmt.Sprintf("%s×%d on %s", what, max(f.Count, 1), action)
		if f.Latency > 0 {
			parts[i] += fmt.Sprintf(" +%v", f.Latency)
		}
	}
	return strings.Join(parts, ", ")
}

// logSeedOnFailure says how to rerun a failed seed alone.
func logSeedOnFailure(t *testing.T, seed uint64, faults *[]sigcerttest.Fault, setup *string) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: %s; faults: %s\n\trerun: go test ./sigcert -run '%s$' -v",
				seed, *setup, scheduleString(*faults), t.Name())
		}
	})
}

// certState is what a user holds: certificate id → status and fingerprint.
type certState map[string]certEntry

type certEntry struct {
	Status types.StatusType
	FP     string // SHA-256 of the DER
}

func stateOf(srv *sigcerttest.Server, user string) certState {
	s := certState{}
	for _, c := range srv.Certificates(user) {
		s[*c.CertificateId] = certEntry{c.Status, bodyFingerprint(*c.CertificateBody)}
	}
	return s
}

// reported is the state a report (Rotation.Certificates, ...) describes.
func reported(certs []*sigcert.Certificate) certState {
	s := certState{}
	for _, c := range certs {
		fp := c.Fingerprint
		if fp == "" {
			fp = bodyFingerprint(c.CertificateBody)
		}
		s[c.CertificateID] = certEntry{c.Status, fp}
	}
	return s
}

func (s certState) String() string {
	if len(s) == 0 {
		return "{}"
	}
	var parts []string
	for id, e := range s {
		parts = append(parts, fmt.Sprintf("%s:%s:%.8s", id, e.Status, e.FP))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, " ") + "}"
}

func (s certState) equal(o certState) bool { return len(s) == len(o) && s.String() == o.String() }

func (s certState) clone() certState {
	c := make(certState, len(s))
	for id, e := range s {
		c[id] = e
	}
	return c
}

func (s certState) count(status types.StatusType) int {
	n := 0
	for _, e := range s {
		if e.Status == status {
			n++
		}
	}
	return n
}

// idOf returns the id of the certificate with fingerprint fp, or "".
func (s certState) idOf(fp string) string {
	for id, e := range s {
		if e.FP == fp {
			return id
		}
	}
	return ""
}

// bodyFingerprint is the fingerprint of the DER in the body's first
// CERTIFICATE block, which may be indented.
func bodyFingerprint(body string) string {
	if i := strings.Index(body, "-----BEGIN CERTIFICATE-----"); i >= 0 {
		if b, _ := pem.Decode([]byte(body[i:])); b != nil {
			return fingerprintOf(b.Bytes)
		}
	}
	return "unparsable:" + body
}

// copiesOf counts, over users, the certificates with fingerprint fp.
func copiesOf(srv *sigcerttest.Server, fp string, users ...string) int {
	n := 0
	for _, u := range users {
		for _, e := range stateOf(srv, u) {
			if e.FP == fp {
				n++
			}
		}
	}
	return n
}

// uploadGuard is a double over a Server's client that also catches any
// upload sent for a certificate the target user already holds: on an
// endpoint that does not refuse duplicates, as the local one does, that would
// be a second copy.
type uploadGuard struct {
	*double
	srv    *sigcerttest.Server
	second atomic.Int32
}

func newUploadGuard(srv *sigcerttest.Server) *uploadGuard {
	g := &uploadGuard{double: wrap(srv.Client()), srv: srv}
	g.Before = func(ctx context.Context, op, user string) error {
		if op == iamspec.OpUpload {
			sent := g.Uploads()
			in := sent[len(sent)-1]
			if stateOf(g.srv, user).idOf(bodyFingerprint(aws.ToString(in.CertificateBody))) != "" {
				g.second.Add(1)
			}
		}
		return nil
	}
	return g
}

// checkNoSecondUpload checks that no upload was sent for a certificate the
// user held, and that the SDK retried none behind the Uploader's back: every
// upload the server received since base is one the guard saw.
func checkNoSecondUpload(t *testing.T, g *uploadGuard, base int) {
	t.Helper()
	if n := g.second.Load(); n != 0 {
		t.Errorf("%d uploads sent for a certificate the user already held", n)
	}
	if got, sent := g.srv.Requests(iamspec.OpUpload)-base, g.Calls(iamspec.OpUpload); got != sent {
		t.Errorf("the server received %d uploads, the Uploader sent %d: the SDK retried an upload", got, sent)
	}
}

// injectedFailure reports whether err is one of the failures the schedules
// inject: ServiceFailure, Throttling, ConcurrentModification, or no answer
// (a dropped connection or lost response).
func injectedFailure(err error) bool {
	if errors.Is(err, sigcert.ErrServiceFailure) || errors.Is(err, sigcert.ErrThrottling) || errors.Is(err, sigcert.ErrConcurrentModification) {
		return true
	}
	var se *sigcert.ServiceError
	var ae smithy.APIError
	return errors.As(err, &se) && se.Code == "" && !errors.As(err, &ae) && !errors.Is(err, context.Canceled)
}

func randomStatuses(rng *rand.Rand, n int) []types.StatusType {
	out := make([]types.StatusType, n)
	for i := range out {
		out[i] = types.StatusTypeActive
		if rng.IntN(3) == 0 {
			out[i] = types.StatusTypeInactive
		}
	}
	return out
}

// layouts are bodies of one certificate that Ensure and Rotate must treat as
// the same certificate.
func layouts(c sigcerttest.Cert) []string {
	return []string{c.PEM, crlf(c.PEM), "\n  " + c.PEM + "\n\n"}
}

// attach uploads body to user and sets its status.
func attach(t *testing.T, ep endpoint, user, body string, status types.StatusType) {
	t.Helper()
	up := newUploader(ep)
	c, err := up.Upload(context.Background(), sigcert.Request{UserName: user, CertificateBody: body})
	if err != nil {
		t.Fatal(err)
	}
	if status != types.StatusTypeActive {
		if err := up.SetStatus(context.Background(), user, c.CertificateID, status); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEnsureUnderFaults(t *testing.T) {
	runSeeds(t, faultSeedList(ensureRegressionSeeds), ensureUnderFaults)
}

// runSeeds runs f for each seed as subtest "seed=N", 16 at a time: each has
// its own Server, and most of their time is spent in Ensure's backoff, so
// they need not wait for one another (t.Parallel would run only GOMAXPROCS
// of them at once).
func runSeeds(t *testing.T, seeds []uint64, f func(*testing.T, uint64)) {
	work := make(chan uint64)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range work {
				t.Run(fmt.Sprintf("seed=%d", n), func(t *testing.T) { f(t, n) })
			}
		}()
	}
	for _, n := range seeds {
		work <- n
	}
	close(work)
	wg.Wait()
}

// ensureUnderFaults runs one Ensure for Bob under the faults drawn from seed.
//
// Asserted: Ensure either returns the one copy of the certificate that Bob
// holds (Bob's other certificates, and Alice's, unchanged), or returns an
// error and nobody's certificates changed. It never sends an upload for a
// certificate Bob holds, and the SDK never retries its upload. An error is
// one the schedule injected, or the refusal a fault-free run gives
// (DuplicateCertificate when Alice holds it, LimitExceeded when Bob is full).
// Once the faults are cleared, Ensure through the same Uploader gives the
// fault-free outcome.
//
// One case cannot be helped: when Bob held the certificate before and every
// list fails, Ensure cannot know and returns an error; Bob's certificates are
// still unchanged, which is what is checked.
func ensureUnderFaults(t *testing.T, n uint64) {
	var faults []sigcerttest.Fault
	var setup string
	logSeedOnFailure(t, n, &faults, &setup)

	rng := rand.New(rand.NewPCG(n, 0x5eed_e05e))
	srv := sigcerttest.NewServer("Bob", "Alice")
	t.Cleanup(srv.Close)
	ep := httpEndpoint{srv.Client(), srv}
	want := sigcerttest.NewCert()
	fp := fingerprintOf(want.DER)

	var bobHolds, aliceHolds bool
	switch rng.IntN(8) {
	case 0:
		bobHolds = true
	case 1:
		aliceHolds = true
	}
	others := rng.IntN(3)
	if bobHolds {
		others = min(others, 1)
	}
	seed(t, ep, "Bob", randomStatuses(rng, others)...)
	if bobHolds {
		attach(t, ep, "Bob", want.PEM, randomStatuses(rng, 1)[0])
	}
	if aliceHolds {
		attach(t, ep, "Alice", want.PEM, types.StatusTypeActive)
	}
	var wantErr error // the outcome without faults
	switch {
	case aliceHolds:
		wantErr = sigcert.ErrDuplicateCertificate
	case !bobHolds && others == 2:
		wantErr = sigcert.ErrLimitExceeded
	}
	req := sigcert.Request{UserName: "Bob", CertificateBody: layouts(want)[rng.IntN(3)]}
	var opts []sigcert.Option
	if rng.IntN(2) == 0 {
		opts = append(opts, sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3}))
	}
	faults = faultSchedule(rng, []string{iamspec.OpUpload, iamspec.OpUpload, iamspec.OpList, ""}, ensureFaultBudget)
	setup = fmt.Sprintf("Bob holds %d others, Bob holds it: %v, Alice holds it: %v, %d options", others, bobHolds, aliceHolds, len(opts))

	before, aliceBefore := stateOf(srv, "Bob"), stateOf(srv, "Alice")
	base := srv.Requests(iamspec.OpUpload)
	g := newUploadGuard(srv)
	up := newUploader(g, opts...)
	for _, f := range faults {
		srv.Inject(f)
	}
	got, err := up.Ensure(context.Background(), req)
	srv.ClearFaults()

	checkNoSecondUpload(t, g, base)
	if err != nil && !errors.Is(err, wantErr) && !injectedFailure(err) {
		t.Errorf("Ensure: unexpected error %v (fault-free outcome: %v)", err, wantErr)
	}
	checkEnsured(t, srv, got, err, before, aliceBefore, fp)

	// The same Uploader, the faults gone: the fault-free outcome.
	mid := stateOf(srv, "Bob")
	again, err2 := up.Ensure(context.Background(), req)
	if !errors.Is(err2, wantErr) || (wantErr == nil && err2 != nil) {
		t.Fatalf("Ensure without faults: err = %v, want %v", err2, wantErr)
	}
	checkEnsured(t, srv, again, err2, mid, aliceBefore, fp)
	if err == nil && again.CertificateID != got.CertificateID {
		t.Errorf("rerun returned %s, the first run %s", again.CertificateID, got.CertificateID)
	}
	checkNoSecondUpload(t, g, base)
}

// checkEnsured checks the outcome of one Ensure for Bob of the certificate
// with fingerprint fp, given Bob's and Alice's certificates before it.
func checkEnsured(t *testing.T, srv *sigcerttest.Server, got *sigcert.Certificate, err error, before, aliceBefore certState, fp string) {
	t.Helper()
	after := stateOf(srv, "Bob")
	if n := copiesOf(srv, fp, "Bob", "Alice"); n > 1 {
		t.Fatalf("%d copies of the certificate: Bob %v, Alice %v", n, after, stateOf(srv, "Alice"))
	}
	if a := stateOf(srv, "Alice"); !a.equal(aliceBefore) {
		t.Errorf("Alice's certificates changed: %v → %v", aliceBefore, a)
	}
	if err != nil {
		if !after.equal(before) {
			t.Errorf("Ensure failed (%v) but Bob's certificates changed: %v → %v", err, before, after)
		}
		var se *sigcert.ServiceError
		if !errors.As(err, &se) {
			t.Errorf("Ensure's error is %T, want a *sigcert.ServiceError: %v", err, err)
		}
		return
	}
	if got.UserName != "Bob" || got.Fingerprint != fp {
		t.Errorf("Ensure returned %s's certificate %.8s, want Bob's %.8s", got.UserName, got.Fingerprint, fp)
	}
	id := after.idOf(fp)
	if id == "" || id != got.CertificateID {
		t.Fatalf("Ensure returned %s; Bob holds %v", got.CertificateID, after)
	}
	if after[id].Status != got.Status {
		t.Errorf("Ensure returned status %s, Bob's certificate is %s", got.Status, after[id].Status)
	}
	wantAfter := before.clone()
	if before.idOf(fp) == "" {
		wantAfter[id] = certEntry{types.StatusTypeActive, fp}
	}
	if !after.equal(wantAfter) {
		t.Errorf("Bob's certificates: %v → %v, want %v", before, after, wantAfter)
	}
}

func TestRotateUnderFaults(t *testing.T) {
	runSeeds(t, faultSeedList(rotateRegressionSeeds), rotateUnderFaults)
}

// rotateUnderFaults runs one Rotate for Bob under the faults drawn from seed,
// from a random start (0-2 certificates, Active or Inactive, sometimes the new
// one already attached, as on a rerun) with a random policy.
//
// Asserted, success or not: Bob holds at most one copy of the new
// certificate, no upload was sent for it while he held it, and if Bob had an
// Active certificate he still has one. The steps reported (Rotation.Steps, or
// RotateError.Done) replay from the start state to the final one and obey the
// policy (room is made with an Inactive certificate, an Active one only if
// DeleteActiveForRoom allows and no Inactive one is left; deactivations and
// retiring deletes only after the new certificate is Active). On success
// Rotation.Certificates is the final state. On failure the error is a
// *RotateError; when StateListed its Certificates is the final state,
// otherwise the state its Done steps derive; the final state is the replay of
// Done, or of Done and the Failed step when that step's outcome was unknown
// (an injected failure after a lost response the SDK retried, or NoSuchEntity
// for such a delete that Rotate could not confirm by listing: a confirmed one
// counts as done). Once the faults are cleared, Rotate reruns to completion,
// unless the fault-free rotation is refused (at quota, both Active, no
// permission).
func rotateUnderFaults(t *testing.T, n uint64) {
	var faults []sigcerttest.Fault
	var setup string
	logSeedOnFailure(t, n, &faults, &setup)

	rng := rand.New(rand.NewPCG(n, 0x5eed_0707))
	srv := sigcerttest.NewServer("Bob")
	t.Cleanup(srv.Close)
	ep := httpEndpoint{srv.Client(), srv}
	want := sigcerttest.NewCert()
	fp := fingerprintOf(want.DER)

	statuses := randomStatuses(rng, rng.IntN(3))
	rerunAt := -1
	if len(statuses) > 0 && rng.IntN(5) == 0 {
		rerunAt = rng.IntN(len(statuses))
	}
	for i, st := range statuses {
		if i == rerunAt {
			attach(t, ep, "Bob", want.PEM, st)
		} else {
			seed(t, ep, "Bob", st)
		}
	}
	policy := sigcert.RotatePolicy{Previous: sigcert.Previous(rng.IntN(3)), DeleteActiveForRoom: rng.IntN(2) == 0}
	var opts []sigcert.Option
	if rng.IntN(2) == 0 {
		opts = append(opts, sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3}))
	}
	req := sigcert.Request{UserName: "Bob", CertificateBody: layouts(want)[rng.IntN(3)]}
	faults = faultSchedule(rng, []string{iamspec.OpList, iamspec.OpUpload, iamspec.OpUpdate, iamspec.OpDelete, ""}, rotateFaultBudget)
	initial := stateOf(srv, "Bob")
	setup = fmt.Sprintf("Bob holds %v, policy %+v, %d options", initial, policy, len(opts))
	refused := len(initial) == iamspec.CertificatesPerUser && initial.count(types.StatusTypeActive) == 2 &&
		!policy.DeleteActiveForRoom && initial.idOf(fp) == ""

	base := srv.Requests(iamspec.OpUpload)
	g := newUploadGuard(srv)
	up := newUploader(g, opts...)
	for _, f := range faults {
		srv.Inject(f)
	}
	r, err := up.Rotate(context.Background(), req, policy)
	srv.ClearFaults()
	checkNoSecondUpload(t, g, base)
	checkRotated(t, srv, initial, r, err, policy, fp)
	if err != nil && !injectedFailure(err) && !unconfirmedDelete(err) && !(refused && errors.Is(err, sigcert.ErrLimitExceeded)) {
		t.Errorf("Rotate: unexpected error %v", err)
	}

	mid := stateOf(srv, "Bob")
	r2, err2 := up.Rotate(context.Background(), req, policy)
	checkNoSecondUpload(t, g, base)
	if refused {
		if !errors.Is(err2, sigcert.ErrLimitExceeded) {
			t.Fatalf("rerun without faults: err = %v, want ErrLimitExceeded", err2)
		}
	} else if err2 != nil {
		t.Fatalf("rerun without faults: %v", err2)
	}
	checkRotated(t, srv, mid, r2, err2, policy, fp)
}

// checkRotated checks one Rotate for Bob, started from initial, against the
// server's state.
func checkRotated(t *testing.T, srv *sigcerttest.Server, initial certState, r *sigcert.Rotation, err error, policy sigcert.RotatePolicy, fp string) {
	t.Helper()
	final := stateOf(srv, "Bob")
	if n := copiesOf(srv, fp, "Bob"); n > 1 {
		t.Fatalf("Bob holds %d copies of the new certificate: %v", n, final)
	}
	if initial.count(types.StatusTypeActive) > 0 && final.count(types.StatusTypeActive) == 0 {
		t.Errorf("Bob had an Active certificate and has none: %v → %v", initial, final)
	}
	if err == nil {
		replayed, rerr := replaySteps(initial, r.Steps, policy, fp)
		if rerr != nil {
			t.Fatalf("Rotation.Steps %v from %v: %v", r.Steps, initial, rerr)
		}
		if !replayed.equal(final) {
			t.Errorf("Rotation.Steps %v from %v give %v; Bob holds %v", r.Steps, initial, replayed, final)
		}
		if rep := reported(r.Certificates); !rep.equal(final) {
			t.Errorf("Rotation.Certificates %v; Bob holds %v", rep, final)
		}
		if e, ok := final[r.New.CertificateID]; !ok || e.Status != types.StatusTypeActive || e.FP != fp || r.New.Fingerprint != fp {
			t.Errorf("Rotation.New %s (%.8s); Bob holds %v", r.New.CertificateID, r.New.Fingerprint, final)
		}
		for id, e := range final {
			if id == r.New.CertificateID {
				continue
			}
			switch policy.Previous {
			case sigcert.DeactivatePrevious:
				if e.Status != types.StatusTypeInactive {
					t.Errorf("DeactivatePrevious left %s %s", id, e.Status)
				}
			case sigcert.DeletePrevious:
				t.Errorf("DeletePrevious left %s", id)
			case sigcert.KeepPrevious:
				if initial[id] != e {
					t.Errorf("KeepPrevious changed %s: %v → %v", id, initial[id], e)
				}
			}
		}
		return
	}

	var re *sigcert.RotateError
	if !errors.As(err, &re) {
		t.Fatalf("Rotate's error is %T, want a *sigcert.RotateError: %v", err, err)
	}
	if re.UserName != "Bob" {
		t.Errorf("RotateError.UserName = %q", re.UserName)
	}
	afterDone, rerr := replaySteps(initial, re.Done, policy, fp)
	if rerr != nil {
		t.Fatalf("RotateError.Done %v from %v: %v", re.Done, initial, rerr)
	}
	firstListFailed := re.Failed.Action == "" && len(re.Done) == 0 && !errors.Is(err, sigcert.ErrLimitExceeded)
	switch rep := reported(re.Certificates); {
	case re.StateListed && !rep.equal(final):
		t.Errorf("RotateError.Certificates (listed) %v; Bob holds %v", rep, final)
	case !re.StateListed && !firstListFailed && !rep.equal(afterDone):
		t.Errorf("RotateError.Certificates (derived) %v; Done %v from %v gives %v", rep, re.Done, initial, afterDone)
	}
	if afterDone.equal(final) {
		return
	}
	// The final state may include the failed step, if its outcome was unknown.
	if re.Failed.Action == "" {
		t.Fatalf("RotateError: Done %v from %v gives %v; Bob holds %v (failed: %v)", re.Done, initial, afterDone, final, err)
	}
	failed := re.Failed
	if failed.Action == sigcert.ActionUpload && failed.CertificateID == "" {
		failed.CertificateID = final.idOf(fp)
	}
	withFailed, rerr := replaySteps(initial, append(slices.Clone(re.Done), failed), policy, fp)
	if rerr != nil || !withFailed.equal(final) {
		t.Fatalf("RotateError: Done %v (+ failed %v) from %v gives %v (%v); Bob holds %v", re.Done, re.Failed, initial, withFailed, rerr, final)
	}
	// A step whose response was lost and that the SDK retried fails with
	// the retry's answer: an injected failure, or NoSuchEntity for a delete
	// that Rotate could not confirm by listing.
	if !injectedFailure(err) && !unconfirmedDelete(err) {
		t.Errorf("the failed step %v took effect, but its error cannot come from a lost response: %v", re.Failed, err)
	}
}

// unconfirmedDelete reports whether err is a Rotate that stopped at a delete
// answered NoSuchEntity, which the retry of a lost delete gives, because it
// could not list the user's certificates to confirm the certificate gone.
func unconfirmedDelete(err error) bool {
	var re *sigcert.RotateError
	return errors.As(err, &re) && re.Failed.Action == sigcert.ActionDelete && !re.StateListed &&
		errors.Is(err, sigcert.ErrNoSuchEntity)
}

// ensureRegressionSeeds and rotateRegressionSeeds found bugs, beyond the
// first 200 seeds, and always run.
var (
	// Ensure's last upload landed but its response was lost, and Ensure
	// reported the failure without looking.
	ensureRegressionSeeds = []uint64{208, 2880}
	// A lost delete response, retried by the SDK, answered NoSuchEntity:
	// Rotate failed, reporting "nothing was changed" or leaving the delete
	// out of Done, though the certificate was gone.
	rotateRegressionSeeds = []uint64{2829, 2866, 3000}
)

// faultSeedList is 1..-sigcert.faultseeds and the regression seeds.
func faultSeedList(regressions []uint64) []uint64 {
	var out []uint64
	for n := uint64(1); n <= uint64(*httpFaultSeeds); n++ {
		out = append(out, n)
	}
	for _, n := range regressions {
		if n > uint64(*httpFaultSeeds) {
			out = append(out, n)
		}
	}
	return out
}

// replaySteps applies steps to a copy of s, checking each against it and the
// policy; fp is the new certificate's fingerprint.
func replaySteps(s certState, steps []sigcert.Step, policy sigcert.RotatePolicy, fp string) (certState, error) {
	s = s.clone()
	for _, st := range steps {
		e, exists := s[st.CertificateID]
		newID := s.idOf(fp)
		switch st.Action {
		case sigcert.ActionUpload:
			if exists || newID != "" || st.CertificateID == "" {
				return nil, fmt.Errorf("%v: a second copy, or no id", st)
			}
			if len(s) >= iamspec.CertificatesPerUser {
				return nil, fmt.Errorf("%v: over the quota", st)
			}
			s[st.CertificateID] = certEntry{types.StatusTypeActive, fp}
		case sigcert.ActionActivate:
			if !exists || st.CertificateID != newID {
				return nil, fmt.Errorf("%v: activates something other than the new certificate", st)
			}
			e.Status = types.StatusTypeActive
			s[st.CertificateID] = e
		case sigcert.ActionDeactivate:
			if !exists || st.CertificateID == newID || policy.Previous != sigcert.DeactivatePrevious ||
				newID == "" || s[newID].Status != types.StatusTypeActive {
				return nil, fmt.Errorf("%v: not a retirement after the new certificate is Active", st)
			}
			e.Status = types.StatusTypeInactive
			s[st.CertificateID] = e
		case sigcert.ActionDelete:
			if !exists || st.CertificateID == newID {
				return nil, fmt.Errorf("%v: no such certificate, or the new one", st)
			}
			if newID == "" { // making room
				if e.Status == types.StatusTypeActive && (!policy.DeleteActiveForRoom || s.count(types.StatusTypeInactive) > 0) {
					return nil, fmt.Errorf("%v: deletes an Active certificate to make room", st)
				}
			} else if policy.Previous != sigcert.DeletePrevious || s[newID].Status != types.StatusTypeActive {
				return nil, fmt.Errorf("%v: retires without DeletePrevious, or before the new certificate is Active", st)
			}
			delete(s, st.CertificateID)
		default:
			return nil, fmt.Errorf("unknown step %v", st)
		}
	}
	return s, nil
}
