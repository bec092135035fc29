package logstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// put writes key=value in one Update.
func put(t *testing.T, s *Store, key, value string) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Put(key, []byte(value)) }); err != nil {
		t.Fatal(err)
	}
}

// contents returns every key and value of s.
func contents(t *testing.T, s *Store) map[string]string {
	t.Helper()
	m := map[string]string{}
	if err := s.View(t.Context(), func(tx store.Tx) error {
		return tx.Scan("", "", func(k string, v []byte) (bool, error) {
			m[k] = string(v)
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil || len(segs) == 0 {
		t.Fatalf("segments %v, %v", segs, err)
	}
	return filepath.Join(dir, fmt.Sprintf("log.%020d", segs[len(segs)-1]))
}

// A record cut short by a crash is dropped, with nothing after it, and the
// log goes on from the last intact record.
func TestTornTail(t *testing.T) {
	for _, cut := range []int{1, 4, recordHeader, recordHeader + 3} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir)
			put(t, s, "a", "1")
			put(t, s, "b", "2")
			seg := lastSegment(t, dir)
			before := s.logSize
			put(t, s, "c", "3")
			after := s.logSize
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if int64(cut) >= after-before {
				t.Fatalf("cut %d is not inside the %d-byte record", cut, after-before)
			}
			// Keep only the first cut bytes of the last record, then
			// zeros as the segment was grown with, or nothing.
			data, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			data = data[:before+int64(cut)]
			if cut%2 == 0 {
				data = append(data, make([]byte, 100)...)
			}
			if err := os.WriteFile(seg, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s = openTest(t, dir)
			if got := contents(t, s); len(got) != 2 || got["a"] != "1" || got["b"] != "2" {
				t.Fatalf("after a torn record: %v, want a and b", got)
			}
			put(t, s, "d", "4")
			s.Close()
			s = openTest(t, dir)
			defer s.Close()
			if got := contents(t, s); len(got) != 3 || got["d"] != "4" {
				t.Fatalf("after writing on: %v, want a, b and d", got)
			}
		})
	}
}

// A damaged record with intact records after it is not a torn tail:
// Open refuses the store rather than drop acknowledged commits.
func TestDamageBeforeTheEnd(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	put(t, s, "a", "1")
	put(t, s, "b", "2")
	s.Close()
	seg := lastSegment(t, dir)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	data[recordHeader+2] ^= 0xff // inside the first record's payload
	if err := os.WriteFile(seg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open with a damaged record before an intact one = %v, want ErrCorrupt", err)
	}

	// Now damage a segment that is not the last one.
	dir = t.TempDir()
	s = openTest(t, dir)
	put(t, s, "a", "1")
	if err := s.rotateForTest(); err != nil {
		t.Fatal(err)
	}
	put(t, s, "b", "2")
	s.Close()
	segs, _ := listSegments(dir)
	if len(segs) != 2 {
		t.Fatalf("segments %v, want 2", segs)
	}
	first := filepath.Join(dir, fmt.Sprintf("log.%020d", segs[0]))
	data, _ = os.ReadFile(first)
	data[recordHeader+2] ^= 0xff // inside its only record
	if err := os.WriteFile(first, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open with a damaged earlier segment = %v, want ErrCorrupt", err)
	}
}

// A damaged snapshot fails Open with ErrCorrupt.
func TestCorruptSnapshot(t *testing.T) {
	for name, damage := range map[string]func([]byte) []byte{
		"flipped byte": func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"cut short":    func(b []byte) []byte { return b[:len(b)-1] },
		"not ours":     func(b []byte) []byte { return []byte("something else entirely, at some length") },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir)
			if err := s.Replace(t.Context(), []store.Record{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			path := filepath.Join(dir, snapshotName)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if s, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
				if err == nil {
					s.Close()
				}
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
		})
	}
}

// Checkpoints keep the log short: the snapshot takes over the old
// segments, which are deleted, and the state reads back the same.
func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{CheckpointBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range 2000 {
		k := fmt.Sprintf("k/%03d", i%300)
		v := fmt.Sprintf("value %d", i)
		put(t, s, k, v)
		want[k] = v
		if i%7 == 0 {
			k := fmt.Sprintf("k/%03d", (i*13)%300)
			if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Delete(k) }); err != nil {
				t.Fatal(err)
			}
			delete(want, k)
		}
	}
	s.checkpoints.Wait()
	if _, err := os.Stat(filepath.Join(dir, snapshotName)); err != nil {
		t.Fatalf("no snapshot after 2,000 commits: %v", err)
	}
	segs, _ := listSegments(dir)
	if len(segs) > 2 {
		t.Errorf("%d log segments remain; the snapshot covers all but the last", len(segs))
	}
	if got := contents(t, s); len(got) != len(want) {
		t.Errorf("%d keys before reopening, want %d", len(got), len(want))
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	got := contents(t, s)
	if len(got) != len(want) {
		t.Fatalf("%d keys after reopening, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %q after reopening, want %q", k, got[k], v)
		}
	}
}

// Files a crash left behind (a half-written snapshot, segments a snapshot
// already covers) are removed at Open.
func TestLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	put(t, s, "a", "1")
	if err := s.Replace(t.Context(), []store.Record{{Key: "b", Value: []byte("2")}}); err != nil {
		t.Fatal(err)
	}
	put(t, s, "c", "3")
	s.Close()
	// A covered segment that was not deleted, and a snapshot being written.
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("log.%020d", 1)), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, snapshotTemp), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	defer s.Close()
	if got := contents(t, s); len(got) != 2 || got["b"] != "2" || got["c"] != "3" {
		t.Fatalf("contents %v, want b and c", got)
	}
	if _, err := os.Stat(filepath.Join(dir, snapshotTemp)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the half-written snapshot is still there (%v)", err)
	}
	if segs, _ := listSegments(dir); len(segs) != 1 || segs[0] == 1 {
		t.Errorf("segments %v, want only the one after the snapshot", segs)
	}
}
