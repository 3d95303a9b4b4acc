package fleet_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/fleet"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// TestZeroValuesAndOddSettingsAreSafe: zero values, nil pointers and
// settings out of range give a clear error or a working default, never a
// panic.
func TestZeroValuesAndOddSettingsAreSafe(t *testing.T) {
	ctx := context.Background()
	var zero fleet.Runner
	if _, err := zero.Run(ctx, nil); err == nil || !strings.Contains(err.Error(), "no API") {
		t.Errorf("zero Runner: %v", err)
	}
	var nilRunner *fleet.Runner
	if _, err := nilRunner.Run(ctx, nil); err == nil {
		t.Error("nil Runner ran")
	}
	rep, err := (&fleet.Runner{API: sigcerttest.NewFake()}).Run(ctx, nil)
	if err != nil || rep.Summary.Entries != 0 || !rep.Done() {
		t.Errorf("no entries: %v %+v", err, rep)
	}
	var nilReport *fleet.Report
	if nilReport.Done() {
		t.Error("a nil Report is Done")
	}
	if (fleet.Summary{}).TotalCalls() != 0 || (&fleet.InvalidEntriesError{}).Error() == "" {
		t.Error("zero Summary or InvalidEntriesError")
	}

	// Out-of-range settings fall back to their defaults.
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	body := newCerts(1)[0]
	for _, r := range []*fleet.Runner{
		{API: srv.Client(), Concurrency: -3, Rate: math.NaN(), Burst: -1},
		{API: srv.Client(), Rate: math.Inf(1)},
		{API: srv.Client(), Rate: -5, Burst: 1 << 30},
	} {
		rep, err := r.Run(ctx, []fleet.Entry{{UserName: "Bob", CertificateBody: body, Mode: fleet.Ensure}})
		if err != nil || !rep.Done() {
			t.Errorf("Concurrency %d Rate %v Burst %d: %v %+v", r.Concurrency, r.Rate, r.Burst, err, rep.Summary)
		}
	}

	var nilAuditor *fleet.Auditor
	if _, err := nilAuditor.Audit(ctx, "Bob"); err == nil {
		t.Error("nil Auditor audited")
	}
	if _, err := (&fleet.Auditor{}).Audit(ctx); err == nil {
		t.Error("zero Auditor audited")
	}
	aud := &fleet.Auditor{Uploader: sigcert.NewUploader(srv.Client()), ExpiringWithin: -time.Hour, Concurrency: -1}
	if a, err := aud.Audit(ctx, "Bob"); err != nil || a.ExpiringWithinDays != 30 {
		t.Errorf("negative window and concurrency: %v %+v", err, a)
	}
}

// TestAuditRefusesAnEmptyUserName: IAM lists the caller's own certificates
// when UserName is omitted, so an empty name would audit the wrong user
// under the name "". It is refused before anything is sent.
func TestAuditRefusesAnEmptyUserName(t *testing.T) {
	fake := sigcerttest.NewFake("Bob")
	aud := &fleet.Auditor{Uploader: sigcert.NewUploader(fake)}
	_, err := aud.Audit(context.Background(), "Bob", " ")
	if err == nil || !strings.Contains(err.Error(), "user name 2 of 2 is empty") {
		t.Errorf("err %v", err)
	}
	if n := len(fake.Calls()); n != 0 {
		t.Errorf("%d calls sent", n)
	}
}

// TestRateWaitBeyondTheDeadlineIsTheDeadline: when the next token comes
// after ctx's deadline, the limiter refuses at once; the error must match
// context.DeadlineExceeded, as the deadline passing would.
func TestRateWaitBeyondTheDeadlineIsTheDeadline(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	up := sigcert.NewUploader(srv.Client(), sigcert.WithAPIOptions(fleet.RateLimit(0.5, 1))) // starts empty: a token in 2 s
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := up.List(ctx, "Bob")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited > 150*time.Millisecond {
		t.Errorf("waited %v for a token that comes after the deadline", waited)
	}
	if n := srv.Requests(""); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
