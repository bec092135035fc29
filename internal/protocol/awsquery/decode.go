// Package awsquery is the AWS query protocol (IAM, STS): form-encoded
// requests (Action=...&Version=...&Member.member.1=...) answered with XML
// (<OpResponse><OpResult>...</OpResult><ResponseMetadata>...) and
// <ErrorResponse> errors.
package awsquery

import (
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

// Codec implements protocol.Codec for the query protocol.
type Codec struct {
	// URLEncodeShapes names string shapes whose values responses carry
	// URL-encoded (IAM's policy documents: "policyDocumentType").
	URLEncodeShapes map[string]bool
}

var _ protocol.Codec = Codec{}

// MalformedQueryString is the query protocol's answer to a query string
// or form body that cannot be parsed (AWS's common error, HTTP 404).
func MalformedQueryString() *orgstack.Error {
	return orgstack.NewError("MalformedQueryString", http.StatusNotFound, "The query string contains a syntax error.")
}

// errNotUTF8 is Form's error for parameters that are not UTF-8 text.
var errNotUTF8 = errors.New("parameters are not UTF-8")

// Form returns the request's parameters: the query string merged with a
// form body (POST with any content type that is not JSON). A bad escape,
// a semicolon separator or a name or value that is not UTF-8 once
// unescaped is an error.
func Form(r *http.Request, body []byte) (url.Values, error) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		fv, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range fv {
			vals[k] = append(vals[k], vs...)
		}
	}
	for k, vs := range vals {
		if !utf8.ValidString(k) {
			return nil, errNotUTF8
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, errNotUTF8
			}
		}
	}
	return vals, nil
}

// Decode implements protocol.Codec.
func (Codec) Decode(r *http.Request, body []byte, op *wire.Operation, _ map[string]string) (map[string]any, error) {
	form, err := Form(r, body)
	if err != nil {
		return nil, MalformedQueryString()
	}
	if op.Input == nil {
		return map[string]any{}, nil
	}
	d := decoder{form: form, prefixes: map[string]bool{}}
	for k := range form {
		for i := 0; i < len(k); i++ {
			if k[i] == '.' {
				d.prefixes[k[:i]] = true
			}
		}
		d.prefixes[k] = true
	}
	v, err := d.structure(op.Input, "")
	if err != nil {
		return nil, err
	}
	return v, nil
}

type decoder struct {
	form     url.Values
	prefixes map[string]bool // every key and every dotted prefix of a key
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// memberKey is the parameter name of member m under prefix. A flattened
// list whose element has a locationName is sent under that name
// (Foo.1=a for a member NamedList with element locationName Foo), as
// botocore and the other SDKs serialize it.
func memberKey(prefix string, m *wire.Member) string {
	if m.Shape.Kind == wire.List && (m.Shape.Flattened || m.Flattened) && m.Shape.Member.LocationName != "" {
		return join(prefix, m.Shape.Member.LocationName)
	}
	return join(prefix, m.WireName())
}

func (d *decoder) structure(s *wire.Shape, prefix string) (map[string]any, error) {
	out := map[string]any{}
	for _, m := range s.Members {
		key := memberKey(prefix, m)
		if !d.prefixes[key] {
			continue
		}
		v, present, err := d.value(m.Shape, m, key)
		if err != nil {
			return nil, err
		}
		if present {
			out[m.Name] = v
		}
	}
	return out, nil
}

func (d *decoder) value(s *wire.Shape, m *wire.Member, key string) (any, bool, error) {
	switch s.Kind {
	case wire.Structure:
		v, err := d.structure(s, key)
		return v, true, err
	case wire.List:
		flat := s.Flattened || (m != nil && m.Flattened)
		base := key
		if !flat {
			name := "member"
			if s.Member.LocationName != "" {
				name = s.Member.LocationName
			}
			base = key + "." + name
		}
		if !d.prefixes[base+".1"] {
			// "Name=" with an empty value is an empty list.
			if vs, ok := d.form[key]; ok && len(vs) > 0 && vs[0] == "" {
				return []any{}, true, nil
			}
			return []any{}, d.prefixes[key], nil
		}
		var out []any
		for i := 1; d.prefixes[base+"."+strconv.Itoa(i)]; i++ {
			v, _, err := d.value(s.Member.Shape, s.Member, base+"."+strconv.Itoa(i))
			if err != nil {
				return nil, false, err
			}
			out = append(out, v)
		}
		return out, true, nil
	case wire.Map:
		flat := s.Flattened || (m != nil && m.Flattened)
		base := key
		if !flat {
			base = key + ".entry"
		}
		kn, vn := "key", "value"
		if s.Key.LocationName != "" {
			kn = s.Key.LocationName
		}
		if s.Value.LocationName != "" {
			vn = s.Value.LocationName
		}
		out := map[string]any{}
		for i := 1; d.prefixes[base+"."+strconv.Itoa(i)]; i++ {
			entry := base + "." + strconv.Itoa(i)
			k := d.form.Get(entry + "." + kn)
			v, present, err := d.value(s.Value.Shape, s.Value, entry+"."+vn)
			if err != nil {
				return nil, false, err
			}
			if present {
				out[k] = v
			}
		}
		return out, true, nil
	}
	vs, ok := d.form[key]
	if !ok || len(vs) == 0 {
		return nil, false, nil
	}
	v, err := scalar(s, key, vs[0])
	return v, err == nil, err
}

func scalar(s *wire.Shape, key, raw string) (any, error) {
	switch s.Kind {
	case wire.String:
		return raw, nil
	case wire.Integer, wire.Long:
		i, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || (s.Kind == wire.Integer && (i > math.MaxInt32 || i < math.MinInt32)) {
			return nil, malformed(key, raw, "an integer")
		}
		return i, nil
	case wire.Float, wire.Double:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return nil, malformed(key, raw, "a number")
		}
		return f, nil
	case wire.Boolean:
		switch strings.ToLower(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, malformed(key, raw, "a boolean")
	case wire.Timestamp:
		t, err := protocol.ParseTimestamp(raw, s.TimestampFormat)
		if err != nil {
			return nil, malformed(key, raw, "a timestamp")
		}
		return t, nil
	case wire.Blob:
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, malformed(key, raw, "base64-encoded data")
		}
		return b, nil
	}
	return raw, nil
}

// malformed is the error for a parameter that cannot be read as its type.
// The query services answer these with a ValidationError.
func malformed(key, raw, want string) error {
	return orgstack.NewError("ValidationError", http.StatusBadRequest,
		"1 validation error detected: Value '"+raw+"' at '"+lowerFirst(key)+"' failed to satisfy constraint: Member must be "+want)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
