package store

import (
	"bytes"
	"encoding/json"
	"sync"
)

// DecodeCache remembers decoded JSON records by key, together with the
// bytes each came from: a read whose stored bytes are the same as the
// cached ones takes a copy of the cached record instead of decoding JSON
// again. The stored bytes decide, so a cache never answers with a stale
// record, whichever store, schema or process wrote them. It holds at most
// max records and forgets them all when full, which only costs decoding
// again. It is safe for concurrent use.
type DecodeCache[T any] struct {
	mu    sync.RWMutex
	m     map[string]*decodedRecord[T]
	max   int
	clone func(*T)
}

type decodedRecord[T any] struct {
	raw []byte
	v   T
}

// NewDecodeCache returns a cache of at most max records. clone, when not
// nil, deep-copies what a shallow copy of T shares (slices, maps), so that
// callers own what Get gives them.
func NewDecodeCache[T any](max int, clone func(*T)) *DecodeCache[T] {
	return &DecodeCache[T]{m: map[string]*decodedRecord[T]{}, max: max, clone: clone}
}

// Get reads key in tx into v, which the caller owns: changing it changes
// nothing in the cache. It returns ErrNotFound when key is missing.
func (c *DecodeCache[T]) Get(tx Tx, key string, v *T) error {
	raw, err := tx.Get(key)
	if err != nil {
		return err
	}
	return c.Decode(key, raw, v)
}

// Decode decodes raw, the bytes stored under key (as a Scan gives them),
// into v, which the caller owns, through the cache.
func (c *DecodeCache[T]) Decode(key string, raw []byte, v *T) error {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		// A new record rather than decoding into e: a hit then copies the
		// cached record without allocating.
		e = &decodedRecord[T]{raw: bytes.Clone(raw)}
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
