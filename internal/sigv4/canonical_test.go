package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                        "/",
		"//":                       "/",
		"/./":                      "/",
		"/example/..":              "/",
		"/example1/example2/../..": "/",
		"/./example":               "/example",
		"//example//":              "/example/",
		"/a/.b/..c/":               "/a/.b/..c/",
		"/a/b/../../../c":          "/c",
		"/tags/arn%3Aaws%3Ax":      "/tags/arn%3Aaws%3Ax",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRequestPathAndQuery(t *testing.T) {
	cases := []struct {
		name        string
		r           *http.Request
		path, query string
	}{
		{"server origin form", &http.Request{RequestURI: "/a%2Fb?x=1", URL: &url.URL{Path: "/ignored"}}, "/a%2Fb", "x=1"},
		{"server absolute form", &http.Request{RequestURI: "http://h:1/p/q?y", URL: &url.URL{}}, "/p/q", "y"},
		{"server absolute form without path", &http.Request{RequestURI: "http://h:1", URL: &url.URL{}}, "/", ""},
		{"client", &http.Request{URL: &url.URL{Path: "/a b", RawQuery: "z=2"}}, "/a%20b", "z=2"},
		{"client opaque", &http.Request{URL: &url.URL{Opaque: "//h/x%2Fy"}}, "/x%2Fy", ""},
		{"client empty", &http.Request{URL: &url.URL{}}, "/", ""},
	}
	for _, c := range cases {
		if p, q := requestPath(c.r), requestQuery(c.r); p != c.path || q != c.query {
			t.Errorf("%s: path %q query %q, want %q %q", c.name, p, q, c.path, c.query)
		}
	}
}

func TestHeaderValues(t *testing.T) {
	r := &http.Request{
		URL:              &url.URL{Host: "url-host:8080"},
		Header:           http.Header{"x-lower": {"a"}, "X-Multi": {" b ", "c\t\td", "e\n  f"}},
		ContentLength:    12,
		TransferEncoding: []string{"chunked"},
	}
	var b strings.Builder
	for _, n := range []string{"host", "x-lower", "x-multi", "content-length", "transfer-encoding", "absent"} {
		b.WriteString(n + ":")
		writeHeaderValues(&b, headerValues(r, n))
		b.WriteString("\n")
	}
	const want = "host:url-host:8080\nx-lower:a\nx-multi:b,c d,e,f\ncontent-length:12\ntransfer-encoding:chunked\nabsent:\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	r.Host = "req-host"
	if v := headerValues(r, "host"); len(v) != 1 || v[0] != "req-host" {
		t.Fatalf("host = %q", v)
	}
}

func TestCanonicalQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                         "",
		"b=2&a=1&a=0":              "a=0&a=1&b=2",
		"flag&=v&k=":               "=v&flag=&k=",
		"x=%7e%2a%20+%zz%":         "x=~%2A%20%20%25zz%25",
		"X-Amz-Signature=s&y=1":    "X-Amz-Signature=s&y=1",
		"a=%E1%88%B4&a=%C3%A9&&&z": "a=%C3%A9&a=%E1%88%B4&z=",
	} {
		var b strings.Builder
		writeCanonicalQuery(&b, raw, false)
		if b.String() != want {
			t.Errorf("query %q: %q, want %q", raw, b.String(), want)
		}
	}
	var b strings.Builder
	writeCanonicalQuery(&b, "X-Amz-Signature=s&y=1", true)
	if b.String() != "y=1" {
		t.Errorf("presigned query keeps the signature: %q", b.String())
	}
}
