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
