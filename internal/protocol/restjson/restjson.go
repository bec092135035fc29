package restjson

import (
	"encoding/base64"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

// Codec implements protocol.Codec for rest-json.
type Codec struct{}

var _ protocol.Codec = Codec{}

// Decode implements protocol.Codec.
func (Codec) Decode(r *http.Request, body []byte, op *wire.Operation, labels map[string]string) (map[string]any, error) {
	out := map[string]any{}
	s := op.Input
	if s == nil {
		return out, nil
	}
	q := r.URL.Query()
	for _, m := range s.Members {
		switch m.Location {
		case "uri":
			raw, ok := labels[m.WireName()]
			if !ok {
				continue
			}
			v, err := scalar(m.Shape, m.WireName(), raw)
			if err != nil {
				return nil, err
			}
			out[m.Name] = v
		case "querystring":
			switch m.Shape.Kind {
			case wire.List:
				vals, ok := q[m.WireName()]
				if !ok {
					continue
				}
				list := make([]any, 0, len(vals))
				for _, raw := range vals {
					v, err := scalar(m.Shape.Member.Shape, m.WireName(), raw)
					if err != nil {
						return nil, err
					}
					list = append(list, v)
				}
				out[m.Name] = list
			case wire.Map:
				mp := map[string]any{}
				for k, vals := range q {
					if boundQuery(s, k) || len(vals) == 0 {
						continue
					}
					if m.Shape.Value.Shape.Kind == wire.List {
						list := make([]any, len(vals))
						for i, v := range vals {
							list[i] = v
						}
						mp[k] = list
					} else {
						mp[k] = vals[0]
					}
				}
				if len(mp) > 0 {
					out[m.Name] = mp
				}
			default:
				vals, ok := q[m.WireName()]
				if !ok || len(vals) == 0 {
					continue
				}
				v, err := scalar(m.Shape, m.WireName(), vals[0])
				if err != nil {
					return nil, err
				}
				out[m.Name] = v
			}
		case "header":
			raw := r.Header.Values(m.WireName())
			if len(raw) == 0 {
				continue
			}
			if m.Shape.Kind == wire.List {
				var list []any
				for _, h := range raw {
					for _, part := range strings.Split(h, ",") {
						v, err := scalar(m.Shape.Member.Shape, m.WireName(), strings.TrimSpace(part))
						if err != nil {
							return nil, err
						}
						list = append(list, v)
					}
				}
				out[m.Name] = list
				continue
			}
			v, err := headerScalar(m, raw[0])
			if err != nil {
				return nil, err
			}
			out[m.Name] = v
		case "headers":
			// The prefix is the locationName; without one the map holds
			// every header.
			prefix := strings.ToLower(m.LocationName)
			mp := map[string]any{}
			for k, vals := range r.Header {
				lk := strings.ToLower(k)
				if strings.HasPrefix(lk, prefix) && len(vals) > 0 {
					mp[lk[len(prefix):]] = vals[0]
				}
			}
			if len(mp) > 0 {
				out[m.Name] = mp
			}
		}
	}
	if s.Payload != "" {
		m := s.MemberByName(s.Payload)
		if m != nil && len(body) > 0 {
			switch m.Shape.Kind {
			case wire.Blob:
				out[m.Name] = body
			case wire.String:
				out[m.Name] = string(body)
			default:
				doc, err := protocol.ParseJSON(body)
				if err != nil {
					return nil, protocol.SerializationError("The request body is not valid JSON.")
				}
				v, err := protocol.FromJSON(m.Shape, doc)
				if err != nil {
					return nil, err
				}
				out[m.Name] = v
			}
		}
		return out, nil
	}
	doc, err := protocol.ParseJSON(body)
	if err != nil {
		return nil, protocol.SerializationError("The request body is not valid JSON.")
	}
	bv, err := protocol.FromJSON(s, doc)
	if err != nil {
		return nil, err
	}
	for k, v := range bv.(map[string]any) {
		out[k] = v
	}
	return out, nil
}

func boundQuery(s *wire.Shape, key string) bool {
	for _, m := range s.Members {
		if m.Location == "querystring" && m.Shape.Kind != wire.Map && m.WireName() == key {
			return true
		}
	}
	return false
}

func headerScalar(m *wire.Member, raw string) (any, error) {
	if m.JSONValue {
		dec, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, protocol.SerializationError("Header " + m.WireName() + " is not base64-encoded JSON.")
		}
		return string(dec), nil
	}
	if m.Shape.Kind == wire.Timestamp {
		format := m.Shape.TimestampFormat
		if format == "" {
			format = "rfc822"
		}
		t, err := protocol.ParseTimestamp(raw, format)
		if err != nil {
			return nil, protocol.SerializationError("Header " + m.WireName() + " is not a timestamp.")
		}
		return t, nil
	}
	return scalar(m.Shape, m.WireName(), raw)
}

func scalar(s *wire.Shape, name, raw string) (any, error) {
	switch s.Kind {
	case wire.Integer, wire.Long:
		i, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || (s.Kind == wire.Integer && (i > math.MaxInt32 || i < math.MinInt32)) {
			return nil, protocol.SerializationError("Value '" + raw + "' of " + name + " is not an integer.")
		}
		return i, nil
	case wire.Float, wire.Double:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, protocol.SerializationError("Value '" + raw + "' of " + name + " is not a number.")
		}
		return f, nil
	case wire.Boolean:
		switch raw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, protocol.SerializationError("Value '" + raw + "' of " + name + " is not a boolean.")
	case wire.Timestamp:
		t, err := protocol.ParseTimestamp(raw, s.TimestampFormat)
		if err != nil {
			return nil, protocol.SerializationError("Value '" + raw + "' of " + name + " is not a timestamp.")
		}
		return t, nil
	case wire.Blob:
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, protocol.SerializationError("Value of " + name + " is not base64-encoded.")
		}
		return b, nil
	}
	return raw, nil
}

// WriteResult implements protocol.Codec.
func (Codec) WriteResult(w http.ResponseWriter, _ *wire.Service, op *wire.Operation, out any, requestID string) {
	status := http.StatusOK
	if op.ResponseCode != 0 {
		status = op.ResponseCode
	}
	h := w.Header()
	h.Set(protocol.HeaderRequestID, requestID)
	var body []byte
	buf := protocol.NewBuffer()
	defer buf.Free()
	if op.Output != nil && out != nil && !reflect.ValueOf(out).IsNil() {
		v := wire.Indirect(reflect.ValueOf(out))
		s := op.Output
		for i, m := range s.Members {
			fv, ok := protocol.Member(v, i, m)
			if !ok {
				continue
			}
			switch m.Location {
			case "header":
				h.Set(m.WireName(), headerText(m, fv))
			case "headers":
				for _, k := range protocol.SortedKeys(fv) {
					h.Set(m.LocationName+k.String(), wire.Indirect(fv.MapIndex(k)).String())
				}
			case "statusCode":
				status = int(fv.Int())
			}
		}
		if s.Payload != "" {
			if m := s.MemberByName(s.Payload); m != nil {
				idx := indexOf(s, m)
				fv, ok := protocol.Member(v, idx, m)
				if ok {
					switch m.Shape.Kind {
					case wire.Blob:
						body = fv.Bytes()
					case wire.String:
						body = []byte(fv.String())
					default:
						h.Set("Content-Type", "application/json")
						buf.B = protocol.AppendJSON(buf.B, m.Shape, fv, false)
						body = buf.B
					}
				}
			}
		} else {
			h.Set("Content-Type", "application/json")
			buf.B = protocol.AppendJSON(buf.B, s, v, true)
			body = buf.B
		}
	} else {
		h.Set("Content-Type", "application/json")
		body = []byte("{}")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func indexOf(s *wire.Shape, m *wire.Member) int {
	for i, x := range s.Members {
		if x == m {
			return i
		}
	}
	return -1
}

func headerText(m *wire.Member, v reflect.Value) string {
	v = wire.Indirect(v)
	switch m.Shape.Kind {
	case wire.Timestamp:
		format := m.Shape.TimestampFormat
		if format == "" {
			format = "rfc822"
		}
		return protocol.FormatTimestamp(v.Interface().(time.Time), format)
	case wire.Boolean:
		return strconv.FormatBool(v.Bool())
	case wire.Integer, wire.Long:
		if v.CanInt() {
			return strconv.FormatInt(v.Int(), 10)
		}
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case wire.Float, wire.Double:
		if v.CanFloat() {
			return strconv.FormatFloat(v.Float(), 'g', -1, 64)
		}
		return strconv.FormatInt(v.Int(), 10)
	case wire.Blob:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	}
	if m.JSONValue {
		return base64.StdEncoding.EncodeToString([]byte(v.String()))
	}
	return v.String()
}

// WriteError implements protocol.Codec: the code in x-amzn-ErrorType and
// {"message": ..., modeled members} in the body.
func (Codec) WriteError(w http.ResponseWriter, svc *wire.Service, e *orgstack.Error, requestID string) {
	buf := []byte{'{'}
	buf = protocol.AppendJSONString(buf, protocol.ErrorMessageMemberDefault(svc, e.Code, "message"))
	buf = append(buf, ':')
	buf = protocol.AppendJSONString(buf, e.Message)
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		name, sh := protocol.ErrorFieldName(svc, e.Code, k)
		buf = append(buf, ',')
		buf = protocol.AppendJSONString(buf, name)
		buf = append(buf, ':')
		if sh != nil {
			buf = protocol.AppendJSON(buf, sh, reflect.ValueOf(e.Fields[k]), false)
		} else if s, ok := e.Fields[k].(string); ok {
			buf = protocol.AppendJSONString(buf, s)
		} else {
			buf = append(buf, "null"...)
		}
	}
	buf = append(buf, '}')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(protocol.HeaderRequestID, requestID)
	h.Set(protocol.HeaderErrorType, e.Code)
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(buf)
}
