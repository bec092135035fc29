package bolt

import (
	"bytes"
	"errors"

	bbolt "go.etcd.io/bbolt"

	"github.com/orgstack/orgstack/internal/store"
)

var (
	errEmptyKey    = errors.New("store: empty key")
	errTxDone      = errors.New("store: transaction used after it ended")
	errWriteInScan = errors.New("store: write inside a Scan callback")
)

// tx adapts a bbolt transaction to store.Tx. Like every store.Tx it is used
// by one goroutine at a time.
type tx struct {
	btx       *bbolt.Tx
	b         *bbolt.Bucket
	done      bool
	scanning  int // depth of Scan calls in progress
	callbacks []func()
	// getter is the cursor Get seeks with, made at the first Get: a seek
	// starts again from the root, so one cursor serves every Get of the
	// transaction without allocating a new one and its stack each time.
	getter *bbolt.Cursor
}

var _ store.Tx = (*tx)(nil)

func (s *Store) newTx(btx *bbolt.Tx) *tx {
	return &tx{btx: btx, b: btx.Bucket(s.bucket)}
}

// run calls fn and marks the transaction ended when fn returns or panics.
// After that every method fails instead of touching bbolt memory that may
// already be unmapped.
func (t *tx) run(fn func(store.Tx) error) error {
	defer func() { t.done = true }()
	return fn(t)
}

// runRecover is run for a function of a group: a panic is reported
// instead of propagated, so that the function can run again alone in its
// caller's goroutine and panic there.
func (t *tx) runRecover(fn func(store.Tx) error) (err error, panicked bool) {
	defer func() {
		t.done = true
		if recover() != nil {
			err, panicked = nil, true
		}
	}()
	return fn(t), false
}

// Get returns a slice that points into bbolt's memory map (or, for keys
// written in this transaction, into the transaction's dirty pages). It is
// valid only until the transaction ends and must not be modified.
func (t *tx) Get(key string) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	if key == "" {
		return nil, store.ErrNotFound
	}
	// A cursor seek instead of Bucket.Get: Bucket.Get returns nil both for
	// a missing key and for a stored empty value.
	if t.getter == nil {
		t.getter = t.b.Cursor()
	}
	k := []byte(key)
	found, v := t.getter.Seek(k)
	if found == nil || !bytes.Equal(found, k) {
		return nil, store.ErrNotFound
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (t *tx) checkWrite(key string) error {
	switch {
	case t.done:
		return errTxDone
	case !t.btx.Writable():
		return store.ErrReadOnly
	case key == "":
		return errEmptyKey
	case t.scanning > 0:
		return errWriteInScan
	}
	return nil
}

// Put stores a copy of value under key: bbolt keeps the slices it is given
// until commit, and callers may reuse their buffers.
func (t *tx) Put(key string, value []byte) error {
	if err := t.checkWrite(key); err != nil {
		return err
	}
	v := make([]byte, len(value))
	copy(v, value)
	return t.b.Put([]byte(key), v)
}

// Delete removes key if present.
func (t *tx) Delete(key string) error {
	if err := t.checkWrite(key); err != nil {
		if errors.Is(err, errEmptyKey) {
			return nil // an empty key is never stored
		}
		return err
	}
	return t.b.Delete([]byte(key))
}

// Scan seeks a cursor to the larger of prefix and after and walks forward
// while keys keep the prefix, so its cost is proportional to the keys it
// visits, not to the bucket. Writes from fn fail with an error instead of
// invalidating the cursor.
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
	p := []byte(prefix)
	c := t.b.Cursor()
	for k, v := c.Seek([]byte(start)); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if string(k) == after {
			continue
		}
		if v == nil {
			v = []byte{}
		}
		more, err := fn(string(k), v)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
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
func (t *tx) Writable() bool { return t.btx.Writable() }
