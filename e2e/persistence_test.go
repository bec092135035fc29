package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgstack/orgstack/internal/app"
)

// TestRestartPersistenceCLI: state written through the CLI is there after
// a restart on the same data directory.
func TestRestartPersistenceCLI(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	root := str(s.awsOK(t, mgmt, "organizations", "list-roots"), "Roots", 0, "Id")
	acct := s.createAccount(t, mgmt, "persist@example.com", "Persist")
	ou := str(s.awsOK(t, mgmt, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "Kept"), "OrganizationalUnit", "Id")
	s.awsOK(t, mgmt, "organizations", "move-account", "--account-id", acct, "--source-parent-id", root, "--destination-parent-id", ou)

	s = s.restart(t)
	if got := str(s.awsOK(t, mgmt, "organizations", "list-parents", "--child-id", acct), "Parents", 0, "Id"); got != ou {
		t.Fatalf("after restart the account's parent is %q, want %q", got, ou)
	}
	if n := len(list(s.awsOK(t, mgmt, "organizations", "list-accounts"), "Accounts")); n != 2 {
		t.Fatalf("after restart %d accounts", n)
	}
	s.awsOK(t, acct, "iam", "get-role", "--role-name", "OrganizationAccountAccessRole")
}

// TestPendingJobSurvivesRestart: an account creation still in progress
// when the server stops finishes after it starts again.
func TestPendingJobSurvivesRestart(t *testing.T) {
	t.Parallel()
	s := start(t, func(c *app.Config) { c.CreateAccountDelay = 300 * time.Millisecond })
	ctx := context.Background()
	newOrg(t, s, types.OrganizationFeatureSetAll)
	out, err := s.orgs(mgmt).CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("later@example.com"), AccountName: aws.String("Later")})
	if err != nil {
		t.Fatal(err)
	}
	s = s.restart(t)
	eventually(t, "the pending creation to finish after restart", func() bool {
		st, err := s.orgs(mgmt).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
		if err != nil {
			t.Fatal(err)
		}
		return st.CreateAccountStatus.State == types.CreateAccountStateSucceeded
	})
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// orgstackBinary builds cmd/orgstack once per test run.
func orgstackBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "orgstack-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "orgstack")
		cmd := exec.Command("go", "build", "-o", binary, "../cmd/orgstack")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

var listenRE = regexp.MustCompile(`orgstack listening"? addr=(\S+)`)

// process is orgstack running as its own process.
type process struct {
	cmd      *exec.Cmd
	endpoint string
}

func startProcess(t testing.TB, args ...string) *process {
	t.Helper()
	cmd := exec.Command(orgstackBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "ORGSTACK_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		p := &process{cmd: cmd, endpoint: "http://" + a}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return p
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("orgstack did not start")
	}
	return nil
}

// TestKill9LosesNoAcknowledgedWrite: writes acknowledged to a client
// survive SIGKILL of the server process.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProcess(t, "--data-dir", dir, "--max-accounts", "1000")
	s := &srv{t: t, endpoint: p.endpoint}
	ctx := context.Background()
	c := s.orgs(mgmt)
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)

	// Write OUs as fast as one client can while the server is killed.
	var acked []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			out, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String(fmt.Sprintf("ou-%04d", i))})
			if err != nil {
				return
			}
			acked = append(acked, aws.ToString(out.OrganizationalUnit.Id))
		}
	}()
	time.Sleep(400 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	<-done
	if len(acked) < 5 {
		t.Fatalf("only %d writes before the kill", len(acked))
	}

	p2 := startProcess(t, "--data-dir", dir)
	s2 := &srv{t: t, endpoint: p2.endpoint}
	have := map[string]bool{}
	pg := organizations.NewListOrganizationalUnitsForParentPaginator(s2.orgs(mgmt), &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(root)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ou := range out.OrganizationalUnits {
			have[aws.ToString(ou.Id)] = true
		}
	}
	for _, id := range acked {
		if !have[id] {
			t.Fatalf("acknowledged OU %s lost after kill -9 (%d acknowledged, %d present)", id, len(acked), len(have))
		}
	}
	t.Logf("%d acknowledged writes, %d present after kill -9", len(acked), len(have))
}

// TestServeFlagsAndEnvironment: the binary reads ORGSTACK_* variables and
// refuses bad settings with a message naming them.
func TestServeFlagsAndEnvironment(t *testing.T) {
	t.Parallel()
	bin := orgstackBinary(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "orgstack ") {
		t.Fatalf("version: %q %v", out, err)
	}
	cmd := exec.Command(bin, "serve", "--memory", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "ORGSTACK_LOG_LEVEL=loud")
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "log-level") {
		t.Fatalf("bad log level accepted: %v %s", err, msg)
	}
	p := startProcess(t, "--memory")
	s := &srv{t: t, endpoint: p.endpoint}
	code, health := s.admin(t, "GET", "/_orgstack/health", "")
	if code != 200 || health["status"] != "ready" || health["memory"] != true {
		t.Fatalf("health: %d %v", code, health)
	}
	// Graceful stop on SIGTERM.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
