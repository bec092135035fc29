// Package prototest is a test helper for the protocol codecs: it loads the
// AWS protocol test fixtures (testdata/protocol_tests), builds *wire.Shape
// graphs and operations from botocore-style shape definitions, turns
// fixture values into canonical values and back into comparable ones, and
// compares XML documents structurally. It is imported by tests only.
package prototest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/orgstack/orgstack/internal/wire"
)

// Suite is one fixture suite: shapes shared by its cases.
type Suite struct {
	Description string                     `json:"description"`
	Metadata    Metadata                   `json:"metadata"`
	Shapes      map[string]json.RawMessage `json:"shapes"`
	Cases       []Case                     `json:"cases"`
}

// Case is one fixture case. Input cases carry Params and Serialized;
// output cases carry Result and Response.
type Case struct {
	// Key names the case in skip lists: "<suite description>/<index>".
	Key        string          `json:"-"`
	Given      Given           `json:"given"`
	Params     json.RawMessage `json:"params"`
	Serialized *Serialized     `json:"serialized"`
	Result     json.RawMessage `json:"result"`
	Response   *Response       `json:"response"`
}

// Serialized is the request a client sends.
type Serialized struct {
	Method        string            `json:"method"`
	URI           string            `json:"uri"`
	Host          string            `json:"host"`
	Headers       map[string]string `json:"headers"`
	ForbidHeaders []string          `json:"forbidHeaders"`
	Body          string            `json:"body"`
}

// Response is the response a client receives.
type Response struct {
	StatusCode int               `json:"status_code"`
	Headers    map[string]string `json:"headers"`
	// Body is nil when the case does not give one.
	Body *string `json:"body"`
}

// Path returns the path of a fixture file, e.g. Path("input/json.json").
func Path(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "protocol_tests", filepath.FromSlash(name))
}

// Load reads a fixture file by its name under testdata/protocol_tests.
func Load(name string) ([]Suite, error) {
	b, err := os.ReadFile(Path(name))
	if err != nil {
		return nil, err
	}
	var suites []Suite
	if err := json.Unmarshal(b, &suites); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for si := range suites {
		for ci := range suites[si].Cases {
			suites[si].Cases[ci].Key = fmt.Sprintf("%s/%d", suites[si].Description, ci)
		}
	}
	return suites, nil
}

// Shapes parses a botocore-style "shapes" object for Build. It panics on
// malformed JSON (the text is a test's own constant).
func Shapes(text string) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		panic("prototest.Shapes: " + err.Error())
	}
	return m
}

// Build returns a finished service holding only c's operation, with a
// fresh shape graph (cases of one suite may set different payloads).
func (s *Suite) Build(c *Case) (*wire.Service, *wire.Operation, error) {
	svc, err := Build(s.Metadata, s.Shapes, c.Given)
	if err != nil {
		return nil, nil, err
	}
	return svc, svc.Operation(c.Given.Name), nil
}

// Request builds the HTTP request of an input case and returns it with
// its body. The method defaults to the operation's, then POST; host is
// kept as the request's Host.
func (c *Case) Request() (*http.Request, []byte) {
	s := c.Serialized
	method := s.Method
	if method == "" {
		method = c.Given.HTTP.Method
	}
	if method == "" {
		method = http.MethodPost
	}
	body := []byte(s.Body)
	r := httptest.NewRequest(method, s.URI, bytes.NewReader(body))
	for k, v := range s.Headers {
		r.Header.Set(k, v)
	}
	if s.Host != "" {
		r.Host = s.Host
	}
	return r, body
}

// DecodeJSON parses a fixture value, keeping numbers exact. Empty input
// is nil.
func DecodeJSON(raw []byte) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Compare checks a recorded response's status and headers: those the
// case lists, and no others except Content-Type, Content-Length and
// x-amzn-RequestId. Content-Length is framing: a server's is the length
// of the body it wrote, whatever a case lists (one case hands a header
// map a Content-Length that does not match its body), so it is checked
// against the body instead.
func (r *Response) Compare(got *httptest.ResponseRecorder) error {
	if got.Code != r.StatusCode {
		return fmt.Errorf("status %d, want %d", got.Code, r.StatusCode)
	}
	listed := map[string]bool{"Content-Type": true, "Content-Length": true, "X-Amzn-Requestid": true}
	for k, v := range r.Headers {
		k = http.CanonicalHeaderKey(k)
		listed[k] = true
		if k == "Content-Length" {
			v = strconv.Itoa(got.Body.Len())
		}
		if g := got.Header().Get(k); g != v {
			return fmt.Errorf("header %s = %q, want %q", k, g, v)
		}
	}
	for k := range got.Header() {
		if !listed[k] {
			return fmt.Errorf("unexpected header %s: %q", k, got.Header().Get(k))
		}
	}
	return nil
}
