package sigcert_test

// Issue 6, hostile input: a huge body is refused before anything reads it,
// and neither the body nor anything that looks like key material reaches an
// error message, whoever put it there.

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// hugeBody returns size bytes that look like a certificate body worth
// reading: PEM certificates one after another, then a private key and a NUL.
// A check that read the body before refusing its length would refuse it for
// the key (ErrPrivateKey) or the NUL (ErrInvalidCharacter) instead.
func hugeBody(size int) string {
	c := sigcerttest.NewCert()
	tail := c.KeyPEM + "\x00"
	body := strings.Repeat(c.PEM, (size-len(tail))/len(c.PEM)+1)
	return body[:size-len(tail)] + tail
}

// allocatedPerCall returns the bytes allocated per call of f, the least of
// three rounds of n calls (other goroutines allocate too).
func allocatedPerCall(n int, f func()) uint64 {
	best := ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			f()
		}
		runtime.ReadMemStats(&after)
		best = min(best, (after.TotalAlloc-before.TotalAlloc)/uint64(n))
	}
	return best
}

// hugeBodyRefusers are the entry points that refuse a body too long for IAM.
func hugeBodyRefusers(s *double) []struct {
	name   string
	refuse func(body string) error
} {
	ctx := context.Background()
	up := newUploader(s)
	skip := newUploader(s, sigcert.SkipX509Checks())
	req := func(body string) sigcert.Request { return sigcert.Request{UserName: "Bob", CertificateBody: body} }
	return []struct {
		name   string
		refuse func(body string) error
	}{
		{"validate.CertificateBody", func(b string) error { return validate.CertificateBody(b) }},
		{"validate.Certificate", func(b string) error { _, err := validate.Certificate(b, validate.CertificateOptions{}); return err }},
		{"Check", func(b string) error { _, err := up.Check(req(b)); return err }},
		{"Upload", func(b string) error { _, err := up.Upload(ctx, req(b)); return err }},
		{"Upload/SkipX509Checks", func(b string) error { _, err := skip.Upload(ctx, req(b)); return err }},
		{"Ensure", func(b string) error { _, err := up.Ensure(ctx, req(b)); return err }},
		{"Rotate", func(b string) error { _, err := up.Rotate(ctx, req(b), sigcert.RotatePolicy{}); return err }},
	}
}

// A 100 MiB body is refused as too long before it is read: no character
// scan, no key scan, no PEM decoding (the refusal is ErrTooLong, not one for
// what its end holds), no copy. Allocation is measured, not time: BenchmarkHugeBodyRefusal shows
// the time does not grow with the size either.
func TestHugeBodyRefusedUnread(t *testing.T) {
	const size = 100 << 20
	const bound = 64 << 10 // bytes allocated per refusal; the body is 1600 times that
	body := hugeBody(size)
	s := newDouble("Bob")
	for _, r := range hugeBodyRefusers(s) {
		t.Run(r.name, func(t *testing.T) {
			err := r.refuse(body)
			if !errors.Is(err, validate.ErrTooLong) {
				t.Fatalf("err = %v, want ErrTooLong", err)
			}
			if strings.HasPrefix(r.name, "validate.") {
				var ve *validate.Error
				if !errors.As(err, &ve) || ve.Field != iamspec.FieldCertificateBody {
					t.Errorf("err = %#v, want a *validate.Error on %s", err, iamspec.FieldCertificateBody)
				}
			} else if !errors.Is(err, sigcert.ErrValidation) {
				t.Errorf("err = %v, want ErrValidation, as IAM would answer", err)
			}
			if len(err.Error()) > 1024 {
				t.Errorf("a %d-byte message for a refused body", len(err.Error()))
			}
			bytes := allocatedPerCall(8, func() { _ = r.refuse(body) })
			if bytes >= bound {
				t.Errorf("%d bytes allocated to refuse a %d MiB body, want < %d", bytes, size>>20, bound)
			}
			// A handful of allocations for the error, whatever the size (the
			// count varies by one under -race, where sync.Pool drops items).
			allocs := testing.AllocsPerRun(20, func() { _ = r.refuse(body) })
			if allocs > 16 {
				t.Errorf("%v allocations to refuse a %d MiB body, want a handful", allocs, size>>20)
			}
			t.Logf("100 MiB refused with %d bytes in %v allocations", bytes, allocs)
		})
	}
	if n := s.Calls(iamspec.OpUpload) + s.Calls(iamspec.OpList) + s.Calls(iamspec.OpUpdate) + s.Calls(iamspec.OpDelete); n != 0 {
		t.Errorf("%d API calls for a refused body", n)
	}
}

// BenchmarkHugeBodyRefusal refuses 1 MiB and 100 MiB bodies: ns/op should
// be the same for both, a few hundred ns, as nothing reads the body.
//
//	go test ./sigcert -run '^$' -bench HugeBodyRefusal
func BenchmarkHugeBodyRefusal(b *testing.B) {
	s := newDouble("Bob")
	for _, size := range []int{1 << 20, 100 << 20} {
		body := hugeBody(size)
		for _, r := range hugeBodyRefusers(s) {
			switch r.name {
			case "validate.CertificateBody", "validate.Certificate", "Upload":
			default:
				continue
			}
			b.Run(fmt.Sprintf("%s/%dMiB", r.name, size>>20), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if r.refuse(body) == nil {
						b.Fatal("accepted")
					}
				}
			})
		}
	}
}

// leakCheck fails if msg holds PEM armour or any 16 characters in a row of
// the base64 in secrets (PEM texts: certificates, keys).
func leakCheck(t *testing.T, where, msg string, secrets ...string) {
	t.Helper()
	if strings.Contains(msg, "-----BEGIN") || strings.Contains(msg, "-----END") {
		t.Errorf("%s: PEM armour in %q", where, msg)
		return
	}
	for _, secret := range secrets {
		for _, line := range strings.Split(strings.ReplaceAll(secret, "\r", ""), "\n") {
			if strings.HasPrefix(line, "-----") {
				continue
			}
			for i := 0; i+16 <= len(line); i += 8 {
				if strings.Contains(msg, line[i:i+16]) {
					t.Errorf("%s: message quotes %q: %q", where, line[i:i+16], msg)
					return
				}
			}
		}
	}
}

// errorTexts are the ways an error reaches a log.
func errorTexts(err error) map[string]string {
	out := map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err)}
	var se *sigcert.ServiceError
	if errors.As(err, &se) {
		out["ServiceError.Message"] = se.Message
	}
	return out
}

// keyBody is a body carrying a private key, and the key's PEM.
type keyBody struct {
	name, body, key string
}

// keyBodies returns bodies that carry each key type sigcerttest.NewCert
// makes, in every armour keys come in, after, before and without the
// certificate.
func keyBodies(t *testing.T) []keyBody {
	t.Helper()
	var out []keyBody
	for _, k := range sigcerttest.KeyTypes() {
		c := sigcerttest.NewCert(sigcerttest.WithKey(k))
		block, _ := pem.Decode([]byte(c.KeyPEM))
		keys := map[string]string{
			"PKCS8":           c.KeyPEM,
			"ENCRYPTED PKCS8": string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: block.Bytes})),
			"OPENSSH":         string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: block.Bytes})),
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		switch key := key.(type) {
		case *rsa.PrivateKey:
			keys["PKCS1"] = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
		case *ecdsa.PrivateKey:
			der, err := x509.MarshalECPrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			keys["SEC1"] = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
		}
		for armour, kp := range keys {
			name := k.String() + "/" + armour
			out = append(out,
				keyBody{name + "/after", c.PEM + kp, kp},
				keyBody{name + "/before", kp + c.PEM, kp},
				keyBody{name + "/alone", kp, kp},
				keyBody{name + "/CRLF", strings.ReplaceAll(c.PEM+kp, "\n", "\r\n"), kp},
			)
		}
	}
	return out
}

// A body holding a private key is refused by every entry point, with or
// without the X.509 checks, before any request; the refusal quotes neither
// the key nor the certificate.
func TestPrivateKeyRefusedUnquoted(t *testing.T) {
	ctx := context.Background()
	for _, kb := range keyBodies(t) {
		t.Run(kb.name, func(t *testing.T) {
			s := newDouble("Bob")
			for _, opts := range [][]sigcert.Option{nil, {sigcert.SkipX509Checks()}} {
				up := newUploader(s, opts...)
				req := sigcert.Request{UserName: "Bob", CertificateBody: kb.body}
				calls := map[string]error{}
				_, calls["Check"] = up.Check(req)
				_, calls["Upload"] = up.Upload(ctx, req)
				_, calls["Ensure"] = up.Ensure(ctx, req)
				_, calls["Rotate"] = up.Rotate(ctx, req, sigcert.RotatePolicy{Previous: sigcert.DeletePrevious, DeleteActiveForRoom: true})
				for name, err := range calls {
					name = fmt.Sprintf("%s (%d options)", name, len(opts))
					if !errors.Is(err, validate.ErrPrivateKey) || !errors.Is(err, sigcert.ErrMalformedCertificate) {
						t.Errorf("%s: err = %v, want ErrPrivateKey", name, err)
						continue
					}
					for how, msg := range errorTexts(err) {
						leakCheck(t, name+" "+how, msg, kb.body)
					}
				}
			}
			if n := s.Calls(iamspec.OpUpload) + s.Calls(iamspec.OpList) + s.Calls(iamspec.OpUpdate) + s.Calls(iamspec.OpDelete); n != 0 {
				t.Errorf("%d API calls for a body holding a private key", n)
			}
		})
	}
}

// IAM echoes a malformed body in its message, and an endpoint may answer
// any call with a message quoting PEM: the message of Upload's, Ensure's and
// Rotate's errors, and of List's, SetStatus's and Delete's, withholds it,
// while the SDK's error keeps IAM's exact words for whoever asks.
func TestEndpointEchoNeverInErrors(t *testing.T) {
	ctx := context.Background()
	rotate := sigcert.RotatePolicy{Previous: sigcert.DeactivatePrevious}

	// The endpoint's own MalformedCertificate for an expired certificate
	// sent with the X.509 checks skipped, in three layouts.
	t.Run("echo of the body", func(t *testing.T) {
		expired := sigcerttest.ExpiredCert()
		for i, body := range layouts(expired) {
			srv := sigcerttest.NewServer("Bob")
			t.Cleanup(srv.Close)
			seed(t, httpEndpoint{srv.Client(), srv}, "Bob", types.StatusTypeActive)
			up := newUploader(srv.Client(), sigcert.SkipX509Checks())
			req := sigcert.Request{UserName: "Bob", CertificateBody: body}
			calls := map[string]error{}
			_, calls["Upload"] = up.Upload(ctx, req)
			_, calls["Ensure"] = up.Ensure(ctx, req)
			_, calls["Rotate"] = up.Rotate(ctx, req, rotate)
			for name, err := range calls {
				name = fmt.Sprintf("layout %d %s", i, name)
				if !errors.Is(err, sigcert.ErrMalformedCertificate) {
					t.Errorf("%s: err = %v, want the endpoint's MalformedCertificate", name, err)
					continue
				}
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorMessage() != "Certificate [certificate body withheld] is malformed." {
					t.Errorf("%s: the SDK's error should be reachable with IAM's echo withheld", name)
				}
				for how, msg := range errorTexts(err) {
					leakCheck(t, name+" "+how, msg, expired.PEM)
				}
			}
			if n := len(srv.Certificates("Bob")); n != 1 {
				t.Errorf("layout %d: Bob holds %d certificates, want his 1", i, n)
			}
		}
	})

	// Messages quoting PEM that the endpoint was not sent, or sent
	// otherwise: a key, the body with a key after it, an echo with other
	// line endings.
	c := sigcerttest.NewCert()
	other := sigcerttest.NewCert(sigcerttest.WithKey(sigcerttest.ECDSAP256))
	messages := map[string]string{
		"body":                c.PEM,
		"IAM's echo":          "Certificate " + c.PEM + " is malformed.",
		"echo, CRLF":          "Certificate " + crlf(c.PEM) + " is malformed.",
		"body and a key":      c.PEM + c.KeyPEM,
		"another key":         other.KeyPEM,
		"key inside prose":    "bad input near " + other.KeyPEM + " (see the docs)",
		"another certificate": "conflicts with " + other.PEM,
	}
	secrets := []string{c.PEM, c.KeyPEM, other.PEM, other.KeyPEM}
	t.Run("upload answered with PEM", func(t *testing.T) {
		for what, msg := range messages {
			for _, call := range []struct {
				name string
				f    func(*sigcert.Uploader, sigcert.Request) error
			}{
				{"Upload", func(up *sigcert.Uploader, req sigcert.Request) error { _, err := up.Upload(ctx, req); return err }},
				{"Ensure", func(up *sigcert.Uploader, req sigcert.Request) error { _, err := up.Ensure(ctx, req); return err }},
				{"Rotate", func(up *sigcert.Uploader, req sigcert.Request) error {
					_, err := up.Rotate(ctx, req, rotate)
					return err
				}},
			} {
				srv := sigcerttest.NewServer("Bob")
				t.Cleanup(srv.Close)
				seed(t, httpEndpoint{srv.Client(), srv}, "Bob", types.StatusTypeActive)
				srv.Inject(sigcerttest.Fault{Action: iamspec.OpUpload, Code: iamspec.CodeMalformedCertificate, Message: msg})
				err := call.f(newUploader(srv.Client()), sigcert.Request{UserName: "Bob", CertificateBody: c.PEM})
				name := call.name + " answered " + what
				if !errors.Is(err, sigcert.ErrMalformedCertificate) {
					t.Errorf("%s: err = %v", name, err)
					continue
				}
				var ae smithy.APIError
				if !errors.As(err, &ae) {
					t.Errorf("%s: the SDK's error is not reachable", name)
				} else {
					leakCheck(t, name+" ErrorMessage", ae.ErrorMessage(), secrets...)
				}
				for how, m := range errorTexts(err) {
					leakCheck(t, name+" "+how, m, secrets...)
				}
			}
		}
	})

	// List, SetStatus and Delete, called alone or as Rotate's steps.
	t.Run("list, update, delete answered with PEM", func(t *testing.T) {
		for what, msg := range messages {
			for _, op := range []string{iamspec.OpList, iamspec.OpUpdate, iamspec.OpDelete} {
				for _, code := range []string{iamspec.CodeServiceFailure, iamspec.CodeNoSuchEntity, iamspec.CodeInvalidInput} {
					srv := sigcerttest.NewServer("Bob")
					t.Cleanup(srv.Close)
					ids := seed(t, httpEndpoint{srv.Client(), srv}, "Bob", types.StatusTypeActive)
					up := newUploader(srv.Client())
					// Count 20 outlasts the SDK's retries of ServiceFailure
					// and Rotate's retry budget.
					fault := sigcerttest.Fault{Action: op, Code: code, Message: msg, Count: 20}
					calls := map[string]error{}
					srv.Inject(fault)
					switch op {
					case iamspec.OpList:
						_, calls["List"] = up.List(ctx, "Bob")
					case iamspec.OpUpdate:
						calls["SetStatus"] = up.SetStatus(ctx, "Bob", ids[0], types.StatusTypeInactive)
					case iamspec.OpDelete:
						calls["Delete"] = up.Delete(ctx, "Bob", ids[0])
					}
					srv.ClearFaults()
					srv.Inject(fault)
					policy := rotate
					if op == iamspec.OpDelete {
						policy.Previous = sigcert.DeletePrevious
					}
					_, calls["Rotate"] = up.Rotate(ctx, sigcert.Request{UserName: "Bob", CertificateBody: c.PEM}, policy)
					for name, err := range calls {
						name = fmt.Sprintf("%s with %s on %s answered %s", name, code, op, what)
						if !errors.Is(err, sigcert.SentinelFor(code)) {
							t.Errorf("%s: err = %v", name, err)
							continue
						}
						for how, m := range errorTexts(err) {
							leakCheck(t, name+" "+how, m, secrets...)
						}
					}
				}
			}
		}
	})
}
