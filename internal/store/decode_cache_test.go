package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

type rec struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

func put(t *testing.T, s store.Store, key, value string) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Put(key, []byte(value)) }); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s store.Store, c *store.DecodeCache[rec], key string) (rec, error) {
	t.Helper()
	var r rec
	err := s.View(context.Background(), func(tx store.Tx) error { return c.Get(tx, key, &r) })
	return r, err
}

// TestDecodeCacheFollowsStoredBytes checks that the cache answers what is
// stored now, whoever changed it, and that callers own what they get.
func TestDecodeCacheFollowsStoredBytes(t *testing.T) {
	s := memory.New()
	c := store.NewDecodeCache(2, func(r *rec) { r.Tags = slices.Clone(r.Tags) })
	put(t, s, "a", `{"name":"one","tags":["x"]}`)

	r, err := get(t, s, c, "a")
	if err != nil || r.Name != "one" || !slices.Equal(r.Tags, []string{"x"}) {
		t.Fatalf("first Get = %+v, %v", r, err)
	}
	r.Tags[0] = "changed by the caller"
	r.Name = "changed too"
	if again, _ := get(t, s, c, "a"); again.Name != "one" || again.Tags[0] != "x" {
		t.Fatalf("the caller's changes reached the cache: %+v", again)
	}

	put(t, s, "a", `{"name":"two","tags":[]}`) // written behind the cache's back
	if r, _ := get(t, s, c, "a"); r.Name != "two" || len(r.Tags) != 0 {
		t.Fatalf("Get after the bytes changed = %+v", r)
	}

	if _, err := get(t, s, c, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	put(t, s, "bad", `{"name":`)
	if _, err := get(t, s, c, "bad"); err == nil {
		t.Fatal("Get of bytes that are not JSON succeeded")
	}

	// More keys than the cache holds: every answer stays right.
	for _, k := range []string{"b", "c", "d", "a", "b"} {
		put(t, s, k, `{"name":"`+k+`"}`)
	}
	for _, k := range []string{"a", "b", "c", "d", "a", "c"} {
		if r, _ := get(t, s, c, k); r.Name != k {
			t.Fatalf("Get(%s) = %+v", k, r)
		}
	}
}

// TestDecodeCacheDecode checks Decode on bytes a Scan gives.
func TestDecodeCacheDecode(t *testing.T) {
	c := store.NewDecodeCache[rec](8, nil)
	var r rec
	for _, raw := range []string{`{"name":"p"}`, `{"name":"p"}`, `{"name":"q"}`} {
		buf := []byte(raw)
		if err := c.Decode("k", buf, &r); err != nil || r.Name != string(raw[9]) {
			t.Fatalf("Decode(%s) = %+v, %v", raw, r, err)
		}
		copy(buf, "XXXXXXXXXXXX") // the scan's buffer is reused: the cache kept its own copy
	}
	if err := c.Decode("k", []byte(`{"name":"q"}`), &r); err != nil || r.Name != "q" {
		t.Fatalf("Decode after the buffer changed = %+v, %v", r, err)
	}
}
