package sigv4

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var rtTime = time.Date(2026, 11, 22, 13, 37, 23, 0, time.UTC)

const (
	rtKey    = "AKIAIOSFODNN7EXAMPLE"
	rtSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// overTheWire serializes a client request as net/http sends it and parses
// it back as net/http's server does.
func overTheWire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	s, body := overTheWireOK(r)
	if s == nil {
		t.Fatalf("%s %s does not go over the wire", r.Method, r.URL)
	}
	return s, body
}

// overTheWireOK is overTheWire returning nil for requests net/http refuses.
func overTheWireOK(r *http.Request) (*http.Request, []byte) {
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return nil, nil
	}
	s, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		return nil, nil
	}
	body, err := io.ReadAll(s.Body)
	if err != nil {
		return nil, nil
	}
	return s, body
}

func newClientRequest(t testing.TB, method, url string, body []byte, headers ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	orgBody := []byte(`{"ServicePrincipal":"ssm.amazonaws.com"}`)
	cases := []struct {
		name          string
		method, url   string
		body          []byte
		headers       []string
		token         string
		service       string
		signedHeaders string
	}{
		{
			name: "botocore shape", method: "POST", url: "http://127.0.0.1:4566/", body: orgBody,
			headers:       []string{"Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "AWSOrganizationsV20161128.DescribeOrganization"},
			service:       "organizations",
			signedHeaders: "content-type;host;x-amz-date;x-amz-target",
		},
		{
			name: "aws-sdk-go-v2 shape", method: "POST", url: "http://127.0.0.1:4566/", body: orgBody,
			headers: []string{
				"Amz-Sdk-Invocation-Id", "5d1f0a8c-9a45-4c2b-8f6e-0d6c1a2b3c4d", "Amz-Sdk-Request", "attempt=1; max=3",
				"Content-Length", "40", "Content-Type", "application/x-amz-json-1.1",
				"X-Amz-Target", "AWSOrganizationsV20161128.DescribeOrganization", "User-Agent", "aws-sdk-go-v2/1.47.7",
			},
			service:       "organizations",
			signedHeaders: "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target",
		},
		{
			name: "query with session token", method: "POST", url: "http://127.0.0.1:4566/",
			body:          []byte("Action=GetCallerIdentity&Version=2011-06-15"),
			headers:       []string{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
			token:         "FQoGZXIvYXdzEXAMPLE+token/==",
			service:       "sts",
			signedHeaders: "content-type;host;x-amz-date;x-amz-security-token",
		},
		{
			name: "rest-json arn path", method: "GET",
			url:           "http://127.0.0.1:4566/tags/arn%3Aaws%3Aauditmanager%3Aus-east-1%3A111122223333%3Aassessment%2F0123?maxResults=10&nextToken=a%2Bb%20c",
			service:       "auditmanager",
			signedHeaders: "host;x-amz-date",
		},
		{
			name: "spaces and utf-8", method: "PUT", url: "http://127.0.0.1:4566/settings/caf%C3%A9%20bar?x=%E1%88%B4&x=&y",
			body:          []byte(`{"a":"b"}`),
			headers:       []string{"Content-Type", "application/json", "X-Custom", "  a   b  "},
			service:       "auditmanager",
			signedHeaders: "content-type;host;x-amz-date;x-custom",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newClientRequest(t, c.method, c.url, c.body, c.headers...)
			Sign(r, c.body, rtKey, rtSecret, c.token, "eu-west-1", c.service, rtTime)
			s, body := overTheWire(t, r)
			a, err := Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(a.SignedHeaders, ";"); got != c.signedHeaders {
				t.Errorf("signed headers %s, want %s", got, c.signedHeaders)
			}
			if a.SecurityToken != c.token || a.Region != "eu-west-1" || a.Service != c.service || a.AccessKeyID != rtKey {
				t.Errorf("Parse = %+v", a)
			}
			if err := Verify(s, body, a, rtSecret, rtTime.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			wantKind(t, Verify(s, body, a, rtSecret+"x", rtTime), SignatureDoesNotMatch)
			wantKind(t, Verify(s, body, a, rtSecret, rtTime.Add(16*time.Minute)), RequestExpired)
		})
	}
}

func TestPresignRoundTrip(t *testing.T) {
	for _, token := range []string{"", "FQoGZXIvYXdzEXAMPLE+token/=="} {
		r := newClientRequest(t, "GET", "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		Presign(r, rtKey, rtSecret, token, "us-east-1", "sts", rtTime, 60*time.Second)
		s, body := overTheWire(t, r)
		a, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Presigned || a.Expires != time.Minute || a.SecurityToken != token || strings.Join(a.SignedHeaders, ";") != "host" {
			t.Fatalf("Parse = %+v", a)
		}
		if err := Verify(s, body, a, rtSecret, rtTime.Add(59*time.Second)); err != nil {
			t.Fatal(err)
		}
		err = Verify(s, body, a, rtSecret, rtTime.Add(61*time.Second))
		wantKind(t, err, RequestExpired)
		if e, _ := AsError(err); !strings.HasSuffix(e.Message, "(20261122T133824Z - 1 min.)") {
			t.Errorf("message %q", e.Message)
		}
		wantKind(t, Verify(s, body, a, rtSecret, rtTime.Add(-16*time.Minute)), RequestExpired)

		// Changing a signed parameter breaks the signature.
		s.RequestURI = strings.Replace(s.RequestURI, "Version=2011-06-15", "Version=2011-06-16", 1)
		wantKind(t, Verify(s, body, a, rtSecret, rtTime), SignatureDoesNotMatch)
	}
}

// TestHTTPServer signs with Sign, sends through net/http to a real server
// and verifies in its handler, with Host carrying the listener's port.
func TestHTTPServer(t *testing.T) {
	var mu sync.Mutex
	var got []error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a, err := Parse(r)
		if err == nil {
			err = Verify(r, body, a, rtSecret, rtTime)
		}
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
	}))
	defer srv.Close()

	body := []byte(`{"SyncName":"OrgSync"}`)
	r := newClientRequest(t, "POST", srv.URL+"/", body,
		"Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "AmazonSSM.CreateResourceDataSync")
	Sign(r, body, rtKey, rtSecret, "", "us-east-1", "ssm", rtTime)
	p := newClientRequest(t, "GET", srv.URL+"/tags/arn%3Aaws%3Ax?a=1", nil)
	Presign(p, rtKey, rtSecret, "", "us-east-1", "auditmanager", rtTime, time.Hour)
	for _, req := range []*http.Request{r, p} {
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != nil || got[1] != nil {
		t.Fatalf("server saw %v", got)
	}
}

// signWith signs r like Sign but with a chosen canonicalization, standing
// in for clients that canonicalize differently.
func signWith(t *testing.T, r *http.Request, body []byte, o canonOptions, presigned bool) *Auth {
	t.Helper()
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	creq := canonicalRequest(r, a.SignedHeaders, presigned, o)
	a.Signature = Signature(SigningKey(rtSecret, a.Date, a.Region, a.Service), StringToSign(a, creq))
	return a
}

// TestClientVariants covers canonicalizations Verify accepts besides the
// standard one: an unnormalized path (aws-sdk-go-v2 does not remove dot
// and empty segments) and presigned requests over UNSIGNED-PAYLOAD
// (S3-style presigners); and '+' in the query, which means a space.
func TestClientVariants(t *testing.T) {
	t.Run("unnormalized path", func(t *testing.T) {
		r := newClientRequest(t, "GET", "http://127.0.0.1:4566//settings/./x/", nil)
		Sign(r, nil, rtKey, rtSecret, "", "us-east-1", "auditmanager", rtTime)
		a := signWith(t, r, nil, canonOptions{keepPath: true, payloadHash: hashHex(nil)}, false)
		if err := Verify(r, nil, a, rtSecret, rtTime); err != nil {
			t.Fatal(err)
		}
		// The standard form is accepted too, and differs.
		b := signWith(t, r, nil, canonOptions{payloadHash: hashHex(nil)}, false)
		if a.Signature == b.Signature {
			t.Fatal("normalization made no difference")
		}
		if err := Verify(r, nil, b, rtSecret, rtTime); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("plus sign", func(t *testing.T) {
		// '+' means a space, as for the handler that decodes the query.
		r := newClientRequest(t, "GET", "http://127.0.0.1:4566/?q=a+b", nil)
		Sign(r, nil, rtKey, rtSecret, "", "us-east-1", "auditmanager", rtTime)
		creq := CanonicalRequest(r, nil, []string{"host"}, false)
		if got := strings.Split(creq, "\n")[2]; got != "q=a%20b" {
			t.Fatalf("canonical query %q", got)
		}
		a := signWith(t, r, nil, canonOptions{payloadHash: hashHex(nil)}, false)
		if err := Verify(r, nil, a, rtSecret, rtTime); err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = "q=a%2Bb"
		wantKind(t, Verify(r, nil, a, rtSecret, rtTime), SignatureDoesNotMatch)
	})
	t.Run("unsigned payload presign", func(t *testing.T) {
		r := newClientRequest(t, "GET", "http://127.0.0.1:4566/", nil)
		Presign(r, rtKey, rtSecret, "", "us-east-1", "sts", rtTime, time.Minute)
		a := signWith(t, r, nil, canonOptions{payloadHash: UnsignedPayload}, true)
		if err := Verify(r, nil, a, rtSecret, rtTime); err != nil {
			t.Fatal(err)
		}
	})
}

// TestVerifyConcurrent runs Verify from many goroutines on one request;
// with -race it shows the package keeps no shared mutable state.
func TestVerifyConcurrent(t *testing.T) {
	body := []byte(`{}`)
	r := newClientRequest(t, "POST", "http://127.0.0.1:4566/", body, "X-Amz-Target", "AWSOrganizationsV20161128.ListRoots")
	Sign(r, body, rtKey, rtSecret, "", "us-east-1", "organizations", rtTime)
	s, b := overTheWire(t, r)
	a, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if err := Verify(s, b, a, rtSecret, rtTime); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCachedSigningKey checks that a remembered signing key is the one
// SigningKey derives for the same secret, day, region and service, and
// never one of another.
func TestCachedSigningKey(t *testing.T) {
	scopes := [][4]string{
		{rtSecret, "20261122", "eu-west-1", "organizations"},
		{rtSecret + "x", "20261122", "eu-west-1", "organizations"},
		{rtSecret, "20261123", "eu-west-1", "organizations"},
		{rtSecret, "20261122", "us-east-1", "organizations"},
		{rtSecret, "20261122", "eu-west-1", "sts"},
		// Parts that run together the same way stay apart.
		{rtSecret, "20261122", "eu-west-1o", "rganizations"},
	}
	for range 2 { // the second time from the cache
		for _, sc := range scopes {
			got := cachedSigningKey(sc[0], sc[1], sc[2], sc[3])
			if want := SigningKey(sc[0], sc[1], sc[2], sc[3]); !bytes.Equal(got, want) {
				t.Errorf("cachedSigningKey%q = %x, want %x", sc, got, want)
			}
		}
	}
}
