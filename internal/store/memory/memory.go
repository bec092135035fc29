// Package memory is an in-memory store.Store. It keeps nothing on disk and
// is meant for --memory mode and for unit tests.
//
// The data lives in a copy-on-write B-tree. View transactions read an
// immutable snapshot loaded with one atomic pointer read, so readers never
// block and never see a partial Update. Update transactions are serialized
// by a writer mutex; each works on a cheap copy-on-write clone of the
// current tree and publishes it with an atomic pointer swap when fn
// returns nil. On error the clone is simply dropped.
package memory

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/cow"
)

// Store is an in-memory store.Store. It also implements store.Wiper and
// store.Sizer.
//
// Store is safe for concurrent use. Update is not durable: committed data
// lives until Close or process exit. View never blocks on Update, and
// Updates run one at a time.
type Store struct {
	// current is the latest committed state, or nil once closed.
	current atomic.Pointer[cow.State]
	// writer serializes Update, Wipe and Close.
	writer sync.Mutex
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Wiper = (*Store)(nil)
	_ store.Sizer = (*Store)(nil)
)

// New returns an empty, open Store.
func New() *Store {
	s := &Store{}
	s.current.Store(&cow.State{Tree: cow.NewTree()})
	return s
}

// View runs fn against the snapshot that is current when View starts. It
// returns ctx's error if ctx is already done, ErrClosed after Close, and
// otherwise the error fn returns, unchanged. Callbacks fn registers with
// OnCommit run after fn returns nil.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := s.current.Load()
	if st == nil {
		return store.ErrClosed
	}
	return st.View(fn)
}

// Update runs fn in a read-write transaction and publishes its writes
// atomically when fn returns nil. fn is called exactly once. It returns
// ctx's error if ctx is done before fn starts, ErrClosed after Close, and
// otherwise the error fn returns, unchanged; in that case none of fn's
// writes become visible. If fn panics the transaction is discarded and
// the panic propagates. OnCommit callbacks run after publication, in
// registration order, once the writer mutex has been released (so they
// may start new transactions).
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	callbacks, err := s.update(ctx, fn)
	if err != nil {
		return err
	}
	runCallbacks(callbacks)
	return nil
}

func (s *Store) update(ctx context.Context, fn func(tx store.Tx) error) ([]func(), error) {
	s.writer.Lock()
	defer s.writer.Unlock()
	cur := s.current.Load()
	if cur == nil {
		return nil, store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := cow.NewUpdate(cur.Tree.Copy(), cur.Bytes, false)
	if err := t.Run(fn); err != nil {
		return nil, err
	}
	s.current.Store(&cow.State{Tree: t.Tree(), Bytes: t.Bytes()})
	return t.Callbacks(), nil
}

// Wipe atomically replaces the contents with an empty tree (Replace with
// no records). Views already running keep their snapshot. It returns
// ErrClosed after Close.
func (s *Store) Wipe(ctx context.Context) error { return s.Replace(ctx, nil) }

// Replace builds a tree of records and publishes it with one pointer swap:
// Views already running keep their snapshot, later ones see only the new
// state. It returns ErrClosed after Close.
func (s *Store) Replace(ctx context.Context, records []store.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sorted, err := store.SortRecords(records)
	if err != nil {
		return err
	}
	tree, n := cow.Load(sorted)
	s.writer.Lock()
	defer s.writer.Unlock()
	if s.current.Load() == nil {
		return store.ErrClosed
	}
	s.current.Store(&cow.State{Tree: tree, Bytes: n})
	return nil
}

// Size reports the number of keys and the total length of keys and values
// in the latest committed state, in constant time. It returns ErrClosed
// after Close.
func (s *Store) Size() (keys int64, bytes int64, err error) {
	st := s.current.Load()
	if st == nil {
		return 0, 0, store.ErrClosed
	}
	keys, bytes = st.Size()
	return keys, bytes, nil
}

// Close drops the data. Views already running finish against their
// snapshot; later View, Update, Wipe and Size calls return ErrClosed.
// Close waits for a running Update to finish. Closing twice is a no-op.
func (s *Store) Close() error {
	s.writer.Lock()
	defer s.writer.Unlock()
	s.current.Store(nil)
	return nil
}

func runCallbacks(callbacks []func()) {
	for _, f := range callbacks {
		f()
	}
}
