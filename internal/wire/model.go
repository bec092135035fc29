// Package wire holds the runtime form of the AWS service models: shapes,
// members, operations and services, generated from the botocore models by
// internal/awsgen. It binds decoded request values into the generated Go
// types while validating every model constraint, and gives the protocol
// encoders what they need to walk generated output values.
//
// It knows shapes, not services and not HTTP: protocol packages turn bytes
// into the canonical values described in Bind, and Go values back into
// bytes; service packages only see typed inputs and outputs.
package wire

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"sync"
)

// Kind is a shape's type.
type Kind uint8

// Shape kinds, as in the botocore models.
const (
	Structure Kind = iota + 1
	List
	Map
	String
	Integer
	Long
	Float
	Double
	Boolean
	Timestamp
	Blob
	Document
)

var kindNames = [...]string{"", "structure", "list", "map", "string", "integer", "long", "float", "double", "boolean", "timestamp", "blob", "document"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Shape is one model shape.
type Shape struct {
	Name string
	Kind Kind

	// Members are a structure's members in Go field order: field i of
	// GoType holds Members[i].
	Members []*Member
	// Member is a list's element.
	Member *Member
	// Key and Value are a map's key and value.
	Key, Value *Member

	// Constraints.
	HasMin, HasMax bool
	Min, Max       float64
	Pattern        string // Go (RE2) syntax, already anchored by the generator when needed
	Enum           []string

	TimestampFormat string // "", "iso8601", "unixTimestamp", "rfc822"
	// Payload names the member that is the whole HTTP body (rest protocols).
	Payload   string
	Flattened bool
	Union     bool
	Sensitive bool

	// Error is set for exception shapes.
	Error *ErrorInfo
	// Doc is the first sentence of the shape's documentation (kept for
	// exceptions: it is the default message).
	Doc string

	// GoType is the generated Go struct type (structures only).
	GoType reflect.Type

	// Filled in by Service.Finish, except re: Regexp compiles the pattern
	// at its first use.
	re      *lazyRegexp
	byName  map[string]*Member
	byLower map[string]*Member
}

// ErrorInfo is the error trait of an exception shape.
type ErrorInfo struct {
	// Code is the wire code (the shape name unless the model says otherwise).
	Code string
	// Status is the HTTP status (400 when the model gives none, 500 for faults).
	Status int
	// Sender is true for client faults.
	Sender bool
}

// Member is a structure member, a list element or a map key/value.
type Member struct {
	Name  string
	Shape *Shape

	Required         bool
	Location         string // "", "uri", "querystring", "header", "headers", "statusCode"
	LocationName     string
	QueryName        string
	Flattened        bool
	XMLAttribute     bool
	IdempotencyToken bool
	JSONValue        bool
	HostLabel        bool
	Deprecated       bool
}

// WireName is the member's name on the wire: its locationName when the
// model gives one, else its name.
func (m *Member) WireName() string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

// finish checks the pattern and indexes the members. It is called once
// per shape by Service.Finish, before the shape is shared.
func (s *Shape) finish(seen map[*Shape]bool) {
	if seen[s] {
		return
	}
	seen[s] = true
	if s.Pattern != "" {
		// Parsing finds a bad pattern at start; compiling waits for the
		// first value to check (see Regexp).
		if _, err := syntax.Parse(s.Pattern, syntax.Perl); err != nil {
			panic(fmt.Sprintf("wire: shape %s: pattern %q: %v", s.Name, s.Pattern, err))
		}
		s.re = &lazyRegexp{}
	}
	if s.Kind == Structure {
		s.byName = make(map[string]*Member, len(s.Members))
		s.byLower = make(map[string]*Member, len(s.Members))
		for _, m := range s.Members {
			s.byName[m.Name] = m
			s.byLower[strings.ToLower(m.Name)] = m
		}
	}
	for _, m := range s.Members {
		m.Shape.finish(seen)
	}
	for _, m := range []*Member{s.Member, s.Key, s.Value} {
		if m != nil {
			m.Shape.finish(seen)
		}
	}
}

// MemberByName returns the structure member with the given model name.
func (s *Shape) MemberByName(name string) *Member {
	return s.byName[name]
}

// MemberByNameFold is MemberByName ignoring case.
func (s *Shape) MemberByNameFold(name string) *Member {
	if m := s.byName[name]; m != nil {
		return m
	}
	return s.byLower[strings.ToLower(name)]
}

// Regexp returns the compiled pattern constraint, or nil.
//
// Patterns are compiled at their first use, once per distinct pattern
// for the whole process: the models hold a few hundred, many with counted
// repetitions ({1,1024}) that compile to large programs, and most are
// never checked in a given run.
func (s *Shape) Regexp() *regexp.Regexp {
	switch {
	case s.Pattern == "":
		return nil
	case s.re == nil: // a shape not finished
		return compiled(s.Pattern)
	}
	s.re.once.Do(func() { s.re.re = compiled(s.Pattern) })
	return s.re.re
}

// lazyRegexp is a shape's pattern, compiled at its first use.
type lazyRegexp struct {
	once sync.Once
	re   *regexp.Regexp
}

// patterns holds the compiled patterns by source text.
var patterns sync.Map // string -> *regexp.Regexp

func compiled(pattern string) *regexp.Regexp {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := patterns.LoadOrStore(pattern, regexp.MustCompile(pattern))
	return re.(*regexp.Regexp)
}

// Operation is one API operation.
type Operation struct {
	Name          string
	Method        string
	RequestURI    string
	Input         *Shape // nil when the operation takes no input
	Output        *Shape // nil when the operation returns nothing
	ResultWrapper string
	ResponseCode  int // HTTP status of a success (rest protocols); 0 means 200
	Errors        []*Shape
	Deprecated    bool
}

// Service is one API: its protocol metadata, operations and exceptions.
type Service struct {
	// ID is the endpoint prefix, e.g. "organizations".
	ID           string
	FullName     string
	ServiceID    string // e.g. "Organizations", "AuditManager"
	Protocol     string // "json", "query", "rest-json"
	APIVersion   string
	TargetPrefix string
	JSONVersion  string
	SigningName  string
	XMLNamespace string

	// Operations sorted by name.
	Operations []*Operation
	// Exceptions sorted by name.
	Exceptions []*Shape

	once    sync.Once
	ops     map[string]*Operation
	errs    map[string]*Shape
	lowerOp map[string]*Operation
}

// Finish indexes the service and prepares every shape it reaches
// (compiled patterns, member indexes). Generated code calls it once, before
// the model is shared; it is idempotent.
func (s *Service) Finish() *Service {
	s.init()
	return s
}

func (s *Service) init() {
	s.once.Do(func() {
		seen := map[*Shape]bool{}
		for _, op := range s.Operations {
			for _, sh := range []*Shape{op.Input, op.Output} {
				if sh != nil {
					sh.finish(seen)
				}
			}
		}
		for _, e := range s.Exceptions {
			e.finish(seen)
		}
		sort.Slice(s.Operations, func(i, j int) bool { return s.Operations[i].Name < s.Operations[j].Name })
		s.ops = make(map[string]*Operation, len(s.Operations))
		s.lowerOp = make(map[string]*Operation, len(s.Operations))
		for _, op := range s.Operations {
			s.ops[op.Name] = op
			s.lowerOp[strings.ToLower(op.Name)] = op
		}
		s.errs = make(map[string]*Shape, len(s.Exceptions))
		for _, e := range s.Exceptions {
			s.errs[e.Name] = e
			if e.Error != nil && e.Error.Code != "" {
				s.errs[e.Error.Code] = e
			}
		}
	})
}

// Operation returns the named operation, or nil.
func (s *Service) Operation(name string) *Operation {
	s.init()
	return s.ops[name]
}

// OperationFold is Operation ignoring case.
func (s *Service) OperationFold(name string) *Operation {
	s.init()
	if op := s.ops[name]; op != nil {
		return op
	}
	return s.lowerOp[strings.ToLower(name)]
}

// Exception returns the exception shape with the given shape name or wire
// code, or nil.
func (s *Service) Exception(code string) *Shape {
	s.init()
	return s.errs[code]
}

// Handler runs one operation: in is a pointer to the operation's generated
// input struct (nil for operations without input); out is a pointer to the
// generated output struct (nil for operations without output).
type Handler func(ctx context.Context, in any) (out any, err error)

// NewInput returns a pointer to a new zero input value for op, or nil when
// the operation takes no input.
func (op *Operation) NewInput() any {
	if op.Input == nil || op.Input.GoType == nil {
		return nil
	}
	return reflect.New(op.Input.GoType).Interface()
}
