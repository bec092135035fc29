// Package e2e drives a live orgstack with the real AWS clients: the aws
// CLI, boto3 and aws-sdk-go-v2. Nothing here talks to orgstack's Go API
// except to start and stop it.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

// srv is a running orgstack.
type srv struct {
	t        testing.TB
	main     *app.Main
	endpoint string
	dataDir  string
}

// start boots orgstack on a free port with a fresh data directory (or in
// memory when the config says so) and stops it when the test ends.
func start(t testing.TB, mods ...func(*app.Config)) *srv {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = "warn"
	for _, m := range mods {
		m(&cfg)
	}
	usePostgres(t, &cfg)
	return startWith(t, cfg)
}

// usePostgres points cfg at a fresh schema of the test PostgreSQL server
// when the suite runs against PostgreSQL (ORGSTACK_E2E_STORE=postgres,
// with ORGSTACK_TEST_POSTGRES the server's URL): every test that would
// use the embedded store, on disk or in memory, uses PostgreSQL instead.
func usePostgres(t testing.TB, cfg *app.Config) {
	t.Helper()
	if os.Getenv("ORGSTACK_E2E_STORE") != "postgres" || cfg.Store != "" {
		return
	}
	cfg.Memory = false
	cfg.Store = postgresSchema(t)
}

var schemaSeq atomic.Int64

// postgresSchema is the test PostgreSQL server's URL with a schema no
// other test uses.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("ORGSTACK_TEST_POSTGRES")
	if base == "" {
		t.Fatal("ORGSTACK_TEST_POSTGRES is not set (scripts/test starts a PostgreSQL server and sets it)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("schema", fmt.Sprintf("e2e_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1)))
	u.RawQuery = q.Encode()
	return u.String()
}

func startWith(t testing.TB, cfg app.Config) *srv {
	t.Helper()
	m := app.NewMain()
	m.Config = cfg
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("starting orgstack: %v", err)
	}
	s := &srv{t: t, main: m, endpoint: m.Endpoint(), dataDir: cfg.DataDir}
	t.Cleanup(func() { _ = m.Close() })
	return s
}

func inMemory(c *app.Config) { c.Memory = true }
func maxAccounts(n int) func(*app.Config) {
	return func(c *app.Config) { c.MaxAccounts = n }
}

// restart stops the server and starts a new one on the same data directory.
func (s *srv) restart(t testing.TB) *srv {
	t.Helper()
	cfg := s.main.Config
	if err := s.main.Close(); err != nil {
		t.Fatalf("closing orgstack: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	return startWith(t, cfg)
}

// result is what a client process printed.
type result struct {
	stdout, stderr string
	code           int
}

var errCodeRE = regexp.MustCompile(`An error occurred \(([^)]+)\)`)

// errCode is the AWS error code the CLI reported, or "".
func (r result) errCode() string {
	if m := errCodeRE.FindStringSubmatch(r.stderr); m != nil {
		return m[1]
	}
	return ""
}

// clientEnv is a clean environment for AWS clients acting as account
// (a 12-digit access key) against s.
func (s *srv) clientEnv(account string, extra ...string) []string {
	home := os.Getenv("HOME")
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_ACCESS_KEY_ID=" + account,
		"AWS_SECRET_ACCESS_KEY=" + testSecret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + s.endpoint,
		"AWS_CONFIG_FILE=" + filepath.Join(os.TempDir(), "orgstack-e2e-no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(os.TempDir(), "orgstack-e2e-no-credentials"),
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
		"PYTHONDONTWRITEBYTECODE=1",
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "LANG", "LC_ALL"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// aws runs the aws CLI as account.
func (s *srv) aws(t testing.TB, account string, args ...string) result {
	t.Helper()
	return s.awsEnv(t, s.clientEnv(account), args...)
}

func (s *srv) awsEnv(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append(args, "--output", "json")...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running aws %v: %v", args, err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// awsOK runs the CLI, fails the test unless it succeeds, and decodes its
// JSON output (nil for commands that print nothing).
func (s *srv) awsOK(t testing.TB, account string, args ...string) map[string]any {
	t.Helper()
	r := s.aws(t, account, args...)
	if r.code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	if strings.TrimSpace(r.stdout) == "" {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
	return v
}

// awsErr runs the CLI, expects it to fail with the AWS error code, and
// returns what it printed.
func (s *srv) awsErr(t testing.TB, account, code string, args ...string) result {
	t.Helper()
	r := s.aws(t, account, args...)
	if r.code != 255 || r.errCode() != code {
		t.Fatalf("aws %s: want error %s (exit 255), got exit %d %q\n%s", strings.Join(args, " "), code, r.code, r.errCode(), r.stderr)
	}
	return r
}

// python runs a boto3 script from testdata with the client environment of
// account; the script exits non-zero with a message when a check fails.
func (s *srv) python(t testing.TB, account, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", append([]string{filepath.Join("testdata", script)}, args...)...)
	cmd.Env = s.clientEnv(account)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3 %s: %v\nstdout:\n%s\nstderr:\n%s", script, err, out.String(), errb.String())
	}
	return out.String()
}

// get fetches a path of the admin API.
func (s *srv) admin(t testing.TB, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.endpoint+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

// str digs a string out of decoded JSON by path.
func str(v any, path ...any) string {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return ""
			}
			v = l[k]
		}
	}
	s, _ := v.(string)
	return s
}

func list(v any, key string) []any {
	m, _ := v.(map[string]any)
	l, _ := m[key].([]any)
	return l
}

// eventually retries f until it returns true or the deadline passes.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func clockControl(c *app.Config) { c.ClockControl = true }

// testSecret is the secret every test client signs with; in enforce mode
// it is the accounts' root secret.
const testSecret = "orgstack-test-secret"

// enforce starts orgstack in enforce mode with the test secret as every
// account's root secret.
func enforce(c *app.Config) {
	c.Auth = "enforce"
	c.RootSecret = testSecret
}

// sessionEnv is a client environment using temporary credentials.
func (s *srv) sessionEnv(key, secret, token string) []string {
	env := s.clientEnv(key)
	for i, e := range env {
		if strings.HasPrefix(e, "AWS_SECRET_ACCESS_KEY=") {
			env[i] = "AWS_SECRET_ACCESS_KEY=" + secret
		}
	}
	return append(env, "AWS_SESSION_TOKEN="+token)
}

func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return v
}
