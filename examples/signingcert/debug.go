package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// debugHeaders are the only headers --debug prints with their values; any
// other header is named with its value withheld. Authorization (key id and
// signature), X-Amz-Security-Token and the body are never printed.
var debugHeaders = map[string]bool{
	"Content-Type":     true,
	"Content-Length":   true,
	"X-Amz-Date":       true,
	"X-Amzn-Requestid": true,
	"Date":             true,
	"Amz-Sdk-Request":  true,
}

// debugLog returns an SDK middleware that writes one line per HTTP request
// and one per response to w. It sits in the deserialize step, after signing
// and retries, so it sees each attempt as sent.
func debugLog(w io.Writer, now func() time.Time) func(*middleware.Stack) error {
	if now == nil {
		now = time.Now
	}
	var mu sync.Mutex // commands may call concurrently
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, format, args...)
	}
	return func(s *middleware.Stack) error {
		return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("signingcert.debug",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				op := middleware.GetOperationName(ctx)
				start := now()
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					u := *req.URL
					u.RawQuery, u.User = "", nil // a presigned query would hold a signature
					logf("DEBUG %s request: %s %s headers: %s\n", op, req.Method, u.String(), headerSummary(req.Header))
				}
				out, md, err := next.HandleDeserialize(ctx, in)
				took := now().Sub(start).Round(time.Millisecond)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
					logf("DEBUG %s response: %d %s in %s headers: %s\n", op, resp.StatusCode, strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))), took, headerSummary(resp.Header))
				} else if err != nil {
					logf("DEBUG %s no response after %s: %s\n", op, took, oneLine(errorText(err)))
				}
				return out, md, err
			}), middleware.After)
	}
}

// headerSummary lists header names in order, with the values of the safe
// ones only.
func headerSummary(h map[string][]string) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		if debugHeaders[k] {
			parts = append(parts, k+"="+oneLine(strings.Join(h[k], ",")))
		} else {
			parts = append(parts, k+"=(withheld)")
		}
	}
	return strings.Join(parts, " ")
}
