package iammodel_test

import (
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/iamkit/signingcert/internal/iammodel"
)

// The certificate of the UploadSigningCertificate response recorded from
// IAM in 2010 in the Ruby gem stratus (serverworks/stratus,
// spec/stratus/aws/iam_spec.rb, upload_signing_certificate_response), and
// the id IAM gave it in that response.
const (
	recordedCertificate = "testdata/stratus-2010.pem"
	recordedID          = "PBEX2T7R5DA3SVZHQDK2HQ2G3ZOP7SYA"
)

func TestCertificateIDMatchesRecordedIAM(t *testing.T) {
	body, err := os.ReadFile(recordedCertificate)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(body)
	if block == nil {
		t.Fatal("testdata holds no PEM block")
	}
	if got := iammodel.CertificateID(block.Bytes); got != recordedID {
		t.Errorf("CertificateID = %s, IAM answered %s", got, recordedID)
	}

	// The model issues that id on upload, at a time the certificate was
	// valid (2010-09-08 to 2010-10-08; it was uploaded 2010-09-08T09:24:47Z).
	m := newModel(t)
	m.SetClock(func() time.Time { return time.Date(2010, 9, 8, 9, 24, 47, 0, time.UTC) })
	c := upload(t, m, "Bob", string(body))
	if c.CertificateID != recordedID {
		t.Errorf("uploaded id = %s, IAM answered %s", c.CertificateID, recordedID)
	}
}
