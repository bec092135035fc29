package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

const exampleOrg = "../examples/org.yaml"

// orgstackSeed runs `orgstack seed` with env.
func orgstackSeed(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return runOrgstack(t, env, nil, append([]string{"seed"}, args...)...)
}

// runOrgstack runs the orgstack binary with env (and stdin, if not nil),
// for at most two minutes; a failure to run it at all fails the test.
func runOrgstack(t testing.TB, env []string, stdin []byte, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, orgstackBinary(t), args...)
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// orgDump is the organization as e2e/testdata/org_dump.py reads it with boto3.
type orgDump struct {
	Organization string   `json:"organization"`
	PolicyTypes  []string `json:"policy_types"`
	RootPolicies []string `json:"root_policies"`
	RootAccounts []string `json:"root_accounts"`
	OUs          map[string]struct {
		Policies []string          `json:"policies"`
		Tags     map[string]string `json:"tags"`
		Accounts []string          `json:"accounts"`
	} `json:"ous"`
	Accounts map[string]struct {
		Email    string            `json:"email"`
		Tags     map[string]string `json:"tags"`
		Policies []string          `json:"policies"`
	} `json:"accounts"`
	TrustedServices []string            `json:"trusted_services"`
	DelegatedAdmins map[string][]string `json:"delegated_administrators"`
	IAM             map[string]struct {
		Users map[string]struct {
			Path    string   `json:"path"`
			Managed []string `json:"managed"`
			Inline  []string `json:"inline"`
		} `json:"users"`
		Roles map[string]struct {
			Managed []string `json:"managed"`
		} `json:"roles"`
	} `json:"iam"`
}

func (s *srv) dumpOrg(t testing.TB, account string, iamOf ...string) (orgDump, string) {
	t.Helper()
	raw := s.python(t, account, "org_dump.py", iamOf...)
	var d orgDump
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatalf("org_dump.py: %v\n%s", err, raw)
	}
	return d, raw
}

var seedSummaryRE = regexp.MustCompile(`organization (o-\w+) \(management account (\d{12})\): (\d+) created, (\d+) updated, (\d+) unchanged`)

// TestSeedExample: `orgstack seed examples/org.yaml` builds the
// organization the file describes, as boto3 and the aws CLI see it, and
// a second run changes nothing.
func TestSeedExample(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, maxAccounts(100))

	// Endpoint and credentials from the standard environment variables.
	r := orgstackSeed(t, s.clientEnv(mgmt), exampleOrg)
	if r.code != 0 {
		t.Fatalf("seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	m := seedSummaryRE.FindStringSubmatch(r.stdout)
	if m == nil || m[2] != mgmt || m[4] != "0" || m[5] != "0" || m[3] == "0" {
		t.Fatalf("first run summary: %q", r.stdout)
	}
	// Not a terminal: a plain line per entry created.
	if !strings.Contains(r.stderr, `created account "payments-api-prod"`) || strings.Contains(r.stderr, "\r") {
		t.Errorf("progress lines:\n%s", r.stderr)
	}

	members := []string{"Audit", "Security Tooling", "Shared Services", "Log Archive"}
	d, raw := s.dumpOrg(t, mgmt, members...)

	if len(d.Accounts) != 49 {
		t.Errorf("%d accounts, want 48 members and the management account", len(d.Accounts))
	}
	if len(d.OUs) != 19 {
		t.Errorf("%d OUs, want 19: %v", len(d.OUs), keysOf(d.OUs))
	}
	if d.Organization != "ALL" {
		t.Errorf("feature set %s", d.Organization)
	}
	wantOUs := []string{"Infrastructure", "Infrastructure/NonProd", "Infrastructure/Prod", "Sandbox", "Security", "Suspended", "Workloads",
		"Workloads/Dev", "Workloads/Dev/Data", "Workloads/Dev/Payments", "Workloads/Dev/Retail",
		"Workloads/Prod", "Workloads/Prod/Data", "Workloads/Prod/Payments", "Workloads/Prod/Retail",
		"Workloads/Staging", "Workloads/Staging/Data", "Workloads/Staging/Payments", "Workloads/Staging/Retail"}
	if got := keysOf(d.OUs); !reflect.DeepEqual(got, wantOUs) {
		t.Errorf("OU tree:\n got %v\nwant %v", got, wantOUs)
	}
	if got := d.OUs["Workloads/Prod/Payments"].Accounts; !reflect.DeepEqual(got, []string{"payments-api-prod", "payments-fraud-prod", "payments-ledger-prod", "payments-reporting-prod"}) {
		t.Errorf("Workloads/Prod/Payments accounts: %v", got)
	}
	if got := d.OUs["Security"].Accounts; !reflect.DeepEqual(got, []string{"Audit", "Log Archive", "Security Tooling"}) {
		t.Errorf("Security accounts: %v", got)
	}
	// Accounts of the top-level list placed with ou:.
	if got := d.OUs["Sandbox"].Accounts; !reflect.DeepEqual(got, []string{"sandbox-alice", "sandbox-bashir", "sandbox-chen", "sandbox-dagny"}) {
		t.Errorf("Sandbox accounts: %v", got)
	}
	if len(d.RootAccounts) != 1 {
		t.Errorf("accounts in the root: %v (want the management account only)", d.RootAccounts)
	}
	// Policies and attachments.
	if !reflect.DeepEqual(d.PolicyTypes, []string{"AISERVICES_OPT_OUT_POLICY", "SERVICE_CONTROL_POLICY", "TAG_POLICY"}) {
		t.Errorf("policy types enabled: %v", d.PolicyTypes)
	}
	for target, want := range map[string][]string{
		"":                    {"DenyLeaveOrganization", "FullAWSAccess", "OptOutOfAIServices"},
		"Workloads":           {"CostCenterTags", "FullAWSAccess", "RegionRestriction"},
		"Workloads/Prod":      {"DenyRootUser", "FullAWSAccess"},
		"Infrastructure/Prod": {"DenyRootUser", "FullAWSAccess"},
		"Security":            {"FullAWSAccess", "ProtectSecurityTooling"},
		"Sandbox":             {"FullAWSAccess", "SandboxGuardrails"},
		"Suspended":           {"DenyAll", "FullAWSAccess"},
		"Workloads/Dev":       {"FullAWSAccess"},
	} {
		got := d.RootPolicies
		if target != "" {
			got = d.OUs[target].Policies
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("policies of %q: %v, want %v", target, got, want)
		}
	}
	// Tags and e-mail addresses.
	if a := d.Accounts["retail-search-staging"]; a.Email != "aws+retail-search-staging@example.com" ||
		!reflect.DeepEqual(a.Tags, map[string]string{"team": "retail", "environment": "staging", "CostCenter": "CC-1002"}) {
		t.Errorf("retail-search-staging: %+v", a)
	}
	if tags := d.OUs["Workloads/Prod/Retail"].Tags; tags["team"] != "retail" {
		t.Errorf("OU tags: %v", tags)
	}
	// Trusted access and delegated administrators.
	if !reflect.DeepEqual(d.TrustedServices, []string{"guardduty.amazonaws.com", "securityhub.amazonaws.com", "ssm.amazonaws.com"}) {
		t.Errorf("trusted services: %v", d.TrustedServices)
	}
	if !reflect.DeepEqual(d.DelegatedAdmins, map[string][]string{
		"guardduty.amazonaws.com": {"Security Tooling"}, "securityhub.amazonaws.com": {"Security Tooling"}, "ssm.amazonaws.com": {"Shared Services"},
	}) {
		t.Errorf("delegated administrators: %v", d.DelegatedAdmins)
	}
	// IAM in the management account and in members.
	if u := d.IAM["management"].Users["ci-deployer"]; u.Path != "/automation/" || !reflect.DeepEqual(u.Inline, []string{"describe-org"}) ||
		!reflect.DeepEqual(u.Managed, []string{"arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess"}) {
		t.Errorf("management ci-deployer: %+v", u)
	}
	if _, ok := d.IAM["management"].Roles["OrganizationAuditor"]; !ok {
		t.Errorf("management roles: %v", d.IAM["management"].Roles)
	}
	if r := d.IAM["Security Tooling"].Roles["SecurityAdmin"]; !reflect.DeepEqual(r.Managed, []string{"arn:aws:iam::aws:policy/AdministratorAccess"}) {
		t.Errorf("Security Tooling roles: %+v", d.IAM["Security Tooling"].Roles)
	}
	if _, ok := d.IAM["Security Tooling"].Users["incident-responder"]; !ok {
		t.Errorf("Security Tooling users: %+v", d.IAM["Security Tooling"].Users)
	}
	if _, ok := d.IAM["Audit"].Roles["AuditReadOnly"]; !ok {
		t.Errorf("Audit roles: %+v", d.IAM["Audit"].Roles)
	}
	if got := d.IAM["Log Archive"]; len(got.Users)+len(got.Roles) != 0 {
		t.Errorf("Log Archive has IAM the file does not give it: %+v", got)
	}
	// The aws CLI sees the same.
	if out := s.awsOK(t, mgmt, "organizations", "list-accounts"); len(out["Accounts"].([]any)) != 49 {
		t.Errorf("aws organizations list-accounts: %d accounts", len(out["Accounts"].([]any)))
	}

	// Again, with --endpoint-url and no AWS_ENDPOINT_URL: nothing changes.
	env := withoutEnv(s.clientEnv(mgmt), "AWS_ENDPOINT_URL")
	r = orgstackSeed(t, env, "--endpoint-url", s.endpoint, exampleOrg)
	if r.code != 0 {
		t.Fatalf("second seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	m2 := seedSummaryRE.FindStringSubmatch(r.stdout)
	if m2 == nil || m2[1] != m[1] || m2[3] != "0" || m2[4] != "0" || m2[5] != m[3] {
		t.Fatalf("second run summary: %q (first: %q)", r.stdout, m[0])
	}
	if strings.TrimSpace(r.stderr) != "" {
		t.Errorf("second run printed progress for unchanged entries:\n%s", r.stderr)
	}
	if _, raw2 := s.dumpOrg(t, mgmt, members...); raw2 != raw {
		t.Errorf("the organization changed on the second run")
	}

	// --quiet prints nothing.
	if r := orgstackSeed(t, s.clientEnv(mgmt), "--quiet", exampleOrg); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("--quiet: exit %d, printed %q %q", r.code, r.stdout, r.stderr)
	}
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSeedBadFile: a bad entry is reported with the file and line, and
// nothing is called.
func TestSeedBadFile(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	path := filepath.Join(t.TempDir(), "org.yaml")
	writeFile(t, path, `feature_set: ALL
organizational_units:
  - name: Prod
    accounts:
      - name: Dev
        email: dev-at-example.com
      - name: Ops
        email: ops@example.com
        policies: [Guardrails]
`)
	r := orgstackSeed(t, s.clientEnv(mgmt), path)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := []string{
		path + `:6: account "Dev": email "dev-at-example.com" is not an e-mail address`,
		path + `:9: account "Ops": policy "Guardrails" is not defined in policies`,
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
		}
	}
	s.awsErr(t, mgmt, "AWSOrganizationsNotInUseException", "organizations", "describe-organization")
	// --check checks without calling.
	if r := orgstackSeed(t, s.clientEnv(mgmt), "--check", exampleOrg); r.code != 0 || !strings.Contains(r.stdout, "ok") {
		t.Errorf("--check: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	s.awsErr(t, mgmt, "AWSOrganizationsNotInUseException", "organizations", "describe-organization")
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServeSeed: `serve --seed` answers health 503 "seeding" until the
// organization exists, then 200 "ready".
func TestServeSeed(t *testing.T) {
	t.Parallel()
	// Accounts take 200ms each to create, so seeding lasts long enough to be seen.
	p := startProcess(t, "--memory", "--max-accounts", "100", "--create-account-delay", "200ms", "--seed", exampleOrg)
	s := &srv{t: t, endpoint: p.endpoint}
	code, health := s.admin(t, "GET", "/_orgstack/health", "")
	if code != 503 || health["status"] != "seeding" || health["version"] == nil {
		t.Fatalf("health while seeding: %d %v", code, health)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, health = s.admin(t, "GET", "/_orgstack/health", "")
		if code == 200 {
			break
		}
		if code != 503 || time.Now().After(deadline) {
			t.Fatalf("health: %d %v", code, health)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if health["status"] != "ready" {
		t.Fatalf("health: %v", health)
	}
	// Seeded as the file's management account.
	out := s.awsOK(t, mgmt, "organizations", "list-accounts")
	if n := len(out["Accounts"].([]any)); n != 49 {
		t.Errorf("%d accounts after serve --seed", n)
	}
	out = s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", "securityhub.amazonaws.com")
	if str(out, "DelegatedAdministrators", 0, "Name") != "Security Tooling" {
		t.Errorf("delegated administrators: %v", out)
	}
}

// TestServeSeedFailure: a bad --seed file stops serve before it listens;
// a file the server refuses stops it with the error.
func TestServeSeedFailure(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, "accounts:\n  - name: Dev\n    email: dev@example.com\n    colour: blue\n")
	out, err := exec.Command(orgstackBinary(t), "serve", "--memory", "--addr", "127.0.0.1:0", "--seed", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), bad+`:4: unknown key "colour" in an account`) || strings.Contains(string(out), "listening") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}

	// The default quota of 10 accounts is too small for the example.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, orgstackBinary(t), "serve", "--memory", "--addr", "127.0.0.1:0", "--seed", exampleOrg)
	cmd.Env = append(os.Environ(), "ORGSTACK_LOG_LEVEL=warn")
	out, err = cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("serve with a failing seed: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`orgstack: seed: \.\./examples/org\.yaml:\d+: creating account "[^"]+": CreateAccount failed: ACCOUNT_LIMIT_EXCEEDED`).Match(out) {
		t.Errorf("error output:\n%s", out)
	}
}

// TestSeedEnforceMode: in enforce mode seed signs as the management
// account's root user and acts in member accounts through
// OrganizationAccountAccessRole.
func TestSeedEnforceMode(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	path := filepath.Join(t.TempDir(), "org.yaml")
	writeFile(t, path, `policies:
  - name: DenyLeave
    content: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "organizations:LeaveOrganization", Resource: "*"}]}
organizational_units:
  - name: Apps
    policies: [DenyLeave]
    accounts:
      - name: app
        email: app@example.com
        iam:
          roles:
            - name: Deployer
          users:
            - name: bot
              inline_policies:
                read: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
`)
	for i, want := range []string{"7 created, 0 updated, 0 unchanged", "0 created, 0 updated, 7 unchanged"} {
		r := orgstackSeed(t, s.clientEnv(mgmt), path)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("run %d: exit %d, want %q\n%s%s", i+1, r.code, want, r.stdout, r.stderr)
		}
	}
	out := s.awsOK(t, mgmt, "organizations", "list-accounts")
	var app string
	for _, a := range out["Accounts"].([]any) {
		if str(a, "Name") == "app" {
			app = str(a, "Id")
		}
	}
	if app == "" {
		t.Fatalf("no account app: %v", out)
	}
	// The role trusts the management account by default: its root may assume it.
	creds := s.awsOK(t, mgmt, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+app+":role/Deployer", "--role-session-name", "seeded")
	if str(creds, "AssumedRoleUser", "Arn") != "arn:aws:sts::"+app+":assumed-role/Deployer/seeded" {
		t.Errorf("assume Deployer: %v", creds)
	}
	// Drift is corrected: an account moved out of its OU is moved back.
	ctx := context.Background()
	org := s.orgs(mgmt)
	parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(app)})
	if err != nil {
		t.Fatal(err)
	}
	apps := aws.ToString(parents.Parents[0].Id)
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(app), SourceParentId: aws.String(apps), DestinationParentId: roots.Roots[0].Id}); err != nil {
		t.Fatal(err)
	}
	r := orgstackSeed(t, s.clientEnv(mgmt), path)
	if r.code != 0 || !strings.Contains(r.stdout, "0 created, 1 updated, 6 unchanged") || !strings.Contains(r.stderr, `updated account "app"`) {
		t.Fatalf("after a move: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if parents, err = org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(app)}); err != nil || aws.ToString(parents.Parents[0].Id) != apps {
		t.Errorf("app is not back in Apps: %v %v", parents, err)
	}

	// A wrong secret is refused before anything is created.
	env := append(s.clientEnv(mgmt), "AWS_SECRET_ACCESS_KEY=wrong")
	if r := orgstackSeed(t, env, path); r.code != 1 || !strings.Contains(r.stderr, "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: exit %d\n%s", r.code, r.stderr)
	}
}
