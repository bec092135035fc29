package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/app"
)

// startOrgstack runs an orgstack in this process on a free loopback port,
// durable in a temporary directory, with room for the accounts of a run.
func startOrgstack(t *testing.T, configure func(*app.Config)) *app.Main {
	t.Helper()
	m := app.NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = t.TempDir()
	m.Config.MaxAccounts = 1000
	if configure != nil {
		configure(&m.Config)
	}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func runTool(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestRunAgainstOrgstack runs the tool briefly against orgstack in
// enforce mode (every request signed with the management account's root
// key and verified) and checks what it reports: the accounts it created,
// every operation answered without error, and the server's memory (this
// process, found by the port it listens on).
func TestRunAgainstOrgstack(t *testing.T) {
	m := startOrgstack(t, func(c *app.Config) {
		c.Auth = "enforce"
		c.RootSecret = "bench-secret"
	})
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := runTool(t, "run", "--endpoint", m.Endpoint(), "--label", "orgstack",
		"--access-key", "111111111111", "--secret-key", "bench-secret",
		"--accounts", "12", "--concurrency", "2", "--duration", "150ms", "--warmup", "20ms", "--json", out)
	if code != 0 {
		t.Fatalf("orgbench run exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r, err := readReport(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Setup == nil || r.Setup.Accounts != 12 || len(r.Setup.Errors) != 0 {
		t.Errorf("setup = %+v, want 12 accounts created without error", r.Setup)
	}
	if r.Server == nil || r.Server.PID != os.Getpid() || r.Memory.AfterSetupBytes <= 0 {
		t.Errorf("server = %+v, memory = %+v; want this process (pid %d) and its resident memory", r.Server, r.Memory, os.Getpid())
	}
	if len(r.Results) != len(allOps) {
		t.Fatalf("got %d results, want one per operation (%d)", len(r.Results), len(allOps))
	}
	for _, res := range r.Results {
		if res.Unsupported != "" || res.Errors != 0 || res.Ops == 0 || res.Calls < res.Ops || res.P99Ms <= 0 || res.P99Ms < res.P50Ms {
			t.Errorf("%s: %+v, want operations measured without error", res.Op, res)
		}
	}
	for _, op := range allOps {
		if !strings.Contains(stdout, op) {
			t.Errorf("the table does not show %s:\n%s", op, stdout)
		}
	}

	// A wrong secret: enforce mode refuses every request, and the
	// tool says so instead of reporting numbers.
	code, _, stderr = runTool(t, "run", "--endpoint", m.Endpoint(), "--access-key", "111111111111", "--secret-key", "wrong",
		"--accounts", "1", "--duration", "50ms")
	if code != 1 || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Errorf("with a wrong secret: exit %d, stderr %q; want 1 and InvalidSignatureException", code, stderr)
	}
}

// TestScaleAndCompare grows an organization through two sizes, and
// compares two run reports as Markdown.
func TestScaleAndCompare(t *testing.T) {
	m := startOrgstack(t, nil)
	code, stdout, stderr := runTool(t, "scale", "--endpoint", m.Endpoint(), "--sizes", "5,25", "--duration", "60ms", "--warmup", "0s", "--json", "-")
	if code != 0 {
		t.Fatalf("orgbench scale exited %d\n%s\n%s", code, stdout, stderr)
	}
	var r Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Scale) != 2 || r.Scale[0].Accounts != 5 || r.Scale[1].Accounts != 25 {
		t.Fatalf("scale points = %+v, want 5 then 25 accounts", r.Scale)
	}
	for _, p := range r.Scale {
		if p.ResidentBytes <= 0 {
			t.Errorf("%d accounts: no resident memory", p.Accounts)
		}
		for _, res := range p.Results {
			if res.Errors != 0 || res.Calls == 0 {
				t.Errorf("%d accounts, %s: %+v", p.Accounts, res.Op, res)
			}
		}
	}
	if n := len(r.Scale[1].Results); n != len(scaleOps) {
		t.Errorf("25 accounts (two pages): %d operations measured, want %d", n, len(scaleOps))
	}

	dir := t.TempDir()
	slow := Report{Label: "slow", Setup: &SetupResult{Accounts: 1000, TotalSec: 10, Concurrency: 8},
		Results: []OpResult{{Op: opDescribeOrganization, Concurrency: 8, Calls: 100, CallsPerSec: 100, P99Ms: 20}}}
	fast := Report{Label: "fast", Setup: &SetupResult{Accounts: 1000, TotalSec: 1, Concurrency: 8}, Memory: Memory{AfterSetupBytes: 40 << 20},
		Results: []OpResult{{Op: opDescribeOrganization, Concurrency: 8, Calls: 3000, CallsPerSec: 3000, P99Ms: 2}}}
	for name, rep := range map[string]Report{"slow.json": slow, "fast.json": fast} {
		b, _ := json.Marshal(rep)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr = runTool(t, "compare", "--baseline", filepath.Join(dir, "slow.json"), filepath.Join(dir, "fast.json"))
	if code != 0 {
		t.Fatalf("compare exited %d: %s", code, stderr)
	}
	for _, want := range []string{
		"| DescribeOrganization | 8 | 100 | 20.00 | 3000 | 30.0× | 2.00 |",
		"| DescribeOrganization ≥ 20× req/s | holds: 30.0× |",
		"| accounts created ≥ 7× faster | holds: 10.0×",
		"| resident memory after 1,000 accounts ≤ 50 MB | holds: 40.0 MB |",
		"| ListAWSServiceAccessForOrganization ≥ 20× req/s | not measured |",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("compare output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestRefusesNonLoopback: the tool sends nothing to an address off this
// machine.
func TestRefusesNonLoopback(t *testing.T) {
	for _, endpoint := range []string{"http://192.0.2.1:4590", "https://organizations.us-east-1.amazonaws.com", "http://[2001:db8::1]:80", "http://10.0.0.1"} {
		code, _, stderr := runTool(t, "run", "--endpoint", endpoint, "--accounts", "1", "--duration", "10ms")
		if code != 1 || !strings.Contains(stderr, "refusing endpoint") && !strings.Contains(stderr, "resolving") {
			t.Errorf("%s: exit %d, stderr %q; want a refusal", endpoint, code, stderr)
		}
	}
	for _, endpoint := range []string{"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "http://127.8.9.10:1"} {
		if err := checkLoopback(context.Background(), endpoint); err != nil {
			t.Errorf("%s refused: %v", endpoint, err)
		}
	}
}
