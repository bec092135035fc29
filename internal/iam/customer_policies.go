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

// Store layout of customer-managed policies:
//
//	iam/<account>/policy/<lower-case policy name>   policyRecord (versions included)
//
// Policy names are unique in an account whatever their letter case and
// path, as user and role names are.
func kPolicyPrefix(account string) string { return "iam/" + account + "/policy/" }
func kPolicy(account, name string) string {
	return kPolicyPrefix(account) + strings.ToLower(name)
}

// maxPolicyVersions is IAM's quota of versions per managed policy.
const maxPolicyVersions = 5

type policyRecord struct {
	Name           string          `json:"name"`
	ID             string          `json:"id"`
	Path           string          `json:"path"`
	ARN            string          `json:"arn"`
	Description    string          `json:"description,omitempty"`
	Created        time.Time       `json:"created"`
	Updated        time.Time       `json:"updated"`
	Tags           []Tag           `json:"tags,omitempty"`
	DefaultVersion string          `json:"defaultVersion"`
	NextVersion    int             `json:"nextVersion"`
	Versions       []policyVersion `json:"versions"`
}

// policyVersion is one version of a customer-managed policy; Document
// is kept as the caller wrote it (the wire codec URL-encodes it).
type policyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
}

func newPolicyID() string { return "ANPA" + orgstack.RandomString(orgstack.UpperAlnum, 17) }

func customerPolicyARN(partition, account, path, name string) string {
	return "arn:" + partition + ":iam::" + account + ":policy" + path + name
}

func getPolicy(tx store.Tx, account, name string) (*policyRecord, error) {
	var p policyRecord
	if err := store.GetJSON(tx, kPolicy(account, name), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func putPolicy(tx store.Tx, account string, p *policyRecord) error {
	return store.PutJSON(tx, kPolicy(account, p.Name), p)
}

// version returns the version with the given id, or nil.
func (p *policyRecord) version(id string) *policyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

// document returns the document of a version, "" when there is none.
func (p *policyRecord) document(id string) string {
	if v := p.version(id); v != nil {
		return v.Document
	}
	return ""
}

// policyUsage is how the users and roles of one account use managed
// policies: how many have each attached, and how many have it as their
// permissions boundary, by usageKey of the policy's ARN. It is counted
// from the users and roles themselves, so it is exact whatever attached,
// detached or deleted them.
type policyUsage struct {
	attached map[string]int32
	boundary map[string]int32
}

// usageKey identifies a policy ARN for counting: without its partition,
// in lower case (names are case-insensitive).
func usageKey(arn string) string {
	if rest, ok := strings.CutPrefix(arn, "arn:"); ok {
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			arn = rest[i+1:]
		}
	}
	return strings.ToLower(arn)
}

func usageOf(tx store.Tx, account string) (policyUsage, error) {
	u := policyUsage{attached: map[string]int32{}, boundary: map[string]int32{}}
	count := func(managed []string, boundary string) {
		for _, arn := range managed {
			u.attached[usageKey(arn)]++
		}
		if boundary != "" {
			u.boundary[usageKey(boundary)]++
		}
	}
	err := tx.Scan(kUserPrefix(account), "", func(_ string, v []byte) (bool, error) {
		var r userRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		count(r.ManagedPolicies, r.PermissionsBoundary)
		return true, nil
	})
	if err != nil {
		return u, err
	}
	err = tx.Scan(kRolePrefix(account), "", func(_ string, v []byte) (bool, error) {
		var r roleRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		count(r.ManagedPolicies, r.PermissionsBoundary)
		return true, nil
	})
	return u, err
}

// api renders a policy with its usage in the account. full adds what
// only GetPolicy and CreatePolicy return: description and tags.
func (p *resolvedPolicy) api(u policyUsage, full bool) Policy {
	attached, boundary := u.attached[usageKey(p.ARN)], u.boundary[usageKey(p.ARN)]
	yes := true
	out := Policy{
		PolicyName: p.Name, Arn: p.ARN, Path: p.Path, DefaultVersionId: "v1",
		AttachmentCount: &attached, PermissionsBoundaryUsageCount: &boundary, IsAttachable: &yes,
	}
	if r := p.record; r != nil {
		out.PolicyId, out.DefaultVersionId, out.CreateDate, out.UpdateDate = r.ID, r.DefaultVersion, r.Created, r.Updated
	} else {
		out.PolicyId, out.CreateDate, out.UpdateDate = awsPolicyID(p.Path+p.Name), awsPolicyDate(), awsPolicyDate()
	}
	if full {
		out.Description = p.Description
		if p.record != nil {
			out.Tags = append([]Tag{}, p.record.Tags...)
		}
	}
	return out
}

// CreatePolicy creates a customer-managed policy in the caller's account
// with the document as its default version v1.
func (s *Service) CreatePolicy(ctx context.Context, in *CreatePolicyRequest) (*CreatePolicyResponse, error) {
	var out *CreatePolicyResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		if ok, err := store.Exists(tx, kPolicy(c.AccountID, in.PolicyName)); err != nil {
			return err
		} else if ok {
			// github.com/Aabyss-Team/awsKeyTools issue 13.
			return errEntityAlreadyExists("A policy called " + in.PolicyName + " already exists. Duplicate names are not allowed.")
		}
		if err := checkManagedDocument(in.PolicyDocument); err != nil {
			return err
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		path := in.Path
		if path == "" {
			path = "/"
		}
		r := &policyRecord{
			Name: in.PolicyName, ID: newPolicyID(), Path: path, ARN: customerPolicyARN(c.Partition(), c.AccountID, path, in.PolicyName),
			Description: in.Description, Created: now, Updated: now, Tags: in.Tags,
			DefaultVersion: "v1", NextVersion: 2, Versions: []policyVersion{{ID: "v1", Document: in.PolicyDocument, Created: now}},
		}
		if err := putPolicy(tx, c.AccountID, r); err != nil {
			return err
		}
		p := resolvedPolicy{ARN: r.ARN, Name: r.Name, Path: r.Path, Description: r.Description, record: r}
		pol := p.api(policyUsage{}, true)
		out = &CreatePolicyResponse{Policy: &pol}
		return nil
	})
	return out, err
}

// GetPolicy describes a managed policy: a customer-managed policy of the
// caller's account or an AWS-managed policy, with how many of the
// account's users and roles use it.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyRequest) (*GetPolicyResponse, error) {
	var out *GetPolicyResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		p, err := namedPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		u, err := usageOf(tx, c.AccountID)
		if err != nil {
			return err
		}
		pol := p.api(u, true)
		out = &GetPolicyResponse{Policy: &pol}
		return nil
	})
	return out, err
}

// DeletePolicy deletes a customer-managed policy with its default
// version. As IAM, it refuses while any user or role has the policy
// attached or as its permissions boundary, and while the policy has
// versions other than the default one.
func (s *Service) DeletePolicy(ctx context.Context, in *DeletePolicyRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		p, err := namedPolicy(tx, c.AccountID, in.PolicyArn)
		if err != nil {
			return err
		}
		if p.AWS {
			return errAWSManaged(in.PolicyArn)
		}
		u, err := usageOf(tx, c.AccountID)
		if err != nil {
			return err
		}
		if u.attached[usageKey(p.ARN)] > 0 || u.boundary[usageKey(p.ARN)] > 0 {
			// github.com/serverless/components issue 312; the same text for
			// a boundary is unconfirmed.
			return errDeleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(p.record.Versions) > 1 {
			// github.com/redradrat/aws-iam-operator issue 13.
			return errDeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(kPolicy(c.AccountID, p.Name))
	})
}

// ListPolicies lists managed policies in ARN order: the AWS-managed
// policies orgstack knows (Scope AWS), the account's customer-managed
// ones (Local), or both (All, the default). OnlyAttached keeps policies
// attached to some user or role; PolicyUsageFilter PermissionsPolicy
// keeps those attached as permissions policies and PermissionsBoundary
// those used as a permissions boundary (unconfirmed reading of the
// filter).
func (s *Service) ListPolicies(ctx context.Context, in *ListPoliciesRequest) (*ListPoliciesResponse, error) {
	out := &ListPoliciesResponse{Policies: []Policy{}}
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		u, err := usageOf(tx, c.AccountID)
		if err != nil {
			return err
		}
		byARN := map[string]*resolvedPolicy{}
		if in.Scope != PolicyScopeTypeLocal {
			for pathName, m := range awsManagedPolicies() {
				arn := "arn:" + c.Partition() + ":iam::aws:policy" + pathName
				byARN[arn] = &resolvedPolicy{ARN: arn, Name: m.Name, Path: m.Path, Description: m.Description, AWS: true, Document: m.Document}
			}
		}
		if in.Scope != PolicyScopeTypeAws {
			err := tx.Scan(kPolicyPrefix(c.AccountID), "", func(_ string, v []byte) (bool, error) {
				r := &policyRecord{}
				if err := json.Unmarshal(v, r); err != nil {
					return false, err
				}
				byARN[r.ARN] = &resolvedPolicy{ARN: r.ARN, Name: r.Name, Path: r.Path, Description: r.Description, record: r}
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		var arns []string
		for arn, p := range byARN {
			k := usageKey(arn)
			switch {
			case in.PathPrefix != "" && !strings.HasPrefix(p.Path, in.PathPrefix):
			case in.OnlyAttached != nil && *in.OnlyAttached && u.attached[k] == 0:
			case in.PolicyUsageFilter == PolicyUsageTypePermissionsPolicy && u.attached[k] == 0:
			case in.PolicyUsageFilter == PolicyUsageTypePermissionsBoundary && u.boundary[k] == 0:
			default:
				arns = append(arns, arn)
			}
		}
		slices.Sort(arns)
		page, marker, err := pageStrings(arns, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, arn := range page {
			out.Policies = append(out.Policies, byARN[arn].api(u, false))
		}
		truncated := marker != ""
		out.IsTruncated, out.Marker = &truncated, marker
		return nil
	})
	return out, err
}
