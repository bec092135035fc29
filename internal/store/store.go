// Package store defines orgstack's durable state: a narrow, transactional,
// ordered key-value interface. Each service owns and encodes its values and
// writes its secondary indexes in the same transaction as the record.
//
// Backends live in sub-packages (logstore, memory, postgres, and bolt for
// reading earlier versions' data); the storetest package pins the
// semantics once and every backend runs it.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ErrNotFound is returned by Tx.Get when the key does not exist.
var ErrNotFound = errors.New("store: key not found")

// ErrReadOnly is returned by writes inside a View transaction.
var ErrReadOnly = errors.New("store: write in a read-only transaction")

// ErrClosed is returned by View and Update after Close.
var ErrClosed = errors.New("store: closed")

// Store is a transactional ordered key-value store.
//
// Keys are strings compared byte-wise; values are opaque bytes.
// Implementations are safe for concurrent use.
type Store interface {
	// View runs fn in a read-only transaction that sees a consistent
	// snapshot. Writes inside fn return ErrReadOnly. The error fn returns
	// is returned unchanged.
	View(ctx context.Context, fn func(tx Tx) error) error

	// Update runs fn in a read-write transaction. If fn returns nil the
	// transaction commits, and Update returns only once the commit is
	// durable (unless the backend is explicitly non-durable, like memory).
	// If fn returns an error nothing it wrote is visible to anyone and the
	// error is returned unchanged.
	//
	// fn may be called more than once (a backend may retry after a
	// serialization conflict or batch several updates), so it must not
	// have effects outside the transaction; use Tx.OnCommit for those.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// Replace makes records the whole state, atomically: afterwards the
	// store holds exactly those keys and values, and every transaction
	// sees either all of the old state or all of the new one, never a
	// mix. Keys must be non-empty and distinct, or Replace returns an
	// error wrapping ErrInvalidRecords and changes nothing. The store
	// keeps its own copy of the values. Replace returns once the new state
	// is durable (unless the backend is explicitly non-durable, like
	// memory); on any error the old state is untouched. It returns
	// ErrClosed after Close. OnCommit callbacks of other transactions are
	// unaffected.
	Replace(ctx context.Context, records []Record) error

	// Close releases the store. Calls after Close return ErrClosed.
	Close() error
}

// Record is one key and its value, as Replace takes them.
type Record struct {
	Key   string
	Value []byte
}

// ErrInvalidRecords is wrapped by Replace's error when a key is empty or
// repeated.
var ErrInvalidRecords = errors.New("store: invalid records")

// SortRecords returns a copy of records sorted by key, or an error
// wrapping ErrInvalidRecords when a key is empty or appears twice.
// Backends call it at the start of Replace.
func SortRecords(records []Record) ([]Record, error) {
	out := make([]Record, len(records))
	copy(out, records)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	for i, r := range out {
		if r.Key == "" {
			return nil, fmt.Errorf("%w: empty key", ErrInvalidRecords)
		}
		if i > 0 && out[i-1].Key == r.Key {
			return nil, fmt.Errorf("%w: key %q appears twice", ErrInvalidRecords, r.Key)
		}
	}
	return out, nil
}

// Tx is one transaction. It must not be used after the function it was
// passed to returns, nor from several goroutines at once.
type Tx interface {
	// Get returns the value stored under key, or ErrNotFound. The returned
	// slice is valid only for the life of the transaction and must not be
	// modified; copy it to keep it.
	Get(key string) ([]byte, error)

	// Put stores value under key, replacing any previous value. The store
	// keeps its own copy of value. Keys must be non-empty.
	Put(key string, value []byte) error

	// Delete removes key. Deleting a missing key is not an error.
	Delete(key string) error

	// Scan calls fn for every key that starts with prefix and sorts
	// strictly after `after` (byte-wise), in ascending order, until fn
	// returns false or an error (which Scan returns). An empty `after`
	// starts at the first key of the prefix. Keys written earlier in the
	// same transaction are visible. The value slice follows Get's rules.
	// fn must not write to the transaction.
	Scan(prefix, after string, fn func(key string, value []byte) (more bool, err error)) error

	// OnCommit registers f to run after the transaction has committed
	// durably. f is not run if the transaction rolls back; if fn is
	// retried, only the attempt that commits has its callbacks run.
	// Callbacks run in registration order, outside the transaction.
	OnCommit(f func())

	// Writable reports whether this is an Update transaction.
	Writable() bool
}

// GetJSON reads key and decodes its JSON value into v.
// It returns ErrNotFound when the key is missing.
func GetJSON(tx Tx, key string, v any) error {
	b, err := tx.Get(key)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// PutJSON encodes v as JSON and stores it under key.
func PutJSON(tx Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(key, b)
}

// Exists reports whether key is present.
func Exists(tx Tx, key string) (bool, error) {
	_, err := tx.Get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DeletePrefix deletes every key that starts with prefix.
func DeletePrefix(tx Tx, prefix string) error {
	var keys []string
	if err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		keys = append(keys, k)
		return true, nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Wiper is implemented by backends that can drop all state faster than
// deleting key by key. Callers find it by type assertion.
//
// Wipe removes every key atomically: concurrent transactions see either
// all of the old state or none of it. It returns ErrClosed after Close.
// OnCommit callbacks of other transactions are unaffected.
type Wiper interface {
	Wipe(ctx context.Context) error
}

// Sizer is implemented by backends that can report how much they hold,
// for metrics. Callers find it by type assertion.
//
// keys is the exact number of keys in the latest committed state. bytes
// approximates the storage used and is backend-defined (the total length
// of keys and values for memory and logstore, the data file size for
// bolt); it is never
// less than the total length of keys and values. Size may cost time
// proportional to the amount of data, so call it at metrics cadence, not
// per request. It returns ErrClosed after Close.
type Sizer interface {
	Size() (keys int64, bytes int64, err error)
}

// Wipe deletes every key in s. It uses s's Wiper implementation when there
// is one and otherwise deletes all keys in a single Update, so the wipe is
// atomic either way.
func Wipe(ctx context.Context, s Store) error {
	if w, ok := s.(Wiper); ok {
		return w.Wipe(ctx)
	}
	return s.Update(ctx, func(tx Tx) error {
		return DeletePrefix(tx, "")
	})
}
