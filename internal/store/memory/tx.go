package memory

import (
	"errors"
	"strings"

	"github.com/tidwall/btree"

	"github.com/orgstack/orgstack/internal/store"
)

var (
	errEmptyKey    = errors.New("store: empty key")
	errTxDone      = errors.New("store: transaction used after it ended")
	errWriteInScan = errors.New("store: write inside a Scan callback")
)

// tx is a memory transaction. A read-only tx reads a published tree; a
// writable tx owns a private copy-on-write clone that Update publishes on
// success. Like every store.Tx it is used by one goroutine at a time.
type tx struct {
	tree      *btree.BTreeG[item]
	bytes     int64
	writable  bool
	done      bool
	scanning  int // depth of Scan calls in progress
	callbacks []func()
}

var _ store.Tx = (*tx)(nil)

// run calls fn and marks the transaction ended when fn returns or panics,
// so a leaked Tx cannot modify a tree that has since been published.
func (t *tx) run(fn func(store.Tx) error) error {
	defer func() { t.done = true }()
	return fn(t)
}

// Get returns the stored value itself, not a copy. It stays valid after
// the transaction (stored values are never modified), but callers must not
// modify it.
func (t *tx) Get(key string) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	it, ok := t.tree.Get(item{key: key})
	if !ok {
		return nil, store.ErrNotFound
	}
	return it.value, nil
}

func (t *tx) checkWrite(key string) error {
	switch {
	case t.done:
		return errTxDone
	case !t.writable:
		return store.ErrReadOnly
	case key == "":
		return errEmptyKey
	case t.scanning > 0:
		return errWriteInScan
	}
	return nil
}

// Put stores a copy of value under key.
func (t *tx) Put(key string, value []byte) error {
	if err := t.checkWrite(key); err != nil {
		return err
	}
	v := make([]byte, len(value))
	copy(v, value)
	prev, replaced := t.tree.Set(item{key: key, value: v})
	t.bytes += int64(len(key) + len(v))
	if replaced {
		t.bytes -= int64(len(prev.key) + len(prev.value))
	}
	return nil
}

// Delete removes key if present.
func (t *tx) Delete(key string) error {
	if err := t.checkWrite(key); err != nil {
		if errors.Is(err, errEmptyKey) {
			return nil // an empty key is never stored
		}
		return err
	}
	if prev, ok := t.tree.Delete(item{key: key}); ok {
		t.bytes -= int64(len(prev.key) + len(prev.value))
	}
	return nil
}

// Scan walks the keys under prefix that sort after `after`, starting with
// a tree seek to the larger of the two. Writes from fn return an error
// rather than corrupting the walk.
func (t *tx) Scan(prefix, after string, fn func(key string, value []byte) (bool, error)) error {
	if t.done {
		return errTxDone
	}
	start := prefix
	if after > start {
		start = after
	}
	t.scanning++
	defer func() { t.scanning-- }()
	var err error
	t.tree.Ascend(item{key: start}, func(it item) bool {
		if !strings.HasPrefix(it.key, prefix) {
			return false
		}
		if it.key <= after {
			return true // only it.key == after can reach here
		}
		var more bool
		more, err = fn(it.key, it.value)
		return err == nil && more
	})
	return err
}

// OnCommit registers f. It panics if the transaction has already ended,
// because f could then never run at the right moment.
func (t *tx) OnCommit(f func()) {
	if t.done {
		panic("store: OnCommit called after the transaction ended")
	}
	t.callbacks = append(t.callbacks, f)
}

// Writable reports whether t belongs to an Update.
func (t *tx) Writable() bool { return t.writable }
