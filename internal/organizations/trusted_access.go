package organizations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Store layout of trusted access:
//
//	org/<o>/svc/<principal>   serviceAccessRecord
func kAccessPrefix(o string) string      { return "org/" + o + "/svc/" }
func kAccess(o, principal string) string { return kAccessPrefix(o) + principal }

type serviceAccessRecord struct {
	Principal string    `json:"principal"`
	Enabled   time.Time `json:"enabled"`
}

// Trusted services hear about events through jobs. Enabling access for
// a service with roles in member accounts is work that grows with the
// organization (200 accounts per job, see trusted.Generic); every other
// event touches a few records, so its jobs are small
// (jobs.Queue.HandleSmall) and those due together share one commit.
const (
	jobTrustedEvent      = "organizations.trusted-event"
	jobTrustedEventSmall = "organizations.trusted-event.small"
)

// eventJobKind is the job kind that carries an event of kind k for
// principal.
func (s *Service) eventJobKind(k trusted.EventKind, principal string) string {
	if k != trusted.AccessEnabled {
		return jobTrustedEventSmall
	}
	if svc, ok := s.opt.Catalogue.Service(principal); ok && len(svc.MemberRoles()) == 0 {
		return jobTrustedEventSmall
	}
	return jobTrustedEvent
}

// RegisterPlugin sets the plug-in that hears about principal's events.
// Principals without one use the default plug-in. It must be called
// before the server starts.
func (s *Service) RegisterPlugin(principal string, p trusted.Plugin) { s.plugins[principal] = p }

// SetAuthorize sets Options.Authorize (enforce mode). It must be called
// before the server starts.
func (s *Service) SetAuthorize(f func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error) {
	s.opt.Authorize = f
}

// SetDefaultPlugin sets the plug-in of every principal without its own.
func (s *Service) SetDefaultPlugin(p trusted.Plugin) { s.defaultPlugin = p }

func (s *Service) pluginFor(principal string) trusted.Plugin {
	if p, ok := s.plugins[principal]; ok {
		return p
	}
	return s.defaultPlugin
}

// emit queues an event for a trusted service; it is delivered after the
// transaction commits.
func (s *Service) emit(tx store.Tx, now time.Time, o *orgRecord, kind trusted.EventKind, principal, account string, byService bool) error {
	e := trusted.Event{Kind: kind, Principal: principal, OrgID: o.ID, ManagementAccount: o.MasterAccountID,
		Partition: o.Partition, Account: account, At: now, ByService: byService}
	_, err := s.opt.Jobs.Enqueue(tx, s.eventJobKind(kind, principal), e, now, now.Add(s.opt.ServiceRoleDelay))
	return err
}

// emitToEnabled queues an event for every service with trusted access.
func (s *Service) emitToEnabled(tx store.Tx, now time.Time, o *orgRecord, kind trusted.EventKind, account string) error {
	var principals []string
	if err := tx.Scan(kAccessPrefix(o.ID), "", func(k string, _ []byte) (bool, error) {
		principals = append(principals, k[len(kAccessPrefix(o.ID)):])
		return true, nil
	}); err != nil {
		return err
	}
	for _, p := range principals {
		if err := s.emit(tx, now, o, kind, p, account, false); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) runTrustedEvent(ctx context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	var e trusted.Event
	if err := job.Decode(&e); err != nil {
		return err
	}
	p := s.pluginFor(e.Principal)
	if p == nil {
		return nil
	}
	return p.HandleEvent(ctx, tx, now, e)
}

// recognized returns the catalogue entry of a principal, or
// UNRECOGNIZED_SERVICE_PRINCIPAL.
func (s *Service) recognized(principal string) (*trusted.Service, error) {
	svc, ok := s.opt.Catalogue.Service(principal)
	if !ok {
		return nil, errInvalid("UNRECOGNIZED_SERVICE_PRINCIPAL")
	}
	return svc, nil
}

// EnableAWSServiceAccess gives a service trusted access to the
// organization. Enabling an enabled service changes nothing (its
// DateEnabled stays).
func (s *Service) EnableAWSServiceAccess(ctx context.Context, in *EnableAWSServiceAccessRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if _, err := s.recognized(in.ServicePrincipal); err != nil {
			return err
		}
		if v.org.FeatureSet != featureAll {
			return errConstraint("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")
		}
		return s.enableAccess(v.tx, v.now, v.org, in.ServicePrincipal, false)
	})
}

func (s *Service) enableAccess(tx store.Tx, now time.Time, o *orgRecord, principal string, byService bool) error {
	ok, err := store.Exists(tx, kAccess(o.ID, principal))
	if err != nil || ok {
		return err
	}
	if err := store.PutJSON(tx, kAccess(o.ID, principal), serviceAccessRecord{Principal: principal, Enabled: now}); err != nil {
		return err
	}
	return s.emit(tx, now, o, trusted.AccessEnabled, principal, "", byService)
}

// DisableAWSServiceAccess withdraws a service's trusted access. Its
// service-linked roles stay (and may now be deleted); it creates no new
// ones. Disabling a service that has no access changes nothing.
func (s *Service) DisableAWSServiceAccess(ctx context.Context, in *DisableAWSServiceAccessRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if _, err := s.recognized(in.ServicePrincipal); err != nil {
			return err
		}
		return s.disableAccess(v.tx, v.now, v.org, in.ServicePrincipal, false)
	})
}

func (s *Service) disableAccess(tx store.Tx, now time.Time, o *orgRecord, principal string, byService bool) error {
	ok, err := store.Exists(tx, kAccess(o.ID, principal))
	if err != nil || !ok {
		return err
	}
	if err := tx.Delete(kAccess(o.ID, principal)); err != nil {
		return err
	}
	return s.emit(tx, now, o, trusted.AccessDisabled, principal, "", byService)
}

// ListAWSServiceAccessForOrganization lists the services with trusted
// access; the management account and delegated administrators may call it.
func (s *Service) ListAWSServiceAccessForOrganization(ctx context.Context, in *ListAWSServiceAccessForOrganizationRequest) (*ListAWSServiceAccessForOrganizationResponse, error) {
	out := &ListAWSServiceAccessForOrganizationResponse{EnabledServicePrincipals: []EnabledServicePrincipal{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListAWSServiceAccessForOrganization"); err != nil {
			return err
		}
		p, err := newPager("ListAWSServiceAccessForOrganization", kAccessPrefix(v.org.ID), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.EnabledServicePrincipals = make([]EnabledServicePrincipal, 0, p.capacity())
		var r serviceAccessRecord
		out.NextToken, err = p.page(v.tx, nil, func(k string, raw []byte) error {
			if err := accessCache.Decode(k, raw, &r); err != nil {
				return err
			}
			out.EnabledServicePrincipals = append(out.EnabledServicePrincipals, EnabledServicePrincipal{ServicePrincipal: r.Principal, DateEnabled: r.Enabled})
			return nil
		})
		return err
	})
	return out, err
}

// The trusted.Organization side: what trusted services ask of
// Organizations.

var _ trusted.Organization = (*Service)(nil)

// AccessEnabled implements trusted.Organization.
func (s *Service) AccessEnabled(tx store.Tx, orgID, principal string) (bool, time.Time, error) {
	var r serviceAccessRecord
	err := store.GetJSON(tx, kAccess(orgID, principal), &r)
	if errors.Is(err, store.ErrNotFound) {
		return false, time.Time{}, nil
	}
	return err == nil, r.Enabled, err
}

// EnableAccess implements trusted.Organization.
func (s *Service) EnableAccess(tx store.Tx, now time.Time, orgID, principal string) error {
	o, err := getOrg(tx, orgID)
	if err != nil {
		return err
	}
	if o.FeatureSet != featureAll {
		return errConstraint("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")
	}
	return s.enableAccess(tx, now, o, principal, true)
}

// DisableAccess implements trusted.Organization.
func (s *Service) DisableAccess(tx store.Tx, now time.Time, orgID, principal string) error {
	o, err := getOrg(tx, orgID)
	if err != nil {
		return err
	}
	return s.disableAccess(tx, now, o, principal, true)
}

// Members implements trusted.Organization.
func (s *Service) Members(tx store.Tx, orgID string, fn func(account string) bool) error {
	return s.MembersAfter(tx, orgID, "", fn)
}

// MembersAfter implements trusted.Organization.
func (s *Service) MembersAfter(tx store.Tx, orgID, after string, fn func(account string) bool) error {
	prefix := kMemberPrefix(orgID)
	if after != "" {
		after = prefix + after
	}
	return tx.Scan(prefix, after, func(k string, _ []byte) (bool, error) {
		return fn(k[len(prefix):]), nil
	})
}

// HasRole implements trusted.Organization.
func (s *Service) HasRole(tx store.Tx, account, roleName string) (bool, error) {
	return s.opt.Roles.HasRole(tx, account, roleName)
}

// Continue implements trusted.Organization.
func (s *Service) Continue(tx store.Tx, now time.Time, e trusted.Event) error {
	_, err := s.opt.Jobs.Enqueue(tx, jobTrustedEvent, e, now, now)
	return err
}

// CreateServiceLinkedRole implements trusted.Organization: a trusted
// service's role in an account of the organization, created through that
// account's AWSServiceRoleForOrganizations.
func (s *Service) CreateServiceLinkedRole(tx store.Tx, now time.Time, orgID, account, principal string, slr orgstack.ServiceLinkedRole) error {
	enabled, _, err := s.AccessEnabled(tx, orgID, principal)
	if err != nil {
		return err
	}
	if !enabled {
		return trusted.ErrAccessNotEnabled
	}
	member, err := store.Exists(tx, kMember(orgID, account))
	if err != nil {
		return err
	}
	if !member {
		return trusted.ErrNotMember
	}
	// An existing role is left alone, whoever may create one now: checking
	// first spares re-enabled services an authorization per account.
	if has, err := s.opt.Roles.HasRole(tx, account, slr.RoleName); err != nil || has {
		return err
	}
	o, err := getOrg(tx, orgID)
	if err != nil {
		return err
	}
	if account != o.MasterAccountID {
		has, err := s.opt.Roles.HasRole(tx, account, OrganizationsSLR.RoleName)
		if err != nil {
			return err
		}
		if !has {
			return trusted.ErrNoOrganizationsRole
		}
	}
	if s.opt.Authorize != nil && account != o.MasterAccountID {
		// Organizations acts in the account as its own service-linked role.
		actor := orgstack.Caller{
			AccountID: account, Type: orgstack.PrincipalService, ServicePrincipal: OrganizationsSLR.ServicePrincipal,
			RoleName: OrganizationsSLR.RoleName, Region: "us-east-1",
			RoleARN: "arn:" + o.Partition + ":iam::" + account + ":role/aws-service-role/organizations.amazonaws.com/" + OrganizationsSLR.RoleName,
			ARN:     "arn:" + o.Partition + ":sts::" + account + ":assumed-role/" + OrganizationsSLR.RoleName + "/organizations",
		}
		roleARN := "arn:" + o.Partition + ":iam::" + account + ":role/aws-service-role/" + slr.ServicePrincipal + "/" + slr.RoleName
		keys := map[string][]string{"iam:AWSServiceName": {slr.ServicePrincipal}}
		if err := s.opt.Authorize(tx, actor, "iam:CreateServiceLinkedRole", roleARN, keys); err != nil {
			var d *auth.Denied
			if errors.As(err, &d) {
				return fmt.Errorf("%w: %s", trusted.ErrDenied, d.Message)
			}
			return err
		}
	}
	_, err = s.opt.Roles.EnsureServiceLinkedRole(tx, now, o.Partition, account, slr)
	return err
}

// ServiceLinkedRoleInUse reports whether a service still needs its
// service-linked role in account: AWSServiceRoleForOrganizations while the
// account is in an all-features organization; a trusted service's role
// while the account is in an organization that gives the service trusted
// access. resources names what uses the role.
func (s *Service) ServiceLinkedRoleInUse(tx store.Tx, account, servicePrincipal, roleName string) (inUse bool, reason string, resources []string, err error) {
	var a accountRecord
	if err := store.GetJSON(tx, kAccount(account), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return false, "", nil, nil
		}
		return false, "", nil, err
	}
	if a.OrgID == "" {
		return false, "", nil, nil
	}
	o, err := getOrg(tx, a.OrgID)
	if err != nil {
		return false, "", nil, err
	}
	if roleName == OrganizationsSLR.RoleName && servicePrincipal == OrganizationsSLR.ServicePrincipal {
		if o.FeatureSet == featureAll {
			return true, "The role is in use by AWS Organizations: the account is in an organization with all features enabled.", []string{o.arn()}, nil
		}
		return false, "", nil, nil
	}
	for _, svc := range s.opt.Catalogue.Services() {
		for _, r := range svc.ServiceLinkedRoles {
			if r.RoleName != roleName || r.ServicePrincipal != servicePrincipal {
				continue
			}
			enabled, _, err := s.AccessEnabled(tx, o.ID, svc.Principal)
			if err != nil {
				return false, "", nil, err
			}
			if enabled {
				return true, "The role is in use by " + svc.Name + ": trusted access for " + svc.Principal +
					" is enabled in the account's organization.", []string{o.arn()}, nil
			}
		}
	}
	return false, "", nil, nil
}

// OrganizationOf implements trusted.Organization.
func (s *Service) OrganizationOf(tx store.Tx, account string) (string, string, bool, error) {
	var a accountRecord
	if err := store.GetJSON(tx, kAccount(account), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", "", false, nil
		}
		return "", "", false, err
	}
	if a.OrgID == "" {
		return "", "", false, nil
	}
	o, err := getOrg(tx, a.OrgID)
	if err != nil {
		return "", "", false, err
	}
	return o.ID, o.MasterAccountID, true, nil
}

// AccountsUnder implements trusted.Organization.
func (s *Service) AccountsUnder(tx store.Tx, orgID string, parents []string) ([]string, error) {
	o, err := getOrg(tx, orgID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	var walk func(parent string) error
	walk = func(parent string) error {
		prefix := kChildPrefix(orgID, parent)
		var ous []string
		if err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
			rest := k[len(prefix):]
			switch {
			case strings.HasPrefix(rest, childAccount+"/"):
				id := rest[len(childAccount)+1:]
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			case strings.HasPrefix(rest, childOU+"/"):
				ous = append(ous, rest[len(childOU)+1:])
			}
			return true, nil
		}); err != nil {
			return err
		}
		for _, ou := range ous {
			if err := walk(ou); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range parents {
		if p != o.RootID {
			if ok, err := store.Exists(tx, kOU(orgID, p)); err != nil {
				return nil, err
			} else if !ok {
				return nil, fmt.Errorf("%w: %s", trusted.ErrNoSuchParent, p)
			}
		}
		if err := walk(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}
