package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// plannedID is the id IAM gives a certificate: base32 of the SHA-1 of its
// DER, as the local IAM reproduces from a recorded answer. A plan's upload
// has no id (IAM assigns it), so a test derives the one the apply will get.
func plannedID(c *certgen.Cert) string { return iammodel.CertificateID(c.DER) }

// planState is what a user holds before the run: a status per certificate,
// in upload order; "mine" marks the entry's own certificate.
type planState []struct {
	mine   bool
	status types.StatusType
}

func holds(spec ...string) planState {
	var s planState
	for _, x := range spec {
		mine := x[0] == '*'
		if mine {
			x = x[1:]
		}
		s = append(s, struct {
			mine   bool
			status types.StatusType
		}{mine, types.StatusType(x)})
	}
	return s
}

// planCase is one user: a state, an entry, and the actions the apply must
// take there (a check on the decision code itself; the test's point is
// that the plan and the apply agree).
type planCase struct {
	state   planState
	mode    fleet.Mode
	pol     sigcert.RotatePolicy
	want    []sigcert.Action // nil with refused: the entry fails
	refused bool
}

const (
	upl = sigcert.ActionUpload
	act = sigcert.ActionActivate
	dea = sigcert.ActionDeactivate
	del = sigcert.ActionDelete
)

func planCases() []planCase {
	keep := sigcert.RotatePolicy{Previous: sigcert.KeepPrevious}
	deact := sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}
	drop := sigcert.RotatePolicy{Previous: sigcert.DeletePrevious}
	room := func(p sigcert.RotatePolicy) sigcert.RotatePolicy { p.DeleteActiveForRoom = true; return p }
	A, I := "Active", "Inactive"
	var cs []planCase
	ensure := []struct {
		s    planState
		want []sigcert.Action
	}{
		{holds(), []sigcert.Action{upl}},
		{holds("*" + A), nil},
		{holds("*" + I), nil}, // Ensure attaches; it does not activate
		{holds(A), []sigcert.Action{upl}},
		{holds(I, "*"+A), nil},
	}
	for _, c := range ensure {
		cs = append(cs, planCase{state: c.s, mode: fleet.Ensure, want: c.want})
	}
	for _, p := range []sigcert.RotatePolicy{keep, deact, drop, room(keep), room(deact), room(drop)} {
		retire := func(ids ...string) []sigcert.Action {
			var out []sigcert.Action
			for _, st := range ids {
				switch {
				case p.Previous == sigcert.DeletePrevious:
					out = append(out, del)
				case p.Previous == sigcert.DeactivatePrevious && st == A:
					out = append(out, dea)
				}
			}
			return out
		}
		cat := func(a ...[]sigcert.Action) []sigcert.Action {
			var out []sigcert.Action
			for _, x := range a {
				out = append(out, x...)
			}
			return out
		}
		one := func(a sigcert.Action) []sigcert.Action { return []sigcert.Action{a} }
		cs = append(cs,
			planCase{state: holds(), pol: p, want: one(upl)},
			planCase{state: holds("*" + A), pol: p},
			planCase{state: holds("*" + I), pol: p, want: one(act)},
			planCase{state: holds(A), pol: p, want: cat(one(upl), retire(A))},
			planCase{state: holds(I), pol: p, want: cat(one(upl), retire(I))},
			planCase{state: holds(A, I), pol: p, want: cat(one(del), one(upl), retire(A))},
			planCase{state: holds(I, I), pol: p, want: cat(one(del), one(upl), retire(I))},
			planCase{state: holds(A, "*"+I), pol: p, want: cat(one(act), retire(A))},
			planCase{state: holds("*"+A, A), pol: p, want: retire(A)},
		)
		if p.DeleteActiveForRoom {
			// The oldest Active goes to make room; the other is retired.
			cs = append(cs, planCase{state: holds(A, A), pol: p, want: cat(one(del), one(upl), retire(A))})
		} else {
			cs = append(cs, planCase{state: holds(A, A), pol: p, refused: true})
		}
	}
	for i := range cs {
		if cs[i].mode == "" {
			cs[i].mode = fleet.Rotate
		}
	}
	return cs
}

// prepare gives the Fake's user the certificates of its state, a minute
// apart on the Fake's clock so that "oldest" means something, and returns
// the entry's own certificate.
func (c planCase) prepare(t *testing.T, fake *sigcerttest.Fake, clock *planClock, user string) *certgen.Cert {
	t.Helper()
	mine := certgen.Valid()
	up := sigcert.NewUploader(fake)
	for _, h := range c.state {
		body := certgen.Valid()
		if h.mine {
			body = mine
		}
		cert, err := up.Upload(context.Background(), sigcert.Request{UserName: user, CertificateBody: body.PEM})
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		if h.status == types.StatusTypeInactive {
			if err := up.SetStatus(context.Background(), user, cert.CertificateID, types.StatusTypeInactive); err != nil {
				t.Fatal(err)
			}
		}
		clock.advance(time.Minute)
	}
	return mine
}

type planClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *planClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *planClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// writes is how many writes the Fake has received.
func writes(f *sigcerttest.Fake) int {
	return f.Requests(fleet.OpUpload) + f.Requests(fleet.OpUpdate) + f.Requests(fleet.OpDelete)
}

func TestDryRunPlanIsWhatTheApplyDoes(t *testing.T) {
	cases := planCases()
	fake := sigcerttest.NewFake()
	clock := &planClock{t: time.Now()}
	fake.SetClock(clock.now)
	entries := make([]fleet.Entry, len(cases))
	mine := make([]*certgen.Cert, len(cases))
	for i, c := range cases {
		user := fmt.Sprintf("u%02d", i)
		fake.AddUser(user)
		mine[i] = c.prepare(t, fake, clock, user)
		entries[i] = fleet.Entry{UserName: user, CertificateBody: mine[i].PEM, Mode: c.mode, Policy: c.pol}
	}
	if c := fake.Requests(""); c == 0 {
		t.Fatal("no setup")
	}

	before, lists := writes(fake), fake.Requests(fleet.OpList)
	plan, err := (&fleet.Runner{API: fake, DryRun: true}).Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(fake); w != before {
		t.Fatalf("the dry run sent %d writes", w-before)
	}
	if got := fake.Requests(fleet.OpList) - lists; got != len(entries) {
		t.Errorf("the dry run sent %d lists for %d entries, want one each", got, len(entries))
	}
	if s := plan.Summary; !s.DryRun || s.Calls[fleet.OpList] != len(entries) || len(s.Calls) != 1 {
		t.Errorf("dry-run summary %+v: want DryRun and only %d lists", s, len(entries))
	}

	applied, err := (&fleet.Runner{API: fake}).Run(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	if applied.Summary.DryRun {
		t.Error("an apply's summary says DryRun")
	}
	for i, c := range cases {
		p, a := plan.Results[i], applied.Results[i]
		name := fmt.Sprintf("%s %s %v %+v", p.UserName, c.mode, c.state, c.pol)
		if p.Status != a.Status {
			t.Errorf("%s: plan says %s, the apply was %s (%v)", name, p.Status, a.Status, a.Err)
		}
		if c.refused {
			if !errors.Is(p.Err, sigcert.ErrLimitExceeded) || !errors.Is(a.Err, sigcert.ErrLimitExceeded) || p.Report == nil || p.Plan != nil {
				t.Errorf("%s: plan err %v (report %v), apply err %v; want both refused at the quota", name, p.Err, p.Report, a.Err)
			}
			continue
		}
		if p.Err != nil || a.Err != nil || p.Plan == nil {
			t.Errorf("%s: plan %v, apply %v", name, p.Err, a.Err)
			continue
		}
		if a.Plan != nil {
			t.Errorf("%s: the apply's Result carries a plan", name)
		}
		// The plan's steps, with the upload's id derived as IAM assigns it.
		var planned []sigcert.Step
		var actions []sigcert.Action
		for _, s := range p.Plan.Steps {
			id := s.CertificateID
			if s.Action == sigcert.ActionUpload {
				if id != "" {
					t.Errorf("%s: a planned upload has id %s", name, id)
				}
				id = plannedID(mine[i])
			}
			planned = append(planned, sigcert.Step{Action: s.Action, CertificateID: id, Why: s.Reason})
			actions = append(actions, s.Action)
		}
		if diff := cmp.Diff(c.want, actions); diff != "" {
			t.Errorf("%s: planned actions (-want +got):\n%s", name, diff)
		}
		var done []sigcert.Step
		if c.mode == fleet.Rotate {
			done = a.Rotation.Steps
		} else if a.Status == fleet.Changed {
			// Ensure reports no steps: its one possible step is the upload
			// of the certificate it returns.
			done = []sigcert.Step{{Action: sigcert.ActionUpload, CertificateID: a.Certificate.CertificateID, Why: p.Plan.Steps[0].Reason}}
		}
		if diff := cmp.Diff(planned, done); diff != "" {
			t.Errorf("%s: plan vs apply (-plan +apply):\n%s", name, diff)
		}
		if len(p.Plan.Steps) == 0 && (p.Plan.Holding == nil || p.Certificate != p.Plan.Holding || a.Certificate.CertificateID != p.Plan.Holding.CertificateID) {
			t.Errorf("%s: nothing planned, but the plan holds %v and the apply ended with %v", name, p.Plan.Holding, a.Certificate)
		}
	}
	if s, d := plan.Summary, applied.Summary; s.Changed != d.Changed || s.Unchanged != d.Unchanged || s.Failed != d.Failed {
		t.Errorf("dry run counted %d changed / %d unchanged / %d failed, the apply %d / %d / %d",
			s.Changed, s.Unchanged, s.Failed, d.Changed, d.Unchanged, d.Failed)
	}
}

func TestDryRunOverHTTPSendsOnlyLists(t *testing.T) {
	srv := sigcerttest.NewServer("Ann", "Ben", "Cy")
	defer srv.Close()
	ctx := context.Background()
	give := func(user string) string {
		out, err := srv.Client().UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String(user), CertificateBody: aws.String(certgen.Valid().PEM)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Certificate.CertificateId)
	}
	old := give("Ann")
	give("Ben")
	give("Ben") // Ben is at the quota with two Active: his entry is refused
	entries := []fleet.Entry{
		{UserName: "Ann", CertificateBody: certgen.Valid().PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeletePrevious}},
		{UserName: "Ben", CertificateBody: certgen.Valid().PEM, Mode: fleet.Rotate, Policy: sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}},
		{UserName: "Cy", CertificateBody: certgen.Valid().PEM, Mode: fleet.Ensure},
	}
	count := func() map[string]int {
		m := map[string]int{}
		for _, op := range []string{fleet.OpList, fleet.OpUpload, fleet.OpUpdate, fleet.OpDelete} {
			m[op] = srv.Requests(op)
		}
		return m
	}
	before := count()
	rep, err := (&fleet.Runner{API: srv.Client(), DryRun: true}).Run(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	after := count()
	if diff := cmp.Diff(map[string]int{fleet.OpList: before[fleet.OpList] + 3, fleet.OpUpload: before[fleet.OpUpload], fleet.OpUpdate: 0, fleet.OpDelete: 0}, after); diff != "" {
		t.Errorf("requests the server received (-want +got):\n%s", diff)
	}
	ann := rep.Results[0].Plan
	if ann == nil || len(ann.Steps) != 2 || ann.Steps[0].Action != sigcert.ActionUpload || ann.Steps[1] != (sigcert.PlanStep{Action: sigcert.ActionDelete, CertificateID: old, Reason: ann.Steps[1].Reason}) || ann.Steps[1].Reason == "" {
		t.Errorf("Ann's plan = %+v, want upload then delete %s", ann, old)
	}
	if r := rep.Results[1]; r.Status != fleet.Failed || !errors.Is(r.Err, sigcert.ErrLimitExceeded) {
		t.Errorf("Ben: %s %v, want refused at the quota", r.Status, r.Err)
	}
	if s := rep.Summary; s.Changed != 2 || s.Failed != 1 || s.Attempts[fleet.OpList] != 3 || len(s.Attempts) != 1 {
		t.Errorf("summary %+v", s)
	}
}
