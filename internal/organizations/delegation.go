package organizations

import (
	"regexp"
	"slices"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
)

// delegatableActions are the Organizations actions a delegation policy may
// grant: the read-only operations, and the management of policies and
// tags.
var delegatableActions = []string{
	"DescribeAccount", "DescribeCreateAccountStatus", "DescribeEffectivePolicy", "DescribeHandshake",
	"DescribeOrganization", "DescribeOrganizationalUnit", "DescribePolicy", "DescribeResourcePolicy",
	"ListAWSServiceAccessForOrganization", "ListAccounts", "ListAccountsForParent", "ListChildren",
	"ListCreateAccountStatus", "ListDelegatedAdministrators", "ListDelegatedServicesForAccount",
	"ListHandshakesForAccount", "ListHandshakesForOrganization", "ListOrganizationalUnitsForParent",
	"ListParents", "ListPolicies", "ListPoliciesForTarget", "ListRoots", "ListTagsForResource",
	"ListTargetsForPolicy",
	"AttachPolicy", "CreatePolicy", "DeletePolicy", "DetachPolicy", "DisablePolicyType",
	"EnablePolicyType", "TagResource", "UntagResource", "UpdatePolicy",
}

var accountPrincipalRE = regexp.MustCompile(`^(\d{12}|arn:aws[\w-]*:iam::\d{12}:(root|user/.+|role/.+))$`)

// validateDelegationPolicy checks a delegation policy before it is stored:
// a resource policy whose statements name accounts as principals, grant
// only delegatable Organizations actions on Organizations resources, and
// condition organizations:PolicyType on real policy types.
func validateDelegationPolicy(o *orgRecord, content string) error {
	p, err := policy.ParseFor(content, policy.KindResource)
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "principal") {
			return errInvalid("INVALID_PRINCIPAL")
		}
		return errInvalid("INVALID_RESOURCE_POLICY_JSON")
	}
	for _, st := range p.Statements {
		if st.NotPrincipal != nil || st.Principal == nil || st.Principal.Any ||
			len(st.Principal.Service)+len(st.Principal.Federated)+len(st.Principal.CanonicalUser) > 0 || len(st.Principal.AWS) == 0 {
			return errInvalid("INVALID_PRINCIPAL")
		}
		for _, pr := range st.Principal.AWS {
			if !accountPrincipalRE.MatchString(pr) {
				return errInvalid("INVALID_PRINCIPAL")
			}
		}
		if len(st.NotAction) > 0 {
			return errInvalid("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
		}
		for _, a := range st.Action {
			if !slices.ContainsFunc(delegatableActions, func(d string) bool { return policy.MatchAction(a, "organizations:"+d) }) {
				return errInvalid("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
			}
		}
		if len(st.NotResource) > 0 {
			return errInvalid("UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY")
		}
		for _, r := range st.Resource {
			if r == "*" {
				continue
			}
			a, err := orgstack.ParseARN(r)
			if err != nil || (a.Service != "organizations" && a.Service != "*") {
				return errInvalid("UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY")
			}
		}
		for _, c := range st.Conditions {
			if !strings.EqualFold(c.Key, "organizations:PolicyType") {
				continue
			}
			for _, v := range c.Values {
				if strings.ContainsAny(v, "*?$") {
					continue
				}
				if !slices.Contains(policyTypes(), v) {
					return errInvalid("UNSUPPORTED_POLICY_TYPE_IN_RESOURCE_POLICY")
				}
			}
		}
	}
	return nil
}

// policyTypes are the PolicyType enumeration's values.
func policyTypes() []string {
	if sh := ServiceModel().Operation("ListPolicies").Input.MemberByName("Filter"); sh != nil {
		return sh.Shape.Enum
	}
	return nil
}

// delegationAllows reports whether the organization's delegation policy
// allows the caller to perform action on every one of resources.
func (v *view) delegationAllows(action string, resources []string, ctx map[string][]string) (bool, error) {
	r, err := v.resourcePolicy()
	if err != nil {
		if e, ok := orgstack.AsError(err); ok && e.Code == "ResourcePolicyNotFoundException" {
			return false, nil
		}
		return false, err
	}
	p, err := policy.Parse(r.Content)
	if err != nil {
		return false, nil
	}
	for _, res := range resources {
		d := p.Evaluate(policy.Request{
			Principal: policy.Principal{AccountID: v.caller.AccountID, ARN: v.caller.ARN, IsRoot: v.caller.IsRoot()},
			Action:    "organizations:" + action,
			Resource:  res,
			Context:   ctx,
		})
		if d != policy.Allow {
			return false, nil
		}
	}
	return true, nil
}

// reader requires the management account, a delegated administrator of
// any service, or an account the delegation policy allows the read-only
// action: the callers of Organizations' read-only operations.
func (v *view) reader(action string) error {
	if err := v.inOrg(); err != nil {
		return err
	}
	if v.isManagement() {
		return nil
	}
	da, err := v.isDelegatedAdmin()
	if err != nil || da {
		return err
	}
	ok, err := v.delegationAllows(action, []string{"*"}, nil)
	if err != nil {
		return err
	}
	if !ok {
		return errAccessDenied()
	}
	return nil
}

// managePolicies requires the management account, or an account the
// delegation policy allows action on every one of resources (policies,
// targets, the root), for policies of policyType ("" when none applies).
func (v *view) managePolicies(action string, resources []string, policyType string) error {
	if err := v.inOrg(); err != nil {
		return err
	}
	if v.isManagement() {
		return nil
	}
	var ctx map[string][]string
	if policyType != "" {
		ctx = map[string][]string{"organizations:PolicyType": {policyType}}
	}
	ok, err := v.delegationAllows(action, resources, ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errAccessDenied()
	}
	return nil
}

// policyARNFor is the ARN a new policy of the type will have, with its id
// as a wildcard: CreatePolicy is authorized against it.
func (o *orgRecord) policyARNFor(typ, id string) string {
	return "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":policy/" + o.ID + "/" + strings.ToLower(typ) + "/" + id
}
