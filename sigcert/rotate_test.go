package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

func TestRotate(t *testing.T) {
	const A, I = types.StatusTypeActive, types.StatusTypeInactive
	tests := []struct {
		name   string
		before []types.StatusType
		policy sigcert.RotatePolicy
		// steps and final state, with "old0", "old1" for the seeded ids
		// and "new" for the new one
		steps []string
		after []string
	}{
		{"first certificate", nil, sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious},
			[]string{"upload new"}, []string{"new:Active"}},
		{"one active, deactivate", []types.StatusType{A}, sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious},
			[]string{"upload new", "deactivate old0"}, []string{"old0:Inactive", "new:Active"}},
		{"one active, keep", []types.StatusType{A}, sigcert.RotatePolicy{Previous: sigcert.KeepPrevious},
			[]string{"upload new"}, []string{"old0:Active", "new:Active"}},
		{"one active, delete", []types.StatusType{A}, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious},
			[]string{"upload new", "delete old0"}, []string{"new:Active"}},
		{"at quota with an inactive", []types.StatusType{I, A}, sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious},
			[]string{"delete old0", "upload new", "deactivate old1"}, []string{"old1:Inactive", "new:Active"}},
		{"at quota, newer inactive goes first", []types.StatusType{A, I}, sigcert.RotatePolicy{Previous: sigcert.KeepPrevious},
			[]string{"delete old1", "upload new"}, []string{"old0:Active", "new:Active"}},
		{"at quota, two active, allowed", []types.StatusType{A, A}, sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious, DeleteActiveForRoom: true},
			[]string{"delete old0", "upload new", "deactivate old1"}, []string{"old1:Inactive", "new:Active"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
				ids := seed(t, ep, "Bob", tt.before...)
				up := newUploader(ep)
				r, err := up.Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}, tt.policy)
				if err != nil {
					t.Fatalf("Rotate: %v", err)
				}
				names := strings.NewReplacer("old0", at(ids, 0), "old1", at(ids, 1), "new", r.New.CertificateID)
				var wantSteps, wantAfter []string
				for _, s := range tt.steps {
					wantSteps = append(wantSteps, names.Replace(s))
				}
				for _, s := range tt.after {
					wantAfter = append(wantAfter, names.Replace(s))
				}
				if diff := cmp.Diff(wantSteps, actions(r.Steps)); diff != "" {
					t.Errorf("steps (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantAfter, held(ep, "Bob")); diff != "" {
					t.Errorf("endpoint state (-want +got):\n%s", diff)
				}
				var report []string
				for _, c := range r.Certificates {
					report = append(report, c.CertificateID+":"+string(c.Status))
				}
				slices.Sort(report)
				endState := held(ep, "Bob")
				slices.Sort(endState)
				if diff := cmp.Diff(endState, report); diff != "" {
					t.Errorf("reported certificates differ from the endpoint (-endpoint +report):\n%s", diff)
				}
			})
		})
	}
}

func TestRotateAtQuotaWithoutPermissionChangesNothing(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		seed(t, ep, "Bob", types.StatusTypeActive, types.StatusTypeActive)
		before := held(ep, "Bob")
		s := wrap(ep)
		_, err := newUploader(s).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM},
			sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
		var re *sigcert.RotateError
		if !errors.Is(err, sigcert.ErrLimitExceeded) || !errors.As(err, &re) {
			t.Fatalf("err = %v, want a *RotateError matching ErrLimitExceeded", err)
		}
		if len(re.Done) != 0 || !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("Done = %v; message %q", re.Done, err)
		}
		if s.Calls(iamspec.OpUpload)+s.Calls(iamspec.OpDelete)+s.Calls(iamspec.OpUpdate) != 0 {
			t.Errorf("a refused rotation made changes")
		}
		if diff := cmp.Diff(before, held(ep, "Bob")); diff != "" {
			t.Errorf("state changed (-before +after):\n%s", diff)
		}
	})
}

func TestRotateRerunFindsWorkDone(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		body := sigcerttest.NewCert().PEM
		req := sigcert.Request{UserName: "Bob", CertificateBody: body}
		policy := sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}
		first, err := up.Rotate(context.Background(), req, policy)
		if err != nil {
			t.Fatal(err)
		}
		again, err := up.Rotate(context.Background(), req, policy)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Steps) != 0 || again.New.CertificateID != first.New.CertificateID {
			t.Errorf("rerun took steps %v", actions(again.Steps))
		}
		// Left Inactive by a crash or a person: the rerun activates it.
		if err := up.SetStatus(context.Background(), "Bob", first.New.CertificateID, types.StatusTypeInactive); err != nil {
			t.Fatal(err)
		}
		third, err := up.Rotate(context.Background(), req, policy)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"activate " + first.New.CertificateID}, actions(third.Steps)); diff != "" {
			t.Errorf("steps (-want +got):\n%s", diff)
		}
		if h := held(ep, "Bob"); !cmp.Equal(h, []string{first.New.CertificateID + ":Active"}) {
			t.Errorf("Bob holds %v", h)
		}
	})
}

func TestRotateFailedStepReportsState(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		ids := seed(t, ep, "Bob", types.StatusTypeActive)
		s := wrap(ep)
		s.Script(fault{Op: iamspec.OpUpdate, Code: iamspec.CodeServiceFailure, Count: 1000})
		_, err := newUploader(s).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM},
			sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
		var re *sigcert.RotateError
		if !errors.As(err, &re) || !errors.Is(err, sigcert.ErrServiceFailure) {
			t.Fatalf("err = %v, want *RotateError matching ErrServiceFailure", err)
		}
		if re.Failed.Action != sigcert.ActionDeactivate || re.Failed.CertificateID != ids[0] {
			t.Errorf("Failed = %v, want deactivate %s", re.Failed, ids[0])
		}
		if len(re.Done) != 1 || re.Done[0].Action != sigcert.ActionUpload {
			t.Errorf("Done = %v, want the upload", re.Done)
		}
		if !re.StateListed || len(re.Certificates) != 2 {
			t.Fatalf("state: listed=%v %d certificates, want the 2 listed", re.StateListed, len(re.Certificates))
		}
		for _, c := range re.Certificates {
			if c.Status != types.StatusTypeActive {
				t.Errorf("%s is %s, want both still Active", c.CertificateID, c.Status)
			}
			if !strings.Contains(err.Error(), c.CertificateID+" (Active)") {
				t.Errorf("message does not give %s's state: %v", c.CertificateID, err)
			}
		}
	})
}

func TestRotatePreflightRefusalChangesNothing(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		seed(t, ep, "Bob", types.StatusTypeActive)
		s := wrap(ep)
		_, err := newUploader(s).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.ExpiredCert().PEM},
			sigcert.RotatePolicy{Previous: sigcert.DeletePrevious})
		if !errors.Is(err, validate.ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
		if n := s.Calls(iamspec.OpUpload) + s.Calls(iamspec.OpList) + s.Calls(iamspec.OpUpdate) + s.Calls(iamspec.OpDelete); n != 0 {
			t.Errorf("%d calls made for a refused rotation", n)
		}
	})
}

// A delete whose response is lost leaves its outcome unknown: Rotate sends
// it again (a delete is idempotent in effect), and IAM's NoSuchEntity to the
// second, after the first's unknown outcome, says it is gone: Rotate goes on
// and reports the delete as done, whether it made room or retired the
// previous certificate.
func TestRotateLostDeleteResponse(t *testing.T) {
	const A, I = types.StatusTypeActive, types.StatusTypeInactive
	for _, tt := range []struct {
		name   string
		before []types.StatusType
		policy sigcert.RotatePolicy
		steps  []string // "old0", "old1", "new" stand for the ids
		after  []string
	}{
		{"retire", []types.StatusType{A}, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious},
			[]string{"upload new", "delete old0"}, []string{"new:Active"}},
		{"make room", []types.StatusType{I, A}, sigcert.RotatePolicy{Previous: sigcert.KeepPrevious},
			[]string{"delete old0", "upload new"}, []string{"old1:Active", "new:Active"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := sigcerttest.NewServer("Bob")
			defer srv.Close()
			ep := httpEndpoint{srv.Client(), srv}
			ids := seed(t, ep, "Bob", tt.before...)
			srv.Inject(sigcerttest.Fault{Action: iamspec.OpDelete, ApplyThenDrop: true})
			r, err := newUploader(srv.Client()).Rotate(context.Background(),
				sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}, tt.policy)
			if got := srv.Requests(iamspec.OpDelete); got != 2 {
				t.Errorf("%d delete requests, want 2 (the lost one, and the one answered NoSuchEntity)", got)
			}
			if err != nil {
				var re *sigcert.RotateError
				if errors.As(err, &re) {
					t.Fatalf("Rotate: %v (done %v, Bob holds %v)", err, re.Done, held(ep, "Bob"))
				}
				t.Fatalf("Rotate: %v", err)
			}
			names := func(in []string) []string {
				var out []string
				for _, s := range in {
					out = append(out, map[string]string{
						"upload new": "upload " + r.New.CertificateID, "delete old0": "delete " + ids[0],
						"new:Active": r.New.CertificateID + ":Active", "old1:Active": at(ids, 1) + ":Active",
					}[s])
				}
				return out
			}
			if diff := cmp.Diff(names(tt.steps), actions(r.Steps)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names(tt.after), held(ep, "Bob")); diff != "" {
				t.Errorf("Bob holds (-want +got):\n%s", diff)
			}
		})
	}
}

// When Rotate cannot list the user's certificates at all, it knows nothing

// of them, and its message must not claim the user holds none.
func TestRotateUnlistedSaysSo(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	seed(t, httpEndpoint{srv.Client(), srv}, "Bob", types.StatusTypeActive, types.StatusTypeInactive)
	srv.Inject(sigcerttest.Fault{Action: iamspec.OpList, Code: iamspec.CodeServiceFailure, Count: 20})
	_, err := newUploader(srv.Client()).Rotate(context.Background(),
		sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}, sigcert.RotatePolicy{})
	var re *sigcert.RotateError
	if !errors.As(err, &re) || !errors.Is(err, sigcert.ErrServiceFailure) {
		t.Fatalf("err = %v, want a *RotateError matching ErrServiceFailure", err)
	}
	if re.StateListed || re.Certificates != nil || re.Failed.Action != "" || len(re.Done) != 0 {
		t.Errorf("StateListed %v, Certificates %v, Failed %v, Done %v", re.StateListed, re.Certificates, re.Failed, re.Done)
	}
	msg := err.Error()
	if strings.Contains(msg, "no certificates") || !strings.Contains(msg, "could not list the user's certificates") {
		t.Errorf("message %q: Bob holds 2 certificates, which Rotate could not list", msg)
	}
}

// An activation answered 500 and not applied, while the lists are stale (they
// show the new certificate's status from before its latest change: Active):
// Rotate does not take the list's word for it. It sends the activation
// again, and retires the previous certificate only after IAM answers it; with
// no retry left, it stops before retiring anything and says the activation
// failed, so the user keeps an Active certificate either way.
func TestRotateConfirmsActivationByAnswer(t *testing.T) {
	for _, attempts := range []int{4, 1} {
		t.Run(fmt.Sprintf("attempts=%d", attempts), func(t *testing.T) {
			d := newDouble("Bob")
			old := prepare(t, d, "Bob", types.StatusTypeActive)[0]
			target := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256))
			user := "Bob"
			out, err := d.fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{UserName: &user, CertificateBody: &target.PEM})
			if err != nil {
				t.Fatal(err)
			}
			id := *out.Certificate.CertificateId
			if _, err := d.fake.UpdateSigningCertificate(context.Background(), &iam.UpdateSigningCertificateInput{UserName: &user, CertificateId: &id, Status: types.StatusTypeInactive}); err != nil {
				t.Fatal(err)
			}
			armed := false
			d.Before = func(_ context.Context, op, _ string) error {
				if op == iamspec.OpUpdate && !armed {
					armed = true
					d.fake.StaleReads(20) // every later list misses the latest write
				}
				return nil
			}
			d.Script(fault{Op: iamspec.OpUpdate, Kind: refuse, Code: "InternalFailure", Status: 500})
			r, err := newUploader(d, sigcert.WithRetry(sigcert.Backoff{Attempts: attempts})).Rotate(context.Background(),
				sigcert.Request{UserName: "Bob", CertificateBody: target.PEM}, sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious})
			var ep endpoint = d
			if attempts == 1 {
				var re *sigcert.RotateError
				if !errors.As(err, &re) || re.Failed.Action != sigcert.ActionActivate || len(re.Done) != 0 || !sigcert.OutcomeUnknown(err) {
					t.Fatalf("Rotate: %v, %v; want a RotateError whose activation failed with an unknown outcome, nothing done", r, err)
				}
				if n := d.Calls(iamspec.OpUpdate); n != 1 {
					t.Errorf("%d updates, want 1: no deactivation of %s", n, old)
				}
				if diff := cmp.Diff([]string{old + ":Active", id + ":Inactive"}, held(ep, "Bob")); diff != "" {
					t.Errorf("Bob holds (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			if diff := cmp.Diff([]string{"activate " + id, "deactivate " + old}, actions(r.Steps)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if n := d.Calls(iamspec.OpUpdate); n != 3 {
				t.Errorf("%d updates, want 3: the activation twice, then the deactivation", n)
			}
			if diff := cmp.Diff([]string{old + ":Inactive", id + ":Active"}, held(ep, "Bob")); diff != "" {
				t.Errorf("Bob holds (-want +got):\n%s", diff)
			}
		})
	}
}

// A RotateError whose failed step got no definite answer never says that
// nothing was changed: IAM may have applied that step.
func TestRotateErrorSaysAnUncertainStepMayHaveApplied(t *testing.T) {
	upload := sigcert.Step{Action: sigcert.ActionUpload}
	unknown := &sigcert.ServiceError{Operation: "UploadSigningCertificate", Code: "ServiceFailure", StatusCode: 500}
	definite := &sigcert.ServiceError{Operation: "UploadSigningCertificate", Code: "DuplicateCertificate", StatusCode: 409}
	msg := (&sigcert.RotateError{UserName: "Bob", Failed: upload, Err: unknown}).Error()
	if strings.Contains(msg, "nothing was changed") || !strings.Contains(msg, "IAM may have applied the failed step") {
		t.Errorf("after a 500: %q", msg)
	}
	msg = (&sigcert.RotateError{UserName: "Bob", Failed: upload, Err: definite}).Error()
	if !strings.Contains(msg, "nothing was changed") || strings.Contains(msg, "may have applied") {
		t.Errorf("after a 409: %q", msg)
	}
}
