package consumer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// selfSigned makes a certificate valid from notBefore to notAfter, and its
// key in PEM: a user's test has no access to signingcert's internal factory.
func selfSigned(t *testing.T, notBefore, notAfter time.Time) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "consumer"}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))
}

// mockIAM is the user's own mock of the narrow interface.
type mockIAM struct {
	sigcert.API
	calls  int
	answer error
}

func (m *mockIAM) UploadSigningCertificate(_ context.Context, in *iam.UploadSigningCertificateInput, _ ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	m.calls++
	if m.answer != nil {
		return nil, m.answer
	}
	user, id := "Bob", "ASCAEXAMPLECERTIFICATEID01"
	return &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName: &user, CertificateId: &id, CertificateBody: in.CertificateBody, Status: types.StatusTypeActive,
	}}, nil
}

func TestMockedIAM(t *testing.T) {
	now := time.Now()
	valid, key := selfSigned(t, now.Add(-time.Hour), now.Add(time.Hour))
	expired, _ := selfSigned(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	ctx := context.Background()

	refusals := []struct {
		name string
		body string
		want error
	}{
		{"expired", expired, sigcert.ErrMalformedCertificate},
		{"private key", valid + key, sigcert.ErrMalformedCertificate},
		{"16385 characters", strings.Repeat("a", 16385), sigcert.ErrValidation},
	}
	for _, r := range refusals {
		m := &mockIAM{}
		_, err := sigcert.NewUploader(m).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: r.body})
		if !errors.Is(err, r.want) || m.calls != 0 {
			t.Errorf("%s: err = %v after %d calls, want %v and no call", r.name, err, m.calls, r.want)
		}
	}

	// 10000 é is 20000 bytes but 10000 characters: not a length error.
	m := &mockIAM{}
	_, err := sigcert.NewUploader(m).Upload(ctx, sigcert.Request{CertificateBody: strings.Repeat("é", 10000)})
	if errors.Is(err, sigcert.ErrValidation) || errors.Is(err, validate.ErrTooLong) {
		t.Errorf("10000 é: err = %v, want no length error", err)
	}

	m = &mockIAM{answer: &types.DuplicateCertificateException{}}
	_, err = sigcert.NewUploader(m).Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: valid})
	var dup *types.DuplicateCertificateException
	if !errors.Is(err, sigcert.ErrDuplicateCertificate) || !errors.As(err, &dup) || m.calls != 1 {
		t.Errorf("duplicate: err = %v after %d calls", err, m.calls)
	}
}

func TestLocalEndpoint(t *testing.T) {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	up := sigcert.NewUploader(srv.Client())
	now := time.Now()
	body, _ := selfSigned(t, now.Add(-time.Hour), now.Add(time.Hour))
	c, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != types.StatusTypeActive || c.RequestID == "" {
		t.Errorf("uploaded %+v", c)
	}
	if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body}); !errors.Is(err, sigcert.ErrDuplicateCertificate) {
		t.Errorf("second upload: err = %v, want ErrDuplicateCertificate", err)
	}
	if _, err := up.Upload(context.Background(), sigcert.Request{UserName: "Alice", CertificateBody: body}); !errors.Is(err, sigcert.ErrNoSuchEntity) {
		t.Errorf("unknown user: err = %v, want ErrNoSuchEntity", err)
	}
}
