package sigv4

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// signable reports whether Sign signs the lower-case header name. It
// leaves out Authorization and botocore's SIGNED_HEADERS_BLACKLIST:
// hop-by-hop headers and headers that proxies and HTTP clients rewrite.
func signable(name string) bool {
	switch name {
	case "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
		"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
		"user-agent", "x-amzn-trace-id":
		return false
	}
	return true
}

// Sign signs r in place for orgstack's own tools and tests, the way
// botocore does: it sets X-Amz-Date to t (and X-Amz-Security-Token when
// sessionToken is not empty), signs host and every header present in
// r.Header except hop-by-hop ones and User-Agent, and sets Authorization.
// body must be the bytes r will send. Headers added after Sign are not
// signed.
func Sign(r *http.Request, body []byte, accessKey, secret, sessionToken, region, service string, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	r.Header.Del("Authorization")
	r.Header.Set("X-Amz-Date", t.Format(timeFormat))
	if sessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", sessionToken)
	}
	names := []string{"host"}
	for k := range r.Header {
		n := strings.ToLower(k)
		if signable(n) && n != "host" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	a := &Auth{
		Scope:         Scope{AccessKeyID: accessKey, Date: t.Format(dateFormat), Region: region, Service: service},
		SignedHeaders: names,
		Time:          t,
	}
	creq := CanonicalRequest(r, body, names, false)
	sig := Signature(SigningKey(secret, a.Date, region, service), StringToSign(a, creq))
	r.Header.Set("Authorization", FormatAuthorization(a.Scope, names, sig))
}

// Presign turns r into a presigned request valid for expires from t: it
// appends the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders (host only), X-Amz-Security-Token
// (when sessionToken is not empty) and X-Amz-Signature parameters to
// r.URL.RawQuery, after the parameters it already has, and clears
// r.RequestURI so that the signed URL is the one used. expires is
// truncated to whole seconds. Like botocore's presigner for non-S3
// services, it signs the SHA-256 of an empty payload.
func Presign(r *http.Request, accessKey, secret, sessionToken, region, service string, t time.Time, expires time.Duration) {
	t = t.UTC().Truncate(time.Second)
	a := &Auth{
		Scope:         Scope{AccessKeyID: accessKey, Date: t.Format(dateFormat), Region: region, Service: service},
		SignedHeaders: []string{"host"},
		Time:          t,
		Presigned:     true,
	}
	var b strings.Builder
	b.WriteString(r.URL.RawQuery)
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		uriEncode(&b, k, true)
		b.WriteByte('=')
		uriEncode(&b, v, true)
	}
	add("X-Amz-Algorithm", Algorithm)
	add("X-Amz-Credential", accessKey+"/"+a.Scope.String())
	add("X-Amz-Date", t.Format(timeFormat))
	add("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	add("X-Amz-SignedHeaders", "host")
	if sessionToken != "" {
		add("X-Amz-Security-Token", sessionToken)
	}
	r.URL.RawQuery = b.String()
	r.RequestURI = ""

	creq := CanonicalRequest(r, nil, a.SignedHeaders, true)
	add("X-Amz-Signature", Signature(SigningKey(secret, a.Date, region, service), StringToSign(a, creq)))
	r.URL.RawQuery = b.String()
}
