package app

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEFeatureTable keeps README's table of implemented operations
// equal to what the server implements. Regenerate it with
// `go run ./cmd/orgstack operations --markdown`.
func TestREADMEFeatureTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	const begin, end = "<!-- operations:begin -->\n", "<!-- operations:end -->"
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md has no operations table markers")
	}
	if got, want := s[i+len(begin):j], FeatureTable(); got != want {
		t.Fatalf("README.md's operations table is stale; replace it with the output of `go run ./cmd/orgstack operations --markdown`:\n%s", want)
	}
}
