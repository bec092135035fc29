package prototest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/orgstack/orgstack/internal/wire"
)

// Metadata is a suite's (or a model's) metadata block.
type Metadata struct {
	Protocol     string `json:"protocol"`
	APIVersion   string `json:"apiVersion"`
	JSONVersion  string `json:"jsonVersion"`
	TargetPrefix string `json:"targetPrefix"`
	XMLNamespace string `json:"xmlNamespace"`
}

// Ref is a reference to a shape with its member-level traits, as in
// botocore models. Payload and ResultWrapper appear on an operation's
// input and output references.
type Ref struct {
	Shape            string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	QueryName        string `json:"queryName"`
	Flattened        bool   `json:"flattened"`
	XMLAttribute     bool   `json:"xmlAttribute"`
	IdempotencyToken bool   `json:"idempotencyToken"`
	JSONValue        bool   `json:"jsonvalue"`
	HostLabel        bool   `json:"hostLabel"`
	TimestampFormat  string `json:"timestampFormat"`
	ResultWrapper    string `json:"resultWrapper"`
	Payload          string `json:"payload"`
}

// Given is an operation as a fixture case (or a test) describes it.
type Given struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *Ref `json:"input"`
	Output *Ref `json:"output"`
}

// shapeDef is one botocore shape definition.
type shapeDef struct {
	Type            string   `json:"type"`
	Members         refList  `json:"members"`
	Required        []string `json:"required"`
	Member          *Ref     `json:"member"`
	Key             *Ref     `json:"key"`
	Value           *Ref     `json:"value"`
	Min             *float64 `json:"min"`
	Max             *float64 `json:"max"`
	Pattern         string   `json:"pattern"`
	Enum            []string `json:"enum"`
	TimestampFormat string   `json:"timestampFormat"`
	Flattened       bool     `json:"flattened"`
	Union           bool     `json:"union"`
	Sensitive       bool     `json:"sensitive"`
	Payload         string   `json:"payload"`
	ResultWrapper   string   `json:"resultWrapper"`
	// Serialization traits botocore also accepts on the shape itself; a
	// member's own traits take precedence.
	Location     string `json:"location"`
	LocationName string `json:"locationName"`
	JSONValue    bool   `json:"jsonvalue"`

	Exception bool `json:"exception"`
	Fault     bool `json:"fault"`
	Error     *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
	Documentation string `json:"documentation"`
}

// namedRef is a structure member in document order.
type namedRef struct {
	Name string
	Ref  *Ref
}

// refList is a JSON object of members, decoded in document order (the
// order the generator gives Go fields).
type refList []namedRef

func (l *refList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("members: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var r Ref
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*l = append(*l, namedRef{Name: name, Ref: &r})
	}
	_, err := dec.Token()
	return err
}

var kinds = map[string]wire.Kind{
	"structure": wire.Structure, "list": wire.List, "map": wire.Map,
	"string": wire.String, "character": wire.String,
	"integer": wire.Integer, "long": wire.Long, "float": wire.Float, "double": wire.Double,
	"boolean": wire.Boolean, "timestamp": wire.Timestamp, "blob": wire.Blob,
}

// Build turns botocore-style shape definitions and operations into a
// finished *wire.Service, as generated model code does: one shape graph
// (recursive shapes are one *wire.Shape), operations in the service, and
// every shape marked "exception" in Exceptions. GoType stays nil, so the
// codecs work on canonical values. Each call builds a fresh graph.
//
// Two model features the wire types hold elsewhere are mapped the way
// botocore resolves them: a member-level timestampFormat becomes a copy
// of the timestamp shape with that format, and shape-level location,
// locationName and jsonvalue apply to members that do not set their own.
func Build(md Metadata, shapes map[string]json.RawMessage, ops ...Given) (*wire.Service, error) {
	b := &builder{raw: shapes, defs: map[string]*shapeDef{}, built: map[string]*wire.Shape{}}
	svc := &wire.Service{
		ID:           "test",
		ServiceID:    "Test",
		Protocol:     md.Protocol,
		APIVersion:   md.APIVersion,
		TargetPrefix: md.TargetPrefix,
		JSONVersion:  md.JSONVersion,
		SigningName:  "test",
		XMLNamespace: md.XMLNamespace,
	}
	for _, g := range ops {
		op := &wire.Operation{Name: g.Name, Method: g.HTTP.Method, RequestURI: g.HTTP.RequestURI, ResponseCode: g.HTTP.ResponseCode}
		if op.Method == "" {
			op.Method = "POST"
		}
		if op.RequestURI == "" {
			op.RequestURI = "/"
		}
		if g.Input != nil {
			s, err := b.shape(g.Input.Shape)
			if err != nil {
				return nil, err
			}
			if g.Input.Payload != "" {
				s.Payload = g.Input.Payload
			}
			op.Input = s
		}
		if g.Output != nil {
			s, err := b.shape(g.Output.Shape)
			if err != nil {
				return nil, err
			}
			if g.Output.Payload != "" {
				s.Payload = g.Output.Payload
			}
			op.Output = s
			op.ResultWrapper = g.Output.ResultWrapper
			if op.ResultWrapper == "" {
				op.ResultWrapper = b.defs[g.Output.Shape].ResultWrapper
			}
		}
		svc.Operations = append(svc.Operations, op)
	}
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d, err := b.def(n)
		if err != nil {
			return nil, err
		}
		if d.Exception {
			s, err := b.shape(n)
			if err != nil {
				return nil, err
			}
			svc.Exceptions = append(svc.Exceptions, s)
		}
	}
	return svc.Finish(), nil
}

type builder struct {
	raw   map[string]json.RawMessage
	defs  map[string]*shapeDef
	built map[string]*wire.Shape
}

func (b *builder) def(name string) (*shapeDef, error) {
	if d := b.defs[name]; d != nil {
		return d, nil
	}
	raw, ok := b.raw[name]
	if !ok {
		return nil, fmt.Errorf("shape %q is not defined", name)
	}
	d := &shapeDef{}
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("shape %s: %w", name, err)
	}
	b.defs[name] = d
	return d, nil
}

func (b *builder) shape(name string) (*wire.Shape, error) {
	if s := b.built[name]; s != nil {
		return s, nil
	}
	d, err := b.def(name)
	if err != nil {
		return nil, err
	}
	kind, ok := kinds[d.Type]
	if !ok {
		return nil, fmt.Errorf("shape %s: unsupported type %q", name, d.Type)
	}
	s := &wire.Shape{
		Name:            name,
		Kind:            kind,
		Pattern:         d.Pattern,
		Enum:            d.Enum,
		TimestampFormat: d.TimestampFormat,
		Payload:         d.Payload,
		Flattened:       d.Flattened,
		Union:           d.Union,
		Sensitive:       d.Sensitive,
	}
	if d.Min != nil {
		s.HasMin, s.Min = true, *d.Min
	}
	if d.Max != nil {
		s.HasMax, s.Max = true, *d.Max
	}
	if d.Exception {
		code, status, sender := name, 400, !d.Fault
		if d.Fault {
			status = 500
		}
		if d.Error != nil {
			if d.Error.Code != "" {
				code = d.Error.Code
			}
			if d.Error.HTTPStatusCode != 0 {
				status = d.Error.HTTPStatusCode
			}
			sender = d.Error.SenderFault || status < 500
		}
		s.Error = &wire.ErrorInfo{Code: code, Status: status, Sender: sender}
		s.Doc = d.Documentation
	}
	// Registered before its members are resolved, so recursion ends here.
	b.built[name] = s
	required := map[string]bool{}
	for _, r := range d.Required {
		required[r] = true
	}
	for _, nr := range d.Members {
		m, err := b.member(nr.Name, nr.Ref, required[nr.Name])
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		s.Members = append(s.Members, m)
	}
	for _, x := range []struct {
		name string
		ref  *Ref
		dst  **wire.Member
	}{{"member", d.Member, &s.Member}, {"key", d.Key, &s.Key}, {"value", d.Value, &s.Value}} {
		if x.ref == nil {
			continue
		}
		m, err := b.member(x.name, x.ref, false)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		*x.dst = m
	}
	switch {
	case kind == wire.List && s.Member == nil:
		return nil, fmt.Errorf("list shape %s has no member", name)
	case kind == wire.Map && (s.Key == nil || s.Value == nil):
		return nil, fmt.Errorf("map shape %s needs key and value", name)
	}
	return s, nil
}

func (b *builder) member(name string, r *Ref, required bool) (*wire.Member, error) {
	target, err := b.shape(r.Shape)
	if err != nil {
		return nil, err
	}
	d := b.defs[r.Shape]
	if r.TimestampFormat != "" && r.TimestampFormat != target.TimestampFormat {
		if target.Kind != wire.Timestamp {
			return nil, fmt.Errorf("member %s: timestampFormat on a %s shape", name, target.Kind)
		}
		c := *target
		c.TimestampFormat = r.TimestampFormat
		target = &c
	}
	m := &wire.Member{
		Name:             name,
		Shape:            target,
		Required:         required,
		Location:         r.Location,
		LocationName:     r.LocationName,
		QueryName:        r.QueryName,
		Flattened:        r.Flattened,
		XMLAttribute:     r.XMLAttribute,
		IdempotencyToken: r.IdempotencyToken,
		JSONValue:        r.JSONValue || d.JSONValue,
		HostLabel:        r.HostLabel,
	}
	if m.Location == "" {
		m.Location = d.Location
	}
	if m.LocationName == "" {
		m.LocationName = d.LocationName
	}
	return m, nil
}
