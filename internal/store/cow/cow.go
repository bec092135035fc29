// Package cow holds the copy-on-write B-tree and the transaction over it
// that the in-memory stores share: the memory store, and the log store,
// which keeps the same tree in memory and a log of its changes on disk.
//
// A committed tree is never modified again, so readers need no locks. A
// writer works on a Copy of the committed tree (cheap: nodes are copied
// only when first changed) and publishes it, or drops it, when done.
package cow

import (
	"errors"
	"strings"

	"github.com/tidwall/btree"

	"github.com/orgstack/orgstack/internal/store"
)

// Item is one key-value pair in a tree. Value is never modified after the
// item is inserted: Put stores a private copy and overwrites replace the
// whole item.
type Item struct {
	Key   string
	Value []byte
}

// Tree is the ordered set of items.
type Tree = btree.BTreeG[Item]

func lessItem(a, b Item) bool { return a.Key < b.Key }

// NewTree returns an empty tree without internal locking, of degree 16
// (up to 31 items a node).
//
// A write copies the nodes on its path, so the degree decides the garbage
// each write leaves: at the library's default of 32 copying nodes was 43%
// of the server's allocation under a write load, at 16 about 23%, while
// reads stay shallow.
//
// Locking is unnecessary because a published tree is only ever read:
// writers mutate a private Copy. Copy does write the source tree's
// copy-on-write generation id, but only under the writer's lock, and read
// paths never load that field. Built-in locks would instead make a writer's
// Copy wait for every reader in the middle of a Scan.
func NewTree() *Tree {
	return btree.NewBTreeGOptions(lessItem, btree.Options{NoLocks: true, Degree: 16})
}

// Load builds a tree from records sorted by key (store.SortRecords), keeping
// its own copies of the values, and returns it with the total length of
// its keys and values.
func Load(sorted []store.Record) (*Tree, int64) {
	tree := NewTree()
	var n int64
	for _, r := range sorted {
		tree.Load(Item{Key: r.Key, Value: append([]byte{}, r.Value...)})
		n += int64(len(r.Key) + len(r.Value))
	}
	return tree, n
}

// State is one committed version of the data: a tree and the total length
// of its keys and values. A published State, and the tree it points to, is
// never mutated again.
type State struct {
	Tree  *Tree
	Bytes int64
}

// View runs fn in a read-only transaction over st and then the callbacks
// fn registered with OnCommit. It returns fn's error unchanged (and then
// runs no callbacks).
func (st *State) View(fn func(store.Tx) error) error {
	t := NewView(st.Tree)
	if err := t.Run(fn); err != nil {
		return err
	}
	for _, f := range t.callbacks {
		f()
	}
	return nil
}

// Size returns the number of keys and the total length of keys and values.
func (st *State) Size() (keys, bytes int64) { return int64(st.Tree.Len()), st.Bytes }

// Op is one write of a transaction, as Tx records them: a Put of Value
// under Key, or a Delete of Key.
type Op struct {
	Key    string
	Value  []byte // the stored copy; nil for a Delete
	Delete bool
}

var (
	errEmptyKey = errors.New("store: empty key")
	// ErrTxDone is returned by a Tx used after its function returned.
	ErrTxDone = errors.New("store: transaction used after it ended")
	// ErrWriteInScan is returned by a write from inside a Scan callback.
	ErrWriteInScan = errors.New("store: write inside a Scan callback")
)

// Tx is a transaction over a tree. A read-only Tx reads a published tree; a
// writable one owns a private copy-on-write clone that its store publishes
// on success. Like every store.Tx it is used by one goroutine at a time.
type Tx struct {
	tree      *Tree
	bytes     int64
	writable  bool
	record    bool
	done      bool
	scanning  int // depth of Scan calls in progress
	callbacks []func()
	ops       []Op
	undo      []undo
}

// undo is how to take back one recorded write: put prev back, or delete
// key if there was nothing before.
type undo struct {
	key  string
	prev Item
	had  bool
}

var _ store.Tx = (*Tx)(nil)

// NewView returns a read-only transaction over tree.
func NewView(tree *Tree) *Tx { return &Tx{tree: tree} }

// NewUpdate returns a writable transaction that changes clone, a private
// Copy of the committed tree whose keys and values total bytes. With
// record set it keeps a list of its writes (Ops), and can take them back
// (Rollback), so that several transactions can run one after the other on
// one clone.
func NewUpdate(clone *Tree, bytes int64, record bool) *Tx {
	return &Tx{tree: clone, bytes: bytes, writable: true, record: record}
}

// Run calls fn and marks the transaction ended when fn returns or panics,
// so a leaked Tx cannot modify a tree that has since been published.
func (t *Tx) Run(fn func(store.Tx) error) error {
	defer func() { t.done = true }()
	return fn(t)
}

// Tree returns the transaction's tree: for an Update, the new state.
func (t *Tx) Tree() *Tree { return t.tree }

// Bytes returns the total length of the keys and values in Tree.
func (t *Tx) Bytes() int64 { return t.bytes }

// Callbacks returns the functions registered with OnCommit, in order.
func (t *Tx) Callbacks() []func() { return t.callbacks }

// Ops returns the writes of a recording Update, in order.
func (t *Tx) Ops() []Op { return t.ops }

// Rollback takes back the writes of a recording Update, newest first,
// leaving its tree with the items it had before (and Bytes as before). The
// transaction must have ended.
func (t *Tx) Rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := t.undo[i]
		if it, ok := t.tree.Get(Item{Key: u.key}); ok {
			t.bytes -= int64(len(it.Key) + len(it.Value))
			t.tree.Delete(Item{Key: u.key})
		}
		if u.had {
			t.tree.Set(u.prev)
			t.bytes += int64(len(u.prev.Key) + len(u.prev.Value))
		}
	}
	t.undo, t.ops, t.callbacks = nil, nil, nil
}

// Get returns the stored value itself, not a copy. It stays valid after
// the transaction (stored values are never modified), but callers must not
// modify it.
func (t *Tx) Get(key string) ([]byte, error) {
	if t.done {
		return nil, ErrTxDone
	}
	it, ok := t.tree.Get(Item{Key: key})
	if !ok {
		return nil, store.ErrNotFound
	}
	return it.Value, nil
}

func (t *Tx) checkWrite(key string) error {
	switch {
	case t.done:
		return ErrTxDone
	case !t.writable:
		return store.ErrReadOnly
	case key == "":
		return errEmptyKey
	case t.scanning > 0:
		return ErrWriteInScan
	}
	return nil
}

// Put stores a copy of value under key.
func (t *Tx) Put(key string, value []byte) error {
	if err := t.checkWrite(key); err != nil {
		return err
	}
	v := make([]byte, len(value))
	copy(v, value)
	prev, replaced := t.tree.Set(Item{Key: key, Value: v})
	t.bytes += int64(len(key) + len(v))
	if replaced {
		t.bytes -= int64(len(prev.Key) + len(prev.Value))
	}
	if t.record {
		t.ops = append(t.ops, Op{Key: key, Value: v})
		t.undo = append(t.undo, undo{key: key, prev: prev, had: replaced})
	}
	return nil
}

// Delete removes key if present.
func (t *Tx) Delete(key string) error {
	if err := t.checkWrite(key); err != nil {
		if errors.Is(err, errEmptyKey) {
			return nil // an empty key is never stored
		}
		return err
	}
	if prev, ok := t.tree.Delete(Item{Key: key}); ok {
		t.bytes -= int64(len(prev.Key) + len(prev.Value))
		if t.record {
			t.ops = append(t.ops, Op{Key: key, Delete: true})
			t.undo = append(t.undo, undo{key: key, prev: prev, had: true})
		}
	}
	return nil
}

// Scan walks the keys under prefix that sort after `after`, starting with
// a tree seek to the larger of the two. Writes from fn return an error
// rather than corrupting the walk.
func (t *Tx) Scan(prefix, after string, fn func(key string, value []byte) (bool, error)) error {
	if t.done {
		return ErrTxDone
	}
	start := prefix
	if after > start {
		start = after
	}
	t.scanning++
	defer func() { t.scanning-- }()
	var err error
	t.tree.Ascend(Item{Key: start}, func(it Item) bool {
		if !strings.HasPrefix(it.Key, prefix) {
			return false
		}
		if it.Key <= after {
			return true // only it.Key == after can reach here
		}
		var more bool
		more, err = fn(it.Key, it.Value)
		return err == nil && more
	})
	return err
}

// OnCommit registers f. It panics if the transaction has already ended,
// because f could then never run at the right moment.
func (t *Tx) OnCommit(f func()) {
	if t.done {
		panic("store: OnCommit called after the transaction ended")
	}
	t.callbacks = append(t.callbacks, f)
}

// Writable reports whether t belongs to an Update.
func (t *Tx) Writable() bool { return t.writable }
