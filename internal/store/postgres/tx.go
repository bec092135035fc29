package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orgstack/orgstack/internal/store"
)

// scanBatch is how many rows Scan reads per query. Rows are read into
// memory a batch at a time so that fn may call Get while scanning.
const scanBatch = 256

// tx is one PostgreSQL transaction as a store.Tx.
type tx struct {
	ctx      context.Context
	s        *Store
	pt       pgx.Tx
	writable bool
	onCommit []func()
	// writes holds the transaction's writes not yet sent to the server
	// (nil for a delete); they go in one batch before the next Scan and
	// at commit, rather than one round trip per Put.
	writes map[string][]byte
	// conflict is the first serialization failure or deadlock PostgreSQL
	// reported: the transaction is doomed and the store runs fn again.
	conflict error
	// failed is the first other database error: the transaction is
	// aborted, so every later statement fails with it.
	failed error
}

// check reports an error that makes every later statement pointless.
func (t *tx) check() error {
	if t.conflict != nil {
		return t.conflict
	}
	return t.failed
}

// fail records a database error and returns it.
func (t *tx) fail(err error) error {
	if retryable(err) {
		if t.conflict == nil {
			t.conflict = err
		}
		return err
	}
	if t.s.closed.Load() {
		return store.ErrClosed
	}
	if t.failed == nil {
		t.failed = fmt.Errorf("postgres: %w", err)
	}
	return t.failed
}

// Get implements store.Tx.
func (t *tx) Get(key string) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if v, ok := t.writes[key]; ok {
		if v == nil {
			return nil, store.ErrNotFound
		}
		return v, nil
	}
	var v []byte
	err := t.pt.QueryRow(t.ctx, `SELECT value FROM `+t.s.table()+` WHERE key = $1`, []byte(key)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, t.fail(err)
	}
	return v, nil
}

// Put implements store.Tx.
func (t *tx) Put(key string, value []byte) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	if key == "" {
		return errors.New("postgres: empty key")
	}
	if err := t.check(); err != nil {
		return err
	}
	t.buffer(key, append(make([]byte, 0, len(value)), value...))
	return nil
}

// buffer records a write (value nil: a delete) until the next flush.
func (t *tx) buffer(key string, value []byte) {
	if t.writes == nil {
		t.writes = map[string][]byte{}
	}
	t.writes[key] = value
}

// flushRows and flushBytes bound one batch of writes.
const (
	flushRows  = 1000
	flushBytes = 8 << 20
)

// flush sends the buffered writes: deletes in one statement, puts in
// batches of upserts.
func (t *tx) flush() error {
	if err := t.check(); err != nil {
		return err
	}
	if len(t.writes) == 0 {
		return nil
	}
	var dels, keys, vals [][]byte
	size := 0
	upsert := func() error {
		if len(keys) == 0 {
			return nil
		}
		_, err := t.pt.Exec(t.ctx, `INSERT INTO `+t.s.table()+` (key, value)
			SELECT * FROM unnest($1::bytea[], $2::bytea[])
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, keys, vals)
		keys, vals, size = keys[:0], vals[:0], 0
		if err != nil {
			return t.fail(err)
		}
		return nil
	}
	for k, v := range t.writes {
		if v == nil {
			dels = append(dels, []byte(k))
			continue
		}
		keys, vals = append(keys, []byte(k)), append(vals, v)
		size += len(k) + len(v)
		if len(keys) >= flushRows || size >= flushBytes {
			if err := upsert(); err != nil {
				return err
			}
		}
	}
	if err := upsert(); err != nil {
		return err
	}
	if len(dels) > 0 {
		if _, err := t.pt.Exec(t.ctx, `DELETE FROM `+t.s.table()+` WHERE key = ANY($1::bytea[])`, dels); err != nil {
			return t.fail(err)
		}
	}
	t.writes = nil
	return nil
}

// Delete implements store.Tx.
func (t *tx) Delete(key string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	if err := t.check(); err != nil {
		return err
	}
	t.buffer(key, nil)
	return nil
}

// upperBound is the smallest byte string greater than every string that
// starts with prefix, or nil when there is none (prefix empty or all
// 0xff).
func upperBound(prefix string) []byte {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

// Scan implements store.Tx, a batch of rows at a time.
func (t *tx) Scan(prefix, after string, fn func(key string, value []byte) (bool, error)) error {
	if err := t.flush(); err != nil {
		return err
	}
	lo := []byte(prefix)
	strict := false
	if after != "" && after >= prefix {
		lo, strict = []byte(after), true
	}
	hi := upperBound(prefix)
	for {
		op := ">="
		if strict {
			op = ">"
		}
		q := `SELECT key, value FROM ` + t.s.table() + ` WHERE key ` + op + ` $1`
		args := []any{lo}
		if hi != nil {
			q += ` AND key < $2`
			args = append(args, hi)
		}
		q += ` ORDER BY key LIMIT ` + fmt.Sprint(scanBatch)
		rows, err := t.pt.Query(t.ctx, q, args...)
		if err != nil {
			return t.fail(err)
		}
		type kv struct{ k, v []byte }
		var batch []kv
		for rows.Next() {
			var r kv
			if err := rows.Scan(&r.k, &r.v); err != nil {
				rows.Close()
				return t.fail(err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.fail(err)
		}
		for _, r := range batch {
			more, err := fn(string(r.k), r.v)
			if err != nil || !more {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		lo, strict = batch[len(batch)-1].k, true
	}
}

// runCallbacks runs the OnCommit callbacks once the transaction is over.
func (t *tx) runCallbacks() {
	for _, f := range t.onCommit {
		f()
	}
}

// OnCommit implements store.Tx.
func (t *tx) OnCommit(f func()) { t.onCommit = append(t.onCommit, f) }

// Writable implements store.Tx.
func (t *tx) Writable() bool { return t.writable }
