package sigcert_test

// Issue 6: provisioning runs unattended, so under faults it must never lose a
// certificate, never upload two, and never report a failure for work it did.
//
// The randomized schedules are reproducible by seed (1 to 200, and the
// regression seeds below):
//
//	go test ./sigcert -run 'TestEnsureUnderFaults/seed=17$' -v
//	go test ./sigcert -run 'UnderFaults' -args -sigcert.faultseeds=3000   # a longer soak

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
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

var faultSeeds = flag.Int("sigcert.faultseeds", 200, "how many seeds TestEnsureUnderFaults and TestRotateUnderFaults run")

// ensureFaultBudget is how many requests a schedule fails at most in
// TestEnsureUnderFaults. Ensure makes up to 4 uploads, each preceded by a
// list, and lists once more after the last. To make it report an error while
// the certificate it uploaded is attached, a schedule must fail one request
// in each round before the lost upload, lose that upload, and fail every list
// after it: 5 faults, in whichever round the loss comes. With 4, Ensure always
// has a way to learn the truth, so such an error is a bug, not bad luck.
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
		}
		action := f.Action
		if action == "" {
			action = "any"
		}
		parts[i] = fmt.Sprintf("%s×%d on %s", what, f.Count, action)
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

// uploadGuard counts the uploads the Uploader sends and catches any sent for
// a certificate the target user already holds: on an endpoint that does not
// refuse duplicates, as the local one does, that would be a second copy.
type uploadGuard struct {
	sigcert.API
	srv     *sigcerttest.Server
	uploads atomic.Int32
	second  atomic.Int32
}

func (g *uploadGuard) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, o ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	g.uploads.Add(1)
	if stateOf(g.srv, aws.ToString(in.UserName)).idOf(bodyFingerprint(aws.ToString(in.CertificateBody))) != "" {
		g.second.Add(1)
	}
	return g.API.UploadSigningCertificate(ctx, in, o...)
}

// checkNoSecondUpload checks that no upload was sent for a certificate the
// user held, and that the SDK retried none behind the Uploader's back: every
// upload the server received since base is one the guard saw.
func checkNoSecondUpload(t *testing.T, g *uploadGuard, base int) {
	t.Helper()
	if n := g.second.Load(); n != 0 {
		t.Errorf("%d uploads sent for a certificate the user already held", n)
	}
	if got, sent := g.srv.Requests(iamspec.OpUpload)-base, int(g.uploads.Load()); got != sent {
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
func layouts(c *certgen.Cert) []string {
	return []string{c.PEM, c.CRLF(), "\n  " + c.PEM + "\n\n"}
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
	want := certgen.Valid()
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
	g := &uploadGuard{API: srv.Client(), srv: srv}
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
	want := certgen.Valid()
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
	g := &uploadGuard{API: srv.Client(), srv: srv}
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
	for n := uint64(1); n <= uint64(*faultSeeds); n++ {
		out = append(out, n)
	}
	for _, n := range regressions {
		if n > uint64(*faultSeeds) {
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

// Cancellation: the endpoint hangs for 5 s on one request; cancelling the
// context must end the call at once with context.Canceled, leave the user's
// certificates as the error says, and leave the Uploader usable.
func TestCancelReturnsPromptly(t *testing.T) {
	const A, I = types.StatusTypeActive, types.StatusTypeInactive
	deactivate := sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}
	upload := func(ctx context.Context, up *sigcert.Uploader, req sigcert.Request) error {
		_, err := up.Upload(ctx, req)
		return err
	}
	ensure := func(ctx context.Context, up *sigcert.Uploader, req sigcert.Request) error {
		_, err := up.Ensure(ctx, req)
		return err
	}
	rotate := func(ctx context.Context, up *sigcert.Uploader, req sigcert.Request) error {
		_, err := up.Rotate(ctx, req, deactivate)
		return err
	}
	tests := []struct {
		name string
		held []types.StatusType // Bob's certificates before
		hang string             // the operation whose request hangs
		call func(context.Context, *sigcert.Uploader, sigcert.Request) error
		done []sigcert.Action // the steps a cancelled Rotate reports done
	}{
		{"Upload", nil, iamspec.OpUpload, upload, nil},
		{"Ensure/list", nil, iamspec.OpList, ensure, nil},
		{"Ensure/upload", []types.StatusType{A}, iamspec.OpUpload, ensure, nil},
		{"Rotate/list", []types.StatusType{A}, iamspec.OpList, rotate, nil},
		{"Rotate/upload after making room", []types.StatusType{I, A}, iamspec.OpUpload, rotate, []sigcert.Action{sigcert.ActionDelete}},
		{"Rotate/deactivate", []types.StatusType{A}, iamspec.OpUpdate, rotate, []sigcert.Action{sigcert.ActionUpload}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sigcerttest.NewServer("Bob")
			t.Cleanup(srv.Close)
			ep := httpEndpoint{srv.Client(), srv}
			seed(t, ep, "Bob", tt.held...)
			initial := stateOf(srv, "Bob")
			c := certgen.Valid()
			req := sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}
			up := newUploader(srv.Client())

			srv.Inject(sigcerttest.Fault{Action: tt.hang, Latency: 5 * time.Second})
			took, err := cancelWhenSent(t, srv, tt.hang, func(ctx context.Context) error { return tt.call(ctx, up, req) })
			if took >= time.Second {
				t.Errorf("returned %v after the cancel, want well under a second", took)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			var re *sigcert.RotateError
			if errors.As(err, &re) {
				var got []sigcert.Action
				for _, s := range re.Done {
					got = append(got, s.Action)
				}
				if !slices.Equal(got, tt.done) {
					t.Errorf("RotateError.Done = %v, want actions %v", re.Done, tt.done)
				}
				afterDone, rerr := replaySteps(initial, re.Done, deactivate, fingerprintOf(c.DER))
				if rerr != nil || !afterDone.equal(stateOf(srv, "Bob")) {
					t.Errorf("Done %v from %v gives %v (%v); Bob holds %v", re.Done, initial, afterDone, rerr, stateOf(srv, "Bob"))
				}
				if re.StateListed || (re.Failed.Action != "" && !reported(re.Certificates).equal(afterDone)) {
					t.Errorf("cancelled: StateListed %v, Certificates %v, want derived %v", re.StateListed, reported(re.Certificates), afterDone)
				}
			} else if tt.done != nil {
				t.Errorf("err is %T, want a *RotateError", err)
			}

			// The same Uploader, the endpoint answering again.
			srv.ClearFaults()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // guards against a stuck user lock
			defer cancel()
			if err := tt.call(ctx, up, req); err != nil {
				t.Fatalf("after the cancel, with the faults cleared: %v", err)
			}
			if n := copiesOf(srv, fingerprintOf(c.DER), "Bob"); n != 1 {
				t.Errorf("Bob holds %d copies, want 1: %v", n, stateOf(srv, "Bob"))
			}
		})
	}
}

// cancelWhenSent runs call with a context it cancels as soon as the server
// has received a request of action, and returns how long call took to
// return after the cancel, and its error.
func cancelWhenSent(t *testing.T, srv *sigcerttest.Server, action string, call func(context.Context) error) (time.Duration, error) {
	t.Helper()
	before := srv.Requests(action)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); srv.Requests(action) == before; time.Sleep(time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("returned before sending %s: %v", action, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s request within 10 s", action)
		}
	}
	start := time.Now()
	cancel()
	err := <-done
	return time.Since(start), err
}

// 64 goroutines run Ensure and Rotate on 4 users with 8 certificates through
// one Uploader over the HTTP endpoint.
func TestConcurrentEnsureAndRotate(t *testing.T) {
	runSeeds(t, []uint64{1, 2, 3}, concurrentWorkflows)
}

type workflowOp struct {
	rotate bool
	user   string
	cert   int
	body   string
	policy sigcert.RotatePolicy

	ensured *sigcert.Certificate
	rotated *sigcert.Rotation
	err     error
}

type opKey struct{}

// callLog records, per user, which operation made each API call, in the
// order the calls were made.
type callLog struct {
	sigcert.API
	mu     sync.Mutex
	byUser map[string][]int
}

func (l *callLog) note(ctx context.Context, user *string) {
	op, ok := ctx.Value(opKey{}).(int)
	if !ok {
		op = -1
	}
	l.mu.Lock()
	l.byUser[aws.ToString(user)] = append(l.byUser[aws.ToString(user)], op)
	l.mu.Unlock()
}

func (l *callLog) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, o ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	l.note(ctx, in.UserName)
	return l.API.UploadSigningCertificate(ctx, in, o...)
}

func (l *callLog) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, o ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	l.note(ctx, in.UserName)
	return l.API.ListSigningCertificates(ctx, in, o...)
}

func (l *callLog) UpdateSigningCertificate(ctx context.Context, in *iam.UpdateSigningCertificateInput, o ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	l.note(ctx, in.UserName)
	return l.API.UpdateSigningCertificate(ctx, in, o...)
}

func (l *callLog) DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, o ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	l.note(ctx, in.UserName)
	return l.API.DeleteSigningCertificate(ctx, in, o...)
}

// concurrentWorkflows runs 64 random Ensure and Rotate calls concurrently.
//
// The Uploader runs the workflows of one user one at a time, so each user's
// API calls come in runs, one operation's calls after another's: the order of
// the runs is the order in which the operations took effect. Asserted:
//   - each user's calls do come in such runs (no interleaving);
//   - replaying the operations in that order from an empty user reproduces
//     every result: a certificate Ensure returns is the one the user holds
//     (same id, status and DER) or a fresh upload under the quota; Rotate's
//     steps are valid and its Rotation.Certificates (or, when listed,
//     RotateError.Certificates) is the replayed state; refusals are the
//     expected ones (DuplicateCertificate for a certificate the user does not
//     hold, LimitExceeded for a full user), and change nothing beyond the
//     steps they report;
//   - the replay ends in each user's final state on the endpoint; every user
//     holds at most 2 certificates, and no DER is on two users.
func concurrentWorkflows(t *testing.T, n uint64) {
	users := []string{"Bob", "Alice", "Carol", "Dave"}
	srv := sigcerttest.NewServer(users...)
	t.Cleanup(srv.Close)
	srv.Inject(sigcerttest.Fault{Latency: time.Millisecond, Count: 64}) // spread the requests out
	certs := make([]*certgen.Cert, 8)
	for i := range certs {
		certs[i] = certgen.Valid()
	}
	rng := rand.New(rand.NewPCG(n, 0xc0c0))
	ops := make([]*workflowOp, 64)
	for i := range ops {
		c := rng.IntN(len(certs))
		ops[i] = &workflowOp{
			rotate: rng.IntN(2) == 0,
			user:   users[rng.IntN(len(users))],
			cert:   c,
			body:   layouts(certs[c])[rng.IntN(3)],
			policy: sigcert.RotatePolicy{Previous: sigcert.Previous(rng.IntN(3)), DeleteActiveForRoom: rng.IntN(2) == 0},
		}
	}
	log := &callLog{API: srv.Client(), byUser: map[string][]int{}}
	up := newUploader(log)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.WithValue(context.Background(), opKey{}, i)
			req := sigcert.Request{UserName: op.user, CertificateBody: op.body}
			<-start
			if op.rotate {
				op.rotated, op.err = up.Rotate(ctx, req, op.policy)
			} else {
				op.ensured, op.err = up.Ensure(ctx, req)
			}
		}()
	}
	close(start)
	wg.Wait()

	seen := map[int]bool{}
	for _, user := range users {
		order := runsOf(t, user, log.byUser[user])
		state := certState{}
		for _, i := range order {
			op := ops[i]
			if op.user != user || seen[i] {
				t.Fatalf("operation %d (%s) made calls for %s, or in two runs", i, op.user, user)
			}
			seen[i] = true
			fp := fingerprintOf(certs[op.cert].DER)
			if op.rotate {
				state = replayRotate(t, i, state, op, fp)
			} else {
				state = replayEnsure(t, i, state, op, fp)
			}
		}
		if final := stateOf(srv, user); !final.equal(state) {
			t.Errorf("%s: the replay of %v ends in %v; the endpoint holds %v", user, order, state, final)
		}
	}
	if len(seen) != len(ops) {
		t.Errorf("%d of %d operations made API calls", len(seen), len(ops))
	}
	owner := map[string]string{}
	for _, user := range users {
		s := stateOf(srv, user)
		if len(s) > iamspec.CertificatesPerUser {
			t.Errorf("%s holds %d certificates", user, len(s))
		}
		for _, e := range s {
			if o, dup := owner[e.FP]; dup {
				t.Errorf("certificate %.8s is on %s and %s", e.FP, o, user)
			}
			owner[e.FP] = user
		}
	}
}

// runsOf turns a user's call log into the order of its operations, failing
// if one operation's calls are split by another's.
func runsOf(t *testing.T, user string, calls []int) []int {
	t.Helper()
	var order []int
	done := map[int]bool{}
	for i, op := range calls {
		if i > 0 && calls[i-1] == op {
			continue
		}
		if done[op] || op < 0 {
			t.Fatalf("%s: the calls of operation %d interleave with others: %v", user, op, calls)
		}
		done[op] = true
		order = append(order, op)
	}
	return order
}

func replayEnsure(t *testing.T, i int, state certState, op *workflowOp, fp string) certState {
	t.Helper()
	heldID := state.idOf(fp)
	switch {
	case op.err == nil:
		c := op.ensured
		if c.UserName != op.user || c.Fingerprint != fp {
			t.Errorf("op %d: Ensure for %s returned %s's %.8s, want %.8s", i, op.user, c.UserName, c.Fingerprint, fp)
		}
		if heldID != "" {
			if c.CertificateID != heldID || c.Status != state[heldID].Status {
				t.Errorf("op %d: Ensure returned %s %s; %s held %v", i, c.CertificateID, c.Status, op.user, state)
			}
			return state
		}
		if _, clash := state[c.CertificateID]; clash || len(state) >= iamspec.CertificatesPerUser || c.Status != types.StatusTypeActive {
			t.Errorf("op %d: Ensure uploaded %s %s onto %v", i, c.CertificateID, c.Status, state)
		}
		next := state.clone()
		next[c.CertificateID] = certEntry{types.StatusTypeActive, fp}
		return next
	case errors.Is(op.err, sigcert.ErrDuplicateCertificate) && heldID == "":
	case errors.Is(op.err, sigcert.ErrLimitExceeded) && heldID == "" && len(state) == iamspec.CertificatesPerUser:
	default:
		t.Errorf("op %d: Ensure for %s with %v: %v", i, op.user, state, op.err)
	}
	return state
}

func replayRotate(t *testing.T, i int, state certState, op *workflowOp, fp string) certState {
	t.Helper()
	if op.err == nil {
		r := op.rotated
		next, err := replaySteps(state, r.Steps, op.policy, fp)
		if err != nil {
			t.Errorf("op %d: Rotate %+v from %v: steps %v: %v", i, op.policy, state, r.Steps, err)
			return state
		}
		if rep := reported(r.Certificates); !rep.equal(next) {
			t.Errorf("op %d: Rotation.Certificates %v, replay %v", i, rep, next)
		}
		if e := next[r.New.CertificateID]; e.FP != fp || e.Status != types.StatusTypeActive {
			t.Errorf("op %d: Rotation.New %s is %v", i, r.New.CertificateID, e)
		}
		return next
	}
	var re *sigcert.RotateError
	if !errors.As(op.err, &re) {
		t.Errorf("op %d: Rotate's error %T: %v", i, op.err, op.err)
		return state
	}
	next, err := replaySteps(state, re.Done, op.policy, fp)
	if err != nil {
		t.Errorf("op %d: Rotate %+v from %v: done %v: %v", i, op.policy, state, re.Done, err)
		return state
	}
	if re.StateListed && !reported(re.Certificates).equal(next) {
		t.Errorf("op %d: RotateError.Certificates %v, replay %v", i, reported(re.Certificates), next)
	}
	switch {
	case errors.Is(re, sigcert.ErrLimitExceeded) && re.Failed.Action == "" && len(re.Done) == 0 &&
		!op.policy.DeleteActiveForRoom && state.count(types.StatusTypeActive) == iamspec.CertificatesPerUser:
	case errors.Is(re, sigcert.ErrDuplicateCertificate) && re.Failed.Action == sigcert.ActionUpload && state.idOf(fp) == "":
	default:
		t.Errorf("op %d: Rotate %+v for %s with %v: %v", i, op.policy, op.user, state, op.err)
	}
	return next
}
