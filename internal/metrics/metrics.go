// Package metrics keeps counters, gauges and histograms and writes them in
// Prometheus's text exposition format (version 0.0.4). It is small on
// purpose: labels are fixed per family, values are float64, and families
// are written in the order they were registered.
package metrics

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Registry holds metric families. It is safe for concurrent use.
type Registry struct {
	mu       sync.Mutex
	families []*family
	onScrape []func()
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

type family struct {
	name, help, typ string
	labels          []string
	buckets         []float64 // histograms

	mu     sync.Mutex
	series map[string]*series
}

type series struct {
	values []string // label values
	value  float64  // counter, gauge
	counts []uint64 // histogram: per bucket (not cumulative), then +Inf
	sum    float64
	count  uint64
}

func (r *Registry) add(name, help, typ string, labels []string, buckets []float64) *family {
	f := &family{name: name, help: help, typ: typ, labels: labels, buckets: buckets, series: map[string]*series{}}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, g := range r.families {
		if g.name == name {
			panic("metrics: " + name + " registered twice")
		}
	}
	r.families = append(r.families, f)
	return f
}

// Names returns the registered families' names, in registration order.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, f := range r.families {
		names = append(names, f.name)
	}
	return names
}

// OnScrape registers fn to run before each exposition, to set gauges that
// are read from elsewhere (queue depth, store size).
func (r *Registry) OnScrape(fn func()) {
	r.mu.Lock()
	r.onScrape = append(r.onScrape, fn)
	r.mu.Unlock()
}

func (f *family) get(values []string) *series {
	if len(values) != len(f.labels) {
		panic("metrics: " + f.name + " takes " + strconv.Itoa(len(f.labels)) + " label values")
	}
	k := strings.Join(values, "\xff")
	s := f.series[k]
	if s == nil {
		s = &series{values: append([]string(nil), values...)}
		if f.typ == "histogram" {
			s.counts = make([]uint64, len(f.buckets)+1)
		}
		f.series[k] = s
	}
	return s
}

// Counter is a family of monotonically increasing counters.
type Counter struct{ f *family }

// Counter registers a counter family with the label names.
func (r *Registry) Counter(name, help string, labels ...string) *Counter {
	return &Counter{r.add(name, help, "counter", labels, nil)}
}

// Add adds v (≥ 0) to the counter with the label values.
func (c *Counter) Add(v float64, labelValues ...string) {
	if v < 0 {
		panic("metrics: counter " + c.f.name + " decreased")
	}
	c.f.mu.Lock()
	c.f.get(labelValues).value += v
	c.f.mu.Unlock()
}

// Inc adds one.
func (c *Counter) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Gauge is a family of values that go up and down.
type Gauge struct{ f *family }

// Gauge registers a gauge family with the label names.
func (r *Registry) Gauge(name, help string, labels ...string) *Gauge {
	return &Gauge{r.add(name, help, "gauge", labels, nil)}
}

// Set sets the gauge with the label values.
func (g *Gauge) Set(v float64, labelValues ...string) {
	g.f.mu.Lock()
	g.f.get(labelValues).value = v
	g.f.mu.Unlock()
}

// Histogram is a family of histograms with fixed buckets.
type Histogram struct{ f *family }

// DefaultBuckets are latency buckets in seconds, from 0.5 ms to 10 s.
var DefaultBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Histogram registers a histogram family with the upper bounds of its
// buckets (increasing; +Inf is implied) and the label names.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Histogram {
	if !sort.Float64sAreSorted(buckets) {
		panic("metrics: buckets of " + name + " are not increasing")
	}
	return &Histogram{r.add(name, help, "histogram", labels, buckets)}
}

// Observe records v in the histogram with the label values.
func (h *Histogram) Observe(v float64, labelValues ...string) {
	i := sort.SearchFloat64s(h.f.buckets, v) // first bucket with bound ≥ v
	h.f.mu.Lock()
	s := h.f.get(labelValues)
	s.counts[i]++
	s.sum += v
	s.count++
	h.f.mu.Unlock()
}

// ServeHTTP writes the exposition.
func (r *Registry) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", ContentType)
	_ = r.Write(w)
}

// Write runs the OnScrape functions and writes every family.
func (r *Registry) Write(w io.Writer) error {
	r.mu.Lock()
	hooks := append([]func(){}, r.onScrape...)
	families := append([]*family{}, r.families...)
	r.mu.Unlock()
	for _, fn := range hooks {
		fn()
	}
	bw := bufio.NewWriter(w)
	for _, f := range families {
		f.write(bw)
	}
	return bw.Flush()
}

func (f *family) write(w *bufio.Writer) {
	w.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
	w.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]string, 0, len(f.series))
	for k := range f.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := f.series[k]
		if f.typ != "histogram" {
			writeSample(w, f.name, f.labels, s.values, "", "", s.value)
			continue
		}
		var cum uint64
		for i, b := range f.buckets {
			cum += s.counts[i]
			writeSample(w, f.name+"_bucket", f.labels, s.values, "le", formatFloat(b), float64(cum))
		}
		writeSample(w, f.name+"_bucket", f.labels, s.values, "le", "+Inf", float64(s.count))
		writeSample(w, f.name+"_sum", f.labels, s.values, "", "", s.sum)
		writeSample(w, f.name+"_count", f.labels, s.values, "", "", float64(s.count))
	}
}

func writeSample(w *bufio.Writer, name string, labels, values []string, extraLabel, extraValue string, v float64) {
	w.WriteString(name)
	if len(labels) > 0 || extraLabel != "" {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l + `="` + escapeLabel(values[i]) + `"`)
		}
		if extraLabel != "" {
			if len(labels) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(extraLabel + `="` + extraValue + `"`)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }
