package organizations

import (
	"context"
)

// allFeaturesLimit is the largest organization that may migrate to all
// features.
const allFeaturesLimit = 5000

// EnableAllFeatures starts moving a consolidated-billing organization to
// all features. It sends the parent ENABLE_ALL_FEATURES handshake, an
// APPROVE_ALL_FEATURES handshake to every invited member, and an
// ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE handshake to every created member
// whose AWSServiceRoleForOrganizations is missing; pending invitations are
// cancelled. Once every member has accepted, the parent is OPEN and the
// management account accepts it to finish.
func (s *Service) EnableAllFeatures(ctx context.Context, _ *EnableAllFeaturesRequest) (*EnableAllFeaturesResponse, error) {
	var out *EnableAllFeaturesResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if v.org.FeatureSet == featureAll {
			return handshakeErr("ORGANIZATION_ALREADY_HAS_ALL_FEATURES")
		}
		if v.org.AllFeaturesHandshake != "" {
			if p, err := getHandshake(v.tx, v.org.AllFeaturesHandshake); err == nil {
				if st := p.state(v.now); st == hsRequested || st == hsOpen {
					return handshakeErr("ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION")
				}
			}
		}
		if v.org.Accounts > allFeaturesLimit {
			return errConstraint("ALL_FEATURES_MIGRATION_ORGANIZATION_SIZE_LIMIT_EXCEEDED")
		}
		if err := cancelPendingInvitations(v); err != nil {
			return err
		}
		parent := &handshakeRecord{
			Action: actEnableAllFeatures, State: hsRequested, Requested: v.now, Expiration: v.now.Add(allFeaturesLifetime),
			Parties:   []HandshakeParty{v.org.party()},
			Resources: []HandshakeResource{v.org.resource()},
		}
		if err := newHandshake(v.tx, v.org, parent); err != nil {
			return err
		}
		var members []*accountRecord
		if err := s.Members(v.tx, v.org.ID, func(id string) bool {
			a, err := getAccount(v.tx, id, v.org.Partition)
			if err == nil && id != v.org.MasterAccountID {
				members = append(members, a)
			}
			return true
		}); err != nil {
			return err
		}
		children := 0
		for _, a := range members {
			action := actApproveAll
			if a.JoinedMethod == "CREATED" {
				has, err := s.opt.Roles.HasRole(v.tx, a.ID, OrganizationsSLR.RoleName)
				if err != nil {
					return err
				}
				if has {
					continue
				}
				action = actAddSLR
			}
			child := &handshakeRecord{
				Action: action, State: hsRequested, Requested: v.now, Expiration: parent.Expiration,
				Parties: []HandshakeParty{v.org.party(), {Id: a.ID, Type: HandshakePartyTypeAccount}},
				Resources: []HandshakeResource{
					{Type: HandshakeResourceTypeParentHandshake, Value: parent.ID},
					v.org.resource(),
					{Type: HandshakeResourceTypeAccount, Value: a.ID},
				},
				Recipient: a.ID, Parent: parent.ID,
			}
			if err := newHandshake(v.tx, v.org, child); err != nil {
				return err
			}
			children++
		}
		if children == 0 {
			parent.State = hsOpen
			if err := putHandshake(v.tx, parent); err != nil {
				return err
			}
		}
		v.org.AllFeaturesHandshake = parent.ID
		if err := putOrg(v.tx, v.org); err != nil {
			return err
		}
		out = &EnableAllFeaturesResponse{Handshake: parent.api(v.org, v.now)}
		return nil
	})
	return out, err
}

// cancelPendingInvitations cancels the organization's unanswered
// invitations, as enabling all features does.
func cancelPendingInvitations(v *view) error {
	prefix := kHandshakeOpenPrefix(v.org.ID)
	var ids []string
	if err := v.tx.Scan(prefix, "", func(_ string, id []byte) (bool, error) {
		ids = append(ids, string(id))
		return true, nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		h, err := getHandshake(v.tx, id)
		if err != nil {
			return err
		}
		if h.state(v.now) == hsRequested {
			if err := finish(v.tx, h, hsCanceled, v.now); err != nil {
				return err
			}
		}
	}
	return nil
}

// completeAllFeatures switches the organization to all features: policy
// types and trusted access become available, and the management account
// gets AWSServiceRoleForOrganizations if it lacks it.
func (s *Service) completeAllFeatures(v *view, o *orgRecord) error {
	o.FeatureSet = featureAll
	o.AllFeaturesHandshake = ""
	if _, err := s.opt.Roles.EnsureServiceLinkedRole(v.tx, v.now, o.Partition, o.MasterAccountID, OrganizationsSLR); err != nil {
		return err
	}
	if v.org != nil && v.org.ID == o.ID {
		*v.org = *o
	}
	return putOrg(v.tx, o)
}

// handshakeFilter checks ListHandshakes*' filter: an action type or a
// parent handshake, not both.
func handshakeFilter(f *HandshakeFilter) (func(h *handshakeRecord) bool, error) {
	if f == nil {
		return func(*handshakeRecord) bool { return true }, nil
	}
	if f.ActionType != "" && f.ParentHandshakeId != "" {
		return nil, errInvalid("MAX_LIMIT_EXCEEDED_FILTER")
	}
	return func(h *handshakeRecord) bool {
		return (f.ActionType == "" || h.Action == string(f.ActionType)) && (f.ParentHandshakeId == "" || h.Parent == f.ParentHandshakeId)
	}, nil
}

// listHandshakes pages handshake ids under prefix.
func (v *view) listHandshakes(scope, prefix, token string, max *int32, f *HandshakeFilter) ([]Handshake, string, error) {
	keep, err := handshakeFilter(f)
	if err != nil {
		return nil, "", err
	}
	p, err := newPager(scope, prefix, token, max)
	if err != nil {
		return nil, "", err
	}
	out := []Handshake{}
	var current *handshakeRecord
	next, err := p.page(v.tx, func(k string, _ []byte) (bool, error) {
		h, err := getHandshake(v.tx, k[len(prefix):])
		if err != nil {
			return false, err
		}
		current = h
		return h.visible(v.now) && keep(h), nil
	}, func(string, []byte) error {
		o, err := getOrg(v.tx, current.OrgID)
		if err != nil {
			return err
		}
		out = append(out, *current.api(o, v.now))
		return nil
	})
	return out, next, err
}

// ListHandshakesForAccount lists the handshakes the caller received; any
// account may call it, in an organization or not.
func (s *Service) ListHandshakesForAccount(ctx context.Context, in *ListHandshakesForAccountRequest) (*ListHandshakesForAccountResponse, error) {
	var out *ListHandshakesForAccountResponse
	err := s.read(ctx, func(v *view) error {
		hs, next, err := v.listHandshakes("ListHandshakesForAccount", kHandshakeAccountPrefix(v.caller.AccountID), in.NextToken, in.MaxResults, in.Filter)
		out = &ListHandshakesForAccountResponse{Handshakes: hs, NextToken: next}
		return err
	})
	return out, err
}

// ListHandshakesForOrganization lists the handshakes the organization sent.
func (s *Service) ListHandshakesForOrganization(ctx context.Context, in *ListHandshakesForOrganizationRequest) (*ListHandshakesForOrganizationResponse, error) {
	var out *ListHandshakesForOrganizationResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListHandshakesForOrganization"); err != nil {
			return err
		}
		hs, next, err := v.listHandshakes("ListHandshakesForOrganization", kHandshakeOrgPrefix(v.org.ID), in.NextToken, in.MaxResults, in.Filter)
		out = &ListHandshakesForOrganizationResponse{Handshakes: hs, NextToken: next}
		return err
	})
	return out, err
}

// LeaveOrganization takes the caller's member account out of its
// organization, with the rules removal has.
func (s *Service) LeaveOrganization(ctx context.Context) error {
	return s.write(ctx, func(v *view) error {
		if err := v.inOrg(); err != nil {
			return err
		}
		if err := v.canLeave(v.acct); err != nil {
			return err
		}
		return s.removeMember(v, v.acct)
	})
}
