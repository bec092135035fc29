package main

import (
	"html"
	"regexp"
	"strings"
	"unicode"
)

// exported turns a model name into an exported Go identifier.
func exported(name string) string {
	if name == "" {
		return name
	}
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	out := make([]rune, 0, len(r))
	for _, c := range r {
		if unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' {
			out = append(out, c)
		}
	}
	return string(out)
}

// enumConst turns an enum value into the CamelCase tail of a constant name:
// "CONSOLIDATED_BILLING" → "ConsolidatedBilling", "aws:RequestTag" →
// "AwsRequestTag", "/aws/issue" → "AwsIssue".
func enumConst(v string) string {
	var b strings.Builder
	upper := true
	allUpper := strings.ToUpper(v) == v
	for _, c := range v {
		switch {
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			if upper {
				b.WriteRune(unicode.ToUpper(c))
				upper = false
			} else if allUpper {
				b.WriteRune(unicode.ToLower(c))
			} else {
				b.WriteRune(c)
			}
		default:
			upper = true
		}
	}
	s := b.String()
	if s == "" {
		return "Empty"
	}
	if unicode.IsDigit([]rune(s)[0]) {
		s = "V" + s
	}
	return s
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
	liRE    = regexp.MustCompile(`(?s)<li>(.*?)</li>`)
	unicRE  = regexp.MustCompile(`\\u([0-9a-fA-F]{4})`)
)

// plainText strips HTML tags and entities and collapses white space.
func plainText(doc string) string {
	s := tagRE.ReplaceAllString(doc, " ")
	s = html.UnescapeString(s)
	s = spaceRE.ReplaceAllString(s, " ")
	return strings.TrimSpace(s)
}

// firstSentence returns the first sentence of a model documentation string.
func firstSentence(doc string) string {
	s := plainText(doc)
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			// Skip abbreviations such as "e.g." and "i.e.".
			if i >= 3 && (s[i-3:i+1] == "e.g." || s[i-3:i+1] == "i.e.") {
				continue
			}
			return s[:i+1]
		}
	}
	return s
}

// reasonDocs extracts "REASON: sentence" list items from an exception's
// documentation, keeping only the given enum values.
func reasonDocs(doc string, enum []string) map[string]string {
	if len(enum) == 0 {
		return nil
	}
	valid := map[string]bool{}
	for _, e := range enum {
		valid[e] = true
	}
	out := map[string]string{}
	for _, m := range liRE.FindAllStringSubmatch(doc, -1) {
		item := plainText(m[1])
		i := strings.Index(item, ":")
		if i <= 0 {
			continue
		}
		key := strings.TrimSpace(item[:i])
		text := strings.TrimSpace(item[i+1:])
		if valid[key] && text != "" {
			out[key] = text
		}
	}
	return out
}

// goPattern converts a model (Java) regular expression into anchored RE2
// syntax. ok is false when RE2 cannot express it.
func goPattern(p string) (string, bool) {
	for _, t := range approximations {
		p = strings.ReplaceAll(p, t[0], t[1])
	}
	q := unicRE.ReplaceAllString(p, `\x{$1}`)
	q = strings.ReplaceAll(q, `\p{Print}`, `[:print:]`)
	q = strings.ReplaceAll(q, `\Z`, `\z`)
	q = "^(?:" + q + ")$"
	if _, err := regexp.Compile(q); err != nil {
		return "", false
	}
	return q, true
}

// approximations rewrite Java regular-expression constructs that RE2
// lacks (look-arounds, huge repetition counts) into equivalent or slightly
// more permissive RE2; the length constraints of the same shapes still
// apply.
var approximations = [][2]string{
	{`^(?!\s*$).+`, `.*\S.*`}, // not blank
	{`^.{1,100000}$`, `.+`},   // length is checked separately
	{`^(?!aws:)`, `^`},        // reserved prefix not checked by pattern
	{`([a-z0-9]|-(?!-)){1,61}`, `(?:[a-z0-9]|-[a-z0-9]){0,60}[a-z0-9-]?`}, // IAM account alias
}
