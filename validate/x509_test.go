package validate_test

import "crypto/x509"

func x509ParseFails(der []byte) (*x509.Certificate, error) { return x509.ParseCertificate(der) }
