package policy

import (
	"strings"
)

// ctxValues are the values of one condition key in a request, looked up
// without allocating: either a slice from Request.Context or one value
// derived from the principal. n == 0 means the key is absent.
type ctxValues struct {
	list []string
	one  string
	n    int
}

func (v ctxValues) at(i int) string {
	if v.list != nil {
		return v.list[i]
	}
	return v.one
}

// lookup returns the values of a condition key. Key names are not
// case-sensitive (IAM User Guide, "IAM JSON policy elements: Condition":
// "Context key names are not case-sensitive"). A key present in Context
// with no values counts as absent. Keys missing from Context fall back to
// those the principal itself implies (see Principal.derived).
func lookup(r *Request, key string) ctxValues {
	if vals, ok := r.Context[key]; ok {
		return ctxValues{list: vals, n: len(vals)}
	}
	for k, vals := range r.Context {
		if strings.EqualFold(k, key) {
			return ctxValues{list: vals, n: len(vals)}
		}
	}
	if s, ok := r.Principal.derived(key); ok {
		return ctxValues{one: s, n: 1}
	}
	return ctxValues{}
}

// substitute replaces the policy variables in s with their values from the
// request (IAM User Guide, "IAM policy elements: Variables and tags"):
//
//   - ${key} is the single value of a condition key such as aws:username,
//     aws:PrincipalTag/team or aws:PrincipalAccount;
//   - ${key, 'default'} uses default when the key is absent;
//   - ${*}, ${?} and ${$} stand for the characters *, ? and $.
//
// ok is false when a variable names a key the request lacks (or has
// several values for: multivalued keys cannot be variables) and no default
// is given; the element holding it then matches nothing. Text "${" with
// no closing brace is kept as it is.
//
// The characters from ${*} and ${?} are substituted as plain * and ?,
// which a glob then reads as wildcards: a small departure from AWS, which
// matches them literally (unconfirmed whether any policy relies on it).
func substitute(s string, r *Request) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		inner := s[i+2 : i+j]
		s = s[i+j+1:]
		switch inner {
		case "*", "?", "$":
			b.WriteString(inner)
			continue
		}
		key, def, hasDef := splitDefault(inner)
		v := lookup(r, key)
		switch {
		case v.n == 1:
			b.WriteString(v.at(0))
		case hasDef:
			b.WriteString(def)
		default:
			return "", false
		}
	}
}

// splitDefault splits the inside of ${key, 'default'}.
func splitDefault(inner string) (key, def string, ok bool) {
	comma := strings.IndexByte(inner, ',')
	if comma < 0 {
		return strings.TrimSpace(inner), "", false
	}
	key = strings.TrimSpace(inner[:comma])
	rest := strings.TrimSpace(inner[comma+1:])
	if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
		return key, rest[1 : len(rest)-1], true
	}
	return key, "", false
}
