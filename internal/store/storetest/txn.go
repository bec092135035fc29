package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

func txCases() []testCase {
	return []testCase{
		{"Rollback", testRollback},
		{"ViewErrorUnchanged", testViewErrorUnchanged},
		{"ReadOnly", testReadOnly},
		{"PanicRollsBack", testPanicRollsBack},
		{"SnapshotIsolation", testSnapshotIsolation},
		{"OnCommitOrder", testOnCommitOrder},
		{"OnCommitNotOnRollback", testOnCommitNotOnRollback},
		{"OnCommitInView", testOnCommitInView},
		{"OnCommitMayUpdate", testOnCommitMayUpdate},
	}
}

func testRollback(t *testing.T, s store.Store) {
	putStrings(t, s, "k", "v0", "gone", "still here")
	sentinel := errors.New("abort")
	for _, want := range []error{sentinel, fmt.Errorf("wrapped: %w", sentinel)} {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.Put("k", []byte("v1")); err != nil {
				return err
			}
			if err := tx.Put("new", []byte("x")); err != nil {
				return err
			}
			if err := tx.Delete("gone"); err != nil {
				return err
			}
			return want
		})
		if err != want {
			t.Fatalf("Update = %v, want the error fn returned, unchanged (%v)", err, want)
		}
		if !errors.Is(err, sentinel) {
			t.Fatalf("errors.Is(%v, sentinel) = false", err)
		}
		wantValue(t, s, "k", "v0")
		wantMissing(t, s, "new")
		wantValue(t, s, "gone", "still here")
	}
	// The store keeps working after rollbacks.
	putStrings(t, s, "k", "v2")
	wantValue(t, s, "k", "v2")
}

func testViewErrorUnchanged(t *testing.T, s store.Store) {
	sentinel := errors.New("view failed")
	wrapped := fmt.Errorf("context: %w", sentinel)
	if err := s.View(t.Context(), func(store.Tx) error { return wrapped }); err != wrapped {
		t.Fatalf("View = %v, want %v unchanged", err, wrapped)
	}
	// ErrNotFound passes through unchanged too.
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Get("missing")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("View returning Get's error = %v, want ErrNotFound", err)
	}
}

func testReadOnly(t *testing.T, s store.Store) {
	putStrings(t, s, "k", "v", "p/1", "x")
	mustView(t, s, func(tx store.Tx) error {
		checks := map[string]error{
			"Put":          tx.Put("k", []byte("w")),
			"Put new":      tx.Put("new", []byte("w")),
			"Delete":       tx.Delete("k"),
			"PutJSON":      store.PutJSON(tx, "j", 1),
			"DeletePrefix": store.DeletePrefix(tx, "p/"),
		}
		for name, err := range checks {
			if !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("%s in View = %v, want ErrReadOnly", name, err)
			}
		}
		if v, err := tx.Get("k"); err != nil || string(v) != "v" {
			t.Errorf("Get after refused writes = %q, %v; want v", v, err)
		}
		return nil
	})
	wantValue(t, s, "k", "v")
	wantValue(t, s, "p/1", "x")
	wantMissing(t, s, "new")
}

// testPanicRollsBack checks that a panic in fn propagates to the caller,
// discards fn's writes and leaves the store usable.
func testPanicRollsBack(t *testing.T, s store.Store) {
	putStrings(t, s, "k", "v0")
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.Put("k", []byte("v1")); err != nil {
				return err
			}
			if err := tx.Put("new", []byte("x")); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if recovered != "boom" {
		t.Fatalf("Update with a panicking fn: recovered %v, want the panic value boom", recovered)
	}
	wantValue(t, s, "k", "v0")
	wantMissing(t, s, "new")
	putStrings(t, s, "k", "v2")
	wantValue(t, s, "k", "v2")
}

func testSnapshotIsolation(t *testing.T, s store.Store) {
	putStrings(t, s, "k", "v1", "list/1", "")
	opened := make(chan struct{})
	proceed := make(chan struct{})
	viewDone := make(chan error, 1)
	go func() {
		viewDone <- s.View(t.Context(), func(tx store.Tx) error {
			before, err := tx.Get("k")
			if err != nil {
				return err
			}
			before = append([]byte(nil), before...)
			close(opened)
			<-proceed
			after, err := tx.Get("k")
			if err != nil {
				return err
			}
			if string(before) != "v1" || string(after) != "v1" {
				return fmt.Errorf("the view saw k = %q then %q, want v1 both times", before, after)
			}
			if _, err := tx.Get("list/2"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("the view saw a key committed after it started (Get: %v)", err)
			}
			var n int
			if err := tx.Scan("list/", "", func(string, []byte) (bool, error) { n++; return true, nil }); err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("the view's Scan saw %d keys, want the 1 that existed when it started", n)
			}
			return nil
		})
	}()
	select {
	case <-opened:
	case err := <-viewDone:
		t.Fatalf("View ended early: %v", err)
	}
	updated := make(chan error, 1)
	go func() {
		updated <- s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.Put("k", []byte("v2")); err != nil {
				return err
			}
			return tx.Put("list/2", nil)
		})
	}()
	select {
	case err := <-updated:
		if err != nil {
			t.Fatalf("Update while a View is open: %v", err)
		}
	case <-time.After(10 * time.Second):
		close(proceed)
		t.Fatal("Update blocked for 10s behind an open View")
	}
	// The commit is visible to new transactions while the old View is open.
	wantValue(t, s, "k", "v2")
	close(proceed)
	if err := <-viewDone; err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "Scan after View ended", viewKeys(t, s, "list/", ""), []string{"list/1", "list/2"})
}

func testOnCommitOrder(t *testing.T, s store.Store) {
	var got []string
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Put("k", []byte("committed")); err != nil {
			return err
		}
		for _, name := range []string{"first", "second", "third"} {
			tx.OnCommit(func() {
				// A callback runs after the commit: new transactions see it.
				if v, ok := getString(t, s, "k"); !ok || v != "committed" {
					t.Errorf("callback %s saw k = %q, %v; want committed", name, v, ok)
				}
				got = append(got, name)
			})
		}
		if len(got) != 0 {
			t.Errorf("callbacks ran inside fn: %q", got)
		}
		return nil
	})
	// All callbacks have run by the time Update returns.
	wantKeys(t, "callback order", got, []string{"first", "second", "third"})
}

func testOnCommitNotOnRollback(t *testing.T, s store.Store) {
	ran := false
	sentinel := errors.New("abort")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		tx.OnCommit(func() { ran = true })
		if err := tx.Put("k", []byte("v")); err != nil {
			return err
		}
		return sentinel
	})
	if err != sentinel {
		t.Fatalf("Update = %v, want %v", err, sentinel)
	}
	if ran {
		t.Fatal("OnCommit callback ran for a rolled-back Update")
	}
	func() {
		defer func() { _ = recover() }()
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			tx.OnCommit(func() { ran = true })
			panic("boom")
		})
	}()
	if ran {
		t.Fatal("OnCommit callback ran for an Update whose fn panicked")
	}
}

// testOnCommitInView pins that a View "commits" when fn returns nil: its
// callbacks run then, and not when fn fails.
func testOnCommitInView(t *testing.T, s store.Store) {
	var ran []string
	mustView(t, s, func(tx store.Tx) error {
		tx.OnCommit(func() { ran = append(ran, "ok") })
		return nil
	})
	_ = s.View(t.Context(), func(tx store.Tx) error {
		tx.OnCommit(func() { ran = append(ran, "failed") })
		return errors.New("fail")
	})
	wantKeys(t, "View callbacks", ran, []string{"ok"})
}

// testOnCommitMayUpdate checks that callbacks run outside the transaction:
// starting another Update from one must not deadlock.
func testOnCommitMayUpdate(t *testing.T, s store.Store) {
	done := make(chan error, 1)
	go func() {
		done <- s.Update(t.Context(), func(tx store.Tx) error {
			tx.OnCommit(func() {
				if err := s.Update(t.Context(), func(tx store.Tx) error {
					return tx.Put("from-callback", []byte("y"))
				}); err != nil {
					t.Errorf("Update from callback: %v", err)
				}
			})
			return tx.Put("outer", []byte("x"))
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Update from an OnCommit callback deadlocked")
	}
	wantValue(t, s, "outer", "x")
	wantValue(t, s, "from-callback", "y")
}
