// Package organizations implements AWS Organizations: organizations, the
// root and OUs, accounts (created asynchronously through the job queue),
// policies as data, tags, and the perspective of each caller — the
// management account, a member, a standalone account.
//
// Generated files (model_gen.go, types_gen.go, handlers_gen.go) hold the
// wire model and the API types; the hand-written files are split by
// resource. Every operation runs in one store transaction with one `now`
// from the injected clock.
package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Roles is what Organizations needs from IAM: roles in member accounts.
// Implementations write into the given transaction so that the roles and
// the organization change commit together.
type Roles interface {
	// CreateAccountAccessRole creates roleName in account, trusting
	// trustedAccount's root and carrying administrator permissions. It
	// replaces nothing: an existing role of that name is left alone.
	CreateAccountAccessRole(tx store.Tx, now time.Time, partition, account, roleName, trustedAccount string) error
	// EnsureServiceLinkedRole creates the service-linked role described by
	// slr in account unless it exists, and reports whether it created it.
	EnsureServiceLinkedRole(tx store.Tx, now time.Time, partition, account string, slr orgstack.ServiceLinkedRole) (created bool, err error)
	// HasRole reports whether account has a role of that name.
	HasRole(tx store.Tx, account, roleName string) (bool, error)
}

// OrganizationsSLR is the role Organizations puts in every account of an
// organization (it may be deleted only while the organization has
// consolidated billing only).
var OrganizationsSLR = orgstack.ServiceLinkedRole{
	RoleName:         "AWSServiceRoleForOrganizations",
	ServicePrincipal: "organizations.amazonaws.com",
	Description:      "Service-linked role used by AWS Organizations to enable integration of other AWS services with Organizations.",
	PolicyARNs:       []string{"arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy"},
}

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
	Jobs  *jobs.Queue
	Roles Roles
	// CreateAccountDelay is how long CreateAccount stays IN_PROGRESS.
	CreateAccountDelay time.Duration
	// CloseAccountDelay is how long CloseAccount stays PENDING_CLOSURE.
	CloseAccountDelay time.Duration
	// MaxAccounts is the accounts-per-organization quota (AWS's default
	// for a new organization is 10).
	MaxAccounts int
	// Catalogue holds the services that can be given trusted access.
	Catalogue *trusted.Catalogue
	// ServiceRoleDelay is how long after an event trusted services act on
	// it (creating their service-linked roles, for example).
	ServiceRoleDelay time.Duration
	// Authorize, when set (enforce mode), authorizes what Organizations
	// does inside accounts through its service-linked role, on the path
	// every request takes (SCPs do not apply to service-linked roles).
	Authorize func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error
}

// Service implements the Organizations API. Its methods are the
// operations (see BindHandlers). It is safe for concurrent use.
type Service struct {
	opt           Options
	plugins       map[string]trusted.Plugin
	defaultPlugin trusted.Plugin
}

// Job kinds.
const (
	jobCreateAccount = "organizations.create-account"
	jobCloseAccount  = "organizations.close-account"
)

// New returns a Service and registers its job handlers on opt.Jobs.
func New(opt Options) *Service {
	if opt.MaxAccounts == 0 {
		opt.MaxAccounts = 10
	}
	s := &Service{opt: opt, plugins: map[string]trusted.Plugin{}}
	// Finishing a CreateAccount or a CloseAccount writes a few records
	// whatever the organization's size: many finish in one commit.
	opt.Jobs.HandleSmall(jobCreateAccount, s.runCreateAccount)
	opt.Jobs.HandleSmall(jobCloseAccount, s.runCloseAccount)
	opt.Jobs.Handle(jobTrustedEvent, s.runTrustedEvent)
	opt.Jobs.HandleSmall(jobTrustedEventSmall, s.runTrustedEvent)
	return s
}

// view is one operation's look at the state: the transaction, the time,
// the caller and the caller's place in an organization.
type view struct {
	tx     store.Tx
	now    time.Time
	caller orgstack.Caller
	acct   *accountRecord // the caller's account
	org    *orgRecord     // nil for a standalone account
}

// read runs fn in a read-only transaction with the caller's view.
func (s *Service) read(ctx context.Context, fn func(v *view) error) error {
	return s.opt.Store.View(ctx, func(tx store.Tx) error {
		v, err := s.newView(ctx, tx)
		if err != nil {
			return err
		}
		return fn(v)
	})
}

// write runs fn in a read-write transaction with the caller's view.
func (s *Service) write(ctx context.Context, fn func(v *view) error) error {
	return s.opt.Store.Update(ctx, func(tx store.Tx) error {
		v, err := s.newView(ctx, tx)
		if err != nil {
			return err
		}
		return fn(v)
	})
}

func (s *Service) newView(ctx context.Context, tx store.Tx) (*view, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return nil, errors.New("organizations: no caller in context")
	}
	v := &view{tx: tx, now: s.opt.Clock.Now(), caller: c}
	a, err := getAccount(tx, c.AccountID, c.Partition())
	if err != nil {
		return nil, err
	}
	v.acct = a
	if a.OrgID != "" {
		o, err := getOrg(tx, a.OrgID)
		if err != nil {
			return nil, err
		}
		v.org = o
	}
	return v, nil
}

// inOrg requires the caller's account to be in an organization.
func (v *view) inOrg() error {
	if v.org == nil {
		return errNotInUse()
	}
	return nil
}

// isManagement reports whether the caller is the management account.
func (v *view) isManagement() bool {
	return v.org != nil && v.org.MasterAccountID == v.caller.AccountID
}

// management requires the caller to be the management account.
func (v *view) management() error {
	if err := v.inOrg(); err != nil {
		return err
	}
	if !v.isManagement() {
		return errAccessDenied()
	}
	return nil
}

// isDelegatedAdmin reports whether the caller's account is a delegated
// administrator for any service in its organization.
func (v *view) isDelegatedAdmin() (bool, error) {
	if v.org == nil {
		return false, nil
	}
	return isDelegatedAdmin(v.tx, v.org.ID, v.caller.AccountID)
}
