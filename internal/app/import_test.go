package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/bolt"
)

// A data directory an earlier version kept in orgstack.db starts with
// that state, and the bolt file is set aside as orgstack.db.imported.
func TestImportsBoltFile(t *testing.T) {
	dir := t.TempDir()
	old, err := bolt.Open(filepath.Join(dir, boltFile), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"probe/a": "1", "probe/b": "", "probe/c": "three"}
	if err := old.Update(context.Background(), func(tx store.Tx) error {
		for k, v := range want {
			if err := tx.Put(k, []byte(v)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	start := func() *Main {
		t.Helper()
		m := NewMain()
		m.Config.Addr = "127.0.0.1:0"
		m.Config.DataDir = dir
		m.Config.LogLevel = "error"
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m
	}
	check := func(m *Main) {
		t.Helper()
		got := map[string]string{}
		if err := m.Store.View(context.Background(), func(tx store.Tx) error {
			return tx.Scan("probe/", "", func(k string, v []byte) (bool, error) {
				got[k] = string(v)
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("records %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s = %q, want %q", k, got[k], v)
			}
		}
	}
	m := start()
	check(m)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, boltFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still in place (%v)", boltFile, err)
	}
	if _, err := os.Stat(filepath.Join(dir, boltFile+".imported")); err != nil {
		t.Errorf("the imported file was not kept: %v", err)
	}
	// The next start reads the new store, and still has the state.
	m = start()
	defer m.Close()
	check(m)
}
