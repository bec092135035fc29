package organizations

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/store"
)

// AccessDenied is Organizations' refusal of an unauthorized call (HTTP
// 400, as the API reference lists for AccessDeniedException).
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDeniedException", http.StatusBadRequest, message)
}

var _ auth.Organizations = (*Service)(nil)

// AccountContext implements auth.Organizations: the account's
// organization and path, and, when scps is true, the SCPs that apply to it
// — one list per level from the root down to the account — unless it is
// the management account or SCPs are not enabled.
func (s *Service) AccountContext(tx store.Tx, account string, scps bool) (auth.OrgContext, bool, error) {
	var a accountRecord
	if err := accountCache.Get(tx, kAccount(account), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return auth.OrgContext{}, false, nil
		}
		return auth.OrgContext{}, false, err
	}
	if a.OrgID == "" {
		return auth.OrgContext{}, false, nil
	}
	o, err := getOrg(tx, a.OrgID)
	if err != nil {
		return auth.OrgContext{}, false, err
	}
	chain, err := parentChain(tx, o, a.ParentID)
	if err != nil {
		return auth.OrgContext{}, false, err
	}
	oc := auth.OrgContext{OrgID: o.ID, Path: o.ID + "/" + strings.Join(chain, "/") + "/"}
	if !scps || account == o.MasterAccountID || !o.policyTypeEnabled(typeSCP) {
		return oc, true, nil
	}
	for _, target := range append(chain, account) {
		docs, err := scpDocuments(tx, o.ID, target)
		if err != nil {
			return auth.OrgContext{}, false, err
		}
		oc.SCPLevels = append(oc.SCPLevels, docs)
	}
	return oc, true, nil
}

// parentChain lists the root and OUs from the root down to parent.
func parentChain(tx store.Tx, o *orgRecord, parent string) ([]string, error) {
	var chain []string
	for parent != "" && parent != o.RootID {
		chain = append(chain, parent)
		ou, err := getOU(tx, o.ID, parent)
		if err != nil {
			return nil, err
		}
		parent = ou.ParentID
	}
	chain = append(chain, o.RootID)
	slices.Reverse(chain)
	return chain, nil
}

// scpDocuments returns the contents of the SCPs attached to a target.
func scpDocuments(tx store.Tx, org, target string) ([]string, error) {
	prefix := kAttachPrefix(org, target)
	docs := []string{}
	err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		var p policyRecord
		if err := policyCache.Get(tx, kPolicy(org, k[len(prefix):]), &p); err != nil {
			return false, err
		}
		if p.Type == typeSCP {
			docs = append(docs, p.Content)
		}
		return true, nil
	})
	return docs, err
}

// principalKeyOps are the operations that carry organizations:ServicePrincipal.
var principalKeyOps = map[string]bool{
	"EnableAWSServiceAccess": true, "DisableAWSServiceAccess": true, "RegisterDelegatedAdministrator": true,
	"DeregisterDelegatedAdministrator": true, "ListDelegatedAdministrators": true,
}

// Describe gives the resources and condition keys an operation is
// authorized with: organizations:ServicePrincipal and
// organizations:PolicyType where they apply, and the ARNs of the
// account, OU, root or policy it acts on ("*" otherwise).
func (s *Service) Describe(ctx context.Context, op string, in any, c orgstack.Caller) ([]string, map[string][]string, error) {
	keys := map[string][]string{}
	var resources []string
	err := s.opt.Store.View(ctx, func(tx store.Tx) error {
		a, err := getAccount(tx, c.AccountID, c.Partition())
		if err != nil || a.OrgID == "" {
			return err
		}
		o, err := getOrg(tx, a.OrgID)
		if err != nil {
			return err
		}
		v := &view{tx: tx, org: o, caller: c}
		arnOf := func(id string) string {
			switch {
			case id == o.RootID:
				return o.rootARN()
			case strings.HasPrefix(id, "ou-"):
				return o.ouARN(id)
			case strings.HasPrefix(id, "p-"):
				if p, err := v.getPolicy(id); err == nil {
					return p.ARN
				}
			case orgstack.IsAccountID(id):
				return o.accountARN(id)
			}
			return "*"
		}
		switch x := in.(type) {
		case *DescribeAccountRequest:
			resources = []string{arnOf(x.AccountId)}
		case *CloseAccountRequest:
			resources = []string{arnOf(x.AccountId)}
		case *RemoveAccountFromOrganizationRequest:
			resources = []string{arnOf(x.AccountId)}
		case *MoveAccountRequest:
			resources = []string{arnOf(x.AccountId), arnOf(x.SourceParentId), arnOf(x.DestinationParentId)}
		case *RegisterDelegatedAdministratorRequest:
			resources = []string{arnOf(x.AccountId)}
		case *DeregisterDelegatedAdministratorRequest:
			resources = []string{arnOf(x.AccountId)}
		case *ListDelegatedServicesForAccountRequest:
			resources = []string{arnOf(x.AccountId)}
		case *DescribeOrganizationalUnitRequest:
			resources = []string{arnOf(x.OrganizationalUnitId)}
		case *UpdateOrganizationalUnitRequest:
			resources = []string{arnOf(x.OrganizationalUnitId)}
		case *DeleteOrganizationalUnitRequest:
			resources = []string{arnOf(x.OrganizationalUnitId)}
		case *CreateOrganizationalUnitRequest:
			resources = []string{arnOf(x.ParentId)}
		case *DescribePolicyRequest:
			resources = []string{arnOf(x.PolicyId)}
		case *UpdatePolicyRequest:
			resources = []string{arnOf(x.PolicyId)}
		case *DeletePolicyRequest:
			resources = []string{arnOf(x.PolicyId)}
		case *AttachPolicyRequest:
			resources = []string{arnOf(x.PolicyId), arnOf(x.TargetId)}
		case *DetachPolicyRequest:
			resources = []string{arnOf(x.PolicyId), arnOf(x.TargetId)}
		case *TagResourceRequest:
			resources = []string{arnOf(x.ResourceId)}
		case *UntagResourceRequest:
			resources = []string{arnOf(x.ResourceId)}
		case *EnablePolicyTypeRequest:
			resources = []string{arnOf(x.RootId)}
		case *DisablePolicyTypeRequest:
			resources = []string{arnOf(x.RootId)}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if principalKeyOps[op] {
		if sp := servicePrincipalOf(in); sp != "" {
			keys["organizations:ServicePrincipal"] = []string{sp}
		}
	}
	switch x := in.(type) {
	case *CreatePolicyRequest:
		keys["organizations:PolicyType"] = []string{string(x.Type)}
	case *ListPoliciesRequest:
		keys["organizations:PolicyType"] = []string{string(x.Filter)}
	case *ListPoliciesForTargetRequest:
		keys["organizations:PolicyType"] = []string{string(x.Filter)}
	case *EnablePolicyTypeRequest:
		keys["organizations:PolicyType"] = []string{string(x.PolicyType)}
	case *DisablePolicyTypeRequest:
		keys["organizations:PolicyType"] = []string{string(x.PolicyType)}
	}
	return resources, keys, nil
}

// servicePrincipalOf reads the ServicePrincipal of the requests that
// carry organizations:ServicePrincipal.
func servicePrincipalOf(in any) string {
	switch x := in.(type) {
	case *EnableAWSServiceAccessRequest:
		return x.ServicePrincipal
	case *DisableAWSServiceAccessRequest:
		return x.ServicePrincipal
	case *RegisterDelegatedAdministratorRequest:
		return x.ServicePrincipal
	case *DeregisterDelegatedAdministratorRequest:
		return x.ServicePrincipal
	case *ListDelegatedAdministratorsRequest:
		return x.ServicePrincipal
	}
	return ""
}

// ensureOwnSLR creates AWSServiceRoleForOrganizations in the caller's own
// account (creating or joining an organization). In enforce mode the
// caller must be allowed iam:CreateServiceLinkedRole when the role is
// missing, or the operation fails with AccessDeniedForDependencyException.
func (s *Service) ensureOwnSLR(v *view, partition string) error {
	if s.opt.Authorize != nil {
		has, err := s.opt.Roles.HasRole(v.tx, v.caller.AccountID, OrganizationsSLR.RoleName)
		if err != nil {
			return err
		}
		if !has {
			arn := "arn:" + partition + ":iam::" + v.caller.AccountID + ":role/aws-service-role/organizations.amazonaws.com/" + OrganizationsSLR.RoleName
			keys := map[string][]string{"iam:AWSServiceName": {OrganizationsSLR.ServicePrincipal}}
			if err := s.opt.Authorize(v.tx, v.caller, "iam:CreateServiceLinkedRole", arn, keys); err != nil {
				var d *auth.Denied
				if errors.As(err, &d) {
					return newErr("AccessDeniedForDependencyException").WithReason("ACCESS_DENIED_DURING_CREATE_SERVICE_LINKED_ROLE")
				}
				return err
			}
		}
	}
	_, err := s.opt.Roles.EnsureServiceLinkedRole(v.tx, v.now, partition, v.caller.AccountID, OrganizationsSLR)
	return err
}
