package organizations

import (
	"context"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// AcceptHandshake accepts a handshake: the recipient of an invitation
// joins the organization; a member approves enabling all features (its
// AWSServiceRoleForOrganizations is recreated when missing); the
// management account completes enabling all features once every member
// has approved.
func (s *Service) AcceptHandshake(ctx context.Context, in *AcceptHandshakeRequest) (*AcceptHandshakeResponse, error) {
	var out *AcceptHandshakeResponse
	err := s.write(ctx, func(v *view) error {
		h, err := v.visibleHandshake(in.HandshakeId)
		if err != nil {
			return err
		}
		o, err := getOrg(v.tx, h.OrgID)
		if err != nil {
			return err
		}
		if h.Action == actEnableAllFeatures {
			if v.caller.AccountID != o.MasterAccountID {
				return errAccessDenied()
			}
		} else if h.Recipient != v.caller.AccountID {
			return errAccessDenied()
		}
		st := h.state(v.now)
		if err := transition(st, hsAccepted); err != nil {
			return err
		}
		switch h.Action {
		case actInvite:
			if v.org != nil {
				return handshakeErr("ALREADY_IN_AN_ORGANIZATION")
			}
			if err := s.join(v, o, h); err != nil {
				return err
			}
		case actApproveAll, actAddSLR:
			if err := s.ensureOwnSLR(v, o.Partition); err != nil {
				return err
			}
		case actEnableAllFeatures:
			if st != hsOpen {
				return newErr("InvalidHandshakeTransitionException")
			}
			if err := s.completeAllFeatures(v, o); err != nil {
				return err
			}
		}
		if err := finish(v.tx, h, hsAccepted, v.now); err != nil {
			return err
		}
		if h.Parent != "" {
			if err := openParentWhenApproved(v.tx, o, h.Parent, v.now); err != nil {
				return err
			}
		}
		out = &AcceptHandshakeResponse{Handshake: h.api(o, v.now)}
		return nil
	})
	return out, err
}

// join makes the invited account a member of o.
func (s *Service) join(v *view, o *orgRecord, h *handshakeRecord) error {
	// The account creates the role as the standalone account it still is.
	if err := s.ensureOwnSLR(v, o.Partition); err != nil {
		return err
	}
	a := v.acct
	a.OrgID, a.ParentID, a.JoinedMethod, a.JoinedTimestamp = o.ID, o.RootID, "INVITED", v.now
	a.CreatedByOrg = ""
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
	if o.policyTypeEnabled(typeSCP) {
		if err := attach(v.tx, o.ID, fullAWSAccessID, a.ID); err != nil {
			return err
		}
	}
	if err := putTags(v.tx, o.ID, a.ID, h.Tags); err != nil {
		return err
	}
	// The account takes the place its invitation held in the quota.
	o.Accounts++
	if err := putOrg(v.tx, o); err != nil {
		return err
	}
	// Swap the e-mail address of the invitation for the account.
	for i, r := range h.Resources {
		if r.Type == HandshakeResourceTypeEmail {
			h.Resources[i] = HandshakeResource{Type: HandshakeResourceTypeAccount, Value: a.ID}
		}
	}
	return s.emitToEnabled(v.tx, v.now, o, trusted.AccountJoined, a.ID)
}

// openParentWhenApproved opens the enable-all-features handshake once
// every child has been accepted.
func openParentWhenApproved(tx store.Tx, o *orgRecord, parentID string, now time.Time) error {
	p, err := getHandshake(tx, parentID)
	if err != nil {
		return err
	}
	if p.state(now) != hsRequested {
		return nil
	}
	done := true
	if err := tx.Scan(kHandshakeChildPrefix(o.ID, parentID), "", func(k string, _ []byte) (bool, error) {
		c, err := getHandshake(tx, k[len(kHandshakeChildPrefix(o.ID, parentID)):])
		if err != nil {
			return false, err
		}
		if c.state(now) != hsAccepted {
			done = false
			return false, nil
		}
		return true, nil
	}); err != nil {
		return err
	}
	if done {
		p.State = hsOpen
		return putHandshake(tx, p)
	}
	return nil
}

// DeclineHandshake declines a handshake the caller received.
func (s *Service) DeclineHandshake(ctx context.Context, in *DeclineHandshakeRequest) (*DeclineHandshakeResponse, error) {
	var out *DeclineHandshakeResponse
	err := s.write(ctx, func(v *view) error {
		h, err := v.visibleHandshake(in.HandshakeId)
		if err != nil {
			return err
		}
		if h.Recipient != v.caller.AccountID {
			return errAccessDenied()
		}
		if err := transition(h.state(v.now), hsDeclined); err != nil {
			return err
		}
		if err := finish(v.tx, h, hsDeclined, v.now); err != nil {
			return err
		}
		o, err := getOrg(v.tx, h.OrgID)
		if err != nil {
			return err
		}
		out = &DeclineHandshakeResponse{Handshake: h.api(o, v.now)}
		return nil
	})
	return out, err
}

// CancelHandshake withdraws a handshake the caller's organization sent,
// before its recipient answers. Cancelling the enable-all-features
// handshake cancels its children and ends the migration.
func (s *Service) CancelHandshake(ctx context.Context, in *CancelHandshakeRequest) (*CancelHandshakeResponse, error) {
	var out *CancelHandshakeResponse
	err := s.write(ctx, func(v *view) error {
		h, err := v.visibleHandshake(in.HandshakeId)
		if err != nil {
			return err
		}
		if !v.isManagement() || v.org.ID != h.OrgID {
			return errAccessDenied()
		}
		if err := transition(h.state(v.now), hsCanceled); err != nil {
			return err
		}
		if err := finish(v.tx, h, hsCanceled, v.now); err != nil {
			return err
		}
		if h.Action == actEnableAllFeatures {
			if err := cancelChildren(v.tx, v.org, h.ID, v.now); err != nil {
				return err
			}
			v.org.AllFeaturesHandshake = ""
			if err := putOrg(v.tx, v.org); err != nil {
				return err
			}
		}
		out = &CancelHandshakeResponse{Handshake: h.api(v.org, v.now)}
		return nil
	})
	return out, err
}

func cancelChildren(tx store.Tx, o *orgRecord, parent string, now time.Time) error {
	prefix := kHandshakeChildPrefix(o.ID, parent)
	var ids []string
	if err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		ids = append(ids, k[len(prefix):])
		return true, nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		c, err := getHandshake(tx, id)
		if err != nil {
			return err
		}
		if c.state(now) == hsRequested {
			if err := finish(tx, c, hsCanceled, now); err != nil {
				return err
			}
		}
	}
	return nil
}
