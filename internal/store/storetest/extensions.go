package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

func extensionCases() []testCase {
	return []testCase{
		{"Wipe", testWipe},
		{"WipeFallback", testWipeFallback},
		{"Sizer", testSizer},
	}
}

// hideExtensions wraps s so that only the store.Store methods are visible,
// forcing helpers onto their generic code paths.
type hideExtensions struct{ store.Store }

func fillForWipe(t *testing.T, s store.Store) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range 300 {
			if err := tx.Put(fmt.Sprintf("%c/%03d", 'a'+i%3, i), []byte("value")); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkWiped(t *testing.T, s store.Store) {
	t.Helper()
	wantKeys(t, "keys after Wipe", viewKeys(t, s, "", ""), []string{})
	wantMissing(t, s, "a/000")
	// The store is still usable.
	putStrings(t, s, "after", "wipe")
	wantValue(t, s, "after", "wipe")
	wantKeys(t, "keys after Wipe and Put", viewKeys(t, s, "", ""), []string{"after"})
}

func testWipe(t *testing.T, s store.Store) {
	if _, ok := s.(store.Wiper); !ok {
		t.Log("backend does not implement store.Wiper; testing the fallback")
	}
	fillForWipe(t, s)
	if err := store.Wipe(t.Context(), s); err != nil {
		t.Fatalf("Wipe: %v", err)
	}
	checkWiped(t, s)
	// Wiping an empty store is fine.
	if err := store.Wipe(t.Context(), s); err != nil {
		t.Fatalf("Wipe of a near-empty store: %v", err)
	}
	wantKeys(t, "keys after second Wipe", viewKeys(t, s, "", ""), []string{})
}

func testWipeFallback(t *testing.T, s store.Store) {
	fillForWipe(t, s)
	if err := store.Wipe(t.Context(), hideExtensions{s}); err != nil {
		t.Fatalf("Wipe through the fallback: %v", err)
	}
	checkWiped(t, s)
}

func testSizer(t *testing.T, s store.Store) {
	sz, ok := s.(store.Sizer)
	if !ok {
		t.Skip("backend does not implement store.Sizer")
	}
	size := func() (int64, int64) {
		t.Helper()
		keys, bytes, err := sz.Size()
		if err != nil {
			t.Fatalf("Size: %v", err)
		}
		if keys < 0 || bytes < 0 {
			t.Fatalf("Size = %d keys, %d bytes; want non-negative", keys, bytes)
		}
		return keys, bytes
	}
	if keys, _ := size(); keys != 0 {
		t.Fatalf("empty store: Size reports %d keys", keys)
	}
	value := make([]byte, 100)
	var logical int64
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range 50 {
			k := fmt.Sprintf("size/%02d", i)
			logical += int64(len(k) + len(value))
			if err := tx.Put(k, value); err != nil {
				return err
			}
		}
		return nil
	})
	keys, bytes := size()
	if keys != 50 {
		t.Fatalf("after 50 Puts: Size reports %d keys", keys)
	}
	if bytes < logical {
		t.Fatalf("after 50 Puts: Size reports %d bytes, less than the %d bytes of keys and values", bytes, logical)
	}
	// Overwrites and rolled-back writes do not change the key count.
	putStrings(t, s, "size/00", "x", "size/01", "y")
	_ = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Put("size/new", nil); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if keys, _ := size(); keys != 50 {
		t.Fatalf("after overwrites and a rollback: Size reports %d keys, want 50", keys)
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range 10 {
			if err := tx.Delete(fmt.Sprintf("size/%02d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if keys, _ := size(); keys != 40 {
		t.Fatalf("after 10 Deletes: Size reports %d keys, want 40", keys)
	}
	if err := store.Wipe(t.Context(), s); err != nil {
		t.Fatalf("Wipe: %v", err)
	}
	if keys, _ := size(); keys != 0 {
		t.Fatalf("after Wipe: Size reports %d keys, want 0", keys)
	}
}
