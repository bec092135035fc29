// Package restjson is the AWS rest-json protocol (Audit Manager, Backup):
// operations are HTTP methods on URI templates, inputs are bound to URI
// labels, the query string, headers and a JSON body; errors carry their
// code in x-amzn-ErrorType and {"message": ...} in the body.
package restjson

import (
	"net/url"
	"sort"
	"strings"

	"github.com/orgstack/orgstack/internal/wire"
)

// Router matches requests to a rest-json service's operations.
// It is immutable after NewRouter and safe for concurrent use.
type Router struct {
	routes []route
}

type route struct {
	op       *wire.Operation
	method   string
	segments []segment
	query    map[string]string // static query requirements: key → value ("" = just present)
	literals int
	greedy   bool
}

type segment struct {
	literal string
	label   string
	greedy  bool
}

// NewRouter builds the route table of svc.
func NewRouter(svc *wire.Service) *Router {
	r := &Router{}
	for _, op := range svc.Operations {
		rt := route{op: op, method: op.Method, query: map[string]string{}}
		uri := op.RequestURI
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			q, _ := url.ParseQuery(uri[i+1:])
			for k, v := range q {
				rt.query[k] = ""
				if len(v) > 0 {
					rt.query[k] = v[0]
				}
			}
			uri = uri[:i]
		}
		for _, part := range splitPath(uri) {
			if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
				name := part[1 : len(part)-1]
				seg := segment{label: strings.TrimSuffix(name, "+"), greedy: strings.HasSuffix(name, "+")}
				rt.greedy = rt.greedy || seg.greedy
				rt.segments = append(rt.segments, seg)
				continue
			}
			rt.segments = append(rt.segments, segment{literal: part})
			rt.literals++
		}
		r.routes = append(r.routes, rt)
	}
	// Most specific first: more literal segments, then static query
	// requirements, then non-greedy.
	sort.SliceStable(r.routes, func(i, j int) bool {
		a, b := r.routes[i], r.routes[j]
		if a.literals != b.literals {
			return a.literals > b.literals
		}
		if len(a.query) != len(b.query) {
			return len(a.query) > len(b.query)
		}
		return !a.greedy && b.greedy
	})
	return r
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Match finds the operation for method and the request URL. pathMatched
// is true when some operation has this path with another method (so the
// caller can answer 405-style errors rather than "unknown operation").
func (r *Router) Match(method string, u *url.URL) (op *wire.Operation, labels map[string]string, pathMatched bool) {
	raw := u.EscapedPath()
	parts := splitPath(raw)
	q := u.Query()
	for _, rt := range r.routes {
		lb, ok := rt.match(parts)
		if !ok {
			continue
		}
		if !rt.queryMatches(q) {
			continue
		}
		if rt.method != method {
			pathMatched = true
			continue
		}
		return rt.op, lb, true
	}
	return nil, nil, pathMatched
}

func (rt *route) queryMatches(q url.Values) bool {
	for k, v := range rt.query {
		got, ok := q[k]
		if !ok {
			return false
		}
		if v != "" && (len(got) == 0 || got[0] != v) {
			return false
		}
	}
	return true
}

func (rt *route) match(parts []string) (map[string]string, bool) {
	labels := map[string]string{}
	i := 0
	for si, seg := range rt.segments {
		if seg.greedy {
			if i >= len(parts) {
				return nil, false
			}
			rest := len(rt.segments) - si - 1
			end := len(parts) - rest
			if end <= i {
				return nil, false
			}
			vals := make([]string, 0, end-i)
			for _, p := range parts[i:end] {
				vals = append(vals, unescape(p))
			}
			labels[seg.label] = strings.Join(vals, "/")
			i = end
			continue
		}
		if i >= len(parts) {
			return nil, false
		}
		if seg.label != "" {
			if parts[i] == "" {
				return nil, false
			}
			labels[seg.label] = unescape(parts[i])
		} else if parts[i] != seg.literal {
			return nil, false
		}
		i++
	}
	if i != len(parts) {
		return nil, false
	}
	return labels, true
}

func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
