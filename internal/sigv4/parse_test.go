package sigv4

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const goodAuthz = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

func request(authz, date string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader("Action=ListUsers&Version=2010-05-08"))
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	if date != "" {
		r.Header.Set("X-Amz-Date", date)
	}
	return r
}

func TestParseHeader(t *testing.T) {
	a, err := Parse(request(goodAuthz, "20150830T123600Z"))
	if err != nil {
		t.Fatal(err)
	}
	want := Scope{AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "iam"}
	if a.Scope != want || strings.Join(a.SignedHeaders, ";") != "content-type;host;x-amz-date" ||
		!a.Time.Equal(suiteTime) || a.Presigned || a.Expires != 0 || !strings.HasPrefix(a.Signature, "5d672d79") {
		t.Fatalf("Parse = %+v", a)
	}

	// Separators without spaces, as some hand-written clients send them.
	a, err = Parse(request(strings.ReplaceAll(goodAuthz, ", ", ","), "20150830T123600Z"))
	if err != nil || a.Scope != want {
		t.Fatalf("Parse without spaces = %+v, %v", a, err)
	}
}

func TestParseDateHeader(t *testing.T) {
	for _, date := range []string{"Sun, 30 Aug 2015 12:36:00 GMT", "20150830T123600Z"} {
		r := request(goodAuthz, "")
		r.Header.Set("Date", date)
		a, err := Parse(r)
		if err != nil {
			t.Fatalf("Date %q: %v", date, err)
		}
		if !a.Time.Equal(suiteTime) {
			t.Fatalf("Date %q: time %v", date, a.Time)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const date = "20150830T123600Z"
	cases := []struct {
		name, authz, date string
		kind              Kind
		msg               string // exact message, when pinned
	}{
		{name: "nothing", kind: MissingAuthentication},
		{
			name:  "credential only",
			authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request", date: date,
			kind: IncompleteSignature,
			msg: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
		},
		{
			name: "bearer token without date", authz: "eyJhbGciOiJIUzI1NiJ9.e30.sig",
			kind: IncompleteSignature,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=eyJhbGciOiJIUzI1NiJ9.e30.sig",
		},
		{
			name: "signature version 2", authz: "AWS AKIDEXAMPLE:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=", date: date,
			kind: IncompleteSignature,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS AKIDEXAMPLE:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=",
		},
		{
			name: "no date", authz: goodAuthz,
			kind: IncompleteSignature,
			msg:  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + goodAuthz,
		},
		{
			name: "wrong algorithm", authz: strings.Replace(goodAuthz, "SHA256", "SHA1", 1), date: date,
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'.",
		},
		{
			name: "space in credential", authz: strings.Replace(goodAuthz, "Credential=", "Credential= ", 1), date: date,
			kind: IncompleteSignature,
			msg:  "'AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '" + strings.Replace(goodAuthz, "Credential=", "Credential= ", 1) + "'.",
		},
		{
			name: "four scope parts", authz: strings.Replace(goodAuthz, "/iam/", "/", 1), date: date,
			kind: IncompleteSignature,
			msg:  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/aws4_request'",
		},
		{
			name: "slash in access key", authz: strings.Replace(goodAuthz, "AKIDEXAMPLE", "AKID/EXAMPLE", 1), date: date,
			kind: IncompleteSignature,
		},
		{
			name: "bad terminator", authz: strings.Replace(goodAuthz, "aws4_request", "aws4_reques", 1), date: date,
			kind: SignatureDoesNotMatch,
			msg:  "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reques'. ",
		},
		{
			name: "host not signed", authz: strings.Replace(goodAuthz, "content-type;host;x-amz-date", "content-type;x-amz-date", 1), date: date,
			kind: IncompleteSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "extended date", authz: goodAuthz, date: "2015-08-30T12:36:00Z",
			kind: IncompleteSignature,
			msg:  "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Parse(request(c.authz, c.date))
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", a)
			}
			wantKind(t, err, c.kind)
			if e, _ := AsError(err); c.msg != "" && e.Message != c.msg {
				t.Fatalf("message\n%q\nwant\n%q", e.Message, c.msg)
			}
		})
	}
}

func TestParsePresignedErrors(t *testing.T) {
	const base = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request" +
		"&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
	cases := []struct {
		name, query string
		msg         string
	}{
		{"missing signature and date", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-SignedHeaders=host",
			"AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"wrong algorithm", strings.Replace(base, "SHA256", "SHA1", 1), "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'."},
		{"negative expiry", base + "&X-Amz-Expires=-1", "X-Amz-Expires must be non-negative"},
		{"long expiry", base + "&X-Amz-Expires=604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"bad credential", strings.Replace(base, "%2Fsts", "", 1), ""},
		{"bad date", strings.Replace(base, "20150830T123600Z", "20150830", 1), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/?Action=GetCallerIdentity&"+c.query, nil)
			a, err := Parse(r)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", a)
			}
			wantKind(t, err, IncompleteSignature)
			if e, _ := AsError(err); c.msg != "" && e.Message != c.msg {
				t.Fatalf("message %q, want %q", e.Message, c.msg)
			}
		})
	}

	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/?"+base, nil)
	r.Header.Set("Authorization", goodAuthz)
	_, err := Parse(r)
	wantKind(t, err, IncompleteSignature)
}

func TestParsePresigned(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15"+
		"&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request"+
		"&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Security-Token=a%2Bb%2Fc%3D&X-Amz-Signature=00", nil)
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Presigned || a.Expires != DefaultPresignExpiry || a.SecurityToken != "a+b/c=" || a.AccessKeyID != "ASIAEXAMPLE" {
		t.Fatalf("Parse = %+v", a)
	}
}

func TestVerifyScopeDate(t *testing.T) {
	r := request(strings.Replace(goodAuthz, "20150830", "20150831", 1), "20150830T123600Z")
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	err = Verify(r, nil, a, suiteSecret, suiteTime)
	wantKind(t, err, SignatureDoesNotMatch)
	const want = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."
	if e, _ := AsError(err); e.Message != want {
		t.Fatalf("message %q", e.Message)
	}
}

func TestVerifyContentSHA256(t *testing.T) {
	body := []byte(`{}`)
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", nil)
	r.Header.Set("X-Amz-Content-Sha256", hashHex(body))
	Sign(r, body, suiteKey, suiteSecret, "", "us-east-1", "organizations", suiteTime)
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(r, body, a, suiteSecret, suiteTime); err != nil {
		t.Fatal(err)
	}
	// The header is signed but the body is not: the hash must hold.
	wantKind(t, Verify(r, []byte(`{"x":1}`), a, suiteSecret, suiteTime), SignatureDoesNotMatch)

	// UNSIGNED-PAYLOAD leaves the body out of the signature.
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	Sign(r, body, suiteKey, suiteSecret, "", "us-east-1", "organizations", suiteTime)
	if a, err = Parse(r); err != nil {
		t.Fatal(err)
	}
	if err := Verify(r, []byte("anything"), a, suiteSecret, suiteTime); err != nil {
		t.Fatal(err)
	}

	// Chunk-signed streaming payloads are refused.
	r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	Sign(r, body, suiteKey, suiteSecret, "", "us-east-1", "organizations", suiteTime)
	if a, err = Parse(r); err != nil {
		t.Fatal(err)
	}
	wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), IncompleteSignature)
}

func TestVerifyNilAuth(t *testing.T) {
	wantKind(t, Verify(request("", ""), nil, nil, "s", time.Now()), MissingAuthentication)
}
