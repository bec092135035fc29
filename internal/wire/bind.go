package wire

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bind validates the canonical value v against shape s and stores it in
// dst, which must be a pointer to s's generated Go type. It returns every
// constraint violation it finds (required members, lengths, patterns,
// enums, ranges), in member order; dst is fully populated either way.
//
// Canonical values are what protocol decoders produce:
//
//	structure  map[string]any keyed by member name (not wire name)
//	list       []any
//	map        map[string]any
//	string     string
//	integer    int64   (also long)
//	float      float64 (also double)
//	boolean    bool
//	timestamp  time.Time
//	blob       []byte
//	document   any
//
// A value of the wrong Go type for its shape is a decoder bug and is
// reported as a violation of rule RuleType.
func Bind(s *Shape, v map[string]any, dst any) []Violation {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("wire.Bind: dst must be a non-nil pointer")
	}
	b := binder{}
	b.structure(s, v, rv.Elem(), "")
	return b.violations
}

// Validate checks v against s without binding it anywhere.
func Validate(s *Shape, v any) []Violation {
	b := binder{}
	b.value(s, nil, v, reflect.Value{}, "")
	return b.violations
}

type binder struct {
	violations []Violation
}

func (b *binder) add(path string, m *Member, s *Shape, rule Rule, v any) {
	b.violations = append(b.violations, Violation{Path: path, Member: m, Shape: s, Rule: rule, Value: v})
}

func joinPath(parent, name string) string {
	name = lowerFirst(name)
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToLower(string(r)) + s[n:]
}

func (b *binder) structure(s *Shape, v map[string]any, dst reflect.Value, path string) {
	for i, m := range s.Members {
		mv, ok := v[m.Name]
		if !ok || mv == nil {
			if m.Required {
				b.add(joinPath(path, m.Name), m, m.Shape, RuleRequired, nil)
			}
			continue
		}
		var field reflect.Value
		if dst.IsValid() {
			field = dst.Field(i)
		}
		b.value(m.Shape, m, mv, field, joinPath(path, m.Name))
	}
}

// value validates v against s and, when dst is valid, stores it there.
func (b *binder) value(s *Shape, m *Member, v any, dst reflect.Value, path string) {
	if dst.IsValid() && dst.Kind() == reflect.Pointer && s.Kind != Document {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		dst = dst.Elem()
	}
	switch s.Kind {
	case Structure:
		mv, ok := v.(map[string]any)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.structure(s, mv, dst, path)
	case List:
		lv, ok := v.([]any)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.length(s, m, path, len(lv), v)
		if dst.IsValid() {
			dst.Set(reflect.MakeSlice(dst.Type(), len(lv), len(lv)))
		}
		for i, ev := range lv {
			var ed reflect.Value
			if dst.IsValid() {
				ed = dst.Index(i)
			}
			if ev == nil {
				continue
			}
			b.value(s.Member.Shape, s.Member, ev, ed, path+"."+strconv.Itoa(i+1)+".member")
		}
	case Map:
		mv, ok := v.(map[string]any)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.length(s, m, path, len(mv), v)
		if dst.IsValid() {
			dst.Set(reflect.MakeMapWithSize(dst.Type(), len(mv)))
		}
		keys := make([]string, 0, len(mv))
		for k := range mv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.value(s.Key.Shape, s.Key, k, reflect.Value{}, path+".key")
			ev := mv[k]
			if ev == nil {
				continue
			}
			if dst.IsValid() {
				ed := reflect.New(dst.Type().Elem()).Elem()
				b.value(s.Value.Shape, s.Value, ev, ed, path+"."+k)
				dst.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), ed)
			} else {
				b.value(s.Value.Shape, s.Value, ev, reflect.Value{}, path+"."+k)
			}
		}
	case String:
		sv, ok := v.(string)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.length(s, m, path, utf8.RuneCountInString(sv), sv)
		if s.Pattern != "" && !s.Regexp().MatchString(sv) {
			b.add(path, m, s, RulePattern, sv)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, sv) {
			b.add(path, m, s, RuleEnum, sv)
		}
		if dst.IsValid() {
			dst.SetString(sv)
		}
	case Integer, Long:
		iv, ok := v.(int64)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.rangeCheck(s, m, path, float64(iv), iv)
		if dst.IsValid() {
			dst.SetInt(iv)
		}
	case Float, Double:
		fv, ok := v.(float64)
		if !ok {
			if iv, isInt := v.(int64); isInt {
				fv, ok = float64(iv), true
			}
		}
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.rangeCheck(s, m, path, fv, fv)
		if dst.IsValid() {
			dst.SetFloat(fv)
		}
	case Boolean:
		bv, ok := v.(bool)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		if dst.IsValid() {
			dst.SetBool(bv)
		}
	case Timestamp:
		tv, ok := v.(time.Time)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		if dst.IsValid() {
			dst.Set(reflect.ValueOf(tv))
		}
	case Blob:
		bv, ok := v.([]byte)
		if !ok {
			b.add(path, m, s, RuleType, v)
			return
		}
		b.length(s, m, path, len(bv), bv)
		if dst.IsValid() {
			dst.SetBytes(bv)
		}
	case Document:
		if dst.IsValid() {
			dst.Set(reflect.ValueOf(&v).Elem())
		}
	}
}

func (b *binder) length(s *Shape, m *Member, path string, n int, v any) {
	if s.HasMin && float64(n) < s.Min {
		b.add(path, m, s, RuleMinLength, v)
	}
	if s.HasMax && float64(n) > s.Max {
		b.add(path, m, s, RuleMaxLength, v)
	}
}

func (b *binder) rangeCheck(s *Shape, m *Member, path string, f float64, v any) {
	if s.HasMin && f < s.Min {
		b.add(path, m, s, RuleMinValue, v)
	}
	if s.HasMax && f > s.Max {
		b.add(path, m, s, RuleMaxValue, v)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Rule is the kind of constraint a Violation broke.
type Rule int

// Rules.
const (
	RuleRequired Rule = iota + 1
	RuleMinLength
	RuleMaxLength
	RulePattern
	RuleEnum
	RuleMinValue
	RuleMaxValue
	RuleType
)

// Violation is one broken model constraint.
type Violation struct {
	// Path locates the value the way AWS's validation messages do:
	// lower-camel member names joined by dots, list elements as
	// ".N.member" (1-based).
	Path string
	// Member is the member the value belongs to (nil at the top level).
	Member *Member
	// Shape is the shape whose constraint was broken.
	Shape *Shape
	Rule  Rule
	// Value is the offending value (nil when it is missing).
	Value any
}

// Constraint is the constraint sentence of AWS's validation messages,
// e.g. "Member must have length less than or equal to 20".
func (v Violation) Constraint() string {
	s := v.Shape
	switch v.Rule {
	case RuleRequired:
		return "Member must not be null"
	case RuleMinLength:
		return "Member must have length greater than or equal to " + num(s.Min)
	case RuleMaxLength:
		return "Member must have length less than or equal to " + num(s.Max)
	case RulePattern:
		return "Member must satisfy regular expression pattern: " + displayPattern(s.Pattern)
	case RuleEnum:
		return "Member must satisfy enum value set: [" + strings.Join(s.Enum, ", ") + "]"
	case RuleMinValue:
		return "Member must have value greater than or equal to " + num(s.Min)
	case RuleMaxValue:
		return "Member must have value less than or equal to " + num(s.Max)
	case RuleType:
		return "Member must be of type " + s.Kind.String()
	}
	return "Member is invalid"
}

// String renders the violation as AWS does:
// "Value '300' at 'maxResults' failed to satisfy constraint: Member must
// have value less than or equal to 20".
func (v Violation) String() string {
	var val string
	switch {
	case v.Value == nil:
		val = "Value null"
	case v.Shape != nil && v.Shape.Sensitive:
		val = "Value"
	default:
		val = "Value '" + display(v.Value) + "'"
	}
	return val + " at '" + v.Path + "' failed to satisfy constraint: " + v.Constraint()
}

// Message joins violations the way AWS's validation errors do:
// "2 validation errors detected: ...; ...".
func Message(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	noun := "errors"
	if len(vs) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(vs), noun, strings.Join(parts, "; "))
}

func num(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// displayPattern strips the anchoring the generator adds so messages show
// the model's own pattern.
func displayPattern(p string) string {
	if strings.HasPrefix(p, "^(?:") && strings.HasSuffix(p, ")$") {
		return p[4 : len(p)-2]
	}
	return p
}

func display(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = display(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + display(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case []byte:
		return string(x)
	default:
		return fmt.Sprint(x)
	}
}
