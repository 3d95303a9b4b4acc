package fleet

import (
	"context"

	"github.com/iamkit/signingcert/sigcert"
)

// A dry run (Runner.DryRun) plans each entry instead of running it: sigcert's
// PlanEnsure or PlanRotate lists the user's certificates and runs the same
// decision code Ensure and Rotate run, so a plan made on an account nobody
// changes in between is exactly what the apply then does. Only list calls
// are sent.
//
// A planned entry's Result reads as the apply's would, with the plan in
// Result.Plan:
//
//   - Changed: the plan has steps, so the apply would write something;
//   - Unchanged: the user already holds what the entry asks for;
//   - Failed: the user could not be listed, or Rotate would refuse (at IAM's
//     quota with no certificate the policy lets it delete); Err and Report
//     are what the apply would return.
//
// Result.Certificate is the entry's certificate when the user holds it
// already (Plan.Holding), else nil: an upload's id is IAM's to assign.
// Summary.DryRun is set, so that "changed" is read as "would change".

// planEntry plans one entry into res, for runEntry's dry-run branch.
func (r *Runner) planEntry(ctx context.Context, req sigcert.Request, e Entry, res *Result) {
	var (
		plan *sigcert.Plan
		err  error
	)
	if e.Mode == Rotate {
		plan, err = r.up.PlanRotate(ctx, req, e.Policy)
	} else {
		plan, err = r.up.PlanEnsure(ctx, req)
	}
	res.Plan, res.Err = plan, err
	if err != nil {
		return
	}
	// The certificate the user would end with, when the plan knows it:
	// the one held (an upload's id is IAM's to assign).
	res.Certificate = plan.Holding
	res.Status = Unchanged
	if len(plan.Steps) > 0 {
		res.Status = Changed
	}
}
