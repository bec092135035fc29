package console

import (
	"html/template"
	"strings"
	"unicode"
)

func init() {
	areaFuncs = append(areaFuncs, template.FuncMap{"wbr": breakable})
}

// breakable is an identifier — a service principal, a role name, an
// email address, an ARN — that a narrow column may wrap at its natural
// joints rather than within a word or not at all: after a dot, a slash,
// a colon, a hyphen or an underscore, before an @, and where a lower-case
// letter or a digit meets an upper-case one (RoleFor|Amazon).
func breakable(v any) template.HTML {
	s := []rune(toString(v))
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			prev := s[i-1]
			switch {
			case r == '@':
				b.WriteString("<wbr>")
			case strings.ContainsRune("./:-_", prev) && r != prev:
				b.WriteString("<wbr>")
			case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
				b.WriteString("<wbr>")
			}
		}
		b.WriteString(template.HTMLEscapeString(string(r)))
	}
	return template.HTML(b.String()) // every rune of it was escaped
}
