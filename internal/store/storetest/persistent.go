package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// RunPersistent checks that committed state survives Close and reopen.
// open must open (creating if needed) the store kept in dir; each subtest
// calls it several times with the same fresh dir, closing the previous
// store first. RunPersistent closes every store it opens.
func RunPersistent(t *testing.T, open func(t *testing.T, dir string) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, reopen func() store.Store)
	}{
		{"Reopen", testReopen},
		{"ReopenManyKeys", testReopenManyKeys},
		{"ReopenAfterWipe", testReopenAfterWipe},
		{"ReopenAfterReplace", testReopenAfterReplace},
		{"ReopenRepeatedly", testReopenRepeatedly},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var current store.Store
			t.Cleanup(func() {
				if current != nil {
					closeStore(t, current)
				}
			})
			reopen := func() store.Store {
				t.Helper()
				if current != nil {
					if err := current.Close(); err != nil {
						t.Fatalf("Close before reopen: %v", err)
					}
				}
				current = open(t, dir)
				return current
			}
			tc.fn(t, reopen)
		})
	}
}

func testReopen(t *testing.T, reopen func() store.Store) {
	big := randomBytes(7, 1<<20)
	s := reopen()
	putStrings(t, s, "k", "v1", "del", "x", "empty", "", "other", "o")
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Put("k", []byte("v2")); err != nil {
			return err
		}
		if err := tx.Put("big", big); err != nil {
			return err
		}
		return tx.Delete("del")
	})
	_ = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Put("k", []byte("rolled back")); err != nil {
			return err
		}
		if err := tx.Put("phantom", nil); err != nil {
			return err
		}
		return errors.New("roll back")
	})

	s = reopen()
	wantValue(t, s, "k", "v2")
	wantValue(t, s, "empty", "")
	wantMissing(t, s, "del")
	wantMissing(t, s, "phantom")
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Get("big")
		if err != nil {
			return err
		}
		if !bytes.Equal(got, big) {
			t.Errorf("1 MiB value differs after reopen (%d bytes)", len(got))
		}
		return nil
	})
	wantKeys(t, "keys after reopen", viewKeys(t, s, "", ""), []string{"big", "empty", "k", "other"})
}

func testReopenManyKeys(t *testing.T, reopen func() store.Store) {
	const total = 5000
	s := reopen()
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range total {
			if err := tx.Put(fmt.Sprintf("n/%05d", i), []byte(strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})
	s = reopen()
	i := 0
	mustView(t, s, func(tx store.Tx) error {
		return tx.Scan("n/", "", func(k string, v []byte) (bool, error) {
			if want := fmt.Sprintf("n/%05d", i); k != want || string(v) != strconv.Itoa(i) {
				return false, fmt.Errorf("key %d after reopen: %q=%q, want %q", i, k, v, want)
			}
			i++
			return true, nil
		})
	})
	if i != total {
		t.Fatalf("found %d keys after reopen, want %d", i, total)
	}
}

func testReopenAfterWipe(t *testing.T, reopen func() store.Store) {
	s := reopen()
	putStrings(t, s, "a", "1", "b", "2", "c/d", "3")
	if err := store.Wipe(t.Context(), s); err != nil {
		t.Fatalf("Wipe: %v", err)
	}
	putStrings(t, s, "survivor", "yes")
	s = reopen()
	wantKeys(t, "keys after Wipe and reopen", viewKeys(t, s, "", ""), []string{"survivor"})
	wantValue(t, s, "survivor", "yes")
}

func testReopenAfterReplace(t *testing.T, reopen func() store.Store) {
	s := reopen()
	putStrings(t, s, "a", "1", "b", "2", "c/d", "3")
	mustReplace(t, s, []store.Record{{Key: "b", Value: []byte("new")}, {Key: "e", Value: []byte("5")}})
	s = reopen()
	wantKeys(t, "keys after Replace and reopen", viewKeys(t, s, "", ""), []string{"b", "e"})
	wantValue(t, s, "b", "new")
	wantValue(t, s, "e", "5")
}

func testReopenRepeatedly(t *testing.T, reopen func() store.Store) {
	const cycles = 5
	for i := 1; i <= cycles; i++ {
		s := reopen()
		mustUpdate(t, s, func(tx store.Tx) error {
			n := 0
			if b, err := tx.Get("generation"); err == nil {
				n, _ = strconv.Atoi(string(b))
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if n != i-1 {
				return fmt.Errorf("cycle %d: generation = %d, want %d", i, n, i-1)
			}
			if err := tx.Put(fmt.Sprintf("cycle/%d", i), nil); err != nil {
				return err
			}
			return tx.Put("generation", []byte(strconv.Itoa(i)))
		})
	}
	s := reopen()
	wantValue(t, s, "generation", strconv.Itoa(cycles))
	if n := len(viewKeys(t, s, "cycle/", "")); n != cycles {
		t.Fatalf("found %d cycle keys, want %d", n, cycles)
	}
}
