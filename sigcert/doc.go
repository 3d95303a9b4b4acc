// Package sigcert uploads X.509 signing certificates to AWS IAM users, and
// checks locally first everything IAM would refuse.
//
// # Uploading
//
// Wrap an *iam.Client (or any API) in an Uploader and call Upload:
//
//	up := sigcert.NewUploader(iam.NewFromConfig(cfg))
//	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: pemText})
//
// Upload checks the user name and body against IAM's constraints, decodes
// the PEM, parses the certificate and checks its validity window. Only if
// all of that passes does it make one call to UploadSigningCertificate.
//
// # Two layers
//
// The single calls (Upload, List, SetStatus, Delete) are each one SDK call
// with its error mapping; the SDK's own retryer and
// WithConcurrentModificationRetry apply to them as configured.
//
// The workflows (Ensure, Rotate) sit above them and alone own the retry
// policy, the propagation wait, the per-user lock and the report of what the
// user holds. PlanEnsure and PlanRotate run the same decisions with list
// calls only, for a dry run: on an unchanged account a plan is exactly what
// the call then does.
//
// # Errors
//
// Every IAM error code has a sentinel: match with errors.Is.
//
//	switch {
//	case errors.Is(err, sigcert.ErrDuplicateCertificate): // already attached somewhere
//	case errors.Is(err, sigcert.ErrLimitExceeded):        // the user holds two already
//	case errors.Is(err, sigcert.ErrMalformedCertificate): // bad, expired or not yet valid
//	}
//
// A local refusal is a *PreflightError (no request was sent) and also
// matches the validate package's reason, such as validate.ErrExpired. IAM's
// answer is a *ServiceError, and the SDK's error stays reachable with
// errors.As: *types.DuplicateCertificateException, smithy.APIError, and
// *awshttp.ResponseError for the HTTP status and request id. No error
// message contains the certificate body. OutcomeUnknown tells an answer that
// leaves it unknown whether IAM applied the request (any 5xx, a transport
// failure or timeout, Throttling, ConcurrentModification) from a definite one.
//
// # Reliability
//
// Each statement here is a test of this package (named in brackets).
//
// One retry budget per workflow call. Ensure and Rotate have Attempts
// attempts (WithRetry; default and maximum 4, MaxRetryAttempts): the first
// send of each step is free and Attempts-1 retries are shared by all the
// steps of the call. Only an unknown outcome is retried. The SDK's own
// retries are off for the workflows' writes (the caller's retryer stays,
// limited to one attempt, so client-side rate limiting still applies), and
// WithConcurrentModificationRetry does not apply inside them, so each write
// is one HTTP request. A list, which is safe to repeat, keeps the SDK's
// retryer, limited to 3 attempts, so that it paces a throttled client. With
// A attempts, whatever the options:
//
//   - Ensure makes at most A uploads and 1+8A list calls: 4 and 33 by
//     default;
//   - Rotate makes at most A uploads, A+3 writes (uploads, updates, deletes)
//     and 8A+26 list calls: 4, 7 and 58 by default;
//   - every write is one HTTP request, every list call at most 3.
//
// [TestRetryBudgetBoundsCalls, TestCallBoundsUnderHostileSchedules,
// TestSDKRetriesOffInWorkflows, TestRotateSharesOneBudget]
//
// Propagation wait. IAM is eventually consistent: a change can be applied
// and not yet shown by List. After an upload whose outcome is unknown, or a
// DuplicateCertificate that follows one, Ensure and Rotate list the user's
// certificates until the certificate shows, for at most the propagation
// window (WithPropagationWait, default DefaultPropagationWait, 10 s): at
// once, then after waits of W/128, W/64, ..., W/2, 8 lists within 127/128 of
// W, stopping at the first that shows it. Only then do they upload again, or
// report. A DuplicateCertificate answered to a first upload with nothing
// uncertain before it is reported at once, after one more list with no wait
// finds the user does not hold it (another user does). Waits end the moment
// the context does, and the error then matches both the failure and the
// context's error. The wait is what a failure that persists costs in time:
// each unknown outcome of an upload can take one window before the next
// attempt, so Ensure facing, say, ConcurrentModification on every upload
// reports after about A windows (some 40 s by default). A shorter
// WithPropagationWait trades that time against the chance of reporting an
// upload IAM applied. [TestPropagationWaitFindsAnAppliedUpload,
// TestPropagationWaitIsBounded, TestDuplicateOnFirstUploadReportedAtOnce,
// TestDuplicateAfterLostUploadIsResolvedByWaiting, TestPropagationWaitHonoursContext]
//
// Updates and deletes are settled by IAM's answers, not by lists. Both are
// idempotent in effect, so Rotate sends one whose outcome is unknown again,
// within the budget: success (for a delete, NoSuchEntity after an unknown
// outcome) settles it. A list can lag and show a status from before a change
// that did not happen, so it is used only when the budget is spent: a
// deactivation or delete then counts as done if the user's list shows it
// within the window; an activation never does, and Rotate stops with a
// *RotateError (Failed: the activation, State: what a list then shows)
// before retiring anything. Rotate retires a previous certificate only after
// IAM has answered that the new one is Active: the upload's answer (a new
// certificate is Active), or an answer to its activation; a new certificate
// that a list, not the upload's answer, found is activated before any
// retiring, even if listed Active. [TestRotateSettlesAppliedWrites, TestRotateConfirmsActivationByAnswer,
// TestRotateLostDeleteResponse]
//
// What the promises assume. A list taken at the start of a call may not show
// a change made within IAM's propagation delay before it (by another
// process, or by an earlier run whose answer was lost). The promises below
// assume the user's certificates did not change in that time. When the user
// already holds the new certificate, its listed status is all Rotate knows
// of it (a rerun that finds the work done sends nothing); if that status is
// stale, Rotate can retire the others while the new one is Inactive, or
// succeed leaving it Inactive. A certificate the first list does not show
// is neither retired nor reported, and an upload of a certificate it did
// not show can be answered DuplicateCertificate and reported though the user
// holds it. Ensure never learns the user holds the certificate when no list
// in its budget succeeds, and then returns the lists' error.
//
// Under random schedules of IAM's failures (Throttling,
// ConcurrentModification, ServiceFailure, uploads applied then answered 500
// or 503, lost answers, lost requests) mixed with propagation lag shorter
// than the window, 200 schedules each: Ensure never attaches a certificate
// twice and never reports an error while the user holds it unless no list
// succeeded; Rotate never reports its upload failed while the user holds the
// certificate, never leaves a user who had an Active certificate without
// one, retires a previous certificate only after IAM answered that the new
// one is Active, and does what its policy says when it succeeds. The same
// holds on the local IAM's model, with stale reads armed before the call too
// (-sigcert.modelstalestart), for every run whose first lists showed the
// account as it was; the runs they misled are counted, with what broke.
// [TestEnsureUnderFaultsAndLag, TestRotateUnderFaultsAndLag,
// TestEnsureKeepsPromisesOnModel, TestRotateKeepsPromisesOnModel;
// -sigcert.faultseeds=N, -sigcert.modelseeds=N for more]
//
// Per-user lock. Ensure and Rotate calls for one user through one Uploader
// run one at a time, user names compared without regard to case as IAM
// compares them; different users run in parallel. Waiting ends with the
// context's error the moment the context ends. A call with no user name
// acts on the caller's own user: it serialises with other nameless calls
// only, not with calls that name that user, since the Uploader does not know
// the caller's name. [TestUserLockHonoursContext, TestUserLockIgnoresCase]
//
// Lists are whole or an error. An answer with IsTruncated and no Marker, a
// repeated Marker, more than 10 pages or more than 10 certificates (a user
// holds at most 2) is a *ServiceError matching ErrIncompleteResponse with
// the operation and the request id. [TestListIsWholeOrAnError]
//
// # Observing
//
// WithStepObserver reports each step of Ensure and Rotate as it starts and
// ends (user, action, certificate id, reason, error, duration):
//
//	up := sigcert.NewUploader(client, sigcert.WithStepObserver(func(e sigcert.StepEvent) {
//		if e.Done {
//			slog.Info("step", "user", e.UserName, "action", e.Action, "id", e.CertificateID, "took", e.Duration, "err", e.Err)
//		}
//	}))
//
// Each HTTP request is visible through the SDK's own hooks, passed with
// WithAPIOptions: its logger, here bridged to log/slog,
//
//	logRequests := func(o *iam.Options) {
//		o.ClientLogMode = aws.LogRetries | aws.LogRequest | aws.LogResponse
//		o.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
//			slog.Debug("aws sdk", "class", string(c), "msg", fmt.Sprintf(format, v...))
//		})
//	}
//
// (LogRequest and LogResponse log headers, signature included; keep them
// out of production logs), and a middleware for tracing or metrics, which
// runs once per HTTP attempt when added to the Finalize step after the
// retry middleware:
//
//	trace := func(o *iam.Options) {
//		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
//			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("trace",
//				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
//					middleware.FinalizeOutput, middleware.Metadata, error) {
//					start := time.Now()
//					out, md, err := next.HandleFinalize(ctx, in)
//					slog.InfoContext(ctx, "iam request", "operation", middleware.GetOperationName(ctx),
//						"took", time.Since(start), "err", err)
//					return out, md, err
//				}), middleware.After)
//		})
//	}
//	up := sigcert.NewUploader(client, sigcert.WithAPIOptions(logRequests, trace))
//
// (middleware is github.com/aws/smithy-go/middleware, logging is
// github.com/aws/smithy-go/logging.) A span started in the middleware, with
// OpenTelemetry or any tracer, covers exactly one request.
//
// # Testing
//
// API is the narrow interface sigcert needs; *iam.Client satisfies it.
// Package sigcerttest provides an in-memory fake of it and a local HTTP
// endpoint that speaks IAM's protocol. WithWait makes the workflows' waits
// instant (or simulated) in tests.
package sigcert
