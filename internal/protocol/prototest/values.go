package prototest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

// Canonical converts a fixture value (decoded by DecodeJSON) of shape s
// into the canonical value form of wire.Bind: timestamps are epoch
// seconds, blobs plain strings, and a jsonvalue member's value is any JSON
// value, which becomes its compact JSON text. null members are absent;
// null list elements and map values stay nil. m is the member that refers
// to s, or nil.
func Canonical(s *wire.Shape, m *wire.Member, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if m != nil && m.JSONValue && s.Kind == wire.String {
		if str, ok := v.(string); ok {
			return str, nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	switch s.Kind {
	case wire.Structure:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, mismatch(s, v)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			mm := s.MemberByName(k)
			if mm == nil {
				return nil, fmt.Errorf("shape %s has no member %q", s.Name, k)
			}
			if e == nil {
				continue
			}
			cv, err := Canonical(mm.Shape, mm, e)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case wire.List:
		arr, ok := v.([]any)
		if !ok {
			return nil, mismatch(s, v)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			cv, err := Canonical(s.Member.Shape, s.Member, e)
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	case wire.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, mismatch(s, v)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			cv, err := Canonical(s.Value.Shape, s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case wire.String:
		if str, ok := v.(string); ok {
			return str, nil
		}
	case wire.Integer, wire.Long:
		if n, ok := v.(json.Number); ok {
			return n.Int64()
		}
	case wire.Float, wire.Double:
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	case wire.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case wire.Timestamp:
		if n, ok := v.(json.Number); ok {
			f, err := n.Float64()
			return protocol.EpochTime(f), err
		}
	case wire.Blob:
		if str, ok := v.(string); ok {
			return []byte(str), nil
		}
	}
	return nil, mismatch(s, v)
}

func mismatch(s *wire.Shape, v any) error {
	return fmt.Errorf("fixture value %v (%T) does not fit %s shape %s", v, v, s.Kind, s.Name)
}

// Normalize turns a canonical value of shape s into the form the fixtures
// use, so two values can be compared with reflect.DeepEqual: numbers and
// timestamps become float64 (epoch seconds), blobs strings, jsonvalue
// strings their parsed JSON value; nil structure members are dropped.
// Values of an unexpected Go type are kept as they are (so a comparison
// shows them).
func Normalize(s *wire.Shape, m *wire.Member, v any) any {
	if v == nil {
		return nil
	}
	if m != nil && m.JSONValue && s.Kind == wire.String {
		if str, ok := v.(string); ok {
			var doc any
			if err := json.Unmarshal([]byte(str), &doc); err == nil {
				return doc
			}
		}
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			switch s.Kind {
			case wire.Structure:
				if e == nil {
					continue
				}
				if mm := s.MemberByName(k); mm != nil {
					out[k] = Normalize(mm.Shape, mm, e)
					continue
				}
				out[k] = e
			case wire.Map:
				out[k] = Normalize(s.Value.Shape, s.Value, e)
			default:
				return v
			}
		}
		return out
	case []any:
		if s.Kind != wire.List {
			return v
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(s.Member.Shape, s.Member, e)
		}
		return out
	case int64:
		return float64(x)
	case time.Time:
		return float64(x.UnixMilli()) / 1000
	case []byte:
		return string(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return v
}

// Expected returns the normalized value of a fixture's params or result
// for shape s (an empty structure when raw is empty or null).
func Expected(s *wire.Shape, raw json.RawMessage) (map[string]any, error) {
	doc, err := DecodeJSON(raw)
	if err != nil {
		return nil, err
	}
	if s == nil {
		if obj, ok := doc.(map[string]any); doc != nil && (!ok || len(obj) > 0) {
			return nil, fmt.Errorf("fixture gives values for an operation without a shape: %s", raw)
		}
		return map[string]any{}, nil
	}
	if doc == nil {
		return map[string]any{}, nil
	}
	cv, err := Canonical(s, nil, doc)
	if err != nil {
		return nil, err
	}
	n, _ := Normalize(s, nil, cv).(map[string]any)
	return n, nil
}

// CanonicalResult returns a case's result as the value to hand to a
// codec's WriteResult: a canonical map, or an untyped nil when the
// operation has no output.
func CanonicalResult(s *wire.Shape, raw json.RawMessage) (any, error) {
	if s == nil {
		return nil, nil
	}
	doc, err := DecodeJSON(raw)
	if err != nil || doc == nil {
		return map[string]any{}, err
	}
	return Canonical(s, nil, doc)
}

// CompareInput checks a decoder's canonical output for op against a
// case's params. Two differences the wire cannot show are accepted:
//
//   - an idempotency-token member the params leave out may be present
//     (clients fill it in; the server sees a member like any other), and
//   - a structure payload decoded as an empty structure matches an absent
//     one (clients send "{}" for an unset structure payload).
func CompareInput(op *wire.Operation, got map[string]any, params json.RawMessage) error {
	want, err := Expected(op.Input, params)
	if err != nil {
		return err
	}
	if op.Input == nil {
		if len(got) != 0 {
			return fmt.Errorf("operation has no input, decoded %v", got)
		}
		return nil
	}
	g, _ := Normalize(op.Input, nil, got).(map[string]any)
	for _, m := range op.Input.Members {
		gv, present := g[m.Name]
		if _, wanted := want[m.Name]; wanted || !present {
			continue
		}
		if m.IdempotencyToken {
			if s, ok := gv.(string); ok && s != "" {
				delete(g, m.Name)
			}
			continue
		}
		if op.Input.Payload == m.Name && m.Shape.Kind == wire.Structure {
			if obj, ok := gv.(map[string]any); ok && len(obj) == 0 {
				delete(g, m.Name)
			}
		}
	}
	return Diff(want, g)
}

// Diff returns nil when got equals want (reflect.DeepEqual on normalized
// values), else an error showing both as JSON.
func Diff(want, got any) error {
	if reflect.DeepEqual(want, got) {
		return nil
	}
	return fmt.Errorf("\n got: %s\nwant: %s", show(got), show(want))
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// CompareJSON compares two JSON documents by parsed value (key order,
// spacing and number spelling do not matter).
func CompareJSON(want, got []byte) error {
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Errorf("expected body is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("body %q is not JSON: %v", got, err)
	}
	return Diff(w, g)
}

// CompareJSONModel compares two JSON bodies of shape s as a client reads
// them: both are parsed through the shape model (protocol.FromJSON, which
// drops unknown members and reads any timestamp format) and compared as
// normalized values.
func CompareJSONModel(s *wire.Shape, want, got []byte) error {
	parse := func(b []byte) (any, error) {
		doc, err := protocol.ParseJSON(b)
		if err != nil {
			return nil, err
		}
		cv, err := protocol.FromJSON(s, doc)
		if err != nil {
			return nil, err
		}
		return Normalize(s, nil, cv), nil
	}
	w, err := parse(want)
	if err != nil {
		return fmt.Errorf("expected body: %v", err)
	}
	g, err := parse(got)
	if err != nil {
		return fmt.Errorf("body %q: %v", got, err)
	}
	return Diff(w, g)
}
