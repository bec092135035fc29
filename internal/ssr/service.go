// Package ssr implements AWS Managed Services Self-Service Reporting (SSR):
// patch, backup and incident reports of each account, computed from
// orgstack's own Systems Manager and AWS Backup state, kept as a dated
// history and delivered as datasets, and the organization view that
// aggregates them across the accounts of an organization once trusted
// access is enabled for selfservicereporting.managedservices.amazonaws.com.
//
// AWS offers these reports only in its console and as datasets, with no
// public API; the API here is orgstack's own, defined as a botocore model
// (botocore/selfservicereporting) so that the AWS CLI and boto3 can call
// it with AWS_DATA_PATH, and served as JSON 1.1 with SigV4 signing name
// selfservicereporting.
package ssr

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
	"github.com/orgstack/orgstack/internal/wire"
)

// Principal is Self-Service Reporting's service principal.
const Principal = "selfservicereporting.managedservices.amazonaws.com"

// InstancePatch is a managed instance's patch compliance.
type InstancePatch struct {
	Region, InstanceID, PatchGroup string
	// State is COMPLIANT, NON_COMPLIANT or UNREPORTED.
	State                                       string
	Installed, Missing, Failed, CriticalMissing int
	LastScan                                    time.Time
}

// ResourceBackup is a resource's backup protection.
type ResourceBackup struct {
	Region, ResourceArn, ResourceType string
	Protected                         bool
	LastJobID, LastJobState           string
	LastJobTime                       time.Time
}

// Incident is an OpsItem of type /aws/issue.
type Incident struct {
	Region, ID, Title, Severity, Status string
	Created, Resolved                   time.Time
}

// Sources read an account's state, in every region, inside a transaction.
type Sources struct {
	Patches   func(tx store.Tx, account string) ([]InstancePatch, error)
	Backups   func(tx store.Tx, account string) ([]ResourceBackup, error)
	Incidents func(tx store.Tx, account string) ([]Incident, error)
}

// Options configures a Service.
type Options struct {
	Store     store.Store
	Clock     orgstack.Clock
	Jobs      *jobs.Queue
	Org       trusted.Organization
	Catalogue *trusted.Catalogue
	Sources   Sources
	// HistoryDays is how many days of reports are kept (default 90).
	HistoryDays int
	// DataDir, when set, receives the datasets: DataDir/ams-reporting-data-a<account>/…
	DataDir string
	Log     *slog.Logger
}

// Service implements the Self-Service Reporting API. It is safe for
// concurrent use.
type Service struct {
	opt Options
}

// New returns a Service and registers its job handlers.
func New(opt Options) *Service {
	if opt.HistoryDays <= 0 {
		opt.HistoryDays = defaultHistoryDays
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{opt: opt}
	if opt.Jobs != nil {
		opt.Jobs.Handle(jobDaily, s.runDaily)
	}
	return s
}

const defaultHistoryDays = 90

// Validation turns model-constraint violations into ValidationException.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	return errValidation(wire.Message(vs))
}

// AccessDenied is Self-Service Reporting's refusal.
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDeniedException", http.StatusForbidden, message)
}

func errValidation(msg string) *orgstack.Error {
	return orgstack.NewError("ValidationException", http.StatusBadRequest, msg)
}

func errNotFound(msg string) *orgstack.Error {
	return orgstack.NewError("ResourceNotFoundException", http.StatusNotFound, msg)
}

func errTrustedAccess() *orgstack.Error {
	return orgstack.NewError("TrustedAccessNotEnabledException", http.StatusBadRequest,
		"Trusted access for Self-Service Reporting isn't enabled in your organization. The management account enables it with "+
			"aws organizations enable-aws-service-access --service-principal "+Principal+".")
}

func errNotOrgViewer() *orgstack.Error {
	return AccessDenied("You don't have permission to perform this operation. Only the management account of the organization " +
		"and the delegated administrator for Self-Service Reporting can view the organization's reports.")
}

func callerOf(ctx context.Context) (orgstack.Caller, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return c, errors.New("ssr: no caller in context")
	}
	return c, nil
}
