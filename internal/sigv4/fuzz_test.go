package sigv4

import (
	"net/http"
	"net/http/httptest"
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

// FuzzParsePresigned feeds arbitrary query strings to Parse as presigned
// URLs, and whatever parses to CanonicalRequest and Verify. None of them
// may panic and every failure is a *Error. A URL Presign signed with the
// fuzzed query as its own parameters verifies.
func FuzzParsePresigned(f *testing.F) {
	for _, seed := range []string{
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Date=x&X-Amz-SignedHeaders=&X-Amz-Signature=",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=zz",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=604801&X-Amz-Security-Token=%FF",
		"X-Amz-Signature=1&X-Amz-Signature=2&Action=GetCallerIdentity&Version=2011-06-15",
		"X-Amz-Credential=%zz&X-Amz-Algorithm",
		"Action=GetCallerIdentity&Version=2011-06-15",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		if strings.ContainsAny(rawQuery, "# \x00\r\n") {
			return
		}
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/", nil)
		r.URL.RawQuery = rawQuery
		a, err := Parse(r)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Parse returned %T %v", err, err)
			}
		} else {
			if a == nil {
				t.Fatal("Parse returned nil, nil")
			}
			if c1, c2 := CanonicalRequest(r, nil, a.SignedHeaders, a.Presigned), CanonicalRequest(r, nil, a.SignedHeaders, a.Presigned); c1 != c2 {
				t.Fatalf("CanonicalRequest is not deterministic:\n%s\n%s", c1, c2)
			}
			if err := Verify(r, nil, a, "secret", suiteTime); err != nil {
				if _, ok := AsError(err); !ok {
					t.Fatalf("Verify returned %T %v", err, err)
				}
			}
		}

		// Presign a request carrying the fuzzed parameters (without
		// signature parameters of their own): Parse and Verify accept it.
		if strings.Contains(strings.ToLower(rawQuery), "x-amz-") {
			return
		}
		p, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:4566/?"+rawQuery, nil)
		if err != nil || p.URL.RawQuery != rawQuery {
			return
		}
		Presign(p, rtKey, rtSecret, "", "us-east-1", "sts", rtTime, time.Minute)
		s, body := overTheWireOK(p)
		if s == nil {
			return
		}
		pa, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse of a presigned request %s: %v", s.RequestURI, err)
		}
		if err := Verify(s, body, pa, rtSecret, rtTime.Add(time.Second)); err != nil {
			t.Fatalf("Verify of a presigned request %s: %v", s.RequestURI, err)
		}
	})
}

// FuzzCanonicalRequest builds canonical requests of arbitrary methods,
// paths, queries and signed header lists: never a panic, the same text
// twice, the method on the first line, the signed header names listed
// before the payload hash, which is the last line.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("POST", "/", "", "content-type;host;x-amz-date", "v")
	f.Add("GET", "/a/./b/../%2F/c//", "b=2&a=1&a=&=&%zz", "host;x-custom", " a  b\t")
	f.Add("", "/caf%C3%A9", "X-Amz-Signature=s&k=v+w", "", "")
	f.Add("PUT", "//", "a=%", ";;host;", "\u00e9")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, signed, value string) {
		if !validHeaderValue(value) || strings.ContainsAny(method+path+rawQuery, " \x00\r\n#?") {
			return
		}
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/", nil)
		r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery = method, path, "", rawQuery
		r.RequestURI = ""
		r.Header.Set("X-Custom", value)
		var headers []string
		if signed != "" {
			headers = strings.Split(signed, ";")
		}
		for _, presigned := range []bool{false, true} {
			c := CanonicalRequest(r, []byte(value), headers, presigned)
			if again := CanonicalRequest(r, []byte(value), headers, presigned); again != c {
				t.Fatalf("not deterministic:\n%s\n%s", c, again)
			}
			m := method
			if m == "" {
				m = http.MethodGet
			}
			if !strings.HasPrefix(c, m+"\n") {
				t.Fatalf("first line is not the method %q:\n%s", m, c)
			}
			i := strings.LastIndexByte(c, '\n')
			if !strings.HasSuffix(c[:i], "\n"+strings.Join(headers, ";")) {
				t.Fatalf("signed headers %q not on the line before the hash:\n%s", headers, c)
			}
			if h := c[i+1:]; len(h) != 64 && h != "UNSIGNED-PAYLOAD" {
				t.Fatalf("last line %q is not a payload hash", h)
			}
		}
	})
}
