package metrics_test

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/metrics"
	"github.com/orgstack/orgstack/internal/metrics/metricstest"
)

func TestExpositionParses(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.Counter("test_requests_total", "Requests.\nWith a \\ backslash.", "service", "code")
	h := r.Histogram("test_latency_seconds", "Latency.", []float64{0.01, 0.1, 1}, "op")
	g := r.Gauge("test_queue", "Queue.")
	r.Gauge("test_unset", "Never set.")
	metrics.RegisterRuntime(r)
	c.Inc("Organizations", "")
	c.Add(2, "IAM", `odd "code"\with`+"\nnewline")
	h.Observe(0.005, "A")
	h.Observe(0.01, "A") // on a bound: le is "less or equal"
	h.Observe(0.5, "A")
	h.Observe(7, "A")
	g.Set(3)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != metrics.ContentType {
		t.Errorf("Content-Type %q", ct)
	}
	m, err := metricstest.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if f := m["test_requests_total"]; f == nil || f.Type != "counter" || f.Help != "Requests.\nWith a \\ backslash." {
		t.Errorf("family %+v", f)
	}
	if v, _ := m.Value("test_requests_total", "", map[string]string{"service": "IAM", "code": `odd "code"\with` + "\nnewline"}); v != 2 {
		t.Errorf("IAM counter %v", v)
	}
	for le, want := range map[string]float64{"0.01": 2, "0.1": 2, "1": 3, "+Inf": 4} {
		if v, _ := m.Value("test_latency_seconds", "test_latency_seconds_bucket", map[string]string{"op": "A", "le": le}); v != want {
			t.Errorf("bucket le=%s: %v, want %v", le, v, want)
		}
	}
	if v, _ := m.Value("test_latency_seconds", "test_latency_seconds_sum", nil); v != 7.515 {
		t.Errorf("sum %v", v)
	}
	if v, ok := m.Value("test_queue", "", nil); !ok || v != 3 {
		t.Errorf("gauge %v %v", v, ok)
	}
	if f := m["test_unset"]; f == nil || len(f.Samples) != 0 {
		t.Errorf("a family without samples is still announced: %+v", f)
	}
	if v, _ := m.Value("go_goroutines", "", nil); v < 1 {
		t.Errorf("go_goroutines %v", v)
	}
	if got := strings.Join(r.Names(), ","); !strings.HasPrefix(got, "test_requests_total,test_latency_seconds,test_queue,test_unset,go_goroutines") {
		t.Errorf("Names %s", got)
	}
}

func TestParserRejects(t *testing.T) {
	for name, text := range map[string]string{
		"no value":            "# TYPE a counter\na\n",
		"bad value":           "a 1x\n",
		"unquoted label":      "a{b=c} 1\n",
		"unterminated label":  "a{b=\"c} 1\n",
		"bad escape":          "a{b=\"\\t\"} 1\n",
		"duplicate label":     "a{b=\"1\",b=\"2\"} 1\n",
		"bad name":            "1a 1\n",
		"negative counter":    "# TYPE a counter\na -1\n",
		"type after samples":  "a 1\n# TYPE a gauge\n",
		"interleaved":         "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n",
		"unknown type":        "# TYPE a meter\n",
		"histogram no +Inf":   "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
		"histogram decreases": "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n",
		"histogram count":     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
	} {
		if _, err := metricstest.Parse(bytes.NewBufferString(text)); err == nil {
			t.Errorf("%s: parsed %q", name, text)
		}
	}
}
