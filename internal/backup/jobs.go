package backup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout (per account and region):
//
//	backup/job/<account>/<region>/<job id>                  jobRecord
//	backup/jobs/<account>/<region>/<created ns>/<job id>    "" (jobs in creation order)
//	backup/token/<account>/<region>/<idempotency token>     tokenRecord
//	backup/res/<account>/<region>/<resource ARN>            resourceRecord
func kJob(account, region, id string) string {
	return "backup/job/" + account + "/" + region + "/" + id
}

func kJobsPrefix(account, region string) string { return "backup/jobs/" + account + "/" + region + "/" }

func kJobByTime(account, region string, created time.Time, id string) string {
	return fmt.Sprintf("%s%020d/%s", kJobsPrefix(account, region), created.UnixNano(), id)
}

func kToken(account, region, token string) string {
	return "backup/token/" + account + "/" + region + "/" + token
}

func kResourcesOfAccount(account string) string { return "backup/res/" + account + "/" }

func kResourcesPrefix(account, region string) string {
	return kResourcesOfAccount(account) + region + "/"
}

func kResource(account, region, arn string) string { return kResourcesPrefix(account, region) + arn }

// Job states.
const (
	stateCreated   = string(BackupJobStateCreated)
	stateRunning   = string(BackupJobStateRunning)
	stateCompleted = string(BackupJobStateCompleted)
	stateFailed    = string(BackupJobStateFailed)
	stateExpired   = string(BackupJobStateExpired)
)

// defaultStartWindow is StartWindowMinutes when the request leaves it out
// (the model's documentation: 8 hours).
const defaultStartWindow = 8 * time.Hour

// maxWindowMinutes is the model's documented maximum of both windows
// (100 years).
const maxWindowMinutes = 52560000

// ec2BackupSize is the BackupSizeInBytes of an EC2 backup: AWS reports the
// provisioned size of the instance's volumes, which orgstack does not know;
// it reports an 8 GiB root volume (choice).
const ec2BackupSize = 8 << 30

type jobRecord struct {
	ID            string    `json:"id"`
	Account       string    `json:"account"`
	Region        string    `json:"region"`
	Partition     string    `json:"partition"`
	Vault         string    `json:"vault"`
	ResourceArn   string    `json:"resourceArn"`
	ResourceType  string    `json:"resourceType"`
	ResourceName  string    `json:"resourceName,omitempty"`
	IamRoleArn    string    `json:"iamRoleArn"`
	State         string    `json:"state"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	Created       time.Time `json:"created"`
	Started       time.Time `json:"started,omitzero"`
	// Expected is when a RUNNING job completes.
	Expected  time.Time `json:"expected,omitzero"`
	Completed time.Time `json:"completed,omitzero"`
	StartBy   time.Time `json:"startBy"`
	// Deadline is the end of the completion window (zero: none).
	Deadline          time.Time         `json:"deadline,omitzero"`
	RecoveryPointArn  string            `json:"recoveryPointArn,omitempty"`
	Size              int64             `json:"size,omitempty"`
	Percent           string            `json:"percent,omitempty"`
	Lifecycle         *Lifecycle        `json:"lifecycle,omitempty"`
	BackupOptions     map[string]string `json:"backupOptions,omitempty"`
	RecoveryPointTags map[string]string `json:"recoveryPointTags,omitempty"`
}

// tokenRecord remembers the job an idempotency token started, and the
// request it started it with.
type tokenRecord struct {
	JobID       string `json:"jobId"`
	Vault       string `json:"vault"`
	ResourceArn string `json:"resourceArn"`
	IamRoleArn  string `json:"iamRoleArn"`
}

// resourceRecord is a resource that has had backup jobs in an account and
// region: its last job and, once one completed, its last backup.
type resourceRecord struct {
	ARN       string `json:"arn"`
	Type      string `json:"type"`
	Name      string `json:"name,omitempty"`
	LastJobID string `json:"lastJobId"`
	// The last COMPLETED job's backup (zero LastBackup: none yet).
	LastBackup        time.Time `json:"lastBackup,omitzero"`
	LastVaultArn      string    `json:"lastVaultArn,omitempty"`
	LastRecoveryPoint string    `json:"lastRecoveryPoint,omitempty"`
}

func getJob(tx store.Tx, account, region, id string) (*jobRecord, error) {
	var r jobRecord
	if err := store.GetJSON(tx, kJob(account, region, id), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func putJob(tx store.Tx, r *jobRecord) error {
	return store.PutJSON(tx, kJob(r.Account, r.Region, r.ID), r)
}

func getResource(tx store.Tx, account, region, arn string) (*resourceRecord, error) {
	var r resourceRecord
	err := store.GetJSON(tx, kResource(account, region, arn), &r)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// newJobID is a backup job id as AWS prints them: an upper-case UUID.
func newJobID() string { return strings.ToUpper(orgstack.NewUUID()) }

// recoveryPointARN is where a job's backup goes: for EC2 an AMI, whose ARN
// has no account (as AWS Backup reports EC2 recovery points). Other types
// cannot complete in orgstack, so they get none.
func recoveryPointARN(partition, region, typ string) string {
	if typ != "EC2" {
		return ""
	}
	return "arn:" + partition + ":ec2:" + region + "::image/ami-" + orgstack.RandomString("0123456789abcdef", 17)
}

// StartBackupJob starts an on-demand backup of a resource into the
// Default vault with an IAM role of the caller's account. The resource is
// not checked here: a job on a resource orgstack does not know ends
// FAILED. A repeated IdempotencyToken returns the job it started; the same
// token with a different vault, resource or role is refused.
func (s *Service) StartBackupJob(ctx context.Context, in *StartBackupJobInput) (*StartBackupJobOutput, error) {
	var out *StartBackupJobOutput
	err := s.write(ctx, func(sc *scope) error {
		if in.IdempotencyToken != "" {
			var tok tokenRecord
			err := store.GetJSON(sc.tx, kToken(sc.account, sc.region, in.IdempotencyToken), &tok)
			if err == nil {
				if tok.Vault != in.BackupVaultName || tok.ResourceArn != in.ResourceArn || tok.IamRoleArn != in.IamRoleArn {
					// unconfirmed: Backup's answer to a reused token is not documented.
					return orgstack.NewError("InvalidRequestException", http.StatusBadRequest,
						"The idempotency token "+in.IdempotencyToken+" was already used with a different request.").
						With("Context", in.IdempotencyToken)
				}
				j, err := getJob(sc.tx, sc.account, sc.region, tok.JobID)
				if err != nil {
					return err
				}
				out = startOutput(j)
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		typ, err := s.checkStart(sc, in)
		if err != nil {
			return err
		}
		startWindow := defaultStartWindow
		if in.StartWindowMinutes != nil {
			startWindow = time.Duration(*in.StartWindowMinutes) * time.Minute
		}
		j := &jobRecord{
			ID: newJobID(), Account: sc.account, Region: sc.region, Partition: sc.partition, Vault: in.BackupVaultName,
			ResourceArn: in.ResourceArn, ResourceType: typ, IamRoleArn: in.IamRoleArn, State: stateCreated,
			Created: sc.now, StartBy: sc.now.Add(startWindow), Lifecycle: in.Lifecycle,
			BackupOptions: in.BackupOptions, RecoveryPointTags: in.RecoveryPointTags,
		}
		if in.CompleteWindowMinutes != nil {
			j.Deadline = sc.now.Add(time.Duration(*in.CompleteWindowMinutes) * time.Minute)
		}
		if err := putJob(sc.tx, j); err != nil {
			return err
		}
		if err := sc.tx.Put(kJobByTime(sc.account, sc.region, j.Created, j.ID), []byte{}); err != nil {
			return err
		}
		res, err := getResource(sc.tx, sc.account, sc.region, j.ResourceArn)
		if err != nil {
			return err
		}
		if res == nil {
			res = &resourceRecord{ARN: j.ResourceArn, Type: typ}
		}
		res.LastJobID = j.ID
		if err := store.PutJSON(sc.tx, kResource(sc.account, sc.region, j.ResourceArn), res); err != nil {
			return err
		}
		if in.IdempotencyToken != "" {
			tok := tokenRecord{JobID: j.ID, Vault: in.BackupVaultName, ResourceArn: in.ResourceArn, IamRoleArn: in.IamRoleArn}
			if err := store.PutJSON(sc.tx, kToken(sc.account, sc.region, in.IdempotencyToken), &tok); err != nil {
				return err
			}
		}
		if _, err := s.opt.Jobs.Enqueue(sc.tx, jobKind, jobStep{Account: j.Account, Region: j.Region, ID: j.ID, Step: stepStart}, sc.now, sc.now); err != nil {
			return err
		}
		out = startOutput(j)
		return nil
	})
	return out, err
}

func startOutput(j *jobRecord) *StartBackupJobOutput {
	no := false
	// The recovery point is returned here only for EFS and advanced
	// DynamoDB (the model's documentation), never for EC2.
	return &StartBackupJobOutput{BackupJobId: j.ID, CreationDate: j.Created, IsParent: &no}
}

// checkStart validates a StartBackupJob request against the caller's
// account and returns the resource's type.
func (s *Service) checkStart(sc *scope, in *StartBackupJobInput) (string, error) {
	if in.BackupVaultName != DefaultVault {
		// unconfirmed message; orgstack has no vault but Default.
		return "", errNotFound("Backup vault "+in.BackupVaultName+" does not exist in this account and Region.", in.BackupVaultName)
	}
	if in.LogicallyAirGappedBackupVaultArn != "" {
		return "", errNotFound("Backup vault "+in.LogicallyAirGappedBackupVaultArn+" does not exist in this account and Region.", in.LogicallyAirGappedBackupVaultArn)
	}
	// The model's documentation: the start window is at least 60 minutes,
	// both windows at most 100 years (messages unconfirmed).
	for _, w := range []struct {
		name string
		v    *int64
		min  int64
	}{{"StartWindowMinutes", in.StartWindowMinutes, 60}, {"CompleteWindowMinutes", in.CompleteWindowMinutes, 1}} {
		if w.v != nil && (*w.v < w.min || *w.v > maxWindowMinutes) {
			return "", errInvalid(fmt.Sprintf("%s %d is not valid: it must be between %d and %d minutes.", w.name, *w.v, w.min, maxWindowMinutes), w.name)
		}
	}
	if err := s.checkRole(sc, in.IamRoleArn); err != nil {
		return "", err
	}
	a, err := orgstack.ParseARN(in.ResourceArn)
	if err != nil {
		return "", errInvalid("Invalid ARN: "+in.ResourceArn, in.ResourceArn) // unconfirmed
	}
	typ := resourceTypeOf(a)
	if typ == "" {
		return "", errInvalid("Unsupported resource type: "+in.ResourceArn, in.ResourceArn) // unconfirmed
	}
	return typ, nil
}

// checkRole requires roleArn to be a role of the caller's account that
// exists. AWS refuses a role it cannot assume with
// InvalidParameterValueException (as it does for a role lacking
// permissions, observed); the messages are unconfirmed. The role's path
// is not compared: roles are unique by name in an account.
func (s *Service) checkRole(sc *scope, roleArn string) error {
	a, err := orgstack.ParseARN(roleArn)
	name, isRole := strings.CutPrefix(a.Resource, "role/")
	if err != nil || a.Service != "iam" || !isRole || name == "" || !orgstack.IsAccountID(a.AccountID) {
		return errInvalid("Invalid IAM role ARN: "+roleArn, roleArn)
	}
	if a.AccountID != sc.account {
		return errInvalid("IAM Role "+roleArn+" is not in account "+sc.account+"; AWS Backup assumes a role of the account it backs up.", roleArn)
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	ok := false
	if s.opt.Roles != nil {
		if ok, err = s.opt.Roles.HasRole(sc.tx, sc.account, name); err != nil {
			return err
		}
	}
	if !ok {
		return errInvalid("IAM Role "+roleArn+" does not exist; AWS Backup cannot assume it.", roleArn)
	}
	return nil
}

// DescribeBackupJob returns a job of the caller's account and region.
func (s *Service) DescribeBackupJob(ctx context.Context, in *DescribeBackupJobInput) (*DescribeBackupJobOutput, error) {
	var out *DescribeBackupJobOutput
	err := s.read(ctx, func(sc *scope) error {
		j, err := getJob(sc.tx, sc.account, sc.region, in.BackupJobId)
		if errors.Is(err, store.ErrNotFound) {
			// unconfirmed message.
			return errNotFound("Cannot find backup job "+in.BackupJobId+".", in.BackupJobId)
		}
		if err != nil {
			return err
		}
		b := s.api(j, sc.now)
		out = &DescribeBackupJobOutput{
			AccountId: b.AccountId, BackupJobId: b.BackupJobId, BackupVaultName: b.BackupVaultName, BackupVaultArn: b.BackupVaultArn,
			VaultType: b.VaultType, RecoveryPointArn: b.RecoveryPointArn, RecoveryPointLifecycle: b.RecoveryPointLifecycle,
			ResourceArn: b.ResourceArn, CreationDate: b.CreationDate, CompletionDate: b.CompletionDate, State: b.State,
			StatusMessage: b.StatusMessage, PercentDone: b.PercentDone, BackupSizeInBytes: b.BackupSizeInBytes,
			IamRoleArn: b.IamRoleArn, ResourceType: b.ResourceType, ExpectedCompletionDate: b.ExpectedCompletionDate,
			StartBy: b.StartBy, BackupOptions: b.BackupOptions, IsParent: b.IsParent, ResourceName: b.ResourceName,
			InitiationDate: b.InitiationDate, MessageCategory: b.MessageCategory,
		}
		return nil
	})
	return out, err
}

// api is the job as the API shows it at now.
func (s *Service) api(j *jobRecord, now time.Time) BackupJob {
	no := false
	b := BackupJob{
		AccountId: j.Account, BackupJobId: j.ID, BackupVaultName: j.Vault,
		BackupVaultArn: vaultARN(j.Partition, j.Region, j.Account, j.Vault), VaultType: string(VaultTypeBackupVault),
		RecoveryPointArn: j.RecoveryPointArn, RecoveryPointLifecycle: j.Lifecycle, ResourceArn: j.ResourceArn,
		CreationDate: j.Created, CompletionDate: j.Completed, State: BackupJobState(j.State), StatusMessage: j.StatusMessage,
		IamRoleArn: j.IamRoleArn, ResourceType: j.ResourceType, ExpectedCompletionDate: j.Expected, StartBy: j.StartBy,
		BackupOptions: j.BackupOptions, IsParent: &no, ResourceName: j.ResourceName, InitiationDate: j.Created,
		PercentDone: j.Percent,
	}
	switch j.State {
	case stateCreated:
		b.PercentDone = "0.0"
	case stateRunning:
		p := 0.0
		if total := j.Expected.Sub(j.Started); total > 0 {
			p = min(99.9, float64(now.Sub(j.Started))*100/float64(total))
		}
		b.PercentDone = fmt.Sprintf("%.1f", max(p, 0))
	case stateCompleted:
		b.MessageCategory = "SUCCESS"
	}
	if j.Size > 0 {
		size := j.Size
		b.BackupSizeInBytes = &size
	}
	return b
}

// The job queue drives each backup job: stepStart moves it from CREATED to
// RUNNING (or FAILED), stepFinish from RUNNING to COMPLETED (or FAILED, or
// EXPIRED when the completion window closed first).
const (
	jobKind    = "backup.job"
	stepStart  = "start"
	stepFinish = "finish"
)

type jobStep struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	ID      string `json:"id"`
	Step    string `json:"step"`
}

func (s *Service) runJob(_ context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	now = now.Truncate(time.Millisecond)
	var p jobStep
	if err := job.Decode(&p); err != nil {
		return err
	}
	j, err := getJob(tx, p.Account, p.Region, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case p.Step == stepStart && j.State == stateCreated:
		return s.startJob(tx, now, j)
	case p.Step == stepFinish && j.State == stateRunning:
		return s.finishJob(tx, now, j)
	}
	return nil
}

// lookup finds the job's resource among those orgstack knows in the job's
// account and region.
func (s *Service) lookup(tx store.Tx, j *jobRecord) (*Resource, error) {
	if s.opt.Resources == nil {
		return nil, nil
	}
	all, err := s.opt.Resources(tx, j.Account)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Region == j.Region && all[i].ARN == j.ResourceArn {
			return &all[i], nil
		}
	}
	return nil, nil
}

// notFoundMessage is a FAILED job's StatusMessage when its resource is
// unknown: for EC2, EC2's own InvalidInstanceID.NotFound text, which AWS
// Backup passes on (unconfirmed).
func notFoundMessage(j *jobRecord) string {
	if j.ResourceType == "EC2" {
		if a, err := orgstack.ParseARN(j.ResourceArn); err == nil {
			return "The instance ID '" + strings.TrimPrefix(a.Resource, "instance/") + "' does not exist"
		}
	}
	return "Resource " + j.ResourceArn + " was not found: orgstack backs up only the Systems Manager managed EC2 instances of the account and Region."
}

func (s *Service) startJob(tx store.Tx, now time.Time, j *jobRecord) error {
	res, err := s.lookup(tx, j)
	if err != nil {
		return err
	}
	if res == nil {
		return s.end(tx, now, j, stateFailed, notFoundMessage(j))
	}
	j.State, j.Started, j.Percent = stateRunning, now, ""
	j.Expected = now.Add(s.opt.JobDuration)
	j.ResourceName = res.Name
	j.RecoveryPointArn = recoveryPointARN(j.Partition, j.Region, j.ResourceType)
	j.Size = ec2BackupSize
	if err := putJob(tx, j); err != nil {
		return err
	}
	at := j.Expected
	if !j.Deadline.IsZero() && j.Deadline.Before(at) {
		at = j.Deadline
	}
	_, err = s.opt.Jobs.Enqueue(tx, jobKind, jobStep{Account: j.Account, Region: j.Region, ID: j.ID, Step: stepFinish}, now, at)
	return err
}

func (s *Service) finishJob(tx store.Tx, now time.Time, j *jobRecord) error {
	if now.Before(j.Expected) {
		// The completion window closed first (observed message).
		return s.end(tx, now, j, stateExpired, "Backup job expired before completion.")
	}
	res, err := s.lookup(tx, j)
	if err != nil {
		return err
	}
	if res == nil {
		return s.end(tx, now, j, stateFailed, notFoundMessage(j))
	}
	j.ResourceName = res.Name
	if err := s.end(tx, now, j, stateCompleted, ""); err != nil {
		return err
	}
	r, err := getResource(tx, j.Account, j.Region, j.ResourceArn)
	if err != nil {
		return err
	}
	if r == nil {
		r = &resourceRecord{ARN: j.ResourceArn, Type: j.ResourceType, LastJobID: j.ID}
	}
	r.Name = res.Name
	r.LastBackup = now
	r.LastVaultArn = vaultARN(j.Partition, j.Region, j.Account, j.Vault)
	r.LastRecoveryPoint = j.RecoveryPointArn
	return store.PutJSON(tx, kResource(j.Account, j.Region, j.ResourceArn), r)
}

// end finishes a job in state with a status message. Only a COMPLETED job
// keeps its recovery point.
func (s *Service) end(tx store.Tx, now time.Time, j *jobRecord, state, message string) error {
	j.State, j.StatusMessage, j.Completed = state, message, now
	if state == stateCompleted {
		j.Percent = "100.0"
	} else {
		if !j.Started.IsZero() && j.Expected.After(j.Started) {
			j.Percent = fmt.Sprintf("%.1f", min(99.9, float64(now.Sub(j.Started))*100/float64(j.Expected.Sub(j.Started))))
		} else {
			j.Percent = "0.0"
		}
		j.RecoveryPointArn, j.Size = "", 0
	}
	return putJob(tx, j)
}
