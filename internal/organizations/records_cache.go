package organizations

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/orgstack/orgstack/internal/store"
)

// Nearly every request decodes the caller's account and organization
// records, several times in enforce mode, and a ListAccounts page decodes
// one record per account. The caches below keep the last decoding of each
// key together with the bytes it came from: a read whose stored bytes are
// the same as the cached ones takes a copy of the cached record instead of
// decoding JSON again. The stored bytes decide, so the caches can never
// answer with a stale record, whichever store or process wrote them.
var (
	orgCache     = newDecodeCache(256, func(o *orgRecord) { o.RootPolicyTypes = slices.Clone(o.RootPolicyTypes) })
	accountCache = newDecodeCache[accountRecord](8192, nil)
)

// decodeCache remembers decoded JSON records by key. It holds at most max
// records and forgets them all when full, which only costs decoding again.
type decodeCache[T any] struct {
	mu    sync.RWMutex
	m     map[string]decodedRecord[T]
	max   int
	clone func(*T) // deep-copies what a shallow copy of T shares, if anything
}

type decodedRecord[T any] struct {
	raw []byte
	v   T
}

func newDecodeCache[T any](max int, clone func(*T)) *decodeCache[T] {
	return &decodeCache[T]{m: map[string]decodedRecord[T]{}, max: max, clone: clone}
}

// get reads key in tx into v, which the caller owns: changing it changes
// nothing in the cache. It returns store.ErrNotFound when key is missing.
func (c *decodeCache[T]) get(tx store.Tx, key string, v *T) error {
	raw, err := tx.Get(key)
	if err != nil {
		return err
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		e = decodedRecord[T]{raw: bytes.Clone(raw)}
		if err := json.Unmarshal(raw, &e.v); err != nil {
			return err
		}
		c.mu.Lock()
		if len(c.m) >= c.max {
			clear(c.m)
		}
		c.m[key] = e
		c.mu.Unlock()
	}
	*v = e.v
	if c.clone != nil {
		c.clone(v)
	}
	return nil
}
