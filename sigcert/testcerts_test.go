package sigcert_test

import "strings"

// crlf returns a PEM body with CRLF line endings, as a file saved on
// Windows holds it: the test certificates come from sigcerttest's public
// factory (NewCert and its kin), which users' tests use too, and the body
// layouts people really paste are made from them here.
func crlf(pem string) string { return strings.ReplaceAll(pem, "\n", "\r\n") }
