package iam

import (
	"context"
	"slices"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// PutUserPolicy adds or replaces an inline policy of a user. The
// document must be an identity policy, and the user's inline policies
// together stay within IAM's 2,048 characters.
func (s *Service) PutUserPolicy(ctx context.Context, in *PutUserPolicyRequest) error {
	return s.changeUser(ctx, in.UserName, func(_ store.Tx, _ orgstack.Caller, u *userRecord) error {
		if err := checkInlineDocuments(in.PolicyDocument, u.InlinePolicies, in.PolicyName, "user", u.Name, userInlineSize); err != nil {
			return err
		}
		if u.InlinePolicies == nil {
			u.InlinePolicies = map[string]string{}
		}
		u.InlinePolicies[in.PolicyName] = in.PolicyDocument
		return nil
	})
}

// errNoSuchUserPolicy is IAM's answer for an inline policy a user does
// not have (github.com/lucidsoftware/cumulus issue 71).
func errNoSuchUserPolicy(name string) error {
	return errNoSuchEntity("The user policy with name " + name + " cannot be found.")
}

// GetUserPolicy returns an inline policy of a user with its document.
func (s *Service) GetUserPolicy(ctx context.Context, in *GetUserPolicyRequest) (*GetUserPolicyResponse, error) {
	var out *GetUserPolicyResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		u, err := userOf(tx, c.AccountID, in.UserName)
		if err != nil {
			return err
		}
		doc, ok := u.InlinePolicies[in.PolicyName]
		if !ok {
			return errNoSuchUserPolicy(in.PolicyName)
		}
		out = &GetUserPolicyResponse{UserName: u.Name, PolicyName: in.PolicyName, PolicyDocument: doc}
		return nil
	})
	return out, err
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, in *DeleteUserPolicyRequest) error {
	return s.changeUser(ctx, in.UserName, func(_ store.Tx, _ orgstack.Caller, u *userRecord) error {
		if _, ok := u.InlinePolicies[in.PolicyName]; !ok {
			return errNoSuchUserPolicy(in.PolicyName)
		}
		delete(u.InlinePolicies, in.PolicyName)
		return nil
	})
}

// ListUserPolicies lists the names of a user's inline policies in order.
func (s *Service) ListUserPolicies(ctx context.Context, in *ListUserPoliciesRequest) (*ListUserPoliciesResponse, error) {
	var out *ListUserPoliciesResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		u, err := userOf(tx, c.AccountID, in.UserName)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(u.InlinePolicies))
		for n := range u.InlinePolicies {
			names = append(names, n)
		}
		slices.Sort(names)
		page, marker, err := pageStrings(names, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListUserPoliciesResponse{PolicyNames: page, IsTruncated: &truncated, Marker: marker}
		return nil
	})
	return out, err
}

// AttachUserPolicy attaches a managed policy, AWS-managed or
// customer-managed, to a user (at most ten).
func (s *Service) AttachUserPolicy(ctx context.Context, in *AttachUserPolicyRequest) error {
	return s.changeUser(ctx, in.UserName, func(tx store.Tx, c orgstack.Caller, u *userRecord) error {
		attached, err := attach(tx, c.AccountID, u.ManagedPolicies, in.PolicyArn, "User")
		if err != nil {
			return err
		}
		u.ManagedPolicies = attached
		return nil
	})
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, in *DetachUserPolicyRequest) error {
	return s.changeUser(ctx, in.UserName, func(_ store.Tx, _ orgstack.Caller, u *userRecord) error {
		attached, err := detach(u.ManagedPolicies, in.PolicyArn)
		if err != nil {
			return err
		}
		u.ManagedPolicies = attached
		return nil
	})
}

// ListAttachedUserPolicies lists the managed policies attached to a user
// in ARN order, optionally only those whose path starts with PathPrefix.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, in *ListAttachedUserPoliciesRequest) (*ListAttachedUserPoliciesResponse, error) {
	var out *ListAttachedUserPoliciesResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		u, err := userOf(tx, c.AccountID, in.UserName)
		if err != nil {
			return err
		}
		page, marker, err := listAttached(u.ManagedPolicies, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListAttachedUserPoliciesResponse{AttachedPolicies: page, IsTruncated: &truncated, Marker: marker}
		return nil
	})
	return out, err
}
