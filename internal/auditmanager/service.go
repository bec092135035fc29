// Package auditmanager implements AWS Audit Manager's organization
// features: account registration, the organization's delegated
// administrator (which enables trusted access and registers the
// administrator in Organizations), controls, frameworks and assessments
// over several accounts, and evidence collected from each account in scope
// through Audit Manager's service-linked role there.
//
// Audit Manager is regional: state lives under am/<account>/<region>/.
package auditmanager

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

// principal is Audit Manager's service principal.
const principal = "auditmanager.amazonaws.com"

// Roles is what Audit Manager needs from IAM: its service-linked role in
// an account that registers.
type Roles interface {
	EnsureServiceLinkedRole(tx store.Tx, now time.Time, partition, account string, slr orgstack.ServiceLinkedRole) (bool, error)
}

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
	Jobs  *jobs.Queue
	// Org is Organizations as trusted services see it.
	Org   trusted.Organization
	Roles Roles
	// Catalogue defines Audit Manager's service-linked role.
	Catalogue *trusted.Catalogue
	// EvidenceInterval is "a day" of evidence collection: DAILY sources
	// collect once per interval, WEEKLY once per 7, MONTHLY once per 30
	// (default 24h).
	EvidenceInterval time.Duration
	// APICalls are the API calls controls can collect evidence with, by
	// keyword (iam_ListRoles).
	APICalls map[string]APICall
	// AccountPath is an account's path in its organization
	// (o-…/r-…/ou-…/account), the awsOrganization of its evidence.
	AccountPath func(tx store.Tx, account string) (string, error)
	// Authorize, when set (enforce mode), authorizes Audit Manager's own
	// work in accounts, done through its service-linked role.
	Authorize func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error
}

// Service implements the Audit Manager API. It is safe for concurrent use.
type Service struct {
	opt Options
}

// New returns a Service and registers its job handlers.
func New(opt Options) *Service {
	s := &Service{opt: opt}
	s.registerEvidenceJobs()
	return s
}

// SetAuthorize sets Options.Authorize (enforce mode); call it before the
// server starts.
func (s *Service) SetAuthorize(f func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error) {
	s.opt.Authorize = f
}

// Validation turns model-constraint violations into Audit Manager's
// ValidationException, with reason fieldValidationFailed and one entry in
// fields per violation.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	fields := make([]ValidationExceptionField, len(vs))
	for i, v := range vs {
		fields[i] = ValidationExceptionField{Name: v.Path, Message: v.Constraint()}
	}
	return orgstack.NewError("ValidationException", http.StatusBadRequest, wire.Message(vs)).
		With("reason", "fieldValidationFailed").
		With("fields", fields)
}

// AccessDenied is Audit Manager's refusal.
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDeniedException", http.StatusForbidden, message)
}

// errNotRegistered is what an unregistered account gets from every
// operation but registration and its status.
func errNotRegistered() *orgstack.Error {
	return AccessDenied("Your account isn't registered with Audit Manager.")
}

func errValidation(msg string) *orgstack.Error {
	return orgstack.NewError("ValidationException", http.StatusBadRequest, msg).With("reason", "other")
}

func errNotFound(msg, resourceID, resourceType string) *orgstack.Error {
	return orgstack.NewError("ResourceNotFoundException", http.StatusNotFound, msg).
		With("resourceId", resourceID).With("resourceType", resourceType)
}

func callerOf(ctx context.Context) (orgstack.Caller, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return c, errors.New("auditmanager: no caller in context")
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

// prefix is the store prefix of an account's Audit Manager data in a region.
func prefix(account, region string) string { return "am/" + account + "/" + region + "/" }

func (sc *scope) prefix() string { return prefix(sc.account, sc.region) }

func regionOf(c orgstack.Caller) string {
	if c.Region == "" {
		return "us-east-1"
	}
	return c.Region
}

func (s *Service) newScope(ctx context.Context, tx store.Tx) (*scope, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	return &scope{tx: tx, now: s.opt.Clock.Now(), caller: c, account: c.AccountID, region: regionOf(c)}, nil
}

// read and write run fn for any caller; readRegistered and
// writeRegistered first require the caller's account to be registered in
// its region (AccessDeniedException otherwise).
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

func (s *Service) readRegistered(ctx context.Context, fn func(sc *scope) error) error {
	return s.read(ctx, func(sc *scope) error {
		if err := requireRegistered(sc); err != nil {
			return err
		}
		return fn(sc)
	})
}

func (s *Service) writeRegistered(ctx context.Context, fn func(sc *scope) error) error {
	return s.write(ctx, func(sc *scope) error {
		if err := requireRegistered(sc); err != nil {
			return err
		}
		return fn(sc)
	})
}
