package sigcert_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
	"github.com/iamkit/signingcert/validate"
)

// These Examples, like the others, use only public packages. Those of the
// workflows' waits move a simulated clock instead of sleeping: copy that
// into tests of code that calls Ensure or Rotate.

// testClock is a clock that moves only when a wait moves it: pass its Now to
// the Fake (SetClock) and the Uploader (WithClock), and its Wait to
// WithWait, and a test waits no real time.
type testClock struct {
	now    time.Time
	waited time.Duration
}

func (c *testClock) Now() time.Time { return c.now }

func (c *testClock) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	c.waited += d
	return nil
}

// OutcomeUnknown separates answers after which IAM may have applied the
// request (look before trying again) from those where it did not.
func ExampleOutcomeUnknown() {
	var answer error
	api := &sigcerttest.FuncAPI{
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, answer
		},
	}
	up := sigcert.NewUploader(api)
	ctx := context.Background()
	for _, code := range []string{"InternalFailure", "ServiceUnavailable", "Throttling", "ConcurrentModification", "DuplicateCertificate", "LimitExceeded"} {
		answer = sigcerttest.APIError("UploadSigningCertificate", code)
		_, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
		fmt.Println(code, sigcert.OutcomeUnknown(err))
	}
	answer = context.DeadlineExceeded // the request was in flight when the caller gave up
	_, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Println("deadline in flight", sigcert.OutcomeUnknown(err))

	_, err = up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.ExpiredCert().PEM})
	fmt.Println("refused before sending", sigcert.OutcomeUnknown(err), errors.Is(err, sigcert.ErrMalformedCertificate))
	// Output:
	// InternalFailure true
	// ServiceUnavailable true
	// Throttling true
	// ConcurrentModification true
	// DuplicateCertificate false
	// LimitExceeded false
	// deadline in flight true
	// refused before sending false true
}

// An upload applied and answered 500, on an IAM whose lists lag 3 s:
// Ensure lists until the certificate shows, and does not upload again.
// WithWait moves the simulated clock, so the 3 s pass at once.
func ExampleWithWait() {
	clock := &testClock{now: time.Now()}
	fake := sigcerttest.NewFake("Bob")
	fake.SetClock(clock.Now)
	fake.SetPropagationDelay(3 * time.Second)
	fake.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenCode: "InternalFailure"})
	up := sigcert.NewUploader(fake, sigcert.WithClock(clock.Now), sigcert.WithWait(clock.Wait))

	start := time.Now()
	cert, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Println(cert.Status, err)
	fmt.Println(fake.Requests("UploadSigningCertificate"), "upload,", fake.Requests("ListSigningCertificates"), "lists, waited", clock.waited)
	fmt.Println("slept for real:", time.Since(start) > time.Second)
	// Output:
	// Active <nil>
	// 1 upload, 8 lists, waited 4.921875s
	// slept for real: false
}

// The propagation window bounds how long Ensure and Rotate look for a write
// whose answer was lost; it must outlast IAM's lag. Here the lists lag 3 s.
// With a 1 s window Ensure gives up looking, uploads again, and reports the
// DuplicateCertificate IAM answers, though the user holds the certificate;
// with the default 10 s it finds the first upload and succeeds.
func ExampleWithPropagationWait() {
	for _, window := range []time.Duration{time.Second, sigcert.DefaultPropagationWait} {
		clock := &testClock{now: time.Now()}
		fake := sigcerttest.NewFake("Bob")
		fake.SetClock(clock.Now)
		fake.SetPropagationDelay(3 * time.Second)
		fake.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenCode: "InternalFailure"})
		up := sigcert.NewUploader(fake, sigcert.WithClock(clock.Now), sigcert.WithWait(clock.Wait),
			sigcert.WithPropagationWait(window))

		_, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
		fmt.Printf("window %v: error %q, uploads %d, held %d\n", window, sigcert.Code(err),
			fake.Requests("UploadSigningCertificate"), len(fake.Certificates("Bob")))
	}
	// Output:
	// window 1s: error "DuplicateCertificate", uploads 2, held 1
	// window 10s: error "", uploads 1, held 1
}

// One retry budget for the whole call: with 2 attempts, two throttled
// uploads fail Ensure; with the default 4, the third upload succeeds.
func ExampleWithRetry() {
	for _, attempts := range []int{2, 4} {
		clock := &testClock{now: time.Now()}
		fake := sigcerttest.NewFake("Bob")
		fake.SetClock(clock.Now)
		fake.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Code: "Throttling", Count: 2})
		up := sigcert.NewUploader(fake, sigcert.WithClock(clock.Now), sigcert.WithWait(clock.Wait),
			sigcert.WithRetry(sigcert.Backoff{Attempts: attempts, Base: 100 * time.Millisecond}))

		_, err := up.Ensure(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
		fmt.Printf("%d attempts: error %q, uploads %d\n", attempts, sigcert.Code(err), fake.Requests("UploadSigningCertificate"))
	}
	// Output:
	// 2 attempts: error "Throttling", uploads 2
	// 4 attempts: error "", uploads 3
}

// Code names the IAM error an error stands for, whether IAM answered it or
// sigcert refused before sending: one word for a log line or a metric.
func ExampleCode() {
	api := &sigcerttest.FuncAPI{
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, sigcerttest.APIError("UploadSigningCertificate", "LimitExceeded")
		},
	}
	up := sigcert.NewUploader(api)
	ctx := context.Background()

	_, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Printf("%q\n", sigcert.Code(err))
	_, err = up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().KeyPEM})
	fmt.Printf("%q\n", sigcert.Code(err))
	_, err = up.Upload(ctx, sigcert.Request{UserName: "Bob/Alice", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Printf("%q\n", sigcert.Code(err))
	fmt.Printf("%q\n", sigcert.Code(errors.New("not from IAM")))
	// Output:
	// "LimitExceeded"
	// "MalformedCertificate"
	// "ValidationError"
	// ""
}

// WithClock checks validity at another time: will this certificate still
// be accepted at next month's deployment?
func ExampleWithClock() {
	cert := sigcerttest.NewCert(sigcerttest.WithValidity(time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour)))
	nextMonth := sigcert.NewUploader(nil, sigcert.WithClock(func() time.Time { return time.Now().AddDate(0, 1, 0) }))

	_, err := nextMonth.Check(sigcert.Request{UserName: "Bob", CertificateBody: cert.PEM})
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate), errors.Is(err, validate.ErrExpired))
	// Output: true true
}
