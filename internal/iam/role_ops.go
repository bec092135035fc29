package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// roleOf returns a role of account or NoSuchEntity.
func roleOf(tx store.Tx, account, name string) (*roleRecord, error) {
	r, err := getRole(tx, account, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchEntity("The role with name " + name + " cannot be found.")
	}
	return r, err
}

// changeRole loads a role, refuses service-linked roles, applies change
// and stores the result.
func (s *Service) changeRole(ctx context.Context, name string, change func(tx store.Tx, c orgstack.Caller, now time.Time, r *roleRecord) error) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		r, err := roleOf(tx, c.AccountID, name)
		if err != nil {
			return err
		}
		if r.ServicePrincipal != "" {
			return errProtected(r.Name)
		}
		if err := change(tx, c, now, r); err != nil {
			return err
		}
		return putRole(tx, c.AccountID, r)
	})
}

// CreateRole creates a role in the caller's account.
func (s *Service) CreateRole(ctx context.Context, in *CreateRoleRequest) (*CreateRoleResponse, error) {
	var out *CreateRoleResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		if ok, err := s.HasRole(tx, c.AccountID, in.RoleName); err != nil {
			return err
		} else if ok {
			return errEntityAlreadyExists("Role with name " + in.RoleName + " already exists.")
		}
		if err := checkTrustPolicy(tx, c.AccountID, in.AssumeRolePolicyDocument); err != nil {
			return err
		}
		path := in.Path
		if path == "" {
			path = "/"
		}
		if strings.HasPrefix(path, "/aws-service-role/") || strings.HasPrefix(path, "/aws-reserved/") {
			return errInvalidInput("The path " + path + " is reserved for AWS services.")
		}
		max := int32(3600)
		if in.MaxSessionDuration != nil {
			max = *in.MaxSessionDuration
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		r := &roleRecord{
			Name: in.RoleName, ID: newRoleID(), Path: path, ARN: roleARN(c.Partition(), c.AccountID, path, in.RoleName),
			Created: now, AssumeRolePolicy: in.AssumeRolePolicyDocument, Description: in.Description,
			MaxSessionDuration: max, Tags: in.Tags, PermissionsBoundary: in.PermissionsBoundary,
		}
		if r.PermissionsBoundary != "" {
			p, err := boundaryPolicy(tx, c.AccountID, r.PermissionsBoundary)
			if err != nil {
				return err
			}
			r.PermissionsBoundary = p.ARN
		}
		if err := putRole(tx, c.AccountID, r); err != nil {
			return err
		}
		role := r.api(true)
		role.RoleLastUsed = nil
		out = &CreateRoleResponse{Role: &role}
		return nil
	})
	return out, err
}

// DeleteRole deletes a role that has no policies left. Service-linked
// roles are deleted with DeleteServiceLinkedRole.
func (s *Service) DeleteRole(ctx context.Context, in *DeleteRoleRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		if r.ServicePrincipal != "" {
			return errProtected(r.Name)
		}
		if len(r.InlinePolicies) > 0 {
			return errDeleteConflict("Cannot delete entity, must delete policies first.")
		}
		if len(r.ManagedPolicies) > 0 {
			return errDeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		return tx.Delete(kRole(c.AccountID, r.Name))
	})
}

// UpdateRole changes a role's description and maximum session duration.
// A service-linked role's description may change; nothing else of it.
func (s *Service) UpdateRole(ctx context.Context, in *UpdateRoleRequest) (*UpdateRoleResponse, error) {
	return &UpdateRoleResponse{}, s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		if r.ServicePrincipal != "" && in.MaxSessionDuration != nil {
			return errProtected(r.Name)
		}
		if in.Description != "" {
			r.Description = in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return putRole(tx, c.AccountID, r)
	})
}

// UpdateRoleDescription changes a role's description (service-linked
// roles included, as IAM allows).
func (s *Service) UpdateRoleDescription(ctx context.Context, in *UpdateRoleDescriptionRequest) (*UpdateRoleDescriptionResponse, error) {
	var out *UpdateRoleDescriptionResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		r.Description = in.Description
		if err := putRole(tx, c.AccountID, r); err != nil {
			return err
		}
		role := r.api(true)
		out = &UpdateRoleDescriptionResponse{Role: &role}
		return nil
	})
	return out, err
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *UpdateAssumeRolePolicyRequest) error {
	return s.changeRole(ctx, in.RoleName, func(tx store.Tx, c orgstack.Caller, _ time.Time, r *roleRecord) error {
		if err := checkTrustPolicy(tx, c.AccountID, in.PolicyDocument); err != nil {
			return err
		}
		r.AssumeRolePolicy = in.PolicyDocument
		return nil
	})
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *PutRolePermissionsBoundaryRequest) error {
	return s.changeRole(ctx, in.RoleName, func(tx store.Tx, c orgstack.Caller, _ time.Time, r *roleRecord) error {
		p, err := boundaryPolicy(tx, c.AccountID, in.PermissionsBoundary)
		if err != nil {
			return err
		}
		r.PermissionsBoundary = p.ARN
		return nil
	})
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *DeleteRolePermissionsBoundaryRequest) error {
	return s.changeRole(ctx, in.RoleName, func(_ store.Tx, _ orgstack.Caller, _ time.Time, r *roleRecord) error {
		if r.PermissionsBoundary == "" {
			return errNoSuchEntity("The role " + r.Name + " has no permissions boundary.")
		}
		r.PermissionsBoundary = ""
		return nil
	})
}

// maxRoleTags is IAM's tags-per-role quota.
const maxRoleTags = 50

func checkTags(tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return errInvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	if len(tags) > maxRoleTags {
		return errLimitExceeded("The number of tags has reached the maximum limit.") // unconfirmed
	}
	return nil
}

// mergeTags returns tags with add applied: a tag whose key matches an
// existing one in any letter case replaces it, others are appended. The
// result is checked against the tags quota.
func mergeTags(tags, add []Tag) ([]Tag, error) {
	if err := checkTags(add); err != nil {
		return nil, err
	}
	out := append([]Tag{}, tags...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if err := checkTags(out); err != nil {
		return nil, err
	}
	return out, nil
}

// dropTags returns tags without those whose key matches one of keys in
// any letter case.
func dropTags(tags []Tag, keys []string) []Tag {
	var kept []Tag
	for _, t := range tags {
		if !slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.Key) }) {
			kept = append(kept, t)
		}
	}
	return kept
}

// TagRole adds or replaces tags on a role (service-linked roles included).
func (s *Service) TagRole(ctx context.Context, in *TagRoleRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		if r.Tags, err = mergeTags(r.Tags, in.Tags); err != nil {
			return err
		}
		return putRole(tx, c.AccountID, r)
	})
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, in *UntagRoleRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		r.Tags = dropTags(r.Tags, in.TagKeys)
		return putRole(tx, c.AccountID, r)
	})
}

// ListRoleTags lists a role's tags in one page.
func (s *Service) ListRoleTags(ctx context.Context, in *ListRoleTagsRequest) (*ListRoleTagsResponse, error) {
	var out *ListRoleTagsResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		f := false
		out = &ListRoleTagsResponse{Tags: append([]Tag{}, r.Tags...), IsTruncated: &f}
		return nil
	})
	return out, err
}
