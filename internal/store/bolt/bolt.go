// Package bolt is the durable, embedded store.Store, built on bbolt: one
// memory-mapped file holding a single B+tree bucket with every key.
//
// Every acknowledged Update is fsynced before it returns (unless
// Options.NoSync is set, which is only for benchmarks). Readers use bbolt's
// MVCC snapshots and do not block the writer, with one exception: bbolt
// must wait for open read transactions before it can grow its memory map.
// The map therefore starts large (DefaultInitialMmapSize of address space,
// not memory or disk), so only stores beyond that size can see an Update
// wait for a long View.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/orgstack/orgstack/internal/store"
)

// ErrLocked is returned by Open when another process holds the data file.
var ErrLocked = errors.New("data directory is in use by another orgstack process")

// DefaultLockTimeout is how long Open waits for the file lock when
// Options.LockTimeout is zero.
const DefaultLockTimeout = 3 * time.Second

// DefaultInitialMmapSize is the memory-map size used when
// Options.InitialMmapSize is zero. It reserves address space only; on
// Linux and macOS the file still grows with the data. (On Windows bbolt
// grows the file to the map size up front.)
const DefaultInitialMmapSize = 1 << 30

// bucketName names the one bucket that holds every key.
const bucketName = "orgstack"

// Options tunes Open. The zero value is the production configuration.
type Options struct {
	// LockTimeout bounds how long Open waits for the exclusive file lock
	// before failing with ErrLocked. Zero or negative means
	// DefaultLockTimeout.
	LockTimeout time.Duration

	// NoSync skips fsync on commit, so an acknowledged Update can be lost
	// in an OS crash or power failure (a process crash loses nothing).
	// For benchmarks only.
	NoSync bool

	// InitialMmapSize is the initial size of the memory map in bytes.
	// While the data file fits in it, read transactions never block
	// writers. Zero means DefaultInitialMmapSize; negative means bbolt's
	// own default (start small and remap as the file grows).
	InitialMmapSize int
}

// Store is a store.Store backed by one bbolt file. It also implements
// store.Wiper and store.Sizer. It is safe for concurrent use; Updates run
// one at a time and Views run concurrently with each other and with the
// Update.
type Store struct {
	db     *bbolt.DB
	bucket []byte

	mu         sync.Mutex
	queue      []*update // Updates waiting for the next commit
	committing bool      // an Update leads a commit
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Wiper = (*Store)(nil)
	_ store.Sizer = (*Store)(nil)
)

// Open opens or creates the data file at path, creating missing parent
// directories. It takes an exclusive lock on the file for as long as the
// Store is open; if another process holds it, Open fails with an error
// wrapping ErrLocked after opts.LockTimeout. Other failures (permissions,
// a corrupt file) are returned wrapped with the path.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("bolt: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt: create data directory: %w", err)
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	mmapSize := opts.InitialMmapSize
	switch {
	case mmapSize == 0:
		mmapSize = DefaultInitialMmapSize
	case mmapSize < 0:
		mmapSize = 0
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         timeout,
		NoSync:          opts.NoSync,
		InitialMmapSize: mmapSize,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	s := &Store{db: db, bucket: []byte(bucketName)}
	if err := db.Update(func(btx *bbolt.Tx) error {
		_, err := btx.CreateBucketIfNotExists(s.bucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: create bucket: %w", path, err)
	}
	return s, nil
}

// Path returns the data file's path.
func (s *Store) Path() string { return s.db.Path() }

// View runs fn in a bbolt read transaction. It returns ctx's error if ctx
// is already done, ErrClosed after Close, and otherwise the error fn
// returns, unchanged. Callbacks fn registers with OnCommit run after fn
// returns nil.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var (
		t     *tx
		fnErr error
	)
	err := s.db.View(func(btx *bbolt.Tx) error {
		t = s.newTx(btx)
		fnErr = t.run(fn)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return s.txError(err, t != nil)
	}
	runCallbacks(t.callbacks)
	return nil
}

// Update runs fn in a bbolt write transaction and returns once the commit
// is on disk (fsynced unless Options.NoSync). It returns ctx's error if
// ctx is done before the transaction starts, ErrClosed after Close, the
// error fn returns, unchanged (after rolling back), or a wrapped commit
// error. If fn panics the transaction rolls back and the panic propagates.
// OnCommit callbacks of the committing attempt run after the commit, in
// registration order, outside any transaction.
//
// Concurrent Updates are grouped: while one commit is being written, the
// Updates that arrive queue up, and the next of them to lead runs them
// all, one after the other, in a single bbolt transaction with a single
// fsync. Nothing waits for company: an Update that finds no commit in
// progress starts at once. If a queued fn fails, the group rolls back; the
// ones before it commit without it, the ones after it form the next group,
// and the failed fn runs again alone, so that its error (or panic) comes
// from the same state a lone Update would have seen.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u := &update{fn: fn, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	s.queue = append(s.queue, u)
	lead := !s.committing
	s.committing = true
	s.mu.Unlock()
	if lead {
		s.commitGroup()
	}
	// Asked to lead, u commits the group queued behind the last commit
	// (which may again include u, after a failure ahead of it).
	for <-u.wake; u.lead; <-u.wake {
		u.lead = false
		s.commitGroup()
	}
	if u.solo {
		return s.updateAlone(fn)
	}
	if u.err != nil {
		return u.err
	}
	runCallbacks(u.committed.callbacks)
	return nil
}

// update is one queued Update.
type update struct {
	fn   func(store.Tx) error
	wake chan struct{} // receives once to lead, once when done

	lead      bool // set before the wake that asks it to lead
	solo      bool // run fn again in its own transaction
	err       error
	committed *tx
}

// commitGroup takes every queued Update, commits them in one transaction,
// wakes their callers, and hands the lead to the first Update that queued
// meanwhile (or marks that no commit is in progress).
func (s *Store) commitGroup() {
	s.mu.Lock()
	group := s.queue
	s.queue = nil
	s.mu.Unlock()

	rest := s.commit(group)

	s.mu.Lock()
	s.queue = append(rest, s.queue...)
	if len(s.queue) == 0 {
		s.committing = false
		s.mu.Unlock()
		return
	}
	next := s.queue[0]
	s.mu.Unlock()
	next.lead = true
	next.wake <- struct{}{}
}

// errGroupFailed rolls back a group transaction when one of its functions
// fails.
var errGroupFailed = errors.New("bolt: a function of the group failed")

// commit runs group in one transaction and wakes the callers whose
// outcome is settled. It returns the Updates that still need a
// transaction: those queued after one that failed.
func (s *Store) commit(group []*update) (rest []*update) {
	for len(group) > 0 {
		failed := -1
		var fnErr error
		panicked := false
		called := false
		err := s.db.Update(func(btx *bbolt.Tx) error {
			called = true
			for i, u := range group {
				t := s.newTx(btx)
				fnErr, panicked = t.runRecover(u.fn)
				if fnErr != nil || panicked {
					failed = i
					return errGroupFailed
				}
				u.committed = t
			}
			return nil
		})
		if failed < 0 {
			for _, u := range group {
				if err != nil {
					u.err = s.txError(err, called)
				}
				u.wake <- struct{}{}
			}
			return rest
		}
		u := group[failed]
		if failed == 0 && !panicked {
			// It saw only committed state: its error is final.
			u.err = fnErr
		} else {
			u.solo = true
		}
		u.wake <- struct{}{}
		rest = append(group[failed+1:], rest...)
		group = group[:failed]
	}
	return rest
}

// updateAlone is Update in a transaction of its own, for a function that
// failed inside a group.
func (s *Store) updateAlone(fn func(tx store.Tx) error) error {
	var (
		committed *tx // the attempt whose writes were committed
		called    bool
		fnErr     error
	)
	err := s.db.Update(func(btx *bbolt.Tx) error {
		called = true
		committed = nil
		t := s.newTx(btx)
		fnErr = t.run(fn)
		if fnErr != nil {
			return fnErr
		}
		committed = t
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return s.txError(err, called)
	}
	runCallbacks(committed.callbacks)
	return nil
}

// txError maps a bbolt error that did not come from fn. started reports
// whether a transaction was begun.
func (s *Store) txError(err error, started bool) error {
	if !started && errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return store.ErrClosed
	}
	if started {
		return fmt.Errorf("bolt: commit: %w", err)
	}
	return fmt.Errorf("bolt: begin: %w", err)
}

// Wipe deletes and recreates the bucket in one durable transaction
// (Replace with no records), which frees the pages without visiting every
// key. It returns ErrClosed after Close.
func (s *Store) Wipe(ctx context.Context) error { return s.Replace(ctx, nil) }

// Replace deletes and recreates the bucket and writes records into it, in
// key order, in one durable transaction. It returns ErrClosed after Close.
func (s *Store) Replace(ctx context.Context, records []store.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sorted, err := store.SortRecords(records)
	if err != nil {
		return err
	}
	started := false
	err = s.db.Update(func(btx *bbolt.Tx) error {
		started = true
		if err := btx.DeleteBucket(s.bucket); err != nil {
			return fmt.Errorf("bolt: replace: %w", err)
		}
		b, err := btx.CreateBucket(s.bucket)
		if err != nil {
			return fmt.Errorf("bolt: replace: %w", err)
		}
		// Keys arrive in order: fill pages completely.
		b.FillPercent = 1
		for _, r := range sorted {
			v := r.Value
			if v == nil {
				v = []byte{}
			}
			if err := b.Put([]byte(r.Key), v); err != nil {
				return fmt.Errorf("bolt: replace: %w", err)
			}
		}
		return nil
	})
	if err != nil && !started {
		return s.txError(err, false)
	}
	return err
}

// Size returns the exact number of keys and the size of the data file in
// bytes. Counting keys walks every page of the bucket, so it costs time
// proportional to the data. It returns ErrClosed after Close.
func (s *Store) Size() (keys int64, bytes int64, err error) {
	started := false
	err = s.db.View(func(btx *bbolt.Tx) error {
		started = true
		keys = int64(btx.Bucket(s.bucket).Stats().KeyN)
		bytes = btx.Size()
		return nil
	})
	if err != nil {
		return 0, 0, s.txError(err, started)
	}
	return keys, bytes, nil
}

// Close waits for open transactions to finish, then releases the file and
// its lock. Later View, Update, Wipe and Size calls return ErrClosed.
// Closing twice is a no-op.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close: %w", err)
	}
	return nil
}

func runCallbacks(callbacks []func()) {
	for _, f := range callbacks {
		f()
	}
}
