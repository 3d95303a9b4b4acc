package iammodel

// The oracle test: the library's fast local checks (package validate) are
// judged against the model's own reading of IAM's rules, on a few thousand
// random names and bodies. The model imports neither validate nor sigcert;
// only this test file does, so that the two judgements stay independent.

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iamkit/signingcert/internal/certgen"
	"github.com/iamkit/signingcert/internal/iamspec"
	"github.com/iamkit/signingcert/validate"
)

// nameRunes are the characters random names are drawn from: IAM's own, and
// neighbours that are not allowed.
var nameRunes = []rune("abcXYZ019_+=,.@-" + " /\\:;!#$%&*()[]{}<>?'\"`~^|\t\néü€\u0000\u00ff")

func randomName(rng *rand.Rand) string {
	n := rng.IntN(140)
	if rng.IntN(4) == 0 {
		n = rng.IntN(4)
	}
	var b strings.Builder
	allowedOnly := rng.IntN(2) == 0
	for range n {
		r := nameRunes[rng.IntN(len(nameRunes))]
		if allowedOnly {
			r = nameRunes[rng.IntN(16)]
		}
		b.WriteRune(r)
	}
	if rng.IntN(50) == 0 {
		b.WriteByte(0xff) // not UTF-8
	}
	return b.String()
}

// TestOracleUserNames: validate.UserName and the model agree on every name,
// and on the kind of refusal (length or pattern).
func TestOracleUserNames(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2010))
	for range 3000 {
		name := randomName(rng)
		verr := validate.UserName(name)
		merr := checkUserName(name, iamspec.UserNameMaxLen)
		if (verr == nil) != (merr == nil) {
			t.Fatalf("name %q: validate says %v, the model says %v", name, verr, merr)
		}
		if verr == nil {
			continue
		}
		vLength := errors.Is(verr, validate.ErrEmpty) || errors.Is(verr, validate.ErrTooShort) || errors.Is(verr, validate.ErrTooLong)
		mLength := strings.Contains(merr.Message, "Member must have length")
		n := utf8.RuneCountInString(name)
		both := (n < 1 || n > iamspec.UserNameMaxLen) && !userNameRE.MatchString(name)
		// A name both too long and with a bad character may be refused for
		// either; IAM's choice is not known.
		if vLength != mLength && !both {
			t.Fatalf("name %q: validate refuses for %v, the model with %q", name, verr, merr.Message)
		}
	}
}

// mutateBody returns a body derived from a valid certificate by one of the
// mistakes people make, or by random damage.
func mutateBody(rng *rand.Rand, c *certgen.Cert) string {
	p := c.PEM
	switch rng.IntN(14) {
	case 0:
		return p
	case 1:
		return c.CRLF()
	case 2:
		return c.TextBefore()
	case 3:
		return c.WithKeyAppended()
	case 4:
		return c.ChainOfTwo()
	case 5:
		return c.DERBody()
	case 6: // whitespace around
		ws := string(" \n\t\r"[rng.IntN(4)])
		return strings.Repeat(ws, rng.IntN(3)) + p + strings.Repeat(ws, rng.IntN(3))
	case 7: // truncated
		return p[:rng.IntN(len(p))]
	case 8: // one base64 character changed
		i := 28 + rng.IntN(len(p)-60)
		if p[i] == '\n' {
			return p
		}
		return p[:i] + string("AB+/=z9"[rng.IntN(7)]) + p[i+1:]
	case 9: // one character inserted anywhere
		i := rng.IntN(len(p))
		return p[:i] + string(nameRunes[rng.IntN(len(nameRunes))]) + p[i:]
	case 10: // text after
		return p + "trailing"
	case 11: // a header line
		return strings.Replace(p, "-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1)
	case 12: // another block type
		return strings.ReplaceAll(p, "CERTIFICATE", "PUBLIC KEY")
	default: // random text
		return randomName(rng)
	}
}

// TestOracleBodies: validate's verdict on a body (CertificateBody then
// Certificate, at the model's clock, without skew) agrees with the model's
// (constraints then judgeBody), except where divergence_test.go names the
// case: certificates Go's parser refuses and the model does not.
func TestOracleBodies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 2026))
	now := time.Now()
	certs := []*certgen.Cert{certgen.Valid(), certgen.Valid(), certgen.Expired(), certgen.NotYetValid(),
		certgen.New(certgen.Options{Key: certgen.KeyTypes()[len(certgen.KeyTypes())-1]})}
	goRefused, noRoom := 0, 0
	n := 3000
	if os.Getenv("SIGCERT_SCALE") != "" {
		n = 30000
		rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	}
	for i := range n {
		body := mutateBody(rng, certs[i%len(certs)])
		verr := validate.CertificateBody(body)
		if verr == nil {
			_, verr = validate.Certificate(body, validate.CertificateOptions{CurrentTime: now})
		}
		var merr error
		if e := checkBodyConstraints(body); e != nil {
			merr = e
		} else {
			_, merr = judgeBody(body, now)
		}
		if (verr == nil) == (merr == nil) {
			continue
		}
		if merr == nil && errors.Is(verr, validate.ErrUnparsable) {
			goRefused++ // Go's parser refused what RFC 5280's structure allows
			if os.Getenv("SIGCERT_ORACLE_LOG") != "" {
				t.Logf("Go only: %v", verr)
			}
			continue
		}
		if verr == nil && errors.Is(merr, errNoRoom) {
			noRoom++ // Go's parser ignored what RFC 5280's structure has no room for
			continue
		}
		t.Fatalf("body %q:\nvalidate: %v\nmodel:    %v", body, verr, merr)
	}
	t.Logf("%d bodies: %d refused by Go's parser only, %d by the model only (data with no room in RFC 5280); each case is named in divergence_test.go",
		n, goRefused, noRoom)
}
