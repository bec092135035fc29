package trusted

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Generic is the plug-in of every catalogue service without one of its
// own. When trusted access is enabled it creates the service's
// management-account roles, and its member-account roles in every member
// (through Organizations), MemberBatch accounts per transaction; accounts
// that join later get the member roles the same way. Disabling creates
// nothing new and removes nothing.
type Generic struct {
	Catalogue *Catalogue
	Org       Organization
	Log       *slog.Logger
	// MemberBatch is how many member accounts one transaction handles
	// (default DefaultMemberBatch).
	MemberBatch int
}

// DefaultMemberBatch is Generic's default MemberBatch.
const DefaultMemberBatch = 200

var _ Plugin = (*Generic)(nil)

// HandleEvent implements Plugin.
func (g *Generic) HandleEvent(_ context.Context, tx store.Tx, now time.Time, e Event) error {
	svc, ok := g.Catalogue.Service(e.Principal)
	if !ok {
		return nil
	}
	switch e.Kind {
	case AccessEnabled:
		enabled, since, err := g.Org.AccessEnabled(tx, e.OrgID, e.Principal)
		if err != nil || !enabled {
			// Disabled again since: nothing is created.
			return err
		}
		if !since.Equal(e.At) {
			// Disabled and enabled again since: that later enabling's
			// event creates the roles.
			return nil
		}
		if e.After == "" {
			for _, r := range svc.ManagementRoles() {
				if err := g.create(tx, now, e, e.ManagementAccount, r); err != nil {
					return err
				}
			}
		}
		members := svc.MemberRoles()
		if len(members) == 0 {
			return nil
		}
		batch := g.MemberBatch
		if batch <= 0 {
			batch = DefaultMemberBatch
		}
		var accounts []string
		more := false
		if err := g.Org.MembersAfter(tx, e.OrgID, e.After, func(a string) bool {
			if len(accounts) == batch {
				more = true
				return false
			}
			accounts = append(accounts, a)
			return true
		}); err != nil {
			return err
		}
		for _, a := range accounts {
			if a == e.ManagementAccount {
				continue
			}
			for _, r := range members {
				if err := g.createMissing(tx, now, e, a, r); err != nil {
					return err
				}
			}
		}
		if more {
			next := e
			next.After = accounts[len(accounts)-1]
			return g.Org.Continue(tx, now, next)
		}
	case AccountJoined:
		for _, r := range svc.MemberRoles() {
			if err := g.create(tx, now, e, e.Account, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// createMissing is create for a role the account does not have yet: a
// service enabled again finds most of its roles in place.
func (g *Generic) createMissing(tx store.Tx, now time.Time, e Event, account string, r SLR) error {
	has, err := g.Org.HasRole(tx, account, r.RoleName)
	if err != nil || has {
		return err
	}
	return g.create(tx, now, e, account, r)
}

// create asks Organizations for a role; the refusals Organizations gives
// (access since disabled, the account gone or without
// AWSServiceRoleForOrganizations) leave the role pending, not failed.
func (g *Generic) create(tx store.Tx, now time.Time, e Event, account string, r SLR) error {
	err := g.Org.CreateServiceLinkedRole(tx, now, e.OrgID, account, e.Principal, r.Spec())
	if errors.Is(err, ErrAccessNotEnabled) || errors.Is(err, ErrNoOrganizationsRole) || errors.Is(err, ErrNotMember) || errors.Is(err, ErrDenied) {
		if g.Log != nil {
			g.Log.Debug("service-linked role not created", "principal", e.Principal, "account", account, "role", r.RoleName, "reason", err)
		}
		return nil
	}
	return err
}

// Spec is the IAM description of the role.
func (r SLR) Spec() orgstack.ServiceLinkedRole {
	spec := orgstack.ServiceLinkedRole{RoleName: r.RoleName, ServicePrincipal: r.ServicePrincipal, Description: r.Description}
	if r.PolicyARN != "" {
		spec.PolicyARNs = []string{r.PolicyARN}
	}
	return spec
}
