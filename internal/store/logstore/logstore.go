// Package logstore is the durable, embedded store.Store. The whole state
// lives in memory, in the copy-on-write tree the memory store uses; on
// disk it is a snapshot of that tree plus a log of every commit since.
//
// A commit appends one record holding its writes to the log and fsyncs it:
// one sequential write and one fdatasync, whatever the number of keys.
// Concurrent Updates share a record (group commit); the next group runs
// and writes its record while the last one's fdatasync is under way, and
// one fdatasync makes every record written before it durable. Only durable
// commits are published to readers. Readers never block: a View reads an
// immutable published tree.
//
// When the log has grown past the state's size, a checkpoint starts a new
// log segment, writes a new snapshot in the background and then deletes the
// segments the snapshot covers. Open loads the snapshot and replays the
// segments after it; a record torn by a crash can only be the last one of
// the last segment, and is cut off.
//
// The directory holds LOCK (locked while a process has the store open),
// snapshot, and log segments named log.<sequence number>.
package logstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/cow"
)

// ErrLocked is returned by Open when another process holds the directory.
var ErrLocked = errors.New("data directory is in use by another orgstack process")

// ErrCorrupt is wrapped by Open's error when the snapshot or a log segment
// other than the last fails its checksum or cannot be decoded.
var ErrCorrupt = errors.New("logstore: corrupt data")

// DefaultLockTimeout is how long Open waits for the lock when
// Options.LockTimeout is zero.
const DefaultLockTimeout = 3 * time.Second

// DefaultCheckpointBytes is the least log, in bytes, that starts a
// checkpoint when Options.CheckpointBytes is zero. Above it a checkpoint
// starts once the log is larger than the state.
const DefaultCheckpointBytes = 16 << 20

// maxKeptBuffer is the largest encoding buffer kept between commits.
const maxKeptBuffer = 1 << 20

// Options tunes Open. The zero value is the production configuration.
type Options struct {
	// LockTimeout bounds how long Open waits for the directory's lock
	// before failing with ErrLocked. Zero or negative means
	// DefaultLockTimeout.
	LockTimeout time.Duration

	// NoSync skips fsync, so an acknowledged Update can be lost in an OS
	// crash or power failure (a process crash loses nothing). For
	// benchmarks only.
	NoSync bool

	// CheckpointBytes is the least log size that starts a checkpoint.
	// Zero means DefaultCheckpointBytes.
	CheckpointBytes int64
}

// Store is a store.Store kept in memory and made durable by a log. It
// also implements store.Wiper and store.Sizer. It is safe for concurrent
// use.
type Store struct {
	dir  string
	opts Options
	lock *os.File

	// current is the latest durable state, or nil once closed.
	current atomic.Pointer[cow.State]

	mu         sync.Mutex
	queue      []*update // Updates waiting for the next commit
	committing bool      // an Update leads a commit
	closed     bool
	idle       *sync.Cond // signalled when committing becomes false

	// syncer is held while the log is synced and the commits it made
	// durable are published; Replace, a checkpoint's rotation and Close
	// hold it too, before writer.
	syncer sync.Mutex
	synced int64 // the log position known durable

	// writer guards the log and everything below; the leading Update holds
	// it while it runs its group and writes the group's record, as do
	// Replace, a checkpoint's rotation and Close.
	writer        sync.Mutex
	tip           *cow.State // the latest state, durable or not
	log           *os.File
	seq           uint64 // the log segment being appended to
	logSize       int64  // the length of its records
	allocated     int64  // its file's length: records, then zeros
	sinceSnapshot int64  // log bytes the latest snapshot does not cover
	buf           []byte
	broken        error // set when the log may hold a record that failed

	// written is the log position after the last record written: the
	// bytes of every record written since Open.
	written atomic.Int64

	// pending are the groups written and not yet durable, in log order.
	pmu     sync.Mutex
	pending []*batch

	// checkpoint is held by a checkpoint from its rotation to the removal
	// of the segments it covers, and by Replace: one at a time.
	checkpoint  sync.Mutex
	checkpoints sync.WaitGroup
	running     atomic.Bool // a background checkpoint is under way
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Wiper = (*Store)(nil)
	_ store.Sizer = (*Store)(nil)
)

// Open opens or creates the store in dir, creating missing directories. It
// takes an exclusive lock on dir/LOCK for as long as the Store is open; if
// another process holds it, Open fails with an error wrapping ErrLocked
// after opts.LockTimeout. It then loads the snapshot and replays the log;
// damage anywhere but the end of the log fails with an error wrapping
// ErrCorrupt.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("logstore: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("logstore: create data directory: %w", err)
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if opts.CheckpointBytes <= 0 {
		opts.CheckpointBytes = DefaultCheckpointBytes
	}
	lock, err := lockDir(dir, timeout)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, opts: opts, lock: lock}
	s.idle = sync.NewCond(&s.mu)
	if err := s.recover(); err != nil {
		_ = unlockDir(lock)
		return nil, fmt.Errorf("logstore: open %s: %w", dir, err)
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// View runs fn against the durable state current when View starts. It
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

// update is one queued Update.
type update struct {
	fn   func(store.Tx) error
	wake chan struct{} // receives once to lead, once when done

	lead      bool // set before the wake that asks it to lead
	err       error
	panicked  bool
	panicVal  any
	callbacks []func()
}

// Update runs fn in a read-write transaction and returns once its writes
// are on disk (fsynced unless Options.NoSync) and visible to readers. It
// returns ctx's error if ctx is done before the transaction starts,
// ErrClosed after Close, the error fn returns, unchanged (nothing fn wrote
// is kept), or a wrapped commit error. If fn panics nothing it wrote is
// kept and the panic propagates. OnCommit callbacks run after the commit,
// in registration order, outside any transaction.
//
// Concurrent Updates are grouped: while one group is being run and
// written, the Updates that arrive queue up, and the next of them to lead
// runs them all, one after the other, each on the state the ones before it
// left (durable or not yet), and writes them in one log record. Nothing
// waits for company: an Update that finds no group in progress starts at
// once. An fn that fails or panics is left out of the record; it saw
// exactly the state it would have seen alone. If an fdatasync fails, every
// Update not yet durable fails and the store takes no more writes until it
// is reopened.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u := &update{fn: fn, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.ErrClosed
	}
	s.queue = append(s.queue, u)
	lead := !s.committing
	s.committing = true
	s.mu.Unlock()
	if lead {
		s.commitGroup()
	}
	for <-u.wake; u.lead; <-u.wake {
		u.lead = false
		s.commitGroup()
	}
	if u.panicked {
		panic(u.panicVal)
	}
	if u.err != nil {
		return u.err
	}
	runCallbacks(u.callbacks)
	return nil
}

// commitGroup takes every queued Update, runs them and writes their record
// (write), hands the lead to the first Update that queued meanwhile (or
// marks that no commit is in progress), and then waits for the record to
// be durable (sync). The next group is therefore run and written while
// this one's fdatasync is under way, and one fdatasync often makes several
// groups durable.
func (s *Store) commitGroup() {
	s.mu.Lock()
	group := s.queue
	s.queue = nil
	s.mu.Unlock()

	b := s.write(group)

	s.mu.Lock()
	if len(s.queue) == 0 {
		s.committing = false
		s.idle.Broadcast()
		s.mu.Unlock()
	} else {
		next := s.queue[0]
		s.mu.Unlock()
		next.lead = true
		next.wake <- struct{}{}
	}
	if b != nil {
		s.sync(b.end)
	}
}

// batch is a group written to the log and not yet known durable.
type batch struct {
	st    *cow.State // the state after it, or nil if it changed nothing
	end   int64      // the log position after its record
	group []*update
}

// write runs group's functions in order, each on the state the ones
// before it left (on one clone of the tip; a function that fails or panics
// has its writes taken back), and writes the writes of those that
// succeeded to the log as one record, unsynced. It returns the group as a pending batch,
// or nil when the group is settled already (it failed, and its callers
// are woken).
func (s *Store) write(group []*update) *batch {
	s.writer.Lock()
	tip := s.tip
	var (
		ops       []cow.Op
		succeeded []*update
		bytes     int64
		commitErr error // fails the whole group
		appendErr error // fails the functions that succeeded
		changed   *cow.State
	)
	switch {
	case tip == nil:
		commitErr = store.ErrClosed
	case s.broken != nil:
		commitErr = fmt.Errorf("logstore: commit: an earlier commit failed (%v); reopen the store", s.broken)
	default:
		tree := tip.Tree.Copy()
		bytes = tip.Bytes
		for _, u := range group {
			t := cow.NewUpdate(tree, bytes, true)
			u.panicked, u.panicVal, u.err = runRecover(t, u.fn)
			if u.err != nil || u.panicked {
				t.Rollback()
				continue
			}
			bytes = t.Bytes()
			ops = append(ops, t.Ops()...)
			u.callbacks = t.Callbacks()
			succeeded = append(succeeded, u)
		}
		if len(ops) > 0 {
			if err := s.append(ops); err != nil {
				appendErr = fmt.Errorf("logstore: commit: %w", err)
			} else {
				changed = &cow.State{Tree: tree, Bytes: bytes}
				s.tip = changed
			}
		}
	}
	var b *batch
	if commitErr == nil && appendErr == nil {
		// Even a group that wrote nothing read what is pending, so it
		// waits for that to be durable.
		b = &batch{st: changed, end: s.written.Load(), group: group}
		s.pmu.Lock()
		s.pending = append(s.pending, b)
		s.pmu.Unlock()
	}
	start := b != nil && s.needCheckpoint(bytes)
	s.writer.Unlock()

	if b == nil {
		for _, u := range group {
			if commitErr != nil {
				u.err = commitErr
			}
		}
		for _, u := range succeeded {
			u.err, u.callbacks = appendErr, nil
		}
		for _, u := range group {
			u.wake <- struct{}{}
		}
	}
	if start {
		s.checkpoints.Add(1)
		go func() {
			defer s.checkpoints.Done()
			defer s.running.Store(false)
			_ = s.runCheckpoint()
		}()
	}
	return b
}

// sync makes the log durable up to position end at least, unless it is
// already, and publishes the batches that are then durable.
func (s *Store) sync(end int64) {
	s.syncer.Lock()
	defer s.syncer.Unlock()
	s.syncLocked(false, s.synced < end)
}

// syncLocked fdatasyncs the log if doSync, then publishes the batches
// that are durable, in order, and wakes their callers. (A batch that wrote
// nothing may be durable already.) If the fdatasync fails, the store is
// broken and every pending batch fails. The caller holds syncer, and
// writer if writerHeld.
func (s *Store) syncLocked(writerHeld, doSync bool) {
	target := s.synced
	var err error
	if doSync {
		target = s.written.Load()
		if !s.opts.NoSync {
			err = fdatasync(s.log)
		}
	}
	s.pmu.Lock()
	var ready []*batch
	if err != nil {
		ready, s.pending = s.pending, nil
	} else {
		s.synced = target
		n := 0
		for n < len(s.pending) && s.pending[n].end <= target {
			n++
		}
		ready = s.pending[:n:n]
		s.pending = s.pending[n:]
	}
	s.pmu.Unlock()
	if err != nil {
		// What reached the disk is unknown: stop writing.
		if !writerHeld {
			s.writer.Lock()
		}
		s.broken = err
		if !writerHeld {
			s.writer.Unlock()
		}
		err = fmt.Errorf("logstore: commit: %w", err)
	}
	var latest *cow.State
	for _, b := range ready {
		if b.st != nil {
			latest = b.st
		}
	}
	if latest != nil && err == nil {
		s.current.Store(latest)
	}
	for _, b := range ready {
		for _, u := range b.group {
			if err != nil && !u.panicked && u.err == nil {
				u.err, u.callbacks = err, nil
			}
			u.wake <- struct{}{}
		}
	}
}

// drain makes every written record durable and published, so that the
// published state is the tip. The caller holds syncer and writer.
func (s *Store) drain() error {
	s.syncLocked(true, s.synced < s.written.Load())
	return s.broken
}

// runRecover runs fn in t, turning a panic into its value.
func runRecover(t *cow.Tx, fn func(store.Tx) error) (panicked bool, val any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked, val = true, p
		}
	}()
	return false, nil, t.Run(fn)
}

// needCheckpoint reports whether a checkpoint should start now, and if so
// marks one as running. The caller holds writer.
func (s *Store) needCheckpoint(stateBytes int64) bool {
	if s.sinceSnapshot < s.opts.CheckpointBytes || s.sinceSnapshot < stateBytes {
		return false
	}
	return s.running.CompareAndSwap(false, true)
}

// append writes ops to the log as one record, for sync to make durable.
// On failure it cuts the log back to where it was, or marks the store
// broken when it cannot. The caller holds writer.
func (s *Store) append(ops []cow.Op) error {
	s.buf = encodeRecord(s.buf[:0], ops)
	defer func() {
		if cap(s.buf) > maxKeptBuffer {
			s.buf = nil
		}
	}()
	if err := s.allocate(s.logSize + int64(len(s.buf))); err != nil {
		return err
	}
	if _, err := s.log.WriteAt(s.buf, s.logSize); err != nil {
		// Cut off whatever part of the record got written, and the
		// zeros after it: the segment grows again on the next record.
		if terr := s.log.Truncate(s.logSize); terr != nil {
			s.broken = terr
		}
		s.allocated = s.logSize
		return err
	}
	s.written.Add(int64(len(s.buf)))
	s.logSize += int64(len(s.buf))
	s.sinceSnapshot += int64(len(s.buf))
	return nil
}

// growChunk is how much a log segment grows by when a record does not fit.
const growChunk = 1 << 20

// zeros is the filler a segment grows with, one page per write: the page
// cache keeps what one write fills as one folio, and an fdatasync writes
// every dirty folio whole, so zeros written in larger pieces would make
// each commit write that much to the disk (64 KB pieces: 64 KB per commit).
var zeros = make([]byte, 4096)

// allocate makes the segment's file at least end bytes long, writing
// zeros, growChunk at a time, for the next fdatasync to make durable. A
// commit then rarely changes the file's size, and its fdatasync writes the
// record's pages without the file-system metadata a larger file needs.
// Replay reads the zeros after the last record as the end of the log. The
// caller holds writer.
func (s *Store) allocate(end int64) error {
	if end <= s.allocated {
		return nil
	}
	size := s.allocated + growChunk
	for size < end {
		size += growChunk
	}
	for off := s.allocated; off < size; off += int64(len(zeros)) {
		n := min(int64(len(zeros)), size-off)
		if _, err := s.log.WriteAt(zeros[:n], off); err != nil {
			if terr := s.log.Truncate(s.allocated); terr != nil {
				s.broken = terr
			}
			return err
		}
	}
	s.allocated = size
	return nil
}

// Wipe replaces the contents with nothing (Replace with no records).
func (s *Store) Wipe(ctx context.Context) error { return s.Replace(ctx, nil) }

// Replace makes records the whole state: it writes them as a new snapshot
// that covers every earlier log segment, starts a new segment, publishes
// the new state, and deletes the old segments. Views already running keep
// their state. It returns once the new state is durable; on error the old
// state is untouched. It returns ErrClosed after Close.
func (s *Store) Replace(ctx context.Context, records []store.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sorted, err := store.SortRecords(records)
	if err != nil {
		return err
	}
	tree, n := cow.Load(sorted)
	s.checkpoint.Lock()
	defer s.checkpoint.Unlock()
	defer s.lockLog()()
	if s.current.Load() == nil {
		return store.ErrClosed
	}
	_ = s.drain() // a broken log is replaced whole
	next := s.seq + 1
	f, err := s.createSegment(next)
	if err != nil {
		return fmt.Errorf("logstore: replace: %w", err)
	}
	if err := s.writeSnapshot(tree, next); err != nil {
		_ = f.Close()
		_ = os.Remove(s.segmentPath(next))
		return fmt.Errorf("logstore: replace: %w", err)
	}
	// The new snapshot covers everything before segment next: the new
	// state is durable, whatever happens to the old segments.
	_ = s.log.Close()
	s.log, s.seq, s.logSize, s.allocated, s.sinceSnapshot, s.broken = f, next, 0, 0, 0, nil
	s.synced = s.written.Load()
	s.tip = &cow.State{Tree: tree, Bytes: n}
	s.current.Store(s.tip)
	s.removeSegmentsBefore(next)
	return nil
}

// lockLog takes syncer, then writer: nothing is written to the log or
// synced until the function it returns releases them.
func (s *Store) lockLog() (unlock func()) {
	s.syncer.Lock()
	s.writer.Lock()
	return func() {
		s.writer.Unlock()
		s.syncer.Unlock()
	}
}

// runCheckpoint starts a new log segment, writes the state as of the end
// of the old one as the new snapshot, and deletes the segments it covers.
// On error the old snapshot and segments still describe the state.
func (s *Store) runCheckpoint() error {
	s.checkpoint.Lock()
	defer s.checkpoint.Unlock()
	unlock := s.lockLog()
	if s.current.Load() == nil {
		unlock()
		return store.ErrClosed
	}
	if err := s.drain(); err != nil {
		unlock()
		return err
	}
	st := s.current.Load()
	next := s.seq + 1
	f, err := s.createSegment(next)
	if err != nil {
		s.sinceSnapshot = 0 // try again after as much log again
		unlock()
		return err
	}
	old := s.log
	s.log, s.seq, s.logSize, s.allocated, s.sinceSnapshot = f, next, 0, 0, 0
	unlock()
	_ = old.Close()

	if err := s.writeSnapshot(st.Tree, next); err != nil {
		return err
	}
	s.removeSegmentsBefore(next)
	return nil
}

// Size returns the number of keys and the total length of keys and values
// of the durable state, in constant time. It returns ErrClosed after Close.
func (s *Store) Size() (keys int64, bytes int64, err error) {
	st := s.current.Load()
	if st == nil {
		return 0, 0, store.ErrClosed
	}
	keys, bytes = st.Size()
	return keys, bytes, nil
}

// Close waits for the commits under way and a running checkpoint, then
// closes the log and releases the lock. Views already running finish
// against their state; later View, Update, Replace and Size calls return
// ErrClosed. Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for s.committing {
		s.idle.Wait()
	}
	s.mu.Unlock()
	s.checkpoints.Wait()
	s.checkpoint.Lock()
	defer s.checkpoint.Unlock()
	defer s.lockLog()()
	_ = s.drain()
	s.tip = nil
	s.current.Store(nil)
	err := s.log.Close()
	if uerr := unlockDir(s.lock); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("logstore: close: %w", err)
	}
	return nil
}

func runCallbacks(callbacks []func()) {
	for _, f := range callbacks {
		f()
	}
}

// segmentPath is the file of log segment seq.
func (s *Store) segmentPath(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("log.%020d", seq))
}
