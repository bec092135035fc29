package storetest

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// Benchmark bodies shared by the backends' Benchmark functions. They
// measure; they assert nothing about timings. Each takes a fresh, empty
// store and leaves closing it to the caller.

const (
	benchKeys      = 10000
	benchValueSize = 256
	benchScanRange = 100
)

func benchKey(i int) string { return fmt.Sprintf("bench/%03d/%05d", i/benchScanRange, i) }

// preload writes benchKeys keys in a few Updates, outside the timer.
func preload(b *testing.B, s store.Store) {
	b.Helper()
	value := make([]byte, benchValueSize)
	for start := 0; start < benchKeys; start += 1000 {
		if err := s.Update(b.Context(), func(tx store.Tx) error {
			for i := start; i < start+1000; i++ {
				if err := tx.Put(benchKey(i), value); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatalf("preload: %v", err)
		}
	}
}

// BenchUpdate measures one Update that puts one 256-byte value, cycling
// over benchKeys keys (so most iterations overwrite).
func BenchUpdate(b *testing.B, s store.Store) {
	value := make([]byte, benchValueSize)
	b.SetBytes(benchValueSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := benchKey(i % benchKeys)
		if err := s.Update(b.Context(), func(tx store.Tx) error {
			return tx.Put(k, value)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchUpdateParallel measures Updates of one 256-byte value each from
// eight goroutines at once (the concurrency of orgstack's load targets),
// each on its own keys: what a backend that groups concurrent commits
// gains.
func BenchUpdateParallel(b *testing.B, s store.Store) {
	value := make([]byte, benchValueSize)
	var seq atomic.Int64
	b.SetBytes(benchValueSize)
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := benchKey(int(seq.Add(1)) % benchKeys)
			if err := s.Update(b.Context(), func(tx store.Tx) error {
				return tx.Put(k, value)
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchView measures one View that gets one existing key, from parallel
// goroutines.
func BenchView(b *testing.B, s store.Store) {
	preload(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			k := benchKey((i * 7919) % benchKeys)
			if err := s.View(b.Context(), func(tx store.Tx) error {
				_, err := tx.Get(k)
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchScan100 measures one View that scans a prefix holding 100 keys.
func BenchScan100(b *testing.B, s store.Store) {
	preload(b, s)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		prefix := fmt.Sprintf("bench/%03d/", i%(benchKeys/benchScanRange))
		n := 0
		if err := s.View(b.Context(), func(tx store.Tx) error {
			return tx.Scan(prefix, "", func(string, []byte) (bool, error) {
				n++
				return true, nil
			})
		}); err != nil {
			b.Fatal(err)
		}
		if n != benchScanRange {
			b.Fatalf("Scan(%q) visited %d keys, want %d", prefix, n, benchScanRange)
		}
	}
}
