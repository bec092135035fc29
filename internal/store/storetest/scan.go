package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

func scanCases() []testCase {
	return []testCase{
		{"ScanOrder", testScanOrder},
		{"ScanPrefixBounds", testScanPrefixBounds},
		{"ScanAfter", testScanAfter},
		{"ScanEarlyStop", testScanEarlyStop},
		{"ScanError", testScanError},
		{"ScanSeesOwnWrites", testScanSeesOwnWrites},
		{"ScanNestedReads", testScanNestedReads},
	}
}

func testScanOrder(t *testing.T, s store.Store) {
	keys := []string{
		"b", "a", "ab", "a\x00", "a\xff", "B", "~", "\x01", "aa", "a/", "é", "\xff\xff",
	}
	shuffled := append([]string(nil), keys...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, k := range shuffled {
		putStrings(t, s, k, "v:"+k) // one Update per key, in random order
	}
	mustView(t, s, func(tx store.Tx) error {
		var got []string
		err := tx.Scan("", "", func(k string, v []byte) (bool, error) {
			if string(v) != "v:"+k {
				t.Errorf("Scan value for %q = %q, want %q", k, v, "v:"+k)
			}
			got = append(got, k)
			return true, nil
		})
		wantKeys(t, "full Scan", got, sorted(keys))
		return err
	})
}

func testScanPrefixBounds(t *testing.T, s store.Store) {
	putStrings(t, s,
		"`", "",
		"a", "",
		"a.", "",
		"a/", "",
		"a/1", "",
		"a/2", "",
		"a/2/x", "",
		"a/\xff", "",
		"a0", "",
		"b/1", "",
		"\xff", "",
		"\xff\xff", "",
		"\xff\xffa", "",
	)
	cases := []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/", "a/1", "a/2", "a/2/x", "a/\xff"}},
		{"a/2", []string{"a/2", "a/2/x"}},
		{"a/2/", []string{"a/2/x"}},
		{"a0", []string{"a0"}},
		{"a", []string{"a", "a.", "a/", "a/1", "a/2", "a/2/x", "a/\xff", "a0"}},
		{"b/", []string{"b/1"}},
		{"c", []string{}},
		{"a/3", []string{}},
		{"\xff", []string{"\xff", "\xff\xff", "\xff\xffa"}},
		{"\xff\xff", []string{"\xff\xff", "\xff\xffa"}},
	}
	mustView(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			wantKeys(t, fmt.Sprintf("Scan(%q)", c.prefix), scanKeys(t, tx, c.prefix, ""), c.want)
		}
		return nil
	})
}

func testScanAfter(t *testing.T, s store.Store) {
	putStrings(t, s, "a/1", "", "a/2", "", "a/3", "", "a/4", "", "a/5", "", "a0", "", "a", "", "b", "")
	cases := []struct {
		prefix, after string
		want          []string
	}{
		{"a/", "a/2", []string{"a/3", "a/4", "a/5"}},
		{"a/", "a/25", []string{"a/3", "a/4", "a/5"}},
		{"a/", "a/5", []string{}},
		{"a/", "a/5\x00", []string{}},
		{"a/", "a/", []string{"a/1", "a/2", "a/3", "a/4", "a/5"}},
		{"a/", "0", []string{"a/1", "a/2", "a/3", "a/4", "a/5"}},
		{"a/", "a", []string{"a/1", "a/2", "a/3", "a/4", "a/5"}},
		{"a/", "a0", []string{}},
		{"a/", "b", []string{}},
		{"a", "a", []string{"a/1", "a/2", "a/3", "a/4", "a/5", "a0"}},
		{"a", "a/5", []string{"a0"}},
		{"", "a0", []string{"b"}},
		{"", "b", []string{}},
	}
	mustView(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			wantKeys(t, fmt.Sprintf("Scan(%q, after %q)", c.prefix, c.after), scanKeys(t, tx, c.prefix, c.after), c.want)
		}
		return nil
	})
}

func testScanEarlyStop(t *testing.T, s store.Store) {
	for i := range 10 {
		putStrings(t, s, fmt.Sprintf("k/%02d", i), "")
	}
	mustView(t, s, func(tx store.Tx) error {
		var got []string
		err := tx.Scan("k/", "", func(k string, _ []byte) (bool, error) {
			got = append(got, k)
			return len(got) < 3, nil
		})
		if err != nil {
			t.Errorf("Scan stopped early returned %v, want nil", err)
		}
		wantKeys(t, "Scan stopping after 3", got, []string{"k/00", "k/01", "k/02"})
		return nil
	})
}

func testScanError(t *testing.T, s store.Store) {
	putStrings(t, s, "k/1", "", "k/2", "", "k/3", "")
	sentinel := errors.New("stop here")
	wrapped := fmt.Errorf("scan callback: %w", sentinel)
	calls := 0
	err := s.View(t.Context(), func(tx store.Tx) error {
		return tx.Scan("k/", "", func(string, []byte) (bool, error) {
			calls++
			if calls == 2 {
				return true, wrapped
			}
			return true, nil
		})
	})
	if err != wrapped || !errors.Is(err, sentinel) {
		t.Fatalf("View with failing Scan = %v, want the callback's error unchanged", err)
	}
	if calls != 2 {
		t.Fatalf("Scan called fn %d times after it failed on call 2", calls)
	}
}

func testScanSeesOwnWrites(t *testing.T, s store.Store) {
	putStrings(t, s, "a/1", "one", "a/3", "three", "a/5", "five", "b", "bee")
	sentinel := errors.New("roll back")
	for _, commit := range []bool{false, true} {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			for _, op := range []struct{ key, value string }{
				{"a/2", "two"}, {"a/5", "FIVE"}, {"a/6", "six"}, {"a/0", "zero"},
			} {
				if err := tx.Put(op.key, []byte(op.value)); err != nil {
					return err
				}
			}
			if err := tx.Delete("a/3"); err != nil {
				return err
			}
			if err := tx.Delete("a/0"); err != nil {
				return err
			}
			var got []string
			if err := tx.Scan("a/", "", func(k string, v []byte) (bool, error) {
				got = append(got, k+"="+string(v))
				return true, nil
			}); err != nil {
				return err
			}
			wantKeys(t, "in-tx Scan", got, []string{"a/1=one", "a/2=two", "a/5=FIVE", "a/6=six"})
			wantKeys(t, "in-tx Scan after a/2", scanKeys(t, tx, "a/", "a/2"), []string{"a/5", "a/6"})
			if v, err := tx.Get("a/5"); err != nil || string(v) != "FIVE" {
				t.Errorf("in-tx Get(a/5) = %q, %v; want FIVE", v, err)
			}
			if commit {
				return nil
			}
			return sentinel
		})
		if commit && err != nil {
			t.Fatalf("Update: %v", err)
		}
		if !commit && err != sentinel {
			t.Fatalf("rolled-back Update = %v, want %v", err, sentinel)
		}
	}
	wantKeys(t, "Scan after commit", viewKeys(t, s, "a/", ""), []string{"a/1", "a/2", "a/5", "a/6"})
	wantValue(t, s, "a/5", "FIVE")
}

// testScanNestedReads checks that fn may read (Get and Scan) while a Scan
// is in progress; only writes are forbidden.
func testScanNestedReads(t *testing.T, s store.Store) {
	putStrings(t, s, "idx/x", "rec/2", "idx/y", "rec/1", "rec/1", "one", "rec/2", "two")
	check := func(tx store.Tx) error {
		var got []string
		err := tx.Scan("idx/", "", func(k string, v []byte) (bool, error) {
			target := string(v) // copy before the nested calls
			rec, err := tx.Get(target)
			if err != nil {
				return false, err
			}
			inner := scanKeys(t, tx, "rec/", "")
			got = append(got, fmt.Sprintf("%s->%s(%d)", k, rec, len(inner)))
			return true, nil
		})
		wantKeys(t, "nested reads", got, []string{"idx/x->two(2)", "idx/y->one(2)"})
		return err
	}
	mustView(t, s, check)
	mustUpdate(t, s, check)
}
