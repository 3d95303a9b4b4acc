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
