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

// TestREADMEConfigurationTable: README's configuration table names no
// flag that orgstack serve does not have (TestConfigEveryFlag checks the
// other way: every flag has its row).
func TestREADMEConfigurationTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	fs := c.FlagSet("orgstack serve", func(string) string { return "" })
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		name := strings.TrimPrefix(strings.Trim(strings.TrimSpace(strings.Split(line, "|")[1]), "`"), "--")
		if name != "config" && fs.Lookup(name) == nil { // --config is Load's, read before the others
			t.Errorf("README.md's configuration table lists --%s, which orgstack serve does not have", name)
		}
	}
}
