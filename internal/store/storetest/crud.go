package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

func crudCases() []testCase {
	return []testCase{
		{"GetMissing", testGetMissing},
		{"PutGet", testPutGet},
		{"PutCopiesValue", testPutCopiesValue},
		{"EmptyValue", testEmptyValue},
		{"EmptyKeyRejected", testEmptyKeyRejected},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"GetBetweenWrites", testGetBetweenWrites},
		{"Writable", testWritable},
		{"Helpers", testHelpers},
	}
}

func testGetMissing(t *testing.T, s store.Store) {
	check := func(tx store.Tx) error {
		v, err := tx.Get("missing")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(missing) = %q, %v; want ErrNotFound", v, err)
		}
		return nil
	}
	mustView(t, s, check)
	mustUpdate(t, s, check)
	putStrings(t, s, "missing0", "x", "missin", "y")
	mustView(t, s, check)
}

func testPutGet(t *testing.T, s store.Store) {
	binary := string([]byte{0, 1, 2, 0xff, 0xfe, 0})
	putStrings(t, s,
		"a/b", "v1",
		"k\x00\xff", binary,
		"unicode/é", "ü",
	)
	wantValue(t, s, "a/b", "v1")
	wantValue(t, s, "k\x00\xff", binary)
	wantValue(t, s, "unicode/é", "ü")
	wantMissing(t, s, "a")
	wantMissing(t, s, "a/b/")
}

func testPutCopiesValue(t *testing.T, s store.Store) {
	buf := []byte("original")
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Put("k", buf); err != nil {
			return err
		}
		copy(buf, "CHANGED!")
		got, err := tx.Get("k")
		if err != nil {
			return err
		}
		if string(got) != "original" {
			t.Errorf("in-tx Get after caller reused buffer = %q, want %q", got, "original")
		}
		copy(buf, "original")
		return nil
	})
	copy(buf, "mutated!")
	wantValue(t, s, "k", "original")
}

func testEmptyValue(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Put("nil", nil); err != nil {
			return err
		}
		return tx.Put("empty", []byte{})
	})
	mustView(t, s, func(tx store.Tx) error {
		for _, k := range []string{"nil", "empty"} {
			v, err := tx.Get(k)
			if err != nil || len(v) != 0 {
				t.Errorf("Get(%q) = %q, %v; want empty value, nil", k, v, err)
			}
			if ok, err := store.Exists(tx, k); !ok || err != nil {
				t.Errorf("Exists(%q) = %v, %v; want true, nil", k, ok, err)
			}
		}
		wantKeys(t, "Scan over empty values", scanKeys(t, tx, "", ""), []string{"empty", "nil"})
		return nil
	})
}

func testEmptyKeyRejected(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.Put("", []byte("v"))
	})
	if err == nil {
		t.Fatal("Put with an empty key succeeded; want an error")
	}
	wantKeys(t, "keys after rejected Put", viewKeys(t, s, "", ""), []string{})
}

func testOverwrite(t *testing.T, s store.Store) {
	putStrings(t, s, "k", "short")
	putStrings(t, s, "k", "a much longer value than before")
	wantValue(t, s, "k", "a much longer value than before")
	putStrings(t, s, "k", "s")
	wantValue(t, s, "k", "s")
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, v := range []string{"one", "two", "three"} {
			if err := tx.Put("k", []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	wantValue(t, s, "k", "three")
	wantKeys(t, "keys after overwrites", viewKeys(t, s, "", ""), []string{"k"})
}

func testDelete(t *testing.T, s store.Store) {
	putStrings(t, s, "a", "1", "b", "2", "c", "3")
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Delete("b"); err != nil {
			return err
		}
		if _, err := tx.Get("b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after Delete in the same tx: %v, want ErrNotFound", err)
		}
		if err := tx.Delete("never-existed"); err != nil {
			t.Errorf("Delete(missing) = %v, want nil", err)
		}
		if err := tx.Delete("b"); err != nil {
			t.Errorf("second Delete = %v, want nil", err)
		}
		// Delete then Put resurrects; Put then Delete removes.
		if err := tx.Delete("c"); err != nil {
			return err
		}
		if err := tx.Put("c", []byte("3b")); err != nil {
			return err
		}
		if err := tx.Put("d", []byte("4")); err != nil {
			return err
		}
		return tx.Delete("d")
	})
	wantValue(t, s, "a", "1")
	wantMissing(t, s, "b")
	wantValue(t, s, "c", "3b")
	wantMissing(t, s, "d")
	wantKeys(t, "keys after deletes", viewKeys(t, s, "", ""), []string{"a", "c"})
}

// testGetBetweenWrites checks that Gets interleaved with many writes in
// one transaction each see the transaction's latest state, also when the
// writes grow the data past what a first Get looked at.
func testGetBetweenWrites(t *testing.T, s store.Store) {
	putStrings(t, s, "a", "1")
	mustUpdate(t, s, func(tx store.Tx) error {
		if v, err := tx.Get("a"); err != nil || string(v) != "1" {
			t.Errorf("Get(a) = %q, %v; want 1", v, err)
		}
		for i := range 500 {
			k := fmt.Sprintf("k/%04d", i)
			if err := tx.Put(k, []byte(k)); err != nil {
				return err
			}
			if v, err := tx.Get(k); err != nil || string(v) != k {
				t.Fatalf("Get(%s) right after Put = %q, %v", k, v, err)
			}
		}
		for i := 0; i < 500; i += 7 {
			k := fmt.Sprintf("k/%04d", i)
			if v, err := tx.Get(k); err != nil || string(v) != k {
				t.Errorf("Get(%s) = %q, %v", k, v, err)
			}
		}
		if err := tx.Delete("a"); err != nil {
			return err
		}
		if _, err := tx.Get("a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(a) after Delete: %v, want ErrNotFound", err)
		}
		if err := tx.Put("a", []byte("again")); err != nil {
			return err
		}
		if v, err := tx.Get("a"); err != nil || string(v) != "again" {
			t.Errorf("Get(a) after Put again = %q, %v", v, err)
		}
		return nil
	})
	wantValue(t, s, "a", "again")
	wantValue(t, s, "k/0499", "k/0499")
}

func testWritable(t *testing.T, s store.Store) {
	mustView(t, s, func(tx store.Tx) error {
		if tx.Writable() {
			t.Error("View tx reports Writable() = true")
		}
		return nil
	})
	mustUpdate(t, s, func(tx store.Tx) error {
		if !tx.Writable() {
			t.Error("Update tx reports Writable() = false")
		}
		return nil
	})
}

// testHelpers checks the package-level helpers against the backend.
func testHelpers(t *testing.T, s store.Store) {
	type rec struct {
		Name string
		N    int
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := store.PutJSON(tx, "rec/1", rec{"one", 1}); err != nil {
			return err
		}
		for _, k := range []string{"p/1", "p/2", "p/3/x", "p0", "p", "o"} {
			if err := tx.Put(k, []byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, s, func(tx store.Tx) error {
		var r rec
		if err := store.GetJSON(tx, "rec/1", &r); err != nil || r != (rec{"one", 1}) {
			t.Errorf("GetJSON = %+v, %v; want {one 1}, nil", r, err)
		}
		if err := store.GetJSON(tx, "rec/2", &r); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJSON(missing) = %v, want ErrNotFound", err)
		}
		if ok, err := store.Exists(tx, "rec/2"); ok || err != nil {
			t.Errorf("Exists(missing) = %v, %v; want false, nil", ok, err)
		}
		return nil
	})
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeletePrefix(tx, "p/") })
	wantKeys(t, "keys after DeletePrefix(p/)", viewKeys(t, s, "", ""), []string{"o", "p", "p0", "rec/1"})
}
