package awsjson_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/protocol/awsjson"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
	"github.com/orgstack/orgstack/internal/wire"
)

// Every input case runs. The idempotency-token and host-prefix cases test
// client behaviour; on the server side the token is an ordinary member
// (prototest.CompareInput accepts it when params leave it out) and the
// host is ignored.
func TestFixtureInput(t *testing.T) {
	prototest.Run(t, "input/json.json", nil, func(t *testing.T, _ *prototest.Suite, c *prototest.Case, _ *wire.Service, op *wire.Operation) {
		r, body := c.Request()
		got, err := awsjson.Codec{}.Decode(r, body, op, nil)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if err := prototest.CompareInput(op, got, c.Params); err != nil {
			t.Error(err)
		}
	})
}

var outputSkip = map[string]string{
	"unmodeled non-json response payload/0": "body \"success\" is not JSON: the case checks that a client tolerates it; a server writes a JSON object",
	"unmodeled non-json response payload/1": "body \"\\\"success\\\"\" is not a JSON object: the case checks that a client tolerates it; a server writes a JSON object",
}

// outputViaModel lists cases whose expected body a server would not write
// byte for byte; they are compared as a client reads them, through the
// shape model.
var outputViaModel = map[string]string{
	"Ignores extra data/0": "the expected body has a member the model lacks, which clients ignore",
}

func TestFixtureOutput(t *testing.T) {
	prototest.Run(t, "output/json.json", outputSkip, func(t *testing.T, _ *prototest.Suite, c *prototest.Case, svc *wire.Service, op *wire.Operation) {
		out, err := prototest.CanonicalResult(op.Output, c.Result)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		awsjson.Codec{}.WriteResult(rec, svc, op, out, "request-id")
		if err := c.Response.Compare(rec); err != nil {
			t.Error(err)
		}
		if ct := rec.Header().Get("Content-Type"); ct != protocol.ContentTypeJSON {
			t.Errorf("Content-Type %q", ct)
		}
		if id := rec.Header().Get("x-amzn-RequestId"); id != "request-id" {
			t.Errorf("x-amzn-RequestId %q", id)
		}
		if c.Response.Body == nil {
			return
		}
		want := []byte(*c.Response.Body)
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

// errorModel is a hand-made Organizations-like model: exceptions with
// "Message" (and "Reason"), one with a lower-case "message", and a fault.
func errorModel() *wire.Service {
	msg := &wire.Shape{Name: "ExceptionMessage", Kind: wire.String}
	reason := &wire.Shape{Name: "InvalidInputExceptionReason", Kind: wire.String, Enum: []string{"INVALID_PATTERN", "INVALID_ENUM"}}
	exc := func(name string, status int, members ...*wire.Member) *wire.Shape {
		return &wire.Shape{Name: name, Kind: wire.Structure, Members: members,
			Error: &wire.ErrorInfo{Code: name, Status: status, Sender: status < 500}}
	}
	return (&wire.Service{
		ID: "organizations", Protocol: "json", JSONVersion: "1.1", TargetPrefix: "AWSOrganizationsV20161128",
		Exceptions: []*wire.Shape{
			exc("AWSOrganizationsNotInUseException", 400, &wire.Member{Name: "Message", Shape: msg}),
			exc("InvalidInputException", 400, &wire.Member{Name: "Message", Shape: msg}, &wire.Member{Name: "Reason", Shape: reason}),
			exc("LowerCaseException", 400, &wire.Member{Name: "message", Shape: msg}),
			exc("ServiceException", 500, &wire.Member{Name: "Message", Shape: msg}),
		},
	}).Finish()
}

func TestErrorGolden(t *testing.T) {
	svc := errorModel()
	status := func(code string) int { return svc.Exception(code).Error.Status }
	for _, tc := range []struct {
		name   string
		err    *orgstack.Error
		status int
		body   string
	}{
		{
			name:   "modeled Reason",
			err:    orgstack.NewError("InvalidInputException", status("InvalidInputException"), "You provided a value that does not match the required pattern.").WithReason("INVALID_PATTERN"),
			status: 400,
			body:   `{"__type":"InvalidInputException","Message":"You provided a value that does not match the required pattern.","Reason":"INVALID_PATTERN"}`,
		},
		{
			name:   "not in use",
			err:    orgstack.NewError("AWSOrganizationsNotInUseException", status("AWSOrganizationsNotInUseException"), "Your account is not a member of an organization."),
			status: 400,
			body:   `{"__type":"AWSOrganizationsNotInUseException","Message":"Your account is not a member of an organization."}`,
		},
		{
			name:   "model spells message in lower case",
			err:    orgstack.NewError("LowerCaseException", 400, `Quote " backslash \ and <tag> & newline`+"\n"),
			status: 400,
			body:   `{"__type":"LowerCaseException","message":"Quote \" backslash \\ and <tag> & newline\n"}`,
		},
		{
			name:   "fault",
			err:    orgstack.NewError("ServiceException", status("ServiceException"), "AWS Organizations can't complete your request because of an internal service error. Try again later."),
			status: 500,
			body:   `{"__type":"ServiceException","Message":"AWS Organizations can't complete your request because of an internal service error. Try again later."}`,
		},
		{
			name:   "unmodeled code",
			err:    orgstack.InternalError(),
			status: 500,
			body:   `{"__type":"InternalFailure","Message":"The request processing has failed because of an unknown error, exception or failure."}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			awsjson.Codec{}.WriteError(rec, svc, tc.err, "b7bb8cb6-4b2c-4a27-9a4b-6d1f2d3c4e5f")
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body\n got %s\nwant %s", got, tc.body)
			}
			checkHeaders(t, rec.Header(), map[string]string{
				"Content-Type":     "application/x-amz-json-1.1",
				"x-amzn-RequestId": "b7bb8cb6-4b2c-4a27-9a4b-6d1f2d3c4e5f",
				"Content-Length":   strconv.Itoa(len(tc.body)),
			})
		})
	}
}

func checkHeaders(t *testing.T, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

// Timestamps in JSON bodies are epoch seconds: an integer without a
// sub-second part, else with milliseconds.
func TestTimestampGolden(t *testing.T) {
	svc, err := prototest.Build(prototest.Metadata{Protocol: "json", JSONVersion: "1.1", TargetPrefix: "AWSOrganizationsV20161128"},
		prototest.Shapes(`{
		"DescribeAccountResponse": {"type": "structure", "members": {"Account": {"shape": "Account"}}},
		"Account": {"type": "structure", "members": {
			"Id": {"shape": "AccountId"},
			"JoinedTimestamp": {"shape": "Timestamp"}
		}},
		"AccountId": {"type": "string"},
		"Timestamp": {"type": "timestamp"}
	}`), prototest.Given{Name: "DescribeAccount", Output: &prototest.Ref{Shape: "DescribeAccountResponse"}})
	if err != nil {
		t.Fatal(err)
	}
	op := svc.Operation("DescribeAccount")
	for _, tc := range []struct {
		at   time.Time
		body string
	}{
		{time.Unix(1700000000, 0), `{"Account":{"Id":"111111111111","JoinedTimestamp":1700000000}}`},
		{time.UnixMilli(1700000000123), `{"Account":{"Id":"111111111111","JoinedTimestamp":1700000000.123}}`},
		{time.UnixMilli(1700000000120), `{"Account":{"Id":"111111111111","JoinedTimestamp":1700000000.12}}`},
		{time.Unix(1700000000, 123456789), `{"Account":{"Id":"111111111111","JoinedTimestamp":1700000000.123}}`},
	} {
		rec := httptest.NewRecorder()
		out := map[string]any{"Account": map[string]any{"Id": "111111111111", "JoinedTimestamp": tc.at}}
		awsjson.Codec{}.WriteResult(rec, svc, op, out, "id")
		if got := rec.Body.String(); got != tc.body {
			t.Errorf("%v:\n got %s\nwant %s", tc.at, got, tc.body)
		}
	}
}
