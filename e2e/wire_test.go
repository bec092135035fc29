package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/sigv4"
)

// raw sends a request, signed by account for service unless account is
// empty, and returns the status, headers and body.
func (s *srv) raw(t testing.TB, account, service, method, path string, header map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.endpoint+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if account != "" {
		sigv4.Sign(req, []byte(body), account, "secret", "", "us-east-1", service, time.Now().UTC())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func jsonHeaders(target string) map[string]string {
	return map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
}

func decode(t testing.TB, body string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return v
}

// TestWireErrors checks the bytes clients see for requests that never
// reach a handler.
func TestWireErrors(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)

	// No signature at all.
	code, h, body := s.raw(t, "", "", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.ListRoots"), "{}")
	if code != 400 || decode(t, body)["__type"] != "MissingAuthenticationTokenException" || h.Get("x-amzn-RequestId") == "" {
		t.Fatalf("unsigned JSON request: %d %s", code, body)
	}
	code, _, body = s.raw(t, "", "", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=GetRole&Version=2010-05-08&RoleName=x")
	if code != 403 || !strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") || !strings.Contains(body, "<Type>Sender</Type>") {
		t.Fatalf("unsigned query request: %d %s", code, body)
	}
	// An Authorization header without a Signature.
	hdr := jsonHeaders("AWSOrganizationsV20161128.ListRoots")
	hdr["Authorization"] = "AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host"
	hdr["X-Amz-Date"] = "20260101T000000Z"
	code, _, body = s.raw(t, "", "", "POST", "/", hdr, "{}")
	if code != 400 || decode(t, body)["__type"] != "IncompleteSignatureException" {
		t.Fatalf("incomplete signature: %d %s", code, body)
	}

	// Unknown operations.
	code, _, body = s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.MakeCoffee"), "{}")
	if code != 400 || decode(t, body)["__type"] != "UnknownOperationException" {
		t.Fatalf("unknown target: %d %s", code, body)
	}
	code, h, body = s.raw(t, mgmt, "iam", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=MakeCoffee&Version=2010-05-08")
	if code != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") || h.Get("Content-Type") != "text/xml" {
		t.Fatalf("unknown action: %d %s", code, body)
	}

	// Modeled but not implemented: an explicit error, never success.
	code, _, body = s.raw(t, mgmt, "ssm", "POST", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.DescribeParameters"}, "{}")
	if code != 501 || decode(t, body)["__type"] != "NotImplemented" {
		t.Fatalf("not implemented: %d %s", code, body)
	}
	code, h, body = s.raw(t, mgmt, "auditmanager", "GET", "/insights", nil, "")
	if code != 501 || h.Get("x-amzn-ErrorType") != "NotImplemented" || decode(t, body)["message"] == nil {
		t.Fatalf("rest-json not implemented: %d %v %s", code, h, body)
	}

	// Bodies that do not fit the input shape.
	code, _, body = s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.ListAccounts"), `{"MaxResults":"ten"}`)
	if code != 400 || decode(t, body)["__type"] != "SerializationException" {
		t.Fatalf("wrong type: %d %s", code, body)
	}
	code, _, body = s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.ListAccounts"), `{"MaxResults":`)
	if code != 400 || decode(t, body)["__type"] != "SerializationException" {
		t.Fatalf("bad JSON: %d %s", code, body)
	}
	// A required member left out (clients usually catch this themselves).
	code, _, body = s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.DescribeAccount"), `{}`)
	if v := decode(t, body); code != 400 || v["__type"] != "InvalidInputException" || v["Reason"] != "INPUT_REQUIRED" ||
		v["Message"] != "You must include a value for all required parameters." {
		t.Fatalf("missing required member: %d %s", code, body)
	}
	code, _, body = s.raw(t, mgmt, "iam", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=GetRole&Version=2010-05-08")
	if code != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") ||
		!strings.Contains(body, "Value null at &#39;roleName&#39; failed to satisfy constraint: Member must not be null") {
		t.Fatalf("IAM missing member: %d %s", code, body)
	}

	// A success response carries the protocol's content type and a request id.
	code, h, body = s.raw(t, mgmt, "sts", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=GetCallerIdentity&Version=2011-06-15")
	if code != 200 || h.Get("Content-Type") != "text/xml" || !strings.Contains(body, "<GetCallerIdentityResult>") ||
		!strings.Contains(body, "<RequestId>"+h.Get("x-amzn-RequestId")+"</RequestId>") {
		t.Fatalf("STS response: %d %v %s", code, h, body)
	}
}

// TestAdminEndpoints: health, reset (also at moto's path) and the clock.
func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	if code, v := s.admin(t, "GET", "/_orgstack/health", ""); code != 200 || v["status"] != "ready" {
		t.Fatalf("health: %d %v", code, v)
	}
	for _, path := range []string{"/_orgstack/reset", "/moto-api/reset"} {
		code, _, _ := s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.CreateOrganization"), "{}")
		if code != 200 {
			t.Fatalf("create organization: %d", code)
		}
		if code, _ := s.admin(t, "POST", path, ""); code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		code, _, body := s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.DescribeOrganization"), "{}")
		if code != 400 || decode(t, body)["__type"] != "AWSOrganizationsNotInUseException" {
			t.Fatalf("after %s: %d %s", path, code, body)
		}
	}
	if code, _ := s.admin(t, "POST", "/_orgstack/clock", `{"advance":"1h"}`); code != 403 {
		t.Fatalf("clock moved without --clock-control: %d", code)
	}
	if code, v := s.admin(t, "GET", "/_orgstack/clock", ""); code != 200 || v["offsetSeconds"] != float64(0) {
		t.Fatalf("clock: %d %v", code, v)
	}
}
