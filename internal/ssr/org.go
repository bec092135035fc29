package ssr

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// orgOfViewer returns the organization whose aggregated view account may
// see: account must be its management account or its delegated
// administrator for Self-Service Reporting (AccessDeniedException
// otherwise), and trusted access must be enabled
// (TrustedAccessNotEnabledException otherwise).
func (s *Service) orgOfViewer(tx store.Tx, account string) (org, mgmt string, err error) {
	org, mgmt, ok, err := s.opt.Org.OrganizationOf(tx, account)
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", errNotOrgViewer()
	}
	if account != mgmt {
		admins, err := s.opt.Org.DelegatedAdministrators(tx, org, Principal)
		if err != nil {
			return "", "", err
		}
		if !slices.Contains(admins, account) {
			return "", "", errNotOrgViewer()
		}
	}
	enabled, _, err := s.opt.Org.AccessEnabled(tx, org, Principal)
	if err != nil {
		return "", "", err
	}
	if !enabled {
		return "", "", errTrustedAccess()
	}
	return org, mgmt, nil
}

// generateOrg computes and stores an organization's report of a type as
// the report of today: the rows of every account of the organization,
// gathered in each member account through Self-Service Reporting's
// service-linked role there (created on first use through Organizations).
// SCPs never restrict a service-linked role. Accounts where the role
// can't be created (no AWSServiceRoleForOrganizations) are left out.
func (s *Service) generateOrg(tx store.Tx, typ, org string, now time.Time) (*report, error) {
	var members []string
	if err := s.opt.Org.Members(tx, org, func(a string) bool { members = append(members, a); return true }); err != nil {
		return nil, err
	}
	slices.Sort(members)
	_, mgmt, _, err := s.opt.Org.OrganizationOf(tx, members[0])
	if err != nil {
		return nil, err
	}
	def, ok := s.opt.Catalogue.Role(Principal)
	if !ok {
		return nil, errors.New("ssr: no service-linked role defined for " + Principal)
	}
	r := &report{Type: typ, Scope: string(ReportScopeOrganization), Account: mgmt, Org: org, Date: day(now), GeneratedAt: now}
	if typ == string(ReportTypeIncident) {
		r.PeriodStart, r.PeriodEnd = now.Add(-incidentPeriod), now
	}
	for _, account := range members {
		err := s.opt.Org.CreateServiceLinkedRole(tx, now, org, account, Principal, def.ServiceLinkedRole())
		switch {
		case errors.Is(err, trusted.ErrNoOrganizationsRole), errors.Is(err, trusted.ErrNotMember), errors.Is(err, trusted.ErrDenied):
			s.opt.Log.Warn("self-service reporting: account left out of the organization report", "org", org, "account", account, "error", err)
			continue
		case err != nil:
			return nil, err
		}
		rows, err := s.accountRows(tx, typ, account, now)
		if err != nil {
			return nil, err
		}
		r.Accounts = append(r.Accounts, account)
		r.Rows = append(r.Rows, rows...)
	}
	if err := s.store(tx, r, now); err != nil {
		return nil, err
	}
	return r, nil
}

// Plugin is Self-Service Reporting's side of its integration with
// Organizations: an organization that enables trusted access gets its
// reports generated daily; one that disables it stops (its history stays).
type Plugin struct {
	Service *Service
	// Fallback does what every trusted service does (the generic
	// plug-in: the service-linked role in the management account).
	Fallback trusted.Plugin
}

// HandleEvent implements trusted.Plugin.
func (p *Plugin) HandleEvent(ctx context.Context, tx store.Tx, now time.Time, e trusted.Event) error {
	if p.Fallback != nil {
		if err := p.Fallback.HandleEvent(ctx, tx, now, e); err != nil {
			return err
		}
	}
	if e.Continued() {
		return nil
	}
	switch e.Kind {
	case trusted.AccessEnabled:
		return p.Service.register(tx, kOrgRegistry(e.OrgID), now)
	case trusted.AccessDisabled:
		return tx.Delete(kOrgRegistry(e.OrgID))
	}
	return nil
}
