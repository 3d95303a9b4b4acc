package sigcert_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// This file plays README's reliability promises against the local IAM's own
// model (internal/iammodel, through sigcerttest), not against a double
// written for the library: the model's propagation delay and stale reads on
// a simulated clock that the model, the Uploader's pre-flight (WithClock)
// and the workflows' waits (WithWait) share, with the model's faults (plain
// 5xx, Throttling, ConcurrentModification, and writes applied then answered
// 500 InternalFailure or 503 ServiceUnavailable). The witness
// (promises_model_test.go) checks the order of requests against the model's
// true state; the tests here check the outcome, the report and the call
// bounds. On the Fake, 200 seeds each by default (-sigcert.modelseeds=N for
// more); over HTTP (a Server and the SDK's client, adding dropped
// connections, lost responses and latency), 40 (-sigcert.modelhttpseeds=N).

var (
	modelSeeds     = flag.Int("sigcert.modelseeds", 200, "how many seeds each model suite runs on the Fake (TestEnsureKeepsPromisesOnModel, TestRotateKeepsPromisesOnModel per policy)")
	modelHTTPSeeds = flag.Int("sigcert.modelhttpseeds", 40, "how many seeds each model suite runs over HTTP")
	// modelStaleStart arms the stale reads before the call instead of
	// after its first change: the workflow then starts on an account whose
	// latest change (the test's setup) lists may not show yet. The promises
	// assume the user's certificates did not change within IAM's
	// propagation delay before the call. A run whose lists, before its
	// first change, did show the account as it is (the stale reads missed
	// nothing that mattered, or were spent) must keep every promise; a run
	// misled by them is counted, with what it broke, not failed (witness.judge).
	modelStaleStart = flag.Bool("sigcert.modelstalestart", false, "arm the model's stale reads before each call, so they hide the setup's latest write; runs misled by that are counted, not failed")
)

// modelFaultBudget is how many requests a schedule fails at most. A
// propagation wait lists 8 times; with at most 5 failures some of its lists
// answer, so the workflow can always learn the truth in the end.
const modelFaultBudget = 5

// modelFace is one face of the local IAM for the suites.
type modelFace struct {
	name string
	http bool
	// open returns the API the workflow calls and the IAM behind it.
	open func(t *testing.T, users ...string) (sigcert.API, unkindIAM)
}

var modelFaces = []modelFace{
	{"fake", false, func(t *testing.T, users ...string) (sigcert.API, unkindIAM) {
		f := sigcerttest.NewFake(users...)
		return f, f
	}},
	{"http", true, func(t *testing.T, users ...string) (sigcert.API, unkindIAM) {
		srv := sigcerttest.NewServer(users...)
		t.Cleanup(srv.Close)
		return srv.Client(), srv
	}},
}

// modelDelay draws the model's propagation delay: none, a few seconds, or up
// to 9 s, below the default window of 10 s (the window is what is promised
// to outlast IAM's delay).
func modelDelay(rng *rand.Rand) time.Duration {
	switch rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return time.Duration(1+rng.IntN(4)) * time.Second
	case 2:
		return 9 * time.Second
	default:
		return time.Duration(rng.Int64N(int64(9*time.Second) + 1)).Truncate(time.Millisecond)
	}
}

// modelFault draws one fault aimed at one of ops ("" for any operation).
// Writes can be applied and then answered 500 or 503; over HTTP their
// answer can also be lost (ApplyThenDrop), any request can be dropped
// before it is handled, and some are slowed by 1-3 ms.
func modelFault(rng *rand.Rand, ops []string, http bool) sigcerttest.Fault {
	f := sigcerttest.Fault{Action: ops[rng.IntN(len(ops))], Count: 1 + rng.IntN(2)}
	write := f.Action != "" && f.Action != iamspec.OpList
	kinds := 8
	if http {
		kinds = 10
	}
	switch k := rng.IntN(kinds); {
	case k == 0:
		f.Code = iamspec.CodeThrottling
	case k == 1:
		f.Code = iamspec.CodeConcurrentModification
	case k == 2:
		f.Code = iamspec.CodeServiceFailure
	case k == 3:
		f.Code = iamspec.CodeInternalFailure
	case k == 4:
		f.Code = iamspec.CodeServiceUnavailable
	case k <= 7 && write:
		f.ApplyThenCode = []string{iamspec.CodeInternalFailure, iamspec.CodeServiceUnavailable}[rng.IntN(2)]
	case k <= 7:
		f.Code = iamspec.CodeInternalFailure
	case k == 8 && write:
		f.ApplyThenDrop = true
	default:
		f.Drop = true
	}
	if http && rng.IntN(4) == 0 {
		f.Latency = time.Duration(1+rng.IntN(3)) * time.Millisecond
	}
	return f
}

// modelSchedule draws faults failing at most budget requests.
func modelSchedule(rng *rand.Rand, ops []string, budget int, http bool) []sigcerttest.Fault {
	var out []sigcerttest.Fault
	for left := rng.IntN(budget + 1); left > 0; {
		f := modelFault(rng, ops, http)
		f.Count = min(f.Count, left)
		left -= f.Count
		out = append(out, f)
	}
	return out
}

// modelCase is one seed's world: the Uploader's options and what is set up.
type modelCase struct {
	attempts int  // the effective retry attempts, A
	limited  bool // the model throttles by its own rate limit
	opts     []sigcert.Option
	delay    time.Duration
	stale    int
	faults   []sigcerttest.Fault
	text     []string // what the seed drew, for the failure message
}

func (c *modelCase) String() string {
	return strings.Join(c.text, "; ") + "; faults: " + scheduleString(c.faults)
}

// modelFigures counts, per suite, the runs and the uploads of a certificate
// the user held that the witness excused because no list could have shown
// it (every list since it became visible failed, or was stale), with other
// figures that show what the schedules exercised: the suites log them.
var modelFigures = &figures{runs: map[string]int{}, excused: map[string]int{}, blinds: map[string]int{},
	appliedErr: map[string]int{}, failed: map[string]int{}, waited: map[string]time.Duration{},
	states: map[string]map[sigcert.RotateState]int{}, misled: map[string]int{}, broken: map[string]map[string]int{}}

type figures struct {
	mu                    sync.Mutex
	runs, excused, blinds map[string]int
	appliedErr, failed    map[string]int
	waited                map[string]time.Duration
	states                map[string]map[sigcert.RotateState]int
	// misled counts the runs whose first lists did not show the setup's
	// latest change; broken counts, by kind, the promises they broke.
	misled map[string]int
	broken map[string]map[string]int
}

// idsAndTimes are what varies between messages of one kind.
var idsAndTimes = regexp.MustCompile(`^at [0-9:.]+: |[A-Z2-7]{32}|[0-9]+`)

// outside counts a broken promise of a misled run, which the promises do
// not cover, by its kind (the message without ids and numbers).
func (f *figures) outside(t *testing.T, suite, msg string) {
	t.Helper()
	t.Logf("outside the promises (the first list was misled): %s", msg)
	kind := idsAndTimes.ReplaceAllString(msg, "")
	if i := strings.IndexAny(kind, ":("); i > 0 {
		kind = kind[:i]
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken[suite] == nil {
		f.broken[suite] = map[string]int{}
	}
	f.broken[suite][strings.TrimSpace(kind)]++
}

// state records the State of a RotateError.
func (f *figures) state(suite string, s sigcert.RotateState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.states[suite] == nil {
		f.states[suite] = map[sigcert.RotateState]int{}
	}
	f.states[suite][s]++
}

// run records one run's figures: the writes applied and answered with an
// error, whether the call failed, and how long it waited on the simulated
// clock.
func (f *figures) run(suite string, w *witness, err error, clock *simClock) {
	waited, _ := clock.total()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.appliedErr[suite] += w.appliedErrors()
	if err != nil {
		f.failed[suite]++
	}
	f.waited[suite] += waited
}

// blind counts a run whose every list failed, so that the workflow could
// not learn the user held the certificate already.
func (f *figures) blind(suite string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blinds[suite]++
}

func (f *figures) add(suite string, excused int, misled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs[suite]++
	f.excused[suite] += excused
	if misled {
		f.misled[suite]++
	}
}

func (f *figures) log(t *testing.T, suite string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t.Logf("%s: %d runs (%d ended in an error), %d writes applied then answered with an error, %v waited on the simulated clock; "+
		"%d uploads of a held certificate before any list could show it (the lists since it became visible failed, or were stale); %d errors while the user held the certificate from the start and every list failed",
		suite, f.runs[suite], f.failed[suite], f.appliedErr[suite], f.waited[suite].Round(time.Second), f.excused[suite], f.blinds[suite])
	if f.misled[suite] > 0 {
		kinds := make([]string, 0, len(f.broken[suite]))
		for k, n := range f.broken[suite] {
			kinds = append(kinds, fmt.Sprintf("%d × %s", n, k))
		}
		sort.Strings(kinds)
		t.Logf("%s: %d runs misled by a first list that did not show the setup's latest change (outside the promises); what they broke: %s",
			suite, f.misled[suite], strings.Join(kinds, "; "))
	}
	if st := f.states[suite]; st != nil {
		t.Logf("%s: RotateError states: %d listed, %d derived, %d unknown", suite,
			st[sigcert.RotateStateListed], st[sigcert.RotateStateDerived], st[sigcert.RotateStateUnknown])
	}
}

// drawOptions draws the Uploader's options: the retry budget (more than 4
// is clamped), and sometimes the options that once multiplied calls.
func (c *modelCase) drawOptions(rng *rand.Rand, clock *simClock) {
	asked := []int{1, 2, 3, 4, 4, 4, 6}[rng.IntN(7)]
	c.attempts = min(asked, sigcert.MaxRetryAttempts)
	c.opts = []sigcert.Option{
		sigcert.WithWait(clock.wait), sigcert.WithClock(clock.Now),
		sigcert.WithRetry(sigcert.Backoff{Attempts: asked, Base: 50 * time.Millisecond, Max: time.Second}),
	}
	c.text = append(c.text, fmt.Sprintf("WithRetry %d", asked))
	if rng.IntN(3) == 0 {
		c.opts = append(c.opts,
			sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 4}),
			sigcert.WithAPIOptions(func(o *iam.Options) { o.RetryMaxAttempts = 10 }))
		c.text = append(c.text, "CM retry and SDK attempts 10")
	}
}

// drawAccount draws the account's unkind habits beyond the faults: one of
// the user's other certificates marked Expired (a status IAM lists, that no
// call sets), and a rate limit on the model's clock, so that bursts of
// requests are answered Throttling.
func (c *modelCase) drawAccount(rng *rand.Rand, m unkindIAM, user string, target []byte) {
	if rng.IntN(6) == 0 {
		for _, x := range m.Certificates(user) {
			if string(derOf(deref(x.CertificateBody))) != string(target) {
				m.MarkExpired(user, deref(x.CertificateId))
				c.text = append(c.text, "one other Expired")
				break
			}
		}
	}
	if rng.IntN(5) == 0 {
		rate, burst := []float64{5, 10, 20}[rng.IntN(3)], 3+rng.IntN(4)
		m.SetRateLimit(rate, burst)
		c.limited = true
		c.text = append(c.text, fmt.Sprintf("rate limit %v/s burst %d", rate, burst))
	}
}

// calm ends the account's unkind habits before a rerun: faults, stale
// reads and the rate limit.
func (c *modelCase) calm(m unkindIAM, w *witness) {
	m.ClearFaults()
	w.noStale()
	m.SetRateLimit(0, 0)
}

// hold attaches body to user with status, before the call, with no delay.
func hold(t *testing.T, api sigcert.API, user, body string, status types.StatusType) {
	t.Helper()
	out, err := api.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &body})
	if err != nil {
		t.Fatalf("setting up %s: %v", user, err)
	}
	if status != types.StatusTypeActive {
		if _, err := api.UpdateSigningCertificate(context.Background(), &iam.UpdateSigningCertificateInput{UserName: &user, CertificateId: out.Certificate.CertificateId, Status: status}); err != nil {
			t.Fatalf("setting up %s: %v", user, err)
		}
	}
}

// modelCerts are the certificates the suites use: the one to attach and two
// others a user may hold already. Each seed has a fresh IAM, so they are
// made once.
type modelCerts struct {
	target sigcerttest.Cert
	others [2]sigcerttest.Cert
}

func newModelCerts() modelCerts {
	k := sigcerttest.WithKey(sigcerttest.ECDSAP256)
	return modelCerts{sigcerttest.NewCert(k), [2]sigcerttest.Cert{sigcerttest.NewCert(k), sigcerttest.NewCert(k)}}
}

// startClock returns a simulated clock at the real time, so that the
// certificates' validity windows (an hour back, a year ahead) hold on it.
func startClock() *simClock { return &simClock{now: time.Now().UTC().Truncate(time.Millisecond)} }

// seedsFor returns the seeds a suite runs on face.
func seedsFor(face modelFace) []uint64 {
	if face.http {
		return seedList(*modelHTTPSeeds)
	}
	return seedList(*modelSeeds)
}

// runModelSeeds runs f per seed: on the Fake one after another (the runs
// take no real time), over HTTP 16 at a time.
func runModelSeeds(t *testing.T, face modelFace, f func(t *testing.T, seed uint64)) {
	if face.http {
		runSeeds(t, seedsFor(face), f)
		return
	}
	for _, seed := range seedsFor(face) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { f(t, seed) })
	}
}

// TestEnsureKeepsPromisesOnModel: under random schedules of IAM's failures,
// with the model's propagation delay (up to 9 s) and stale reads, Ensure
// never uploads a certificate the user holds while a list could have shown
// it, never reports an error while the user holds the certificate, returns
// the certificate the user holds when it succeeds, changes nothing else,
// makes at most A uploads and 1+8A lists (each at most 3 HTTP requests), and
// a rerun once the delay has passed uploads nothing. Outside the promise, and
// counted: an error while Bob held the certificate from the start and every
// list in the budget failed (Ensure never learnt it), and, with
// -sigcert.modelstalestart, runs whose first lists missed the setup's latest
// change (see TestRotateKeepsPromisesOnModel).
func TestEnsureKeepsPromisesOnModel(t *testing.T) {
	certs := newModelCerts()
	for _, face := range modelFaces {
		t.Run(face.name, func(t *testing.T) {
			runModelSeeds(t, face, func(t *testing.T, seed uint64) { ensureOnModel(t, face, certs, seed) })
			modelFigures.log(t, "ensure/"+face.name)
		})
	}
}

func ensureOnModel(t *testing.T, face modelFace, certs modelCerts, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d6f64656c))
	var c modelCase
	what := ""
	onFailure(t, seed, &what)
	clock := startClock()
	api, m := face.open(t, "Bob", "Alice")
	m.SetClock(clock.Now)
	c.drawOptions(rng, clock)

	target := certs.target
	// Bob is full (the fault-free answer is LimitExceeded) in one run in
	// four, so that most runs have an upload to make.
	others := []int{0, 1, 1, 2}[rng.IntN(4)]
	bobHolds, aliceHolds := false, false
	switch rng.IntN(6) {
	case 0:
		bobHolds, others = true, min(others, 1)
	case 1:
		aliceHolds = true
	}
	for i := range others {
		hold(t, api, "Bob", certs.others[i].PEM, []types.StatusType{types.StatusTypeActive, types.StatusTypeInactive}[rng.IntN(2)])
	}
	if bobHolds {
		hold(t, api, "Bob", target.PEM, []types.StatusType{types.StatusTypeActive, types.StatusTypeInactive}[rng.IntN(2)])
	}
	if aliceHolds {
		hold(t, api, "Alice", target.PEM, types.StatusTypeActive)
	}
	var wantErr error // the outcome with no faults
	switch {
	case aliceHolds:
		wantErr = sigcert.ErrDuplicateCertificate
	case !bobHolds && others == 2:
		wantErr = sigcert.ErrLimitExceeded
	}
	body := target.PEM
	if rng.IntN(3) == 0 {
		body = strings.ReplaceAll(body, "\n", "\r\n")
	}
	c.delay, c.stale = modelDelay(rng), rng.IntN(4)
	c.faults = modelSchedule(rng, []string{iamspec.OpUpload, iamspec.OpUpload, iamspec.OpList, ""}, modelFaultBudget, face.http)
	c.drawAccount(rng, m, "Bob", target.DER)
	c.text = append(c.text, fmt.Sprintf("Bob holds %d others, Bob holds it %v, Alice holds it %v, delay %v, %d stale reads after the first write",
		others, bobHolds, aliceHolds, c.delay, c.stale))
	what = c.String()

	before, aliceBefore := trueState(m, "Bob"), trueState(m, "Alice")
	baseUploads, baseLists := m.Requests(iamspec.OpUpload), m.Requests(iamspec.OpList)
	w := newWitness(api, m, clock, "Bob", target.DER, c.delay, c.stale)
	up := sigcert.NewUploader(w, c.opts...)
	m.SetPropagationDelay(c.delay)
	for _, f := range c.faults {
		m.Inject(f)
	}
	got, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
	m.ClearFaults()
	suite := "ensure/" + face.name
	w.report(t, suite)
	judge := w.judge(t, suite)
	uploads, lists := m.Requests(iamspec.OpUpload)-baseUploads, m.Requests(iamspec.OpList)-baseLists

	_, held := w.holding()
	id := targetID(m, target.DER, "Bob")
	calls, excused, _ := w.counts()
	// The one case that cannot be helped: Bob held the certificate before
	// the call, and every list Ensure could make within its budget failed,
	// so it never learnt so and sent nothing. (On the Fake each list is one
	// request; over HTTP the SDK retries it, so it takes three faults.)
	blind := bobHolds && calls["upload"] == 0 && w.answeredLists() == 0 && sigcert.OutcomeUnknown(err)
	switch {
	case err != nil && held && blind:
		modelFigures.blind("ensure/" + face.name)
	case err != nil && held:
		judge("Ensure reported %v while Bob holds the certificate (%s)", err, id)
	case err != nil && !errors.Is(err, wantErr) && !sigcert.OutcomeUnknown(err):
		judge("Ensure: %v is neither an unknown outcome nor the fault-free answer (%v)", err, wantErr)
	case err == nil && !held:
		t.Errorf("Ensure succeeded (%s) but Bob does not hold the certificate", got.CertificateID)
	case err == nil && got.CertificateID != id:
		t.Errorf("Ensure returned %s, Bob holds the certificate as %s", got.CertificateID, id)
	}
	if after := trueState(m, "Bob").without(id); !after.equal(before.without(id)) {
		t.Errorf("Bob's other certificates changed: %v, before %v", after, before)
	}
	if a := trueState(m, "Alice"); !a.equal(aliceBefore) {
		t.Errorf("Alice's certificates changed: %v, before %v", a, aliceBefore)
	}
	maxLists := 1 + 8*c.attempts
	if uploads > c.attempts || calls["list"] > maxLists || lists > 3*maxLists {
		t.Errorf("%d uploads and %d list calls (%d requests); bounds %d, %d (%d)", uploads, calls["list"], lists, c.attempts, maxLists, 3*maxLists)
	}
	checkRequestsPerCall(t, calls, map[string]int{"upload": uploads, "list": lists})
	if aliceHolds && len(c.faults) == 0 && !c.limited {
		// Nothing uncertain: Alice's certificate is reported at once, after
		// one more list and no wait.
		waited, _ := clock.total()
		if !errors.Is(err, sigcert.ErrDuplicateCertificate) || waited != 0 || calls["upload"] != 1 || calls["list"] != 2 {
			t.Errorf("Alice holds it, no faults: %v after %v waited, %d uploads, %d lists; want DuplicateCertificate at once, 1 upload, 2 lists",
				err, waited, calls["upload"], calls["list"])
		}
	}
	modelFigures.add(suite, excused, w.wasMisled())
	modelFigures.run(suite, w, err, clock)

	// Once the delay has passed, with no faults and no stale reads left
	// (the model's stale reads miss the latest write however old it is):
	// the fault-free outcome, and no upload of a certificate Bob holds (the
	// witness checks).
	_ = clock.wait(context.Background(), c.delay+time.Second)
	c.calm(m, w)
	w.nextCall()
	again, err2 := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
	w.report(t, suite)
	switch {
	case held && (err2 != nil || again.CertificateID != id):
		t.Errorf("rerun: %v, %v; want the certificate Bob holds, %s", again, err2, id)
	case !held && !errors.Is(err2, wantErr):
		t.Errorf("rerun without faults: %v, want %v", err2, wantErr)
	}
}

// TestRotateKeepsPromisesOnModel: under random schedules of IAM's failures,
// with the model's propagation delay (up to 9 s) and stale reads, for each
// policy, Rotate
//
//   - never uploads a certificate the user holds while a list could have
//     shown it, never retires an old certificate before the new one is
//     Active, never deletes an Active one the policy protects (the witness);
//   - leaves a user who had an Active certificate with one;
//   - when it succeeds, leaves the new certificate Active, the others as
//     the policy says, and reports exactly what the user holds;
//   - when it fails, returns a *RotateError whose report is true: never "the
//     upload failed" or "nothing done" while the user holds the new
//     certificate it attached; Certificates as a list shows them now
//     (RotateStateListed), or as the model holds them but for the failed
//     step's own effect (RotateStateDerived), or nil (RotateStateUnknown);
//   - makes at most A uploads, A+3 writes and 8A+26 lists (each at most 3
//     HTTP requests);
//   - when it succeeded, a rerun once the delay has passed changes nothing;
//   - retires a previous certificate only after IAM answered that the new
//     one is Active (the witness: an activation answered 5xx is sent again,
//     not taken as done from a list that may be stale).
//
// The promises assume the user's certificates did not change within IAM's
// propagation delay before the call. With -sigcert.modelstalestart the
// first lists may miss the setup's latest change; a run they misled (a list
// before its first change showed the user's certificates other than they
// were) is counted with what it broke, and every other run is held to all of
// the above. The bounds hold for every run.
func TestRotateKeepsPromisesOnModel(t *testing.T) {
	certs := newModelCerts()
	for _, face := range modelFaces {
		t.Run(face.name, func(t *testing.T) {
			if face.http {
				// Over HTTP, one suite with the policy drawn per seed.
				runModelSeeds(t, face, func(t *testing.T, seed uint64) {
					p := sigcert.RotatePolicy{Previous: sigcert.Previous(seed % 3), DeleteActiveForRoom: seed%2 == 0}
					rotateOnModel(t, face, certs, p, seed)
				})
				modelFigures.log(t, "rotate/"+face.name)
				return
			}
			for _, prev := range []sigcert.Previous{sigcert.KeepPrevious, sigcert.DeactivatePrevious, sigcert.DeletePrevious} {
				for _, room := range []bool{false, true} {
					p := sigcert.RotatePolicy{Previous: prev, DeleteActiveForRoom: room}
					name := prev.String()
					if room {
						name += ",DeleteActiveForRoom" // no regexp metacharacter, so the printed rerun command matches
					}
					t.Run(name, func(t *testing.T) {
						runModelSeeds(t, face, func(t *testing.T, seed uint64) { rotateOnModel(t, face, certs, p, seed) })
					})
				}
			}
			modelFigures.log(t, "rotate/"+face.name)
		})
	}
}

func rotateOnModel(t *testing.T, face modelFace, certs modelCerts, policy sigcert.RotatePolicy, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x726f74617465))
	var c modelCase
	what := ""
	onFailure(t, seed, &what)
	clock := startClock()
	api, m := face.open(t, "Bob", "Alice")
	m.SetClock(clock.Now)
	c.drawOptions(rng, clock)

	target := certs.target
	var before []types.StatusType
	for range rng.IntN(3) {
		before = append(before, []types.StatusType{types.StatusTypeActive, types.StatusTypeInactive}[rng.IntN(2)])
	}
	bobHolds, aliceHolds := false, false
	switch rng.IntN(8) {
	case 0, 1:
		bobHolds = len(before) < 2 // a rerun after a crash
	case 2:
		aliceHolds = true
	}
	for i, st := range before {
		hold(t, api, "Bob", certs.others[i].PEM, st)
	}
	targetStatus := types.StatusType("")
	if bobHolds {
		targetStatus = []types.StatusType{types.StatusTypeActive, types.StatusTypeInactive}[rng.IntN(2)]
		hold(t, api, "Bob", target.PEM, targetStatus)
	}
	if aliceHolds {
		hold(t, api, "Alice", target.PEM, types.StatusTypeActive)
	}
	c.delay, c.stale = modelDelay(rng), rng.IntN(4)
	ops := []string{iamspec.OpUpload, iamspec.OpList, iamspec.OpUpdate, iamspec.OpDelete, ""}
	c.faults = modelSchedule(rng, ops, modelFaultBudget, face.http)
	c.drawAccount(rng, m, "Bob", target.DER)
	hadActive := false
	for _, st := range trueState(m, "Bob") {
		hadActive = hadActive || st == types.StatusTypeActive
	}
	c.text = append(c.text, fmt.Sprintf("policy %+v, Bob holds %v and the new one %q, Alice holds it %v, delay %v, %d stale reads after the first write",
		policy, before, targetStatus, aliceHolds, c.delay, c.stale))
	what = c.String()

	initial := trueState(m, "Bob")
	base := map[string]int{}
	for _, op := range []string{iamspec.OpUpload, iamspec.OpUpdate, iamspec.OpDelete, iamspec.OpList} {
		base[op] = m.Requests(op)
	}
	w := newWitness(api, m, clock, "Bob", target.DER, c.delay, c.stale)
	w.policy = &policy
	up := sigcert.NewUploader(w, c.opts...)
	m.SetPropagationDelay(c.delay)
	for _, f := range c.faults {
		m.Inject(f)
	}
	r, err := up.Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: target.PEM}, policy)
	m.ClearFaults()
	suite := "rotate/" + face.name
	w.report(t, suite)
	judge := w.judge(t, suite)
	requests := map[string]int{}
	for k, op := range map[string]string{"upload": iamspec.OpUpload, "update": iamspec.OpUpdate, "delete": iamspec.OpDelete, "list": iamspec.OpList} {
		requests[k] = m.Requests(op) - base[op]
	}
	// The bounds hold whatever the first list showed.
	calls, excused, _ := w.counts()
	uploads, lists := requests["upload"], requests["list"]
	writes := uploads + requests["update"] + requests["delete"]
	maxLists := 8*c.attempts + 26
	if uploads > c.attempts || writes > c.attempts+3 || calls["list"] > maxLists || lists > 3*maxLists {
		t.Errorf("%d uploads, %d writes, %d list calls (%d requests); bounds %d, %d, %d (%d)",
			uploads, writes, calls["list"], lists, c.attempts, c.attempts+3, maxLists, 3*maxLists)
	}
	checkRequestsPerCall(t, calls, requests)
	modelFigures.add(suite, excused, w.wasMisled())
	modelFigures.run(suite, w, err, clock)

	after := trueState(m, "Bob")
	st, held := w.holding()
	id := targetID(m, target.DER, "Bob")
	active := 0
	for _, s := range after {
		if s == types.StatusTypeActive {
			active++
		}
	}
	if hadActive && active == 0 {
		judge("Bob had an Active certificate and now has none: %v (initially %v)", after, initial)
	}
	var re *sigcert.RotateError
	switch {
	case err == nil:
		if !held || st != types.StatusTypeActive {
			judge("Rotate succeeded but Bob holds the certificate: %v (%s); Bob holds %v", held, st, after)
			return
		}
		if r.New == nil || r.New.CertificateID != id {
			t.Errorf("Rotation.New is %v, want %s", r.New, id)
		}
		if got := reportedState(r.Certificates); !got.equal(after) {
			judge("Rotation.Certificates %v, Bob holds %v", got, after)
		}
		for oid, s := range after.without(id) {
			switch policy.Previous {
			case sigcert.DeletePrevious:
				judge("DeletePrevious left %s (%s)", oid, s)
			case sigcert.DeactivatePrevious:
				if s == types.StatusTypeActive {
					judge("DeactivatePrevious left %s Active", oid)
				}
			}
		}
	case !errors.As(err, &re):
		t.Fatalf("Rotate: %v is not a *RotateError", err)
	default:
		if held && re.Failed.Action == sigcert.ActionUpload {
			judge("Rotate reported the upload failed (%v) while Bob holds the certificate", err)
		}
		if held && re.Failed.Action == "" && !bobHolds {
			judge("Rotate reported nothing done (%v) while Bob holds the certificate it attached", err)
		}
		checkRotateReport(t, judge, api, m, w, re, id, after)
		modelFigures.state(suite, re.State)
	}

	if err == nil {
		// A rerun, once the delay has passed (and with no stale reads left),
		// finds the work done.
		_ = clock.wait(context.Background(), c.delay+time.Second)
		c.calm(m, w)
		w.nextCall()
		wrote := calls["upload"] + calls["update"] + calls["delete"]
		r2, err2 := up.Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: target.PEM}, policy)
		w.report(t, suite)
		calls2, _, _ := w.counts()
		if err2 != nil || len(r2.Steps) != 0 || calls2["upload"]+calls2["update"]+calls2["delete"] != wrote {
			judge("rerun after success: %v, steps %v, %d writes; want no steps and no writes", err2, r2, calls2["upload"]+calls2["update"]+calls2["delete"]-wrote)
		}
	}
}

// checkRequestsPerCall checks that each write call was one request and each
// list call at most 3, whatever the options (WithAPIOptions asks the SDK
// for 10 attempts in a third of the runs). calls are the calls the witness
// forwarded, requests what the IAM received, by kind.
func checkRequestsPerCall(t *testing.T, calls, requests map[string]int) {
	t.Helper()
	for _, k := range []string{"upload", "update", "delete"} {
		if requests[k] != calls[k] {
			t.Errorf("%d %s calls made %d requests; want one each", calls[k], k, requests[k])
		}
	}
	if requests["list"] > 3*calls["list"] {
		t.Errorf("%d list calls made %d requests; want at most 3 each", calls["list"], requests["list"])
	}
}

// checkRotateReport checks that a RotateError's Certificates are what its
// State says they are. after is the model's true state. errorf reports a
// report that rests on the call's first list (witness.judge).
func checkRotateReport(t *testing.T, errorf func(string, ...any), api sigcert.API, m unkindIAM, w *witness, re *sigcert.RotateError, id string, after idState) {
	t.Helper()
	got := reportedState(re.Certificates)
	_, _, lastStale := w.counts()
	switch re.State {
	case sigcert.RotateStateListed:
		// As a list shows them now (IAM's list may lag a change made just
		// before, as documented); when the model's delay has passed, that
		// is what the user holds.
		if lastStale {
			return // the model's stale read, which the report cannot help
		}
		if now := listedState(t, api, m, "Bob"); !got.equal(now) {
			errorf("RotateStateListed: the report says %v, a list shows %v (Bob holds %v)", got, now, after)
		}
	case sigcert.RotateStateDerived:
		failed := re.Failed.CertificateID
		if re.Failed.Action == sigcert.ActionUpload {
			failed = id
		}
		if !got.without(failed).equal(after.without(failed)) {
			errorf("RotateStateDerived: the report says %v, Bob holds %v (failed step %v)", got, after, re.Failed)
		}
	case sigcert.RotateStateUnknown:
		if re.Certificates != nil {
			t.Errorf("RotateStateUnknown with Certificates %v", got)
		}
	default:
		t.Errorf("State %v", re.State)
	}
	if re.StateListed != (re.State == sigcert.RotateStateListed) {
		t.Errorf("StateListed %v with State %v", re.StateListed, re.State)
	}
}
