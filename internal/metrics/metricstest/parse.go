// Package metricstest parses Prometheus's text exposition format
// (version 0.0.4) strictly, for tests that scrape /metrics: every line
// must be well formed, a family's TYPE comes before its samples, a
// family's samples are together, label values are unescaped, counters
// are not negative, and histogram buckets are cumulative and end in +Inf
// equal to _count.
package metricstest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Sample is one line of a family.
type Sample struct {
	Name   string // e.g. requests_total, latency_seconds_bucket
	Labels map[string]string
	Value  float64
}

// Family is a metric family.
type Family struct {
	Name, Help, Type string
	Samples          []Sample
}

// Metrics is a parsed exposition.
type Metrics map[string]*Family

// Parse reads an exposition.
func Parse(r io.Reader) (Metrics, error) {
	m := Metrics{}
	var cur *Family
	closed := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fail := func(format string, a ...any) error {
			return fmt.Errorf("line %d %q: %s", n, line, fmt.Sprintf(format, a...))
		}
		switch {
		case strings.TrimSpace(line) == "":
			continue
		case strings.HasPrefix(line, "#"):
			fields := strings.SplitN(strings.TrimLeft(line[1:], " \t"), " ", 3)
			if len(fields) < 2 || (fields[0] != "HELP" && fields[0] != "TYPE") {
				continue // a plain comment
			}
			name := fields[1]
			if !validName(name, false) {
				return nil, fail("invalid metric name")
			}
			f := m[name]
			if f == nil {
				if closed[name] {
					return nil, fail("family %s continues after another family", name)
				}
				f = &Family{Name: name, Type: "untyped"}
				m[name] = f
			}
			if cur != nil && cur != f {
				closed[cur.Name] = true
			}
			cur = f
			rest := ""
			if len(fields) == 3 {
				rest = fields[2]
			}
			if fields[0] == "HELP" {
				if f.Help != "" {
					return nil, fail("second HELP")
				}
				h, err := unescape(rest, false)
				if err != nil {
					return nil, fail("%v", err)
				}
				f.Help = h
				continue
			}
			if len(f.Samples) > 0 || f.Type != "untyped" {
				return nil, fail("TYPE after samples or twice")
			}
			switch rest {
			case "counter", "gauge", "histogram", "summary", "untyped":
				f.Type = rest
			default:
				return nil, fail("unknown type %q", rest)
			}
		default:
			s, err := parseSample(line)
			if err != nil {
				return nil, fail("%v", err)
			}
			fam := familyOf(m, s.Name)
			if fam == nil {
				if closed[s.Name] {
					return nil, fail("family continues after another family")
				}
				fam = &Family{Name: s.Name, Type: "untyped"}
				m[s.Name] = fam
			}
			if cur != nil && cur != fam {
				closed[cur.Name] = true
			}
			if closed[fam.Name] {
				return nil, fail("family %s continues after another family", fam.Name)
			}
			cur = fam
			if fam.Type == "counter" && (s.Value < 0 || math.IsNaN(s.Value)) {
				return nil, fail("counter is negative")
			}
			fam.Samples = append(fam.Samples, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, f := range m {
		if f.Type == "histogram" {
			if err := checkHistogram(f); err != nil {
				return nil, fmt.Errorf("%s: %v", f.Name, err)
			}
		}
	}
	return m, nil
}

// familyOf finds the family a sample name belongs to.
func familyOf(m Metrics, name string) *Family {
	if f := m[name]; f != nil {
		return f
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if f := m[base]; f != nil && (f.Type == "histogram" || (f.Type == "summary" && suffix != "_bucket")) {
				return f
			}
		}
	}
	return nil
}

func parseSample(line string) (Sample, error) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ \t")
	if i < 0 {
		return s, fmt.Errorf("no value")
	}
	s.Name = line[:i]
	if !validName(s.Name, false) {
		return s, fmt.Errorf("invalid metric name %q", s.Name)
	}
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, " \t")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.IndexByte(rest, '=')
			if eq < 0 {
				return s, fmt.Errorf("label without '='")
			}
			name := strings.TrimSpace(rest[:eq])
			if !validName(name, true) {
				return s, fmt.Errorf("invalid label name %q", name)
			}
			rest = strings.TrimLeft(rest[eq+1:], " \t")
			if !strings.HasPrefix(rest, `"`) {
				return s, fmt.Errorf("label %s: value is not quoted", name)
			}
			end := 1
			for ; end < len(rest); end++ {
				if rest[end] == '\\' {
					end++
					continue
				}
				if rest[end] == '"' {
					break
				}
			}
			if end >= len(rest) {
				return s, fmt.Errorf("label %s: unterminated value", name)
			}
			v, err := unescape(rest[1:end], true)
			if err != nil {
				return s, err
			}
			if _, dup := s.Labels[name]; dup {
				return s, fmt.Errorf("label %s twice", name)
			}
			s.Labels[name] = v
			rest = strings.TrimLeft(rest[end+1:], " \t")
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				return s, fmt.Errorf("expected ',' or '}' after label %s", name)
			}
		}
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 || (len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t') {
		return s, fmt.Errorf("expected a value and an optional timestamp")
	}
	v, err := parseFloat(fields[0])
	if err != nil {
		return s, err
	}
	s.Value = v
	if len(fields) == 2 {
		if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
			return s, fmt.Errorf("bad timestamp %q", fields[1])
		}
	}
	return s, nil
}

func parseFloat(s string) (float64, error) {
	switch s {
	case "+Inf", "Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "nan") {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}

func validName(s string, label bool) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') || (!label && r == ':')
		if !ok {
			return false
		}
	}
	return true
}

func unescape(s string, quote bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && quote {
			return "", fmt.Errorf("unescaped quote")
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("dangling backslash")
		}
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case '"':
			if !quote {
				return "", fmt.Errorf(`\" outside a label value`)
			}
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("bad escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// checkHistogram checks each series' buckets.
func checkHistogram(f *Family) error {
	type hist struct {
		buckets     map[float64]float64
		count       float64
		hasCount    bool
		hasSum, inf bool
	}
	hs := map[string]*hist{}
	for _, s := range f.Samples {
		le := s.Labels["le"]
		k := seriesKey(s.Labels, "le")
		h := hs[k]
		if h == nil {
			h = &hist{buckets: map[float64]float64{}}
			hs[k] = h
		}
		switch s.Name {
		case f.Name + "_bucket":
			bound, err := parseFloat(le)
			if err != nil {
				return fmt.Errorf("bucket le=%q: %v", le, err)
			}
			h.buckets[bound] = s.Value
			h.inf = h.inf || math.IsInf(bound, 1)
		case f.Name + "_count":
			h.count, h.hasCount = s.Value, true
		case f.Name + "_sum":
			h.hasSum = true
		default:
			return fmt.Errorf("sample %s in a histogram", s.Name)
		}
	}
	for k, h := range hs {
		if !h.inf || !h.hasCount || !h.hasSum {
			return fmt.Errorf("series {%s} lacks its +Inf bucket, _sum or _count", k)
		}
		bounds := make([]float64, 0, len(h.buckets))
		for b := range h.buckets {
			bounds = append(bounds, b)
		}
		sort.Float64s(bounds)
		prev := 0.0
		for _, b := range bounds {
			if h.buckets[b] < prev {
				return fmt.Errorf("series {%s}: bucket le=%g is less than the one before", k, b)
			}
			prev = h.buckets[b]
		}
		if h.buckets[math.Inf(1)] != h.count {
			return fmt.Errorf("series {%s}: +Inf bucket %g != _count %g", k, h.buckets[math.Inf(1)], h.count)
		}
	}
	return nil
}

func seriesKey(labels map[string]string, except string) string {
	var parts []string
	for k, v := range labels {
		if k != except {
			parts = append(parts, k+"="+strconv.Quote(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Value is the value of the family's sample named name whose labels
// include want (name "" is the family's own name). ok is false when no
// sample matches; when several match, their values are added.
func (m Metrics) Value(family, name string, want map[string]string) (v float64, ok bool) {
	f := m[family]
	if f == nil {
		return 0, false
	}
	if name == "" {
		name = family
	}
	for _, s := range f.Samples {
		if s.Name != name {
			continue
		}
		match := true
		for k, wv := range want {
			if s.Labels[k] != wv {
				match = false
				break
			}
		}
		if match {
			v += s.Value
			ok = true
		}
	}
	return v, ok
}
