package fleet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/validate"
)

// Mode says which workflow an Entry runs.
type Mode string

// The modes.
const (
	// Ensure makes sure the user holds the certificate (sigcert's Ensure):
	// nothing else the user holds changes.
	Ensure Mode = "ensure"
	// Rotate puts the certificate on the user and retires the others as
	// the entry's Policy says (sigcert's Rotate).
	Rotate Mode = "rotate"
)

// Entry is one user's part of a run.
type Entry struct {
	// UserName is the IAM user; required (a fleet run never acts on the
	// caller's own user by omission).
	UserName string
	// CertificateBody is the certificate in PEM.
	CertificateBody string
	// Mode is Ensure or Rotate.
	Mode Mode
	// Policy is Rotate's policy; it must be the zero value for Ensure.
	Policy sigcert.RotatePolicy
	// Source names the entry in problems, such as "entries[3]" or a file
	// name; "" means "entry N" by its index.
	Source string
}

func (e Entry) name(i int) string {
	if e.Source != "" {
		return e.Source
	}
	return fmt.Sprintf("entry %d", i)
}

// The reasons an entry is refused before anything is sent, besides the
// pre-flight refusals of sigcert (a *sigcert.PreflightError: a private key,
// an expired certificate, a bad user name, ...). Match them with errors.Is
// on a Problem's Err.
var (
	// ErrMissing: a required field is empty.
	ErrMissing = errors.New("required")
	// ErrBadMode: Mode is neither Ensure nor Rotate.
	ErrBadMode = errors.New("mode must be \"ensure\" or \"rotate\"")
	// ErrBadPolicy: Policy.Previous is not one of sigcert's values, or an
	// Ensure entry carries a rotation policy it would ignore.
	ErrBadPolicy = errors.New("invalid rotation policy")
	// ErrRepeatedUser: the user has another entry with the same
	// certificate. IAM user names are unique regardless of case
	// (IAM-FACTS: "Bob" and "bob" are one user), so the comparison is too.
	ErrRepeatedUser = errors.New("user has another entry")
	// ErrConflictingUser: the user has another entry with a different
	// certificate; the run could only keep one of them.
	ErrConflictingUser = errors.New("user has another entry with a different certificate")
	// ErrSharedCertificate: another user's entry has the same certificate;
	// IAM refuses the second upload with DuplicateCertificate, because a
	// certificate can be attached to one user of the account only.
	ErrSharedCertificate = errors.New("certificate is also in another user's entry")
)

// Problem is one reason an entry was refused.
type Problem struct {
	// Index is the entry's index in the slice given to Run or Validate.
	Index int
	// Entry names the entry: its Source, or "entry N".
	Entry    string
	UserName string
	// Field is the Entry field at fault: "UserName", "CertificateBody",
	// "Mode" or "Policy".
	Field string
	// Err is the reason: one of this package's sentinels or a
	// *sigcert.PreflightError.
	Err error
}

// String describes the problem on one line, naming the entry, its user and
// the field; it never holds the certificate body.
func (p Problem) String() string {
	who := p.Entry
	if p.UserName != "" {
		who += " (" + p.UserName + ")"
	}
	return fmt.Sprintf("%s: %s: %v", who, p.Field, p.Err)
}

// InvalidEntriesError refuses a run before anything was sent, listing every
// problem found, in entry order.
type InvalidEntriesError struct {
	Problems []Problem
}

// Error lists every problem, one a line.
func (e *InvalidEntriesError) Error() string {
	if e == nil || len(e.Problems) == 0 {
		return "fleet: invalid entries"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fleet: %d problem(s) in the entries, nothing was sent:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Validate checks entries as Run does before it sends anything, with the
// pre-flight checks of an Uploader made with opts (its clock, clock skew,
// SkipX509Checks). It returns nil or an *InvalidEntriesError listing every
// problem. It sends nothing.
func Validate(entries []Entry, opts ...sigcert.Option) error {
	return validateEntries(entries, sigcert.NewUploader(nil, opts...))
}

func validateEntries(entries []Entry, checker *sigcert.Uploader) error {
	var problems []Problem
	add := func(i int, field string, err error) {
		problems = append(problems, Problem{Index: i, Entry: entries[i].name(i), UserName: entries[i].UserName, Field: field, Err: err})
	}
	type seen struct {
		index int
		ident string
	}
	users := map[string]seen{}
	certs := map[string]seen{}
	for i, e := range entries {
		switch {
		case e.Mode == Rotate:
			if e.Policy.Previous < sigcert.KeepPrevious || e.Policy.Previous > sigcert.DeletePrevious {
				add(i, "Policy", fmt.Errorf("%w: Previous is %d", ErrBadPolicy, int(e.Policy.Previous)))
			}
		case e.Mode == Ensure:
			if e.Policy != (sigcert.RotatePolicy{}) {
				add(i, "Policy", fmt.Errorf("%w: ensure takes no rotation policy", ErrBadPolicy))
			}
		case e.Mode == "":
			add(i, "Mode", ErrMissing)
		default:
			add(i, "Mode", fmt.Errorf("%w, not %q", ErrBadMode, string(e.Mode)))
		}
		if e.UserName == "" {
			add(i, "UserName", ErrMissing)
		}
		if strings.TrimSpace(e.CertificateBody) == "" {
			add(i, "CertificateBody", ErrMissing)
			continue
		}
		parsed, err := checker.Check(sigcert.Request{UserName: e.UserName, CertificateBody: e.CertificateBody})
		if err != nil {
			field := "CertificateBody"
			var ve *validate.Error
			if errors.As(err, &ve) && ve.Field == "UserName" {
				field = "UserName"
			}
			add(i, field, err)
			if field == "CertificateBody" {
				continue
			}
			// The name was refused before the body was looked at: check
			// the body alone, for its own problems and its fingerprint.
			if parsed, err = checker.Check(sigcert.Request{CertificateBody: e.CertificateBody}); err != nil {
				add(i, "CertificateBody", err)
				continue
			}
		}
		ident := bodyIdentity(e.CertificateBody)
		if parsed != nil {
			ident = sigcert.Fingerprint(parsed)
		}
		if e.UserName != "" {
			key := strings.ToLower(e.UserName)
			if first, ok := users[key]; ok {
				if first.ident == ident {
					add(i, "UserName", fmt.Errorf("%w: %s", ErrRepeatedUser, entries[first.index].name(first.index)))
				} else {
					add(i, "UserName", fmt.Errorf("%w: %s", ErrConflictingUser, entries[first.index].name(first.index)))
				}
			} else {
				users[key] = seen{index: i, ident: ident}
			}
		}
		if first, ok := certs[ident]; ok && !strings.EqualFold(entries[first.index].UserName, e.UserName) {
			add(i, "CertificateBody", fmt.Errorf("%w: %s (%s)", ErrSharedCertificate, entries[first.index].name(first.index), entries[first.index].UserName))
		} else if !ok {
			certs[ident] = seen{index: i, ident: e.UserName}
		}
	}
	if len(problems) > 0 {
		return &InvalidEntriesError{Problems: problems}
	}
	return nil
}

// bodyIdentity stands in for the fingerprint when the X.509 checks are
// skipped: the body without any whitespace, so PEM layouts compare equal.
func bodyIdentity(body string) string {
	return "body:" + strings.Join(strings.Fields(body), "")
}
