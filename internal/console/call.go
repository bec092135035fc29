package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
)

// call runs one API operation as the signed-in user and returns its
// result as JSON-shaped data: the member names of the API (as the AWS
// CLI prints them), numbers as float64, timestamps as the API encodes
// them (see the date function of the templates).
func (q *req) call(service, operation string, input map[string]any) (map[string]any, error) {
	return q.callIn(q.s.Region, service, operation, input)
}

// callIn is call in another region than the session's (for regional
// services whose state a page needs across regions).
func (q *req) callIn(region, service, operation string, input map[string]any) (map[string]any, error) {
	caller := q.caller
	caller.Region = region
	op, out, err := q.c.opt.Invoker.Invoke(q.r.Context(), caller, service, operation, input, q.r.RemoteAddr)
	if err != nil {
		return nil, err
	}
	if op.Output == nil || out == nil || reflect.ValueOf(out).IsNil() {
		return map[string]any{}, nil
	}
	raw := protocol.AppendJSON(nil, op.Output, reflect.ValueOf(out), false)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// callAll runs a listing operation page after page and returns every
// item of its list member, following NextToken, nextToken or Marker.
func (q *req) callAll(service, operation string, input map[string]any, listMember string) ([]any, error) {
	in := map[string]any{}
	for k, v := range input {
		in[k] = v
	}
	var all []any
	for page := 0; page < 1000; page++ {
		out, err := q.call(service, operation, in)
		if err != nil {
			return nil, err
		}
		if l, ok := out[listMember].([]any); ok {
			all = append(all, l...)
		}
		next := ""
		for _, k := range []string{"NextToken", "nextToken", "Marker"} {
			if v, ok := out[k].(string); ok && v != "" {
				next = k
				in[k] = v
			}
		}
		if next == "" || (next == "Marker" && out["IsTruncated"] != true) {
			break
		}
	}
	return all, nil
}

// try records a failed call on the page (shown as AWS words it) and
// reports whether the call succeeded.
func (q *req) try(v *view, err error) bool {
	if err == nil {
		return true
	}
	if v.Error == nil {
		v.Error = q.c.apiError(err)
	}
	return false
}

// done reports the outcome of an action as the next page's message: on
// success the given title and message, on failure AWS's error code and
// message.
func (q *req) done(err error, title, message string) {
	if err != nil {
		e := q.c.apiError(err)
		q.s.addFlash(flash{Kind: "error", Title: e.Code, Message: e.Message})
		return
	}
	q.s.addFlash(flash{Kind: "success", Title: title, Message: message})
}

// funcs are the templates' helpers.
func funcs() template.FuncMap {
	m := baseFuncs()
	for _, area := range areaFuncs {
		for k, v := range area {
			m[k] = v
		}
	}
	return m
}

// areaFuncs are template functions an area of the console adds from its
// own file (in an init function), so that each area keeps its helpers
// next to its pages.
var areaFuncs []template.FuncMap

func baseFuncs() template.FuncMap {
	return template.FuncMap{
		"date":      formatDate,
		"datetime":  formatDateTime,
		"get":       get,
		"str":       func(v any) string { return toString(v) },
		"join":      func(sep string, l []string) string { return strings.Join(l, sep) },
		"lower":     strings.ToLower,
		"upper":     strings.ToUpper,
		"contains":  strings.Contains,
		"hasPrefix": strings.HasPrefix,
		"add":       func(a, b int) int { return a + b },
		"sub":       func(a, b int) int { return a - b },
		"pct":       percent,
		"number":    formatNumber,
		"len":       length,
		"sorted":    sortedKeys,
		"list":      func(v ...any) []any { return v },
		"dict":      dict,
		"shortARN":  shortARN,
	}
}

// timeOf reads an API timestamp: epoch seconds (JSON protocols) or an ISO
// 8601 string.
func timeOf(v any) (time.Time, bool) {
	switch x := v.(type) {
	case float64:
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
	case time.Time:
		return x.UTC(), !x.IsZero()
	case *time.Time:
		if x != nil {
			return x.UTC(), !x.IsZero()
		}
	}
	return time.Time{}, false
}

func formatDate(v any) string {
	if t, ok := timeOf(v); ok {
		return t.Format("Jan 2, 2006")
	}
	return "—"
}

// formatDateTime keeps the date and the time each in one piece (no-break
// spaces): a narrow column wraps it between the two, not before "UTC".
func formatDateTime(v any) string {
	if t, ok := timeOf(v); ok {
		return t.Format("Jan\u00a02,\u00a02006, 15:04\u00a0UTC")
	}
	return "—"
}

// get digs into JSON-shaped data: get . "Account" "Id".
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

func percent(part, whole any) string {
	w := toFloat(whole)
	if w == 0 {
		return "—"
	}
	return strconv.FormatFloat(toFloat(part)*100/w, 'f', 1, 64) + "%"
}

func formatNumber(v any) string {
	if v == nil {
		return "—"
	}
	f := toFloat(v)
	if f == math.Trunc(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func length(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return rv.Len()
	}
	return 0
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[toString(kv[i])] = kv[i+1]
	}
	return m
}

// shortARN is the part of an ARN after its account.
func shortARN(arn string) string {
	if a, err := orgstack.ParseARN(arn); err == nil {
		return a.Resource
	}
	return arn
}
