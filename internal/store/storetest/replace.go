package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

func replaceCases() []testCase {
	return []testCase{
		{"Replace", testReplace},
		{"ReplaceEmpty", testReplaceEmpty},
		{"ReplaceInvalid", testReplaceInvalid},
		{"ReplaceAtomic", testReplaceAtomic},
		{"ReplaceClosed", testReplaceClosed},
	}
}

// records returns n records "prefix/NNN" = "prefix-value-NNN".
func records(prefix string, n int) []store.Record {
	out := make([]store.Record, n)
	for i := range n {
		out[i] = store.Record{Key: fmt.Sprintf("%s/%03d", prefix, i), Value: []byte(fmt.Sprintf("%s-value-%03d", prefix, i))}
	}
	return out
}

func mustReplace(t *testing.T, s store.Store, recs []store.Record) {
	t.Helper()
	if err := s.Replace(t.Context(), recs); err != nil {
		t.Fatalf("Replace: %v", err)
	}
}

func testReplace(t *testing.T, s store.Store) {
	fillForWipe(t, s)
	putStrings(t, s, "shared", "old")
	// Out of order, with an overlapping key, an empty value and a nil one.
	recs := []store.Record{
		{Key: "z/last", Value: []byte("zz")},
		{Key: "shared", Value: []byte("new")},
		{Key: "a/000", Value: []byte("replaced")},
		{Key: "empty", Value: []byte{}},
		{Key: "nil", Value: nil},
	}
	mustReplace(t, s, recs)
	// The store kept its own copies.
	recs[1].Value[0] = 'X'
	wantKeys(t, "keys after Replace", viewKeys(t, s, "", ""), []string{"a/000", "empty", "nil", "shared", "z/last"})
	wantValue(t, s, "shared", "new")
	wantValue(t, s, "a/000", "replaced")
	wantValue(t, s, "z/last", "zz")
	wantValue(t, s, "empty", "")
	wantValue(t, s, "nil", "")
	wantMissing(t, s, "a/003")
	// The store is usable: writes, deletes and scans work on the new state.
	putStrings(t, s, "b/1", "one")
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Delete("z/last") })
	wantKeys(t, "keys after Replace and writes", viewKeys(t, s, "", ""), []string{"a/000", "b/1", "empty", "nil", "shared"})
	if sz, ok := s.(store.Sizer); ok {
		if keys, _, err := sz.Size(); err != nil || keys != 5 {
			t.Fatalf("Size after Replace = %d, %v; want 5 keys", keys, err)
		}
	}
	// A bigger state replaces a smaller one.
	big := records("big", 2500)
	mustReplace(t, s, big)
	if got := viewKeys(t, s, "", ""); len(got) != len(big) || got[0] != "big/000" {
		t.Fatalf("after Replace with %d records: %d keys, first %q", len(big), len(got), got[0])
	}
	wantValue(t, s, "big/2499", "big-value-2499")
}

func testReplaceEmpty(t *testing.T, s store.Store) {
	fillForWipe(t, s)
	mustReplace(t, s, nil)
	checkWiped(t, s)
}

func testReplaceInvalid(t *testing.T, s store.Store) {
	putStrings(t, s, "keep", "me", "and", "me too")
	for _, recs := range [][]store.Record{
		{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}, {Key: "a", Value: []byte("3")}},
		{{Key: "a", Value: []byte("1")}, {Key: "", Value: []byte("2")}},
	} {
		err := s.Replace(t.Context(), recs)
		if !errors.Is(err, store.ErrInvalidRecords) {
			t.Fatalf("Replace(%v) = %v, want ErrInvalidRecords", recs, err)
		}
		wantKeys(t, "keys after a refused Replace", viewKeys(t, s, "", ""), []string{"and", "keep"})
		wantValue(t, s, "keep", "me")
	}
}

// testReplaceAtomic swaps between two states while readers scan the
// whole store: each must see exactly one of them, never a mix, never an
// empty store.
func testReplaceAtomic(t *testing.T, s store.Store) {
	a, b := records("a", 300), records("b", 200)
	mustReplace(t, s, a)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				var keys []string
				err := s.View(t.Context(), func(tx store.Tx) error {
					keys = keys[:0]
					return tx.Scan("", "", func(k string, v []byte) (bool, error) {
						if want := strings.Replace(k, "/", "-value-", 1); string(v) != want {
							return false, fmt.Errorf("key %q holds %q, want %q", k, v, want)
						}
						keys = append(keys, k)
						return true, nil
					})
				})
				if err == nil {
					switch {
					case len(keys) == len(a) && strings.HasPrefix(keys[0], "a/") && strings.HasPrefix(keys[len(keys)-1], "a/"):
					case len(keys) == len(b) && strings.HasPrefix(keys[0], "b/") && strings.HasPrefix(keys[len(keys)-1], "b/"):
					default:
						err = fmt.Errorf("a reader saw %d keys, neither state (first %v)", len(keys), keys[:min(3, len(keys))])
					}
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
			}
		}()
	}
	for i := range 20 {
		// Let the readers see each state at least once.
		for deadline := time.Now().Add(5 * time.Second); reads.Load() <= int64(i) && len(errs) == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		next := a
		if i%2 == 0 {
			next = b
		}
		if err := s.Replace(t.Context(), next); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("Replace %d: %v", i, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantKeys(t, "keys after the last Replace", viewKeys(t, s, "", ""), keysOf(a))
	if reads.Load() < 20 {
		t.Fatalf("only %d reads ran alongside 20 Replaces", reads.Load())
	}
}

func keysOf(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Key
	}
	return out
}

func testReplaceClosed(t *testing.T, s store.Store) {
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Replace(t.Context(), records("x", 3)); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Replace after Close = %v, want ErrClosed", err)
	}
}
