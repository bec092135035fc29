package awsjson_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/protocol/awsjson"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
)

// FuzzJSONDecode: Decode never panics, fails only with *orgstack.Error
// (SerializationException for a body that is not UTF-8), produces
// canonical values, and what AppendJSON writes for them decodes to the
// same values.
func FuzzJSONDecode(f *testing.F) {
	svc := prototest.FuzzModel(f, "json", prototest.Given{Name: "Op", Input: &prototest.Ref{Shape: "Input"}})
	op := svc.Operation("Op")
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"Name":"x"} {}`, `{"Name":null}`,
		`{"Node":{"Str":"s","Int":1,"Long":-9007199254740993,"Float":1.5,"Double":"NaN","Bool":true,"Time":1700000000.123,"Unix":"2024-01-02T03:04:05Z","Blob":"Zm9v"}}`,
		`{"Node":{"Child":{"Child":{"Children":[{"Str":"a"},null,{"ByName":{"k":{"Int":2},"n":null}}]}}}}`,
		`{"Node":{"Int":1e3,"Long":9223372036854775808,"Blob":"!!"}}`,
		`{"Node":{"Flat":["a"],"Renamed":[1,2],"Blobs":["YQ=="],"Strings":{"a":"b","c":null}}}`,
		`{"Node":{"Time":-1.5,"Double":"-Infinity","Str":"\ud800\u2028<&>"}}`,
		`{"Node":{"Int":"1"}}`, `{"Node":[]}`,
	} {
		f.Add([]byte(seed))
	}
	dec := awsjson.Codec{}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<14 {
			return
		}
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		got, err := dec.Decode(r, body, op, nil)
		if err != nil {
			if _, ok := orgstack.AsError(err); !ok {
				t.Fatalf("error %v (%T) is not an *orgstack.Error", err, err)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("a body that is not UTF-8 was accepted: %q", body)
		}
		prototest.CheckCanonical(t, op.Input, got)
		enc := protocol.AppendJSON(nil, op.Input, reflect.ValueOf(got), false)
		again, err := dec.Decode(r, enc, op, nil)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		a := fmt.Sprintf("%#v", prototest.Normalize(op.Input, nil, got))
		b := fmt.Sprintf("%#v", prototest.Normalize(op.Input, nil, again))
		if a != b {
			t.Fatalf("round trip through %s\n got %s\nwant %s", enc, b, a)
		}
	})
}
