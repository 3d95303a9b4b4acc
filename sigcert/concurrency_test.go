package sigcert_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

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
	mu     sync.Mutex
	byUser map[string][]int
}

// logged returns a double over api that notes each call in a new callLog.
func logged(api sigcert.API) (*double, *callLog) {
	l := &callLog{byUser: map[string][]int{}}
	d := wrap(api)
	d.Before = func(ctx context.Context, _, user string) error {
		op, ok := ctx.Value(opKey{}).(int)
		if !ok {
			op = -1
		}
		l.mu.Lock()
		l.byUser[user] = append(l.byUser[user], op)
		l.mu.Unlock()
		return nil
	}
	return d, l
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
	certs := make([]sigcerttest.Cert, 8)
	for i := range certs {
		certs[i] = sigcerttest.NewCert()
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
	api, log := logged(srv.Client())
	up := newUploader(api)
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
