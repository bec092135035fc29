package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgstack/orgstack/internal/app"
)

// embeddedServer starts orgstack on the embedded store whatever
// ORGSTACK_E2E_STORE says.
func embeddedServer(t *testing.T, mods ...func(*app.Config)) *srv {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.LogLevel = "127.0.0.1:0", t.TempDir(), "warn"
	for _, m := range mods {
		m(&cfg)
	}
	return startWith(t, cfg)
}

// postgresServer starts orgstack on a fresh PostgreSQL schema.
func postgresServer(t *testing.T, mods ...func(*app.Config)) *srv {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.LogLevel = "127.0.0.1:0", t.TempDir(), "warn"
	cfg.Store = sharedStore(t)
	for _, m := range mods {
		m(&cfg)
	}
	return startWith(t, cfg)
}

// buildOrganization makes an organization with something of everything a
// snapshot must keep: accounts in an OU, an attached SCP, trusted access
// with its service-linked roles, a delegated administrator, IAM roles.
func buildOrganization(t *testing.T, s *srv) {
	t.Helper()
	ctx := context.Background()
	org := s.orgs(mgmt)
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)
	dev := sdkCreateAccount(t, org, "dev@example.com", "Dev")
	prod := sdkCreateAccount(t, org, "prod@example.com", "Prod")
	ou, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Workloads")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(prod), SourceParentId: aws.String(root), DestinationParentId: ou.OrganizationalUnit.Id}); err != nil {
		t.Fatal(err)
	}
	p, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("deny-leave"), Description: aws.String("no leaving"), Type: types.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: ou.OrganizationalUnit.Id}); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []string{"ssm.amazonaws.com", "auditmanager.amazonaws.com"} {
		if _, err := org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(svc)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(dev), ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.iam(mgmt).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), Path: aws.String("/ci/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + dev + `:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.iam(dev).CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	// The trusted services' roles are created asynchronously: wait for them.
	eventually(t, "AWSServiceRoleForAuditManager in the management account", func() bool {
		_, err := s.iam(mgmt).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForAuditManager")})
		return err == nil
	})
}

// view is everything boto3 sees of the organization, as JSON.
func (s *srv) view(t *testing.T) string {
	t.Helper()
	return s.python(t, mgmt, "snapshot_view.py")
}

// state runs `orgstack state ...` against s.
func (s *srv) state(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if stdin == nil {
		stdin = []byte{}
	}
	r := runOrgstack(t, os.Environ(), stdin, append([]string{"state", args[0], "--endpoint-url", s.endpoint}, args[1:]...)...)
	return r.stdout, r.stderr, r.code
}

func (s *srv) stateOK(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	out, errs, code := s.state(t, stdin, args...)
	if code != 0 {
		t.Fatalf("orgstack state %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

func sameView(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: the organization differs from the one exported\nexported:\n%s\nnow:\n%s", what, want, got)
	}
}

// TestSnapshotRoundTrip exports an organization with the orgstack
// command, resets the server, imports the snapshot and checks with boto3
// that everything came back; then loads it into a fresh server.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	s := start(t)
	buildOrganization(t, s)
	before := s.view(t)
	if !strings.Contains(before, "AWSServiceRoleForAmazonSSM_AccountDiscovery") || !strings.Contains(before, "AWSServiceRoleForAutoScaling") || !strings.Contains(before, "deny-leave") {
		t.Fatalf("the organization lacks what the test built:\n%s", before)
	}
	snap := s.stateOK(t, nil, "export")
	if !strings.HasPrefix(snap, `{"format":"orgstack-snapshot","formatVersion":1,"stateVersion":1,`) {
		t.Fatalf("export does not start with the header:\n%.300s", snap)
	}
	file := filepath.Join(t.TempDir(), "snap.jsonl")
	if err := os.WriteFile(file, []byte(snap), 0o600); err != nil {
		t.Fatal(err)
	}

	if out := s.stateOK(t, nil, "reset"); !strings.Contains(out, "state reset") {
		t.Fatalf("reset printed %q", out)
	}
	s.awsErr(t, mgmt, "AWSOrganizationsNotInUseException", "organizations", "describe-organization")

	out := s.stateOK(t, nil, "import", file)
	if !strings.HasPrefix(out, "imported ") {
		t.Fatalf("import printed %q", out)
	}
	sameView(t, "after reset and import", s.view(t), before)
	// The imported organization works: a member is still governed by it.
	s.awsErr(t, "222222222222", "AWSOrganizationsNotInUseException", "organizations", "describe-organization")
	s.awsOK(t, mgmt, "organizations", "create-organizational-unit", "--parent-id", str(decodeJSON(t, s.aws(t, mgmt, "organizations", "list-roots").stdout), "Roots", 0, "Id"), "--name", "After")

	// A fresh server of the other kind, from a gzip-compressed snapshot
	// read from standard input.
	fresh := embeddedServer(t, inMemory)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(snap))
	_ = zw.Close()
	fresh.stateOK(t, gz.Bytes(), "import", "-")
	sameView(t, "in a fresh server", fresh.view(t), before)
}

// TestSnapshotRefused imports a snapshot of another state version, a
// corrupted one and a truncated one: each is refused with its reason and
// the state stays as it was.
func TestSnapshotRefused(t *testing.T) {
	t.Parallel()
	s := start(t)
	buildOrganization(t, s)
	snap := s.stateOK(t, nil, "export")
	before := s.view(t)
	dir := t.TempDir()
	cases := []struct{ name, content, msg string }{
		{"newer", strings.Replace(snap, `"stateVersion":1`, `"stateVersion":2`, 1),
			"import refused: incompatible snapshot: snapshot state version 2 is not supported: this orgstack reads state version 1, and the snapshot was written by orgstack " + app.Version + "; the state is unchanged"},
		{"format", strings.Replace(snap, `"formatVersion":1`, `"formatVersion":9`, 1), "snapshot format version 9 is not supported"},
		{"corrupted", strings.Replace(snap, `"name":"Dev"`, `"name":"Dxv"`, 1), "import refused: corrupt snapshot: checksum mismatch"},
		{"truncated", snap[:len(snap)*2/3], "import refused: corrupt snapshot: the snapshot is truncated"},
	}
	// Wipe the state first, so that a partial import would show.
	s.stateOK(t, nil, "reset")
	empty := s.stateOK(t, nil, "export")
	s.stateOK(t, []byte(snap), "import", "-")
	for _, tc := range cases {
		if tc.content == snap {
			t.Fatalf("%s: the snapshot was not changed", tc.name)
		}
		file := filepath.Join(dir, tc.name)
		if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errs, code := s.state(t, nil, "import", file)
		if code != 1 || !strings.Contains(errs, tc.msg) {
			t.Fatalf("%s: import exit %d, stderr %q; want exit 1 and %q", tc.name, code, errs, tc.msg)
		}
	}
	sameView(t, "after refused imports", s.view(t), before)

	// The endpoint answers 409 for another version, 400 for a corrupt one.
	for body, want := range map[string]int{cases[0].content: http.StatusConflict, cases[2].content: http.StatusBadRequest, "": http.StatusBadRequest} {
		code, v := s.admin(t, http.MethodPut, "/_orgstack/state", body)
		if code != want || !strings.Contains(str(v, "error"), "the state is unchanged") {
			t.Fatalf("PUT /_orgstack/state: %d %v; want %d", code, v, want)
		}
	}
	sameView(t, "after refused PUTs", s.view(t), before)
	if !strings.Contains(empty, `{"end":true,"records":0,`) {
		t.Fatalf("export of an empty state:\n%s", empty)
	}
}

// records is a snapshot's record lines, without header and trailer.
func records(t *testing.T, snap string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(snap, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("not a snapshot:\n%s", snap)
	}
	return lines[1 : len(lines)-1]
}

// TestSnapshotBoltPostgres moves an organization from the embedded store
// to PostgreSQL and back.
func TestSnapshotBoltPostgres(t *testing.T) {
	t.Parallel()
	src := embeddedServer(t)
	buildOrganization(t, src)
	before := src.view(t)
	snap := src.stateOK(t, nil, "export")

	pg := postgresServer(t)
	pg.stateOK(t, []byte(snap), "import", "-")
	sameView(t, "on PostgreSQL", pg.view(t), before)
	fromPG := pg.stateOK(t, nil, "export")
	if !strings.Contains(strings.SplitN(fromPG, "\n", 2)[0], `"store":"postgres"`) {
		t.Fatalf("header of PostgreSQL's export: %.200s", fromPG)
	}
	if got, want := records(t, fromPG), records(t, snap); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("PostgreSQL exported other records than it imported: %d lines, want %d", len(got), len(want))
	}

	back := embeddedServer(t)
	back.stateOK(t, []byte(fromPG), "import", "-")
	sameView(t, "back on the embedded store", back.view(t), before)
}

// TestSnapshotPendingJobs exports a state with an account still being
// created and the clock moved forward: the server importing it takes the
// clock over and finishes the creation when it is due.
func TestSnapshotPendingJobs(t *testing.T) {
	t.Parallel()
	src := start(t, clockControl, func(c *app.Config) { c.CreateAccountDelay = time.Hour })
	if code, v := src.admin(t, http.MethodPost, "/_orgstack/clock", `{"advance":"240h"}`); code != http.StatusOK {
		t.Fatalf("advancing the clock: %d %v", code, v)
	}
	ctx := context.Background()
	if _, err := src.orgs(mgmt).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	out, err := src.orgs(mgmt).CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("late@example.com"), AccountName: aws.String("Late")})
	if err != nil {
		t.Fatal(err)
	}
	snap := src.stateOK(t, nil, "export")
	if !strings.Contains(snap, `"k":"job/`) {
		t.Fatalf("the snapshot holds no pending job:\n%s", snap)
	}

	dst := start(t, clockControl)
	dst.stateOK(t, []byte(snap), "import", "-")
	if _, v := dst.admin(t, http.MethodGet, "/_orgstack/clock", ""); v["offsetSeconds"].(float64) < 240*3600 {
		t.Fatalf("after import the clock is %v; want the snapshot's offset of 240h", v)
	}
	st, err := dst.orgs(mgmt).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
	if err != nil {
		t.Fatal(err)
	}
	if st.CreateAccountStatus.State != types.CreateAccountStateInProgress {
		t.Fatalf("right after import the creation is %s, want IN_PROGRESS", st.CreateAccountStatus.State)
	}
	if code, v := dst.admin(t, http.MethodPost, "/_orgstack/clock", `{"advance":"2h"}`); code != http.StatusOK {
		t.Fatalf("advancing the clock: %d %v", code, v)
	}
	eventually(t, "the imported account creation to finish", func() bool {
		st, err := dst.orgs(mgmt).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
		return err == nil && st.CreateAccountStatus.State == types.CreateAccountStateSucceeded
	})
	accounts := dst.awsOK(t, mgmt, "organizations", "list-accounts")
	if !strings.Contains(fmt.Sprint(accounts), "late@example.com") {
		t.Fatalf("list-accounts after the job ran: %v", accounts)
	}
}
