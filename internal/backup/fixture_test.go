package backup

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

const (
	acct    = "111111111111"
	other   = "222222222222"
	region  = "us-east-1"
	role    = "arn:aws:iam::111111111111:role/service-role/BackupRole"
	webID   = "i-0aaaaaaaaaaaaaaaa"
	dbID    = "i-0bbbbbbbbbbbbbbbb"
	webARN  = "arn:aws:ec2:us-east-1:111111111111:instance/" + webID
	dbARN   = "arn:aws:ec2:us-east-1:111111111111:instance/" + dbID
	goneARN = "arn:aws:ec2:us-east-1:111111111111:instance/i-0cccccccccccccccc"
)

// fakeRoles is IAM as Backup sees it: role names by account.
type fakeRoles map[string][]string

func (f fakeRoles) HasRole(_ store.Tx, account, name string) (bool, error) {
	for _, n := range f[account] {
		if strings.EqualFold(n, name) {
			return true, nil
		}
	}
	return false, nil
}

// fixture is Backup over a memory store with a fixed clock; the resources
// it knows can change during a test.
type fixture struct {
	st    store.Store
	clock *orgstack.FixedClock
	q     *jobs.Queue
	svc   *Service

	mu        sync.Mutex
	resources map[string][]Resource // by account
	stop      func()
}

func newFixture(t *testing.T, duration time.Duration, startQueue bool) *fixture {
	t.Helper()
	f := &fixture{st: memory.New(), clock: orgstack.NewFixedClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)),
		resources: map[string][]Resource{acct: {
			{Region: region, ARN: webARN, Type: "EC2", Name: "web-1"},
			{Region: region, ARN: dbARN, Type: "EC2"},
		}}}
	f.boot(t, duration, startQueue)
	return f
}

// boot builds a new queue and service over the fixture's store, as a
// restart does.
func (f *fixture) boot(t *testing.T, duration time.Duration, startQueue bool) {
	t.Helper()
	if f.stop != nil {
		f.stop()
	}
	f.q = jobs.New(f.st, f.clock, slog.New(slog.DiscardHandler))
	f.svc = New(Options{Store: f.st, Clock: f.clock, Jobs: f.q, JobDuration: duration,
		Roles: fakeRoles{acct: {"BackupRole"}, other: {"BackupRole"}}, Resources: f.known})
	f.stop = func() {}
	if startQueue {
		f.startQueue(t)
	}
	t.Cleanup(func() { f.stop() })
}

func (f *fixture) startQueue(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f.q.Start(ctx)
	f.stop = func() { cancel(); f.q.Wait() }
}

func (f *fixture) known(_ store.Tx, account string) ([]Resource, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Resource(nil), f.resources[account]...), nil
}

func (f *fixture) setResources(account string, rs ...Resource) {
	f.mu.Lock()
	f.resources[account] = rs
	f.mu.Unlock()
}

// settle runs every due job.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	if err := f.q.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// advance moves the clock and runs what became due.
func (f *fixture) advance(t *testing.T, d time.Duration) {
	t.Helper()
	f.clock.Advance(d)
	f.settle(t)
}

func as(account, region string) context.Context {
	return orgstack.WithCaller(context.Background(), orgstack.RootCaller(account, region))
}

func (f *fixture) start(t *testing.T, ctx context.Context, resource string) string {
	t.Helper()
	out, err := f.svc.StartBackupJob(ctx, &StartBackupJobInput{BackupVaultName: DefaultVault, ResourceArn: resource, IamRoleArn: role})
	if err != nil {
		t.Fatalf("StartBackupJob %s: %v", resource, err)
	}
	return out.BackupJobId
}

func (f *fixture) describe(t *testing.T, ctx context.Context, id string) *DescribeBackupJobOutput {
	t.Helper()
	out, err := f.svc.DescribeBackupJob(ctx, &DescribeBackupJobInput{BackupJobId: id})
	if err != nil {
		t.Fatalf("DescribeBackupJob %s: %v", id, err)
	}
	return out
}

// wantError fails unless err is an orgstack error with the code, and
// returns it.
func wantError(t *testing.T, err error, code string) *orgstack.Error {
	t.Helper()
	var e *orgstack.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return e
}
