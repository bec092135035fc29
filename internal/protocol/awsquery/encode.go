package awsquery

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

// WriteResult implements protocol.Codec.
func (c Codec) WriteResult(w http.ResponseWriter, svc *wire.Service, op *wire.Operation, out any, requestID string) {
	ns := ""
	if svc != nil {
		ns = svc.XMLNamespace
	}
	buf := protocol.NewBuffer()
	defer buf.Free()
	buf.B = c.AppendResult(buf.B, op, ns, out, requestID)
	write(w, http.StatusOK, requestID, buf.B)
}

// AppendResult appends the XML response document for a result.
func (c Codec) AppendResult(b []byte, op *wire.Operation, namespace string, out any, requestID string) []byte {
	buf := bytes.NewBuffer(b)
	buf.WriteString("<" + op.Name + "Response")
	if namespace != "" {
		buf.WriteString(` xmlns="` + namespace + `"`)
	}
	buf.WriteString(">\n")
	if op.Output != nil && out != nil && !reflect.ValueOf(out).IsNil() {
		wrapper := op.ResultWrapper
		if wrapper == "" {
			wrapper = op.Name + "Result"
		}
		buf.WriteString("  <" + wrapper + ">\n")
		c.members(buf, op.Output, wire.Indirect(reflect.ValueOf(out)), 4)
		buf.WriteString("  </" + wrapper + ">\n")
	}
	buf.WriteString("  <ResponseMetadata>\n    <RequestId>")
	xmlText(buf, requestID)
	buf.WriteString("</RequestId>\n  </ResponseMetadata>\n</" + op.Name + "Response>\n")
	return buf.Bytes()
}

func indent(buf *bytes.Buffer, n int) {
	for i := 0; i < n; i++ {
		buf.WriteByte(' ')
	}
}

func (c Codec) members(buf *bytes.Buffer, s *wire.Shape, v reflect.Value, depth int) {
	for i, m := range s.Members {
		fv, ok := protocol.Member(v, i, m)
		if !ok {
			continue
		}
		c.element(buf, m.WireName(), m, m.Shape, fv, depth)
	}
}

func (c Codec) element(buf *bytes.Buffer, name string, m *wire.Member, s *wire.Shape, v reflect.Value, depth int) {
	v = wire.Indirect(v)
	if protocol.IsNil(v) {
		// A nil list element or map value of a canonical value: XML has
		// no null, so it is left out.
		return
	}
	switch s.Kind {
	case wire.Structure:
		indent(buf, depth)
		buf.WriteString("<" + name + ">\n")
		c.members(buf, s, v, depth+2)
		indent(buf, depth)
		buf.WriteString("</" + name + ">\n")
	case wire.List:
		elemName := "member"
		if s.Member.LocationName != "" {
			elemName = s.Member.LocationName
		}
		if s.Flattened || (m != nil && m.Flattened) {
			// Flattened elements are named after the list's element
			// locationName when it has one, as clients parse them.
			if s.Member.LocationName != "" {
				name = s.Member.LocationName
			}
			for i := 0; i < v.Len(); i++ {
				c.element(buf, name, s.Member, s.Member.Shape, v.Index(i), depth)
			}
			return
		}
		indent(buf, depth)
		if v.Len() == 0 {
			buf.WriteString("<" + name + "/>\n")
			return
		}
		buf.WriteString("<" + name + ">\n")
		for i := 0; i < v.Len(); i++ {
			c.element(buf, elemName, s.Member, s.Member.Shape, v.Index(i), depth+2)
		}
		indent(buf, depth)
		buf.WriteString("</" + name + ">\n")
	case wire.Map:
		kn, vn := "key", "value"
		if s.Key.LocationName != "" {
			kn = s.Key.LocationName
		}
		if s.Value.LocationName != "" {
			vn = s.Value.LocationName
		}
		flat := s.Flattened || (m != nil && m.Flattened)
		if !flat {
			indent(buf, depth)
			buf.WriteString("<" + name + ">\n")
		}
		for _, k := range protocol.SortedKeys(v) {
			entry := "entry"
			d := depth + 2
			if flat {
				entry, d = name, depth
			}
			indent(buf, d)
			buf.WriteString("<" + entry + ">\n")
			c.element(buf, kn, s.Key, s.Key.Shape, k, d+2)
			c.element(buf, vn, s.Value, s.Value.Shape, v.MapIndex(k), d+2)
			indent(buf, d)
			buf.WriteString("</" + entry + ">\n")
		}
		if !flat {
			indent(buf, depth)
			buf.WriteString("</" + name + ">\n")
		}
	default:
		indent(buf, depth)
		buf.WriteString("<" + name + ">")
		xmlText(buf, c.scalarText(s, v))
		buf.WriteString("</" + name + ">\n")
	}
}

func (c Codec) scalarText(s *wire.Shape, v reflect.Value) string {
	switch s.Kind {
	case wire.String:
		if c.URLEncodeShapes[s.Name] {
			return urlEncode(v.String())
		}
		return v.String()
	case wire.Integer, wire.Long:
		if v.CanInt() {
			return strconv.FormatInt(v.Int(), 10)
		}
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case wire.Float, wire.Double:
		if v.CanFloat() {
			return strconv.FormatFloat(v.Float(), 'g', -1, 64)
		}
		return strconv.FormatInt(v.Int(), 10)
	case wire.Boolean:
		return strconv.FormatBool(v.Bool())
	case wire.Timestamp:
		return protocol.FormatTimestamp(v.Interface().(time.Time), s.TimestampFormat)
	case wire.Blob:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	}
	return ""
}

// urlEncode encodes s the way IAM returns policy documents: RFC 3986
// percent-encoding with spaces as %20.
func urlEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func xmlText(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s))
}

// WriteError implements protocol.Codec:
// <ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error><RequestId>...</RequestId></ErrorResponse>.
func (c Codec) WriteError(w http.ResponseWriter, svc *wire.Service, e *orgstack.Error, requestID string) {
	ns := ""
	if svc != nil {
		ns = svc.XMLNamespace
	}
	write(w, e.HTTPStatus(), requestID, AppendError(nil, ns, e, requestID))
}

// AppendError appends the XML error document for e.
func AppendError(b []byte, namespace string, e *orgstack.Error, requestID string) []byte {
	buf := bytes.NewBuffer(b)
	buf.WriteString("<ErrorResponse")
	if namespace != "" {
		buf.WriteString(` xmlns="` + namespace + `"`)
	}
	buf.WriteString(">\n  <Error>\n    <Type>")
	if e.HTTPStatus() >= 500 {
		buf.WriteString("Receiver")
	} else {
		buf.WriteString("Sender")
	}
	buf.WriteString("</Type>\n    <Code>")
	xmlText(buf, e.Code)
	buf.WriteString("</Code>\n    <Message>")
	xmlText(buf, e.Message)
	buf.WriteString("</Message>\n")
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		buf.WriteString("    <" + k + ">")
		xmlText(buf, toText(e.Fields[k]))
		buf.WriteString("</" + k + ">\n")
	}
	buf.WriteString("  </Error>\n  <RequestId>")
	xmlText(buf, requestID)
	buf.WriteString("</RequestId>\n</ErrorResponse>\n")
	return buf.Bytes()
}

func toText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set(protocol.HeaderRequestID, requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
