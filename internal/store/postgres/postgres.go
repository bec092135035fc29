// Package postgres is a store.Store in PostgreSQL, so that several
// orgstack processes can share one state.
//
// Every key/value pair is a row of one table (key bytea primary key,
// value bytea) in the store's schema. Update transactions are
// SERIALIZABLE and retried, transparently, when PostgreSQL reports a
// serialization failure or a deadlock: two processes racing on the same
// records behave as if one ran after the other. View transactions are
// REPEATABLE READ, READ ONLY: a consistent snapshot. A commit returns once
// PostgreSQL has made it durable.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orgstack/orgstack/internal/store"
)

// schemaVersion is the version of the tables this code reads and writes;
// Open migrates older schemas to it.
const schemaVersion = 1

// maxAttempts bounds the retries of an Update that keeps conflicting.
const maxAttempts = 100

// Store is a store.Store in PostgreSQL. It is safe for concurrent use by
// any number of goroutines and processes.
type Store struct {
	pool   *pgxpool.Pool
	schema string
	closed atomic.Bool
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Wiper = (*Store)(nil)
	_ store.Sizer = (*Store)(nil)
)

var schemaRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the database of a postgres:// URL and makes sure the
// store's schema exists at the current version. The URL may carry
// schema=<name> (default "orgstack"): the schema holding the store's
// tables, so that several independent states can share one database.
// Other parameters are pgx's (pool_max_conns, sslmode, ...).
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("postgres: %q is not a postgres:// URL", redact(rawURL))
	}
	q := u.Query()
	schema := q.Get("schema")
	q.Del("schema")
	u.RawQuery = q.Encode()
	if schema == "" {
		schema = "orgstack"
	}
	if !schemaRE.MatchString(schema) {
		return nil, fmt.Errorf("postgres: schema %q is not a lower-case identifier", schema)
	}
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, schema: schema}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// redact hides a URL's password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL"
	}
	return u.Redacted()
}

func (s *Store) table() string { return pgx.Identifier{s.schema, "kv"}.Sanitize() }
func (s *Store) metaTable() string {
	return pgx.Identifier{s.schema, "meta"}.Sanitize()
}

// migrate creates the schema, or upgrades it, under an advisory lock so
// that processes starting together don't race.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "orgstack-migrate:"+s.schema); err != nil {
		return fmt.Errorf("postgres: locking the schema: %w", err)
	}
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + pgx.Identifier{s.schema}.Sanitize(),
		`CREATE TABLE IF NOT EXISTS ` + s.metaTable() + ` (name text PRIMARY KEY, value text NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + s.table() + ` (key bytea PRIMARY KEY, value bytea NOT NULL)`,
	}
	for _, st := range stmts {
		if _, err := tx.Exec(ctx, st); err != nil {
			return fmt.Errorf("postgres: creating the schema: %w", err)
		}
	}
	var version int
	err = tx.QueryRow(ctx, `SELECT value::int FROM `+s.metaTable()+` WHERE name = 'schema_version'`).Scan(&version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		version = 0
	case err != nil:
		return fmt.Errorf("postgres: reading the schema version: %w", err)
	}
	if version > schemaVersion {
		return fmt.Errorf("postgres: schema %s is at version %d, newer than this orgstack understands (%d)", s.schema, version, schemaVersion)
	}
	// Version 1 is the first; later versions add their steps here.
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.metaTable()+` (name, value) VALUES ('schema_version', $1)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, fmt.Sprint(schemaVersion)); err != nil {
		return fmt.Errorf("postgres: recording the schema version: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	for attempt := 1; ; attempt++ {
		t, ferr, err := s.attempt(ctx, false, fn)
		if err != nil {
			return err
		}
		if t.conflict == nil {
			if ferr == nil {
				t.runCallbacks()
			}
			return ferr
		}
		if attempt >= maxAttempts || ctx.Err() != nil {
			if ferr == nil {
				ferr = t.conflict
			}
			return ferr
		}
		backoff(attempt)
	}
}

// Update implements store.Store. fn runs again when the transaction
// conflicts with another (serialization failure, deadlock), whatever fn
// made of the error it saw.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	for attempt := 1; ; attempt++ {
		t, ferr, err := s.attempt(ctx, true, fn)
		if err != nil {
			return err
		}
		if t.conflict == nil {
			if ferr == nil {
				t.runCallbacks()
			}
			return ferr
		}
		if attempt >= maxAttempts || ctx.Err() != nil {
			return fmt.Errorf("postgres: transaction kept conflicting after %d attempts: %w", attempt, t.conflict)
		}
		backoff(attempt)
	}
}

// attempt runs fn once in a new transaction and, for an Update whose fn
// succeeded, commits it. The transaction is always finished, even when fn
// panics (the panic then goes on up). err reports a failure to start or
// commit that is not a conflict; t.conflict a conflict worth retrying.
func (s *Store) attempt(ctx context.Context, writable bool, fn func(tx store.Tx) error) (t *tx, ferr, err error) {
	opts := pgx.TxOptions{IsoLevel: pgx.Serializable}
	if !writable {
		opts = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	}
	pt, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, s.connErr(err)
	}
	t = &tx{ctx: ctx, s: s, pt: pt, writable: writable}
	done := false
	defer func() {
		if !done {
			// A rollback must reach the server even when ctx has ended,
			// or the connection would go back to the pool mid-transaction.
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = pt.Rollback(rctx)
			cancel()
		}
	}()
	ferr = fn(t)
	if ferr == nil && t.conflict == nil && t.failed != nil {
		// fn went on past a database error: nothing it did can commit.
		return t, nil, t.failed
	}
	if !writable || ferr != nil || t.check() != nil {
		return t, ferr, nil
	}
	if err := t.flush(); err != nil {
		if t.conflict != nil {
			return t, nil, nil
		}
		return t, nil, err
	}
	done = true
	if cerr := pt.Commit(ctx); cerr != nil {
		if retryable(cerr) {
			t.conflict = cerr
			return t, nil, nil
		}
		return t, nil, s.connErr(fmt.Errorf("commit: %w", cerr))
	}
	return t, nil, nil
}

// backoff waits a little, longer after each conflict, with jitter.
func backoff(attempt int) {
	d := time.Duration(min(attempt, 10)) * time.Millisecond
	time.Sleep(d + time.Duration(rand.Int64N(int64(d)+1)))
}

// retryable reports whether err is a conflict that a new attempt may not
// meet: serialization failure or deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

func (s *Store) connErr(err error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return fmt.Errorf("postgres: %w", err)
}

// Close implements store.Store.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return store.ErrClosed
	}
	s.pool.Close()
	return nil
}

// Wipe implements store.Wiper: one TRUNCATE, atomic for everyone.
func (s *Store) Wipe(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	_, err := s.pool.Exec(ctx, `TRUNCATE `+s.table())
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// Replace implements store.Store: one SERIALIZABLE transaction deletes
// every row and copies records in (DELETE rather than TRUNCATE, which is
// not MVCC-safe: a concurrent snapshot could see an empty table). It is
// retried, like Update, when it conflicts with other transactions.
func (s *Store) Replace(ctx context.Context, records []store.Record) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	sorted, err := store.SortRecords(records)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.replaceOnce(ctx, sorted)
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return s.connErr(err)
		}
		if attempt >= maxAttempts || ctx.Err() != nil {
			return fmt.Errorf("postgres: replace kept conflicting after %d attempts: %w", attempt, err)
		}
		backoff(attempt)
	}
}

func (s *Store) replaceOnce(ctx context.Context, records []store.Record) error {
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = pt.Rollback(rctx)
		cancel()
	}()
	if _, err := pt.Exec(ctx, `DELETE FROM `+s.table()); err != nil {
		return err
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(records) {
			return nil, nil
		}
		r := records[i]
		i++
		v := r.Value
		if v == nil {
			v = []byte{}
		}
		return []any{[]byte(r.Key), v}, nil
	})
	if _, err := pt.CopyFrom(ctx, pgx.Identifier{s.schema, "kv"}, []string{"key", "value"}, src); err != nil {
		return err
	}
	return pt.Commit(ctx)
}

// Size implements store.Sizer.
func (s *Store) Size() (keys, bytes int64, err error) {
	if s.closed.Load() {
		return 0, 0, store.ErrClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(length(key) + length(value)), 0) FROM `+s.table()).Scan(&keys, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: %w", err)
	}
	return keys, bytes, nil
}
