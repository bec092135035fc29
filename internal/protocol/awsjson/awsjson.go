// Package awsjson is the AWS JSON 1.1 protocol (Organizations, SSM):
// POST / with X-Amz-Target: <TargetPrefix>.<Operation> and a JSON body;
// JSON responses; errors as {"__type": code, "Message": text, ...modeled
// members} with an HTTP 4xx/5xx status.
package awsjson

import (
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

// Codec implements protocol.Codec for JSON 1.0/1.1.
type Codec struct{}

var _ protocol.Codec = Codec{}

// Decode implements protocol.Codec.
func (Codec) Decode(r *http.Request, body []byte, op *wire.Operation, _ map[string]string) (map[string]any, error) {
	doc, err := protocol.ParseJSON(body)
	if err != nil {
		return nil, protocol.SerializationError("The request body is not valid JSON.")
	}
	if op.Input == nil {
		if _, ok := doc.(map[string]any); !ok {
			return nil, protocol.SerializationError("Start of structure or map expected.")
		}
		return map[string]any{}, nil
	}
	v, err := protocol.FromJSON(op.Input, doc)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// WriteResult implements protocol.Codec. Operations without output answer
// an empty JSON object.
func (Codec) WriteResult(w http.ResponseWriter, _ *wire.Service, op *wire.Operation, out any, requestID string) {
	buf := protocol.NewBuffer()
	defer buf.Free()
	if op.Output == nil || out == nil || reflect.ValueOf(out).IsNil() {
		buf.B = append(buf.B, '{', '}')
	} else {
		buf.B = protocol.AppendJSON(buf.B, op.Output, reflect.ValueOf(out), false)
	}
	write(w, http.StatusOK, requestID, buf.B)
}

// WriteError implements protocol.Codec.
func (Codec) WriteError(w http.ResponseWriter, svc *wire.Service, e *orgstack.Error, requestID string) {
	write(w, e.HTTPStatus(), requestID, AppendError(nil, svc, e))
}

// AppendError appends the JSON body of e: {"__type", message member,
// modeled fields in sorted order}.
func AppendError(buf []byte, svc *wire.Service, e *orgstack.Error) []byte {
	buf = append(buf, `{"__type":`...)
	buf = protocol.AppendJSONString(buf, e.Code)
	buf = append(buf, ',')
	buf = protocol.AppendJSONString(buf, protocol.ErrorMessageMember(svc, e.Code))
	buf = append(buf, ':')
	buf = protocol.AppendJSONString(buf, e.Message)
	return appendFields(buf, svc, e)
}

func appendFields(buf []byte, svc *wire.Service, e *orgstack.Error) []byte {
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		name, sh := protocol.ErrorFieldName(svc, e.Code, k)
		buf = append(buf, ',')
		buf = protocol.AppendJSONString(buf, name)
		buf = append(buf, ':')
		if sh != nil {
			buf = protocol.AppendJSON(buf, sh, reflect.ValueOf(e.Fields[k]), false)
		} else {
			buf = appendAny(buf, e.Fields[k])
		}
	}
	return append(buf, '}')
}

func appendAny(buf []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return protocol.AppendJSONString(buf, x)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case bool:
		return strconv.AppendBool(buf, x)
	default:
		return protocol.AppendJSONString(buf, "")
	}
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", protocol.ContentTypeJSON)
	h.Set(protocol.HeaderRequestID, requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
