package wire_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/wire"
)

type tag struct {
	Key   string
	Value string
}

type input struct {
	Name    string
	Count   *int32
	Enabled *bool
	When    time.Time
	Tags    []tag
	Attrs   map[string]string
	Mode    string
}

// model builds a small service exercising every binding path.
func model() (*wire.Service, *wire.Shape) {
	name := &wire.Shape{Name: "Name", Kind: wire.String, HasMin: true, Min: 1, HasMax: true, Max: 5, Pattern: `^(?:[a-z]+)$`}
	count := &wire.Shape{Name: "Count", Kind: wire.Integer, HasMin: true, Min: 1, HasMax: true, Max: 20}
	boolean := &wire.Shape{Name: "Bool", Kind: wire.Boolean}
	ts := &wire.Shape{Name: "TS", Kind: wire.Timestamp}
	str := &wire.Shape{Name: "Str", Kind: wire.String}
	tagShape := &wire.Shape{Name: "Tag", Kind: wire.Structure, GoType: reflect.TypeFor[tag](), Members: []*wire.Member{
		{Name: "Key", Shape: &wire.Shape{Name: "TagKey", Kind: wire.String, HasMin: true, Min: 1}, Required: true},
		{Name: "Value", Shape: str, Required: true},
	}}
	tags := &wire.Shape{Name: "Tags", Kind: wire.List, Member: &wire.Member{Name: "member", Shape: tagShape}, HasMax: true, Max: 2}
	attrs := &wire.Shape{Name: "Attrs", Kind: wire.Map, Key: &wire.Member{Name: "key", Shape: str}, Value: &wire.Member{Name: "value", Shape: str}}
	mode := &wire.Shape{Name: "Mode", Kind: wire.String, Enum: []string{"ON", "OFF"}}
	in := &wire.Shape{Name: "Input", Kind: wire.Structure, GoType: reflect.TypeFor[input](), Members: []*wire.Member{
		{Name: "Name", Shape: name, Required: true},
		{Name: "Count", Shape: count},
		{Name: "Enabled", Shape: boolean},
		{Name: "When", Shape: ts},
		{Name: "Tags", Shape: tags},
		{Name: "Attrs", Shape: attrs},
		{Name: "Mode", Shape: mode},
	}}
	svc := (&wire.Service{ID: "test", Operations: []*wire.Operation{{Name: "Op", Input: in}}}).Finish()
	return svc, in
}

func TestBindPopulatesEveryKind(t *testing.T) {
	svc, sh := model()
	when := time.Unix(1700000000, 0).UTC()
	var in input
	vs := wire.Bind(sh, map[string]any{
		"Name":    "abc",
		"Count":   int64(7),
		"Enabled": false,
		"When":    when,
		"Tags":    []any{map[string]any{"Key": "k", "Value": ""}},
		"Attrs":   map[string]any{"a": "b"},
		"Mode":    "ON",
	}, &in)
	if len(vs) != 0 {
		t.Fatalf("violations: %v", vs)
	}
	if in.Name != "abc" || in.Count == nil || *in.Count != 7 || in.Enabled == nil || *in.Enabled || !in.When.Equal(when) ||
		len(in.Tags) != 1 || in.Tags[0] != (tag{"k", ""}) || in.Attrs["a"] != "b" || in.Mode != "ON" {
		t.Fatalf("bound %+v", in)
	}
	if got := svc.Operation("Op").NewInput(); reflect.TypeOf(got) != reflect.TypeFor[*input]() {
		t.Fatalf("NewInput %T", got)
	}
}

func TestBindReportsEveryViolationInAWSWords(t *testing.T) {
	_, sh := model()
	var in input
	vs := wire.Bind(sh, map[string]any{
		"Name":  "TooLongName",
		"Count": int64(21),
		"Tags":  []any{map[string]any{"Key": ""}, map[string]any{"Key": "a", "Value": "b"}, map[string]any{"Key": "c", "Value": "d"}},
		"Mode":  "MAYBE",
	}, &in)
	want := []string{
		"Value 'TooLongName' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5",
		"Value 'TooLongName' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
		"Value '21' at 'count' failed to satisfy constraint: Member must have value less than or equal to 20",
		"at 'tags' failed to satisfy constraint: Member must have length less than or equal to 2",
		"Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
		"Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
		"Value 'MAYBE' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [ON, OFF]",
	}
	if len(vs) != len(want) {
		t.Fatalf("%d violations, want %d: %v", len(vs), len(want), vs)
	}
	for i, v := range vs {
		if !strings.HasSuffix(v.String(), want[i]) {
			t.Errorf("violation %d:\n got %s\nwant …%s", i, v, want[i])
		}
	}
	msg := wire.Message(vs[:1])
	if !strings.HasPrefix(msg, "1 validation error detected: Value 'TooLongName'") {
		t.Fatalf("message %q", msg)
	}
	if !strings.HasPrefix(wire.Message(vs), "7 validation errors detected: ") {
		t.Fatalf("plural message %q", wire.Message(vs))
	}
	if vs[0].Rule != wire.RuleMaxLength || vs[6].Rule != wire.RuleEnum {
		t.Fatalf("rules %v %v", vs[0].Rule, vs[6].Rule)
	}
}

func TestBindRequiresTopLevelMembers(t *testing.T) {
	_, sh := model()
	var in input
	vs := wire.Bind(sh, map[string]any{}, &in)
	if len(vs) != 1 || vs[0].Rule != wire.RuleRequired || vs[0].Path != "name" {
		t.Fatalf("violations %v", vs)
	}
}

func TestBindRejectsWrongCanonicalTypes(t *testing.T) {
	_, sh := model()
	var in input
	vs := wire.Bind(sh, map[string]any{"Name": int64(3), "Count": "seven"}, &in)
	if len(vs) != 2 || vs[0].Rule != wire.RuleType || vs[1].Rule != wire.RuleType {
		t.Fatalf("violations %v", vs)
	}
}

func TestPresentFollowsAWSOmission(t *testing.T) {
	opt := &wire.Member{Name: "x"}
	req := &wire.Member{Name: "x", Required: true}
	cases := []struct {
		m    *wire.Member
		v    any
		want bool
	}{
		{opt, "", false}, {req, "", true}, {opt, "a", true},
		{opt, (*int32)(nil), false}, {opt, []string(nil), false}, {opt, []string{}, true},
		{opt, time.Time{}, false}, {opt, time.Now(), true}, {opt, int32(0), true},
	}
	for i, c := range cases {
		if got := wire.Present(c.m, reflect.ValueOf(c.v)); got != c.want {
			t.Errorf("case %d (%#v): Present=%v", i, c.v, got)
		}
	}
}

// TestPatternsCompiledOnFirstUse checks that shapes with the same pattern
// share one compiled expression, made when a value is first checked, and
// that concurrent first checks agree.
func TestPatternsCompiledOnFirstUse(t *testing.T) {
	a := &wire.Shape{Name: "A", Kind: wire.String, Pattern: `^[a-z]{1,64}$`}
	b := &wire.Shape{Name: "B", Kind: wire.String, Pattern: `^[a-z]{1,64}$`}
	in := &wire.Shape{Name: "In", Kind: wire.Structure, GoType: reflect.TypeFor[struct{ A, B string }](), Members: []*wire.Member{
		{Name: "A", Shape: a}, {Name: "B", Shape: b},
	}}
	(&wire.Service{ID: "test", Operations: []*wire.Operation{{Name: "Op", Input: in}}}).Finish()
	got := make(chan *regexp.Regexp, 16)
	for i := range 16 {
		go func() {
			s := a
			if i%2 == 1 {
				s = b
			}
			got <- s.Regexp()
		}()
	}
	first := <-got
	for range 15 {
		if re := <-got; re != first {
			t.Fatal("shapes with one pattern compiled it twice")
		}
	}
	if !first.MatchString("abc") || first.MatchString("ABC") {
		t.Fatalf("pattern %s matches wrongly", first)
	}
	if (&wire.Shape{Kind: wire.String}).Regexp() != nil {
		t.Fatal("a shape without a pattern has a regexp")
	}
}

// TestBadPatternFailsAtFinish checks that a pattern that does not parse is
// found when the model is finished, not at the first request.
func TestBadPatternFailsAtFinish(t *testing.T) {
	bad := &wire.Shape{Name: "Bad", Kind: wire.String, Pattern: `^[a-z$`}
	in := &wire.Shape{Name: "In", Kind: wire.Structure, GoType: reflect.TypeFor[struct{ A string }](), Members: []*wire.Member{{Name: "A", Shape: bad}}}
	defer func() {
		if recover() == nil {
			t.Fatal("Finish accepted a pattern that does not parse")
		}
	}()
	(&wire.Service{ID: "test", Operations: []*wire.Operation{{Name: "Op", Input: in}}}).Finish()
}
