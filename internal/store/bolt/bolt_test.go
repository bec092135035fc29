package bolt

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/storetest"
)

// openTest opens a store at dir/orgstack.db with production options and a
// short lock timeout.
func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(filepath.Join(dir, "orgstack.db"), Options{LockTimeout: time.Second})
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

// TestLocked checks that a second opener of the same file fails with
// ErrLocked after the lock timeout instead of hanging. flock conflicts
// between separate opens even within one process, so no child is needed.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	defer s.Close()
	start := time.Now()
	s2, err := Open(filepath.Join(dir, "orgstack.db"), Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		s2.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "in use by another orgstack process") {
		t.Errorf("error %q does not explain the lock", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
	// Once the first store closes, the file opens again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3 := openTest(t, dir)
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCreatesDirectories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "orgstack.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("data file mode %v is readable by others", perm)
	}
}

func TestOpenRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgstack.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a bolt file ", 2048)), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(path, Options{}); err == nil {
		s.Close()
		t.Fatal("Open of a garbage file succeeded")
	}
}

// TestWriteInsideScan checks the guard against writing through a live
// cursor.
func TestWriteInsideScan(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(t.Context(), func(tx store.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if err := tx.Put(k, nil); err != nil {
				return err
			}
		}
		return tx.Scan("", "", func(k string, _ []byte) (bool, error) {
			return true, tx.Delete(k)
		})
	})
	if !errors.Is(err, errWriteInScan) {
		t.Fatalf("Delete inside Scan: %v, want errWriteInScan", err)
	}
}

// TestLeakedTx checks that a Tx kept past its function fails cleanly
// instead of touching unmapped memory.
func TestLeakedTx(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	var leaked store.Tx
	if err := s.View(t.Context(), func(tx store.Tx) error {
		leaked = tx
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := leaked.Get("k"); !errors.Is(err, errTxDone) {
		t.Fatalf("Get on a leaked tx = %v, want errTxDone", err)
	}
	if err := leaked.Scan("", "", nil); !errors.Is(err, errTxDone) {
		t.Fatalf("Scan on a leaked tx = %v, want errTxDone", err)
	}
	if err := leaked.Put("k", nil); !errors.Is(err, errTxDone) {
		t.Fatalf("Put on a leaked tx = %v, want errTxDone", err)
	}
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
		s, err := Open(filepath.Join(b.TempDir(), "orgstack.db"), Options{NoSync: true})
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
