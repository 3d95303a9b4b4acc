package sigcert_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// endpoint is a local IAM behind sigcert.API, with a view of its state.
type endpoint interface {
	sigcert.API
	Certificates(userName string) []types.SigningCertificate
}

// faces are the two faces of the local IAM: every workflow test runs on both.
var faces = []struct {
	name string
	new  func(t *testing.T, users ...string) endpoint
}{
	{"fake", func(t *testing.T, users ...string) endpoint { return sigcerttest.NewFake(users...) }},
	{"http", func(t *testing.T, users ...string) endpoint {
		srv := sigcerttest.NewServer(users...)
		t.Cleanup(srv.Close)
		return httpEndpoint{srv.Client(), srv}
	}},
}

type httpEndpoint struct {
	*iam.Client
	srv *sigcerttest.Server
}

func (h httpEndpoint) Certificates(user string) []types.SigningCertificate {
	return h.srv.Certificates(user)
}

// forEachFace runs f on a fresh endpoint of each face with the given users.
func forEachFace(t *testing.T, users []string, f func(t *testing.T, ep endpoint)) {
	for _, face := range faces {
		t.Run(face.name, func(t *testing.T) { f(t, face.new(t, users...)) })
	}
}

// held summarises a user's certificates on the endpoint as "id:Status".
func held(ep endpoint, user string) []string {
	var out []string
	for _, c := range ep.Certificates(user) {
		out = append(out, *c.CertificateId+":"+string(c.Status))
	}
	return out
}

func TestEnsureIsIdempotentAcrossLayouts(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		s := wrap(ep)
		up := newUploader(s)
		c := certgen.Valid()
		first, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{c.PEM, c.CRLF(), "\n  " + c.PEM + "\n\n"} {
			again, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
			if err != nil {
				t.Fatal(err)
			}
			if again.CertificateID != first.CertificateID || again.Fingerprint != first.Fingerprint {
				t.Errorf("Ensure again returned %s, want %s", again.CertificateID, first.CertificateID)
			}
		}
		if n := s.Calls(iamspec.OpUpload); n != 1 {
			t.Errorf("%d uploads, want 1: a held certificate must not be uploaded again", n)
		}
		if got := len(ep.Certificates("Bob")); got != 1 {
			t.Errorf("Bob holds %d certificates, want 1", got)
		}
	})
}

func TestEnsureDuplicateHeldByAnotherUser(t *testing.T) {
	forEachFace(t, []string{"Bob", "Alice"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		body := certgen.Valid().PEM
		if _, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body}); err != nil {
			t.Fatal(err)
		}
		_, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: body})
		var dup *types.DuplicateCertificateException
		if !errors.Is(err, sigcert.ErrDuplicateCertificate) || !errors.As(err, &dup) {
			t.Fatalf("err = %v, want ErrDuplicateCertificate reaching *types.DuplicateCertificateException", err)
		}
		if got := len(ep.Certificates("Alice")); got != 0 {
			t.Errorf("Alice holds %d certificates", got)
		}
	})
}

// A DuplicateCertificate answer for a certificate the user does hold, as
// after a lost response, resolves to the held certificate.
func TestEnsureResolvesDuplicateByListing(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		body := certgen.Valid().PEM
		pre, err := newUploader(ep).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if err != nil {
			t.Fatal(err)
		}
		// The first list misses it (a list made before the lost upload
		// landed); the upload then answers DuplicateCertificate.
		s := wrap(ep)
		s.EmptyLists = 1
		got, err := newUploader(s).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		if got.CertificateID != pre.CertificateID {
			t.Errorf("Ensure returned %s, want the held %s", got.CertificateID, pre.CertificateID)
		}
		if s.Calls(iamspec.OpUpload) != 1 || s.Calls(iamspec.OpList) != 2 {
			t.Errorf("uploads=%d lists=%d, want 1 and 2", s.Calls(iamspec.OpUpload), s.Calls(iamspec.OpList))
		}
	})
}

// After an upload whose outcome is unknown, Ensure lists before uploading
// again, so even an endpoint that does not detect duplicates ends with one
// copy.
func TestEnsureAfterUnknownOutcomeListsFirst(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		body := certgen.Valid().PEM
		// The first upload is applied but its answer is a server failure.
		s := wrap(ep)
		s.Script(fault{Op: iamspec.OpUpload, Kind: applyThen, Code: iamspec.CodeServiceFailure})
		got, err := newUploader(s).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		if s.Calls(iamspec.OpUpload) != 1 {
			t.Errorf("%d uploads, want 1", s.Calls(iamspec.OpUpload))
		}
		if h := held(ep, "Bob"); len(h) != 1 || !strings.HasPrefix(h[0], got.CertificateID) {
			t.Errorf("Bob holds %v, want only %s", h, got.CertificateID)
		}
	})
}

func TestEnsureDefinitiveErrorsAreNotRetried(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		s := wrap(ep)
		_, err := newUploader(s).Ensure(context.Background(), sigcert.Request{UserName: "Nobody", CertificateBody: certgen.Valid().PEM})
		if !errors.Is(err, sigcert.ErrNoSuchEntity) {
			t.Fatalf("err = %v, want ErrNoSuchEntity", err)
		}
		if s.Calls(iamspec.OpUpload) != 0 || s.Calls(iamspec.OpList) != 1 {
			t.Errorf("uploads=%d lists=%d, want 0 and 1", s.Calls(iamspec.OpUpload), s.Calls(iamspec.OpList))
		}
	})
}

func TestListAllPagesWithParsedView(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		a, b := certgen.Valid(), certgen.New(certgen.Options{Key: certgen.ECDSAP256, CommonName: "bob-2"})
		for _, c := range []*certgen.Cert{a, b} {
			if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}); err != nil {
				t.Fatal(err)
			}
		}
		s := wrap(ep)
		s.PageSize = 1
		got, err := newUploader(s).List(context.Background(), "Bob")
		if err != nil {
			t.Fatal(err)
		}
		if s.Calls(iamspec.OpList) != 2 {
			t.Errorf("%d list calls, want 2 pages", s.Calls(iamspec.OpList))
		}
		if len(got) != 2 {
			t.Fatalf("listed %d certificates, want 2", len(got))
		}
		for i, c := range []*certgen.Cert{a, b} {
			if got[i].CertificateBody != c.PEM || got[i].X509 == nil || got[i].ParseError != nil {
				t.Fatalf("certificate %d not parsed: %v", i, got[i].ParseError)
			}
			if got[i].X509.Subject.CommonName != c.X509.Subject.CommonName || !got[i].X509.NotAfter.Equal(c.X509.NotAfter) {
				t.Errorf("certificate %d: parsed view differs", i)
			}
			if got[i].Fingerprint != fingerprintOf(c.DER) {
				t.Errorf("certificate %d: fingerprint %s", i, got[i].Fingerprint)
			}
		}
	})
}

func TestListReportsUnparsableBody(t *testing.T) {
	s := func(v string) *string { return &v }
	api := mock(nil)
	api.ListPage = answer(&iam.ListSigningCertificatesOutput{Certificates: []types.SigningCertificate{
		{UserName: s("Bob"), CertificateId: s("ASCA0123456789ABCDEFGHIJ"), CertificateBody: s("not a certificate"), Status: types.StatusTypeActive},
		{UserName: s("Bob"), CertificateId: s("ASCA0123456789ABCDEFGHIK"), CertificateBody: s(certgen.Valid().PEM), Status: types.StatusTypeInactive},
	}})
	got, err := newUploader(api).List(context.Background(), "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ParseError == nil || got[0].X509 != nil || got[0].Fingerprint != "" {
		t.Errorf("unparsable body: ParseError=%v X509=%v", got[0].ParseError, got[0].X509)
	}
	if got[1].ParseError != nil || got[1].X509 == nil {
		t.Errorf("parsable body after an unparsable one: %v", got[1].ParseError)
	}
}

func TestSetStatusAndDelete(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		up := newUploader(ep)
		ctx := context.Background()
		c, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM})
		if err != nil {
			t.Fatal(err)
		}
		if err := up.SetStatus(ctx, "Bob", c.CertificateID, types.StatusTypeInactive); err != nil {
			t.Fatal(err)
		}
		if h := held(ep, "Bob"); !cmp.Equal(h, []string{c.CertificateID + ":Inactive"}) {
			t.Errorf("after SetStatus Bob holds %v", h)
		}
		checks := []struct {
			name string
			err  error
			want error
		}{
			{"expired status", up.SetStatus(ctx, "Bob", c.CertificateID, types.StatusTypeExpired), sigcert.ErrValidation},
			{"bad id", up.SetStatus(ctx, "Bob", "short", types.StatusTypeActive), sigcert.ErrValidation},
			{"unknown id", up.SetStatus(ctx, "Bob", strings.Repeat("A", 28), types.StatusTypeActive), sigcert.ErrNoSuchEntity},
			{"unknown user", up.Delete(ctx, "Nobody", c.CertificateID), sigcert.ErrNoSuchEntity},
			{"bad user", up.Delete(ctx, "no body", c.CertificateID), sigcert.ErrValidation},
		}
		for _, ch := range checks {
			if !errors.Is(ch.err, ch.want) {
				t.Errorf("%s: err = %v, want %v", ch.name, ch.err, ch.want)
			}
		}
		if err := up.Delete(ctx, "Bob", c.CertificateID); err != nil {
			t.Fatal(err)
		}
		if h := held(ep, "Bob"); len(h) != 0 {
			t.Errorf("after Delete Bob holds %v", h)
		}
		if err := up.Delete(ctx, "Bob", c.CertificateID); !errors.Is(err, sigcert.ErrNoSuchEntity) {
			t.Errorf("second Delete: err = %v, want ErrNoSuchEntity", err)
		}
	})
}

// seed uploads bodies to user and sets the statuses, in order.
func seed(t *testing.T, ep endpoint, user string, statuses ...types.StatusType) []string {
	t.Helper()
	up := newUploader(ep)
	var ids []string
	for _, st := range statuses {
		c, err := up.Upload(context.Background(), sigcert.Request{UserName: user, CertificateBody: certgen.Valid().PEM})
		if err != nil {
			t.Fatal(err)
		}
		if st != types.StatusTypeActive {
			if err := up.SetStatus(context.Background(), user, c.CertificateID, st); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, c.CertificateID)
	}
	return ids
}

func actions(steps []sigcert.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Action)+" "+s.CertificateID)
	}
	return out
}

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
				r, err := up.Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM}, tt.policy)
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

func at(ids []string, i int) string {
	if i < len(ids) {
		return ids[i]
	}
	return "(none)"
}

func TestRotateAtQuotaWithoutPermissionChangesNothing(t *testing.T) {
	forEachFace(t, []string{"Bob"}, func(t *testing.T, ep endpoint) {
		seed(t, ep, "Bob", types.StatusTypeActive, types.StatusTypeActive)
		before := held(ep, "Bob")
		s := wrap(ep)
		_, err := newUploader(s).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM},
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
		body := certgen.Valid().PEM
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
		_, err := newUploader(s).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: certgen.Valid().PEM},
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
		_, err := newUploader(s).Rotate(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: certgen.Expired().PEM},
			sigcert.RotatePolicy{Previous: sigcert.DeletePrevious})
		if !errors.Is(err, validate.ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
		if n := s.Calls(iamspec.OpUpload) + s.Calls(iamspec.OpList) + s.Calls(iamspec.OpUpdate) + s.Calls(iamspec.OpDelete); n != 0 {
			t.Errorf("%d calls made for a refused rotation", n)
		}
	})
}

func TestConcurrentModificationRetry(t *testing.T) {
	body := certgen.Valid().PEM
	ctx := context.Background()
	fast := sigcert.Backoff{Attempts: 3, Base: time.Microsecond}

	s := newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 2})
	if _, err := newUploader(s, sigcert.WithConcurrentModificationRetry(fast)).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: body}); err != nil {
		t.Errorf("two ConcurrentModification then success, 3 attempts: %v", err)
	}
	if s.Calls(iamspec.OpUpload) != 3 {
		t.Errorf("%d attempts, want 3", s.Calls(iamspec.OpUpload))
	}

	s = newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 3})
	_, err := newUploader(s, sigcert.WithConcurrentModificationRetry(fast)).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: body})
	if !errors.Is(err, sigcert.ErrConcurrentModification) || s.Calls(iamspec.OpUpload) != 3 {
		t.Errorf("bounded: err = %v after %d attempts, want ErrConcurrentModification after 3", err, s.Calls(iamspec.OpUpload))
	}

	s = newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 1})
	if _, err := newUploader(s).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: body}); !errors.Is(err, sigcert.ErrConcurrentModification) || s.Calls(iamspec.OpUpload) != 1 {
		t.Errorf("off by default: err = %v after %d attempts", err, s.Calls(iamspec.OpUpload))
	}

	// A long backoff ends with the context.
	s = newDouble("Bob")
	s.Script(fault{Op: iamspec.OpUpload, Code: iamspec.CodeConcurrentModification, Count: 2})
	cctx, cancel := context.WithCancel(ctx)
	slow := sigcert.WithConcurrentModificationRetry(sigcert.Backoff{Attempts: 3, Base: time.Hour, Max: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := newUploader(s, slow).Upload(cctx, sigcert.Request{UserName: "Bob", CertificateBody: body})
		done <- err
	}()
	for s.Calls(iamspec.OpUpload) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, sigcert.ErrConcurrentModification) {
		t.Errorf("cancelled during backoff: err = %v, want the last ConcurrentModification", err)
	}
}

func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// The lost response over HTTP: the endpoint stores the certificate and drops
// the connection before answering. Ensure must not upload a second copy and
// must not report an error while the certificate is attached.
func TestEnsureLostResponseOverHTTP(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenDrop: true})
	c := certgen.Valid()
	got, err := newUploader(srv.Client()).Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
	if err != nil {
		t.Fatalf("Ensure after a lost response: %v", err)
	}
	stored := srv.Certificates("Bob")
	if len(stored) != 1 || *stored[0].CertificateId != got.CertificateID {
		t.Fatalf("Bob holds %d certificates, want exactly the one Ensure returned", len(stored))
	}
	if got.Fingerprint != fingerprintOf(c.DER) {
		t.Errorf("returned certificate is not the one ensured")
	}
	if n := srv.Requests("UploadSigningCertificate"); n != 1 {
		t.Errorf("%d uploads sent, want 1: Ensure must list before uploading again", n)
	}
}
