package e2e

import (
	"strings"
	"testing"
)

// TestBoto3 runs the boto3 script against a fresh server.
func TestBoto3(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	if out := s.python(t, mgmt, "organizations_boto3.py"); strings.TrimSpace(out) != "ok" {
		t.Fatalf("script printed %q", out)
	}
}
