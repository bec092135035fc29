// Package ssm implements the parts of AWS Systems Manager that work
// across an organization: per-account, per-region OpsData (OpsItems,
// compliance, inventory), Explorer's resource data syncs that aggregate it
// across the organization through Organizations, GetOpsSummary over the
// aggregate, and Change Manager in a delegated administrator account.
//
// State lives under ssm/<account>/<region>/ in the store.
package ssm

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
	"github.com/orgstack/orgstack/internal/wire"
)

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
	Jobs  *jobs.Queue
	// Org is Organizations as trusted services see it.
	Org trusted.Organization
	// Catalogue defines Systems Manager's service-linked roles.
	Catalogue *trusted.Catalogue
	// SyncInterval is how often Explorer syncs collect (30s when zero).
	SyncInterval time.Duration
	// Authorize, when set (enforce mode), authorizes Systems Manager's
	// own work in accounts, done through its service-linked role.
	Authorize func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error
}

// Service implements the SSM API; its exported methods named after
// operations are the operations (see BindHandlers). It is safe for
// concurrent use.
type Service struct {
	opt Options
}

// New returns a Service and registers its job handlers.
func New(opt Options) *Service {
	s := &Service{opt: opt}
	if opt.Jobs != nil {
		opt.Jobs.Handle(jobCollect, s.runCollect)
	}
	s.registerChangeManagerJobs()
	return s
}

// SetAuthorize sets Options.Authorize (enforce mode); call it before the
// server starts.
func (s *Service) SetAuthorize(f func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error) {
	s.opt.Authorize = f
}

// Validation turns model-constraint violations into SSM's ValidationException.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	return orgstack.NewError("ValidationException", http.StatusBadRequest, wire.Message(vs))
}

// AccessDenied is SSM's refusal of an unauthorized call.
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDeniedException", http.StatusBadRequest, message)
}

func callerOf(ctx context.Context) (orgstack.Caller, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return c, errors.New("ssm: no caller in context")
	}
	return c, nil
}

// scope is where a call's data lives: the caller's account and region.
type scope struct {
	tx      store.Tx
	now     time.Time
	caller  orgstack.Caller
	account string
	region  string
}

// prefix is the store prefix of the scope's data.
func (sc *scope) prefix() string { return "ssm/" + sc.account + "/" + sc.region + "/" }

func (s *Service) read(ctx context.Context, fn func(sc *scope) error) error {
	c, err := callerOf(ctx)
	if err != nil {
		return err
	}
	return s.opt.Store.View(ctx, func(tx store.Tx) error {
		return fn(&scope{tx: tx, now: s.opt.Clock.Now(), caller: c, account: c.AccountID, region: regionOf(c)})
	})
}

func (s *Service) write(ctx context.Context, fn func(sc *scope) error) error {
	c, err := callerOf(ctx)
	if err != nil {
		return err
	}
	return s.opt.Store.Update(ctx, func(tx store.Tx) error {
		return fn(&scope{tx: tx, now: s.opt.Clock.Now(), caller: c, account: c.AccountID, region: regionOf(c)})
	})
}

// regionOf is the caller's region, us-east-1 when the signature named none.
func regionOf(c orgstack.Caller) string {
	if c.Region == "" {
		return "us-east-1"
	}
	return c.Region
}

// newErr returns an SSM exception with its model's first sentence as the
// message unless one is given.
func newErr(code, message string) *orgstack.Error {
	status := http.StatusBadRequest
	if sh := ServiceModel().Exception(code); sh != nil {
		if message == "" {
			message = sh.Doc
		}
		if sh.Error != nil {
			status = sh.Error.Status
		}
	}
	return orgstack.NewError(code, status, message)
}
