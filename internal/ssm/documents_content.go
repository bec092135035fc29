package ssm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// docContent is what Systems Manager reads out of a document's content.
// The content itself is kept as the text the caller sent.
type docContent struct {
	body          map[string]any // nil for TEXT documents
	schemaVersion string
	description   string
	parameters    []DocumentParameter
	platforms     []PlatformType
}

// maxDocumentSize is the documented 64 KB limit on content.
const maxDocumentSize = 64 * 1024

// schemaVersions are the schema versions accepted per document type;
// types not listed are not checked.
func schemaVersions(t DocumentType) []string {
	switch t {
	case DocumentTypeAutomation, DocumentTypeAutomationChangeTemplate:
		return []string{"0.3"}
	case DocumentTypeCommand:
		return []string{"1.2", "2.0", "2.2"}
	case DocumentTypePolicy:
		return []string{"2.0"}
	case DocumentTypeSession:
		return []string{"1.0"}
	}
	return nil
}

// readDocContent parses and checks content of the given type and format.
// Invalid JSON or YAML, content that is not an object, missing required
// sections and (for the types it knows) a missing or unsupported
// schemaVersion are refused with InvalidDocumentContent or
// InvalidDocumentSchemaVersion; content over 64 KB with
// MaxDocumentSizeExceeded.
func readDocContent(typ DocumentType, format DocumentFormat, content string) (*docContent, error) {
	if len(content) > maxDocumentSize {
		return nil, newErr("MaxDocumentSizeExceeded", "")
	}
	if format == DocumentFormatText {
		if schemaVersions(typ) != nil {
			return nil, newErr("InvalidDocumentContent", "Documents of type "+string(typ)+" must be JSON or YAML.") // unconfirmed
		}
		return &docContent{}, nil
	}
	body, err := parseDocBody(format, content)
	if err != nil {
		return nil, err
	}
	c := &docContent{body: body, schemaVersion: scalarText(body["schemaVersion"])}
	c.description, _ = body["description"].(string)
	if want := schemaVersions(typ); want != nil {
		if c.schemaVersion == "" {
			return nil, newErr("InvalidDocumentContent", "The document content is missing the required property schemaVersion.") // unconfirmed
		}
		if !slices.Contains(want, c.schemaVersion) {
			return nil, newErr("InvalidDocumentSchemaVersion", "The schema version "+c.schemaVersion+" isn't supported for documents of type "+string(typ)+
				". Supported versions: "+strings.Join(want, ", ")+".") // unconfirmed
		}
	}
	needsSteps := typ == DocumentTypeAutomation || (typ == DocumentTypeCommand && c.schemaVersion != "1.2")
	if needsSteps {
		steps, _ := body["mainSteps"].([]any)
		if len(steps) == 0 {
			return nil, newErr("InvalidDocumentContent", "The document content must have at least one step in mainSteps.") // unconfirmed
		}
		for i, st := range steps {
			m, _ := st.(map[string]any)
			if scalarText(m["name"]) == "" || scalarText(m["action"]) == "" {
				return nil, newErr("InvalidDocumentContent", fmt.Sprintf("Step %d of mainSteps must have a name and an action.", i+1)) // unconfirmed
			}
		}
	}
	c.parameters = docParameters(body)
	c.platforms = docPlatforms(typ, content)
	return c, nil
}

// parseDocBody parses JSON or YAML content that must be an object.
func parseDocBody(format DocumentFormat, content string) (map[string]any, error) {
	var v any
	if format == DocumentFormatYaml {
		var err error
		if v, err = parseYAML(content); err != nil {
			return nil, newErr("InvalidDocumentContent", "YAML not well-formed. "+err.Error()) // unconfirmed
		}
	} else if err := json.Unmarshal([]byte(content), &v); err != nil {
		line, col := 1, 1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col = lineCol(content, int(se.Offset))
		}
		return nil, newErr("InvalidDocumentContent", fmt.Sprintf("JSON not well-formed. at Line: %d, Column: %d", line, col)) // unconfirmed
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, newErr("InvalidDocumentContent", "The document content must be a "+string(formatOrJSON(format))+" object.") // unconfirmed
	}
	return m, nil
}

func formatOrJSON(f DocumentFormat) DocumentFormat {
	if f == "" {
		return DocumentFormatJson
	}
	return f
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(s string, off int) (int, int) {
	off = min(max(off, 0), len(s))
	before := s[:off]
	line := strings.Count(before, "\n") + 1
	return line, off - strings.LastIndexByte(before, '\n')
}

// scalarText renders a scalar as text: strings as they are, numbers as
// YAML or JSON wrote them (0.3, 2.2), booleans as true/false.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// docParameters lists the declared parameters, by name.
func docParameters(body map[string]any) []DocumentParameter {
	params, _ := body["parameters"].(map[string]any)
	var out []DocumentParameter
	for _, name := range sortedKeys(params) {
		p, _ := params[name].(map[string]any)
		dp := DocumentParameter{Name: name, Type: DocumentParameterType(scalarText(p["type"])), Description: scalarText(p["description"])}
		if d, ok := p["default"]; ok {
			if s := scalarText(d); s != "" || d == "" {
				dp.DefaultValue = s
			} else if b, err := json.Marshal(d); err == nil {
				dp.DefaultValue = string(b)
			}
		}
		out = append(out, dp)
	}
	return out
}

// hasDefault reports whether a declared parameter has a default value.
func hasDefault(body map[string]any, name string) bool {
	params, _ := body["parameters"].(map[string]any)
	p, _ := params[name].(map[string]any)
	_, ok := p["default"]
	return ok
}

// docPlatforms is the PlatformTypes AWS reports: every platform for
// Automation runbooks and change templates, and for Command documents the
// platforms of the shell plugins they use. // unconfirmed
func docPlatforms(typ DocumentType, content string) []PlatformType {
	all := []PlatformType{PlatformTypeWindows, PlatformTypeLinux, PlatformTypeMacOS}
	switch typ {
	case DocumentTypeAutomation, DocumentTypeAutomationChangeTemplate:
		return all
	case DocumentTypeCommand:
		var out []PlatformType
		if strings.Contains(content, "aws:runPowerShellScript") {
			out = append(out, PlatformTypeWindows)
		}
		if strings.Contains(content, "aws:runShellScript") {
			out = append(out, PlatformTypeLinux, PlatformTypeMacOS)
		}
		if out == nil {
			return all
		}
		return out
	}
	return []PlatformType{}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// contentHash is the Sha256 hash AWS reports, in hex.
func contentHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// convertDocContent returns content (stored as from) in the format to.
// JSON and YAML convert into each other (object keys come out sorted);
// TEXT content and a request for TEXT return the content unchanged.
func convertDocContent(content string, from, to DocumentFormat) (string, error) {
	from, to = formatOrJSON(from), formatOrJSON(to)
	if from == to || from == DocumentFormatText || to == DocumentFormatText {
		return content, nil
	}
	body, err := parseDocBody(from, content)
	if err != nil {
		return "", err
	}
	if to == DocumentFormatJson {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err := enc.Encode(body)
		return strings.TrimSuffix(b.String(), "\n"), err
	}
	var b strings.Builder
	emitYAML(&b, body, 0)
	return b.String(), nil
}

// emitYAML writes v as block YAML indented by indent spaces.
func emitYAML(b *strings.Builder, v any, indent int) {
	pad := strings.Repeat(" ", indent)
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			b.WriteString(pad + yamlScalar(k) + ":")
			emitYAMLChild(b, x[k], indent)
		}
	case []any:
		for _, it := range x {
			var sub strings.Builder
			switch it.(type) {
			case map[string]any, []any:
				if !emptyCollection(it) {
					emitYAML(&sub, it, indent+2)
					b.WriteString(pad + "- " + sub.String()[indent+2:])
					continue
				}
			}
			b.WriteString(pad + "-")
			emitYAMLChild(b, it, indent)
		}
	default:
		b.WriteString(pad + yamlScalar(v) + "\n")
	}
}

// emitYAMLChild writes the value after "key:" or "-".
func emitYAMLChild(b *strings.Builder, v any, indent int) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		emitYAML(b, x, indent+2)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		emitYAML(b, x, indent+2)
	default:
		b.WriteString(" " + yamlScalar(v) + "\n")
	}
}

func emptyCollection(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// yamlScalar renders a scalar, quoting strings that would not read back
// as the same string in plain style.
func yamlScalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if plainSafe(x) {
			return x
		}
		return strconv.Quote(x)
	}
	return scalarText(v)
}

func plainSafe(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(s[0])) {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	for _, c := range s {
		if c < ' ' || c == 0x7f {
			return false
		}
	}
	p, ok := plainYAML(s).(string)
	return ok && p == s
}
