// Package storetest is the conformance suite for store.Store backends. It
// pins the semantics documented in package store once; every backend's
// tests call Run (and RunPersistent if it keeps data across Close).
package storetest

import (
	"errors"
	"sort"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// testCase is one conformance check against a fresh, empty store.
type testCase struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// Run runs the conformance suite. open must return a new, empty,
// independent store each time it is called, possibly from parallel
// subtests. Run closes every store it opens when the subtest ends; a store
// the test already closed may report nil or ErrClosed from that second
// Close.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	var cases []testCase
	cases = append(cases, crudCases()...)
	cases = append(cases, scanCases()...)
	cases = append(cases, txCases()...)
	cases = append(cases, concurrencyCases()...)
	cases = append(cases, extensionCases()...)
	cases = append(cases, replaceCases()...)
	cases = append(cases, volumeCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() { closeStore(t, s) })
			tc.fn(t, s)
		})
	}
}

// closeStore closes s, tolerating a store that the test closed already.
func closeStore(t *testing.T, s store.Store) {
	t.Helper()
	if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}

// mustUpdate runs fn in an Update and fails the test on error.
func mustUpdate(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// mustView runs fn in a View and fails the test on error.
func mustView(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// putStrings writes key/value pairs (alternating) in one Update.
func putStrings(t *testing.T, s store.Store, kv ...string) {
	t.Helper()
	if len(kv)%2 != 0 {
		t.Fatalf("putStrings: odd argument count %d", len(kv))
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Put(kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
}

// getString reads key in its own View. ok is false if the key is missing.
func getString(t *testing.T, s store.Store, key string) (value string, ok bool) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		b, err := tx.Get(key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		value, ok = string(b), true
		return nil
	})
	return value, ok
}

// wantValue asserts that key holds want.
func wantValue(t *testing.T, s store.Store, key, want string) {
	t.Helper()
	got, ok := getString(t, s, key)
	if !ok {
		t.Fatalf("Get(%q): not found, want %q", key, want)
	}
	if got != want {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

// wantMissing asserts that key is absent.
func wantMissing(t *testing.T, s store.Store, key string) {
	t.Helper()
	if got, ok := getString(t, s, key); ok {
		t.Fatalf("Get(%q) = %q, want ErrNotFound", key, got)
	}
}

// scanKeys returns the keys Scan visits, failing the test on error.
func scanKeys(t *testing.T, tx store.Tx, prefix, after string) []string {
	t.Helper()
	keys := []string{}
	if err := tx.Scan(prefix, after, func(k string, _ []byte) (bool, error) {
		keys = append(keys, k)
		return true, nil
	}); err != nil {
		t.Fatalf("Scan(%q, %q): %v", prefix, after, err)
	}
	return keys
}

// viewKeys runs scanKeys in its own View.
func viewKeys(t *testing.T, s store.Store, prefix, after string) []string {
	t.Helper()
	var keys []string
	mustView(t, s, func(tx store.Tx) error {
		keys = scanKeys(t, tx, prefix, after)
		return nil
	})
	return keys
}

// wantKeys compares two key lists exactly.
func wantKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d keys %q, want %d keys %q", what, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: key %d = %q, want %q (got %q, want %q)", what, i, got[i], want[i], got, want)
		}
	}
}

// sorted returns a sorted copy of keys (Go string order is byte-wise).
func sorted(keys []string) []string {
	out := append([]string(nil), keys...)
	sort.Strings(out)
	return out
}
