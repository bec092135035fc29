package logstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/storetest"
)

// crashOptions checkpoint often, so that the writer is also killed while
// it starts segments, writes snapshots and deletes old segments.
var crashOptions = Options{LockTimeout: 5 * time.Second, CheckpointBytes: 256 << 10}

// TestHelperProcess is the writer TestCrashRecovery kills.
func TestHelperProcess(t *testing.T) {
	storetest.CrashChild(t, func(dir string) (store.Store, error) { return Open(dir, crashOptions) })
}

// TestCrashRecovery checks that acknowledged Updates survive SIGKILL, with
// checkpoints under way, and that each reopening finds one snapshot at
// most and a contiguous run of log segments after it.
func TestCrashRecovery(t *testing.T) {
	storetest.RunCrash(t, func(t *testing.T, dir string) store.Store {
		s, err := Open(dir, crashOptions)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	}, func(t *testing.T, s store.Store) {
		dir := s.(*Store).dir
		if _, err := os.Stat(filepath.Join(dir, snapshotName)); err != nil {
			t.Errorf("no snapshot: the writer never checkpointed (%v)", err)
		}
		segs, err := listSegments(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(segs); i++ {
			if segs[i] != segs[i-1]+1 {
				t.Errorf("log segments %v are not contiguous", segs)
			}
		}
	})
}
