package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// The console's browser walkthroughs: scripts in console/ drive a
// headless Chromium with playwright-core against a live orgstack, and
// take a full-page screenshot of every page they visit. scripts/test
// installs Debian's chromium and the scripts' node_modules (npm ci) and
// sets ORGSTACK_REQUIRE_BROWSER=1; without it, a machine lacking either
// skips these tests. Screenshots go to a temporary directory, or under
// $ORGSTACK_SCREENSHOTS/<test> when that is set.
//
// These tests don't run in parallel: each runs alone, before the
// package's parallel tests start, so that Chromium's load neither slows
// them nor is slowed by them.

// browser is what the walkthroughs need on the machine.
type browser struct {
	node, chromium, dir string
}

// needBrowser finds node, Chromium and the walkthroughs' node_modules,
// and skips the test when one is missing (fails it when
// ORGSTACK_REQUIRE_BROWSER=1).
func needBrowser(t *testing.T) browser {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("ORGSTACK_REQUIRE_BROWSER") == "1" {
			t.Fatalf("ORGSTACK_REQUIRE_BROWSER=1 but %s (scripts/test installs it)", what)
		}
		t.Skipf("skipping the browser walkthrough: %s (scripts/test installs it)", what)
	}
	var b browser
	var err error
	if b.node, err = exec.LookPath("node"); err != nil {
		missing("node is not installed")
	}
	b.chromium = os.Getenv("CHROMIUM")
	if b.chromium == "" {
		b.chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(b.chromium); err != nil {
		missing(b.chromium + " is not installed (Debian's chromium package)")
	}
	if b.dir, err = filepath.Abs("console"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(b.dir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing("e2e/console/node_modules is not installed (npm ci in e2e/console)")
	}
	return b
}

// screenshotDir is where a test's screenshots go.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if root := os.Getenv("ORGSTACK_SCREENSHOTS"); root != "" {
		dir, err := filepath.Abs(filepath.Join(root, t.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// walk runs console/<script> with node against s, with the aws CLI's
// environment for account (the scripts check the API with it) and extra
// variables, logging what it prints line by line. The test fails when
// the script does, and walk reports whether it passed.
func (b browser) walk(t *testing.T, s *srv, account, script string, extra ...string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.node, script)
	cmd.Dir = b.dir
	cmd.Env = append(s.clientEnv(account,
		"BASE_URL="+s.endpoint,
		"CHROMIUM="+b.chromium,
		"SCREENSHOT_DIR="+screenshotDir(t),
		"NODE_NO_WARNINGS=1",
	), extra...)
	out := &lineLog{t: t}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	out.flush()
	if err != nil {
		t.Errorf("node %s failed after %s: %v", script, time.Since(start).Round(time.Millisecond), err)
		return false
	}
	return true
}

// lineLog writes what a process prints to the test log, a line at a time.
type lineLog struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			return len(p), nil
		}
		l.t.Log(string(l.buf.Next(i + 1)[:i]))
	}
}

func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > 0 {
		l.t.Log(l.buf.String())
		l.buf.Reset()
	}
}

// TestConsoleTrustedAccessWalkthrough: the seed's console steps for
// Systems Manager in the browser — enable trusted access by typing
// enable, the service-linked role appearing in the management account, a
// delegated administrator registered, listed and deregistered, and
// trusted access disabled by typing disable — each checked on the page
// and through the API.
func TestConsoleTrustedAccessWalkthrough(t *testing.T) {
	b := needBrowser(t)
	s := start(t, inMemory)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	member := sdkCreateAccount(t, s.orgs(mgmt), "ops@example.com", "Operations")
	sdkCreateAccount(t, s.orgs(mgmt), "dev@example.com", "Development")
	const ssm = "ssm.amazonaws.com"
	// The message the API answers when the management account is
	// registered; the page must show it as the API words it.
	_, err := s.orgs(mgmt).RegisterDelegatedAdministrator(context.Background(), &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(mgmt), ServicePrincipal: aws.String(ssm)})
	msg := apiErr(t, err, "ConstraintViolationException").ErrorMessage()

	if !b.walk(t, s, mgmt, "trusted-access.mjs",
		"MANAGEMENT_ACCOUNT="+mgmt,
		"MEMBER_ACCOUNT="+member,
		"MANAGEMENT_AS_ADMIN_ERROR="+msg,
	) {
		return
	}

	// What the browser did is what the API says.
	for _, svc := range list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals") {
		if str(svc, "ServicePrincipal") == ssm {
			t.Errorf("trusted access for %s is still enabled: %v", ssm, svc)
		}
	}
	if admins := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", ssm), "DelegatedAdministrators"); len(admins) != 0 {
		t.Errorf("delegated administrators left: %v", admins)
	}
	// Enabling created the role; disabling keeps it.
	role := s.awsOK(t, mgmt, "iam", "get-role", "--role-name", "AWSServiceRoleForAmazonSSM_AccountDiscovery")
	if !strings.HasPrefix(str(role, "Role", "Path"), "/aws-service-role/") {
		t.Errorf("the service-linked role: %v", role)
	}
}

// TestConsoleServiceConsolesWalkthrough: the console steps of the three
// service seeds in the browser, as the management account and then as a
// delegated administrator — Explorer's organization resource data sync
// enabling trusted access for Systems Manager; Audit Manager set up with
// a delegated administrator designated (enabling its trusted access) and
// removed by typing the account ID; trusted access and a delegated
// administrator for Self-Service Reporting on the Services page, whose
// administrator then sees a bar per account of the organization on the
// Reports page. Each change is checked on the page and through the API.
func TestConsoleServiceConsolesWalkthrough(t *testing.T) {
	b := needBrowser(t)
	s := start(t, inMemory)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	ops := sdkCreateAccount(t, s.orgs(mgmt), "ops@example.com", "Operations")
	dev := sdkCreateAccount(t, s.orgs(mgmt), "dev@example.com", "Development")
	// Managed instances with patch compliance in the members: Explorer's
	// summary counts them, and the patch report charts them per account.
	s.ssrInstance(t, ops, "i-0a000000000000001", 4, 0, 0, 0)
	s.ssrInstance(t, ops, "i-0a000000000000002", 1, 2, 1, 0)
	s.ssrInstance(t, dev, "i-0b000000000000001", 3, 0, 0, 0)

	if !b.walk(t, s, mgmt, "service-consoles.mjs",
		"MANAGEMENT_ACCOUNT="+mgmt,
		"AUDIT_ADMIN="+ops,
		"REPORTS_ADMIN="+dev,
		"AWS_DATA_PATH="+ssrModelDir(t),
	) {
		return
	}

	// What the browser left is what the API says.
	enabled := map[string]bool{}
	for _, svc := range list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals") {
		enabled[str(svc, "ServicePrincipal")] = true
	}
	for _, p := range []string{"ssm.amazonaws.com", "auditmanager.amazonaws.com", ssrPrincipal} {
		if !enabled[p] {
			t.Errorf("trusted access for %s is not enabled: %v", p, enabled)
		}
	}
	if admins := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", "auditmanager.amazonaws.com"), "DelegatedAdministrators"); len(admins) != 0 {
		t.Errorf("Audit Manager's delegated administrator is still registered: %v", admins)
	}
	admins := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", ssrPrincipal), "DelegatedAdministrators")
	if len(admins) != 1 || str(admins[0], "Id") != dev {
		t.Errorf("Self-Service Reporting's delegated administrators: %v, want %s", admins, dev)
	}
}

// TestConsoleEnforceSignIn: in enforce mode the console takes an access
// key pair; a wrong secret is refused with the API's error, the right one
// signs in as the IAM user, and what the user's policies don't allow is
// shown as the API's refusal.
func TestConsoleEnforceSignIn(t *testing.T) {
	b := needBrowser(t)
	s := start(t, inMemory, enforce)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	sdkCreateAccount(t, s.orgs(mgmt), "ops@example.com", "Operations")

	ctx := context.Background()
	user := func(name, policy string) *iamtypes.AccessKey {
		t.Helper()
		c := s.iam(mgmt)
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if policy != "" {
			if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("Console"), PolicyDocument: aws.String(policy)}); err != nil {
				t.Fatal(err)
			}
		}
		k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return k.AccessKey
	}
	admin := user("console-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:*","iam:Get*","iam:List*"],"Resource":"*"}]}`)
	none := user("no-permissions", "")

	b.walk(t, s, mgmt, "sign-in.mjs",
		"ADMIN_KEY="+aws.ToString(admin.AccessKeyId),
		"ADMIN_SECRET="+aws.ToString(admin.SecretAccessKey),
		"ADMIN_ARN=arn:aws:iam::"+mgmt+":user/console-admin",
		"NONE_KEY="+aws.ToString(none.AccessKeyId),
		"NONE_SECRET="+aws.ToString(none.SecretAccessKey),
	)
}

// TestConsoleTour: every page the console's navigation links to, as the
// management account of an organization with a few accounts and as a
// member account, with a screenshot of each; no page may answer a server
// error, show a stack trace, log a browser console error or lack a
// heading.
func TestConsoleTour(t *testing.T) {
	b := needBrowser(t)
	s := start(t, inMemory)
	ctx := context.Background()
	c := s.orgs(mgmt)
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)
	ou, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Workloads")})
	if err != nil {
		t.Fatal(err)
	}
	prod := sdkCreateAccount(t, c, "prod@example.com", "Production")
	sdkCreateAccount(t, c, "dev@example.com", "Development")
	sdkCreateAccount(t, c, "audit@example.com", "Audit")
	if _, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(prod), SourceParentId: aws.String(root), DestinationParentId: ou.OrganizationalUnit.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}

	b.walk(t, s, mgmt, "tour.mjs", "ACCOUNT="+mgmt, "LABEL=management", "ENABLED_SERVICE=ssm.amazonaws.com")
	b.walk(t, s, mgmt, "tour.mjs", "ACCOUNT="+prod, "LABEL=member", "REFUSED=AccessDeniedException")
}
