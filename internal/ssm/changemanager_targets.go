package ssm

import (
	"errors"
	"slices"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/trusted"
)

// targetRef is one entry of TargetLocation.Accounts or ExcludeAccounts:
// an account id, or a root or OU whose accounts it stands for.
type targetRef struct {
	id     string
	parent bool
}

func parseTargetRefs(ids []string) ([]targetRef, error) {
	var out []targetRef
	for _, id := range ids {
		switch {
		case orgstack.IsAccountID(id):
			out = append(out, targetRef{id: id})
		case strings.HasPrefix(id, "ou-") || strings.HasPrefix(id, "r-"):
			out = append(out, targetRef{id: id, parent: true})
		default:
			return nil, errChangeParams("The target %s isn't valid: use a 12-digit account ID, an organizational unit ID (ou-…) or a root ID (r-…).", id)
		}
	}
	return out, nil
}

// changeTargets resolves a runbook's TargetLocations into the accounts and
// regions it runs in, in the order given and without repeats. Without
// TargetLocations the runbook runs in the caller's account and region
// (AutomationType Local); with them the type is CrossAccount, a location
// without Regions means the caller's region, OUs and roots stand for every
// account below them (at any depth: IncludeChildOrganizationUnits is not
// distinguished), and ExcludeAccounts (accounts or OUs) are taken out.
//
// A location that names any account other than the caller's, or any OU or
// root, needs an organization: the caller must be its management account
// or the delegated administrator for ssm.amazonaws.com, trusted access
// for ssm.amazonaws.com must be enabled, and every account, OU and root
// must belong to the organization. Each failure is
// InvalidAutomationExecutionParametersException naming the culprit.
func (s *Service) changeTargets(sc *scope, locs []TargetLocation) ([]execTarget, AutomationType, error) {
	if len(locs) == 0 {
		return []execTarget{{Account: sc.account, Region: sc.region}}, AutomationTypeLocal, nil
	}
	type loc struct {
		include, exclude []targetRef
		regions          []string
	}
	var parsed []loc
	crossAccount := false
	for _, l := range locs {
		inc, err := parseTargetRefs(l.Accounts)
		if err != nil {
			return nil, "", err
		}
		exc, err := parseTargetRefs(l.ExcludeAccounts)
		if err != nil {
			return nil, "", err
		}
		if len(inc) == 0 {
			inc = []targetRef{{id: sc.account}}
		}
		regions := l.Regions
		if len(regions) == 0 {
			regions = []string{sc.region}
		}
		for _, r := range inc {
			crossAccount = crossAccount || r.parent || r.id != sc.account
		}
		parsed = append(parsed, loc{include: inc, exclude: exc, regions: regions})
	}
	expand := func(refs []targetRef) ([]string, error) {
		var out []string
		for _, r := range refs {
			if r.parent {
				return nil, errChangeParams("The target %s is an organizational unit or root, but account %s is not in an organization.", r.id, sc.account)
			}
			out = append(out, r.id)
		}
		return out, nil
	}
	if crossAccount {
		var err error
		if expand, err = s.orgTargetExpander(sc); err != nil {
			return nil, "", err
		}
	}
	var out []execTarget
	for _, l := range parsed {
		accounts, err := expand(l.include)
		if err != nil {
			return nil, "", err
		}
		excluded, err := expand(l.exclude)
		if err != nil {
			return nil, "", err
		}
		for _, a := range accounts {
			if slices.Contains(excluded, a) {
				continue
			}
			for _, region := range l.regions {
				if t := (execTarget{Account: a, Region: region}); !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, "", errChangeParams("The target locations leave no account to run the runbook in.")
	}
	return out, AutomationTypeCrossAccount, nil
}

// orgTargetExpander checks that the caller may target its organization's
// accounts and returns a function that expands targets within it.
func (s *Service) orgTargetExpander(sc *scope) (func([]targetRef) ([]string, error), error) {
	if s.opt.Org == nil {
		return nil, errChangeParams("Account %s is not in an organization; only the management account or the delegated administrator of an organization can target other accounts.", sc.account)
	}
	org, mgmt, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errChangeParams("Account %s is not in an organization; only the management account or the delegated administrator of an organization can target other accounts.", sc.account)
	}
	if sc.account != mgmt {
		admins, err := s.opt.Org.DelegatedAdministrators(sc.tx, org, ssmPrincipal)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(admins, sc.account) {
			return nil, errChangeParams("Only the management account or the delegated administrator for %s of organization %s can target other accounts; account %s is neither.", ssmPrincipal, org, sc.account)
		}
	}
	enabled, _, err := s.opt.Org.AccessEnabled(sc.tx, org, ssmPrincipal)
	if err != nil {
		return nil, err
	}
	if !enabled {
		return nil, errChangeParams("Trusted access for %s is not enabled in organization %s.", ssmPrincipal, org)
	}
	members := map[string]bool{}
	if err := s.opt.Org.Members(sc.tx, org, func(a string) bool { members[a] = true; return true }); err != nil {
		return nil, err
	}
	return func(refs []targetRef) ([]string, error) {
		var out []string
		for _, r := range refs {
			if !r.parent {
				if !members[r.id] {
					return nil, errChangeParams("The target account %s is not a member of organization %s.", r.id, org)
				}
				out = append(out, r.id)
				continue
			}
			under, err := s.opt.Org.AccountsUnder(sc.tx, org, []string{r.id})
			if errors.Is(err, trusted.ErrNoSuchParent) {
				return nil, errChangeParams("The target %s is not an organizational unit or root of organization %s.", r.id, org)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, under...)
		}
		return out, nil
	}, nil
}
