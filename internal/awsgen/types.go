package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// goType returns the Go type of a reference. elem is true for list
// elements and map values, which hold structures by value.
func (g *generator) goType(shape string, required, elem bool) string {
	s := g.m.Shapes[shape]
	switch s.Type {
	case "structure":
		if elem {
			return g.goNames[shape]
		}
		return "*" + g.goNames[shape]
	case "list":
		return "[]" + g.goType(s.Member.Shape, true, true)
	case "map":
		return "map[string]" + g.goType(s.Value.Shape, true, true)
	case "string":
		if len(s.Enum) > 0 {
			return g.goNames[shape]
		}
		return "string"
	case "integer":
		return opt("int32", required || elem)
	case "long":
		return opt("int64", required || elem)
	case "float", "double":
		return opt("float64", required || elem)
	case "boolean":
		return opt("bool", required || elem)
	case "timestamp":
		return "time.Time"
	case "blob":
		return "[]byte"
	}
	return "any"
}

func opt(t string, plain bool) string {
	if plain {
		return t
	}
	return "*" + t
}

func (g *generator) typesFile() []byte {
	var body bytes.Buffer
	usesTime := false
	for _, n := range g.shapes {
		s := g.m.Shapes[n]
		gn := g.goNames[n]
		switch {
		case g.structs[n]:
			doc := firstSentence(s.Documentation)
			fmt.Fprintf(&body, "// %s is the %s shape.", gn, n)
			if doc != "" {
				fmt.Fprintf(&body, "\n//\n// %s", wrapComment(doc))
			}
			fmt.Fprintf(&body, "\ntype %s struct {\n", gn)
			seen := map[string]bool{}
			for _, mn := range s.MemberNames() {
				r := s.Members[mn]
				fn := exported(mn)
				if seen[fn] {
					panic(fmt.Sprintf("%s: two members map to field %s", n, fn))
				}
				seen[fn] = true
				t := g.goType(r.Shape, contains(s.Required, mn), false)
				if strings.Contains(t, "time.Time") {
					usesTime = true
				}
				fmt.Fprintf(&body, "%s %s\n", fn, t)
			}
			body.WriteString("}\n\n")
		case gn != "":
			fmt.Fprintf(&body, "// %s is the %s enumeration.\ntype %s string\n\n", gn, n, gn)
			fmt.Fprintf(&body, "// Values of %s.\nconst (\n", gn)
			used := map[string]bool{}
			for _, v := range s.Enum {
				c := gn + enumConst(v)
				for used[c] {
					c += "_"
				}
				used[c] = true
				fmt.Fprintf(&body, "%s %s = %q\n", c, gn, v)
			}
			body.WriteString(")\n\n")
		}
	}
	var b bytes.Buffer
	g.header(&b)
	if usesTime {
		b.WriteString("import \"time\"\n\n")
	}
	b.Write(body.Bytes())
	return b.Bytes()
}

func wrapComment(s string) string {
	words := strings.Fields(s)
	var lines []string
	line := ""
	for _, w := range words {
		if len(line)+len(w)+1 > 76 && line != "" {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n// ")
}

func (g *generator) handlersFile() []byte {
	var b bytes.Buffer
	g.header(&b)
	b.WriteString("import (\n\"context\"\n\n\"github.com/orgstack/orgstack/internal/wire\"\n)\n\n")
	b.WriteString("// BindHandlers returns a handler for every operation that impl implements,\n")
	b.WriteString("// keyed by operation name. An operation is implemented when impl has a\n")
	b.WriteString("// method of the operation's name with the signature\n")
	b.WriteString("//\n//\tOp(context.Context, *OpInput) (*OpOutput, error)\n//\n")
	b.WriteString("// where the input parameter is left out for operations without input and\n")
	b.WriteString("// the output result for operations without output.\n")
	b.WriteString("func BindHandlers(impl any) map[string]wire.Handler {\nh := make(map[string]wire.Handler)\n")
	for _, op := range g.ops {
		var params, args, results string
		params = "context.Context"
		args = "ctx"
		if op.Input != nil {
			in := g.goNames[op.Input.Shape]
			params += ", *" + in
			args += ", in.(*" + in + ")"
		}
		if op.Output != nil {
			results = "(*" + g.goNames[op.Output.Shape] + ", error)"
		} else {
			results = "error"
		}
		fmt.Fprintf(&b, "if x, ok := impl.(interface{ %s(%s) %s }); ok {\n", op.Name, params, results)
		inName := "_"
		if op.Input != nil {
			inName = "in"
		}
		fmt.Fprintf(&b, "h[%q] = func(ctx context.Context, %s any) (any, error) {\n", op.Name, inName)
		if op.Output != nil {
			fmt.Fprintf(&b, "out, err := x.%s(%s)\nif out == nil {\nreturn nil, err\n}\nreturn out, err\n", op.Name, args)
		} else {
			fmt.Fprintf(&b, "return nil, x.%s(%s)\n", op.Name, args)
		}
		b.WriteString("}\n}\n")
	}
	b.WriteString("return h\n}\n\n")
	// Reason sentences of exceptions that carry an enumerated reason.
	reasons := map[string]map[string]string{}
	for _, e := range g.excepts {
		s := g.m.Shapes[e]
		for _, mn := range s.MemberNames() {
			rs := g.m.Shapes[s.Members[mn].Shape]
			if strings.EqualFold(mn, "Reason") && len(rs.Enum) > 0 {
				if d := reasonDocs(s.Documentation, rs.Enum); len(d) > 0 {
					reasons[e] = d
				}
			}
		}
	}
	b.WriteString("// ReasonMessage returns the sentence the model documents for an\n")
	b.WriteString("// exception's Reason value, or \"\".\n")
	b.WriteString("func ReasonMessage(exception, reason string) string {\n")
	if len(reasons) == 0 {
		b.WriteString("return \"\"\n}\n")
		return b.Bytes()
	}
	b.WriteString("switch exception {\n")
	var exs []string
	for e := range reasons {
		exs = append(exs, e)
	}
	sort.Strings(exs)
	for _, e := range exs {
		fmt.Fprintf(&b, "case %q:\nswitch reason {\n", e)
		var ks []string
		for k := range reasons[e] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(&b, "case %q:\nreturn %q\n", k, reasons[e][k])
		}
		b.WriteString("}\n")
	}
	b.WriteString("}\nreturn \"\"\n}\n")
	return b.Bytes()
}
