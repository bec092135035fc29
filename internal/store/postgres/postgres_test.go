package postgres

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/storetest"
)

// testURL is the database the tests use: ORGSTACK_TEST_POSTGRES
// (scripts/test starts a private PostgreSQL server and sets it). Without
// it the tests are skipped, unless ORGSTACK_REQUIRE_POSTGRES=1.
func testURL(t testing.TB) string {
	u := os.Getenv("ORGSTACK_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("ORGSTACK_REQUIRE_POSTGRES") == "1" {
			t.Fatal("ORGSTACK_TEST_POSTGRES is not set")
		}
		t.Skip("ORGSTACK_TEST_POSTGRES is not set (scripts/test starts a PostgreSQL server and sets it)")
	}
	return u
}

var schemaSeq atomic.Int64

// withSchema is the test database with a fresh schema of its own.
func withSchema(t testing.TB, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("schema", fmt.Sprintf("t%d_%d", time.Now().UnixNano()%1e9, schemaSeq.Add(1)))
	u.RawQuery = q.Encode()
	return u.String()
}

func openTest(t testing.TB, rawURL string) *Store {
	t.Helper()
	s, err := Open(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	base := testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, withSchema(t, base)) })
}

func TestPersistence(t *testing.T) {
	base := testURL(t)
	var mu sync.Mutex
	schemas := map[string]string{}
	storetest.RunPersistent(t, func(t *testing.T, dir string) store.Store {
		mu.Lock()
		u, ok := schemas[dir]
		if !ok {
			u = withSchema(t, base)
			schemas[dir] = u
		}
		mu.Unlock()
		return openTest(t, u)
	})
}

func TestUpperBound(t *testing.T) {
	for prefix, want := range map[string]string{"": "", "a": "b", "org/": "org0", "a\xff": "b", "\xff\xff": ""} {
		if got := string(upperBound(prefix)); got != want {
			t.Errorf("upperBound(%q) = %q, want %q", prefix, got, want)
		}
	}
}

// TestConflictsRetry: two stores (two processes' worth of connections)
// incrementing one counter concurrently lose no increment.
func TestConflictsRetry(t *testing.T) {
	u := withSchema(t, testURL(t))
	a, b := openTest(t, u), openTest(t, u)
	defer a.Close()
	defer b.Close()
	const n = 40
	done := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		for _, s := range []*Store{a, b} {
			go func(s *Store) {
				done <- s.Update(context.Background(), func(tx store.Tx) error {
					var c int
					if v, err := tx.Get("counter"); err == nil {
						if _, err := fmt.Sscan(string(v), &c); err != nil {
							return err
						}
					} else if err != store.ErrNotFound {
						return err
					}
					return tx.Put("counter", []byte(fmt.Sprint(c+1)))
				})
			}(s)
		}
	}
	for i := 0; i < 2*n; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	_ = a.View(context.Background(), func(tx store.Tx) error {
		v, err := tx.Get("counter")
		if err != nil || string(v) != fmt.Sprint(2*n) {
			t.Fatalf("counter %q %v, want %d", v, err, 2*n)
		}
		return nil
	})
}

func TestOpenRejectsBadSchema(t *testing.T) {
	if _, err := Open(context.Background(), "postgres://127.0.0.1:1/x?schema=Robert');DROP"); err == nil {
		t.Fatal("a bad schema name was accepted")
	}
	if _, err := Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("a non-postgres URL was accepted")
	}
}

func openBench(b *testing.B) store.Store {
	s := openTest(b, withSchema(b, testURL(b)))
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkUpdate is one small durable write transaction (fsync as the
// server is configured; scripts/test's throwaway cluster has it off).
func BenchmarkUpdate(b *testing.B) { storetest.BenchUpdate(b, openBench(b)) }

func BenchmarkUpdateParallel(b *testing.B) { storetest.BenchUpdateParallel(b, openBench(b)) }

func BenchmarkView(b *testing.B) { storetest.BenchView(b, openBench(b)) }

func BenchmarkScan100(b *testing.B) { storetest.BenchScan100(b, openBench(b)) }

// TestSwallowedErrorDoesNotCommit: a function that goes on after a
// database error and returns nil gets the error, and nothing it wrote is
// stored.
func TestSwallowedErrorDoesNotCommit(t *testing.T) {
	s := openTest(t, withSchema(t, testURL(t)))
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("k", []byte("v")); err != nil {
			return err
		}
		cancel()
		_, _ = tx.Get("other") // fails: the context is gone
		return nil
	})
	if err == nil {
		t.Fatal("Update returned nil after a database error inside fn")
	}
	if err := s.View(context.Background(), func(tx store.Tx) error {
		if _, err := tx.Get("k"); err != store.ErrNotFound {
			t.Fatalf("Get(k) = %v, want ErrNotFound: the write of a failed Update is stored", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
