package storetest

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// Environment variables that turn TestHelperProcess into the crash-test
// writer.
const (
	crashDirEnv   = "ORGSTACK_STORE_CRASH_DIR"
	crashRoundEnv = "ORGSTACK_STORE_CRASH_ROUND"
)

const (
	crashRounds = 4   // kill-and-reopen cycles on the same file
	crashAcks   = 300 // acknowledged Updates to read before each kill
)

// crashValue is the deterministic value of update i in round r: between
// 16 bytes and 12 KiB, so some Updates span several pages and grow the
// file while the child is being killed.
func crashValue(round, i int) []byte {
	r := rand.New(rand.NewPCG(uint64(round), uint64(i)))
	b := make([]byte, 16+r.IntN(12<<10))
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	return b
}

func crashKey(round, i int) string { return fmt.Sprintf("%02d/%06d", round, i) }

// CrashChild is the child side of RunCrash; call it from a test named
// TestHelperProcess in the backend's package. It only runs when started by
// RunCrash (it skips otherwise): it opens the store in the directory
// RunCrash gives, writes Updates in a loop, each a record plus an index
// entry, and prints "ack <key>" after each Update returns, until it is
// killed.
func CrashChild(t *testing.T, open func(dir string) (store.Store, error)) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of a crash test")
	}
	round, err := strconv.Atoi(os.Getenv(crashRoundEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad round:", err)
		os.Exit(2)
	}
	s, err := open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		key := crashKey(round, i)
		value := crashValue(round, i)
		err := s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.Put("rec/"+key, value); err != nil {
				return err
			}
			return tx.Put("idx/"+key, []byte(strconv.Itoa(len(value))))
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "update:", err)
			os.Exit(3)
		}
		// os.Stdout is unbuffered: the line leaves the process now.
		fmt.Printf("ack %s\n", key)
	}
}

// RunCrash SIGKILLs a writer process (CrashChild) mid-stream, several
// times over the same directory, and checks after each kill that every
// Update it acknowledged survived and that no Update is half applied.
// open reopens the store in dir; check, if not nil, runs the backend's own
// consistency checks on it.
func RunCrash(t *testing.T, open func(t *testing.T, dir string) store.Store, check func(t *testing.T, s store.Store)) {
	dir := t.TempDir()
	for round := range crashRounds {
		acked := runAndKill(t, dir, round)
		verifyAfterCrash(t, open(t, dir), round, acked, check)
	}
}

// runAndKill starts the writer for round, reads crashAcks acknowledgements
// and kills it with SIGKILL. It returns the number of acknowledged Updates.
func runAndKill(t *testing.T, dir string, round int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		crashDirEnv+"="+dir,
		crashRoundEnv+"="+strconv.Itoa(round),
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			_ = cmd.Process.Kill() // SIGKILL on Unix: no deferred cleanup runs
			_ = cmd.Wait()
		}
	}
	defer kill()

	acked := 0
	sc := bufio.NewScanner(stdout)
	for acked < crashAcks && sc.Scan() {
		key, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue // test framework output
		}
		if want := crashKey(round, acked); key != want {
			t.Fatalf("round %d: child acknowledged %q, want %q", round, key, want)
		}
		acked++
	}
	kill()
	if acked < crashAcks {
		t.Fatalf("round %d: child stopped after %d acknowledgements (scan error %v); stderr:\n%s",
			round, acked, sc.Err(), stderr.String())
	}
	return acked
}

// verifyAfterCrash reopens the store and checks every round so far. For
// round r the present records must be exactly updates 0..n-1 with n at
// least the number acknowledged (Updates are sequential, so an
// unacknowledged one may have committed, but never with a gap).
func verifyAfterCrash(t *testing.T, s store.Store, round, acked int, check func(t *testing.T, s store.Store)) {
	t.Helper()
	defer s.Close()
	if check != nil {
		check(t, s)
	}

	counts := make(map[int]int)
	err := s.View(t.Context(), func(tx store.Tx) error {
		return tx.Scan("rec/", "", func(k string, v []byte) (bool, error) {
			var r, i int
			if _, err := fmt.Sscanf(k, "rec/%02d/%06d", &r, &i); err != nil {
				return false, fmt.Errorf("unexpected key %q", k)
			}
			if i != counts[r] {
				return false, fmt.Errorf("round %d: found update %d after %d updates: a gap", r, i, counts[r])
			}
			counts[r]++
			if !bytes.Equal(v, crashValue(r, i)) {
				return false, fmt.Errorf("%s: value differs from what was written (%d bytes)", k, len(v))
			}
			idx, err := tx.Get("idx/" + k[len("rec/"):])
			if err != nil {
				return false, fmt.Errorf("%s present without its index entry: %w", k, err)
			}
			if string(idx) != strconv.Itoa(len(v)) {
				return false, fmt.Errorf("%s: index entry %q does not match", k, idx)
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if counts[round] < acked {
		t.Fatalf("round %d: %d updates survived, but %d were acknowledged", round, counts[round], acked)
	}
	sz, ok := s.(store.Sizer)
	if !ok {
		return
	}
	keys, _, err := sz.Size()
	if err != nil {
		t.Fatal(err)
	}
	var records int64
	for r := 0; r <= round; r++ {
		records += int64(counts[r])
	}
	if keys != 2*records {
		t.Fatalf("round %d: %d keys for %d records: some index entries have no record", round, keys, records)
	}
	t.Logf("round %d: %d acknowledged, %d committed", round, acked, counts[round])
}
