package app

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/metrics/metricstest"
)

// TestREADMEMetrics keeps README's table of metrics equal to what
// GET /metrics announces.
func TestREADMEMetrics(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "<!-- metrics:begin -->"), strings.Index(s, "<!-- metrics:end -->")
	if i < 0 || j < i {
		t.Fatal("README.md has no metrics table markers")
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_:]+)` \\|").FindAllStringSubmatch(s[i:j], -1) {
		documented = append(documented, m[1])
	}

	m := NewMain()
	m.Config.Memory = true
	m.Config.Addr = "127.0.0.1:0"
	m.Config.LogLevel = "error"
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resp, err := http.Get(m.Endpoint() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	fams, err := metricstest.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for name := range fams {
		served = append(served, name)
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, " ") != strings.Join(served, " ") {
		t.Errorf("README.md documents metrics\n%v\nbut /metrics serves\n%v", documented, served)
	}
}
