package awsquery_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol/awsquery"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
)

// FuzzQueryDecode: Decode never panics, fails only with *orgstack.Error
// and produces canonical values of UTF-8 text, whatever the form body and
// query string.
func FuzzQueryDecode(f *testing.F) {
	svc := prototest.FuzzModel(f, "query", prototest.Given{Name: "Op", Input: &prototest.Ref{Shape: "Input"}})
	op := svc.Operation("Op")
	for _, seed := range [][2]string{
		{"Action=Op&Version=2020-01-01", ""},
		{"", "Action=Op&Name=x"},
		{"Name=a&Node.Str=s&Node.Int=1&Node.Long=-2&Node.Float=1.5&Node.Double=NaN&Node.Bool=TRUE&Node.Time=2024-01-02T03%3A04%3A05Z&Node.Unix=1700000000.5&Node.Blob=Zm9v", ""},
		{"Node.Child.Child.Children.member.1.Str=a&Node.Child.Child.Children.member.3.Str=c&Node.ByName.entry.1.key=k&Node.ByName.entry.1.value.Int=2", ""},
		{"Node.Flat.1=a&Node.Flat.2=b&Node.Renamed.item.1=7&Node.Blobs.member.1=YQ%3D%3D&Node.Strings.entry.1.k=a&Node.Strings.entry.1.v=b", ""},
		{"Node.Children=&Node.Renamed=&Node.Int=x", ""},
		{"Node.Int=99999999999&Node.Blob=!!&Node.Time=yesterday", ""},
		{"%zz=1", "a=%"},
		{"Node.ByName.entry.1.value.Child.ByName.entry.1.key=", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		if len(body)+len(query) > 1<<14 {
			return
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		got, err := awsquery.Codec{}.Decode(r, []byte(body), op, nil)
		if err != nil {
			if _, ok := orgstack.AsError(err); !ok {
				t.Fatalf("error %v (%T) is not an *orgstack.Error", err, err)
			}
			return
		}
		prototest.CheckCanonical(t, op.Input, got)
		checkUTF8(t, got)
	})
}

// checkUTF8 fails when a decoded string is not UTF-8.
func checkUTF8(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			t.Fatalf("decoded %q, not UTF-8", v)
		}
	case map[string]any:
		for k, e := range v {
			checkUTF8(t, k)
			checkUTF8(t, e)
		}
	case []any:
		for _, e := range v {
			checkUTF8(t, e)
		}
	}
}
