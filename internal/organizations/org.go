package organizations

import (
	"context"

	"github.com/orgstack/orgstack/internal/store"
)

// Feature sets.
const (
	featureAll     = "ALL"
	featureBilling = "CONSOLIDATED_BILLING"
	typeSCP        = "SERVICE_CONTROL_POLICY"
)

// CreateOrganization makes the caller's account the management account of
// a new organization, which gets AWSServiceRoleForOrganizations. With all
// features, SCPs are enabled on the root and FullAWSAccess is attached to
// the root and the management account.
func (s *Service) CreateOrganization(ctx context.Context, in *CreateOrganizationRequest) (*CreateOrganizationResponse, error) {
	var out *CreateOrganizationResponse
	err := s.write(ctx, func(v *view) error {
		if v.org != nil {
			return newErr("AlreadyInOrganizationException")
		}
		if v.acct.State != "ACTIVE" {
			return errAccessDenied()
		}
		feature := string(in.FeatureSet)
		if feature == "" {
			feature = featureAll
		}
		id, err := newID(v.tx, kOrg, newOrgID)
		if err != nil {
			return err
		}
		o := &orgRecord{
			ID: id, FeatureSet: feature, MasterAccountID: v.acct.ID, MasterAccountEmail: v.acct.Email,
			Partition: v.caller.Partition(), RootID: newRootID(), Created: v.now, Accounts: 1,
		}
		// The caller creates the role as the standalone account it still is.
		if err := s.ensureOwnSLR(v, o.Partition); err != nil {
			return err
		}
		a := v.acct
		a.OrgID, a.ParentID = o.ID, o.RootID
		a.JoinedMethod, a.JoinedTimestamp = "INVITED", v.now
		if a.Partition == "" {
			a.Partition = o.Partition
		}
		if err := putAccount(v.tx, a); err != nil {
			return err
		}
		if err := v.tx.Put(kMember(o.ID, a.ID), nil); err != nil {
			return err
		}
		if err := v.tx.Put(kChild(o.ID, o.RootID, childAccount, a.ID), nil); err != nil {
			return err
		}
		if err := putPolicy(v.tx, o.ID, fullAWSAccess(o)); err != nil {
			return err
		}
		if feature == featureAll {
			o.RootPolicyTypes = []policyTypeState{{Type: typeSCP, Status: "ENABLED"}}
			for _, t := range []string{o.RootID, a.ID} {
				if err := attach(v.tx, o.ID, fullAWSAccessID, t); err != nil {
					return err
				}
			}
		}
		if err := putOrg(v.tx, o); err != nil {
			return err
		}
		if err := v.tx.Put(kOrgIndexPrefix+o.ID, nil); err != nil {
			return err
		}
		v.org = o
		out = &CreateOrganizationResponse{Organization: organizationOf(o)}
		return nil
	})
	return out, err
}

func organizationOf(o *orgRecord) *Organization {
	types := make([]PolicyTypeSummary, 0, len(o.RootPolicyTypes))
	for _, t := range o.RootPolicyTypes {
		types = append(types, PolicyTypeSummary{Type: PolicyType(t.Type), Status: PolicyTypeStatus(t.Status)})
	}
	return &Organization{
		Id:                   o.ID,
		Arn:                  o.arn(),
		FeatureSet:           OrganizationFeatureSet(o.FeatureSet),
		MasterAccountArn:     o.accountARN(o.MasterAccountID),
		MasterAccountId:      o.MasterAccountID,
		MasterAccountEmail:   o.MasterAccountEmail,
		AvailablePolicyTypes: types,
	}
}

// DescribeOrganization answers for any account in an organization.
func (s *Service) DescribeOrganization(ctx context.Context) (*DescribeOrganizationResponse, error) {
	var out *DescribeOrganizationResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		out = &DescribeOrganizationResponse{Organization: organizationOf(v.org)}
		return nil
	})
	return out, err
}

// DeleteOrganization removes an organization that has no members left
// but the management account.
func (s *Service) DeleteOrganization(ctx context.Context) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if v.org.Accounts > 1 {
			return newErr("OrganizationNotEmptyException")
		}
		a := v.acct
		a.leaveOrg()
		if err := putAccount(v.tx, a); err != nil {
			return err
		}
		if err := store.DeletePrefix(v.tx, kOrgPrefix(v.org.ID)); err != nil {
			return err
		}
		if err := v.tx.Delete(kOrgIndexPrefix + v.org.ID); err != nil {
			return err
		}
		return v.tx.Delete(kOrg(v.org.ID))
	})
}

// ListRoots lists the organization's root.
func (s *Service) ListRoots(ctx context.Context, in *ListRootsRequest) (*ListRootsResponse, error) {
	var out *ListRootsResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListRoots"); err != nil {
			return err
		}
		if in.NextToken != "" {
			// There is only one root: no token ever continues this listing.
			return errInvalid("INVALID_NEXT_TOKEN")
		}
		out = &ListRootsResponse{Roots: []Root{rootOf(v.org)}}
		return nil
	})
	return out, err
}

func rootOf(o *orgRecord) Root {
	types := make([]PolicyTypeSummary, 0, len(o.RootPolicyTypes))
	for _, t := range o.RootPolicyTypes {
		types = append(types, PolicyTypeSummary{Type: PolicyType(t.Type), Status: PolicyTypeStatus(t.Status)})
	}
	return Root{Id: o.RootID, Arn: o.rootARN(), Name: "Root", PolicyTypes: types}
}
