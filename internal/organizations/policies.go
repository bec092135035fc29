package organizations

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// fullAWSAccessID is the AWS-managed SCP attached everywhere by default.
const fullAWSAccessID = "p-FullAWSAccess"

const fullAWSAccessContent = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}`

type policyRecord struct {
	ID          string `json:"id"`
	ARN         string `json:"arn"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	Content     string `json:"content"`
	AWSManaged  bool   `json:"awsManaged,omitempty"`
}

func fullAWSAccess(o *orgRecord) *policyRecord {
	return &policyRecord{
		ID: fullAWSAccessID, Name: "FullAWSAccess", Type: typeSCP, AWSManaged: true,
		Description: "Allows access to every operation",
		ARN:         "arn:" + o.Partition + ":organizations::aws:policy/service_control_policy/" + fullAWSAccessID,
		Content:     fullAWSAccessContent,
	}
}

// contentLimits are the policy size quotas in characters, by type.
var contentLimits = map[string]int{
	"SERVICE_CONTROL_POLICY":    5120,
	"RESOURCE_CONTROL_POLICY":   5120,
	"AISERVICES_OPT_OUT_POLICY": 2500,
}

const defaultContentLimit = 10000

// maxAttachments is how many policies of one type a target may have.
var maxAttachments = map[string]int{"SERVICE_CONTROL_POLICY": 5, "RESOURCE_CONTROL_POLICY": 5, "AISERVICES_OPT_OUT_POLICY": 5}

const defaultMaxAttachments = 10

// maxPoliciesPerType is the policies-per-type quota.
const maxPoliciesPerType = 1000

func (p *policyRecord) summary() *PolicySummary {
	managed := p.AWSManaged // a copy: callers reuse p for the next record
	return &PolicySummary{Id: p.ID, Arn: p.ARN, Name: p.Name, Description: p.Description, Type: PolicyType(p.Type), AwsManaged: &managed}
}

func putPolicy(tx store.Tx, org string, p *policyRecord) error {
	return store.PutJSON(tx, kPolicy(org, p.ID), p)
}

func (v *view) getPolicy(id string) (*policyRecord, error) {
	var p policyRecord
	err := store.GetJSON(v.tx, kPolicy(v.org.ID, id), &p)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr("PolicyNotFoundException")
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func attach(tx store.Tx, org, policy, target string) error {
	if err := tx.Put(kAttach(org, target, policy), nil); err != nil {
		return err
	}
	return tx.Put(kTarget(org, policy, target), nil)
}

func detach(tx store.Tx, org, policy, target string) error {
	if err := tx.Delete(kAttach(org, target, policy)); err != nil {
		return err
	}
	return tx.Delete(kTarget(org, policy, target))
}

// detachAll removes every policy attachment of a target.
func detachAll(tx store.Tx, org, target string) error {
	prefix := kAttachPrefix(org, target)
	var policies []string
	if err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		policies = append(policies, k[len(prefix):])
		return true, nil
	}); err != nil {
		return err
	}
	for _, p := range policies {
		if err := detach(tx, org, p, target); err != nil {
			return err
		}
	}
	return nil
}

// validPolicyJSON reports whether content is a JSON object with a
// Statement, the least every policy type needs.
func validPolicyJSON(content string) bool {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return false
	}
	_, ok := doc["Statement"]
	if !ok {
		// Management policies (tag, backup, ...) have no Statement.
		return len(doc) > 0
	}
	return true
}

func (v *view) checkPolicyContent(typ, content string) error {
	limit := defaultContentLimit
	if l, ok := contentLimits[typ]; ok {
		limit = l
	}
	if len([]rune(content)) > limit {
		return errConstraint("POLICY_CONTENT_LIMIT_EXCEEDED")
	}
	if !validPolicyJSON(content) {
		return newErr("MalformedPolicyDocumentException")
	}
	return nil
}

// policyNameTaken reports whether a policy of the type already has name.
func (v *view) policyNameTaken(typ, name, except string) (taken bool, count int, err error) {
	err = v.tx.Scan(kPolicyPrefix(v.org.ID), "", func(_ string, raw []byte) (bool, error) {
		var p policyRecord
		if err := json.Unmarshal(raw, &p); err != nil {
			return false, err
		}
		if p.Type != typ {
			return true, nil
		}
		count++
		if p.Name == name && p.ID != except {
			taken = true
		}
		return true, nil
	})
	return taken, count, err
}

// CreatePolicy creates a policy of any type the organization may use.
func (s *Service) CreatePolicy(ctx context.Context, in *CreatePolicyRequest) (*CreatePolicyResponse, error) {
	var out *CreatePolicyResponse
	err := s.write(ctx, func(v *view) error {
		typ := string(in.Type)
		if err := v.inOrg(); err != nil {
			return err
		}
		if err := v.managePolicies("CreatePolicy", []string{v.org.policyARNFor(typ, "*")}, typ); err != nil {
			return err
		}
		if v.org.FeatureSet != featureAll {
			return newErr("PolicyTypeNotAvailableForOrganizationException")
		}
		if err := v.checkPolicyContent(typ, in.Content); err != nil {
			return err
		}
		taken, count, err := v.policyNameTaken(typ, in.Name, "")
		if err != nil {
			return err
		}
		if taken {
			return newErr("DuplicatePolicyException")
		}
		if count >= maxPoliciesPerType {
			return errConstraint("POLICY_NUMBER_LIMIT_EXCEEDED")
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		id, err := newID(v.tx, func(id string) string { return kPolicy(v.org.ID, id) }, func() string {
			return "p-" + orgstack.RandomString(orgstack.LowerAlnum, 8)
		})
		if err != nil {
			return err
		}
		p := &policyRecord{ID: id, Name: in.Name, Description: in.Description, Type: typ, Content: in.Content, ARN: v.org.policyARNFor(typ, id)}
		if err := putPolicy(v.tx, v.org.ID, p); err != nil {
			return err
		}
		if err := putTags(v.tx, v.org.ID, id, in.Tags); err != nil {
			return err
		}
		out = &CreatePolicyResponse{Policy: &Policy{PolicySummary: p.summary(), Content: p.Content}}
		return nil
	})
	return out, err
}

// DescribePolicy returns a policy with its content.
func (s *Service) DescribePolicy(ctx context.Context, in *DescribePolicyRequest) (*DescribePolicyResponse, error) {
	var out *DescribePolicyResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("DescribePolicy"); err != nil {
			return err
		}
		p, err := v.getPolicy(in.PolicyId)
		if err != nil {
			return err
		}
		out = &DescribePolicyResponse{Policy: &Policy{PolicySummary: p.summary(), Content: p.Content}}
		return nil
	})
	return out, err
}

// UpdatePolicy changes a customer-managed policy.
func (s *Service) UpdatePolicy(ctx context.Context, in *UpdatePolicyRequest) (*UpdatePolicyResponse, error) {
	var out *UpdatePolicyResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		p, err := v.getPolicy(in.PolicyId)
		if err != nil {
			return err
		}
		if err := v.managePolicies("UpdatePolicy", []string{p.ARN}, p.Type); err != nil {
			return err
		}
		if p.AWSManaged {
			return errInvalid("IMMUTABLE_POLICY")
		}
		if in.Name != "" && in.Name != p.Name {
			taken, _, err := v.policyNameTaken(p.Type, in.Name, p.ID)
			if err != nil {
				return err
			}
			if taken {
				return newErr("DuplicatePolicyException")
			}
			p.Name = in.Name
		}
		if in.Description != "" {
			p.Description = in.Description
		}
		if in.Content != "" {
			if err := v.checkPolicyContent(p.Type, in.Content); err != nil {
				return err
			}
			p.Content = in.Content
		}
		if err := putPolicy(v.tx, v.org.ID, p); err != nil {
			return err
		}
		out = &UpdatePolicyResponse{Policy: &Policy{PolicySummary: p.summary(), Content: p.Content}}
		return nil
	})
	return out, err
}

// DeletePolicy deletes a customer-managed policy that is attached nowhere.
func (s *Service) DeletePolicy(ctx context.Context, in *DeletePolicyRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		p, err := v.getPolicy(in.PolicyId)
		if err != nil {
			return err
		}
		if err := v.managePolicies("DeletePolicy", []string{p.ARN}, p.Type); err != nil {
			return err
		}
		if p.AWSManaged {
			return errInvalid("IMMUTABLE_POLICY")
		}
		attached := false
		if err := v.tx.Scan(kTargetPrefix(v.org.ID, p.ID), "", func(string, []byte) (bool, error) {
			attached = true
			return false, nil
		}); err != nil {
			return err
		}
		if attached {
			return newErr("PolicyInUseException")
		}
		if err := deleteTags(v.tx, v.org.ID, p.ID); err != nil {
			return err
		}
		return v.tx.Delete(kPolicy(v.org.ID, p.ID))
	})
}

// ListPolicies lists the policies of one type.
func (s *Service) ListPolicies(ctx context.Context, in *ListPoliciesRequest) (*ListPoliciesResponse, error) {
	out := &ListPoliciesResponse{Policies: []PolicySummary{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListPolicies"); err != nil {
			return err
		}
		pg, err := newPager("ListPolicies/"+string(in.Filter), kPolicyPrefix(v.org.ID), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		var p policyRecord
		out.NextToken, err = pg.page(v.tx, func(_ string, raw []byte) (bool, error) {
			p = policyRecord{}
			if err := json.Unmarshal(raw, &p); err != nil {
				return false, err
			}
			return p.Type == string(in.Filter), nil
		}, func(string, []byte) error {
			out.Policies = append(out.Policies, *p.summary())
			return nil
		})
		return err
	})
	return out, err
}

// target is a root, OU or account that policies attach to.
type target struct {
	id, arn, name string
	typ           TargetType
}

func (v *view) resolveTarget(id string) (*target, error) {
	switch {
	case id == v.org.RootID:
		return &target{id: id, arn: v.org.rootARN(), name: "Root", typ: TargetTypeRoot}, nil
	case strings.HasPrefix(id, "ou-"):
		ou, err := getOU(v.tx, v.org.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, newErr("TargetNotFoundException")
		} else if err != nil {
			return nil, err
		}
		return &target{id: id, arn: v.org.ouARN(id), name: ou.Name, typ: TargetTypeOrganizationalUnit}, nil
	case orgstack.IsAccountID(id):
		a, err := v.member(id)
		if err != nil {
			if e, ok := orgstack.AsError(err); ok && e.Code == "AccountNotFoundException" {
				return nil, newErr("TargetNotFoundException")
			}
			return nil, err
		}
		return &target{id: id, arn: v.org.accountARN(id), name: a.Name, typ: TargetTypeAccount}, nil
	}
	return nil, newErr("TargetNotFoundException")
}

// attachedOfType counts the policies of a type attached to a target.
func (v *view) attachedOfType(targetID, typ string) (int, error) {
	prefix := kAttachPrefix(v.org.ID, targetID)
	n := 0
	err := v.tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		p, err := v.getPolicy(k[len(prefix):])
		if err != nil {
			return false, err
		}
		if p.Type == typ {
			n++
		}
		return true, nil
	})
	return n, err
}

// AttachPolicy attaches a policy to a root, OU or account.
func (s *Service) AttachPolicy(ctx context.Context, in *AttachPolicyRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		p, err := v.getPolicy(in.PolicyId)
		if err != nil {
			return err
		}
		t, err := v.resolveTarget(in.TargetId)
		if err != nil {
			return err
		}
		if err := v.managePolicies("AttachPolicy", []string{p.ARN, t.arn}, p.Type); err != nil {
			return err
		}
		if !v.org.policyTypeEnabled(p.Type) {
			return newErr("PolicyTypeNotEnabledException")
		}
		if ok, err := store.Exists(v.tx, kAttach(v.org.ID, t.id, p.ID)); err != nil {
			return err
		} else if ok {
			return newErr("DuplicatePolicyAttachmentException")
		}
		n, err := v.attachedOfType(t.id, p.Type)
		if err != nil {
			return err
		}
		max := defaultMaxAttachments
		if m, ok := maxAttachments[p.Type]; ok {
			max = m
		}
		if n >= max {
			return errConstraint("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
		}
		return attach(v.tx, v.org.ID, p.ID, t.id)
	})
}

// DetachPolicy detaches a policy; the last SCP of a target stays.
func (s *Service) DetachPolicy(ctx context.Context, in *DetachPolicyRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		p, err := v.getPolicy(in.PolicyId)
		if err != nil {
			return err
		}
		t, err := v.resolveTarget(in.TargetId)
		if err != nil {
			return err
		}
		if err := v.managePolicies("DetachPolicy", []string{p.ARN, t.arn}, p.Type); err != nil {
			return err
		}
		if ok, err := store.Exists(v.tx, kAttach(v.org.ID, t.id, p.ID)); err != nil {
			return err
		} else if !ok {
			return newErr("PolicyNotAttachedException")
		}
		if p.Type == typeSCP && v.org.policyTypeEnabled(typeSCP) {
			n, err := v.attachedOfType(t.id, typeSCP)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errConstraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
			}
		}
		return detach(v.tx, v.org.ID, p.ID, t.id)
	})
}

// ListPoliciesForTarget lists the policies of one type attached to a target.
func (s *Service) ListPoliciesForTarget(ctx context.Context, in *ListPoliciesForTargetRequest) (*ListPoliciesForTargetResponse, error) {
	out := &ListPoliciesForTargetResponse{Policies: []PolicySummary{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListPoliciesForTarget"); err != nil {
			return err
		}
		t, err := v.resolveTarget(in.TargetId)
		if err != nil {
			return err
		}
		prefix := kAttachPrefix(v.org.ID, t.id)
		pg, err := newPager("ListPoliciesForTarget/"+string(in.Filter), prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		var p *policyRecord
		out.NextToken, err = pg.page(v.tx, func(k string, _ []byte) (bool, error) {
			p, err = v.getPolicy(k[len(prefix):])
			if err != nil {
				return false, err
			}
			return p.Type == string(in.Filter), nil
		}, func(string, []byte) error {
			out.Policies = append(out.Policies, *p.summary())
			return nil
		})
		return err
	})
	return out, err
}

// ListTargetsForPolicy lists the roots, OUs and accounts a policy is
// attached to.
func (s *Service) ListTargetsForPolicy(ctx context.Context, in *ListTargetsForPolicyRequest) (*ListTargetsForPolicyResponse, error) {
	out := &ListTargetsForPolicyResponse{Targets: []PolicyTargetSummary{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListTargetsForPolicy"); err != nil {
			return err
		}
		if _, err := v.getPolicy(in.PolicyId); err != nil {
			return err
		}
		prefix := kTargetPrefix(v.org.ID, in.PolicyId)
		pg, err := newPager("ListTargetsForPolicy", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.NextToken, err = pg.page(v.tx, nil, func(k string, _ []byte) error {
			t, err := v.resolveTarget(k[len(prefix):])
			if err != nil {
				return err
			}
			out.Targets = append(out.Targets, PolicyTargetSummary{TargetId: t.id, Arn: t.arn, Name: t.name, Type: t.typ})
			return nil
		})
		return err
	})
	return out, err
}

// EnablePolicyType enables a policy type on the root. Enabling SCPs
// attaches FullAWSAccess to the root and every OU and account.
func (s *Service) EnablePolicyType(ctx context.Context, in *EnablePolicyTypeRequest) (*EnablePolicyTypeResponse, error) {
	var out *EnablePolicyTypeResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		if in.RootId != v.org.RootID {
			return newErr("RootNotFoundException")
		}
		if err := v.managePolicies("EnablePolicyType", []string{v.org.rootARN()}, string(in.PolicyType)); err != nil {
			return err
		}
		if v.org.FeatureSet != featureAll {
			return newErr("PolicyTypeNotAvailableForOrganizationException")
		}
		typ := string(in.PolicyType)
		if v.org.policyTypeEnabled(typ) {
			return newErr("PolicyTypeAlreadyEnabledException")
		}
		v.org.RootPolicyTypes = append(v.org.RootPolicyTypes, policyTypeState{Type: typ, Status: "ENABLED"})
		if typ == typeSCP {
			if err := v.attachEverywhere(fullAWSAccessID); err != nil {
				return err
			}
		}
		if err := putOrg(v.tx, v.org); err != nil {
			return err
		}
		r := rootOf(v.org)
		out = &EnablePolicyTypeResponse{Root: &r}
		return nil
	})
	return out, err
}

// attachEverywhere attaches a policy to the root, every OU and every account.
func (v *view) attachEverywhere(policy string) error {
	targets := []string{v.org.RootID}
	for _, prefix := range []string{"org/" + v.org.ID + "/ou/", kMemberPrefix(v.org.ID)} {
		if err := v.tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
			targets = append(targets, k[len(prefix):])
			return true, nil
		}); err != nil {
			return err
		}
	}
	for _, t := range targets {
		if err := attach(v.tx, v.org.ID, policy, t); err != nil {
			return err
		}
	}
	return nil
}

// DisablePolicyType disables a policy type on the root and detaches every
// policy of that type.
func (s *Service) DisablePolicyType(ctx context.Context, in *DisablePolicyTypeRequest) (*DisablePolicyTypeResponse, error) {
	var out *DisablePolicyTypeResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		if in.RootId != v.org.RootID {
			return newErr("RootNotFoundException")
		}
		if err := v.managePolicies("DisablePolicyType", []string{v.org.rootARN()}, string(in.PolicyType)); err != nil {
			return err
		}
		typ := string(in.PolicyType)
		if !v.org.policyTypeEnabled(typ) {
			return newErr("PolicyTypeNotEnabledException")
		}
		kept := v.org.RootPolicyTypes[:0]
		for _, t := range v.org.RootPolicyTypes {
			if t.Type != typ {
				kept = append(kept, t)
			}
		}
		v.org.RootPolicyTypes = kept
		var ids []string
		if err := v.tx.Scan(kPolicyPrefix(v.org.ID), "", func(_ string, raw []byte) (bool, error) {
			var p policyRecord
			if err := json.Unmarshal(raw, &p); err != nil {
				return false, err
			}
			if p.Type == typ {
				ids = append(ids, p.ID)
			}
			return true, nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			prefix := kTargetPrefix(v.org.ID, id)
			var targets []string
			if err := v.tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
				targets = append(targets, k[len(prefix):])
				return true, nil
			}); err != nil {
				return err
			}
			for _, t := range targets {
				if err := detach(v.tx, v.org.ID, id, t); err != nil {
					return err
				}
			}
		}
		if err := putOrg(v.tx, v.org); err != nil {
			return err
		}
		r := rootOf(v.org)
		out = &DisablePolicyTypeResponse{Root: &r}
		return nil
	})
	return out, err
}
