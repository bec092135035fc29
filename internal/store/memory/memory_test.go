package memory

import (
	"errors"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/cow"
	"github.com/orgstack/orgstack/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return New() })
}

// TestWriteInsideScan checks the guard against mutating the tree while
// it is being walked.
func TestWriteInsideScan(t *testing.T) {
	s := New()
	defer s.Close()
	err := s.Update(t.Context(), func(tx store.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if err := tx.Put(k, nil); err != nil {
				return err
			}
		}
		return tx.Scan("", "", func(k string, _ []byte) (bool, error) {
			return true, tx.Put(k+"x", nil)
		})
	})
	if !errors.Is(err, cow.ErrWriteInScan) {
		t.Fatalf("Put inside Scan: %v, want ErrWriteInScan", err)
	}
	// After the Scan returns, writes work again.
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Scan("", "", func(string, []byte) (bool, error) { return true, nil }); err != nil {
			return err
		}
		return tx.Put("z", nil)
	}); err != nil {
		t.Fatalf("Put after Scan: %v", err)
	}
}

// TestLeakedTx checks that a Tx kept past its function cannot modify a
// published snapshot.
func TestLeakedTx(t *testing.T) {
	s := New()
	defer s.Close()
	var leaked store.Tx
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		leaked = tx
		return tx.Put("k", []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := leaked.Put("k", []byte("changed")); !errors.Is(err, cow.ErrTxDone) {
		t.Fatalf("Put on a leaked tx = %v, want ErrTxDone", err)
	}
	if _, err := leaked.Get("k"); !errors.Is(err, cow.ErrTxDone) {
		t.Fatalf("Get on a leaked tx = %v, want ErrTxDone", err)
	}
	if err := leaked.Scan("", "", nil); !errors.Is(err, cow.ErrTxDone) {
		t.Fatalf("Scan on a leaked tx = %v, want ErrTxDone", err)
	}
	if err := s.View(t.Context(), func(tx store.Tx) error {
		v, err := tx.Get("k")
		if err == nil && string(v) != "v" {
			t.Errorf("k = %q after a leaked write, want v", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSizeBytes pins the memory backend's byte accounting exactly.
func TestSizeBytes(t *testing.T) {
	s := New()
	defer s.Close()
	step := func(fn func(tx store.Tx) error, wantKeys, wantBytes int64) {
		t.Helper()
		if err := s.Update(t.Context(), fn); err != nil {
			t.Fatal(err)
		}
		keys, bytes, err := s.Size()
		if err != nil || keys != wantKeys || bytes != wantBytes {
			t.Fatalf("Size = %d, %d, %v; want %d, %d, nil", keys, bytes, err, wantKeys, wantBytes)
		}
	}
	step(func(tx store.Tx) error { return tx.Put("ab", []byte("123")) }, 1, 5)
	step(func(tx store.Tx) error { return tx.Put("ab", []byte("1")) }, 1, 3)
	step(func(tx store.Tx) error { return tx.Put("c", nil) }, 2, 4)
	step(func(tx store.Tx) error { return tx.Delete("ab") }, 1, 1)
	step(func(tx store.Tx) error { return tx.Delete("ab") }, 1, 1)
}

func BenchmarkUpdate(b *testing.B) {
	s := New()
	defer s.Close()
	storetest.BenchUpdate(b, s)
}

func BenchmarkUpdateParallel(b *testing.B) {
	s := New()
	defer s.Close()
	storetest.BenchUpdateParallel(b, s)
}

func BenchmarkView(b *testing.B) {
	s := New()
	defer s.Close()
	storetest.BenchView(b, s)
}

func BenchmarkScan100(b *testing.B) {
	s := New()
	defer s.Close()
	storetest.BenchScan100(b, s)
}
