// Package protocol holds what the three AWS wire protocols orgstack speaks
// share: the Codec interface the HTTP pipeline drives, conversion of JSON
// documents into wire's canonical values, the JSON writer for generated
// output values, and timestamp formats.
//
// The protocols themselves live in awsjson (JSON 1.1), awsquery (query
// requests, XML responses) and restjson (rest-json).
package protocol

import (
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/wire"
)

// Codec turns one protocol's requests into canonical input values and
// typed results and errors back into bytes. Implementations are stateless
// and safe for concurrent use.
type Codec interface {
	// Decode parses the request for op into the canonical value of op's
	// input shape (see wire.Bind). Malformed requests yield an *orgstack.Error.
	// labels are the rest-json URI labels the router matched (nil for the
	// other protocols).
	Decode(r *http.Request, body []byte, op *wire.Operation, labels map[string]string) (map[string]any, error)

	// WriteResult writes a successful response carrying out, a pointer to
	// op's generated output struct (or nil).
	WriteResult(w http.ResponseWriter, svc *wire.Service, op *wire.Operation, out any, requestID string)

	// WriteError writes e as svc's protocol shapes its errors.
	WriteError(w http.ResponseWriter, svc *wire.Service, e *orgstack.Error, requestID string)
}

// Headers every response carries.
const (
	HeaderRequestID  = "x-amzn-RequestId"
	HeaderErrorType  = "x-amzn-ErrorType"
	HeaderAmzTarget  = "X-Amz-Target"
	ContentTypeJSON  = "application/x-amz-json-1.1"
	ContentTypeJSON0 = "application/x-amz-json-1.0"
)

// SerializationError is the error for a body that cannot be read as the
// operation's input.
func SerializationError(msg string) *orgstack.Error {
	return orgstack.NewError("SerializationException", http.StatusBadRequest, msg)
}

// ErrorMessageMember returns the name of the member that carries the
// message in svc's exception shape for code: "message" or "Message"
// (services differ), "Message" when the shape is unknown.
func ErrorMessageMember(svc *wire.Service, code string) string {
	return ErrorMessageMemberDefault(svc, code, "Message")
}

// ErrorMessageMemberDefault is ErrorMessageMember with a chosen default
// for exceptions the model does not know.
func ErrorMessageMemberDefault(svc *wire.Service, code, def string) string {
	if svc != nil {
		if sh := svc.Exception(code); sh != nil {
			if m := sh.MemberByNameFold("message"); m != nil {
				return m.WireName()
			}
		}
	}
	return def
}

// ErrorFieldName returns the wire name of the modeled member field of
// svc's exception code, or field itself when unknown.
func ErrorFieldName(svc *wire.Service, code, field string) (name string, shape *wire.Shape) {
	if svc != nil {
		if sh := svc.Exception(code); sh != nil {
			if m := sh.MemberByNameFold(field); m != nil {
				return m.WireName(), m.Shape
			}
		}
	}
	return field, nil
}
