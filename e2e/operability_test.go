package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/metrics/metricstest"
)

// loggedProcess is the orgstack binary running with JSON logs on stderr.
type loggedProcess struct {
	*srv
	mu   sync.Mutex
	logs bytes.Buffer
}

// startWithConfigFile runs the binary as `orgstack serve --config FILE`
// with no ORGSTACK_* variable set, so every setting comes from the file.
func startWithConfigFile(t *testing.T, config string) *loggedProcess {
	t.Helper()
	file := filepath.Join(t.TempDir(), "orgstack.yaml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(orgstackBinary(t), "serve", "--config", file)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORGSTACK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &loggedProcess{}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.Write(sc.Bytes())
			p.logs.WriteByte('\n')
			p.mu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "orgstack listening" {
				addr <- line.Addr
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	select {
	case a := <-addr:
		p.srv = &srv{t: t, endpoint: "http://" + a}
	case <-time.After(30 * time.Second):
		t.Fatalf("orgstack did not start; its log:\n%s", p.text())
	}
	return p
}

func (p *loggedProcess) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// requests are the log's request lines; every line must be JSON.
func (p *loggedProcess) requests(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(p.text()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		if v["msg"] == "request" {
			out = append(out, v)
		}
	}
	return out
}

// get makes a plain HTTP request and returns the response's request id.
func (p *loggedProcess) get(t *testing.T, path string) (id string, status int, body []byte) {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(p.endpoint + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return resp.Header.Get("x-amzn-RequestId"), resp.StatusCode, body
}

// TestOperability runs the binary from a configuration file in enforce
// mode with JSON logs, drives it with the aws CLI, then checks that every
// request is one log line naming its caller, operation and error code,
// that no secret reaches the log, and that /metrics, parsed strictly,
// counts what was done.
func TestOperability(t *testing.T) {
	t.Parallel()
	const rootSecret = "root-S3CRET-for-operability"
	const password = "Passw0rd-never-logged!"
	config := fmt.Sprintf(`# orgstack serve, from a file
addr: 127.0.0.1:0
data-dir: %s
log-format: json
log-level: debug
auth: enforce
root-secret: %s
create-account-delay: 1h
`, t.TempDir(), rootSecret)
	if os.Getenv("ORGSTACK_E2E_STORE") == "postgres" {
		config += "store: '" + postgresSchema(t) + "'\n"
	}
	p := startWithConfigFile(t, config)

	env := func(key, secret, token string) []string {
		e := p.clientEnv(key)
		for i, kv := range e {
			if strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
				e[i] = "AWS_SECRET_ACCESS_KEY=" + secret
			}
		}
		if token != "" {
			e = append(e, "AWS_SESSION_TOKEN="+token)
		}
		return e
	}
	root := env(mgmt, rootSecret, "")
	ok := func(e []string, args ...string) map[string]any {
		t.Helper()
		r := p.awsEnv(t, e, args...)
		if r.code != 0 {
			t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
		var v map[string]any
		if strings.TrimSpace(r.stdout) != "" {
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	fails := func(e []string, code string, args ...string) {
		t.Helper()
		r := p.awsEnv(t, e, args...)
		if r.errCode() != code {
			t.Fatalf("aws %s: want %s, got exit %d\n%s", strings.Join(args, " "), code, r.code, r.stderr)
		}
	}

	ok(root, "organizations", "create-organization", "--feature-set", "ALL")
	car := ok(root, "organizations", "create-account", "--email", "ops@example.com", "--account-name", "Ops")
	if state := car["CreateAccountStatus"].(map[string]any)["State"]; state != "IN_PROGRESS" {
		t.Errorf("with create-account-delay: 1h from the file, CreateAccount is %v", state)
	}
	fails(root, "AccountNotFoundException", "organizations", "describe-account", "--account-id", "999999999999")
	ok(root, "iam", "create-user", "--user-name", "ops")
	// Not implemented yet, but its request carries the password all the same.
	fails(root, "NotImplemented", "iam", "create-login-profile", "--user-name", "ops", "--password", password)
	key := ok(root, "iam", "create-access-key", "--user-name", "ops")["AccessKey"].(map[string]any)
	userKey, userSecret := key["AccessKeyId"].(string), key["SecretAccessKey"].(string)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole"}]}`
	ok(root, "iam", "create-role", "--role-name", "ops-role", "--assume-role-policy-document", trust)
	creds := ok(root, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+mgmt+":role/ops-role", "--role-session-name", "night-shift")["Credentials"].(map[string]any)
	sessKey, sessSecret, sessToken := creds["AccessKeyId"].(string), creds["SecretAccessKey"].(string), creds["SessionToken"].(string)

	ok(env(userKey, userSecret, ""), "sts", "get-caller-identity")
	ok(env(sessKey, sessSecret, sessToken), "sts", "get-caller-identity")
	fails(env(mgmt, "wrong-secret", ""), "SignatureDoesNotMatch", "sts", "get-caller-identity")

	healthID, status, _ := p.get(t, "/_orgstack/health")
	if status != 200 {
		t.Fatalf("health: %d", status)
	}
	unknownID, status, _ := p.get(t, "/no/such/page")
	if status != 404 {
		t.Errorf("unknown path: %d", status)
	}
	consoleID, _, _ := p.get(t, "/")

	// /metrics counts what was done.
	scrapeID, status, body := p.get(t, "/metrics")
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	m, err := metricstest.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	count := func(labels map[string]string) float64 {
		v, _ := m.Value("orgstack_requests_total", "", labels)
		return v
	}
	// A line is written once its response is sent: wait for the lines of
	// every request the scrape counted (and of the scrape).
	deadline := time.Now().Add(10 * time.Second)
	for len(p.requests(t)) < int(count(nil))+1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}

	// Every request is one JSON line.
	lines := p.requests(t)
	byID := map[string]map[string]any{}
	find := func(op string) []map[string]any {
		var out []map[string]any
		for _, l := range lines {
			if l["operation"] == op {
				out = append(out, l)
			}
		}
		return out
	}
	for _, l := range lines {
		id, _ := l["request_id"].(string)
		if id == "" || l["kind"] == nil || l["status"] == nil || l["latency_ms"] == nil || l["level"] == nil {
			t.Errorf("request line lacks request_id, kind, status, latency_ms or level: %v", l)
		}
		if byID[id] != nil {
			t.Errorf("request id %s logged twice", id)
		}
		byID[id] = l
	}
	rootARN := "arn:aws:iam::" + mgmt + ":root"
	for _, want := range []struct {
		op, service, principal, code string
		status                       float64
		n                            int
	}{
		{"CreateOrganization", "Organizations", rootARN, "", 200, 1},
		{"DescribeAccount", "Organizations", rootARN, "AccountNotFoundException", 400, 1},
		{"CreateLoginProfile", "IAM", rootARN, "NotImplemented", 0, 1},
		{"CreateAccessKey", "IAM", rootARN, "", 200, 1},
		{"AssumeRole", "STS", rootARN, "", 200, 1},
	} {
		got := find(want.op)
		if len(got) != want.n {
			t.Errorf("%s: %d log lines, want %d", want.op, len(got), want.n)
			continue
		}
		l := got[0]
		if l["kind"] != "api" || l["service"] != want.service || l["principal"] != want.principal || l["account"] != mgmt ||
			(want.status != 0 && l["status"] != want.status) || (want.code != "" && l["error_code"] != want.code) || (want.code == "" && l["error_code"] != nil) {
			t.Errorf("%s logged as %v", want.op, l)
		}
	}
	principals := map[string]string{}
	for _, l := range find("GetCallerIdentity") {
		p, _ := l["principal"].(string)
		code, _ := l["error_code"].(string)
		principals[p+" "+code] = l["request_id"].(string)
	}
	for _, want := range []string{
		"arn:aws:iam::" + mgmt + ":user/ops ",
		"arn:aws:sts::" + mgmt + ":assumed-role/ops-role/night-shift ",
		" SignatureDoesNotMatch", // refused before the caller is known
	} {
		if principals[want] == "" {
			t.Errorf("no GetCallerIdentity line for %q; lines: %v", want, principals)
		}
	}
	for id, kind := range map[string]string{healthID: "admin", unknownID: "console", consoleID: "console"} {
		if l := byID[id]; id == "" || l == nil || l["kind"] != kind {
			t.Errorf("request %q (the response's x-amzn-RequestId) logged as %v, want kind %s", id, l, kind)
		}
	}
	if l := byID[unknownID]; l != nil && (l["status"] != 404.0 || l["path"] != "/no/such/page") {
		t.Errorf("unknown path logged as %v", l)
	}

	// No secret reaches the log, at debug level either.
	logText := p.text()
	for what, secret := range map[string]string{
		"root secret": rootSecret, "login password": password, "user's secret key": userSecret,
		"session's secret key": sessSecret, "session token": sessToken,
		"a signature": "Signature=", "an Authorization header": "AWS4-HMAC-SHA256 Credential",
	} {
		if strings.Contains(logText, secret) {
			t.Errorf("the log shows %s", what)
		}
	}

	api := func(service, op, code string) map[string]string {
		return map[string]string{"kind": "api", "service": service, "operation": op, "code": code}
	}
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{
		{api("Organizations", "CreateOrganization", ""), 1},
		{api("Organizations", "CreateAccount", ""), 1},
		{api("Organizations", "DescribeAccount", "AccountNotFoundException"), 1},
		{api("IAM", "CreateAccessKey", ""), 1},
		{api("STS", "AssumeRole", ""), 1},
		{api("STS", "GetCallerIdentity", ""), 2},
		{api("STS", "GetCallerIdentity", "SignatureDoesNotMatch"), 1},
		{map[string]string{"kind": "admin"}, 1},
		{map[string]string{"kind": "console"}, 2},
	} {
		if got := count(c.labels); got != c.want {
			t.Errorf("orgstack_requests_total%v = %v, want %v", c.labels, got, c.want)
		}
	}
	// The scrape is counted once answered: it is in the log, not in its own numbers.
	if l := byID[scrapeID]; l == nil || l["kind"] != "metrics" {
		t.Errorf("scrape %s logged as %v", scrapeID, l)
	}
	if n := count(map[string]string{"kind": "metrics"}); n != 0 {
		t.Errorf("the scrape counts %v scrapes", n)
	}
	if n, _ := m.Value("orgstack_request_duration_seconds", "orgstack_request_duration_seconds_count",
		map[string]string{"kind": "api", "service": "IAM", "operation": "CreateUser"}); n != 1 {
		t.Errorf("latency histogram of CreateUser counts %v calls", n)
	}
	if n, _ := m.Value("orgstack_jobs_queued", "", nil); n < 1 {
		t.Errorf("orgstack_jobs_queued = %v with an account creation pending for an hour", n)
	}
	if _, ok := m.Value("orgstack_jobs_oldest_age_seconds", "", nil); !ok {
		t.Errorf("no orgstack_jobs_oldest_age_seconds")
	}
	for _, name := range []string{"orgstack_store_keys", "orgstack_store_bytes", "go_goroutines", "process_resident_memory_bytes"} {
		if v, _ := m.Value(name, "", nil); v <= 0 {
			t.Errorf("%s = %v", name, v)
		}
	}
	if got := len(lines); got != int(count(nil))+1 {
		t.Errorf("%d request lines in the log, %v requests counted", got, count(nil))
	}
}
