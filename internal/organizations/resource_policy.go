package organizations

import (
	"context"
	"errors"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout of the delegation policy:
//
//	org/<o>/rp   resourcePolicyRecord
func kResourcePolicy(o string) string { return "org/" + o + "/rp" }

type resourcePolicyRecord struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

func (o *orgRecord) resourcePolicyARN(id string) string {
	return "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":resourcepolicy/" + o.ID + "/" + id
}

func (v *view) resourcePolicy() (*resourcePolicyRecord, error) {
	var r resourcePolicyRecord
	err := store.GetJSON(v.tx, kResourcePolicy(v.org.ID), &r)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr("ResourcePolicyNotFoundException")
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (v *view) resourcePolicyOf(r *resourcePolicyRecord) *ResourcePolicy {
	return &ResourcePolicy{
		ResourcePolicySummary: &ResourcePolicySummary{Id: r.ID, Arn: v.org.resourcePolicyARN(r.ID)},
		Content:               r.Content,
	}
}

// PutResourcePolicy creates or replaces the organization's delegation
// policy, which lets delegated administrators manage policies.
func (s *Service) PutResourcePolicy(ctx context.Context, in *PutResourcePolicyRequest) (*PutResourcePolicyResponse, error) {
	var out *PutResourcePolicyResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if err := validateDelegationPolicy(v.org, in.Content); err != nil {
			return err
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		r, err := v.resourcePolicy()
		if err != nil {
			if e, ok := orgstack.AsError(err); !ok || e.Code != "ResourcePolicyNotFoundException" {
				return err
			}
			r = &resourcePolicyRecord{ID: "rp-" + orgstack.RandomString(orgstack.LowerAlnum, 8)}
		}
		r.Content = in.Content
		if err := store.PutJSON(v.tx, kResourcePolicy(v.org.ID), r); err != nil {
			return err
		}
		if err := putTags(v.tx, v.org.ID, r.ID, in.Tags); err != nil {
			return err
		}
		out = &PutResourcePolicyResponse{ResourcePolicy: v.resourcePolicyOf(r)}
		return nil
	})
	return out, err
}

// DescribeResourcePolicy returns the delegation policy.
func (s *Service) DescribeResourcePolicy(ctx context.Context) (*DescribeResourcePolicyResponse, error) {
	var out *DescribeResourcePolicyResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("DescribeResourcePolicy"); err != nil {
			return err
		}
		r, err := v.resourcePolicy()
		if err != nil {
			return err
		}
		out = &DescribeResourcePolicyResponse{ResourcePolicy: v.resourcePolicyOf(r)}
		return nil
	})
	return out, err
}

// DeleteResourcePolicy deletes the delegation policy.
func (s *Service) DeleteResourcePolicy(ctx context.Context) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		r, err := v.resourcePolicy()
		if err != nil {
			return err
		}
		if err := deleteTags(v.tx, v.org.ID, r.ID); err != nil {
			return err
		}
		return v.tx.Delete(kResourcePolicy(v.org.ID))
	})
}
