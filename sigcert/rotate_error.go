package sigcert

import (
	"fmt"
	"strings"
)

// RotateState says how much a RotateError knows of what the user holds.
type RotateState int

const (
	// RotateStateUnknown: the failure came before the user's certificates
	// could be listed; nothing is known and Certificates is nil. It is the
	// zero value.
	RotateStateUnknown RotateState = iota
	// RotateStateListed: Certificates was listed after the failure (or,
	// for a refusal, just before it) and is what the user holds, as far as
	// IAM's list shows: it can lag a change made just before (IAM is
	// eventually consistent).
	RotateStateListed
	// RotateStateDerived: listing after the failure failed too;
	// Certificates is derived from the first list and the steps done, and
	// the failed step's own effect is unknown.
	RotateStateDerived
)

// String returns the name of the constant.
func (s RotateState) String() string {
	switch s {
	case RotateStateUnknown:
		return "RotateStateUnknown"
	case RotateStateListed:
		return "RotateStateListed"
	case RotateStateDerived:
		return "RotateStateDerived"
	}
	return fmt.Sprintf("RotateState(%d)", int(s))
}

// RotateError reports a rotation that stopped part way, and the state it
// left the user in. It unwraps to the failure, so errors.Is matches its
// sentinel. Its zero value prints without panicking.
type RotateError struct {
	UserName string
	// Done lists the steps that completed before the failure.
	Done []Step
	// Failed is the step that failed; its Action is "" if the failure came
	// before any change (listing the user's certificates, or a refusal).
	Failed Step
	// Certificates is what the user holds now, as State says.
	Certificates []*Certificate
	// State says whether Certificates was listed, derived, or is unknown.
	State RotateState
	// StateListed is State == RotateStateListed.
	//
	// Deprecated: use State, which also tells a derived state from an
	// unknown one.
	StateListed bool
	// Err is the failure.
	Err error
}

// state is e's State, honouring StateListed in an error built by hand.
func (e *RotateError) state() RotateState {
	if e.State == RotateStateUnknown && e.StateListed {
		return RotateStateListed
	}
	return e.State
}

// Error implements the error interface.
func (e *RotateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sigcert: rotate %s: ", userLabel(e.UserName))
	if e.Failed.Action != "" {
		fmt.Fprintf(&b, "%s failed: ", e.Failed)
	}
	if e.Err == nil {
		b.WriteString("failed")
	} else {
		b.WriteString(Detail(e.Err))
	}
	// A failed step that got no definite answer may have been applied.
	uncertain := e.Failed.Action != "" && e.Err != nil && OutcomeUnknown(e.Err)
	switch {
	case len(e.Done) == 0 && uncertain:
		b.WriteString("; no step was done before it")
	case len(e.Done) == 0:
		b.WriteString("; nothing was changed")
	default:
		b.WriteString("; done before the failure: ")
		for i, s := range e.Done {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(s.String())
		}
	}
	if uncertain {
		b.WriteString("; IAM may have applied the failed step")
	}
	switch e.state() {
	case RotateStateListed:
		b.WriteString("; the user now holds: ")
	case RotateStateDerived:
		b.WriteString("; the user should now hold (could not list): ")
	default:
		b.WriteString("; could not list the user's certificates")
		return b.String()
	}
	b.WriteString(describe(e.Certificates))
	return b.String()
}

// Unwrap returns Err.
func (e *RotateError) Unwrap() error { return e.Err }

func userLabel(user string) string {
	if user == "" {
		return "(the caller's own user)"
	}
	return user
}

func describe(certs []*Certificate) string {
	if len(certs) == 0 {
		return "no certificates"
	}
	parts := make([]string, 0, len(certs))
	for _, c := range certs {
		if c != nil {
			parts = append(parts, fmt.Sprintf("%s (%s)", c.CertificateID, c.Status))
		}
	}
	return strings.Join(parts, ", ")
}
