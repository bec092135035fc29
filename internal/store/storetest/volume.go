package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

func volumeCases() []testCase {
	return []testCase{
		{"LargeValues", testLargeValues},
		{"ManyKeysPaginated", testManyKeysPaginated},
	}
}

// randomBytes returns n pseudo-random bytes from a fixed seed.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testLargeValues(t *testing.T, s store.Store) {
	const mib = 1 << 20
	values := map[string][]byte{
		"big/1": randomBytes(1, mib),
		"big/2": randomBytes(2, mib+1),
		"big/3": randomBytes(3, 3*mib),
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		for k, v := range values {
			if err := tx.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	check := func(what string) {
		t.Helper()
		mustView(t, s, func(tx store.Tx) error {
			for k, want := range values {
				got, err := tx.Get(k)
				if err != nil {
					return err
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: Get(%q) returned %d bytes that differ from the %d stored", what, k, len(got), len(want))
				}
			}
			return tx.Scan("big/", "", func(k string, v []byte) (bool, error) {
				if !bytes.Equal(v, values[k]) {
					t.Errorf("%s: Scan value of %q differs from the stored one", what, k)
				}
				return true, nil
			})
		})
	}
	check("after first write")
	// Shrink one, grow another, replace the third with a small value.
	values["big/1"] = randomBytes(4, 10)
	values["big/2"] = randomBytes(5, 2*mib)
	values["big/3"] = []byte("small")
	mustUpdate(t, s, func(tx store.Tx) error {
		for k, v := range values {
			if err := tx.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	check("after overwrite")
}

// testManyKeysPaginated writes 20k keys and reads them back a page at a
// time, each page in its own View resuming with `after`, the way list
// APIs paginate.
func testManyKeysPaginated(t *testing.T, s store.Store) {
	const total, perUpdate, pageSize = 20000, 2500, 750
	key := func(i int) string { return fmt.Sprintf("many/%06d", i) }
	for start := 0; start < total; start += perUpdate {
		mustUpdate(t, s, func(tx store.Tx) error {
			for i := start; i < start+perUpdate; i++ {
				if err := tx.Put(key(i), []byte(key(i))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Neighbours just outside the prefix.
	putStrings(t, s, "many", "", "many.", "", "many0", "", "manz", "")

	paginate := func(prefix string) int {
		t.Helper()
		n, after, pages := 0, "", 0
		for {
			page := 0
			mustView(t, s, func(tx store.Tx) error {
				return tx.Scan(prefix, after, func(k string, v []byte) (bool, error) {
					if want := key(n); k != want || string(v) != want {
						return false, fmt.Errorf("page %d: got %q=%q, want %q", pages, k, v, want)
					}
					n++
					page++
					after = k
					return page < pageSize, nil
				})
			})
			pages++
			if page < pageSize {
				return n
			}
		}
	}
	if n := paginate("many/"); n != total {
		t.Fatalf("paginated Scan visited %d keys, want %d", n, total)
	}
	// Delete the upper half by prefix and paginate again.
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeletePrefix(tx, "many/01") })
	if n := paginate("many/"); n != total/2 {
		t.Fatalf("after DeletePrefix: paginated Scan visited %d keys, want %d", n, total/2)
	}
	wantKeys(t, "neighbours after the prefix", viewKeys(t, s, "man", "many/\xff"), []string{"many0", "manz"})
	wantKeys(t, "neighbour before the prefix", viewKeys(t, s, "many.", ""), []string{"many."})
}
