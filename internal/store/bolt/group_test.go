package bolt

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// TestGroupedUpdates runs many concurrent Updates, so that they are
// committed in groups, some of which fail or panic after writing. Every
// successful one must be committed once with its callbacks run, every
// failed one must leave nothing behind and return its own error, and every
// panic must reach its own caller.
func TestGroupedUpdates(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
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
