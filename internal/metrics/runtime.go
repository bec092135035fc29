package metrics

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// RegisterRuntime adds the Go runtime's basics to r: goroutines, heap in
// use and the process's resident memory (where the system tells it).
func RegisterRuntime(r *Registry) {
	goroutines := r.Gauge("go_goroutines", "Number of goroutines that currently exist.")
	heap := r.Gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.")
	rss := r.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
	r.OnScrape(func() {
		goroutines.Set(float64(runtime.NumGoroutine()))
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap.Set(float64(ms.HeapAlloc))
		if n, ok := residentBytes(); ok {
			rss.Set(float64(n))
		}
	})
}

// residentBytes reads the resident set size from /proc (Linux).
func residentBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
