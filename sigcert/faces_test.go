package sigcert_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
	"github.com/iamkit/signingcert/sigcert/sigcerttest"
)

// endpoint is a local IAM behind sigcert.API, with a view of its state.
type endpoint interface {
	sigcert.API
	Certificates(userName string) []types.SigningCertificate
}

// faces are the two faces of the local IAM: every workflow test runs on both.
var faces = []struct {
	name string
	new  func(t *testing.T, users ...string) endpoint
}{
	{"fake", func(t *testing.T, users ...string) endpoint { return sigcerttest.NewFake(users...) }},
	{"http", func(t *testing.T, users ...string) endpoint {
		srv := sigcerttest.NewServer(users...)
		t.Cleanup(srv.Close)
		return httpEndpoint{srv.Client(), srv}
	}},
}

type httpEndpoint struct {
	*iam.Client
	srv *sigcerttest.Server
}

func (h httpEndpoint) Certificates(user string) []types.SigningCertificate {
	return h.srv.Certificates(user)
}

// forEachFace runs f on a fresh endpoint of each face with the given users.
func forEachFace(t *testing.T, users []string, f func(t *testing.T, ep endpoint)) {
	for _, face := range faces {
		t.Run(face.name, func(t *testing.T) { f(t, face.new(t, users...)) })
	}
}

// held summarises a user's certificates on the endpoint as "id:Status".
func held(ep endpoint, user string) []string {
	var out []string
	for _, c := range ep.Certificates(user) {
		out = append(out, *c.CertificateId+":"+string(c.Status))
	}
	return out
}

// A DuplicateCertificate answer for a certificate the user does hold, as

// after a lost response, resolves to the held certificate.

// After an upload whose outcome is unknown, Ensure lists before uploading

// again, so even an endpoint that does not detect duplicates ends with one

// copy.

// seed uploads bodies to user and sets the statuses, in order.
func seed(t *testing.T, ep endpoint, user string, statuses ...types.StatusType) []string {
	t.Helper()
	up := newUploader(ep)
	var ids []string
	for _, st := range statuses {
		c, err := up.Upload(context.Background(), sigcert.Request{UserName: user, CertificateBody: sigcerttest.NewCert().PEM})
		if err != nil {
			t.Fatal(err)
		}
		if st != types.StatusTypeActive {
			if err := up.SetStatus(context.Background(), user, c.CertificateID, st); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, c.CertificateID)
	}
	return ids
}

func actions(steps []sigcert.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Action)+" "+s.CertificateID)
	}
	return out
}

func at(ids []string, i int) string {
	if i < len(ids) {
		return ids[i]
	}
	return "(none)"
}

func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// The lost response over HTTP: the endpoint stores the certificate and drops

// the connection before answering. Ensure must not upload a second copy and

// must not report an error while the certificate is attached.
