package sigcerttest_test

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// The Examples here import only public packages: copy them into your tests.

func ExampleNewFake() {
	fake := sigcerttest.NewFake("Bob")
	_, err := fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String("invalid-certificate-body"),
	})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
		fmt.Println(ae.ErrorMessage())
	}
	// Output:
	// MalformedCertificate
	// Certificate invalid-certificate-body is malformed.
}

func ExampleNewServer() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client()

	out, err := client.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String(sigcerttest.NewCert().PEM),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*out.Certificate.UserName, out.Certificate.Status)
	fmt.Println(len(srv.Certificates("Bob")), "certificate stored")
	// Output:
	// Bob Active
	// 1 certificate stored
}

func ExampleServer_Inject() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", Count: 3, Code: "ServiceFailure"})

	_, err := srv.Client().UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String(sigcerttest.NewCert().PEM),
	})
	var sf *types.ServiceFailureException
	fmt.Println(errors.As(err, &sf))
	fmt.Println(srv.Requests("UploadSigningCertificate"), "attempts")
	// Output:
	// true
	// 3 attempts
}

// A hand-written double returns IAM's answer in one call, and sigcert sees
// it exactly as it would see the real client's.
func ExampleAPIError() {
	err := sigcerttest.APIError("UploadSigningCertificate", "DuplicateCertificate",
		sigcerttest.WithRequestID("req-1"), sigcerttest.WithMessage("The Certificate is already in use."))

	var dup *types.DuplicateCertificateException
	var re *awshttp.ResponseError
	fmt.Println(errors.As(err, &dup), errors.As(err, &re), re.HTTPStatusCode(), re.ServiceRequestID())
	fmt.Println(err)
	// Output:
	// true true 409 req-1
	// operation error IAM: UploadSigningCertificate, https response error StatusCode: 409, RequestID: req-1, DuplicateCertificate: The Certificate is already in use.
}

// A code the operation does not model is a *smithy.GenericAPIError, as the
// SDK makes it; the status is IAM's for the code.
func ExampleAPIError_generic() {
	err := sigcerttest.APIError("ListSigningCertificates", "Throttling", sigcerttest.WithMessage("Rate exceeded"))

	var ge *smithy.GenericAPIError
	fmt.Println(errors.As(err, &ge), ge.Code, ge.Message)
	fmt.Println(errors.Is(sigcertError(err), sigcert.ErrThrottling))
	// Output:
	// true Throttling Rate exceeded
	// true
}

// sigcertError passes err through an Uploader, as a test of code that uses
// sigcert sees it.
func sigcertError(err error) error {
	api := &sigcerttest.FuncAPI{
		List: func(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
			return nil, err
		},
	}
	_, got := sigcert.NewUploader(api).List(context.Background(), "Bob")
	return got
}

// A double for a test that cares about one call: unset operations fail,
// naming themselves.
func ExampleFuncAPI() {
	api := &sigcerttest.FuncAPI{
		Upload: func(context.Context, *iam.UploadSigningCertificateInput, ...func(*iam.Options)) (*iam.UploadSigningCertificateOutput, error) {
			return nil, sigcerttest.APIError("UploadSigningCertificate", "LimitExceeded",
				sigcerttest.WithMessage("Cannot exceed quota for CertificatesPerUser: 2"))
		},
	}
	up := sigcert.NewUploader(api)

	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Println(errors.Is(err, sigcert.ErrLimitExceeded))

	_, err = up.List(context.Background(), "Bob")
	fmt.Println(errors.Is(err, errors.ErrUnsupported), strings.Contains(err.Error(), "ListSigningCertificates"))

	for _, c := range api.Calls() {
		fmt.Println(c.Operation)
	}
	// Output:
	// true
	// true true
	// UploadSigningCertificate
	// ListSigningCertificates
}

func ExampleNewCert() {
	cert := sigcerttest.NewCert(
		sigcerttest.WithKey(sigcerttest.ECDSAP384),
		sigcerttest.WithSubject(pkix.Name{CommonName: "bob", Organization: []string{"Example Corp"}}),
		sigcerttest.WithValidity(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
		sigcerttest.WithSerial(big.NewInt(42)),
	)
	fmt.Println(cert.X509.Subject, cert.X509.SerialNumber, cert.X509.PublicKeyAlgorithm)
	fmt.Println(cert.X509.NotBefore.Format(time.DateOnly), cert.X509.NotAfter.Format(time.DateOnly))
	fmt.Println(strings.HasPrefix(cert.PEM, "-----BEGIN CERTIFICATE-----"), strings.HasPrefix(cert.KeyPEM, "-----BEGIN PRIVATE KEY-----"))
	// Output:
	// CN=bob,O=Example Corp 42 ECDSA
	// 2026-01-01 2027-01-01
	// true true
}

// IAM refuses an expired certificate as MalformedCertificate; sigcert
// refuses it before sending.
func ExampleExpiredCert() {
	up := sigcert.NewUploader(sigcerttest.NewFake("Bob"))
	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.ExpiredCert().PEM})
	var local *sigcert.PreflightError
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate), errors.As(err, &local))
	// Output: true true
}

func ExampleNotYetValidCert() {
	fake := sigcerttest.NewFake("Bob")
	_, err := fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName:        aws.String("Bob"),
		CertificateBody: aws.String(sigcerttest.NotYetValidCert().PEM),
	})
	var mc *types.MalformedCertificateException
	fmt.Println(errors.As(err, &mc))
	// Output: true
}

// A full-chain body: IAM takes one certificate, not a chain.
func ExampleCert_Chain() {
	chain := sigcerttest.NewCert().Chain()
	fmt.Println(strings.Count(chain, "-----BEGIN CERTIFICATE-----"), "certificates")

	_, err := sigcert.NewUploader(nil).Check(sigcert.Request{UserName: "Bob", CertificateBody: chain})
	fmt.Println(errors.Is(err, sigcert.ErrMalformedCertificate))
	// Output:
	// 2 certificates
	// true
}

// An upload applied by IAM and then answered 500: the certificate is
// stored, the caller got an error, and sigcert.OutcomeUnknown says the
// caller must look before trying again (Ensure and Rotate do that
// themselves).
func ExampleFake_Inject() {
	fake := sigcerttest.NewFake("Bob")
	fake.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenCode: "InternalFailure"})
	up := sigcert.NewUploader(fake)

	_, err := up.Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	var se *sigcert.ServiceError
	if errors.As(err, &se) {
		fmt.Println(se.Code, se.StatusCode)
	}
	fmt.Println("outcome unknown:", sigcert.OutcomeUnknown(err))
	fmt.Println(len(fake.Certificates("Bob")), "certificate stored")
	// Output:
	// InternalFailure 500
	// outcome unknown: true
	// 1 certificate stored
}

// A Fault with Count fails that many calls; the next one goes through.
func ExampleFake_Inject_count() {
	fake := sigcerttest.NewFake("Bob")
	fake.Inject(sigcerttest.Fault{Action: "ListSigningCertificates", Count: 2, Code: "Throttling"})
	up := sigcert.NewUploader(fake)

	for i := 0; i < 3; i++ {
		_, err := up.List(context.Background(), "Bob")
		fmt.Println(sigcert.Code(err) + "|" + fmt.Sprint(err == nil))
	}
	// Output:
	// Throttling|false
	// Throttling|false
	// |true
}

func ExampleFake_ClearFaults() {
	fake := sigcerttest.NewFake("Bob")
	fake.Inject(sigcerttest.Fault{Code: "ServiceFailure", Count: 10})
	fake.ClearFaults()

	_, err := sigcert.NewUploader(fake).List(context.Background(), "Bob")
	fmt.Println(err)
	// Output: <nil>
}

// Calls records each call with a copy of its input, faulted ones included:
// a test asserts what its code sent.
func ExampleFake_Calls() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	if _, err := up.Ensure(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range fake.Calls() {
		switch in := c.Input.(type) {
		case *iam.ListSigningCertificatesInput:
			fmt.Println(c.Operation, *in.UserName)
		case *iam.UploadSigningCertificateInput:
			fmt.Println(c.Operation, *in.UserName, strings.HasPrefix(*in.CertificateBody, "-----BEGIN CERTIFICATE-----"))
		}
	}
	// Output:
	// ListSigningCertificates Bob
	// UploadSigningCertificate Bob true
}

func ExampleFake_Requests() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	req := sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}
	for i := 0; i < 2; i++ { // the second Ensure finds the certificate held
		if _, err := up.Ensure(ctx, req); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(fake.Requests("ListSigningCertificates"), "lists,", fake.Requests("UploadSigningCertificate"), "upload,", fake.Requests(""), "calls")
	// Output: 2 lists, 1 upload, 3 calls
}

// The Fake's clock judges certificates as IAM's does, with no tolerance:
// move it past a certificate's end and IAM refuses the certificate.
func ExampleFake_SetClock() {
	fake := sigcerttest.NewFake("Bob")
	cert := sigcerttest.NewCert(sigcerttest.WithValidity(
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	fake.SetClock(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC) })

	_, err := fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateBody: aws.String(cert.PEM),
	})
	var mc *types.MalformedCertificateException
	fmt.Println(errors.As(err, &mc))
	// Output: true
}

// IAM is eventually consistent. With a propagation delay, a write is
// applied at once but lists show it only once the delay has passed on the
// Fake's clock, which the test moves: nothing sleeps.
func ExampleFake_SetPropagationDelay() {
	now := time.Now() // the test's clock; NewCert's certificates are valid now
	fake := sigcerttest.NewFake("Bob")
	fake.SetClock(func() time.Time { return now })
	fake.SetPropagationDelay(5 * time.Second)
	up := sigcert.NewUploader(fake)
	ctx := context.Background()

	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	listed, _ := up.List(ctx, "Bob")
	fmt.Println("at once:", len(listed), "listed,", len(fake.Certificates("Bob")), "stored")

	now = now.Add(5 * time.Second)
	listed, _ = up.List(ctx, "Bob")
	fmt.Println("5s later:", len(listed), "listed")
	// Output:
	// at once: 0 listed, 1 stored
	// 5s later: 1 listed
}

// StaleReads makes the next reads miss the latest write, whatever the
// clock: the lag of one unlucky read.
func ExampleFake_StaleReads() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	fake.StaleReads(1)
	for i := 0; i < 2; i++ {
		listed, _ := up.List(ctx, "Bob")
		fmt.Println(len(listed), "listed")
	}
	// Output:
	// 0 listed
	// 1 listed
}

// Beyond its rate the Fake answers Throttling, as IAM does; the bucket
// refills on the Fake's clock.
func ExampleFake_SetRateLimit() {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	fake := sigcerttest.NewFake("Bob")
	fake.SetClock(func() time.Time { return now })
	fake.SetRateLimit(1, 2) // 1 call a second, bursts of 2
	up := sigcert.NewUploader(fake)
	ctx := context.Background()

	for i := 0; i < 3; i++ {
		_, err := up.List(ctx, "Bob")
		fmt.Println(err == nil, errors.Is(err, sigcert.ErrThrottling))
	}
	now = now.Add(time.Second)
	_, err := up.List(ctx, "Bob")
	fmt.Println("a second later:", err == nil)
	// Output:
	// true false
	// true false
	// false true
	// a second later: true
}

// IAM's API has a third status, Expired, which IAM sets on its own
// schedule; MarkExpired sets it so that a test can see how its code copes.
func ExampleFake_MarkExpired() {
	fake := sigcerttest.NewFake("Bob")
	up := sigcert.NewUploader(fake)
	ctx := context.Background()
	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}
	fake.MarkExpired("Bob", cert.CertificateID)

	listed, err := up.List(ctx, "Bob")
	fmt.Println(len(listed), listed[0].Status, err)
	// Output: 1 Expired <nil>
}

// IAM user names are unique without regard to case.
func ExampleFake_CreateUser() {
	fake := sigcerttest.NewFake()
	ctx := context.Background()
	out, err := fake.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Alice")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*out.User.UserName, *out.User.Path)

	_, err = fake.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	var exists *types.EntityAlreadyExistsException
	var re *awshttp.ResponseError
	fmt.Println(errors.As(err, &exists), errors.As(err, &re) && re.HTTPStatusCode() == 409)
	// Output:
	// Alice /
	// true true
}

// Without a UserName, GetUser returns the caller: the user of the call's
// access key.
func ExampleFake_GetUser() {
	fake := sigcerttest.NewFake("Bob")
	ctx := context.Background()
	me, err := fake.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*me.User.UserName == sigcerttest.DefaultUser)

	_, err = fake.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Carol")})
	var nse *types.NoSuchEntityException
	fmt.Println(errors.As(err, &nse))
	// Output:
	// true
	// true
}

// ListUsers pages as IAM's does, sorted by name without regard to case;
// the Fake always holds DefaultUser, the caller.
func ExampleFake_ListUsers() {
	fake := sigcerttest.NewFake("carol", "Alice", "bob")
	ctx := context.Background()
	in := &iam.ListUsersInput{MaxItems: aws.Int32(2)}
	for page := 1; ; page++ {
		out, err := fake.ListUsers(ctx, in)
		if err != nil {
			fmt.Println(err)
			return
		}
		var names []string
		for _, u := range out.Users {
			names = append(names, *u.UserName)
		}
		fmt.Println("page", page, names, out.IsTruncated)
		if !out.IsTruncated {
			break
		}
		in.Marker = out.Marker
	}
	// Output:
	// page 1 [Alice bob] true
	// page 2 [carol sigcerttest] false
}

// IAM refuses to delete a user who still holds signing certificates.
func ExampleFake_DeleteUser() {
	fake := sigcerttest.NewFake("Bob")
	ctx := context.Background()
	up := sigcert.NewUploader(fake)
	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}

	_, err = fake.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Bob")})
	var conflict *types.DeleteConflictException
	fmt.Println(errors.As(err, &conflict))

	if err := up.Delete(ctx, "Bob", cert.CertificateID); err != nil {
		fmt.Println(err)
		return
	}
	_, err = fake.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Bob")})
	fmt.Println(err, fake.Users())
	// Output:
	// true
	// <nil> [sigcerttest]
}

// AddUser sets a Fake up without calls; Users lists what it holds.
func ExampleFake_AddUser() {
	fake := sigcerttest.NewFake()
	fake.AddUser("Bob")
	fake.AddUser("bob") // the same user: IAM's names ignore case
	fmt.Println(fake.Users())
	// Output: [Bob sigcerttest]
}

func ExampleFake_Users() {
	fmt.Println(sigcerttest.NewFake("Carol", "alice").Users())
	// Output: [Carol alice sigcerttest]
}

// Certificates shows what a user holds, as a list would once every write
// has propagated, without a call the test would have to count.
func ExampleFake_Certificates() {
	fake := sigcerttest.NewFake("Bob")
	if _, err := sigcert.NewUploader(fake).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range fake.Certificates("Bob") {
		fmt.Println(*c.UserName, c.Status, len(*c.CertificateId))
	}
	fmt.Println(fake.Requests(""), "call")
	// Output:
	// Bob Active 32
	// 1 call
}

// A call acts as the user of its credentials' access key: a test of code
// that works on "my own" user (no UserName) gives that code a key.
func ExampleFake_AddAccessKey() {
	fake := sigcerttest.NewFake("Bob")
	fake.AddAccessKey("AKIABOBEXAMPLE", "Bob")
	asBob := sigcert.NewUploader(fake, sigcert.WithAPIOptions(func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOBEXAMPLE", sigcerttest.DefaultSecretAccessKey, "")
	}))

	cert, err := asBob.Upload(context.Background(), sigcert.Request{CertificateBody: sigcerttest.NewCert().PEM}) // no UserName
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cert.UserName, len(fake.Certificates("Bob")))
	// Output: Bob 1
}

// With its own secret, a key signs only with that secret: another is
// refused with SignatureDoesNotMatch, as IAM refuses a bad signature.
func ExampleFake_AddAccessKeyWithSecret() {
	fake := sigcerttest.NewFake("Bob")
	fake.AddAccessKeyWithSecret("AKIABOBEXAMPLE", "bob-secret", "Bob")
	as := func(secret string) func(*iam.Options) {
		return func(o *iam.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOBEXAMPLE", secret, "")
		}
	}
	ctx := context.Background()

	_, err := fake.GetUser(ctx, &iam.GetUserInput{}, as("wrong-secret"))
	var ae smithy.APIError
	fmt.Println(errors.As(err, &ae) && ae.ErrorCode() == "SignatureDoesNotMatch")

	me, err := fake.GetUser(ctx, &iam.GetUserInput{}, as("bob-secret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*me.User.UserName)
	// Output:
	// true
	// Bob
}

// StartTLS serves HTTPS with a certificate made for 127.0.0.1, which the
// server's own clients trust.
func ExampleServer_StartTLS() {
	srv := sigcerttest.NewUnstartedServer("Bob")
	srv.StartTLS()
	defer srv.Close()

	out, err := srv.Client().ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(srv.URL, "https://127.0.0.1:"), len(out.Certificates))
	fmt.Println(srv.Certificate().VerifyHostname("127.0.0.1"))
	// Output:
	// true 0
	// <nil>
}

// Certificate is nil on plain HTTP; after StartTLS it is the certificate a
// client in another language (or the AWS CLI's --ca-bundle) must trust.
func ExampleServer_Certificate() {
	plain := sigcerttest.NewServer()
	defer plain.Close()
	fmt.Println(plain.Certificate() == nil)

	tls := sigcerttest.NewUnstartedServer()
	tls.StartTLS()
	defer tls.Close()
	pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tls.Certificate().Raw})
	fmt.Println(strings.HasPrefix(string(pemText), "-----BEGIN CERTIFICATE-----"), tls.Certificate().DNSNames)
	// Output:
	// true
	// true [localhost]
}

// One Server for a whole test binary: Reset between tests puts back the
// users it was set up with and forgets what requests did.
func ExampleServer_Reset() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	ctx := context.Background()
	client := srv.Client()
	if _, err := client.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateBody: aws.String(sigcerttest.NewCert().PEM),
	}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Carol")}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(srv.Certificates("Bob")), srv.Users(), srv.Requests(""))

	srv.Reset()
	fmt.Println(len(srv.Certificates("Bob")), srv.Users(), srv.Requests(""))
	// Output:
	// 1 [Bob Carol sigcerttest] 2
	// 0 [Bob sigcerttest] 0
}

// HTTPClient is the server's one *http.Client, for requests of your own,
// here to the control API under ControlPath.
func ExampleServer_HTTPClient() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	if _, err := srv.Client().ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")}); err != nil {
		fmt.Println(err)
		return
	}

	resp, err := srv.HTTPClient().Get(srv.URL + sigcerttest.ControlPath + "requests")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var counts sigcerttest.RequestCounts
	if err := json.NewDecoder(resp.Body).Decode(&counts); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(counts.Total, counts.Actions)
	// Output: 1 map[ListSigningCertificates:1]
}

// Handler mounts the endpoint in a server of your own, here under /iam/.
// Its control API takes faults as JSON, for tests written in any language.
func ExampleServer_Handler() {
	srv := sigcerttest.NewUnstartedServer("Bob") // never started: only its Handler serves
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/iam/", http.StripPrefix("/iam", srv.Handler()))
	front := httptest.NewServer(mux)
	defer front.Close()

	fault := `{"Action": "ListSigningCertificates", "Code": "Throttling"}`
	resp, err := front.Client().Post(front.URL+"/iam"+sigcerttest.ControlPath+"faults", "application/json", strings.NewReader(fault))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	client := iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(front.URL + "/iam/"),
		Credentials:  credentials.NewStaticCredentialsProvider(sigcerttest.DefaultAccessKeyID, sigcerttest.DefaultSecretAccessKey, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   front.Client(),
	})
	_, err = client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	fmt.Println(errors.Is(sigcertError(err), sigcert.ErrThrottling))
	// Output:
	// 200
	// true
}

// The Server judges a request's signature date on its signing clock, as
// IAM refuses a request dated more than 15 minutes from its own time.
func ExampleServer_SetSigningClock() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.SetSigningClock(func() time.Time { return time.Now().Add(time.Hour) })

	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} }) // one attempt: no skew correction
	_, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode(), strings.Contains(ae.ErrorMessage(), "Signature expired"))
	}
	// Output: SignatureDoesNotMatch true
}

// NewUnstartedServer lets a test change the server before it serves.
func ExampleNewUnstartedServer() {
	srv := sigcerttest.NewUnstartedServer("Bob")
	srv.Config.ReadHeaderTimeout = 2 * time.Second
	srv.Start()
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.Users())
	// Output: true [Bob sigcerttest]
}

// Client's options change any setting: here the credentials, to act as
// another user of the server.
func ExampleServer_Client() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.AddAccessKeyWithSecret("AKIABOBEXAMPLE", "bob-secret", "Bob")
	asBob := srv.Client(func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOBEXAMPLE", "bob-secret", "")
	})

	me, err := asBob.GetUser(context.Background(), &iam.GetUserInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*me.User.UserName)
	// Output: Bob
}

// Over HTTP, the SDK's retryer meets the Throttling: with one attempt the
// third request fails, as it would against IAM.
func ExampleServer_SetRateLimit() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	now := time.Now()
	srv.SetClock(func() time.Time { return now }) // the bucket refills only when the test moves the clock
	srv.SetRateLimit(1, 2)
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })

	for i := 0; i < 3; i++ {
		_, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
		if err != nil {
			fmt.Println(sigcert.Code(sigcertError(err)))
			continue
		}
		fmt.Println("ok")
	}
	// Output:
	// ok
	// ok
	// Throttling
}

// An upload applied and then answered 503 over HTTP. The SDK's retryer
// sends it again and IAM answers DuplicateCertificate: the certificate is
// held, yet the caller sees a failure. sigcert's Ensure resolves it by
// listing.
func ExampleFault() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenCode: "ServiceUnavailable"})
	req := sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}

	_, err := sigcert.NewUploader(srv.Client()).Upload(context.Background(), req)
	fmt.Println(sigcert.Code(err), srv.Requests("UploadSigningCertificate"), "requests,", len(srv.Certificates("Bob")), "held")

	cert, err := sigcert.NewUploader(srv.Client()).Ensure(context.Background(), req)
	fmt.Println(cert.Status, err)
	// Output:
	// DuplicateCertificate 2 requests, 1 held
	// Active <nil>
}

// What only HTTP can do: answer nothing. ApplyThenDrop stores the upload
// and closes the connection; the SDK sees a transport error.
func ExampleFault_applyThenDrop() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "UploadSigningCertificate", ApplyThenDrop: true})
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })

	_, err := sigcert.NewUploader(client).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	fmt.Println(sigcert.OutcomeUnknown(err), len(srv.Certificates("Bob")), "held")
	// Output: true 1 held
}

func ExampleServer_ClearFaults() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Code: "ServiceFailure", Count: 10})
	srv.ClearFaults()

	_, err := srv.Client().ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	fmt.Println(err, srv.Requests("ListSigningCertificates"))
	// Output: <nil> 1
}

// A table test over every key type a test certificate can have.
func ExampleKeyTypes() {
	fake := sigcerttest.NewFake("Bob")
	for _, k := range sigcerttest.KeyTypes() {
		cert := sigcerttest.NewCert(sigcerttest.WithKey(k))
		_, err := fake.UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
			UserName: aws.String("Bob"), CertificateBody: aws.String(cert.PEM),
		})
		fmt.Println(k, cert.X509.PublicKeyAlgorithm, err == nil)
		fake = sigcerttest.NewFake("Bob") // a user holds at most two
	}
	// Output:
	// RSA2048 RSA true
	// RSA3072 RSA true
	// RSA4096 RSA true
	// ECDSAP256 ECDSA true
	// ECDSAP384 ECDSA true
	// Ed25519 Ed25519 true
}

// Serial, subject and validity fixed, an RSA certificate is the same in
// every run: the same bytes, so the same certificate id in IAM.
func ExampleWithSerial() {
	stable := func() sigcerttest.Cert {
		return sigcerttest.NewCert(sigcerttest.WithSerial(big.NewInt(1)),
			sigcerttest.WithValidity(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	first, second := stable(), stable()
	fmt.Println(first.PEM == second.PEM)

	fake := sigcerttest.NewFake("Alice", "Bob")
	ctx := context.Background()
	out, err := fake.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("Alice"), CertificateBody: aws.String(stable().PEM)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*out.Certificate.CertificateId)
	_, err = fake.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("Bob"), CertificateBody: aws.String(stable().PEM)})
	var dup *types.DuplicateCertificateException
	fmt.Println(errors.As(err, &dup))
	// Output:
	// true
	// 62SJWGOMACA6XQGB7QXZEC2ADSUBG6NW
	// true
}

// A status other than IAM's own for the code, such as a 503 Throttling
// from a proxy in front of IAM.
func ExampleWithStatus() {
	err := sigcerttest.APIError("ListSigningCertificates", "Throttling", sigcerttest.WithStatus(503))
	var re *awshttp.ResponseError
	fmt.Println(errors.As(err, &re), re.HTTPStatusCode())
	var se *sigcert.ServiceError
	err = sigcertError(err)
	fmt.Println(errors.As(err, &se), se.StatusCode, sigcert.OutcomeUnknown(err))
	// Output:
	// true 503
	// true 503 true
}

// The error a real client returns once its retryer gave up: the last
// answer inside the SDK's *retry.MaxAttemptsError.
func ExampleWithAttempts() {
	err := sigcerttest.APIError("UploadSigningCertificate", "ServiceFailure", sigcerttest.WithAttempts(3))
	fmt.Println(strings.Contains(err.Error(), "exceeded maximum number of attempts, 3"))
	var sf *types.ServiceFailureException
	fmt.Println(errors.As(err, &sf))
	// Output:
	// true
	// true
}

// CallCount and Calls show what a FuncAPI received, unset operations
// included.
func ExampleFuncAPI_Calls() {
	api := &sigcerttest.FuncAPI{}
	up := sigcert.NewUploader(api)
	err := up.Delete(context.Background(), "Bob", "ASCACKCEVSQ6C2EXAMPLE1234")
	fmt.Println(errors.Is(err, errors.ErrUnsupported)) // Delete is not set
	for _, c := range api.Calls() {
		in := c.Input.(*iam.DeleteSigningCertificateInput)
		fmt.Println(c.Operation, *in.UserName, *in.CertificateId)
	}
	fmt.Println(api.CallCount("DeleteSigningCertificate"), api.CallCount("UploadSigningCertificate"))
	// Output:
	// true
	// DeleteSigningCertificate Bob ASCACKCEVSQ6C2EXAMPLE1234
	// 1 0
}

// The Server's setup methods mirror the Fake's: AddUser, then Users and
// Certificates to see the state without a request the test would count.
func ExampleServer_AddUser() {
	srv := sigcerttest.NewServer()
	defer srv.Close()
	srv.AddUser("Bob")
	if _, err := sigcert.NewUploader(srv.Client()).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(srv.Users(), len(srv.Certificates("Bob")), srv.Requests(""))
	// Output: [Bob sigcerttest] 1 1
}

// Requests counts what reached the server by Action, faulted and retried
// attempts included: the SDK's retries are visible here.
func ExampleServer_Requests() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.Inject(sigcerttest.Fault{Action: "ListSigningCertificates", Code: "ServiceFailure"})
	if _, err := sigcert.NewUploader(srv.Client()).List(context.Background(), "Bob"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(srv.Requests("ListSigningCertificates"), "attempts for one list")
	// Output: 2 attempts for one list
}

// AddAccessKey gives a user a key with the default secret: a client signed
// with it acts as that user.
func ExampleServer_AddAccessKey() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.AddAccessKey("AKIABOBEXAMPLE", "Bob")
	asBob := srv.Client(func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOBEXAMPLE", sigcerttest.DefaultSecretAccessKey, "")
	})
	cert, err := sigcert.NewUploader(asBob).Upload(context.Background(), sigcert.Request{CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cert.UserName)
	// Output: Bob
}

func ExampleServer_AddAccessKeyWithSecret() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	srv.AddAccessKeyWithSecret("AKIABOBEXAMPLE", "bob-secret", "Bob")
	wrong := srv.Client(func(o *iam.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIABOBEXAMPLE", "not-bobs-secret", "")
	})
	_, err := wrong.GetUser(context.Background(), &iam.GetUserInput{})
	var ae smithy.APIError
	fmt.Println(errors.As(err, &ae), ae.ErrorCode())
	// Output: true SignatureDoesNotMatch
}

// Over HTTP as on the Fake: a write shows in lists only once the delay
// has passed on the server's clock.
func ExampleServer_SetPropagationDelay() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	now := time.Now()
	srv.SetClock(func() time.Time { return now })
	srv.SetPropagationDelay(5 * time.Second)
	up := sigcert.NewUploader(srv.Client())
	ctx := context.Background()
	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	listed, _ := up.List(ctx, "Bob")
	fmt.Println(len(listed), "listed,", len(srv.Certificates("Bob")), "stored")
	now = now.Add(5 * time.Second)
	listed, _ = up.List(ctx, "Bob")
	fmt.Println(len(listed), "listed")
	// Output:
	// 0 listed, 1 stored
	// 1 listed
}

// SetClock moves the server's IAM in time, not the signatures' clock:
// here past a certificate's end.
func ExampleServer_SetClock() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	cert := sigcerttest.NewCert(sigcerttest.WithValidity(
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	srv.SetClock(func() time.Time { return time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC) })

	_, err := srv.Client().UploadSigningCertificate(context.Background(), &iam.UploadSigningCertificateInput{
		UserName: aws.String("Bob"), CertificateBody: aws.String(cert.PEM),
	})
	var mc *types.MalformedCertificateException
	fmt.Println(errors.As(err, &mc))
	// Output: true
}

func ExampleServer_StaleReads() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	up := sigcert.NewUploader(srv.Client())
	ctx := context.Background()
	if _, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM}); err != nil {
		fmt.Println(err)
		return
	}
	srv.StaleReads(1)
	for i := 0; i < 2; i++ {
		listed, _ := up.List(ctx, "Bob")
		fmt.Println(len(listed), "listed")
	}
	// Output:
	// 0 listed
	// 1 listed
}

func ExampleServer_MarkExpired() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	up := sigcert.NewUploader(srv.Client())
	ctx := context.Background()
	cert, err := up.Upload(ctx, sigcert.Request{UserName: "Bob", CertificateBody: sigcerttest.NewCert().PEM})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.MarkExpired("Bob", cert.CertificateID)
	fmt.Println(srv.Certificates("Bob")[0].Status)
	// Output: Expired
}

// Close may be deferred at once; calling it again does nothing. A client
// of a closed server gets a transport error.
func ExampleServer_Close() {
	srv := sigcerttest.NewServer("Bob")
	defer srv.Close()
	client := srv.Client(func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	srv.Close()

	_, err := client.ListSigningCertificates(context.Background(), &iam.ListSigningCertificatesInput{UserName: aws.String("Bob")})
	fmt.Println(err != nil)
	// Output: true
}

// Start serves on the Listener, which a test may replace first, here with
// one on a port of its choosing (0: any free port).
func ExampleServer_Start() {
	srv := sigcerttest.NewUnstartedServer("Bob")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	fmt.Println(srv.URL == "http://"+l.Addr().String())
	// Output: true
}

// A certificate about to expire, for a test of an expiry alarm: IAM takes
// it, since it is still valid.
func ExampleWithValidity() {
	now := time.Now()
	cert := sigcerttest.NewCert(sigcerttest.WithValidity(now.Add(-time.Hour), now.Add(7*24*time.Hour)))
	got, err := sigcert.NewUploader(sigcerttest.NewFake("Bob")).Upload(context.Background(), sigcert.Request{UserName: "Bob", CertificateBody: cert.PEM})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Status, got.X509.NotAfter.Sub(now).Round(time.Hour))
	// Output: Active 168h0m0s
}
