package cow

import (
	"reflect"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// A recording Update lists its writes in order, with the values as
// stored, and leaves out deletes of missing keys (they change nothing);
// the committed tree it was cloned from is untouched.
func TestUpdateRecordsOps(t *testing.T) {
	committed, n := Load([]store.Record{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}})
	tx := NewUpdate(committed.Copy(), n, true)
	value := []byte("3")
	if err := tx.Run(func(tx store.Tx) error {
		if err := tx.Put("c", value); err != nil {
			return err
		}
		value[0] = 'x' // the caller's slice is not the stored value
		if err := tx.Delete("a"); err != nil {
			return err
		}
		if err := tx.Delete("missing"); err != nil {
			return err
		}
		return tx.Put("b", nil)
	}); err != nil {
		t.Fatal(err)
	}
	want := []Op{{Key: "c", Value: []byte("3")}, {Key: "a", Delete: true}, {Key: "b", Value: []byte{}}}
	if got := tx.Ops(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Ops() = %+v, want %+v", got, want)
	}
	if got, want := tx.Bytes(), int64(len("b")+len("c")+1); got != want {
		t.Errorf("Bytes() = %d, want %d", got, want)
	}
	if committed.Len() != 2 {
		t.Errorf("the committed tree changed: %d items", committed.Len())
	}
	if v, _ := NewView(committed).Get("a"); string(v) != "1" {
		t.Errorf("committed a = %q", v)
	}
	// Without recording, nothing is kept.
	plain := NewUpdate(committed.Copy(), n, false)
	_ = plain.Run(func(tx store.Tx) error { return tx.Put("d", nil) })
	if plain.Ops() != nil {
		t.Errorf("a non-recording Update kept %v", plain.Ops())
	}
}

// Rollback takes back a recording Update's writes on a shared clone: the
// items and Bytes are those before it, and a later Update on the same
// clone builds on that.
func TestRollback(t *testing.T) {
	committed, n := Load([]store.Record{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("22")}})
	clone := committed.Copy()
	failed := NewUpdate(clone, n, true)
	_ = failed.Run(func(tx store.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.Put("a", []byte("changed")) },
			func() error { return tx.Put("a", []byte("twice")) },
			func() error { return tx.Delete("b") },
			func() error { return tx.Put("b", []byte("back")) },
			func() error { return tx.Put("new", []byte("x")) },
			func() error { return tx.Delete("new") },
			func() error { return tx.Put("c", nil) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	failed.Rollback()
	if failed.Bytes() != n {
		t.Errorf("Bytes() = %d after Rollback, want %d", failed.Bytes(), n)
	}
	var got []string
	clone.Scan(func(it Item) bool { got = append(got, it.Key+"="+string(it.Value)); return true })
	if want := []string{"a=1", "b=22"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after Rollback: %v, want %v", got, want)
	}
	next := NewUpdate(clone, failed.Bytes(), true)
	if err := next.Run(func(tx store.Tx) error { return tx.Put("d", []byte("4")) }); err != nil {
		t.Fatal(err)
	}
	if clone.Len() != 3 || next.Bytes() != n+2 {
		t.Errorf("after the next Update: %d items, %d bytes", clone.Len(), next.Bytes())
	}
}
