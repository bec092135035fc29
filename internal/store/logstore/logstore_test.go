package logstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/storetest"
)

// openTest opens a store in dir with production options and a short lock
// timeout.
func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir()) })
}

func TestPersistence(t *testing.T) {
	storetest.RunPersistent(t, func(t *testing.T, dir string) store.Store { return openTest(t, dir) })
}

// TestLocked checks that a second opener of the same directory fails with
// ErrLocked after the lock timeout instead of hanging, and succeeds once
// the first has closed.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	defer s.Close()
	s2, err := Open(dir, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		s2.Close()
		t.Fatal("second Open of a locked directory succeeded")
	}
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "in use by another orgstack process") {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3 := openTest(t, dir)
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
}

// rotateForTest starts a new log segment without a snapshot, as a
// checkpoint whose snapshot failed leaves the log.
func (s *Store) rotateForTest() error {
	s.writer.Lock()
	defer s.writer.Unlock()
	f, err := s.createSegment(s.seq + 1)
	if err != nil {
		return err
	}
	_ = s.log.Close()
	s.log, s.seq, s.logSize, s.allocated = f, s.seq+1, 0, 0
	return nil
}

// openBench opens a store for benchmarks. Sync stays on so BenchmarkUpdate
// measures the real, fsynced commit cost.
func openBench(b *testing.B) *Store {
	b.Helper()
	s := openTest(b, b.TempDir())
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkUpdate(b *testing.B) {
	b.Run("sync", func(b *testing.B) { storetest.BenchUpdate(b, openBench(b)) })
	b.Run("nosync", func(b *testing.B) {
		s, err := Open(b.TempDir(), Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		storetest.BenchUpdate(b, s)
	})
}

func BenchmarkUpdateParallel(b *testing.B) { storetest.BenchUpdateParallel(b, openBench(b)) }

func BenchmarkView(b *testing.B) { storetest.BenchView(b, openBench(b)) }

func BenchmarkScan100(b *testing.B) { storetest.BenchScan100(b, openBench(b)) }
