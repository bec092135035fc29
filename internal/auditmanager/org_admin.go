package auditmanager

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// orgOf returns the caller's organization, requiring the caller to be its
// management account.
func (s *Service) managementOrg(sc *scope) (string, error) {
	org, mgmt, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errValidation("Your account isn't a member of an organization in AWS Organizations.")
	}
	if mgmt != sc.account {
		return "", AccessDenied("Only the management account of the organization can manage its delegated administrator for Audit Manager.")
	}
	return org, nil
}

// registerOrgAdmin makes admin the organization's delegated administrator
// for Audit Manager in the caller's region. Doing it through Audit Manager
// enables trusted access for auditmanager.amazonaws.com and registers the
// administrator in Organizations; the administrator's account gets Audit
// Manager enabled in the region.
func (s *Service) registerOrgAdmin(sc *scope, admin string) (string, error) {
	org, err := s.managementOrg(sc)
	if err != nil {
		return "", err
	}
	if admin == sc.account {
		return "", errValidation("You can't designate the management account as the delegated administrator for Audit Manager.")
	}
	var current orgAdminRecord
	err = store.GetJSON(sc.tx, kOrgAdmin(org, sc.region), &current)
	switch {
	case err == nil && current.Admin == admin:
		return org, nil
	case err == nil:
		return "", errValidation("The organization already has a delegated administrator for Audit Manager in this Region (" +
			current.Admin + "). Remove it before you designate another.") // unconfirmed
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	if err := s.opt.Org.EnableAccess(sc.tx, sc.now, org, principal); err != nil {
		if e, ok := orgstack.AsError(err); ok {
			return "", errValidation(e.Message)
		}
		return "", err
	}
	admins, err := s.opt.Org.DelegatedAdministrators(sc.tx, org, principal)
	if err != nil {
		return "", err
	}
	if !contains(admins, admin) {
		if err := s.opt.Org.RegisterDelegatedAdmin(sc.tx, sc.now, org, admin, principal); err != nil {
			if e, ok := orgstack.AsError(err); ok {
				if e.Code == "AccountNotFoundException" {
					return "", errNotFound("The account "+admin+" isn't a member of the organization.", admin, "ACCOUNT")
				}
				return "", errValidation(e.Message)
			}
			return "", err
		}
	}
	if err := store.PutJSON(sc.tx, kOrgAdmin(org, sc.region), orgAdminRecord{Admin: admin, Registered: sc.now}); err != nil {
		return "", err
	}
	return org, s.activate(sc.tx, sc.now, sc.caller.Partition(), admin, sc.region, "")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RegisterOrganizationAdminAccount designates the organization's
// delegated administrator for Audit Manager in the caller's region.
func (s *Service) RegisterOrganizationAdminAccount(ctx context.Context, in *RegisterOrganizationAdminAccountRequest) (*RegisterOrganizationAdminAccountResponse, error) {
	var out *RegisterOrganizationAdminAccountResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		org, err := s.registerOrgAdmin(sc, in.AdminAccountId)
		if err != nil {
			return err
		}
		out = &RegisterOrganizationAdminAccountResponse{AdminAccountId: in.AdminAccountId, OrganizationId: org}
		return nil
	})
	return out, err
}

// DeregisterOrganizationAdminAccount removes the region's delegated
// administrator. Its data stays; evidence is no longer collected for it.
// When no region uses the account any more, it is deregistered in
// Organizations too.
func (s *Service) DeregisterOrganizationAdminAccount(ctx context.Context, in *DeregisterOrganizationAdminAccountRequest) (*DeregisterOrganizationAdminAccountResponse, error) {
	err := s.writeRegistered(ctx, func(sc *scope) error {
		org, err := s.managementOrg(sc)
		if err != nil {
			return err
		}
		return s.removeOrgAdmin(sc.tx, sc.now, org, sc.region, in.AdminAccountId)
	})
	if err != nil {
		return nil, err
	}
	return &DeregisterOrganizationAdminAccountResponse{}, nil
}

// removeOrgAdmin removes the region's administrator (which must be admin
// when admin is given).
func (s *Service) removeOrgAdmin(tx store.Tx, now time.Time, org, region, admin string) error {
	var current orgAdminRecord
	err := store.GetJSON(tx, kOrgAdmin(org, region), &current)
	if errors.Is(err, store.ErrNotFound) || (err == nil && admin != "" && current.Admin != admin) {
		return errNotFound("The organization has no such delegated administrator for Audit Manager in this Region.", admin, "ACCOUNT")
	}
	if err != nil {
		return err
	}
	if err := tx.Delete(kOrgAdmin(org, region)); err != nil {
		return err
	}
	stillUsed := false
	if err := tx.Scan(kOrgAdminPrefix(org), "", func(_ string, v []byte) (bool, error) {
		var r orgAdminRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		if r.Admin == current.Admin {
			stillUsed = true
			return false, nil
		}
		return true, nil
	}); err != nil {
		return err
	}
	if stillUsed {
		return nil
	}
	admins, err := s.opt.Org.DelegatedAdministrators(tx, org, principal)
	if err != nil || !contains(admins, current.Admin) {
		return err
	}
	return s.opt.Org.DeregisterDelegatedAdmin(tx, now, org, current.Admin, principal)
}

// GetOrganizationAdminAccount returns the organization's delegated
// administrator for Audit Manager in the caller's region (the
// organization id alone when there is none).
func (s *Service) GetOrganizationAdminAccount(ctx context.Context, _ *GetOrganizationAdminAccountRequest) (*GetOrganizationAdminAccountResponse, error) {
	var out *GetOrganizationAdminAccountResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		org, _, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account)
		if err != nil {
			return err
		}
		if !ok {
			return errValidation("Your account isn't a member of an organization in AWS Organizations.")
		}
		out = &GetOrganizationAdminAccountResponse{OrganizationId: org}
		var current orgAdminRecord
		if err := store.GetJSON(sc.tx, kOrgAdmin(org, sc.region), &current); err == nil {
			out.AdminAccountId = current.Admin
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	return out, err
}

// adminOf returns the region's delegated administrator of an
// organization ("" when none).
func adminOf(tx store.Tx, org, region string) (string, error) {
	var current orgAdminRecord
	err := store.GetJSON(tx, kOrgAdmin(org, region), &current)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return current.Admin, err
}

// Plugin is Audit Manager's side of its integration with Organizations.
type Plugin struct {
	Service  *Service
	Fallback trusted.Plugin
}

// HandleEvent implements trusted.Plugin: a delegated administrator
// deregistered directly in Organizations stops being Audit Manager's in
// every region.
func (p *Plugin) HandleEvent(ctx context.Context, tx store.Tx, now time.Time, e trusted.Event) error {
	if p.Fallback != nil {
		if err := p.Fallback.HandleEvent(ctx, tx, now, e); err != nil {
			return err
		}
	}
	if e.Kind != trusted.DelegatedAdminDeregistered {
		return nil
	}
	var stale []string
	if err := tx.Scan(kOrgAdminPrefix(e.OrgID), "", func(k string, v []byte) (bool, error) {
		var r orgAdminRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		if r.Admin == e.Account {
			stale = append(stale, k)
		}
		return true, nil
	}); err != nil {
		return err
	}
	for _, k := range stale {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
