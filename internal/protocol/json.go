package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/orgstack/orgstack/internal/wire"
)

// ParseJSON decodes a JSON document (numbers kept exact). An empty body
// is an empty object. A body that is not UTF-8 is an error (encoding/json
// would quietly replace the bad bytes).
func ParseJSON(body []byte) (any, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	if !utf8.Valid(body) {
		return nil, errors.New("the JSON document is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// FromJSON converts a decoded JSON value into the canonical value of
// shape s (see wire.Bind). JSON member names are the members' wire names.
// null values are treated as absent. A value of the wrong JSON type is an
// error.
func FromJSON(s *wire.Shape, v any) (any, error) {
	switch s.Kind {
	case wire.Structure:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(s, v)
		}
		out := make(map[string]any, len(obj))
		for _, m := range s.Members {
			if m.Location != "" {
				continue
			}
			raw, ok := obj[m.WireName()]
			if !ok || raw == nil {
				continue
			}
			cv, err := FromJSON(m.Shape, raw)
			if err != nil {
				return nil, err
			}
			out[m.Name] = cv
		}
		return out, nil
	case wire.List:
		arr, ok := v.([]any)
		if !ok {
			return nil, typeError(s, v)
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			if e == nil {
				out = append(out, nil)
				continue
			}
			cv, err := FromJSON(s.Member.Shape, e)
			if err != nil {
				return nil, err
			}
			out = append(out, cv)
		}
		return out, nil
	case wire.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(s, v)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			if e == nil {
				continue
			}
			cv, err := FromJSON(s.Value.Shape, e)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case wire.String:
		str, ok := v.(string)
		if !ok {
			return nil, typeError(s, v)
		}
		return str, nil
	case wire.Integer, wire.Long:
		n, ok := v.(json.Number)
		if !ok {
			return nil, typeError(s, v)
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(n), 64)
			// float64(math.MaxInt64) is 2^63, one past the largest int64.
			if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
				return nil, typeError(s, v)
			}
			i = int64(f)
		}
		if s.Kind == wire.Integer && (i > math.MaxInt32 || i < math.MinInt32) {
			return nil, typeError(s, v)
		}
		return i, nil
	case wire.Float, wire.Double:
		switch x := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return nil, typeError(s, v)
			}
			return f, nil
		case string:
			switch x {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			}
		}
		return nil, typeError(s, v)
	case wire.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, typeError(s, v)
		}
		return b, nil
	case wire.Timestamp:
		switch x := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return nil, typeError(s, v)
			}
			return EpochTime(f), nil
		case string:
			t, err := ParseTimestamp(x, s.TimestampFormat)
			if err != nil {
				return nil, typeError(s, v)
			}
			return t, nil
		}
		return nil, typeError(s, v)
	case wire.Blob:
		str, ok := v.(string)
		if !ok {
			return nil, typeError(s, v)
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, typeError(s, v)
		}
		return b, nil
	case wire.Document:
		return plainJSON(v), nil
	}
	return nil, typeError(s, v)
}

// plainJSON turns json.Number values into float64 for documents.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = plainJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plainJSON(x[k])
		}
	}
	return v
}

func typeError(s *wire.Shape, v any) error {
	var got string
	switch v.(type) {
	case map[string]any:
		got = "Start of structure or map found"
	case []any:
		got = "Start of list found"
	case string:
		got = "STRING_VALUE can not be converted"
	case json.Number:
		got = "NUMBER_VALUE can not be converted"
	case bool:
		got = "BOOLEAN_VALUE can not be converted"
	default:
		got = "Unexpected value"
	}
	return SerializationError(got + " where a " + s.Kind.String() + " was expected (shape " + s.Name + ").")
}

// EpochTime converts epoch seconds (possibly fractional) into a UTC time
// with millisecond precision.
func EpochTime(f float64) time.Time {
	ms := int64(math.Round(f * 1000))
	return time.UnixMilli(ms).UTC()
}

// AppendEpoch appends t as epoch seconds: an integer when t has no
// sub-second part, else with millisecond precision (1700000000.123).
func AppendEpoch(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	// Before 1970 the text is the negated magnitude: -1.5, not -2 and .5.
	u := uint64(ms)
	if ms < 0 {
		b = append(b, '-')
		u = -u
	}
	sec, frac := u/1000, u%1000
	b = strconv.AppendUint(b, sec, 10)
	if frac != 0 {
		b = append(b, '.')
		s := fmt.Sprintf("%03d", frac)
		for len(s) > 1 && s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		b = append(b, s...)
	}
	return b
}

// ISO8601 is the timestamp layout of query (XML) responses.
const ISO8601 = "2006-01-02T15:04:05Z"

// ParseTimestamp reads a timestamp in any of AWS's text formats.
func ParseTimestamp(s, format string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, ISO8601, "2006-01-02T15:04:05.000Z", time.RFC1123, "Mon, 2 Jan 2006 15:04:05 GMT", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return EpochTime(f), nil
	}
	return time.Time{}, fmt.Errorf("unrecognized timestamp %q", s)
}

// FormatTimestamp formats t for a text context: format "iso8601" (the
// default for query), "rfc822" (rest headers) or "unixTimestamp".
func FormatTimestamp(t time.Time, format string) string {
	t = t.UTC()
	switch format {
	case "rfc822":
		return t.Format(http.TimeFormat)
	case "unixTimestamp":
		return string(AppendEpoch(nil, t))
	default:
		if t.Nanosecond() >= int(time.Millisecond) {
			return t.Format("2006-01-02T15:04:05.000Z")
		}
		return t.Format(ISO8601)
	}
}

// AppendJSON appends the JSON form of v, a value of shape s: a generated
// struct (or pointer to one), or the canonical value form wire.Bind takes.
// With bodyOnly, structure members bound to HTTP headers, the query string
// or the URI are left out (rest-json).
func AppendJSON(b []byte, s *wire.Shape, v reflect.Value, bodyOnly bool) []byte {
	v = wire.Indirect(v)
	if isNil(v) {
		return append(b, "null"...)
	}
	switch s.Kind {
	case wire.Structure:
		b = append(b, '{')
		first := true
		for i, m := range s.Members {
			if bodyOnly && m.Location != "" {
				continue
			}
			fv, ok := member(v, i, m)
			if !ok {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = AppendJSONString(b, m.WireName())
			b = append(b, ':')
			b = AppendJSON(b, m.Shape, fv, false)
		}
		return append(b, '}')
	case wire.List:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, s.Member.Shape, v.Index(i), false)
		}
		return append(b, ']')
	case wire.Map:
		b = append(b, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, k.String())
			b = append(b, ':')
			b = AppendJSON(b, s.Value.Shape, v.MapIndex(k), false)
		}
		return append(b, '}')
	case wire.String:
		return AppendJSONString(b, v.String())
	case wire.Integer, wire.Long:
		if v.CanInt() {
			return strconv.AppendInt(b, v.Int(), 10)
		}
		return strconv.AppendFloat(b, v.Float(), 'f', -1, 64)
	case wire.Float, wire.Double:
		var f float64
		if v.CanFloat() {
			f = v.Float()
		} else {
			f = float64(v.Int())
		}
		switch {
		case math.IsNaN(f):
			return append(b, `"NaN"`...)
		case math.IsInf(f, 1):
			return append(b, `"Infinity"`...)
		case math.IsInf(f, -1):
			return append(b, `"-Infinity"`...)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case wire.Boolean:
		return strconv.AppendBool(b, v.Bool())
	case wire.Timestamp:
		t := v.Interface().(time.Time)
		if s.TimestampFormat == "iso8601" || s.TimestampFormat == "rfc822" {
			return AppendJSONString(b, FormatTimestamp(t, s.TimestampFormat))
		}
		return AppendEpoch(b, t)
	case wire.Blob:
		return AppendJSONString(b, base64.StdEncoding.EncodeToString(v.Bytes()))
	default:
		enc, err := json.Marshal(v.Interface())
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, enc...)
	}
}

// member returns structure member i of v, a generated struct or a
// canonical map, and whether it is present.
func member(v reflect.Value, i int, m *wire.Member) (reflect.Value, bool) {
	switch v.Kind() {
	case reflect.Struct:
		f := v.Field(i)
		return f, wire.Present(m, f)
	case reflect.Map:
		f := wire.Indirect(v.MapIndex(reflect.ValueOf(m.Name)))
		return f, !isNil(f)
	}
	return reflect.Value{}, false
}

// isNil reports whether v, already passed through wire.Indirect, holds no
// value: invalid, or a nil pointer or interface (a nil in a canonical
// value, or a nil pointer element).
func isNil(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// IsNil is isNil exported for the other protocol packages.
func IsNil(v reflect.Value) bool { return isNil(v) }

// Member is member exported for the other protocol packages.
func Member(v reflect.Value, i int, m *wire.Member) (reflect.Value, bool) { return member(v, i, m) }

func sortedKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

// SortedKeys returns a map value's keys in order.
func SortedKeys(v reflect.Value) []reflect.Value { return sortedKeys(v) }

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string. Unlike encoding/json it
// does not escape <, > and &, as AWS does not; invalid UTF-8 becomes
// U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
