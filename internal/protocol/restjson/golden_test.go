package restjson_test

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
	"github.com/orgstack/orgstack/internal/protocol/restjson"
	"github.com/orgstack/orgstack/internal/wire"
)

// Every input case runs, through the router first. The idempotency-token
// and host-prefix cases test client behaviour; on the server side the
// token is an ordinary member (prototest.CompareInput accepts it when
// params leave it out) and the host is ignored.
func TestFixtureInput(t *testing.T) {
	prototest.Run(t, "input/rest-json.json", nil, func(t *testing.T, _ *prototest.Suite, c *prototest.Case, svc *wire.Service, op *wire.Operation) {
		r, body := c.Request()
		matched, labels, _ := restjson.NewRouter(svc).Match(r.Method, r.URL)
		if matched != op {
			t.Fatalf("%s %s did not route to %s (got %v)", r.Method, r.URL, op.Name, matched)
		}
		got, err := restjson.Codec{}.Decode(r, body, matched, labels)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if err := prototest.CompareInput(op, got, c.Params); err != nil {
			t.Error(err)
		}
	})
}

var outputSkip = map[string]string{
	"Ignores undefined output/0": "body \"OK\" for an operation without output: the case checks that a client ignores it; a server writes {}",
}

// outputViaModel lists cases whose expected body a server would not write
// byte for byte; they are compared as a client reads them, through the
// shape model.
var outputViaModel = map[string]string{
	"Scalar members/0":     "the body's Timestamp is an ISO 8601 string; a server writes the rest-json default, epoch seconds",
	"Ignores extra data/0": "the expected body has a member the model lacks, which clients ignore",
}

func TestFixtureOutput(t *testing.T) {
	prototest.Run(t, "output/rest-json.json", outputSkip, func(t *testing.T, _ *prototest.Suite, c *prototest.Case, svc *wire.Service, op *wire.Operation) {
		out, err := prototest.CanonicalResult(op.Output, c.Result)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		restjson.Codec{}.WriteResult(rec, svc, op, out, "request-id")
		if err := c.Response.Compare(rec); err != nil {
			t.Error(err)
		}
		if id := rec.Header().Get("x-amzn-RequestId"); id != "request-id" {
			t.Errorf("x-amzn-RequestId %q", id)
		}
		if c.Response.Body == nil {
			return
		}
		want := []byte(*c.Response.Body)
		if op.Output != nil && op.Output.Payload != "" {
			if k := op.Output.MemberByName(op.Output.Payload).Shape.Kind; k == wire.Blob || k == wire.String {
				if !bytes.Equal(rec.Body.Bytes(), want) {
					t.Errorf("payload %q, want %q", rec.Body, want)
				}
				return
			}
		}
		if _, lenient := outputViaModel[c.Key]; lenient {
			err = prototest.CompareJSONModel(op.Output, want, rec.Body.Bytes())
		} else {
			err = prototest.CompareJSON(want, rec.Body.Bytes())
		}
		if err != nil {
			t.Error(err)
		}
	})
}

// auditManagerShapes is a small Audit Manager-like model: exceptions with
// a lower-case "message" and modeled extra members.
const auditManagerShapes = `{
	"AccessDeniedException": {"type": "structure", "required": ["message"], "members": {"message": {"shape": "String"}},
		"error": {"httpStatusCode": 403, "senderFault": true}, "exception": true},
	"ResourceNotFoundException": {"type": "structure", "required": ["message", "resourceId", "resourceType"], "members": {
		"message": {"shape": "String"}, "resourceId": {"shape": "String"}, "resourceType": {"shape": "String"}},
		"error": {"httpStatusCode": 404, "senderFault": true}, "exception": true},
	"ValidationException": {"type": "structure", "required": ["message"], "members": {
		"message": {"shape": "String"},
		"reason": {"shape": "ValidationExceptionReason"},
		"fields": {"shape": "ValidationExceptionFieldList"}},
		"error": {"httpStatusCode": 400, "senderFault": true}, "exception": true},
	"ValidationExceptionReason": {"type": "string", "enum": ["unknownOperation", "cannotParse", "fieldValidationFailed", "other"]},
	"ValidationExceptionFieldList": {"type": "list", "member": {"shape": "ValidationExceptionField"}},
	"ValidationExceptionField": {"type": "structure", "required": ["name", "message"], "members": {
		"name": {"shape": "String"}, "message": {"shape": "String"}}},
	"InternalServerException": {"type": "structure", "required": ["message"], "members": {"message": {"shape": "String"}},
		"error": {"httpStatusCode": 500}, "exception": true, "fault": true},
	"String": {"type": "string"}
}`

func TestErrorGolden(t *testing.T) {
	svc, err := prototest.Build(prototest.Metadata{Protocol: "rest-json", APIVersion: "2017-07-25"}, prototest.Shapes(auditManagerShapes))
	if err != nil {
		t.Fatal(err)
	}
	fromModel := func(code, msg string) *orgstack.Error {
		sh := svc.Exception(code)
		if sh == nil {
			t.Fatalf("no exception %s in the model", code)
		}
		return orgstack.NewError(sh.Error.Code, sh.Error.Status, msg)
	}
	for _, tc := range []struct {
		name   string
		err    *orgstack.Error
		status int
		body   string
	}{
		{
			name:   "access denied",
			err:    fromModel("AccessDeniedException", "Your account isn't registered with Audit Manager."),
			status: 403,
			body:   `{"message":"Your account isn't registered with Audit Manager."}`,
		},
		{
			name: "modeled members",
			err: fromModel("ResourceNotFoundException", "The resource specified in the request can't be found.").
				With("resourceId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111").With("resourceType", "ASSESSMENT"),
			status: 404,
			body:   `{"message":"The resource specified in the request can't be found.","resourceId":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","resourceType":"ASSESSMENT"}`,
		},
		{
			name: "structured members",
			err: fromModel("ValidationException", "1 validation error detected").With("reason", "fieldValidationFailed").
				With("fields", []any{map[string]any{"name": "kmsKey", "message": "Member must have length greater than or equal to 7"}}),
			status: 400,
			body:   `{"message":"1 validation error detected","fields":[{"name":"kmsKey","message":"Member must have length greater than or equal to 7"}],"reason":"fieldValidationFailed"}`,
		},
		{
			name:   "fault",
			err:    fromModel("InternalServerException", "An internal error occurred."),
			status: 500,
			body:   `{"message":"An internal error occurred."}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			restjson.Codec{}.WriteError(rec, svc, tc.err, "0f9e8d7c-6b5a-4f3e-2d1c-0b9a8f7e6d5c")
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body\n got %s\nwant %s", got, tc.body)
			}
			for k, v := range map[string]string{
				"x-amzn-ErrorType": tc.err.Code,
				"Content-Type":     "application/json",
				"x-amzn-RequestId": "0f9e8d7c-6b5a-4f3e-2d1c-0b9a8f7e6d5c",
				"Content-Length":   strconv.Itoa(len(tc.body)),
			} {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// Header maps: without a locationName the map holds every header, with
// one only the headers under that prefix, keyed by the rest of the name.
func TestHeaderMaps(t *testing.T) {
	svc, err := prototest.Build(prototest.Metadata{Protocol: "rest-json"}, prototest.Shapes(`{
		"Input": {"type": "structure", "members": {
			"All": {"shape": "HeaderMap", "location": "headers"},
			"Meta": {"shape": "HeaderMap", "location": "headers", "locationName": "x-amz-meta-"}
		}},
		"HeaderMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
		"String": {"type": "string"}
	}`), prototest.Given{Name: "Op", Input: &prototest.Ref{Shape: "Input"}, Output: &prototest.Ref{Shape: "Input"}})
	if err != nil {
		t.Fatal(err)
	}
	op := svc.Operation("Op")
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("X-Amz-Meta-Color", "red")
	r.Header.Set("X-Other", "1")
	got, err := restjson.Codec{}.Decode(r, nil, op, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"All":  map[string]any{"x-amz-meta-color": "red", "x-other": "1"},
		"Meta": map[string]any{"color": "red"},
	}
	if err := prototest.Diff(want, got); err != nil {
		t.Error(err)
	}

	rec := httptest.NewRecorder()
	restjson.Codec{}.WriteResult(rec, svc, op, map[string]any{
		"All":  map[string]any{"X-Plain": "p"},
		"Meta": map[string]any{"Color": "blue"},
	}, "id")
	if rec.Header().Get("X-Plain") != "p" || rec.Header().Get("X-Amz-Meta-Color") != "blue" || len(rec.Header()) != 5 {
		t.Errorf("headers %v", rec.Header())
	}
}
