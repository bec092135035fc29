package bolt

import (
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/storetest"
)

// TestHelperProcess is the writer TestCrashRecovery kills.
func TestHelperProcess(t *testing.T) {
	storetest.CrashChild(t, func(dir string) (store.Store, error) {
		return Open(filepath.Join(dir, "orgstack.db"), Options{LockTimeout: 5 * time.Second})
	})
}

// TestCrashRecovery checks that acknowledged Updates survive SIGKILL and
// that the file then passes bbolt's consistency check.
func TestCrashRecovery(t *testing.T) {
	storetest.RunCrash(t, func(t *testing.T, dir string) store.Store { return openTest(t, dir) }, func(t *testing.T, s store.Store) {
		if err := s.(*Store).db.View(func(btx *bbolt.Tx) error {
			for err := range btx.Check() {
				t.Errorf("consistency check: %v", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
