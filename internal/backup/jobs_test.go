package backup

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

var jobIDPattern = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)

// TestJobOnManagedInstanceCompletes follows a job from CREATED to
// COMPLETED and the instance into the protected resources.
func TestJobOnManagedInstanceCompletes(t *testing.T) {
	f := newFixture(t, time.Hour, false)
	ctx := as(acct, region)
	created := f.clock.Now()
	out, err := f.svc.StartBackupJob(ctx, &StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: role})
	if err != nil {
		t.Fatal(err)
	}
	if !jobIDPattern.MatchString(out.BackupJobId) || !out.CreationDate.Equal(created) || out.IsParent == nil || *out.IsParent || out.RecoveryPointArn != "" {
		t.Fatalf("StartBackupJob answered %+v", out)
	}
	d := f.describe(t, ctx, out.BackupJobId)
	if d.State != BackupJobStateCreated || d.PercentDone != "0.0" || d.RecoveryPointArn != "" || !d.CompletionDate.IsZero() ||
		!d.StartBy.Equal(created.Add(8*time.Hour)) {
		t.Fatalf("new job: %+v", d)
	}

	f.startQueue(t)
	f.settle(t)
	d = f.describe(t, ctx, out.BackupJobId)
	if d.State != BackupJobStateRunning || d.PercentDone != "0.0" || !d.ExpectedCompletionDate.Equal(created.Add(time.Hour)) {
		t.Fatalf("started job: %+v", d)
	}
	f.advance(t, 30*time.Minute)
	if d = f.describe(t, ctx, out.BackupJobId); d.State != BackupJobStateRunning || d.PercentDone != "50.0" {
		t.Fatalf("half-way: state %s, %s%%", d.State, d.PercentDone)
	}
	if p := f.protected(t, ctx); len(p) != 0 {
		t.Fatalf("protected before any backup completed: %+v", p)
	}

	f.advance(t, 30*time.Minute)
	d = f.describe(t, ctx, out.BackupJobId)
	want := map[string]string{
		"State": string(d.State), "PercentDone": d.PercentDone, "ResourceType": d.ResourceType, "ResourceName": d.ResourceName,
		"AccountId": d.AccountId, "BackupVaultName": d.BackupVaultName, "BackupVaultArn": d.BackupVaultArn, "IamRoleArn": d.IamRoleArn,
		"ResourceArn": d.ResourceArn, "MessageCategory": d.MessageCategory, "StatusMessage": d.StatusMessage,
	}
	for k, v := range map[string]string{
		"State": "COMPLETED", "PercentDone": "100.0", "ResourceType": "EC2", "ResourceName": "web-1",
		"AccountId": acct, "BackupVaultName": "Default", "BackupVaultArn": "arn:aws:backup:us-east-1:111111111111:backup-vault:Default",
		"IamRoleArn": role, "ResourceArn": webARN, "MessageCategory": "SUCCESS", "StatusMessage": "",
	} {
		if want[k] != v {
			t.Errorf("%s = %q, want %q", k, want[k], v)
		}
	}
	if !d.CompletionDate.Equal(created.Add(time.Hour)) || d.BackupSizeInBytes == nil || *d.BackupSizeInBytes != 8<<30 ||
		!regexp.MustCompile(`^arn:aws:ec2:us-east-1::image/ami-[0-9a-f]{17}$`).MatchString(d.RecoveryPointArn) {
		t.Fatalf("completed job: %+v", d)
	}

	p := f.protected(t, ctx)
	if len(p) != 1 || p[0].ResourceArn != webARN || p[0].ResourceType != "EC2" || p[0].ResourceName != "web-1" ||
		!p[0].LastBackupTime.Equal(d.CompletionDate) || p[0].LastRecoveryPointArn != d.RecoveryPointArn || p[0].LastBackupVaultArn != d.BackupVaultArn {
		t.Fatalf("protected resources: %+v", p)
	}
	// Another region and another account see none of it.
	if l := f.protected(t, as(acct, "eu-west-1")); len(l) != 0 {
		t.Fatalf("eu-west-1 sees %+v", l)
	}
	_, err = f.svc.DescribeBackupJob(as(other, region), &DescribeBackupJobInput{BackupJobId: out.BackupJobId})
	wantError(t, err, "ResourceNotFoundException")
}

func (f *fixture) protected(t *testing.T, ctx context.Context) []ProtectedResource {
	t.Helper()
	out, err := f.svc.ListProtectedResources(ctx, &ListProtectedResourcesInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Results
}

// TestJobOnUnknownResourceFails: a resource orgstack does not know is not
// refused by StartBackupJob; its job ends FAILED.
func TestJobOnUnknownResourceFails(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	ctx := as(acct, region)
	id := f.start(t, ctx, goneARN)
	f.settle(t)
	d := f.describe(t, ctx, id)
	if d.State != BackupJobStateFailed || d.StatusMessage != "The instance ID 'i-0cccccccccccccccc' does not exist" ||
		d.RecoveryPointArn != "" || d.CompletionDate.IsZero() || d.ResourceType != "EC2" {
		t.Fatalf("job on an unknown instance: %+v", d)
	}
	// A type orgstack never backs up fails the same way, saying why.
	rds := f.start(t, ctx, "arn:aws:rds:us-east-1:111111111111:db:orders")
	f.settle(t)
	if d := f.describe(t, ctx, rds); d.State != BackupJobStateFailed || d.ResourceType != "RDS" || !strings.Contains(d.StatusMessage, "managed EC2 instances") {
		t.Fatalf("job on an RDS database: %+v", d)
	}
	// An instance of the account in another region is unknown here.
	f.setResources(acct, Resource{Region: "eu-west-1", ARN: "arn:aws:ec2:eu-west-1:111111111111:instance/" + webID, Type: "EC2"})
	cross := f.start(t, ctx, "arn:aws:ec2:eu-west-1:111111111111:instance/"+webID)
	f.settle(t)
	if d := f.describe(t, ctx, cross); d.State != BackupJobStateFailed {
		t.Fatalf("job on an instance of another region: %+v", d)
	}
	if p := f.protected(t, ctx); len(p) != 0 {
		t.Fatalf("failed jobs protect %+v", p)
	}
}

// TestInstanceGoneWhileRunning: an instance that disappears while its job
// runs fails the job.
func TestInstanceGoneWhileRunning(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	ctx := as(acct, region)
	id := f.start(t, ctx, webARN)
	f.settle(t)
	if d := f.describe(t, ctx, id); d.State != BackupJobStateRunning || d.RecoveryPointArn == "" {
		t.Fatalf("running job: %+v", d)
	}
	f.setResources(acct)
	f.advance(t, time.Minute)
	if d := f.describe(t, ctx, id); d.State != BackupJobStateFailed || d.RecoveryPointArn != "" || d.BackupSizeInBytes != nil {
		t.Fatalf("job whose instance vanished: %+v", d)
	}
}

// TestCompletionWindowExpires: a job that cannot finish within its
// completion window ends EXPIRED.
func TestCompletionWindowExpires(t *testing.T) {
	f := newFixture(t, 2*time.Hour, true)
	ctx := as(acct, region)
	window := int64(60)
	out, err := f.svc.StartBackupJob(ctx, &StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: role, CompleteWindowMinutes: &window})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	f.advance(t, time.Hour)
	d := f.describe(t, ctx, out.BackupJobId)
	if d.State != BackupJobStateExpired || d.StatusMessage != "Backup job expired before completion." || d.PercentDone != "50.0" || d.RecoveryPointArn != "" {
		t.Fatalf("expired job: %+v", d)
	}
	if p := f.protected(t, ctx); len(p) != 0 {
		t.Fatalf("expired job protects %+v", p)
	}
}

// TestStartRefusals: the vault, the role and the ARN are checked when the
// job is requested.
func TestStartRefusals(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	ctx := as(acct, region)
	short := int64(59)
	for _, c := range []struct {
		name string
		in   StartBackupJobInput
		code string
	}{
		{"vault other than Default", StartBackupJobInput{BackupVaultName: "Mine", ResourceArn: webARN, IamRoleArn: role}, "ResourceNotFoundException"},
		{"vault names are case-sensitive", StartBackupJobInput{BackupVaultName: "default", ResourceArn: webARN, IamRoleArn: role}, "ResourceNotFoundException"},
		{"missing role", StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: "arn:aws:iam::111111111111:role/Missing"}, "InvalidParameterValueException"},
		{"role of another account", StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: "arn:aws:iam::222222222222:role/BackupRole"}, "InvalidParameterValueException"},
		{"not a role ARN", StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: "arn:aws:iam::111111111111:user/BackupRole"}, "InvalidParameterValueException"},
		{"not an ARN", StartBackupJobInput{BackupVaultName: "Default", ResourceArn: "i-0aaaaaaaaaaaaaaaa", IamRoleArn: role}, "InvalidParameterValueException"},
		{"unsupported type", StartBackupJobInput{BackupVaultName: "Default", ResourceArn: "arn:aws:sns:us-east-1:111111111111:topic", IamRoleArn: role}, "InvalidParameterValueException"},
		{"start window under an hour", StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: role, StartWindowMinutes: &short}, "InvalidParameterValueException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.StartBackupJob(ctx, &c.in)
			e := wantError(t, err, c.code)
			if e.HTTPStatus() != 400 || e.Fields["Context"] == nil {
				t.Fatalf("error %+v", e)
			}
		})
	}
	if l := f.list(t, ctx, &ListBackupJobsInput{}); len(l) != 0 {
		t.Fatalf("refused requests left jobs: %+v", l)
	}
}

// TestIdempotencyToken: the same token starts one job.
func TestIdempotencyToken(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	ctx := as(acct, region)
	in := &StartBackupJobInput{BackupVaultName: "Default", ResourceArn: webARN, IamRoleArn: role, IdempotencyToken: "nightly-1"}
	first, err := f.svc.StartBackupJob(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	f.advance(t, 10*time.Second)
	again, err := f.svc.StartBackupJob(ctx, in)
	if err != nil || again.BackupJobId != first.BackupJobId || !again.CreationDate.Equal(first.CreationDate) {
		t.Fatalf("retry answered %+v, %v; first %+v", again, err, first)
	}
	if l := f.list(t, ctx, &ListBackupJobsInput{}); len(l) != 1 {
		t.Fatalf("%d jobs after a retry", len(l))
	}
	_, err = f.svc.StartBackupJob(ctx, &StartBackupJobInput{BackupVaultName: "Default", ResourceArn: dbARN, IamRoleArn: role, IdempotencyToken: "nightly-1"})
	wantError(t, err, "InvalidRequestException")
	// Tokens belong to an account.
	if _, err := f.svc.StartBackupJob(as(other, region), &StartBackupJobInput{BackupVaultName: "Default",
		ResourceArn: "arn:aws:ec2:us-east-1:222222222222:instance/" + webID, IamRoleArn: "arn:aws:iam::222222222222:role/BackupRole", IdempotencyToken: "nightly-1"}); err != nil {
		t.Fatalf("another account's token: %v", err)
	}
}

// TestJobsSurviveRestart: a running job finishes after the service and its
// queue are rebuilt over the same store.
func TestJobsSurviveRestart(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	ctx := as(acct, region)
	id := f.start(t, ctx, webARN)
	f.settle(t)
	f.boot(t, time.Minute, true)
	f.advance(t, time.Minute)
	if d := f.describe(t, ctx, id); d.State != BackupJobStateCompleted {
		t.Fatalf("after a restart: %+v", d)
	}
}

// TestCoverage reports every known resource and every resource with a
// job, by region and ARN.
func TestCoverage(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	f.setResources(acct,
		Resource{Region: region, ARN: webARN, Type: "EC2", Name: "web-1"},
		Resource{Region: region, ARN: dbARN, Type: "EC2"},
		Resource{Region: "eu-west-1", ARN: "arn:aws:ec2:eu-west-1:111111111111:instance/i-0ddddddddddddddddd", Type: "EC2"})
	ctx := as(acct, region)
	t0 := f.clock.Now()
	f.start(t, ctx, webARN)
	f.settle(t)
	f.advance(t, time.Minute)
	failed := f.start(t, ctx, goneARN)
	f.settle(t)
	f.advance(t, time.Minute)
	running := f.start(t, ctx, webARN)
	f.settle(t)

	var cov []ResourceStatus
	if err := f.st.View(ctx, func(tx store.Tx) error {
		var err error
		cov, err = f.svc.Coverage(tx, acct)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []ResourceStatus{
		{Region: "eu-west-1", ResourceArn: "arn:aws:ec2:eu-west-1:111111111111:instance/i-0ddddddddddddddddd", ResourceType: "EC2"},
		{Region: region, ResourceArn: webARN, ResourceType: "EC2", Protected: true, LastJobID: running, LastJobState: "RUNNING", LastJobTime: t0.Add(2 * time.Minute)},
		{Region: region, ResourceArn: dbARN, ResourceType: "EC2"},
		{Region: region, ResourceArn: goneARN, ResourceType: "EC2", LastJobID: failed, LastJobState: "FAILED", LastJobTime: t0.Add(time.Minute)},
	}
	// ARNs sort byte-wise: ...i-0aaa (web) < ...i-0bbb (db) < ...i-0ccc (gone).
	if len(cov) != len(want) {
		t.Fatalf("coverage %+v", cov)
	}
	for i := range want {
		if cov[i] != want[i] {
			t.Errorf("coverage[%d] = %+v, want %+v", i, cov[i], want[i])
		}
	}
	if err := f.st.View(ctx, func(tx store.Tx) error {
		var err error
		cov, err = f.svc.Coverage(tx, other)
		return err
	}); err != nil || len(cov) != 0 {
		t.Fatalf("another account's coverage: %+v %v", cov, err)
	}
}
