//go:build !unix

package logstore

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// lockDir opens dir/LOCK. Where flock is not available nothing stops a
// second process from opening the same directory.
func lockDir(dir string, _ time.Duration) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("logstore: lock %s: %w", dir, err)
	}
	return f, nil
}

// unlockDir closes the file lockDir opened.
func unlockDir(f *os.File) error { return f.Close() }
