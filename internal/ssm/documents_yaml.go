package ssm

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// SSM documents may be written in YAML. The standard library has no YAML
// reader, so this file holds a small one for the subset documents use:
// block mappings and sequences by indentation, plain, single- and
// double-quoted scalars, literal (|) and folded (>) block scalars, flow
// sequences and mappings ([a, b], {k: v}) and # comments. Anchors, aliases,
// tags and multiple documents are not supported and are reported as
// errors. Values come out as encoding/json would decode them:
// map[string]any, []any, string, float64, bool and nil.

// yamlLine is one line of a YAML text.
type yamlLine struct {
	no     int    // 1-based line number
	indent int    // leading spaces
	raw    string // the line without its indentation
	text   string // raw without a trailing comment and spaces
}

type yamlReader struct {
	lines []yamlLine
	pos   int
}

// parseYAML reads a YAML text into JSON-like values.
func parseYAML(src string) (any, error) {
	r := &yamlReader{}
	for i, raw := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimLeft(raw, " ")
		if strings.HasPrefix(trimmed, "\t") {
			return nil, fmt.Errorf("line %d: tabs can't be used for indentation", i+1)
		}
		l := yamlLine{no: i + 1, indent: len(raw) - len(trimmed), raw: trimmed, text: stripYAMLComment(trimmed)}
		if l.indent == 0 && (l.text == "---" || l.text == "...") {
			if slices.ContainsFunc(r.lines, func(x yamlLine) bool { return x.text != "" }) && l.text == "---" {
				return nil, fmt.Errorf("line %d: only one YAML document is supported", l.no)
			}
			l.text = ""
		}
		r.lines = append(r.lines, l)
	}
	r.skipBlank()
	if r.pos >= len(r.lines) {
		return nil, errors.New("the document is empty")
	}
	v, err := r.block(r.lines[r.pos].indent)
	if err != nil {
		return nil, err
	}
	if r.skipBlank(); r.pos < len(r.lines) {
		return nil, fmt.Errorf("line %d: unexpected indentation", r.lines[r.pos].no)
	}
	return v, nil
}

// stripYAMLComment cuts a # comment (outside quotes) and trailing spaces.
func stripYAMLComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '"' || c == '\'':
			if i == 0 || strings.ContainsRune(" \t[{,:-", rune(s[i-1])) {
				quote = c
			}
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimRight(s[:i], " \t")
		}
	}
	return strings.TrimRight(s, " \t")
}

func (r *yamlReader) skipBlank() {
	for r.pos < len(r.lines) && r.lines[r.pos].text == "" {
		r.pos++
	}
}

// block reads the node starting at the current line, indented by indent.
func (r *yamlReader) block(indent int) (any, error) {
	r.skipBlank()
	l := r.lines[r.pos]
	if l.text == "-" || strings.HasPrefix(l.text, "- ") {
		return r.sequence(indent)
	}
	if _, _, ok := splitYAMLKey(l.text); ok {
		return r.mapping(indent)
	}
	r.pos++
	return r.scalarWithContinuation(l.text, indent-1, l.no)
}

func (r *yamlReader) sequence(indent int) (any, error) {
	out := []any{}
	for r.skipBlank(); r.pos < len(r.lines); r.skipBlank() {
		l := r.lines[r.pos]
		if l.indent != indent || (l.text != "-" && !strings.HasPrefix(l.text, "- ")) {
			if l.indent > indent {
				return nil, fmt.Errorf("line %d: unexpected indentation", l.no)
			}
			break
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			r.pos++
			v, err := r.child(indent, true)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		// "- key: value" or "- - x": the rest is a node indented where it starts.
		offset := len(l.text) - len(rest)
		r.lines[r.pos] = yamlLine{no: l.no, indent: indent + offset, raw: l.raw[offset:], text: rest}
		v, err := r.block(indent + offset)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (r *yamlReader) mapping(indent int) (any, error) {
	out := map[string]any{}
	for r.skipBlank(); r.pos < len(r.lines); r.skipBlank() {
		l := r.lines[r.pos]
		if l.indent != indent {
			if l.indent > indent {
				return nil, fmt.Errorf("line %d: unexpected indentation", l.no)
			}
			break
		}
		k, rest, ok := splitYAMLKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: expected a key and a colon", l.no)
		}
		key, err := yamlKey(k, l.no)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", l.no, key)
		}
		r.pos++
		var v any
		switch {
		case rest == "":
			v, err = r.child(indent, false)
		case rest[0] == '|' || rest[0] == '>':
			v, err = r.blockScalar(rest, indent, l.no)
		default:
			v, err = r.scalarWithContinuation(rest, indent, l.no)
		}
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// child reads the value of an empty "key:" or "-": the more indented block
// that follows (or, for a key, a sequence at the same indentation), else
// null.
func (r *yamlReader) child(indent int, inSequence bool) (any, error) {
	r.skipBlank()
	if r.pos >= len(r.lines) {
		return nil, nil
	}
	l := r.lines[r.pos]
	if l.indent > indent {
		return r.block(l.indent)
	}
	if !inSequence && l.indent == indent && (l.text == "-" || strings.HasPrefix(l.text, "- ")) {
		return r.sequence(indent)
	}
	return nil, nil
}

// scalarWithContinuation reads an inline value, joining the more indented
// lines that continue a plain or flow scalar.
func (r *yamlReader) scalarWithContinuation(s string, indent, no int) (any, error) {
	for r.pos < len(r.lines) {
		l := r.lines[r.pos]
		if l.text == "" {
			if r.pos+1 < len(r.lines) && r.lines[r.pos+1].indent > indent && r.lines[r.pos+1].text != "" && !flowOpen(s) {
				s += "\n"
				r.pos++
				continue
			}
			if flowOpen(s) {
				r.pos++
				continue
			}
			break
		}
		if l.indent <= indent && !flowOpen(s) {
			break
		}
		if _, _, ok := splitYAMLKey(l.text); ok && !flowOpen(s) {
			return nil, fmt.Errorf("line %d: a mapping can't start inside a value", l.no)
		}
		if strings.HasSuffix(s, "\n") {
			s += l.text
		} else {
			s += " " + l.text
		}
		r.pos++
	}
	return parseYAMLScalar(s, no)
}

// flowOpen reports whether s starts a flow collection or quoted scalar
// that is not closed yet.
func flowOpen(s string) bool {
	if s == "" || !strings.ContainsRune("[{\"'", rune(s[0])) {
		return false
	}
	_, err := (&yamlFlow{s: s}).value()
	return err != nil && errors.Is(err, errYAMLEnd)
}

// blockScalar reads a | or > scalar whose header is h.
func (r *yamlReader) blockScalar(h string, indent, no int) (any, error) {
	folded := h[0] == '>'
	chomp := byte(0)
	for _, c := range h[1:] {
		switch {
		case c == '-' || c == '+':
			chomp = byte(c)
		case c >= '1' && c <= '9':
		default:
			return nil, fmt.Errorf("line %d: unsupported block scalar header %q", no, h)
		}
	}
	var lines []string
	block := -1
	for r.pos < len(r.lines) {
		l := r.lines[r.pos]
		if strings.TrimSpace(l.raw) != "" && l.indent <= indent {
			break
		}
		if strings.TrimSpace(l.raw) == "" {
			lines = append(lines, "")
		} else {
			if block < 0 {
				block = l.indent
			}
			if l.indent < block {
				return nil, fmt.Errorf("line %d: block scalar is less indented than its first line", l.no)
			}
			lines = append(lines, strings.Repeat(" ", l.indent-block)+l.raw)
		}
		r.pos++
	}
	trailing := 0
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines, trailing = lines[:len(lines)-1], trailing+1
	}
	var b strings.Builder
	for i, s := range lines {
		switch {
		case i == 0:
		case !folded || strings.HasPrefix(s, " ") || strings.HasPrefix(lines[i-1], " "):
			b.WriteByte('\n')
		case s == "":
			// A blank line in folded text stands for one line break.
			b.WriteByte('\n')
		case lines[i-1] != "":
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	out := b.String()
	switch {
	case len(lines) == 0:
	case chomp == '+':
		out += strings.Repeat("\n", trailing+1)
	case chomp == 0:
		out += "\n"
	}
	return out, nil
}

// splitYAMLKey splits "key: rest" (or "key:") outside quotes and flow
// collections.
func splitYAMLKey(s string) (key, rest string, ok bool) {
	if s == "" || strings.ContainsRune("[{&*!|>%@`", rune(s[0])) {
		return "", "", false
	}
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case (c == '"' || c == '\'') && i == 0:
			quote = c
		case c == ':' && (i+1 == len(s) || s[i+1] == ' '):
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
		}
	}
	return "", "", false
}

func yamlKey(k string, no int) (string, error) {
	v, err := parseYAMLScalar(k, no)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "", fmt.Errorf("line %d: a key can't be null", no)
	}
	return k, nil
}

// parseYAMLScalar reads an inline value: a flow collection, a quoted
// scalar or a plain scalar.
func parseYAMLScalar(s string, no int) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	switch s[0] {
	case '&', '*', '!':
		return nil, fmt.Errorf("line %d: anchors, aliases and tags are not supported", no)
	case '[', '{', '"', '\'':
		f := &yamlFlow{s: s}
		v, err := f.value()
		if err == nil {
			if f.skipSpace(); f.i < len(f.s) {
				err = fmt.Errorf("unexpected %q", f.s[f.i:])
			}
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", no, err)
		}
		return v, nil
	}
	return plainYAML(s), nil
}

// plainYAML resolves a plain scalar: null, booleans and numbers as YAML 1.2's
// core schema reads them, anything else a string.
func plainYAML(s string) any {
	switch s {
	case "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	case ".inf", "+.inf", ".Inf", "+.Inf":
		return math.Inf(1)
	}
	if c := s[0]; (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "_xXpP") && !strings.EqualFold(s, "nan") {
			return f
		}
	}
	return s
}

var errYAMLEnd = errors.New("unexpected end of a flow collection or quoted scalar")

// yamlFlow reads flow collections and quoted scalars.
type yamlFlow struct {
	s string
	i int
}

func (f *yamlFlow) skipSpace() {
	for f.i < len(f.s) && (f.s[f.i] == ' ' || f.s[f.i] == '\n' || f.s[f.i] == '\t') {
		f.i++
	}
}

func (f *yamlFlow) value() (any, error) {
	f.skipSpace()
	if f.i >= len(f.s) {
		return nil, errYAMLEnd
	}
	switch f.s[f.i] {
	case '[':
		f.i++
		out := []any{}
		for {
			if f.skipSpace(); f.i < len(f.s) && f.s[f.i] == ']' {
				f.i++
				return out, nil
			}
			v, err := f.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if err := f.separator(']'); err != nil {
				return nil, err
			}
		}
	case '{':
		f.i++
		out := map[string]any{}
		for {
			if f.skipSpace(); f.i < len(f.s) && f.s[f.i] == '}' {
				f.i++
				return out, nil
			}
			k, err := f.value()
			if err != nil {
				return nil, err
			}
			if f.skipSpace(); f.i >= len(f.s) || f.s[f.i] != ':' {
				return nil, errYAMLEnd
			}
			f.i++
			v, err := f.value()
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = v
			if err := f.separator('}'); err != nil {
				return nil, err
			}
		}
	case '"':
		return f.doubleQuoted()
	case '\'':
		var b strings.Builder
		for f.i++; f.i < len(f.s); f.i++ {
			if f.s[f.i] == '\'' {
				if f.i+1 < len(f.s) && f.s[f.i+1] == '\'' {
					b.WriteByte('\'')
					f.i++
					continue
				}
				f.i++
				return b.String(), nil
			}
			b.WriteByte(f.s[f.i])
		}
		return nil, errYAMLEnd
	}
	start := f.i
	for f.i < len(f.s) && !strings.ContainsRune(",]}", rune(f.s[f.i])) &&
		(f.s[f.i] != ':' || (f.i+1 < len(f.s) && f.s[f.i+1] != ' ')) {
		f.i++
	}
	return plainYAML(strings.TrimSpace(f.s[start:f.i])), nil
}

// separator consumes the comma between entries, or leaves the closing
// bracket for the caller.
func (f *yamlFlow) separator(end byte) error {
	f.skipSpace()
	switch {
	case f.i >= len(f.s):
		return errYAMLEnd
	case f.s[f.i] == ',':
		f.i++
		return nil
	case f.s[f.i] == end:
		return nil
	}
	return fmt.Errorf("expected , or %c at %q", end, f.s[f.i:])
}

func (f *yamlFlow) doubleQuoted() (any, error) {
	end := -1
	for j := f.i + 1; j < len(f.s); j++ {
		if f.s[j] == '\\' {
			j++
			continue
		}
		if f.s[j] == '"' {
			end = j
			break
		}
	}
	if end < 0 {
		return nil, errYAMLEnd
	}
	body := f.s[f.i : end+1]
	f.i = end + 1
	// YAML's escapes are a superset of Go's for the ones documents use.
	if v, err := strconv.Unquote(strings.ReplaceAll(body, "\\/", "/")); err == nil {
		return v, nil
	}
	return nil, fmt.Errorf("invalid escape in %s", body)
}
