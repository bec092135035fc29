package trusted

import (
	"context"
	"errors"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// EventKind is what happened that a trusted service hears about.
type EventKind string

// Events Organizations sends to trusted services.
const (
	AccessEnabled              EventKind = "access-enabled"
	AccessDisabled             EventKind = "access-disabled"
	AccountJoined              EventKind = "account-joined"
	AccountLeft                EventKind = "account-left"
	DelegatedAdminRegistered   EventKind = "delegated-admin-registered"
	DelegatedAdminDeregistered EventKind = "delegated-admin-deregistered"
)

// Event tells a trusted service about a change in an organization it is
// (or was) trusted by. Events travel through the durable job queue, so a
// service hears about each one at least once, even across restarts.
type Event struct {
	Kind              EventKind `json:"kind"`
	Principal         string    `json:"principal"`
	OrgID             string    `json:"orgId"`
	ManagementAccount string    `json:"managementAccount"`
	Partition         string    `json:"partition"`
	// Account is the account that joined, left, or became or stopped
	// being a delegated administrator.
	Account string    `json:"account,omitempty"`
	At      time.Time `json:"at"`
	// ByService is true when the service itself asked for the change
	// (enabling or disabling through the service's own tools).
	ByService bool `json:"byService,omitempty"`
	// After, in an event a plug-in continues (see Organization.Continue),
	// is the last account the earlier parts handled.
	After string `json:"after,omitempty"`
}

// Continued reports whether e is a later part of an event a plug-in split
// (see Organization.Continue): what happens once per event has been done.
func (e Event) Continued() bool { return e.After != "" }

// Plugin is a trusted service's side of its integration with
// Organizations. Every principal of the catalogue has one: the three seed
// services their own, every other the generic one.
type Plugin interface {
	// HandleEvent reacts to e inside tx. It may run more than once for one
	// event (a failed attempt is retried), so it must be idempotent.
	HandleEvent(ctx context.Context, tx store.Tx, now time.Time, e Event) error
}

// Errors Organization.CreateServiceLinkedRole reports when it refuses.
var (
	ErrAccessNotEnabled    = errors.New("trusted access is not enabled for the service")
	ErrNoOrganizationsRole = errors.New("the account has no AWSServiceRoleForOrganizations")
	ErrNotMember           = errors.New("the account is not a member of the organization")
	// ErrDenied wraps the refusal of the policies in force (enforce mode).
	ErrDenied = errors.New("not authorized")
	// ErrNoSuchParent is AccountsUnder's error for an unknown root or OU.
	ErrNoSuchParent = errors.New("no such root or organizational unit")
)

// Organization is what a trusted service may ask of Organizations.
// Every method works inside the caller's transaction.
type Organization interface {
	// CreateServiceLinkedRole asks Organizations to create the service's
	// role in an account of the organization, through that account's
	// AWSServiceRoleForOrganizations. It creates nothing, and returns
	// ErrAccessNotEnabled, ErrNoOrganizationsRole or ErrNotMember, when
	// trusted access is off, that role is missing, or the account is not in
	// the organization. An existing role is left alone.
	CreateServiceLinkedRole(tx store.Tx, now time.Time, orgID, account, principal string, slr orgstack.ServiceLinkedRole) error
	// AccessEnabled reports whether the principal has trusted access in the
	// organization, and since when.
	AccessEnabled(tx store.Tx, orgID, principal string) (bool, time.Time, error)
	// EnableAccess enables trusted access on the service's behalf (the
	// service's own tools); it is a no-op when access is already enabled.
	EnableAccess(tx store.Tx, now time.Time, orgID, principal string) error
	// DisableAccess disables trusted access on the service's behalf.
	DisableAccess(tx store.Tx, now time.Time, orgID, principal string) error
	// Members calls fn for every account of the organization, the
	// management account included, until fn returns false.
	Members(tx store.Tx, orgID string, fn func(account string) bool) error
	// MembersAfter is Members from the first account after the given one,
	// in the order Members gives them ("" starts at the first).
	MembersAfter(tx store.Tx, orgID, after string, fn func(account string) bool) error
	// HasRole reports whether an account has an IAM role of that name.
	HasRole(tx store.Tx, account, roleName string) (bool, error)
	// Continue queues e to be handled again, at once, in a transaction of
	// its own: a plug-in whose work grows with the organization does a
	// part of it in each, so that no transaction holds the store for long.
	Continue(tx store.Tx, now time.Time, e Event) error
	// OrganizationOf returns the organization an account is in and its
	// management account; ok is false for a standalone account.
	OrganizationOf(tx store.Tx, account string) (orgID, management string, ok bool, err error)
	// AccountsUnder lists the accounts below the given roots or OUs, at any
	// depth. An id that is no root or OU of the organization is an error
	// wrapping ErrNoSuchParent.
	AccountsUnder(tx store.Tx, orgID string, parents []string) ([]string, error)
	// DelegatedAdministrators lists the service's delegated administrators.
	DelegatedAdministrators(tx store.Tx, orgID, principal string) ([]string, error)
	// RegisterDelegatedAdmin and DeregisterDelegatedAdmin change the
	// service's delegated administrators through the service's own API,
	// with Organizations' rules and errors (AccountNotFoundException,
	// CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR,
	// AccountAlreadyRegisteredException, AccountNotRegisteredException).
	RegisterDelegatedAdmin(tx store.Tx, now time.Time, orgID, account, principal string) error
	DeregisterDelegatedAdmin(tx store.Tx, now time.Time, orgID, account, principal string) error
}
