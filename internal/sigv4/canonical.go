package sigv4

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// canonOptions selects among the canonicalizations real clients produce.
// The zero value (plus a payload hash) is the standard one.
type canonOptions struct {
	keepPath    bool   // sign the path without removing dot and empty segments
	payloadHash string // last line of the canonical request
}

// CanonicalRequest returns the canonical request of r for the given signed
// header names, as AWS services other than S3 compute it (see the package
// documentation). body is r's body, which r.Body no longer holds once read.
//
// For presigned requests the X-Amz-Signature parameter is left out of the
// query. The payload hash is X-Amz-Content-Sha256 (header, or query
// parameter of a presigned request) when present, else the hex SHA-256 of
// body; that is what botocore signs for presigned URLs of non-S3 services,
// and what STS expects (boto/boto3#756). Verify also accepts presigned
// requests signed over UNSIGNED-PAYLOAD.
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string, presigned bool) string {
	return canonicalRequest(r, signedHeaders, presigned, canonOptions{payloadHash: payloadHash(r, body, presigned)})
}

func canonicalRequest(r *http.Request, signedHeaders []string, presigned bool, o canonOptions) string {
	var b strings.Builder
	b.Grow(256)
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	b.WriteString(method)
	b.WriteByte('\n')
	path := requestPath(r)
	if !o.keepPath {
		path = normalizePath(path)
	}
	uriEncode(&b, path, false)
	b.WriteByte('\n')
	writeCanonicalQuery(&b, requestQuery(r), presigned)
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		writeHeaderValues(&b, headerValues(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for i, name := range signedHeaders {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(name)
	}
	b.WriteByte('\n')
	b.WriteString(o.payloadHash)
	return b.String()
}

// payloadHash is the default last line of the canonical request.
func payloadHash(r *http.Request, body []byte, presigned bool) string {
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		return h
	}
	if presigned {
		if h := parseQuery(requestQuery(r)).get("X-Amz-Content-Sha256"); h != "" {
			return h
		}
	}
	return hashHex(body)
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// requestPath returns the path of r as it appeared on the wire, still
// percent-encoded: from r.RequestURI on the server side (it is what the
// client signed, and handlers such as http.StripPrefix do not rewrite it),
// from r.URL on the client side.
func requestPath(r *http.Request) string {
	p := ""
	if u := r.RequestURI; u != "" && u != "*" {
		p, _, _ = strings.Cut(u, "?")
		if !strings.HasPrefix(p, "/") {
			p = stripAuthority(p)
		}
	} else if r.URL != nil {
		if o := r.URL.Opaque; o != "" {
			p = o
			if strings.HasPrefix(o, "//") {
				p = stripAuthority(o)
			}
		} else {
			p = r.URL.EscapedPath()
		}
	}
	if p == "" {
		return "/"
	}
	return p
}

// stripAuthority turns an absolute-form target ("http://host/p" or
// "//host/p") into its path.
func stripAuthority(u string) string {
	if i := strings.Index(u, "//"); i >= 0 {
		u = u[i+2:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			return u[j:]
		}
		return "/"
	}
	return u
}

// requestQuery returns the raw query string of r as it appeared on the wire.
func requestQuery(r *http.Request) string {
	if u := r.RequestURI; u != "" && u != "*" {
		_, q, _ := strings.Cut(u, "?")
		return q
	}
	if r.URL != nil {
		return r.URL.RawQuery
	}
	return ""
}

// normalizePath removes "." and ".." segments and empty segments, keeping a
// leading slash and, when anything remains, a trailing one. It is
// botocore's remove_dot_segments, which the normalize-path vectors pin.
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && !strings.HasPrefix(p, ".") {
		return p
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if strings.HasPrefix(p, "/") {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if strings.HasSuffix(p, "/") && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// uriEncode writes s with every byte outside A-Za-z0-9-_.~ percent-encoded
// in upper-case hex; '/' is kept as is unless encodeSlash is set.
func uriEncode(b *strings.Builder, s string, encodeSlash bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && !encodeSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

// pair is one decoded query parameter.
type pair struct{ k, v string }

// query is a decoded query string, in wire order.
type query []pair

func (q query) get(name string) string {
	for _, p := range q {
		if p.k == name {
			return p.v
		}
	}
	return ""
}

func (q query) has(name string) bool {
	for _, p := range q {
		if p.k == name {
			return true
		}
	}
	return false
}

// parseQuery decodes raw with form rules ('+' is a space, as net/url's
// ParseQuery decodes it for handlers). It never fails: a '%' not followed
// by two hex digits stands for itself.
func parseQuery(raw string) query {
	if raw == "" {
		return nil
	}
	q := make(query, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		q = append(q, pair{unescape(k), unescape(v)})
	}
	return q
}

func unescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// writeCanonicalQuery writes the parameters of raw re-encoded and sorted
// by encoded name, then encoded value; "name=" for empty values.
func writeCanonicalQuery(b *strings.Builder, raw string, presigned bool) {
	q := parseQuery(raw)
	enc := make([]pair, 0, len(q))
	var e strings.Builder
	for _, p := range q {
		if presigned && p.k == "X-Amz-Signature" {
			continue
		}
		e.Reset()
		uriEncode(&e, p.k, true)
		k := e.String()
		e.Reset()
		uriEncode(&e, p.v, true)
		enc = append(enc, pair{k, e.String()})
	}
	slices.SortFunc(enc, func(x, y pair) int {
		if c := cmp.Compare(x.k, y.k); c != 0 {
			return c
		}
		return cmp.Compare(x.v, y.v)
	})
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
}

// headerValues returns the values of the lower-case header name in r.
// net/http keeps Host in r.Host and may move Content-Length and
// Transfer-Encoding out of r.Header; those are looked up where it keeps them.
func headerValues(r *http.Request, name string) []string {
	if name == "host" || name == ":authority" {
		if r.Host != "" {
			return []string{r.Host}
		}
		if v := r.Header.Values("Host"); len(v) > 0 {
			return v
		}
		if r.URL != nil {
			return []string{r.URL.Host}
		}
		return nil
	}
	if v, ok := r.Header[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v
	}
	for k, v := range r.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	switch name {
	case "content-length":
		if r.ContentLength > 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return nil
}

// writeHeaderValues writes the canonical form of a header's values: each
// value trimmed with runs of spaces and tabs collapsed to one space, and
// the values, as well as the lines of an obsolete folded value, joined
// with commas.
func writeHeaderValues(b *strings.Builder, values []string) {
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		if !strings.ContainsAny(v, "\n\t") && !strings.Contains(v, "  ") {
			b.WriteString(strings.Trim(v, " \r"))
			continue
		}
		first := true
		for line := range strings.SplitSeq(v, "\n") {
			line = strings.Trim(line, " \t\r")
			if line == "" && !first {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			writeCollapsed(b, line)
		}
	}
}

// writeCollapsed writes s with every run of spaces and tabs as one space.
func writeCollapsed(b *strings.Builder, s string) {
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
}
