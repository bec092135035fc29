package e2e

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

const (
	bkWeb  = "i-0a1b2c3d4e5f60001"
	bkDB   = "i-0a1b2c3d4e5f60002"
	bkGone = "i-0ffffffffffffffff"
	bkRole = "arn:aws:iam::" + mgmt + ":role/service-role/BackupRole"
)

var (
	bkJobID = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	bkAMI   = regexp.MustCompile(`^arn:aws:ec2:us-east-1::image/ami-[0-9a-f]{17}$`)
)

func bkInstanceARN(account, id string) string {
	return "arn:aws:ec2:us-east-1:" + account + ":instance/" + id
}

func backupJobDuration(d time.Duration) func(*app.Config) {
	return func(c *app.Config) { c.BackupJobDuration = d }
}

// bkSetup gives account a role Backup can use and managed nodes: EC2
// instances (one named by its Name tag) and an on-premises server.
func (s *srv) bkSetup(t testing.TB, account string, instances ...string) {
	t.Helper()
	s.awsOK(t, account, "iam", "create-role", "--role-name", "BackupRole", "--path", "/service-role/", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	node := func(id, resourceType, name string) string {
		items := `[{"TypeName":"AWS:InstanceInformation","SchemaVersion":"1.0","CaptureTime":"2025-01-01T00:00:00Z","Content":[{"InstanceId":"` + id +
			`","AgentType":"amazon-ssm-agent","AgentVersion":"3.3.40.0","ComputerName":"` + id + `.internal","IpAddress":"10.0.0.7",` +
			`"PlatformName":"Amazon Linux","PlatformType":"Linux","PlatformVersion":"2023","ResourceType":"` + resourceType + `","InstanceStatus":"Active"}]}`
		if name != "" {
			items += `,{"TypeName":"AWS:Tag","SchemaVersion":"1.0","CaptureTime":"2025-01-01T00:00:00Z","Content":[{"Key":"Name","Value":"` + name + `"}]}`
		}
		return items + "]"
	}
	for i, id := range instances {
		name := ""
		if i == 0 {
			name = "web-1"
		}
		s.awsOK(t, account, "ssm", "put-inventory", "--instance-id", id, "--items", node(id, "EC2Instance", name))
	}
	s.awsOK(t, account, "ssm", "put-inventory", "--instance-id", "mi-0123456789abcdef0", "--items", node("mi-0123456789abcdef0", "ManagedInstance", ""))
}

func (s *srv) bkStart(t testing.TB, account, resource string, extra ...string) string {
	t.Helper()
	out := s.awsOK(t, account, append([]string{"backup", "start-backup-job", "--backup-vault-name", "Default",
		"--resource-arn", resource, "--iam-role-arn", "arn:aws:iam::" + account + ":role/service-role/BackupRole"}, extra...)...)
	id := str(out, "BackupJobId")
	if !bkJobID.MatchString(id) || out["IsParent"] != false || out["CreationDate"] == nil || out["RecoveryPointArn"] != nil {
		t.Fatalf("start-backup-job answered %v", out)
	}
	return id
}

// bkWait waits until a job reaches state and returns its description.
func (s *srv) bkWait(t testing.TB, account, id, state string) map[string]any {
	t.Helper()
	var d map[string]any
	eventually(t, "backup job "+id+" "+state, func() bool {
		d = s.awsOK(t, account, "backup", "describe-backup-job", "--backup-job-id", id)
		return str(d, "State") == state
	})
	return d
}

func bkIDs(out map[string]any) []string {
	var ids []string
	for _, j := range list(out, "BackupJobs") {
		ids = append(ids, str(j, "BackupJobId"))
	}
	return ids
}

func bkSame(got []string, want ...string) bool {
	return strings.Join(got, ",") == strings.Join(want, ",")
}

// bkTime is a timestamp of the CLI's JSON output (epoch seconds), as the
// CLI takes it back.
func bkTime(t testing.TB, v any) time.Time {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("not a timestamp: %v", v)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC()
}

// TestBackupCLI backs up a managed EC2 instance with the aws CLI: the job
// runs CREATED → RUNNING → COMPLETED into the Default vault, the instance
// becomes a protected resource; a job on an instance orgstack does not
// know ends FAILED; a missing role, another vault and a type Backup does
// not back up are refused.
func TestBackupCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, backupJobDuration(3*time.Second))
	s.bkSetup(t, mgmt, bkWeb, bkDB)

	web := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkWeb))
	running := s.bkWait(t, mgmt, web, "RUNNING")
	if p, _ := strconv.ParseFloat(str(running, "PercentDone"), 64); p >= 100 || str(running, "RecoveryPointArn") == "" || running["CompletionDate"] != nil {
		t.Fatalf("running job: %v", running)
	}
	done := s.bkWait(t, mgmt, web, "COMPLETED")
	for k, v := range map[string]string{
		"AccountId": mgmt, "BackupVaultName": "Default", "BackupVaultArn": "arn:aws:backup:us-east-1:" + mgmt + ":backup-vault:Default",
		"ResourceArn": bkInstanceARN(mgmt, bkWeb), "ResourceType": "EC2", "ResourceName": "web-1", "PercentDone": "100.0",
		"IamRoleArn": bkRole, "MessageCategory": "SUCCESS",
	} {
		if str(done, k) != v {
			t.Errorf("%s = %q, want %q", k, str(done, k), v)
		}
	}
	if !bkAMI.MatchString(str(done, "RecoveryPointArn")) || done["BackupSizeInBytes"] == nil ||
		!bkTime(t, done["CompletionDate"]).After(bkTime(t, done["CreationDate"])) {
		t.Fatalf("completed job: %v", done)
	}
	prot := list(s.awsOK(t, mgmt, "backup", "list-protected-resources"), "Results")
	if len(prot) != 1 || str(prot[0], "ResourceArn") != bkInstanceARN(mgmt, bkWeb) || str(prot[0], "ResourceType") != "EC2" ||
		str(prot[0], "ResourceName") != "web-1" || str(prot[0], "LastRecoveryPointArn") != str(done, "RecoveryPointArn") ||
		str(prot[0], "LastBackupVaultArn") != str(done, "BackupVaultArn") ||
		!bkTime(t, prot[0].(map[string]any)["LastBackupTime"]).Equal(bkTime(t, done["CompletionDate"])) {
		t.Fatalf("list-protected-resources: %v", prot)
	}

	// A job on an instance no managed node matches is accepted and fails.
	gone := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkGone))
	failed := s.bkWait(t, mgmt, gone, "FAILED")
	if !strings.Contains(str(failed, "StatusMessage"), bkGone) || str(failed, "RecoveryPointArn") != "" {
		t.Fatalf("failed job: %v", failed)
	}
	if prot := list(s.awsOK(t, mgmt, "backup", "list-protected-resources"), "Results"); len(prot) != 1 {
		t.Fatalf("a failed job protects: %v", prot)
	}

	// Refused synchronously.
	r := s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "start-backup-job", "--backup-vault-name", "Default",
		"--resource-arn", bkInstanceARN(mgmt, bkDB), "--iam-role-arn", "arn:aws:iam::"+mgmt+":role/NoSuchRole")
	if !strings.Contains(r.stderr, "arn:aws:iam::"+mgmt+":role/NoSuchRole") {
		t.Fatalf("missing role: %s", r.stderr)
	}
	s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "start-backup-job", "--backup-vault-name", "Default",
		"--resource-arn", bkInstanceARN(mgmt, bkDB), "--iam-role-arn", "arn:aws:iam::222222222222:role/service-role/BackupRole")
	s.awsErr(t, mgmt, "ResourceNotFoundException", "backup", "start-backup-job", "--backup-vault-name", "Nightly",
		"--resource-arn", bkInstanceARN(mgmt, bkDB), "--iam-role-arn", bkRole)
	s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "start-backup-job", "--backup-vault-name", "no spaces",
		"--resource-arn", bkInstanceARN(mgmt, bkDB), "--iam-role-arn", bkRole)
	s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "start-backup-job", "--backup-vault-name", "Default",
		"--resource-arn", "arn:aws:ssm:us-east-1:"+mgmt+":managed-instance/mi-0123456789abcdef0", "--iam-role-arn", bkRole)
	s.awsErr(t, mgmt, "ResourceNotFoundException", "backup", "describe-backup-job", "--backup-job-id", "9A0F0E1C-0000-4000-8000-000000000000")
	// Operations orgstack does not implement say so.
	s.awsErr(t, mgmt, "NotImplemented", "backup", "list-backup-vaults")

	// The same idempotency token starts one job.
	again := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkDB), "--idempotency-token", "nightly-db")
	if id := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkDB), "--idempotency-token", "nightly-db"); id != again {
		t.Fatalf("retry started %s, first %s", id, again)
	}
	s.bkWait(t, mgmt, again, "COMPLETED")
	if got := bkIDs(s.awsOK(t, mgmt, "backup", "list-backup-jobs")); !bkSame(got, web, gone, again) {
		t.Fatalf("list-backup-jobs: %v", got)
	}
	// Each account and region has its own jobs.
	if got := bkIDs(s.awsOK(t, "222222222222", "backup", "list-backup-jobs")); len(got) != 0 {
		t.Fatalf("another account lists %v", got)
	}
	if got := bkIDs(s.awsOK(t, mgmt, "backup", "list-backup-jobs", "--region", "eu-west-1")); len(got) != 0 {
		t.Fatalf("eu-west-1 lists %v", got)
	}
	s.awsErr(t, "222222222222", "ResourceNotFoundException", "backup", "describe-backup-job", "--backup-job-id", web)
}

// TestBackupListFiltersAndPages filters list-backup-jobs and pages both
// listings with the service's own NextToken.
func TestBackupListFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, backupJobDuration(500*time.Millisecond))
	s.bkSetup(t, mgmt, bkWeb, bkDB)
	web := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkWeb))
	s.bkWait(t, mgmt, web, "COMPLETED")
	gone := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkGone))
	s.bkWait(t, mgmt, gone, "FAILED")
	db := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkDB))
	dbDone := s.bkWait(t, mgmt, db, "COMPLETED")
	created := func(id string) string {
		d := s.awsOK(t, mgmt, "backup", "describe-backup-job", "--backup-job-id", id)
		return bkTime(t, d["CreationDate"]).Format(time.RFC3339Nano)
	}

	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{web, gone, db}},
		{[]string{"--by-state", "COMPLETED"}, []string{web, db}},
		{[]string{"--by-state", "FAILED"}, []string{gone}},
		{[]string{"--by-resource-arn", bkInstanceARN(mgmt, bkWeb)}, []string{web}},
		{[]string{"--by-backup-vault-name", "Default"}, []string{web, gone, db}},
		{[]string{"--by-backup-vault-name", "Nightly"}, nil},
		{[]string{"--by-resource-type", "EC2"}, []string{web, gone, db}},
		{[]string{"--by-resource-type", "RDS"}, nil},
		{[]string{"--by-account-id", mgmt}, []string{web, gone, db}},
		{[]string{"--by-created-after", created(web)}, []string{gone, db}},
		{[]string{"--by-created-before", created(db)}, []string{web, gone}},
		{[]string{"--by-complete-after", bkTime(t, dbDone["CreationDate"]).Format(time.RFC3339Nano)}, []string{db}},
		{[]string{"--by-complete-before", created(db)}, []string{web, gone}},
	} {
		if got := bkIDs(s.awsOK(t, mgmt, append([]string{"backup", "list-backup-jobs"}, c.args...)...)); !bkSame(got, c.want...) {
			t.Errorf("list-backup-jobs %v: got %v, want %v", c.args, got, c.want)
		}
	}
	// Cross-account listing is not implemented, and says so.
	s.awsErr(t, mgmt, "NotImplemented", "backup", "list-backup-jobs", "--by-account-id", "222222222222")
	s.awsErr(t, mgmt, "NotImplemented", "backup", "list-backup-jobs", "--by-account-id", "*")

	// Pages of one, with the service's tokens.
	var got []string
	token := ""
	for page := 0; ; page++ {
		args := []string{"backup", "list-backup-jobs", "--no-paginate", "--max-results", "1"}
		if token != "" {
			args = append(args, "--next-token", token)
		}
		out := s.awsOK(t, mgmt, args...)
		if ids := bkIDs(out); len(ids) != 1 || page > 2 {
			t.Fatalf("page %d: %v", page, out)
		}
		got = append(got, bkIDs(out)...)
		if token = str(out, "NextToken"); token == "" {
			break
		}
		if page == 0 {
			// A token belongs to its listing and its account.
			s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "list-backup-jobs", "--no-paginate", "--by-state", "FAILED", "--next-token", token)
			s.awsErr(t, "222222222222", "InvalidParameterValueException", "backup", "list-backup-jobs", "--no-paginate", "--next-token", token)
		}
	}
	if !bkSame(got, web, gone, db) {
		t.Fatalf("paged %v", got)
	}
	s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "list-backup-jobs", "--next-token", "garbage")
	s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "list-backup-jobs", "--max-results", "1001")

	// The CLI's own paging walks the service's pages.
	var arns []string
	for _, r := range list(s.awsOK(t, mgmt, "backup", "list-protected-resources", "--page-size", "1"), "Results") {
		arns = append(arns, str(r, "ResourceArn"))
	}
	if !bkSame(arns, bkInstanceARN(mgmt, bkWeb), bkInstanceARN(mgmt, bkDB)) {
		t.Fatalf("list-protected-resources: %v", arns)
	}
	first := s.awsOK(t, mgmt, "backup", "list-protected-resources", "--no-paginate", "--max-results", "1")
	if len(list(first, "Results")) != 1 || str(first, "NextToken") == "" {
		t.Fatalf("first page: %v", first)
	}
	s.awsErr(t, mgmt, "InvalidParameterValueException", "backup", "list-backup-jobs", "--next-token", str(first, "NextToken"))
}

// TestBackupJobSurvivesRestart: a running job completes after orgstack
// restarts on the same data directory.
func TestBackupJobSurvivesRestart(t *testing.T) {
	t.Parallel()
	// A job that runs for an hour of orgstack's clock: it is RUNNING
	// across the restart however slow the machine, and completes once the
	// clock is moved past its end.
	s := start(t, backupJobDuration(time.Hour), clockControl)
	s.bkSetup(t, mgmt, bkWeb)
	id := s.bkStart(t, mgmt, bkInstanceARN(mgmt, bkWeb))
	s.bkWait(t, mgmt, id, "RUNNING")
	s = s.restart(t)
	if st := str(s.awsOK(t, mgmt, "backup", "describe-backup-job", "--backup-job-id", id), "State"); st != "RUNNING" {
		t.Fatalf("after restart: %s, want the job still RUNNING", st)
	}
	s.admin(t, "POST", "/_orgstack/clock", `{"advance":"61m"}`)
	s.bkWait(t, mgmt, id, "COMPLETED")
	if prot := list(s.awsOK(t, mgmt, "backup", "list-protected-resources"), "Results"); len(prot) != 1 {
		t.Fatalf("list-protected-resources: %v", prot)
	}
}
