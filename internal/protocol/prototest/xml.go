package prototest

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

// XMLNode is one parsed XML element.
type XMLNode struct {
	Name     string
	Attrs    map[string]string // by local name ("xmlns" for the default namespace)
	Text     string            // character data, trimmed
	Children []*XMLNode
}

// ParseXML parses a document into its root element.
func ParseXML(b []byte) (*XMLNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*XMLNode
	var root *XMLNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &XMLNode{Name: t.Name.Local, Attrs: map[string]string{}}
			for _, a := range t.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				n.Attrs[name] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, fmt.Errorf("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.Text = strings.TrimSpace(n.Text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// Child returns the first child element with the given name, or nil.
func (n *XMLNode) Child(name string) *XMLNode {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns the child elements with the given name, in order.
func (n *XMLNode) ChildrenNamed(name string) []*XMLNode {
	var out []*XMLNode
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Blank clears the text of every element with the given name (for
// placeholder values such as RequestId).
func (n *XMLNode) Blank(name string) {
	if n.Name == name {
		n.Text = ""
	}
	for _, c := range n.Children {
		c.Blank(name)
	}
}

// Canonical renders n so that two elements render the same exactly when
// they have the same name, attributes, text (whitespace around it
// ignored; text of elements with children ignored) and the same children
// in any order. Order is checked separately, through the shape model
// (ParseXMLValue), where it has meaning.
func (n *XMLNode) Canonical() string {
	var b strings.Builder
	n.canonical(&b, 0)
	return b.String()
}

func (n *XMLNode) canonical(b *strings.Builder, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString("<" + n.Name)
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, " %s=%q", k, n.Attrs[k])
	}
	b.WriteString(">")
	if len(n.Children) == 0 {
		b.WriteString(strconv.Quote(n.Text) + "\n")
		return
	}
	b.WriteString("\n")
	kids := make([]string, len(n.Children))
	for i, c := range n.Children {
		var cb strings.Builder
		c.canonical(&cb, depth+1)
		kids[i] = cb.String()
	}
	sort.Strings(kids)
	for _, k := range kids {
		b.WriteString(k)
	}
}

// ParseXMLValue reads the children of n as a structure of shape s, the
// way botocore's query response parser does, and returns the canonical
// value (see wire.Bind): members by their wire names, lists of <member>
// (or the member's locationName) elements, maps of <entry><key><value>,
// flattened lists and maps as repeated elements named after the member
// (a flattened list's member locationName wins), scalars from text.
func ParseXMLValue(s *wire.Shape, n *XMLNode) (any, error) {
	return xmlValue(s, nil, []*XMLNode{n})
}

// xmlKey is the element name of member m inside its structure.
func xmlKey(m *wire.Member) string {
	if m.Shape.Kind == wire.List && xmlFlat(m) && m.Shape.Member.LocationName != "" {
		return m.Shape.Member.LocationName
	}
	return m.WireName()
}

func xmlFlat(m *wire.Member) bool {
	return m != nil && (m.Shape.Kind == wire.List || m.Shape.Kind == wire.Map) && (m.Flattened || m.Shape.Flattened)
}

// xmlValue parses the value of shape s held by nodes: one node, or for a
// flattened list or map every repeated element.
func xmlValue(s *wire.Shape, m *wire.Member, nodes []*XMLNode) (any, error) {
	n := nodes[0]
	switch s.Kind {
	case wire.Structure:
		out := map[string]any{}
		for _, mm := range s.Members {
			key := xmlKey(mm)
			var found []*XMLNode
			switch {
			case mm.XMLAttribute:
				if v, ok := n.Attrs[key]; ok {
					found = []*XMLNode{{Name: key, Text: v}}
				}
			case xmlFlat(mm):
				found = n.ChildrenNamed(key)
			default:
				if c := n.Child(key); c != nil {
					found = []*XMLNode{c}
				}
			}
			if len(found) == 0 {
				continue
			}
			v, err := xmlValue(mm.Shape, mm, found)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mm.Name, err)
			}
			out[mm.Name] = v
		}
		return out, nil
	case wire.List:
		items := nodes
		if !xmlFlat(m) {
			name := "member"
			if s.Member.LocationName != "" {
				name = s.Member.LocationName
			}
			items = n.ChildrenNamed(name)
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			v, err := xmlValue(s.Member.Shape, s.Member, []*XMLNode{it})
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case wire.Map:
		entries := nodes
		if !xmlFlat(m) {
			entries = n.ChildrenNamed("entry")
		}
		kn, vn := "key", "value"
		if s.Key.LocationName != "" {
			kn = s.Key.LocationName
		}
		if s.Value.LocationName != "" {
			vn = s.Value.LocationName
		}
		out := map[string]any{}
		for _, e := range entries {
			k, v := e.Child(kn), e.Child(vn)
			if k == nil || v == nil {
				return nil, fmt.Errorf("map entry without <%s> or <%s>", kn, vn)
			}
			cv, err := xmlValue(s.Value.Shape, s.Value, []*XMLNode{v})
			if err != nil {
				return nil, err
			}
			out[k.Text] = cv
		}
		return out, nil
	}
	return xmlScalar(s, n.Text)
}

func xmlScalar(s *wire.Shape, text string) (any, error) {
	switch s.Kind {
	case wire.String:
		return text, nil
	case wire.Integer, wire.Long:
		return strconv.ParseInt(text, 10, 64)
	case wire.Float, wire.Double:
		return strconv.ParseFloat(text, 64)
	case wire.Boolean:
		return strconv.ParseBool(text)
	case wire.Timestamp:
		return protocol.ParseTimestamp(text, s.TimestampFormat)
	case wire.Blob:
		return base64.StdEncoding.DecodeString(text)
	}
	return nil, fmt.Errorf("unsupported %s shape %s in XML", s.Kind, s.Name)
}
