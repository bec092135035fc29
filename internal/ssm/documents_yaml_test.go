package ssm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseYAML(t *testing.T) {
	for _, c := range []struct {
		name, src, want string // want is JSON
	}{
		{"mapping and scalars", "a: 1\nb: two\nc: true\nd: null\ne: '0.3'\nf: \"x\\ty\"\ng: ~\n",
			`{"a":1,"b":"two","c":true,"d":null,"e":"0.3","f":"x\ty","g":null}`},
		{"nested", "outer:\n  inner:\n    deep: x\n  other: y\n", `{"outer":{"inner":{"deep":"x"},"other":"y"}}`},
		{"sequence of mappings", "steps:\n  - name: a\n    action: x\n  - name: b\n    inputs:\n      k: v\n",
			`{"steps":[{"name":"a","action":"x"},{"name":"b","inputs":{"k":"v"}}]}`},
		{"sequence at the key's indentation", "list:\n- a\n- b\nnext: 1\n", `{"list":["a","b"],"next":1}`},
		{"nested sequences", "m:\n  - - 1\n    - 2\n  -\n    - 3\n", `{"m":[[1,2],[3]]}`},
		{"comments and document marker", "---\n# heading\na: b # trailing\nc: 'x # not a comment'\n", `{"a":"b","c":"x # not a comment"}`},
		{"literal block", "d: |\n  line one\n    indented\n\n  line three\ne: 1\n", `{"d":"line one\n  indented\n\nline three\n","e":1}`},
		{"folded block, stripped", "d: >-\n  one\n  two\n\n  three\n", `{"d":"one two\nthree"}`},
		{"block then comment", "d: |\n  text\n# note\ne: 2\n", `{"d":"text\n","e":2}`},
		{"flow collections", "a: [1, 'two', {k: v, n: [x]}]\nb: {}\nc: []\n", `{"a":[1,"two",{"k":"v","n":["x"]}],"b":{},"c":[]}`},
		{"flow over lines", "a: [1,\n  2,\n  3]\n", `{"a":[1,2,3]}`},
		{"plain continuation", "a: one\n  two\nb: 3\n", `{"a":"one two","b":3}`},
		{"quoted keys and colons", "\"a: b\": 1\nurl: http://x/y\n", `{"a: b":1,"url":"http://x/y"}`},
		{"templated values", "assumeRole: '{{ AutomationAssumeRole }}'\n", `{"assumeRole":"{{ AutomationAssumeRole }}"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseYAML(c.src)
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal([]byte(c.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Fatalf("got %s\nwant %s", g, c.want)
			}
		})
	}
}

func TestParseYAMLRefusals(t *testing.T) {
	for _, src := range []string{
		"",
		"a: 1\n\tb: 2\n",
		"a: &x 1\n",
		"a: 1\na: 2\n",
		"a: [1, 2\n",
		"a: 1\n   b: 2\n",
		"a: 1\n---\nb: 2\n",
		"a: \"unterminated\n",
	} {
		if v, err := parseYAML(src); err == nil {
			t.Errorf("%q parsed as %v", src, v)
		}
	}
}

// Converting JSON to YAML and back gives the same document.
func TestYAMLRoundTrip(t *testing.T) {
	src := `{"schemaVersion":"0.3","description":"multi\nline: text","n":2.5,"flag":false,"empty":{},"none":[],
	  "quoted":["-dash","#hash","true","1.0"," pad","a: b",""],"mainSteps":[{"name":"s","inputs":{"list":[[1,2],{"k":null}]}}]}`
	y, err := convertDocContent(src, DocumentFormatJson, DocumentFormatYaml)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(y, "schemaVersion: \"0.3\"") {
		t.Fatalf("YAML:\n%s", y)
	}
	back, err := parseYAML(y)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	var want any
	_ = json.Unmarshal([]byte(src), &want)
	if !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip changed the document:\n%s", y)
	}
	j, err := convertDocContent(y, DocumentFormatYaml, DocumentFormatJson)
	if err != nil {
		t.Fatal(err)
	}
	var again any
	if err := json.Unmarshal([]byte(j), &again); err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("YAML to JSON: %v\n%s", err, j)
	}
}
