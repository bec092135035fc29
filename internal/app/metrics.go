package app

import (
	"context"
	"time"

	"github.com/orgstack/orgstack/internal/metrics"
	"github.com/orgstack/orgstack/internal/server"
	"github.com/orgstack/orgstack/internal/store"
)

// newMetrics builds orgstack's metrics (README's "Metrics" lists them)
// and returns the registry and the server's observer.
func (m *Main) newMetrics() (*metrics.Registry, func(*server.Outcome)) {
	r := metrics.NewRegistry()
	requests := r.Counter("orgstack_requests_total",
		"Requests answered, by kind (api, admin, metrics, console), service and operation (API calls) and AWS error code (\"\" for success).",
		"kind", "service", "operation", "code")
	latency := r.Histogram("orgstack_request_duration_seconds",
		"Time from receiving a request to answering it, by kind, service and operation.",
		metrics.DefaultBuckets, "kind", "service", "operation")
	queued := r.Gauge("orgstack_jobs_queued", "Jobs in the durable queue (due or scheduled for later).")
	oldest := r.Gauge("orgstack_jobs_oldest_age_seconds", "Age of the oldest job in the queue; 0 when it is empty.")
	keys := r.Gauge("orgstack_store_keys", "Keys in the store.")
	size := r.Gauge("orgstack_store_bytes", "Size of the store: the total length of the stored keys and values.")
	info := r.Gauge("orgstack_build_info", "Always 1; the version and the store kind as labels.", "version", "store")
	metrics.RegisterRuntime(r)

	info.Set(1, Version, m.storeKind())
	r.OnScrape(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if n, created, err := m.Jobs.Pending(ctx); err == nil {
			queued.Set(float64(n))
			age := 0.0
			if n > 0 {
				age = max(0, m.Clock.Now().Sub(created).Seconds())
			}
			oldest.Set(age)
		}
		if sz, ok := m.Store.(store.Sizer); ok {
			if k, b, err := sz.Size(); err == nil {
				keys.Set(float64(k))
				size.Set(float64(b))
			}
		}
	})
	observe := func(o *server.Outcome) {
		requests.Inc(o.Kind, o.Service, o.Operation, o.ErrorCode)
		latency.Observe(o.Latency.Seconds(), o.Kind, o.Service, o.Operation)
	}
	return r, observe
}

// storeKind names the store this process keeps its state in.
func (m *Main) storeKind() string {
	switch {
	case m.Config.Store != "":
		return "postgres"
	case m.Config.Memory:
		return "memory"
	}
	return "embedded"
}
