package sigv4

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The AWS Signature Version 4 test suite (2015), copied byte for byte from
// the shared reference data; see its README.md, LICENSE and NOTICE.
const suiteDir = "testdata/aws-sig-v4-test-suite"

// Parameters shared by every case of the suite.
const (
	suiteKey    = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// parseRaw parses a raw HTTP/1.1 request the way the suite's files are
// written, which net/http's ReadRequest refuses: bare LF line ends, no
// blank line when there is no body, spaces and raw UTF-8 in the request
// target, and obsolete folded header lines. A folded line is appended to
// the previous header's value after a "\n", which the canonicalizer turns
// into a comma. The request looks like one net/http's server hands to a
// handler: RequestURI is the raw target and Host lives in r.Host.
func parseRaw(t testing.TB, data []byte) (*http.Request, []byte) {
	t.Helper()
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")

	first := lines[0]
	method, rest, ok := strings.Cut(first, " ")
	i := strings.LastIndex(rest, " HTTP/")
	if !ok || i < 0 {
		t.Fatalf("bad request line %q", first)
	}
	target := rest[:i]
	r := &http.Request{
		Method:     method,
		RequestURI: target,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{},
	}
	rawPath, rawQuery, _ := strings.Cut(target, "?")
	r.URL = &url.URL{Path: rawPath, RawQuery: rawQuery}
	if u, err := url.ParseRequestURI(target); err == nil {
		r.URL = u
	}

	var last string
	for _, line := range lines[1:] {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				t.Fatalf("continuation line without header: %q", line)
			}
			vs := r.Header[last]
			vs[len(vs)-1] += "\n" + line
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad header line %q", line)
		}
		if strings.EqualFold(name, "Host") {
			r.Host = strings.TrimSpace(value)
			last = ""
			continue
		}
		last = http.CanonicalHeaderKey(name)
		r.Header.Add(last, value)
	}
	b := []byte(body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	return r, b
}

type suiteCase struct {
	name             string
	sreq, req        []byte
	creq, sts, authz string
}

func loadSuite(t testing.TB) []suiteCase {
	t.Helper()
	var cases []suiteCase
	err := filepath.WalkDir(suiteDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sreq") {
			return err
		}
		base := strings.TrimSuffix(p, ".sreq")
		read := func(ext string) []byte {
			b, err := os.ReadFile(base + ext)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		rel, _ := filepath.Rel(suiteDir, filepath.Dir(p))
		cases = append(cases, suiteCase{
			name: filepath.ToSlash(rel), sreq: read(".sreq"), req: read(".req"),
			creq: string(read(".creq")), sts: string(read(".sts")), authz: string(read(".authz")),
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 31 {
		t.Fatalf("found %d cases in %s, want 31", len(cases), suiteDir)
	}
	return cases
}

// request parses the signed request afresh, so that each mutation starts
// from an untouched copy.
func (c suiteCase) request(t *testing.T) (*http.Request, []byte, *Auth) {
	t.Helper()
	r, body := parseRaw(t, c.sreq)
	a, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return r, body, a
}

func wantKind(t *testing.T, err error, k Kind) {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("err = %v, want a *Error of kind %v", err, k)
	}
	if e.Kind != k {
		t.Fatalf("err kind = %v (%v), want %v", e.Kind, e, k)
	}
}

func TestSuite(t *testing.T) {
	for _, c := range loadSuite(t) {
		t.Run(c.name, func(t *testing.T) {
			r, body, a := c.request(t)
			if a.AccessKeyID != suiteKey || a.Scope.String() != "20150830/us-east-1/service/aws4_request" ||
				!a.Time.Equal(suiteTime) || a.Presigned {
				t.Fatalf("Parse = %+v", a)
			}
			creq := CanonicalRequest(r, body, a.SignedHeaders, false)
			if creq != c.creq {
				t.Fatalf("canonical request:\n%s\nwant:\n%s", creq, c.creq)
			}
			sts := StringToSign(a, creq)
			if sts != c.sts {
				t.Fatalf("string to sign:\n%s\nwant:\n%s", sts, c.sts)
			}
			sig := Signature(SigningKey(suiteSecret, a.Date, a.Region, a.Service), sts)
			if got := FormatAuthorization(a.Scope, a.SignedHeaders, sig); got != c.authz {
				t.Fatalf("authorization:\n%s\nwant:\n%s", got, c.authz)
			}
			if got := strings.TrimSpace(r.Header.Get("Authorization")); got != c.authz {
				t.Fatalf(".sreq carries %q, want %q", got, c.authz)
			}
			if err := Verify(r, body, a, suiteSecret, suiteTime); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := Verify(r, body, a, suiteSecret, suiteTime.Add(MaxSkew)); err != nil {
				t.Fatalf("Verify 15 minutes later: %v", err)
			}

			t.Run("body", func(t *testing.T) {
				r, body, a := c.request(t)
				if len(body) > 0 {
					body[0] ^= 1
				} else {
					body = []byte("x")
				}
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("host", func(t *testing.T) {
				r, body, a := c.request(t)
				r.Host = "exbmple.amazonaws.com"
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("signed header", func(t *testing.T) {
				r, body, a := c.request(t)
				changed := false
				for _, n := range a.SignedHeaders {
					if n == "host" || n == "x-amz-date" {
						continue
					}
					vs := r.Header[http.CanonicalHeaderKey(n)]
					vs[0] = "Z" + vs[0][1:]
					changed = true
				}
				if !changed {
					t.Skip("only host and x-amz-date are signed")
				}
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("query", func(t *testing.T) {
				r, body, a := c.request(t)
				r.RequestURI += map[bool]string{true: "&", false: "?"}[strings.Contains(r.RequestURI, "?")] + "x=y"
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("path", func(t *testing.T) {
				r, body, a := c.request(t)
				r.RequestURI = "/x" + r.RequestURI
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("method", func(t *testing.T) {
				r, body, a := c.request(t)
				r.Method = map[string]string{"GET": "POST", "POST": "GET"}[r.Method]
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("signature", func(t *testing.T) {
				r, body, a := c.request(t)
				a.Signature = a.Signature[:63] + string("10"[a.Signature[63]&1])
				wantKind(t, Verify(r, body, a, suiteSecret, suiteTime), SignatureDoesNotMatch)
			})
			t.Run("secret", func(t *testing.T) {
				r, body, a := c.request(t)
				err := Verify(r, body, a, suiteSecret+"x", suiteTime)
				wantKind(t, err, SignatureDoesNotMatch)
				if e, _ := AsError(err); !strings.Contains(e.Detail, c.creq) || !strings.Contains(e.Detail, c.sts) {
					t.Errorf("detail %q does not quote the canonical request and string to sign", e.Detail)
				}
			})
			t.Run("late", func(t *testing.T) {
				r, body, a := c.request(t)
				err := Verify(r, body, a, suiteSecret, suiteTime.Add(16*time.Minute))
				wantKind(t, err, RequestExpired)
				const want = "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)"
				if e, _ := AsError(err); e.Message != want {
					t.Errorf("message %q, want %q", e.Message, want)
				}
			})
			t.Run("early", func(t *testing.T) {
				r, body, a := c.request(t)
				err := Verify(r, body, a, suiteSecret, suiteTime.Add(-16*time.Minute))
				wantKind(t, err, RequestExpired)
				const want = "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)"
				if e, _ := AsError(err); e.Message != want {
					t.Errorf("message %q, want %q", e.Message, want)
				}
			})
		})
	}
}

// TestSuiteSign signs each unsigned .req whose headers are all meant to be
// signed and expects the suite's Authorization header.
func TestSuiteSign(t *testing.T) {
	for _, c := range loadSuite(t) {
		if strings.HasSuffix(c.name, "post-sts-header-after") {
			continue // the token there is added after signing
		}
		t.Run(c.name, func(t *testing.T) {
			r, body := parseRaw(t, c.req)
			token := r.Header.Get("X-Amz-Security-Token")
			Sign(r, body, suiteKey, suiteSecret, token, "us-east-1", "service", suiteTime)
			if got := strings.TrimSpace(r.Header.Get("Authorization")); got != c.authz {
				t.Fatalf("Sign: %s\nwant: %s", got, c.authz)
			}
		})
	}
}

// TestSuiteTokenAfter checks the suite's unsigned-token case: the signature
// holds, and the token is reported for the caller to check.
func TestSuiteTokenAfter(t *testing.T) {
	b, err := os.ReadFile(suiteDir + "/post-sts-token/post-sts-header-after/post-sts-header-after.sreq")
	if err != nil {
		t.Fatal(err)
	}
	r, body := parseRaw(t, b)
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.SecurityToken, "AQoDYXdzEPT//////////wEXAMPLE") {
		t.Fatalf("SecurityToken = %q", a.SecurityToken)
	}
	if err := Verify(r, body, a, suiteSecret, suiteTime); err != nil {
		t.Fatal(err)
	}
}
