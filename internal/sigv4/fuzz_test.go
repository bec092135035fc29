package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary Authorization headers to Parse, and whatever
// parses to CanonicalRequest and Verify. None of them may panic, and every
// failure must be a *Error.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		goodAuthz,
		strings.ReplaceAll(goodAuthz, ", ", ","),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
		"AWS4-HMAC-SHA256 Credential= AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=;;HOST;, Signature=",
		"AWS4-HMAC-SHA256 Credential=////, SignedHeaders=host, Signature=zz",
		"AWS4-HMAC-SHA256 ===,,, \t",
		"AWS4-HMAC-SHA1 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
		"AWS AKIDEXAMPLE:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=",
		"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
		"",
		" ",
		"\xff\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, authz string) {
		r := request(authz, "20150830T123600Z")
		a, err := Parse(r)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Parse returned %T %v", err, err)
			}
			return
		}
		if a == nil {
			t.Fatal("Parse returned nil, nil")
		}
		_ = CanonicalRequest(r, nil, a.SignedHeaders, a.Presigned)
		if err := Verify(r, nil, a, "secret", suiteTime); err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Verify returned %T %v", err, err)
			}
		}
	})
}

// FuzzSignVerify signs requests with arbitrary paths, queries and header
// values, sends them through net/http and checks that Verify accepts them:
// Sign and Verify must agree on every request net/http can carry.
func FuzzSignVerify(f *testing.F) {
	f.Add("/", "", "v")
	f.Add("/tags/arn%3Aaws%3Aauditmanager%3Aus-east-1%3A1%3Aassessment%2Fx", "maxResults=1&nextToken=a%2Bb", "a  b")
	f.Add("//a/./b/../c/", "x=1&x=&y&=z&%zz=%", " lead\ttrail ")
	f.Add("/caf%C3%A9 bar/~-_.", "k=v+w&k=%E1%88%B4", "")
	f.Fuzz(func(t *testing.T, path, rawQuery, value string) {
		if strings.ContainsAny(path, "?#") || strings.ContainsAny(rawQuery, "# \x00\r\n") || !validHeaderValue(value) {
			return
		}
		u, err := url.Parse("http://127.0.0.1:4566" + path)
		if err != nil || u.Host != "127.0.0.1:4566" {
			return
		}
		u.RawQuery = rawQuery
		r, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil || r.URL.RawQuery != rawQuery {
			return
		}
		r.Header.Set("X-Custom", value)
		Sign(r, nil, rtKey, rtSecret, "", "us-east-1", "auditmanager", rtTime)
		s, body := overTheWireOK(r)
		if s == nil {
			return
		}
		a, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse of a signed request: %v", err)
		}
		if err := Verify(s, body, a, rtSecret, rtTime.Add(time.Minute)); err != nil {
			t.Fatalf("Verify of a signed request (%s): %v", s.RequestURI, err)
		}
	})
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
