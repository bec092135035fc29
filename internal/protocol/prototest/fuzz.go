package prototest

import (
	"testing"

	"github.com/orgstack/orgstack/internal/wire"
)

// FuzzShapes is a small recursive model for the decoders' fuzz targets.
// Node has a member of every scalar kind, itself, a list and a map of
// Nodes, flattened and renamed lists, blobs in a list and strings in a
// map. RestInput, PayloadInput and BlobInput bind Node and scalars to
// the rest-json locations.
const FuzzShapes = `{
	"Input": {"type": "structure", "members": {
		"Name": {"shape": "String"},
		"Node": {"shape": "Node"}
	}},
	"Node": {"type": "structure", "members": {
		"Str": {"shape": "String"},
		"Int": {"shape": "Integer"},
		"Long": {"shape": "Long"},
		"Float": {"shape": "Float"},
		"Double": {"shape": "Double"},
		"Bool": {"shape": "Boolean"},
		"Time": {"shape": "Timestamp"},
		"Unix": {"shape": "UnixTime"},
		"Blob": {"shape": "Blob"},
		"Child": {"shape": "Node"},
		"Children": {"shape": "NodeList"},
		"ByName": {"shape": "NodeMap"},
		"Flat": {"shape": "FlatList"},
		"Named": {"shape": "NamedList", "locationName": "Renamed"},
		"Blobs": {"shape": "BlobList"},
		"Strings": {"shape": "StringMap"}
	}},
	"NodeList": {"type": "list", "member": {"shape": "Node"}},
	"NodeMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Node"}},
	"FlatList": {"type": "list", "member": {"shape": "String"}, "flattened": true},
	"NamedList": {"type": "list", "member": {"shape": "Integer", "locationName": "item"}},
	"BlobList": {"type": "list", "member": {"shape": "Blob"}},
	"StringList": {"type": "list", "member": {"shape": "String"}},
	"StringMap": {"type": "map", "key": {"shape": "String", "locationName": "k"}, "value": {"shape": "String", "locationName": "v"}},
	"RestInput": {"type": "structure", "required": ["Id"], "members": {
		"Id": {"shape": "String", "location": "uri", "locationName": "Id"},
		"Path": {"shape": "String", "location": "uri", "locationName": "Path"},
		"Count": {"shape": "Integer", "location": "querystring", "locationName": "count"},
		"Since": {"shape": "Timestamp", "location": "querystring", "locationName": "since"},
		"Tags": {"shape": "StringList", "location": "querystring", "locationName": "tag"},
		"Query": {"shape": "StringMap", "location": "querystring"},
		"Modified": {"shape": "Timestamp", "location": "header", "locationName": "x-modified"},
		"Flag": {"shape": "Boolean", "location": "header", "locationName": "x-flag"},
		"Size": {"shape": "Long", "location": "header", "locationName": "x-size"},
		"Doc": {"shape": "String", "location": "header", "locationName": "x-doc", "jsonvalue": true},
		"Parts": {"shape": "StringList", "location": "header", "locationName": "x-parts"},
		"Meta": {"shape": "StringMap", "location": "headers", "locationName": "x-meta-"},
		"Node": {"shape": "Node"}
	}},
	"PayloadInput": {"type": "structure", "payload": "Body", "members": {
		"Id": {"shape": "String", "location": "uri", "locationName": "Id"},
		"Body": {"shape": "Node"}
	}},
	"BlobInput": {"type": "structure", "payload": "Data", "members": {
		"Type": {"shape": "String", "location": "header", "locationName": "Content-Type"},
		"Data": {"shape": "Blob"}
	}},
	"String": {"type": "string"},
	"Integer": {"type": "integer"},
	"Long": {"type": "long"},
	"Float": {"type": "float"},
	"Double": {"type": "double"},
	"Boolean": {"type": "boolean"},
	"Timestamp": {"type": "timestamp"},
	"UnixTime": {"type": "timestamp", "timestampFormat": "unixTimestamp"},
	"Blob": {"type": "blob"}
}`

// FuzzModel builds FuzzShapes for protocol with the given operations.
func FuzzModel(tb testing.TB, protocol string, ops ...Given) *wire.Service {
	tb.Helper()
	svc, err := Build(Metadata{Protocol: protocol, APIVersion: "2020-01-01", JSONVersion: "1.1", TargetPrefix: "Fuzz"}, Shapes(FuzzShapes), ops...)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

// CheckCanonical fails when v holds a value of the wrong Go type for its
// shape (a decoder bug; constraint violations are fine).
func CheckCanonical(tb testing.TB, s *wire.Shape, v map[string]any) {
	tb.Helper()
	for _, vi := range wire.Validate(s, v) {
		if vi.Rule == wire.RuleType {
			tb.Fatalf("decoded a %T where a %s belongs at %s", vi.Value, vi.Shape.Kind, vi.Path)
		}
	}
}
