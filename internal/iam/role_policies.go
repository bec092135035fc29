package iam

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// checkPolicyDocument refuses documents that are not a JSON policy: an
// object with a Statement. (The full policy grammar comes with policy
// evaluation.)
func checkPolicyDocument(doc string) error {
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return errMalformedPolicy("This policy contains invalid Json")
	}
	if _, ok := v["Statement"]; !ok {
		return errMalformedPolicy("Syntax errors in policy.")
	}
	return nil
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *PutRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		if err := checkPolicyDocument(in.PolicyDocument); err != nil {
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

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, in *AttachRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		p, err := s.managedPolicy(in.PolicyArn)
		if err != nil {
			return err
		}
		if strings.HasPrefix(p.Path, "/aws-service-role/") {
			return orgstack.NewError("PolicyNotAttachable", 400, "Cannot attach a Service Role Policy to a Customer Role.")
		}
		if !slices.Contains(r.ManagedPolicies, in.PolicyArn) {
			r.ManagedPolicies = append(r.ManagedPolicies, in.PolicyArn)
		}
		return nil
	})
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *DetachRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		i := slices.Index(r.ManagedPolicies, in.PolicyArn)
		if i < 0 {
			return errNoSuchEntity("Policy " + in.PolicyArn + " was not found.")
		}
		r.ManagedPolicies = slices.Delete(r.ManagedPolicies, i, i+1)
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
		var arns []string
		for _, arn := range r.ManagedPolicies {
			if in.PathPrefix == "" || strings.HasPrefix(policyPath(arn), in.PathPrefix) {
				arns = append(arns, arn)
			}
		}
		page, marker, err := pageStrings(arns, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListAttachedRolePoliciesResponse{AttachedPolicies: []AttachedPolicy{}, IsTruncated: &truncated, Marker: marker}
		for _, arn := range page {
			out.AttachedPolicies = append(out.AttachedPolicies, AttachedPolicy{PolicyName: arn[strings.LastIndexByte(arn, '/')+1:], PolicyArn: arn})
		}
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
