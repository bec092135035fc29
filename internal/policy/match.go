package policy

import (
	"strings"
	"unicode/utf8"
)

// MatchAction reports whether an Action element value matches an action
// such as "organizations:EnableAWSServiceAccess". Matching ignores letter
// case; "*" matches any run of characters and "?" any one character (IAM
// User Guide, "IAM JSON policy elements: Action": action names are not
// case-sensitive and may hold wildcards).
func MatchAction(pattern, action string) bool {
	return glob(pattern, action, true)
}

// MatchARN reports whether a Resource element value (or an ArnLike
// condition value) matches a resource ARN, the way AWS does: when both are
// ARNs, their six colon-separated components (arn, partition, service,
// region, account, resource) are matched one by one, each a glob in which
// "*" matches any run of characters and "?" one character; in the resource
// component a wildcard also spans "/" and ":". Otherwise, e.g. for the
// pattern "*" or a resource "*", the whole strings are matched as one
// glob. Matching is case-sensitive (IAM User Guide, "Condition operators",
// ARN condition operators: "Each of the six colon-delimited components of
// the ARN is checked separately and each can include multi-character match
// wildcards (*) or single-character match wildcards (?)").
func MatchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pf, pok := arnFields(pattern)
	af, aok := arnFields(arn)
	if !pok || !aok {
		return glob(pattern, arn, false)
	}
	for i := range pf {
		if !glob(pf[i], af[i], false) {
			return false
		}
	}
	return true
}

// arnFields splits s into the six components of an ARN without
// allocating; the last holds the rest of s, colons included. ok is false
// when s has fewer than five colons.
func arnFields(s string) (f [6]string, ok bool) {
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return f, false
		}
		f[i], s = s[:j], s[j+1:]
	}
	f[5] = s
	return f, true
}

// glob matches s against pattern, where "*" matches any run of characters
// (none included) and "?" exactly one character. With fold, ASCII letters
// match regardless of case. It runs in O(len(pattern)*len(s)) at worst and
// does not allocate.
func glob(pattern, s string, fold bool) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[sx:])
				px++
				sx += n
				continue
			default:
				if c == s[sx] || (fold && lowerASCII(c) == lowerASCII(s[sx])) {
					px++
					sx++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star absorb one more character and retry.
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		px, sx = starP+1, starS
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// hasWildcard reports whether s holds a glob wildcard.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// matchActions reports whether the statement's Action (or NotAction) list
// names action.
func (st *Statement) matchActions(action string) bool {
	actions := st.Action
	if actions == nil {
		actions = st.NotAction
	}
	for _, a := range actions {
		if glob(a, action, true) {
			return true
		}
	}
	return false
}

// matchResources reports whether one of patterns matches resource, after
// substituting policy variables when vars is set. ok is false when a
// pattern holds a variable the request cannot resolve: the statement then
// does not apply at all.
func matchResources(patterns []string, resource string, vars bool, r *Request) (matched, ok bool) {
	for _, pat := range patterns {
		if vars && strings.Contains(pat, "${") {
			sub, resolved := substitute(pat, r)
			if !resolved {
				return false, false
			}
			pat = sub
		}
		if !matched && MatchARN(pat, resource) {
			matched = true
			if !vars {
				return true, true
			}
		}
	}
	return matched, true
}
