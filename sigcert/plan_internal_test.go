package sigcert

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// The reasons are constants, so they spell the quota out: they must say
// IAM's.
func TestReasonsNameTheQuota(t *testing.T) {
	for _, r := range []string{reasonMakeRoom, reasonOverTheQuota} {
		if !strings.HasSuffix(r, fmt.Sprintf("quota of %d", iamspec.CertificatesPerUser)) {
			t.Errorf("%q does not name IAM's quota of %d", r, iamspec.CertificatesPerUser)
		}
	}
}

// Ensure at IAM's quota still sends its upload for IAM to answer, and its
// plan says the refusal is coming.
func TestEnsureAtTheQuotaPlansTheRefusal(t *testing.T) {
	held := []*Certificate{{CertificateBody: "a"}, {CertificateBody: "b"}}
	steps := decideEnsure(held, "body:c")
	if len(steps) != 1 || steps[0].Action != ActionUpload || !strings.Contains(steps[0].Reason, "LimitExceeded") {
		t.Errorf("steps = %v, want one upload whose reason expects LimitExceeded", steps)
	}
	if steps := decideEnsure(held[:1], "body:c"); len(steps) != 1 || steps[0].Reason != reasonAttach {
		t.Errorf("under the quota: steps = %v", steps)
	}
}
