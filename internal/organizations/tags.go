package organizations

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/orgstack/orgstack/internal/store"
)

// maxTags is the tags-per-resource quota.
const maxTags = 50

// checkTags validates a tag list given with a create request.
func checkTags(tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalid("INVALID_SYSTEM_TAGS_PARAMETER")
		}
		if seen[t.Key] {
			return errInvalid("DUPLICATE_TAG_KEY")
		}
		seen[t.Key] = true
	}
	if len(tags) > maxTags {
		return errConstraint("MAX_TAG_LIMIT_EXCEEDED")
	}
	return nil
}

func getTags(tx store.Tx, org, res string) (map[string]string, error) {
	m := map[string]string{}
	err := store.GetJSON(tx, kTags(org, res), &m)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]string{}, nil
	}
	return m, err
}

// putTags merges tags into a resource's tags.
func putTags(tx store.Tx, org, res string, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	m, err := getTags(tx, org, res)
	if err != nil {
		return err
	}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	if len(m) > maxTags {
		return errConstraint("MAX_TAG_LIMIT_EXCEEDED")
	}
	return store.PutJSON(tx, kTags(org, res), m)
}

func deleteTags(tx store.Tx, org, res string) error { return tx.Delete(kTags(org, res)) }

// taggable resolves a resource id that tags can be put on — the root, an
// OU, a member account, a policy or the delegation policy — to its ARN.
func (v *view) taggable(id string) (string, error) {
	switch {
	case strings.HasPrefix(id, "p-"):
		p, err := v.getPolicy(id)
		if err != nil {
			return "", newErr("TargetNotFoundException")
		}
		return p.ARN, nil
	case strings.HasPrefix(id, "rp-"):
		r, err := v.resourcePolicy()
		if err != nil || r.ID != id {
			return "", newErr("TargetNotFoundException")
		}
		return v.org.resourcePolicyARN(id), nil
	}
	t, err := v.resolveTarget(id)
	if err != nil {
		return "", err
	}
	return t.arn, nil
}

// TagResource adds or replaces tags on a resource.
func (s *Service) TagResource(ctx context.Context, in *TagResourceRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		arn, err := v.taggable(in.ResourceId)
		if err != nil {
			return err
		}
		if err := v.managePolicies("TagResource", []string{arn}, ""); err != nil {
			return err
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		return putTags(v.tx, v.org.ID, in.ResourceId, in.Tags)
	})
}

// UntagResource removes tags from a resource.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		arn, err := v.taggable(in.ResourceId)
		if err != nil {
			return err
		}
		if err := v.managePolicies("UntagResource", []string{arn}, ""); err != nil {
			return err
		}
		m, err := getTags(v.tx, v.org.ID, in.ResourceId)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(m, k)
		}
		if len(m) == 0 {
			return deleteTags(v.tx, v.org.ID, in.ResourceId)
		}
		return store.PutJSON(v.tx, kTags(v.org.ID, in.ResourceId), m)
	})
}

// ListTagsForResource lists a resource's tags, sorted by key, in one page.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceRequest) (*ListTagsForResourceResponse, error) {
	out := &ListTagsForResourceResponse{Tags: []Tag{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListTagsForResource"); err != nil {
			return err
		}
		if in.NextToken != "" {
			return errInvalid("INVALID_NEXT_TOKEN")
		}
		if _, err := v.taggable(in.ResourceId); err != nil {
			return err
		}
		m, err := getTags(v.tx, v.org.ID, in.ResourceId)
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out.Tags = append(out.Tags, Tag{Key: k, Value: m[k]})
		}
		return nil
	})
	return out, err
}
