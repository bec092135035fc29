// Package backup implements a minimal AWS Backup: on-demand backup jobs
// (StartBackupJob, DescribeBackupJob, ListBackupJobs) of the resources
// orgstack knows — the Systems Manager managed EC2 instances of an account —
// and the resources they protect (ListProtectedResources). Every other
// operation of the model answers NotImplemented.
//
// Backup is regional: state lives per account and region. Every account
// and region has the backup vault "Default" implicitly (AWS creates it when
// the Backup console is first opened in a region; orgstack, which has no
// console and does not implement CreateBackupVault, assumes it exists), and
// no other vault exists.
//
// A job goes CREATED → RUNNING → COMPLETED through the durable job queue
// (RUNNING lasts Options.JobDuration), or FAILED when the resource is not
// one orgstack knows, or EXPIRED when its completion window closes first.
// See parity/0027-backup.md for what is assumed about AWS.
package backup

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/wire"
)

// DefaultVault is the backup vault every account has in every region.
const DefaultVault = "Default"

// DefaultJobDuration is how long a job stays RUNNING unless
// Options.JobDuration says otherwise.
const DefaultJobDuration = 2 * time.Second

// Resource is a resource Backup can back up in an account.
type Resource struct {
	Region string
	// ARN identifies the resource, e.g.
	// arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0.
	ARN string
	// Type is Backup's resource type ("EC2").
	Type string
	// Name is the resource's name (an EC2 instance's Name tag), or "".
	Name string
}

// Roles is what Backup needs from IAM: whether a role exists in an account.
type Roles interface {
	HasRole(tx store.Tx, account, roleName string) (bool, error)
}

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
	Jobs  *jobs.Queue
	// Roles answers whether a job's IAM role exists.
	Roles Roles
	// Resources lists the resources of an account that orgstack knows, in
	// every region. Nil means none.
	Resources func(tx store.Tx, account string) ([]Resource, error)
	// JobDuration is how long a job stays RUNNING (DefaultJobDuration
	// when zero).
	JobDuration time.Duration
}

// Service implements the AWS Backup API. It is safe for concurrent use.
type Service struct {
	opt Options
}

// New returns a Service and registers its job handler with Options.Jobs.
func New(opt Options) *Service {
	if opt.JobDuration <= 0 {
		opt.JobDuration = DefaultJobDuration
	}
	s := &Service{opt: opt}
	if opt.Jobs != nil {
		opt.Jobs.Handle(jobKind, s.runJob)
	}
	return s
}

// Validation turns model-constraint violations into Backup's errors: a
// missing member is MissingParameterValueException, any other violation
// InvalidParameterValueException, both with AWS's "N validation errors
// detected" message (unconfirmed: Backup's own texts for these are not
// known) and the offending member in Context. ListBackupJobs' ByAccountId
// "*" (every account of the organization) breaks the model's pattern but is
// documented; orgstack does not implement it and says so.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	for _, v := range vs {
		if s, ok := v.Value.(string); ok && s == "*" && v.Member != nil && v.Member.Name == "ByAccountId" {
			return errCrossAccount(s)
		}
	}
	code := "InvalidParameterValueException"
	for _, v := range vs {
		if v.Rule == wire.RuleRequired {
			code = "MissingParameterValueException"
			break
		}
	}
	return orgstack.NewError(code, http.StatusBadRequest, wire.Message(vs)).With("Context", vs[0].Path)
}

// AccessDenied is Backup's refusal of an unauthorized call. Backup's model
// has no AccessDeniedException; AWS answers it from its authorization
// layer, with status 403 (unconfirmed).
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDeniedException", http.StatusForbidden, message)
}

func errInvalid(message, context string) *orgstack.Error {
	e := orgstack.NewError("InvalidParameterValueException", http.StatusBadRequest, message)
	if context != "" {
		e = e.With("Context", context)
	}
	return e
}

func errNotFound(message, context string) *orgstack.Error {
	return orgstack.NewError("ResourceNotFoundException", http.StatusBadRequest, message).With("Context", context)
}

// errCrossAccount refuses ListBackupJobs of another account (or of every
// account of the organization): orgstack does not implement it.
func errCrossAccount(account string) *orgstack.Error {
	return orgstack.NewError("NotImplemented", http.StatusNotImplemented,
		"orgstack does not implement listing the backup jobs of other accounts (ByAccountId "+account+
			"); leave ByAccountId out or give the caller's own account.")
}

// scope is where a call's data lives: the caller's account and region.
type scope struct {
	tx        store.Tx
	now       time.Time
	account   string
	region    string
	partition string
}

func regionOf(c orgstack.Caller) string {
	if c.Region == "" {
		return "us-east-1"
	}
	return c.Region
}

func (s *Service) newScope(ctx context.Context, tx store.Tx) (*scope, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return nil, errors.New("backup: no caller in context")
	}
	region := regionOf(c)
	return &scope{tx: tx, now: s.now(), account: c.AccountID, region: region, partition: orgstack.PartitionOf(region)}, nil
}

func (s *Service) read(ctx context.Context, fn func(sc *scope) error) error {
	return s.opt.Store.View(ctx, func(tx store.Tx) error {
		sc, err := s.newScope(ctx, tx)
		if err != nil {
			return err
		}
		return fn(sc)
	})
}

func (s *Service) write(ctx context.Context, fn func(sc *scope) error) error {
	return s.opt.Store.Update(ctx, func(tx store.Tx) error {
		sc, err := s.newScope(ctx, tx)
		if err != nil {
			return err
		}
		return fn(sc)
	})
}

// now is the clock's time to the millisecond: Backup's dates are
// "accurate to milliseconds" (the model), so a date a client reads back
// and passes as a filter bound compares exactly.
func (s *Service) now() time.Time { return s.opt.Clock.Now().Truncate(time.Millisecond) }

// vaultARN is the ARN of a backup vault.
func vaultARN(partition, region, account, name string) string {
	return "arn:" + partition + ":backup:" + region + ":" + account + ":backup-vault:" + name
}

// resourceTypes are Backup's resource types by the service and resource
// prefix of their ARNs (the types orgstack can tell from an ARN; Backup
// supports more).
var resourceTypes = []struct{ service, prefix, typ string }{
	{"ec2", "instance/", "EC2"},
	{"ec2", "volume/", "EBS"},
	{"rds", "db:", "RDS"},
	{"rds", "cluster:", "Aurora"},
	{"dynamodb", "table/", "DynamoDB"},
	{"elasticfilesystem", "file-system/", "EFS"},
	{"s3", "", "S3"},
	{"fsx", "file-system/", "FSx"},
	{"storagegateway", "gateway/", "Storage Gateway"},
	{"redshift", "cluster:", "Redshift"},
	{"cloudformation", "stack/", "CloudFormation"},
	{"timestream", "database/", "Timestream"},
	{"eks", "cluster/", "EKS"},
}

// resourceTypeOf is Backup's resource type of an ARN, or "" when the ARN
// is not one of a type Backup supports.
func resourceTypeOf(a orgstack.ARN) string {
	for _, t := range resourceTypes {
		if a.Service == t.service && strings.HasPrefix(a.Resource, t.prefix) {
			return t.typ
		}
	}
	return ""
}
