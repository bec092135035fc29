package backup

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/wire"
)

func (f *fixture) list(t *testing.T, ctx context.Context, in *ListBackupJobsInput) []BackupJob {
	t.Helper()
	out, err := f.svc.ListBackupJobs(ctx, in)
	if err != nil {
		t.Fatalf("ListBackupJobs %+v: %v", in, err)
	}
	return out.BackupJobs
}

func ids(jobs []BackupJob) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.BackupJobId
	}
	return out
}

func sameIDs(a []string, b ...string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// jobSet starts, a minute apart: web (completes), gone (fails), db
// (completes), web again (still running at the end).
type jobSet struct {
	t0                  time.Time
	web, gone, db, last string
}

func (f *fixture) jobSet(t *testing.T) jobSet {
	t.Helper()
	ctx := as(acct, region)
	s := jobSet{t0: f.clock.Now()}
	s.web = f.start(t, ctx, webARN)
	f.settle(t)
	f.advance(t, time.Minute)
	s.gone = f.start(t, ctx, goneARN)
	f.settle(t)
	f.advance(t, time.Minute)
	s.db = f.start(t, ctx, dbARN)
	f.settle(t)
	f.advance(t, time.Minute)
	s.last = f.start(t, ctx, webARN)
	f.settle(t)
	return s
}

func TestListBackupJobsFilters(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	s := f.jobSet(t)
	ctx := as(acct, region)
	at := func(m int) time.Time { return s.t0.Add(time.Duration(m)*time.Minute + time.Second) }
	for _, c := range []struct {
		name string
		in   ListBackupJobsInput
		want []string
	}{
		{"all, oldest first", ListBackupJobsInput{}, []string{s.web, s.gone, s.db, s.last}},
		{"by resource", ListBackupJobsInput{ByResourceArn: webARN}, []string{s.web, s.last}},
		{"completed", ListBackupJobsInput{ByState: BackupJobStateCompleted}, []string{s.web, s.db}},
		{"failed", ListBackupJobsInput{ByState: BackupJobStateFailed}, []string{s.gone}},
		{"running", ListBackupJobsInput{ByState: BackupJobStateRunning}, []string{s.last}},
		{"Default vault", ListBackupJobsInput{ByBackupVaultName: "Default"}, []string{s.web, s.gone, s.db, s.last}},
		{"another vault", ListBackupJobsInput{ByBackupVaultName: "Archive"}, nil},
		{"created after", ListBackupJobsInput{ByCreatedAfter: at(1)}, []string{s.db, s.last}},
		{"created before", ListBackupJobsInput{ByCreatedBefore: at(1)}, []string{s.web, s.gone}},
		{"created between", ListBackupJobsInput{ByCreatedAfter: at(0), ByCreatedBefore: at(2)}, []string{s.gone, s.db}},
		{"EC2", ListBackupJobsInput{ByResourceType: "EC2"}, []string{s.web, s.gone, s.db, s.last}},
		{"EBS", ListBackupJobsInput{ByResourceType: "EBS"}, nil},
		{"own account", ListBackupJobsInput{ByAccountId: acct}, []string{s.web, s.gone, s.db, s.last}},
		// web completed at 1m, gone failed at 1m, db completed at 3m;
		// the last job has not completed.
		{"completed after", ListBackupJobsInput{ByCompleteAfter: at(1)}, []string{s.db}},
		{"completed before", ListBackupJobsInput{ByCompleteBefore: at(1)}, []string{s.web, s.gone}},
		{"success", ListBackupJobsInput{ByMessageCategory: "SUCCESS"}, []string{s.web, s.db}},
		{"no parents", ListBackupJobsInput{ByParentJobId: s.web}, nil},
		{"state and resource", ListBackupJobsInput{ByState: BackupJobStateCompleted, ByResourceArn: webARN}, []string{s.web}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(f.list(t, ctx, &c.in)); !sameIDs(got, c.want...) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	// Another region and another account have no jobs.
	if l := f.list(t, as(acct, "eu-west-1"), &ListBackupJobsInput{}); len(l) != 0 {
		t.Fatalf("eu-west-1: %v", ids(l))
	}
	if l := f.list(t, as(other, region), &ListBackupJobsInput{}); len(l) != 0 {
		t.Fatalf("another account: %v", ids(l))
	}
	// Another account's jobs are not listed: orgstack says so.
	_, err := f.svc.ListBackupJobs(ctx, &ListBackupJobsInput{ByAccountId: other})
	if e := wantError(t, err, "NotImplemented"); e.HTTPStatus() != http.StatusNotImplemented {
		t.Fatalf("status %d", e.HTTPStatus())
	}
	// Jobs older than 30 days are no longer listed, but still described.
	f.clock.Advance(30*24*time.Hour - 90*time.Second) // now t0+30d+1.5m
	if got := ids(f.list(t, ctx, &ListBackupJobsInput{})); !sameIDs(got, s.db, s.last) {
		t.Fatalf("after 30 days: %v", got)
	}
	f.describe(t, ctx, s.web)
}

func TestListBackupJobsPages(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	s := f.jobSet(t)
	ctx := as(acct, region)
	two := int32(2)
	var got []string
	var first string
	token := ""
	for pages := 0; ; pages++ {
		out, err := f.svc.ListBackupJobs(ctx, &ListBackupJobsInput{MaxResults: &two, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.BackupJobs) > 2 || pages > 2 {
			t.Fatalf("page %d: %d jobs", pages, len(out.BackupJobs))
		}
		got = append(got, ids(out.BackupJobs)...)
		if first == "" {
			first = out.NextToken
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if !sameIDs(got, s.web, s.gone, s.db, s.last) {
		t.Fatalf("paged %v", got)
	}
	for name, c := range map[string]struct {
		ctx context.Context
		in  ListBackupJobsInput
	}{
		"garbage":          {ctx, ListBackupJobsInput{NextToken: "not-a-token"}},
		"other filters":    {ctx, ListBackupJobsInput{NextToken: first, ByState: BackupJobStateCompleted}},
		"other account":    {as(other, region), ListBackupJobsInput{NextToken: first}},
		"other region":     {as(acct, "eu-west-1"), ListBackupJobsInput{NextToken: first}},
		"protected tokens": {ctx, ListBackupJobsInput{NextToken: f.protectedToken(t)}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.ListBackupJobs(c.ctx, &c.in)
			wantError(t, err, "InvalidParameterValueException")
		})
	}
}

// protectedToken is a NextToken of ListProtectedResources.
func (f *fixture) protectedToken(t *testing.T) string {
	t.Helper()
	one := int32(1)
	out, err := f.svc.ListProtectedResources(as(acct, region), &ListProtectedResourcesInput{MaxResults: &one})
	if err != nil || out.NextToken == "" {
		t.Fatalf("ListProtectedResources: %+v %v", out, err)
	}
	return out.NextToken
}

func TestListProtectedResourcesPages(t *testing.T) {
	f := newFixture(t, time.Minute, true)
	f.jobSet(t)
	ctx := as(acct, region)
	one := int32(1)
	var got []string
	token := ""
	for {
		out, err := f.svc.ListProtectedResources(ctx, &ListProtectedResourcesInput{MaxResults: &one, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Results {
			got = append(got, r.ResourceArn)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	// The failed job's resource is not protected; web and db are, by ARN.
	if !sameIDs(got, webARN, dbARN) {
		t.Fatalf("protected %v", got)
	}
	_, err := f.svc.ListProtectedResources(ctx, &ListProtectedResourcesInput{NextToken: "bm90IGEgdG9rZW4"})
	wantError(t, err, "InvalidParameterValueException")
}

func TestValidation(t *testing.T) {
	vault := &wire.Member{Name: "BackupVaultName", Shape: &wire.Shape{Pattern: `^[a-zA-Z0-9\-\_]{2,50}$`}}
	account := &wire.Member{Name: "ByAccountId", Shape: &wire.Shape{Pattern: `^[0-9]{12}$`}}
	for _, c := range []struct {
		name string
		vs   []wire.Violation
		code string
	}{
		{"missing", []wire.Violation{{Path: "backupVaultName", Member: vault, Shape: vault.Shape, Rule: wire.RuleRequired}}, "MissingParameterValueException"},
		{"pattern", []wire.Violation{{Path: "backupVaultName", Member: vault, Shape: vault.Shape, Rule: wire.RulePattern, Value: "bad name"}}, "InvalidParameterValueException"},
		{"every account", []wire.Violation{{Path: "byAccountId", Member: account, Shape: account.Shape, Rule: wire.RulePattern, Value: "*"}}, "NotImplemented"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if e := Validation(nil, c.vs); e.Code != c.code {
				t.Fatalf("got %v", e)
			}
		})
	}
	e := Validation(nil, []wire.Violation{{Path: "backupVaultName", Member: vault, Shape: vault.Shape, Rule: wire.RulePattern, Value: "bad name"}})
	if e.Fields["Context"] != "backupVaultName" || e.Message != "1 validation error detected: Value 'bad name' at 'backupVaultName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9\\-\\_]{2,50}$" {
		t.Fatalf("error %+v", e)
	}
}
