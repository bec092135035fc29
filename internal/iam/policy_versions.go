package iam

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Version ids of a customer-managed policy are v1, v2, … in creation
// order and never reused; AWS-managed policies have the one version v1.

// errNoSuchVersion is the answer for a version a policy does not have
// (unconfirmed text, as the peer emulator moto gives it).
func errNoSuchVersion(arn, id string) error {
	return errNoSuchEntity("Policy " + arn + " version " + id + " does not exist or is not attachable.")
}

// customerPolicy resolves arn to a customer-managed policy of account for
// an operation that changes it; AWS-managed policies cannot change.
func customerPolicy(tx store.Tx, account, arn string) (*policyRecord, error) {
	p, err := namedPolicy(tx, account, arn)
	if err != nil {
		return nil, err
	}
	if p.AWS {
		return nil, errAWSManaged(arn)
	}
	return p.record, nil
}

// CreatePolicyVersion adds a version to a customer-managed policy and,
// with SetAsDefault, makes it the default. A policy keeps at most five
// versions.
func (s *Service) CreatePolicyVersion(ctx context.Context, in *CreatePolicyVersionRequest) (*CreatePolicyVersionResponse, error) {
	var out *CreatePolicyVersionResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		r, err := customerPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		if err := checkManagedDocument(in.PolicyDocument); err != nil {
			return err
		}
		if len(r.Versions) >= maxPolicyVersions {
			// github.com/99designs/iamy issue 21.
			return errLimitExceeded("A managed policy can have up to " + strconv.Itoa(maxPolicyVersions) +
				" versions. Before you create a new version, you must delete an existing version.")
		}
		v := policyVersion{ID: "v" + strconv.Itoa(r.NextVersion), Document: in.PolicyDocument, Created: now}
		r.NextVersion++
		r.Versions = append(r.Versions, v)
		isDefault := in.SetAsDefault != nil && *in.SetAsDefault
		if isDefault {
			r.DefaultVersion = v.ID
			r.Updated = now
		}
		if err := putPolicy(tx, c.AccountID, r); err != nil {
			return err
		}
		out = &CreatePolicyVersionResponse{PolicyVersion: &PolicyVersion{VersionId: v.ID, IsDefaultVersion: &isDefault, CreateDate: v.Created}}
		return nil
	})
	return out, err
}

// GetPolicyVersion returns one version of a managed policy with its
// document (AWS-managed policies have v1 only).
func (s *Service) GetPolicyVersion(ctx context.Context, in *GetPolicyVersionRequest) (*GetPolicyVersionResponse, error) {
	var out *GetPolicyVersionResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		p, err := namedPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		if p.record == nil {
			if in.VersionId != "v1" {
				return errNoSuchVersion(in.PolicyArn, in.VersionId)
			}
			yes := true
			out = &GetPolicyVersionResponse{PolicyVersion: &PolicyVersion{Document: p.Document, VersionId: "v1", IsDefaultVersion: &yes, CreateDate: awsPolicyDate()}}
			return nil
		}
		v := p.record.version(in.VersionId)
		if v == nil {
			return errNoSuchVersion(in.PolicyArn, in.VersionId)
		}
		isDefault := v.ID == p.record.DefaultVersion
		out = &GetPolicyVersionResponse{PolicyVersion: &PolicyVersion{Document: v.Document, VersionId: v.ID, IsDefaultVersion: &isDefault, CreateDate: v.Created}}
		return nil
	})
	return out, err
}

// ListPolicyVersions lists a managed policy's versions, newest first,
// without their documents.
func (s *Service) ListPolicyVersions(ctx context.Context, in *ListPolicyVersionsRequest) (*ListPolicyVersionsResponse, error) {
	var out *ListPolicyVersionsResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		p, err := namedPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		versions := map[string]PolicyVersion{}
		var keys []string
		add := func(id string, isDefault bool, created time.Time) {
			// Sort keys order versions newest first.
			n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
			k := fmt.Sprintf("%010d", 1<<30-n)
			versions[k] = PolicyVersion{VersionId: id, IsDefaultVersion: &isDefault, CreateDate: created}
			keys = append(keys, k)
		}
		if p.record == nil {
			add("v1", true, awsPolicyDate())
		} else {
			for i := len(p.record.Versions) - 1; i >= 0; i-- {
				v := p.record.Versions[i]
				add(v.ID, v.ID == p.record.DefaultVersion, v.Created)
			}
		}
		page, marker, err := pageStrings(keys, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListPolicyVersionsResponse{Versions: []PolicyVersion{}, IsTruncated: &truncated, Marker: marker}
		for _, k := range page {
			out.Versions = append(out.Versions, versions[k])
		}
		return nil
	})
	return out, err
}

// DeletePolicyVersion deletes a version of a customer-managed policy
// other than its default version.
func (s *Service) DeletePolicyVersion(ctx context.Context, in *DeletePolicyVersionRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		r, err := customerPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		if r.version(in.VersionId) == nil {
			return errNoSuchVersion(in.PolicyArn, in.VersionId)
		}
		if in.VersionId == r.DefaultVersion {
			// github.com/redradrat/aws-iam-operator issue 13.
			return errDeleteConflict("Cannot delete the default version of a policy.")
		}
		kept := r.Versions[:0]
		for _, v := range r.Versions {
			if v.ID != in.VersionId {
				kept = append(kept, v)
			}
		}
		r.Versions = kept
		return putPolicy(tx, c.AccountID, r)
	})
}

// SetDefaultPolicyVersion makes a version the default of a
// customer-managed policy: the one its users and roles get.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *SetDefaultPolicyVersionRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		r, err := customerPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		if r.version(in.VersionId) == nil {
			return errNoSuchVersion(in.PolicyArn, in.VersionId)
		}
		if r.DefaultVersion != in.VersionId {
			r.DefaultVersion, r.Updated = in.VersionId, now
		}
		return putPolicy(tx, c.AccountID, r)
	})
}
