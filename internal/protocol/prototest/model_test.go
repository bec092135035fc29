package prototest

import (
	"fmt"
	"testing"

	"github.com/orgstack/orgstack/internal/wire"
)

func TestBuild(t *testing.T) {
	svc, err := Build(Metadata{Protocol: "rest-json"}, Shapes(`{
		"In": {"type": "structure", "required": ["Node"], "members": {
			"Node": {"shape": "Node"},
			"At": {"shape": "Time"},
			"AtRFC": {"shape": "Time", "timestampFormat": "rfc822"},
			"Hdr": {"shape": "HeaderString"}
		}},
		"Node": {"type": "structure", "members": {"Next": {"shape": "Node"}, "Kids": {"shape": "Kids"}}},
		"Kids": {"type": "list", "member": {"shape": "Node", "locationName": "kid"}, "flattened": true},
		"Time": {"type": "timestamp"},
		"HeaderString": {"type": "string", "location": "header", "locationName": "x-h"},
		"Oops": {"type": "structure", "members": {}, "exception": true, "error": {"code": "OopsCode", "httpStatusCode": 409}}
	}`), Given{Name: "Op", Input: &Ref{Shape: "In", Payload: "Node"}, Output: &Ref{Shape: "In", ResultWrapper: "OpResult"}})
	if err != nil {
		t.Fatal(err)
	}
	op := svc.Operation("Op")
	in := op.Input
	if op.Output != in || op.ResultWrapper != "OpResult" || in.Payload != "Node" || op.Method != "POST" || op.RequestURI != "/" {
		t.Fatalf("operation %+v", op)
	}
	node := in.MemberByName("Node")
	if !node.Required || node.Shape.MemberByName("Next").Shape != node.Shape ||
		node.Shape.MemberByName("Kids").Shape.Member.Shape != node.Shape {
		t.Error("recursive shapes are not one graph")
	}
	var names []string
	for _, m := range in.Members {
		names = append(names, m.Name)
	}
	if fmt.Sprint(names) != "[Node At AtRFC Hdr]" {
		t.Errorf("members %v, want document order", names)
	}
	at, rfc := in.MemberByName("At").Shape, in.MemberByName("AtRFC").Shape
	if at.TimestampFormat != "" || rfc.TimestampFormat != "rfc822" || rfc.Kind != wire.Timestamp {
		t.Errorf("timestamp formats %q %q", at.TimestampFormat, rfc.TimestampFormat)
	}
	if h := in.MemberByName("Hdr"); h.Location != "header" || h.LocationName != "x-h" {
		t.Errorf("shape-level traits not applied: %+v", h)
	}
	if e := svc.Exception("OopsCode"); e == nil || e.Error.Status != 409 || !e.Error.Sender {
		t.Errorf("exception %+v", e)
	}
}
