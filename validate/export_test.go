package validate

// Internals the external tests compare against their references.
var (
	ScanBody    = scanBody
	RefScanBody = refScanBody
)
