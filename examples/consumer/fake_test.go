package consumer

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

func TestRegisterIsSafeToRepeat(t *testing.T) {
	fake := sigcerttest.NewFake("Bob", "Alice")
	s, cert := New(fake), sigcerttest.NewCert().PEM
	first, err := s.Register(context.Background(), "Bob", cert)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.Register(context.Background(), "Bob", cert); err != nil || again != first {
		t.Errorf("second Register = %q, %v; want %q", again, err, first)
	}
	if _, err := s.Register(context.Background(), "Alice", cert); !errors.Is(err, ErrInUse) {
		t.Errorf("Alice: got %v, want ErrInUse", err)
	}
}

func TestRegisterStopsAtTheQuota(t *testing.T) {
	s := New(sigcerttest.NewFake("Bob"))
	for range 2 {
		if _, err := s.Register(context.Background(), "Bob", sigcerttest.NewCert().PEM); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Register(context.Background(), "Bob", sigcerttest.NewCert().PEM); !errors.Is(err, ErrQuotaFull) {
		t.Fatalf("third Register: got %v, want ErrQuotaFull", err)
	}
}

func TestRotateLeavesOneActiveCertificate(t *testing.T) {
	fake := sigcerttest.NewFake("Bob")
	s := New(fake)
	if _, err := s.Register(context.Background(), "Bob", sigcerttest.NewCert().PEM); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the second rotation finds the quota full and deletes the Inactive one
		id, err := s.Rotate(context.Background(), "Bob", sigcerttest.NewCert().PEM)
		if err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
		var active []string
		for _, c := range fake.Certificates("Bob") {
			if c.Status == types.StatusTypeActive {
				active = append(active, *c.CertificateId)
			}
		}
		if len(active) != 1 || active[0] != id || len(fake.Certificates("Bob")) != 2 {
			t.Errorf("rotation %d: active %v of %d, want only %s of 2", i, active, len(fake.Certificates("Bob")), id)
		}
	}
}
