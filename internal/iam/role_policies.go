package iam

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *PutRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		if err := checkInlineDocuments(in.PolicyDocument, r.InlinePolicies, in.PolicyName, "role", r.Name, roleInlineSize); err != nil {
			return err
		}
		if r.InlinePolicies == nil {
			r.InlinePolicies = map[string]string{}
		}
		r.InlinePolicies[in.PolicyName] = in.PolicyDocument
		return nil
	})
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, in *GetRolePolicyRequest) (*GetRolePolicyResponse, error) {
	var out *GetRolePolicyResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		doc, ok := r.InlinePolicies[in.PolicyName]
		if !ok {
			return errNoSuchEntity("The role policy with name " + in.PolicyName + " cannot be found.")
		}
		out = &GetRolePolicyResponse{RoleName: r.Name, PolicyName: in.PolicyName, PolicyDocument: doc}
		return nil
	})
	return out, err
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *DeleteRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		if _, ok := r.InlinePolicies[in.PolicyName]; !ok {
			return errNoSuchEntity("The role policy with name " + in.PolicyName + " cannot be found.")
		}
		delete(r.InlinePolicies, in.PolicyName)
		return nil
	})
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, in *ListRolePoliciesRequest) (*ListRolePoliciesResponse, error) {
	var out *ListRolePoliciesResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(r.InlinePolicies))
		for n := range r.InlinePolicies {
			names = append(names, n)
		}
		slices.Sort(names)
		page, marker, err := pageStrings(names, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListRolePoliciesResponse{PolicyNames: page, IsTruncated: &truncated, Marker: marker}
		return nil
	})
	return out, err
}

// maxAttachedPolicies is IAM's quota of managed policies attached to one
// user or role.
const maxAttachedPolicies = 10

// attach adds a managed policy to an entity's attached policies: the
// policy must exist and be attachable, attaching it again changes
// nothing, and the quota holds ("Cannot exceed quota for PoliciesPerRole:
// 10", github.com/aws/eks-hybrid pull 741; the user's text is taken to be
// the same with PoliciesPerUser, unconfirmed).
func attach(tx store.Tx, account string, attached []string, arn, entity string) ([]string, error) {
	p, err := attachablePolicy(tx, account, arn)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(p.Path, "/aws-service-role/") {
		return nil, orgstack.NewError("PolicyNotAttachable", 400, "Cannot attach a Service Role Policy to a Customer "+entity+".")
	}
	if slices.ContainsFunc(attached, func(a string) bool { return usageKey(a) == usageKey(p.ARN) }) {
		return attached, nil
	}
	if len(attached) >= maxAttachedPolicies {
		return nil, errLimitExceeded("Cannot exceed quota for PoliciesPer" + entity + ": " + strconv.Itoa(maxAttachedPolicies))
	}
	return append(attached, p.ARN), nil
}

// detach removes a managed policy from an entity's attached policies.
func detach(attached []string, arn string) ([]string, error) {
	i := slices.IndexFunc(attached, func(a string) bool { return a == arn })
	if i < 0 {
		i = slices.IndexFunc(attached, func(a string) bool { return usageKey(a) == usageKey(arn) })
	}
	if i < 0 {
		return nil, errNoSuchEntity("Policy " + arn + " was not found.")
	}
	return slices.Delete(slices.Clone(attached), i, i+1), nil
}

// listAttached pages an entity's attached policies in ARN order,
// optionally only those whose path starts with pathPrefix.
func listAttached(attached []string, pathPrefix, marker string, maxItems *int32) ([]AttachedPolicy, string, error) {
	var arns []string
	for _, arn := range attached {
		if pathPrefix == "" || strings.HasPrefix(policyPath(arn), pathPrefix) {
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns)
	page, next, err := pageStrings(arns, marker, maxItems)
	if err != nil {
		return nil, "", err
	}
	out := []AttachedPolicy{}
	for _, arn := range page {
		out = append(out, AttachedPolicy{PolicyName: arn[strings.LastIndexByte(arn, '/')+1:], PolicyArn: arn})
	}
	return out, next, nil
}

// AttachRolePolicy attaches a managed policy, AWS-managed or
// customer-managed, to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, in *AttachRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(tx store.Tx, c orgstack.Caller, _ time.Time, r *roleRecord) error {
		attached, err := attach(tx, c.AccountID, r.ManagedPolicies, in.PolicyArn, "Role")
		if err != nil {
			return err
		}
		r.ManagedPolicies = attached
		return nil
	})
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *DetachRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		attached, err := detach(r.ManagedPolicies, in.PolicyArn)
		if err != nil {
			return err
		}
		r.ManagedPolicies = attached
		return nil
	})
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *ListAttachedRolePoliciesRequest) (*ListAttachedRolePoliciesResponse, error) {
	var out *ListAttachedRolePoliciesResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		page, marker, err := listAttached(r.ManagedPolicies, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListAttachedRolePoliciesResponse{AttachedPolicies: page, IsTruncated: &truncated, Marker: marker}
		return nil
	})
	return out, err
}

// policyPath returns the path of a policy ARN (…:policy/path/Name → /path/).
func policyPath(arn string) string {
	i := strings.Index(arn, ":policy/")
	if i < 0 {
		return "/"
	}
	rest := arn[i+len(":policy"):]
	return rest[:strings.LastIndexByte(rest, '/')+1]
}
