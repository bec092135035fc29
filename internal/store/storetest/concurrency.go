package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

func concurrencyCases() []testCase {
	return []testCase{
		{"ConcurrentCounter", testConcurrentCounter},
		{"ConsistentReads", testConsistentReads},
		{"Closed", testClosed},
		{"GroupedUpdates", testGroupedUpdates},
	}
}

// testConcurrentCounter increments one counter from many goroutines. Lost
// updates show up as a short final count; OnCommit must run exactly once
// per committed Update even if a backend retries fn.
func testConcurrentCounter(t *testing.T, s store.Store) {
	const workers, perWorker = 8, 200
	var callbacks atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					n := 0
					b, err := tx.Get("counter")
					switch {
					case errors.Is(err, store.ErrNotFound):
					case err != nil:
						return err
					default:
						if n, err = strconv.Atoi(string(b)); err != nil {
							return err
						}
					}
					tx.OnCommit(func() { callbacks.Add(1) })
					if err := tx.Put(fmt.Sprintf("worker/%d/%03d", w, i), nil); err != nil {
						return err
					}
					return tx.Put("counter", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					t.Errorf("worker %d Update %d: %v", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	wantValue(t, s, "counter", strconv.Itoa(workers*perWorker))
	if n := len(viewKeys(t, s, "worker/", "")); n != workers*perWorker {
		t.Errorf("found %d worker keys, want %d", n, workers*perWorker)
	}
	if n := callbacks.Load(); n != workers*perWorker {
		t.Errorf("OnCommit ran %d times, want %d", n, workers*perWorker)
	}
}

// testConsistentReads runs Views against a writer that keeps two keys (and
// a Scan-visible set) equal; every View must see them equal.
func testConsistentReads(t *testing.T, s store.Store) {
	const updates, readers = 150, 4
	putStrings(t, s, "pair/a", "0", "pair/b", "0")
	var stop atomic.Bool
	var wg sync.WaitGroup
	var views atomic.Int64
	defer func() { // also on a failed Update: stop the readers first
		stop.Store(true)
		wg.Wait()
	}()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				err := s.View(t.Context(), func(tx store.Tx) error {
					a, err := tx.Get("pair/a")
					if err != nil {
						return err
					}
					sa := string(a)
					var scanned []string
					if err := tx.Scan("pair/", "", func(_ string, v []byte) (bool, error) {
						scanned = append(scanned, string(v))
						return true, nil
					}); err != nil {
						return err
					}
					if len(scanned) != 2 || scanned[0] != sa || scanned[1] != sa {
						return fmt.Errorf("inconsistent snapshot: Get(pair/a)=%s, Scan=%v", sa, scanned)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				views.Add(1)
			}
		}()
	}
	for i := 1; i <= updates; i++ {
		v := []byte(strconv.Itoa(i))
		mustUpdate(t, s, func(tx store.Tx) error {
			if err := tx.Put("pair/a", v); err != nil {
				return err
			}
			return tx.Put("pair/b", v)
		})
	}
	stop.Store(true)
	wg.Wait()
	wantValue(t, s, "pair/b", strconv.Itoa(updates))
	t.Logf("%d Views ran alongside %d Updates", views.Load(), updates)
}

func testClosed(t *testing.T, s store.Store) {
	putStrings(t, s, "k", "v")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	called := false
	fn := func(store.Tx) error { called = true; return nil }
	if err := s.View(t.Context(), fn); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close = %v, want ErrClosed", err)
	}
	if err := s.Update(t.Context(), fn); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	if called {
		t.Error("fn ran after Close")
	}
	if err := store.Wipe(t.Context(), s); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Wipe after Close = %v, want ErrClosed", err)
	}
	if sz, ok := s.(store.Sizer); ok {
		if _, _, err := sz.Size(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Size after Close = %v, want ErrClosed", err)
		}
	}
}

// testGroupedUpdates runs many concurrent Updates, so that a backend that
// groups commits groups them, some of which fail or panic after writing. Every
// successful one must be committed once with its callbacks run, every
// failed one must leave nothing behind and return its own error, and every
// panic must reach its own caller.
func testGroupedUpdates(t *testing.T, s store.Store) {
	const workers, perWorker = 16, 40
	var callbacks atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			key := "count/" + strconv.Itoa(w)
			for i := range perWorker {
				want := fmt.Errorf("worker %d update %d failed", w, i)
				err, panicked := func() (err error, panicked bool) {
					defer func() {
						if p := recover(); p != nil {
							if p != key {
								t.Errorf("panic value %v, want %v", p, key)
							}
							panicked = true
						}
					}()
					return s.Update(t.Context(), func(tx store.Tx) error {
						n := 0
						if v, err := tx.Get(key); err == nil {
							n, _ = strconv.Atoi(string(v))
						}
						if err := tx.Put(key, []byte(strconv.Itoa(n+1))); err != nil {
							return err
						}
						if err := tx.Put("junk/"+key, []byte("x")); err != nil {
							return err
						}
						switch {
						case i%5 == 1:
							return want
						case i%11 == 2:
							panic(key)
						}
						if err := tx.Delete("junk/" + key); err != nil {
							return err
						}
						tx.OnCommit(func() { callbacks.Add(1) })
						return nil
					}), false
				}()
				switch {
				case i%5 == 1:
					if !errors.Is(err, want) || panicked {
						t.Errorf("failing update returned %v (panicked %v), want %v", err, panicked, want)
					}
				case i%11 == 2:
					if !panicked {
						t.Errorf("panicking update returned %v without panicking", err)
					}
				case err != nil || panicked:
					t.Errorf("update returned %v (panicked %v)", err, panicked)
				}
			}
		})
	}
	wg.Wait()
	succeeded := 0
	for i := range perWorker {
		if i%5 != 1 && i%11 != 2 {
			succeeded++
		}
	}
	if got := callbacks.Load(); got != int64(workers*succeeded) {
		t.Errorf("%d OnCommit callbacks ran, want %d", got, workers*succeeded)
	}
	if err := s.View(t.Context(), func(tx store.Tx) error {
		for w := range workers {
			v, err := tx.Get("count/" + strconv.Itoa(w))
			if err != nil {
				return err
			}
			if string(v) != strconv.Itoa(succeeded) {
				t.Errorf("worker %d: counter %s, want %d", w, v, succeeded)
			}
		}
		return tx.Scan("junk/", "", func(k string, _ []byte) (bool, error) {
			t.Errorf("%s written by a failed update is visible", k)
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}
