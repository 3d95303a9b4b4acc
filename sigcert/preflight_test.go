package sigcert_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// pfAPI records the bodies it is asked to upload and answers each with the
// certificate as IAM would.
type pfAPI struct {
	sigcert.API
	sent []string
}

func (a *pfAPI) UploadSigningCertificate(_ context.Context, in *iam.UploadSigningCertificateInput, _ ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
	a.sent = append(a.sent, *in.CertificateBody)
	user, id, when := "Bob", "ASCAPREFLIGHTTEST0000001", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return &iam.UploadSigningCertificateOutput{Certificate: &types.SigningCertificate{
		UserName: &user, CertificateId: &id, CertificateBody: in.CertificateBody, Status: types.StatusTypeActive, UploadDate: &when,
	}}, nil
}

// pfClock is inside the window of every certificate in
// validate/testdata/x509 but the expired one.
func pfClock() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }

func goRejected(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "validate", "testdata", "x509", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUploadSendsCertificatesGoRejects: a well-formed certificate Go's
// parser refuses is sent, and the result says why Go refused it, with the
// fingerprint of its DER; Check returns no certificate and no error, and
// CheckDetail the reason.
func TestUploadSendsCertificatesGoRejects(t *testing.T) {
	for _, name := range []string{"negative-serial.pem", "secp256k1.pem", "brainpool.pem", "printable-at.pem",
		"printable-underscore.pem", "universalstring.pem", "uri-san.pem"} {
		t.Run(name, func(t *testing.T) {
			body := goRejected(t, name)
			api := &pfAPI{}
			up := sigcert.NewUploader(api, sigcert.WithClock(pfClock))
			req := sigcert.Request{UserName: "Bob", CertificateBody: body}

			c, err := up.Upload(context.Background(), req)
			if err != nil {
				t.Fatalf("Upload refused it: %v", err)
			}
			if len(api.sent) != 1 || api.sent[0] != body {
				t.Fatalf("sent %d bodies, want this one", len(api.sent))
			}
			block, _ := pem.Decode([]byte(body))
			sum := sha256.Sum256(block.Bytes)
			if c.X509 != nil || !errors.Is(c.ParseError, validate.ErrX509Unsupported) || c.Fingerprint != hex.EncodeToString(sum[:]) {
				t.Errorf("X509 %v, ParseError %v, Fingerprint %q", c.X509, c.ParseError, c.Fingerprint)
			}

			cert, err := up.Check(req)
			if cert != nil || err != nil {
				t.Errorf("Check = %v, %v; want nil, nil", cert, err)
			}
			p, err := up.CheckDetail(req)
			if err != nil || p == nil || p.X509 != nil || !errors.Is(p.X509Error, validate.ErrX509Unsupported) {
				t.Errorf("CheckDetail = %+v, %v", p, err)
			}
		})
	}
}

// TestUploadRefusesExpiredGoRejected: the window of a certificate Go
// refuses is still checked, from its DER, and nothing is sent.
func TestUploadRefusesExpiredGoRejected(t *testing.T) {
	api := &pfAPI{}
	up := sigcert.NewUploader(api, sigcert.WithClock(pfClock))
	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: goRejected(t, "expired-printable-underscore.pem")})
	var pe *sigcert.PreflightError
	if !errors.As(err, &pe) || !errors.Is(err, sigcert.ErrMalformedCertificate) || !errors.Is(err, validate.ErrExpired) {
		t.Fatalf("Upload = %v, want a PreflightError matching ErrExpired", err)
	}
	if len(api.sent) != 0 {
		t.Fatal("sent an expired certificate")
	}
}

// TestUploadFingerprintOfParsedCertificate: for a certificate Go parses,
// the result holds it and no ParseError.
func TestUploadFingerprintOfParsedCertificate(t *testing.T) {
	c := sigcerttest.NewCert()
	got, err := sigcert.NewUploader(&pfAPI{}).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(c.DER)
	if got.X509 == nil || got.ParseError != nil || got.Fingerprint != hex.EncodeToString(sum[:]) {
		t.Errorf("X509 %v, ParseError %v, Fingerprint %q", got.X509, got.ParseError, got.Fingerprint)
	}
}

// TestSkipX509ChecksStillRefusesKeys: with the X.509 checks skipped, no
// form of private key is sent, and the refusal quotes none of it.
func TestSkipX509ChecksStillRefusesKeys(t *testing.T) {
	c := sigcerttest.NewCert()
	block, _ := pem.Decode([]byte(c.KeyPEM))
	b64 := base64.StdEncoding.EncodeToString
	relabelled := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}))
	for name, body := range map[string]string{
		"PEM":                    c.KeyPEM,
		"lower-case armour":      strings.ToLower(c.KeyPEM),
		"relabelled CERTIFICATE": relabelled,
		"after the certificate":  c.PEM + relabelled,
		"base64 of PEM":          b64([]byte(c.KeyPEM)),
		"base64 of DER":          b64(block.Bytes),
		"PuTTY":                  "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAAIGbdQ\n",
		"OpenSSH":                "-----BEGIN OPENSSH PRIVATE KEY-----\n" + b64([]byte("openssh-key-v1\x00none")) + "\n-----END OPENSSH PRIVATE KEY-----\n",
		"JWK":                    `{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`,
	} {
		api := &pfAPI{}
		_, err := sigcert.NewUploader(api, sigcert.SkipX509Checks()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body})
		if !errors.Is(err, validate.ErrPrivateKey) || !errors.Is(err, sigcert.ErrMalformedCertificate) {
			t.Errorf("%s: Upload = %v, want ErrPrivateKey", name, err)
		}
		if len(api.sent) != 0 {
			t.Errorf("%s: sent", name)
		}
		for _, line := range strings.Split(body, "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line[:16]) {
				t.Errorf("%s: the refusal quotes the body: %v", name, err)
			}
		}
	}
}

// TestSkipX509ChecksSendsCertificates: skipping the X.509 checks still
// sends a certificate in any layout.
func TestSkipX509ChecksSendsCertificates(t *testing.T) {
	c := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256), sigcerttest.WithSubject(pkix.Name{CommonName: "Private Key Services"}))
	for _, body := range []string{c.PEM, crlf(c.PEM), "Bob's certificate:\n" + c.PEM, c.Chain()} {
		api := &pfAPI{}
		if _, err := sigcert.NewUploader(api, sigcert.SkipX509Checks()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: body}); err != nil || len(api.sent) != 1 {
			t.Errorf("Upload = %v, sent %d", err, len(api.sent))
		}
	}
}

// TestCheckOnZeroUploader: Check and CheckDetail need nothing of the
// Uploader: a zero or nil one checks with the default clock.
func TestCheckOnZeroUploader(t *testing.T) {
	c := sigcerttest.NewCert()
	req := sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}
	for name, up := range map[string]*sigcert.Uploader{"zero": {}, "nil": nil} {
		cert, err := up.Check(req)
		if err != nil || cert == nil {
			t.Errorf("%s: Check = %v, %v", name, cert, err)
		}
		if _, err := up.CheckDetail(sigcert.Request{CertificateBody: c.KeyPEM}); !errors.Is(err, validate.ErrPrivateKey) {
			t.Errorf("%s: CheckDetail(key) = %v", name, err)
		}
	}
}
