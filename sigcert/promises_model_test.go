package sigcert_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// This file is the witness of the model suites (faults_model_test.go): it
// stands between a workflow and the local IAM (a sigcerttest.Fake, or the
// SDK's client of a sigcerttest.Server) and checks, at the moment each
// request is sent, the promises that are about the order of requests,
// against the model's true state (Certificates), not against what its lagging
// lists show:
//
//   - no upload of a certificate the user already holds, unless no list
//     could have shown it yet (every list since it became visible failed or
//     was stale);
//   - no deactivation or deletion of another certificate before the new one
//     is attached and Active (a delete that makes room under the quota of 2
//     before the upload is allowed);
//   - no deletion of an Active certificate unless the policy allows it.
//
// It also notes whether the call was misled: a list it made before its own
// first change showed the user's certificates other than they are (the
// model's stale read hiding the setup's latest write, with
// -sigcert.modelstalestart). The promises assume the user's certificates
// did not change within IAM's propagation delay before the call; a misled
// run is outside that, and the suites count, rather than fail, the promises
// that rest on the first list (see judge).

// unkindIAM is what the suites need of the local IAM, on either face.
type unkindIAM interface {
	Certificates(user string) []types.SigningCertificate
	Inject(sigcerttest.Fault)
	ClearFaults()
	SetClock(func() time.Time)
	SetPropagationDelay(time.Duration)
	StaleReads(int)
	SetRateLimit(perSecond float64, burst int)
	MarkExpired(user, certificateID string)
	Requests(op string) int
}

var (
	_ unkindIAM = (*sigcerttest.Fake)(nil)
	_ unkindIAM = (*sigcerttest.Server)(nil)
)

// witness is a sigcert.API that forwards to api and checks the promises
// above. Make one with newWitness.
type witness struct {
	api    sigcert.API
	iam    unkindIAM
	clock  *simClock
	user   string
	target []byte        // the DER of the certificate the workflow attaches
	delay  time.Duration // the model's propagation delay
	stale  int           // stale reads armed after the workflow's first write
	// policy is the Rotate policy, nil for Ensure.
	policy *sigcert.RotatePolicy

	mu    sync.Mutex
	armed bool
	// staleLeft is how many stale reads the model still has to give.
	staleLeft int
	// visibleAt is when lists can first show the user holding the target;
	// zero while the user does not hold it.
	visibleAt time.Time
	// sawIt counts fresh lists that answered since visibleAt: lists that
	// could show the user holding the target.
	sawIt      int
	calls      map[string]int
	lastStale  bool // the last list that answered was stale
	answered   int  // lists that answered
	appliedErr int  // writes applied but answered with an error
	excused    int  // uploads of a held target that no list could have prevented
	violations []string
	// changed is set once the workflow's first change is applied.
	changed bool
	// misled is set when a list made before changed showed the user's
	// certificates other than they were.
	misled bool
}

func newWitness(api sigcert.API, m unkindIAM, clock *simClock, user string, target []byte, delay time.Duration, stale int) *witness {
	w := &witness{api: api, iam: m, clock: clock, user: user, target: target, delay: delay, stale: stale, calls: map[string]int{}}
	if *modelStaleStart {
		w.arm()
	}
	if _, held := w.holding(); held {
		w.visibleAt = clock.Now() // set up before the call, with no delay
	}
	return w
}

// derOf returns the DER of a PEM certificate body, or nil.
func derOf(body string) []byte {
	b, _ := pem.Decode([]byte(body))
	if b == nil {
		return nil
	}
	return b.Bytes
}

// holding returns the target's status on the user in the model's true state.
func (w *witness) holding() (types.StatusType, bool) {
	st, _, held := w.held()
	return st, held
}

// held returns the target's status and id on the user in the model's true
// state.
func (w *witness) held() (types.StatusType, string, bool) {
	for _, c := range w.iam.Certificates(w.user) {
		if string(derOf(deref(c.CertificateBody))) == string(w.target) {
			return c.Status, deref(c.CertificateId), true
		}
	}
	return "", "", false
}

func (w *witness) statusOf(id string) (types.StatusType, bool) {
	for _, c := range w.iam.Certificates(w.user) {
		if deref(c.CertificateId) == id {
			return c.Status, true
		}
	}
	return "", false
}

func (w *witness) holds(id string) bool {
	_, ok := w.statusOf(id)
	return ok
}

func (w *witness) violate(format string, args ...any) {
	w.violations = append(w.violations, fmt.Sprintf("at %s: ", w.clock.Now().Format("15:04:05.000"))+fmt.Sprintf(format, args...))
}

// arm makes the model's next w.stale reads stale.
func (w *witness) arm() {
	if !w.armed && w.stale > 0 {
		w.iam.StaleReads(w.stale)
		w.staleLeft = w.stale
	}
	w.armed = true
}

// wrote arms the stale reads after the first write that changed what the
// user holds (before is the true state before it), and notes when the
// target became attached. Callers hold w.mu.
//
// The stale reads follow the workflow's own change: the model's stale read
// hides the user's latest write however old it is, and if that were a
// change made before the call (the test's setup), the workflow would be
// reading an account that had changed just before it started, which no
// list can tell from one it changed itself (see -sigcert.modelstalestart).
func (w *witness) wrote(before idState, err error) {
	if !trueState(w.iam, w.user).equal(before) {
		w.changed = true
		w.arm()
		if err != nil {
			w.appliedErr++
		}
	}
	if _, held := w.holding(); held && w.visibleAt.IsZero() {
		w.visibleAt = w.clock.Now().Add(w.delay)
	} else if !held {
		w.visibleAt, w.sawIt = time.Time{}, 0
	}
}

func (w *witness) UploadSigningCertificate(ctx context.Context, in *iam.UploadSigningCertificateInput, o ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	w.mu.Lock()
	w.calls["upload"]++
	if _, held := w.holding(); held {
		if w.sawIt > 0 {
			w.violate("upload of a certificate the user holds, after %d fresh lists could show it", w.sawIt)
		} else {
			w.excused++
		}
	}
	before := trueState(w.iam, w.user)
	w.mu.Unlock()
	out, err := w.api.UploadSigningCertificate(ctx, in, o...)
	w.mu.Lock()
	w.wrote(before, err)
	w.mu.Unlock()
	return out, err
}

func (w *witness) UpdateSigningCertificate(ctx context.Context, in *iam.UpdateSigningCertificateInput, o ...func(*iam.Options)) (*iam.UpdateSigningCertificateOutput, error) {
	w.mu.Lock()
	w.calls["update"]++
	id := deref(in.CertificateId)
	st, tid, held := w.held()
	switch {
	case w.policy == nil:
		w.violate("Ensure updates %s", id)
	case in.Status != types.StatusTypeInactive:
	case held && id == tid:
		w.violate("deactivates the new certificate %s", id)
	case !held || st != types.StatusTypeActive:
		w.violate("deactivates %s while the new certificate is not Active (held %v, %s)", id, held, st)
	}
	before := trueState(w.iam, w.user)
	w.mu.Unlock()
	out, err := w.api.UpdateSigningCertificate(ctx, in, o...)
	w.mu.Lock()
	w.wrote(before, err)
	w.mu.Unlock()
	return out, err
}

func (w *witness) DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, o ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	w.mu.Lock()
	w.calls["delete"]++
	id := deref(in.CertificateId)
	st, held := w.holding()
	switch {
	case held && st != types.StatusTypeActive:
		w.violate("deletes %s while the new certificate is attached but %s", id, st)
	case w.policy == nil:
		w.violate("Ensure deletes %s", id)
	case !held && len(w.iam.Certificates(w.user)) < 2 && w.holds(id):
		// (Sending again a delete that was applied, whose answer was
		// lost, finds it gone: not a violation.)
		w.violate("deletes %s before the new certificate is attached, with room under the quota", id)
	}
	if cur, ok := w.statusOf(id); ok && cur == types.StatusTypeActive && w.policy != nil {
		room := !held && w.policy.DeleteActiveForRoom
		retire := held && w.policy.Previous == sigcert.DeletePrevious
		if !room && !retire {
			w.violate("deletes Active %s under policy %+v (new certificate held: %v)", id, *w.policy, held)
		}
	}
	before := trueState(w.iam, w.user)
	w.mu.Unlock()
	out, err := w.api.DeleteSigningCertificate(ctx, in, o...)
	w.mu.Lock()
	w.wrote(before, err)
	w.mu.Unlock()
	return out, err
}

func (w *witness) ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, o ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	w.mu.Lock()
	w.calls["list"]++
	w.mu.Unlock()
	out, err := w.api.ListSigningCertificates(ctx, in, o...)
	if err != nil {
		return out, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.answered++
	if !w.changed {
		listed := idState{}
		for _, c := range out.Certificates {
			listed[deref(c.CertificateId)] = c.Status
		}
		if !listed.equal(trueState(w.iam, w.user)) {
			w.misled = true
		}
	}
	w.lastStale = w.staleLeft > 0
	if w.staleLeft > 0 {
		w.staleLeft-- // this list missed the latest write
		return out, err
	}
	if !w.visibleAt.IsZero() && !w.clock.Now().Before(w.visibleAt) {
		w.sawIt++
	}
	return out, err
}

// counts returns the calls the witness forwarded by kind (upload, update,
// delete, list), the uploads of a held certificate it excused, and whether
// the last list that answered was stale.
func (w *witness) counts() (calls map[string]int, excused int, lastStale bool) {
	return w.countsAll()
}

// appliedErrors returns how many writes the model applied that were
// answered with an error.
func (w *witness) appliedErrors() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appliedErr
}

func (w *witness) countsAll() (calls map[string]int, excused int, lastStale bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	calls = map[string]int{}
	for k, v := range w.calls {
		calls[k] = v
	}
	return calls, w.excused, w.lastStale
}

// answeredLists returns how many lists answered.
func (w *witness) answeredLists() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.answered
}

// noStale cancels the model's pending stale reads.
func (w *witness) noStale() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.iam.StaleReads(0)
	w.staleLeft = 0
}

// report fails t with the violations seen, or, for a misled run, counts
// them under suite as outside the promises.
func (w *witness) report(t *testing.T, suite string) {
	t.Helper()
	w.mu.Lock()
	vs, misled := w.violations, w.misled
	w.violations = nil
	w.mu.Unlock()
	for _, v := range vs {
		if misled {
			modelFigures.outside(t, suite, "order: "+v)
			continue
		}
		t.Error(v)
	}
}

// nextCall readies the witness for another call (a rerun): its first lists
// are judged afresh.
func (w *witness) nextCall() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.changed, w.misled = false, false
}

// wasMisled reports whether a list made before the call's first change
// showed the user's certificates other than they were.
func (w *witness) wasMisled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.misled
}

// judge returns the function that reports a broken promise that rests on
// the call's first list: an error, or, when the run was misled (its first
// lists did not show the setup's latest change, which the promises assume
// had propagated), a count under suite of what fails outside the promises.
func (w *witness) judge(t *testing.T, suite string) func(format string, args ...any) {
	misled := w.wasMisled()
	return func(format string, args ...any) {
		t.Helper()
		if misled {
			modelFigures.outside(t, suite, fmt.Sprintf(format, args...))
			return
		}
		t.Errorf(format, args...)
	}
}

// idState is what a user holds: certificate id → status.
type idState map[string]types.StatusType

func (s idState) String() string {
	if len(s) == 0 {
		return "nothing"
	}
	var parts []string
	for id, st := range s {
		parts = append(parts, id+":"+string(st))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func (s idState) equal(o idState) bool { return s.String() == o.String() }

// without returns s without id.
func (s idState) without(id string) idState {
	out := idState{}
	for k, v := range s {
		if k != id {
			out[k] = v
		}
	}
	return out
}

func trueState(m unkindIAM, user string) idState {
	s := idState{}
	for _, c := range m.Certificates(user) {
		s[deref(c.CertificateId)] = c.Status
	}
	return s
}

func reportedState(cs []*sigcert.Certificate) idState {
	s := idState{}
	for _, c := range cs {
		if c != nil {
			s[c.CertificateID] = c.Status
		}
	}
	return s
}

// listedState is what a list of the user shows now, faults and stale reads
// cleared: the model's visible state at this instant of its clock.
func listedState(t *testing.T, api sigcert.API, m unkindIAM, user string) idState {
	t.Helper()
	m.ClearFaults()
	m.StaleReads(0)
	m.SetRateLimit(0, 0)
	out, err := api.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: &user})
	if err != nil {
		t.Fatalf("listing %s after the call: %v", user, err)
	}
	s := idState{}
	for _, c := range out.Certificates {
		s[deref(c.CertificateId)] = c.Status
	}
	return s
}

// targetID is the id the model gives the certificate der: IAM's id is
// derived from the certificate, so it is the same on every user.
func targetID(m unkindIAM, der []byte, users ...string) string {
	for _, u := range users {
		for _, c := range m.Certificates(u) {
			if string(derOf(deref(c.CertificateBody))) == string(der) {
				return deref(c.CertificateId)
			}
		}
	}
	return ""
}

// The witness itself: a client that uploads again after a fresh list showed
// the certificate, or retires the old certificate before the new one is
// Active, or deletes an Active one the policy protects, is caught; the same
// upload with no list able to show it yet is excused.
func TestWitnessCatchesBrokenPromises(t *testing.T) {
	ctx := context.Background()
	user := "Bob"
	target := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256))
	old := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256))
	setup := func(delay time.Duration, policy *sigcert.RotatePolicy) (*witness, *sigcerttest.Fake, *simClock) {
		clock := startClock()
		f := sigcerttest.NewFake(user)
		f.SetClock(clock.Now)
		hold(t, f, user, old.PEM, types.StatusTypeActive)
		f.SetPropagationDelay(delay)
		w := newWitness(f, f, clock, user, target.DER, delay, 0)
		w.policy = policy
		return w, f, clock
	}
	upload := func(w *witness) {
		_, _ = w.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &target.PEM})
	}
	list := func(w *witness) {
		if _, err := w.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: &user}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("upload after a list showed it", func(t *testing.T) {
		w, _, _ := setup(0, nil)
		upload(w)
		list(w)
		upload(w)
		if len(w.violations) != 1 {
			t.Errorf("violations %q, want one", w.violations)
		}
	})
	t.Run("upload before any list could show it", func(t *testing.T) {
		w, _, clock := setup(5*time.Second, nil)
		upload(w)
		list(w) // within the delay: cannot show it
		_ = clock.wait(ctx, time.Second)
		upload(w)
		if _, excused, _ := w.counts(); len(w.violations) != 0 || excused != 1 {
			t.Errorf("violations %q, %d excused; want none and 1", w.violations, excused)
		}
	})
	t.Run("retire before the new one is Active", func(t *testing.T) {
		w, f, _ := setup(0, &sigcert.RotatePolicy{Previous: sigcert.DeletePrevious})
		id := deref(f.Certificates(user)[0].CertificateId)
		_, _ = w.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: &user, CertificateId: &id, Status: types.StatusTypeInactive})
		_, _ = w.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: &user, CertificateId: &id})
		if len(w.violations) != 2 {
			t.Errorf("violations %q, want two", w.violations)
		}
	})
	t.Run("misled by a stale first list", func(t *testing.T) {
		for _, stale := range []int{0, 1} {
			w, f, _ := setup(0, nil)
			f.StaleReads(stale) // misses the setup's upload of old
			list(w)
			if got := w.wasMisled(); got != (stale == 1) {
				t.Errorf("%d stale reads: misled %v", stale, got)
			}
			upload(w) // the call's first change: later lists are the promises' own
			f.StaleReads(1)
			list(w)
			if got := w.wasMisled(); got != (stale == 1) {
				t.Errorf("%d stale reads, then a stale list after the first change: misled %v", stale, got)
			}
		}
	})
	t.Run("delete an Active one the policy protects", func(t *testing.T) {
		w, f, _ := setup(0, &sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
		id := deref(f.Certificates(user)[0].CertificateId)
		upload(w)
		_, _ = w.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: &user, CertificateId: &id})
		if len(w.violations) != 1 {
			t.Errorf("violations %q, want one", w.violations)
		}
	})
}
