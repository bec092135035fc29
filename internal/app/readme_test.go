package app

import (
	"flag"
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

// TestREADMEConfigurationTable: every flag of `orgstack serve` has a row
// in README's configuration table, with its environment variable, and
// the table names no flag that does not exist.
func TestREADMEConfigurationTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag → variable
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			t.Fatalf("configuration row with too few cells: %s", line)
		}
		flagName := strings.Trim(strings.TrimSpace(cells[1]), "`")
		rows[strings.TrimPrefix(flagName, "--")] = strings.Trim(strings.TrimSpace(cells[2]), "`")
	}
	c := DefaultConfig()
	fs := c.FlagSet("orgstack serve", func(string) string { return "" })
	fs.VisitAll(func(f *flag.Flag) {
		env, ok := rows[f.Name]
		if !ok {
			t.Errorf("README.md's configuration table has no row for --%s", f.Name)
			return
		}
		if want := "ORGSTACK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")); env != want {
			t.Errorf("README.md: --%s's variable is %q, want %q", f.Name, env, want)
		}
		delete(rows, f.Name)
	})
	for name := range rows {
		t.Errorf("README.md's configuration table lists --%s, which orgstack serve does not have", name)
	}
}
