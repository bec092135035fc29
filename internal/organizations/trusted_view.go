package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// OrganizationSummary names one organization of the server.
type OrganizationSummary struct {
	ID                string    `json:"id"`
	ManagementAccount string    `json:"managementAccount"`
	FeatureSet        string    `json:"featureSet"`
	Accounts          int       `json:"accounts"`
	Created           time.Time `json:"created"`
}

// Organizations lists every organization of the server (orgstack's own
// view, not an AWS operation).
func (s *Service) Organizations(ctx context.Context) ([]OrganizationSummary, error) {
	out := []OrganizationSummary{}
	err := s.opt.Store.View(ctx, func(tx store.Tx) error {
		return tx.Scan(kOrgIndexPrefix, "", func(k string, _ []byte) (bool, error) {
			o, err := getOrg(tx, k[len(kOrgIndexPrefix):])
			if err != nil {
				return false, err
			}
			out = append(out, OrganizationSummary{ID: o.ID, ManagementAccount: o.MasterAccountID, FeatureSet: o.FeatureSet, Accounts: o.Accounts, Created: o.Created})
			return true, nil
		})
	})
	return out, err
}

// TrustedServiceView is orgstack's view of one trusted service in one
// organization.
type TrustedServiceView struct {
	Principal               string              `json:"principal"`
	Name                    string              `json:"name"`
	TrustedAccess           string              `json:"trustedAccess"` // ENABLED or DISABLED
	DateEnabled             *time.Time          `json:"dateEnabled,omitempty"`
	DelegatedAdminSupported bool                `json:"delegatedAdministratorSupported"`
	MaxDelegatedAdmins      int                 `json:"maxDelegatedAdministrators,omitempty"`
	DelegatedAdmins         []DelegatedAdminRef `json:"delegatedAdministrators"`
	ServiceLinkedRoles      []RoleView          `json:"serviceLinkedRoles"`
	Enable                  string              `json:"enable"`
	Disable                 string              `json:"disable"`
}

// DelegatedAdminRef is one delegated administrator of a service.
type DelegatedAdminRef struct {
	AccountID             string    `json:"accountId"`
	DelegationEnabledDate time.Time `json:"delegationEnabledDate"`
}

// RoleView is one of a service's roles and where it exists.
type RoleView struct {
	RoleName         string            `json:"roleName"`
	ServicePrincipal string            `json:"servicePrincipal"`
	CreatedIn        string            `json:"createdIn"`
	Accounts         []RoleAccountView `json:"accounts"`
}

// RoleAccountView says whether an account has the role: PRESENT; PENDING
// (trusted access is on and the service will create it when it acts
// there); ABSENT.
type RoleAccountView struct {
	AccountID string `json:"accountId"`
	Status    string `json:"status"`
}

// ErrNoSuchOrganization is returned by the views for an unknown id.
var ErrNoSuchOrganization = errors.New("no such organization")

// TrustedServices is orgstack's view of every catalogue service in an
// organization: trusted-access status, delegated administrators, and
// which accounts have each service-linked role. Per-account role status is
// given for services with trusted access, and for others where a role
// exists.
func (s *Service) TrustedServices(ctx context.Context, orgID string) ([]TrustedServiceView, error) {
	var out []TrustedServiceView
	err := s.opt.Store.View(ctx, func(tx store.Tx) error {
		o, err := getOrg(tx, orgID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoSuchOrganization
		}
		if err != nil {
			return err
		}
		var members []string
		if err := s.Members(tx, o.ID, func(a string) bool { members = append(members, a); return true }); err != nil {
			return err
		}
		for _, svc := range s.opt.Catalogue.Services() {
			view, err := s.serviceView(tx, o, members, svc)
			if err != nil {
				return err
			}
			out = append(out, view)
		}
		return nil
	})
	return out, err
}

func (s *Service) serviceView(tx store.Tx, o *orgRecord, members []string, svc *trusted.Service) (TrustedServiceView, error) {
	v := TrustedServiceView{
		Principal: svc.Principal, Name: svc.Name, TrustedAccess: "DISABLED",
		DelegatedAdminSupported: svc.SupportsDelegatedAdmin(), DelegatedAdmins: []DelegatedAdminRef{},
		ServiceLinkedRoles: []RoleView{}, Enable: svc.Enable, Disable: svc.Disable,
	}
	if svc.DelegatedAdmin != nil {
		v.MaxDelegatedAdmins = svc.DelegatedAdmin.Max
	}
	enabled, since, err := s.AccessEnabled(tx, o.ID, svc.Principal)
	if err != nil {
		return v, err
	}
	if enabled {
		v.TrustedAccess = "ENABLED"
		v.DateEnabled = &since
	}
	admins, err := delegatedAdminsFor(tx, o.ID, svc.Principal)
	if err != nil {
		return v, err
	}
	v.DelegatedAdmins = admins
	for _, r := range svc.ServiceLinkedRoles {
		rv := RoleView{RoleName: r.RoleName, ServicePrincipal: r.ServicePrincipal, CreatedIn: r.CreatedIn, Accounts: []RoleAccountView{}}
		for _, a := range members {
			if !roleBelongsIn(r.CreatedIn, a == o.MasterAccountID) {
				continue
			}
			has, err := s.opt.Roles.HasRole(tx, a, r.RoleName)
			if err != nil {
				return v, err
			}
			switch {
			case has:
				rv.Accounts = append(rv.Accounts, RoleAccountView{AccountID: a, Status: "PRESENT"})
			case enabled:
				rv.Accounts = append(rv.Accounts, RoleAccountView{AccountID: a, Status: "PENDING"})
			}
		}
		v.ServiceLinkedRoles = append(v.ServiceLinkedRoles, rv)
	}
	return v, nil
}

// roleBelongsIn reports whether a role created "createdIn" belongs in the
// management account (mgmt) or a member account.
func roleBelongsIn(createdIn string, mgmt bool) bool {
	switch createdIn {
	case "all":
		return true
	case "management":
		return mgmt
	case "members":
		return !mgmt
	}
	return false
}

// delegatedAdminsFor lists a service's delegated administrators.
func delegatedAdminsFor(tx store.Tx, orgID, principal string) ([]DelegatedAdminRef, error) {
	out := []DelegatedAdminRef{}
	prefix := kDelegatedByServicePrefix(orgID, principal)
	err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		var r delegationRecord
		if err := store.GetJSON(tx, kDelegation(orgID, k[len(prefix):], principal), &r); err != nil {
			return false, err
		}
		out = append(out, DelegatedAdminRef{AccountID: r.Account, DelegationEnabledDate: r.Enabled})
		return true, nil
	})
	return out, err
}

// delegationRecord is one delegated administrator of one service, stored
// under org/<o>/da/<account>/<principal>.
type delegationRecord struct {
	Account   string    `json:"account"`
	Principal string    `json:"principal"`
	Enabled   time.Time `json:"enabled"`
}
