package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const ssrPrincipal = "selfservicereporting.managedservices.amazonaws.com"

// ssrModelDir is the botocore data directory holding Self-Service
// Reporting's model, for the aws CLI and boto3 (AWS_DATA_PATH).
func ssrModelDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("../internal/ssr/botocore")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// ssr runs the aws CLI's selfservicereporting commands as account.
func (s *srv) ssr(t testing.TB, account string, args ...string) result {
	t.Helper()
	return s.awsEnv(t, s.clientEnv(account, "AWS_DATA_PATH="+ssrModelDir(t)), append([]string{"selfservicereporting"}, args...)...)
}

func (s *srv) ssrOK(t testing.TB, account string, args ...string) map[string]any {
	t.Helper()
	r := s.ssr(t, account, args...)
	if r.code != 0 {
		t.Fatalf("aws selfservicereporting %v: exit %d: %s", args, r.code, r.stderr)
	}
	return decodeJSON(t, r.stdout)
}

// orgstackSSR runs `orgstack ssr` as account.
func (s *srv) orgstackSSR(t testing.TB, account string, args ...string) result {
	t.Helper()
	return runOrgstack(t, s.clientEnv(account), nil, append([]string{"ssr"}, args...)...)
}

// ssrInstance creates a managed EC2 instance in account, in patch group
// "web", with patch compliance: installed, missing (critical of them
// critical) and failed patches. No patches at all leaves it unreported.
func (s *srv) ssrInstance(t testing.TB, account, id string, installed, missing, critical, failed int) {
	t.Helper()
	now := time.Now().UTC().Format(time.RFC3339)
	s.awsOK(t, account, "ssm", "put-inventory", "--instance-id", id, "--items",
		`[{"TypeName":"AWS:InstanceInformation","SchemaVersion":"1.0","CaptureTime":"`+now+`","Content":[{"InstanceId":"`+id+`","PlatformType":"Linux","ResourceType":"EC2Instance","InstanceStatus":"Active"}]},`+
			`{"TypeName":"AWS:Tag","SchemaVersion":"1.0","CaptureTime":"`+now+`","Content":[{"Key":"Patch Group","Value":"web"}]}]`)
	if installed+missing+failed == 0 {
		return
	}
	var items []string
	add := func(n int, severity, status, state string) {
		for i := 0; i < n; i++ {
			items = append(items, `{"Id":"KB-`+state+strconv.Itoa(len(items))+`","Severity":"`+severity+`","Status":"`+status+`","Details":{"PatchState":"`+state+`"}}`)
		}
	}
	add(installed, "MEDIUM", "COMPLIANT", "Installed")
	add(critical, "CRITICAL", "NON_COMPLIANT", "Missing")
	add(missing-critical, "LOW", "NON_COMPLIANT", "Missing")
	add(failed, "HIGH", "NON_COMPLIANT", "Failed")
	s.awsOK(t, account, "ssm", "put-compliance-items", "--resource-id", id, "--resource-type", "ManagedInstance", "--compliance-type", "Patch",
		"--execution-summary", "ExecutionTime="+now, "--items", "["+strings.Join(items, ",")+"]")
}

// ssrBackup backs up an instance of account and waits for the job to end.
func (s *srv) ssrBackup(t testing.TB, account, instance string) {
	t.Helper()
	if r := s.aws(t, account, "iam", "get-role", "--role-name", "BackupRole"); r.code != 0 {
		s.awsOK(t, account, "iam", "create-role", "--role-name", "BackupRole", "--assume-role-policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	}
	job := str(s.awsOK(t, account, "backup", "start-backup-job", "--backup-vault-name", "Default",
		"--resource-arn", "arn:aws:ec2:us-east-1:"+account+":instance/"+instance,
		"--iam-role-arn", "arn:aws:iam::"+account+":role/BackupRole"), "BackupJobId")
	eventually(t, "backup job "+job, func() bool {
		return str(s.awsOK(t, account, "backup", "describe-backup-job", "--backup-job-id", job), "State") == "COMPLETED"
	})
}

// ssrIncident opens an OpsItem in account, resolving it when asked.
func (s *srv) ssrIncident(t testing.TB, account, severity string, resolve bool) {
	t.Helper()
	id := str(s.awsOK(t, account, "ssm", "create-ops-item", "--title", "incident", "--description", "d", "--source", "EC2", "--severity", severity), "OpsItemId")
	if resolve {
		s.awsOK(t, account, "ssm", "update-ops-item", "--ops-item-id", id, "--status", "Resolved")
	}
}

// TestSelfServiceReportingOrganizationView follows the SSR seed in
// enforce mode: instances, patch compliance, backup jobs and OpsItems are
// created in three member accounts with their own keys; once trusted
// access is enabled, the management account and the SSR delegated
// administrator get organization reports whose totals add up across the
// accounts — also for a member whose SCP denies Systems Manager and
// Backup to its own principals; a plain member is refused; disabling
// trusted access stops the organization view.
func TestSelfServiceReportingOrganizationView(t *testing.T) {
	t.Parallel()
	s := start(t, enforce)
	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")
	m1 := s.createAccount(t, mgmt, "ssr1@example.com", "One")
	m2 := s.createAccount(t, mgmt, "ssr2@example.com", "Two")
	m3 := s.createAccount(t, mgmt, "ssr3@example.com", "Three")

	// m1: two instances (one compliant, one missing 2 patches of which 1
	// critical), one backed up; two incidents, one resolved.
	s.ssrInstance(t, m1, "i-01000000000000001", 3, 0, 0, 0)
	s.ssrInstance(t, m1, "i-01000000000000002", 1, 2, 1, 0)
	s.ssrBackup(t, m1, "i-01000000000000001")
	s.ssrIncident(t, m1, "1", true)
	s.ssrIncident(t, m1, "2", false)
	// m2: one compliant instance, backed up; one incident.
	s.ssrInstance(t, m2, "i-02000000000000001", 5, 0, 0, 0)
	s.ssrBackup(t, m2, "i-02000000000000001")
	s.ssrIncident(t, m2, "1", false)
	// m3: three instances: one failed patch, one unreported, one
	// compliant; nothing backed up; no incident.
	s.ssrInstance(t, m3, "i-03000000000000001", 2, 0, 0, 1)
	s.ssrInstance(t, m3, "i-03000000000000002", 0, 0, 0, 0)
	s.ssrInstance(t, m3, "i-03000000000000003", 4, 0, 0, 0)

	// Before trusted access, the management account is told why.
	r := s.ssr(t, mgmt, "get-report", "--report-type", "PATCH", "--scope", "ORGANIZATION")
	if r.errCode() != "TrustedAccessNotEnabledException" {
		t.Fatalf("before trusted access: exit %d %s", r.code, r.stderr)
	}

	s.awsOK(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", ssrPrincipal)
	eventually(t, "the service-linked role in the management account", func() bool {
		return s.aws(t, mgmt, "iam", "get-role", "--role-name", "AWSServiceRoleForManagedServices_SelfServiceReporting").code == 0
	})
	s.awsOK(t, mgmt, "organizations", "register-delegated-administrator", "--account-id", m1, "--service-principal", ssrPrincipal)

	// An SCP denies Systems Manager and Backup to m2's own principals.
	pid := str(s.awsOK(t, mgmt, "organizations", "create-policy", "--name", "NoOps", "--description", "d", "--type", "SERVICE_CONTROL_POLICY",
		"--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["ssm:*","backup:*"],"Resource":"*"}]}`), "Policy", "PolicySummary", "Id")
	s.awsOK(t, mgmt, "organizations", "attach-policy", "--policy-id", pid, "--target-id", m2)
	if r := s.aws(t, m2, "ssm", "describe-instance-information"); r.errCode() != "AccessDeniedException" {
		t.Fatalf("the SCP does not stop m2's root: exit %d %s", r.code, r.stderr)
	}

	members := []string{m1, m2, m3}
	for _, viewer := range []string{mgmt, m1} {
		for _, typ := range []string{"PATCH", "BACKUP", "INCIDENT"} {
			s.ssrOK(t, viewer, "generate-report", "--report-type", typ, "--scope", "ORGANIZATION")
		}
		patch := s.ssrOK(t, viewer, "get-report", "--report-type", "PATCH", "--scope", "ORGANIZATION")
		p := patch["Summary"].(map[string]any)["Patch"]
		if num(p, "Instances") != 6 || num(p, "CompliantInstances") != 3 || num(p, "NonCompliantInstances") != 2 ||
			num(p, "UnreportedInstances") != 1 || num(p, "CompliancePercentage") != 60 || num(p, "MissingPatches") != 2 ||
			num(p, "CriticalMissingPatches") != 1 || num(p, "FailedPatches") != 1 {
			t.Fatalf("%s: patch totals %v", viewer, p)
		}
		perAccount := map[string]float64{}
		for _, a := range list(patch, "AccountSummaries") {
			perAccount[str(a, "AccountId")] = num(a, "Summary", "Patch", "Instances")
		}
		if perAccount[m1] != 2 || perAccount[m2] != 1 || perAccount[m3] != 3 || perAccount[mgmt] != 0 {
			t.Fatalf("%s: instances per account %v", viewer, perAccount)
		}
		rows := list(patch, "Rows")
		if len(rows) != 6 || str(rows, 0, "account_id") == "" || str(rows, 0, "patch_group") != "web" {
			t.Fatalf("%s: rows %v", viewer, rows)
		}

		backup := s.ssrOK(t, viewer, "get-report", "--report-type", "BACKUP", "--scope", "ORGANIZATION")
		b := backup["Summary"].(map[string]any)["Backup"]
		if num(b, "Resources") != 6 || num(b, "ProtectedResources") != 2 || num(b, "CoveragePercentage") != 33.33 {
			t.Fatalf("%s: backup totals %v", viewer, b)
		}
		incident := s.ssrOK(t, viewer, "get-report", "--report-type", "INCIDENT", "--scope", "ORGANIZATION")
		in := incident["Summary"].(map[string]any)["Incident"]
		if num(in, "Opened") != 3 || num(in, "Resolved") != 1 || num(in, "Open") != 2 || num(in, "BySeverity", "1") != 2 {
			t.Fatalf("%s: incident totals %v", viewer, in)
		}
	}
	// Self-Service Reporting read each member through its own role there.
	for _, m := range members {
		s.awsOK(t, m, "iam", "get-role", "--role-name", "AWSServiceRoleForManagedServices_SelfServiceReporting")
	}

	// A member's own view: its account only.
	own := s.ssrOK(t, m3, "get-report", "--report-type", "PATCH")
	if num(own, "Summary", "Patch", "Instances") != 3 || str(own, "Report", "Scope") != "ACCOUNT" {
		t.Fatalf("m3's own report: %v", own)
	}
	// A plain member does not see the organization.
	if r := s.ssr(t, m3, "get-report", "--report-type", "PATCH", "--scope", "ORGANIZATION"); r.errCode() != "AccessDeniedException" {
		t.Fatalf("plain member: exit %d %s", r.code, r.stderr)
	}

	// orgstack ssr, with the same credentials and endpoint settings.
	out := s.orgstackSSR(t, m1, "report", "--type", "BACKUP", "--organization", "--output", "csv")
	lines := strings.Split(strings.TrimSpace(out.stdout), "\n")
	if out.code != 0 || len(lines) != 7 || lines[0] != "account_id,region,resource_arn,resource_type,protected,last_backup_job_id,last_backup_job_state,last_backup_time" {
		t.Fatalf("orgstack ssr report --output csv: exit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
	out = s.orgstackSSR(t, mgmt, "report", "--type", "PATCH", "--organization")
	if out.code != 0 || !strings.Contains(out.stdout, "TOTAL") || !strings.Contains(out.stdout, "i-03000000000000002") {
		t.Fatalf("orgstack ssr report: exit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
	var js map[string]any
	out = s.orgstackSSR(t, mgmt, "report", "--type", "INCIDENT", "--organization", "--output", "json", "--account", m1)
	if err := json.Unmarshal([]byte(out.stdout), &js); err != nil || num(js, "Summary", "Incident", "Opened") != 2 {
		t.Fatalf("orgstack ssr --output json: %v\n%s%s", err, out.stdout, out.stderr)
	}
	out = s.orgstackSSR(t, m3, "report", "--type", "PATCH", "--organization")
	if out.code == 0 || !strings.Contains(out.stderr, "AccessDeniedException") {
		t.Fatalf("orgstack ssr as a plain member: exit %d %s", out.code, out.stderr)
	}

	// The datasets, under the data directory, in the buckets AWS would use.
	day := str(s.ssrOK(t, mgmt, "list-reports", "--report-type", "PATCH", "--scope", "ORGANIZATION"), "Reports", 0, "Date")
	csv, err := os.ReadFile(filepath.Join(s.dataDir, "datasets", "ams-reporting-data-a"+mgmt, "organization", "patch", day+".csv"))
	if err != nil || len(strings.Split(strings.TrimSpace(string(csv)), "\n")) != 7 {
		t.Fatalf("organization dataset: %v\n%s", err, csv)
	}
	if _, err := os.Stat(filepath.Join(s.dataDir, "datasets", "ams-reporting-data-a"+m3, "patch", day+".json")); err != nil {
		t.Fatalf("m3's dataset: %v", err)
	}

	// Trusted access disabled: the organization view stops.
	s.awsOK(t, mgmt, "organizations", "disable-aws-service-access", "--service-principal", ssrPrincipal)
	for _, viewer := range []string{mgmt, m1} {
		if r := s.ssr(t, viewer, "get-report", "--report-type", "PATCH", "--scope", "ORGANIZATION"); r.errCode() != "TrustedAccessNotEnabledException" {
			t.Fatalf("%s after disabling: exit %d %s", viewer, r.code, r.stderr)
		}
	}
}
