package sigcerttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file serves the control API under ControlPath: reset, faults and
// request counts over plain HTTP with JSON, so that tests written in any
// language (boto3, the AWS CLI in a shell script, curl) can drive a fakeiam
// as Go tests drive a Server. It is unsigned, as moto's /moto-api/ is: the
// fake is for loopback only.

// maxControlBytes bounds a control request's body; a Fault is a few hundred
// bytes.
const maxControlBytes = 64 << 10

// RequestCounts is the answer of GET /_sigcerttest/requests: the requests of
// IAM's API the server has received, faulted and refused ones included.
type RequestCounts struct {
	// Total counts every request, those without an Action included.
	Total int `json:"total"`
	// Actions counts requests by their Action parameter.
	Actions map[string]int `json:"actions"`
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	switch name := strings.TrimPrefix(r.URL.Path, ControlPath); name {
	case "reset":
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.Reset()
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case "faults":
		if !allow(w, r, http.MethodPost, http.MethodDelete) {
			return
		}
		if r.Method == http.MethodDelete {
			s.ClearFaults()
			writeJSON(w, http.StatusOK, map[string]string{"status": "cleared"})
			return
		}
		f, err := decodeFault(r.Body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		s.Inject(f)
		writeJSON(w, http.StatusOK, map[string]string{"status": "injected"})
	case "requests":
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, s.requestCounts())
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": fmt.Sprintf("no control call %q: use %sreset, %sfaults or %srequests", name, ControlPath, ControlPath, ControlPath)})
	}
}

// allow answers 405 and returns false if r's method is not one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
		"error": fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, strings.Join(methods, " or "))})
	return false
}

// decodeFault reads one Fault as JSON. Field names match Fault's, in any
// case. Latency is a Go duration string ("250ms") or a number of
// nanoseconds. Unknown fields are refused, so a misspelt field is not
// silently a fault that matches every request.
func decodeFault(body io.Reader) (Fault, error) {
	if body == nil {
		return Fault{}, fmt.Errorf("no body: send a Fault as JSON")
	}
	b, err := io.ReadAll(io.LimitReader(body, maxControlBytes+1))
	if err != nil {
		return Fault{}, fmt.Errorf("reading the body: %v", err)
	}
	if len(b) > maxControlBytes {
		return Fault{}, fmt.Errorf("the body exceeds %d bytes", maxControlBytes)
	}
	var in struct {
		Fault
		// Latency shadows Fault.Latency, to accept a duration string.
		Latency json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Fault{}, fmt.Errorf("the body is not a Fault as JSON: %v", err)
	}
	if dec.More() {
		return Fault{}, fmt.Errorf("the body holds more than one JSON value")
	}
	f := in.Fault
	if len(in.Latency) > 0 && string(in.Latency) != "null" {
		var text string
		if json.Unmarshal(in.Latency, &text) == nil {
			d, err := time.ParseDuration(text)
			if err != nil {
				return Fault{}, fmt.Errorf("Latency: %v", err)
			}
			f.Latency = d
		} else if n, err := strconv.ParseInt(string(in.Latency), 10, 64); err == nil {
			f.Latency = time.Duration(n)
		} else {
			return Fault{}, fmt.Errorf("Latency %s: want a duration such as \"250ms\" or a number of nanoseconds", in.Latency)
		}
	}
	if f.Latency < 0 {
		return Fault{}, fmt.Errorf("Latency %v is negative", f.Latency)
	}
	return f, nil
}

func (s *Server) requestCounts() RequestCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := RequestCounts{Total: s.total, Actions: make(map[string]int, len(s.requests))}
	for a, n := range s.requests {
		c.Actions[a] = n
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // the values written here always marshal
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
