package validate

import (
	"github.com/iamkit/signingcert/internal/iamspec"
)

// CertificateID checks id against IAM's constraints on the CertificateId
// parameter of List, Update and Delete: 24 to 128 characters, each an ASCII
// letter, digit or underscore. A refusal is an *Error with Field
// "CertificateId" and Reason ErrEmpty, ErrTooShort, ErrTooLong or
// ErrInvalidCharacter.
func CertificateID(id string) error {
	const field = iamspec.FieldCertificateID
	if id == "" {
		return refuse(field, ErrEmpty, -1, "IAM requires %d to %d characters", iamspec.CertificateIDMinLen, iamspec.CertificateIDMaxLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !userNameByte[c] || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-' {
			return refuse(field, ErrInvalidCharacter, i, "%s; IAM allows A-Z a-z 0-9 and _", describeAt(id, i))
		}
	}
	if len(id) < iamspec.CertificateIDMinLen {
		return refuse(field, ErrTooShort, -1, "%d characters, at least %d required", len(id), iamspec.CertificateIDMinLen)
	}
	if len(id) > iamspec.CertificateIDMaxLen {
		return refuse(field, ErrTooLong, iamspec.CertificateIDMaxLen, "%d characters, at most %d allowed", len(id), iamspec.CertificateIDMaxLen)
	}
	return nil
}

// Status checks that status is one IAM's UpdateSigningCertificate accepts:
// "Active" or "Inactive". A refusal is an *Error with Field "Status" and
// Reason ErrInvalidValue.
func Status(status string) error {
	if status == "Active" || status == "Inactive" {
		return nil
	}
	return refuse(iamspec.FieldStatus, ErrInvalidValue, -1, "%.32q is not Active or Inactive", status)
}
