package restjson_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
	"github.com/orgstack/orgstack/internal/protocol/restjson"
)

// FuzzRestJSONDecode: routing and Decode never panic, Decode fails only
// with *orgstack.Error and produces canonical values, whatever the
// method, target, headers ("Name: value" lines) and body.
func FuzzRestJSONDecode(f *testing.F) {
	op := func(name, method, uri, input string) prototest.Given {
		g := prototest.Given{Name: name, Input: &prototest.Ref{Shape: input}}
		g.HTTP.Method, g.HTTP.RequestURI = method, uri
		return g
	}
	svc := prototest.FuzzModel(f, "rest-json",
		op("GetItem", "GET", "/items/{Id}", "RestInput"),
		op("PutItem", "POST", "/items/{Id}/{Path+}", "RestInput"),
		op("ListItems", "GET", "/items?list", "Input"),
		op("PutPayload", "PUT", "/payload/{Id}", "PayloadInput"),
		op("PutBlob", "POST", "/blob", "BlobInput"))
	router := restjson.NewRouter(svc)
	for _, seed := range []struct{ method, target, headers, body string }{
		{"GET", "/items/abc?count=3&tag=a&tag=b&since=2024-01-02T03%3A04%3A05Z&free=x", "X-Modified: Tue, 29 Apr 2014 18:30:38 GMT\nX-Flag: true\nX-Size: 12\nX-Doc: eyJhIjoxfQ==\nX-Parts: a, b\nX-Meta-Color: red", ""},
		{"POST", "/items/a%2Fb/deep/er/path", "Content-Type: application/json", `{"Node":{"Str":"s","Child":{"Children":[{"Int":1}],"ByName":{"k":{"Bool":true}}}}}`},
		{"GET", "/items?list", "", `{"Name":"n"}`},
		{"PUT", "/payload/p", "", `{"Str":"s","Time":1700000000.5,"Blob":"Zm9v"}`},
		{"PUT", "/payload/p", "", ""},
		{"POST", "/blob", "Content-Type: image/png", "\x89PNG"},
		{"GET", "/items/x?count=x", "X-Flag: yes\nX-Doc: !!", "{"},
		{"DELETE", "/items/", "", ""},
	} {
		f.Add(seed.method, seed.target, seed.headers, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		if len(target)+len(headers)+len(body) > 1<<14 {
			return
		}
		r, err := http.NewRequest(method, "http://localhost"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		op, labels, _ := router.Match(r.Method, r.URL)
		if op == nil {
			return
		}
		got, err := restjson.Codec{}.Decode(r, body, op, labels)
		if err != nil {
			if _, ok := orgstack.AsError(err); !ok {
				t.Fatalf("error %v (%T) is not an *orgstack.Error", err, err)
			}
			return
		}
		prototest.CheckCanonical(t, op.Input, got)
	})
}
