package validate

// Internals the external tests compare against their references.
var (
	ScanBody    = scanBody
	RefScanBody = refScanBody
)

// DecodeUsual and DecodeGeneral are the two PEM decoders Parse chooses
// between; FuzzDecodeUsual checks they agree.
var (
	DecodeUsual   = decodeUsual
	DecodeGeneral = decodeGeneral
)

// DERWindow is the RFC 5280 walk Parse judges certificates crypto/x509
// refuses by.
var DERWindow = derWindow
