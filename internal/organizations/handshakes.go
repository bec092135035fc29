package organizations

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout of handshakes. A handshake is global (its recipient may be
// in no organization); indexes find it from each side.
//
//	hs/<h-id>                       handshakeRecord
//	hsacct/<account>/<h-id>         received by an account ("")
//	org/<o>/hs/<h-id>               sent by an organization ("")
//	org/<o>/hschild/<parent>/<h-id> children of an enable-all-features handshake ("")
//	org/<o>/hsopen/<target>         the pending invitation of a target (h-id)
func kHandshake(id string) string              { return "hs/" + id }
func kHandshakeAccountPrefix(a string) string  { return "hsacct/" + a + "/" }
func kHandshakeOrgPrefix(o string) string      { return "org/" + o + "/hs/" }
func kHandshakeChildPrefix(o, p string) string { return "org/" + o + "/hschild/" + p + "/" }
func kHandshakeOpenPrefix(o string) string     { return "org/" + o + "/hsopen/" }
func kHandshakeOpen(o, target string) string   { return kHandshakeOpenPrefix(o) + target }
func inviteTarget(typ, id string) string       { return typ + ":" + strings.ToLower(id) }

// emailPattern is the model's pattern for e-mail addresses.
var emailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

// Handshake lifetimes.
const (
	inviteLifetime      = 15 * 24 * time.Hour
	allFeaturesLifetime = 90 * 24 * time.Hour
	finishedVisibility  = 30 * 24 * time.Hour
)

// Handshake states and actions.
const (
	hsRequested = "REQUESTED"
	hsOpen      = "OPEN"
	hsAccepted  = "ACCEPTED"
	hsDeclined  = "DECLINED"
	hsCanceled  = "CANCELED"
	hsExpired   = "EXPIRED"

	actInvite            = "INVITE"
	actEnableAllFeatures = "ENABLE_ALL_FEATURES"
	actApproveAll        = "APPROVE_ALL_FEATURES"
	actAddSLR            = "ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE"
)

type handshakeRecord struct {
	ID         string              `json:"id"`
	Action     string              `json:"action"`
	OrgID      string              `json:"orgId"`
	State      string              `json:"state"`
	Parties    []HandshakeParty    `json:"parties"`
	Resources  []HandshakeResource `json:"resources"`
	Requested  time.Time           `json:"requested"`
	Expiration time.Time           `json:"expiration"`
	Finished   time.Time           `json:"finished,omitzero"`
	// Recipient is the account that may accept or decline ("" for the
	// enable-all-features handshake, which the management account completes,
	// and for invitations to an e-mail address no account has).
	Recipient string `json:"recipient,omitempty"`
	// Target is the invitation's target key (see inviteTarget).
	Target string `json:"target,omitempty"`
	Parent string `json:"parent,omitempty"`
	Tags   []Tag  `json:"tags,omitempty"`
}

// state is the handshake's state at now: REQUESTED and OPEN handshakes
// past their expiration are EXPIRED.
func (h *handshakeRecord) state(now time.Time) string {
	if (h.State == hsRequested || h.State == hsOpen) && now.After(h.Expiration) {
		return hsExpired
	}
	return h.State
}

// visible reports whether the handshake still shows: finished ones stay
// for 30 days.
func (h *handshakeRecord) visible(now time.Time) bool {
	switch h.state(now) {
	case hsRequested, hsOpen:
		return true
	case hsExpired:
		return now.Before(h.Expiration.Add(finishedVisibility))
	}
	return now.Before(h.Finished.Add(finishedVisibility))
}

func (h *handshakeRecord) api(o *orgRecord, now time.Time) *Handshake {
	return &Handshake{
		Id:                  h.ID,
		Arn:                 "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":handshake/" + o.ID + "/" + strings.ToLower(h.Action) + "/" + h.ID,
		Parties:             h.Parties,
		State:               HandshakeState(h.state(now)),
		RequestedTimestamp:  h.Requested,
		ExpirationTimestamp: h.Expiration,
		Action:              ActionType(h.Action),
		Resources:           h.Resources,
	}
}

func getHandshake(tx store.Tx, id string) (*handshakeRecord, error) {
	var h handshakeRecord
	err := store.GetJSON(tx, kHandshake(id), &h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr("HandshakeNotFoundException")
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func putHandshake(tx store.Tx, h *handshakeRecord) error {
	return store.PutJSON(tx, kHandshake(h.ID), h)
}

// newHandshake stores a handshake sent by o and indexes it.
func newHandshake(tx store.Tx, o *orgRecord, h *handshakeRecord) error {
	id, err := newID(tx, kHandshake, func() string { return "h-" + orgstack.RandomString(orgstack.LowerAlnum, 10) })
	if err != nil {
		return err
	}
	h.ID, h.OrgID = id, o.ID
	if err := putHandshake(tx, h); err != nil {
		return err
	}
	if err := tx.Put(kHandshakeOrgPrefix(o.ID)+id, nil); err != nil {
		return err
	}
	if h.Recipient != "" {
		if err := tx.Put(kHandshakeAccountPrefix(h.Recipient)+id, nil); err != nil {
			return err
		}
	}
	if h.Parent != "" {
		return tx.Put(kHandshakeChildPrefix(o.ID, h.Parent)+id, nil)
	}
	return nil
}

// finish moves a handshake to a final state.
func finish(tx store.Tx, h *handshakeRecord, state string, now time.Time) error {
	h.State, h.Finished = state, now
	if h.Target != "" {
		if err := tx.Delete(kHandshakeOpen(h.OrgID, h.Target)); err != nil {
			return err
		}
	}
	return putHandshake(tx, h)
}

func (o *orgRecord) party() HandshakeParty {
	return HandshakeParty{Id: o.ID, Type: HandshakePartyTypeOrganization}
}

func (o *orgRecord) resource(extra ...HandshakeResource) HandshakeResource {
	return HandshakeResource{Type: HandshakeResourceTypeOrganization, Value: o.ID, Resources: extra}
}

// pendingInvitations counts the organization's invitations not yet
// answered or expired: they hold places of the account quota.
func pendingInvitations(tx store.Tx, o string, now time.Time) (int, error) {
	n := 0
	err := tx.Scan(kHandshakeOpenPrefix(o), "", func(_ string, id []byte) (bool, error) {
		h, err := getHandshake(tx, string(id))
		if err != nil {
			return false, err
		}
		if h.state(now) == hsRequested {
			n++
		}
		return true, nil
	})
	return n, err
}

// InviteAccountToOrganization invites an account, by id or by e-mail
// address, to join the caller's organization.
func (s *Service) InviteAccountToOrganization(ctx context.Context, in *InviteAccountToOrganizationRequest) (*InviteAccountToOrganizationResponse, error) {
	var out *InviteAccountToOrganizationResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if v.org.AllFeaturesHandshake != "" {
			return handshakeErr("INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES")
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		target := in.Target
		var recipient *accountRecord
		switch target.Type {
		case HandshakePartyTypeAccount:
			if !orgstack.IsAccountID(target.Id) {
				return errInvalid("INVALID_PARTY_TYPE_TARGET")
			}
			a, err := getAccount(v.tx, target.Id, v.org.Partition)
			if err != nil {
				return err
			}
			recipient = a
		case HandshakePartyTypeEmail:
			if !emailPattern.MatchString(target.Id) {
				return errInvalid("INVALID_EMAIL_ADDRESS_TARGET")
			}
			id, err := accountByEmail(v.tx, target.Id)
			if err != nil {
				return err
			}
			if id != "" {
				if recipient, err = getAccount(v.tx, id, v.org.Partition); err != nil {
					return err
				}
			}
		default:
			return errInvalid("INVALID_PARTY_TYPE_TARGET")
		}
		if recipient != nil && recipient.OrgID != "" {
			return handshakeErr("ALREADY_IN_AN_ORGANIZATION")
		}
		key := inviteTarget(string(target.Type), target.Id)
		if ok, err := store.Exists(v.tx, kHandshakeOpen(v.org.ID, key)); err != nil {
			return err
		} else if ok {
			raw, _ := v.tx.Get(kHandshakeOpen(v.org.ID, key))
			if h, err := getHandshake(v.tx, string(raw)); err == nil && h.state(v.now) == hsRequested {
				return newErr("DuplicateHandshakeException")
			}
		}
		pending, err := pendingInvitations(v.tx, v.org.ID, v.now)
		if err != nil {
			return err
		}
		if v.org.Accounts+pending >= s.opt.MaxAccounts {
			return handshakeErr("ACCOUNT_NUMBER_LIMIT_EXCEEDED")
		}
		if err := v.inviteRate(s.maxInvitesPerDay()); err != nil {
			return err
		}
		featureSet := "FULL"
		if v.org.FeatureSet == featureBilling {
			featureSet = featureBilling
		}
		mgmtAcct, err := getAccount(v.tx, v.org.MasterAccountID, v.org.Partition)
		if err != nil {
			return err
		}
		h := &handshakeRecord{
			Action: actInvite, State: hsRequested, Requested: v.now, Expiration: v.now.Add(inviteLifetime),
			Parties: []HandshakeParty{v.org.party(), {Id: target.Id, Type: target.Type}},
			Resources: []HandshakeResource{
				v.org.resource(
					HandshakeResource{Type: HandshakeResourceTypeMasterEmail, Value: v.org.MasterAccountEmail},
					HandshakeResource{Type: HandshakeResourceTypeMasterName, Value: mgmtAcct.Name},
					HandshakeResource{Type: HandshakeResourceTypeOrganizationFeatureSet, Value: featureSet},
				),
				{Type: HandshakeResourceType(target.Type), Value: target.Id},
			},
			Target: key, Tags: in.Tags,
		}
		if in.Notes != "" {
			h.Resources = append(h.Resources, HandshakeResource{Type: HandshakeResourceTypeNotes, Value: in.Notes})
		}
		if recipient != nil {
			h.Recipient = recipient.ID
		}
		if err := newHandshake(v.tx, v.org, h); err != nil {
			return err
		}
		if err := v.tx.Put(kHandshakeOpen(v.org.ID, key), []byte(h.ID)); err != nil {
			return err
		}
		out = &InviteAccountToOrganizationResponse{Handshake: h.api(v.org, v.now)}
		return nil
	})
	return out, err
}

// accountByEmail finds the account that has an e-mail address: a stored
// account, or an account not stored yet that still has its default
// address. It returns "" when no account has it.
func accountByEmail(tx store.Tx, email string) (string, error) {
	raw, err := tx.Get(kEmail(email))
	if err == nil {
		return string(raw), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	local, domain, _ := strings.Cut(strings.ToLower(email), "@")
	id, ok := strings.CutPrefix(local, "account-")
	if domain != "example.com" || !ok || !orgstack.IsAccountID(id) {
		return "", nil
	}
	if stored, err := accountStored(tx, id); err != nil || stored {
		// A stored account with another address does not own this one.
		return "", err
	}
	return id, nil
}

// maxInvitesPerDay is the invitations an organization may send in 24 hours
// (the greater of 20 and its account quota).
func (s *Service) maxInvitesPerDay() int { return max(20, s.opt.MaxAccounts) }

// inviteRate refuses an invitation beyond the daily rate.
func (v *view) inviteRate(limit int) error {
	n := 0
	since := v.now.Add(-24 * time.Hour)
	if err := v.tx.Scan(kHandshakeOrgPrefix(v.org.ID), "", func(k string, _ []byte) (bool, error) {
		h, err := getHandshake(v.tx, k[len(kHandshakeOrgPrefix(v.org.ID)):])
		if err != nil {
			return false, err
		}
		if h.Action == actInvite && h.Requested.After(since) && h.State != hsAccepted {
			n++
		}
		return true, nil
	}); err != nil {
		return err
	}
	if n >= limit {
		return handshakeErr("HANDSHAKE_RATE_LIMIT_EXCEEDED")
	}
	return nil
}

func handshakeErr(reason string) error {
	return reasonErr("HandshakeConstraintViolationException", reason)
}

// partyTo reports whether the caller takes part in the handshake: its
// recipient, or an account of the organization that sent it.
func (v *view) partyTo(h *handshakeRecord) bool {
	return h.Recipient == v.caller.AccountID || (v.org != nil && v.org.ID == h.OrgID)
}

// visibleHandshake loads a handshake the caller may see.
func (v *view) visibleHandshake(id string) (*handshakeRecord, error) {
	h, err := getHandshake(v.tx, id)
	if err != nil {
		return nil, err
	}
	if !v.partyTo(h) || !h.visible(v.now) {
		return nil, newErr("HandshakeNotFoundException")
	}
	return h, nil
}

// DescribeHandshake returns a handshake the caller takes part in.
func (s *Service) DescribeHandshake(ctx context.Context, in *DescribeHandshakeRequest) (*DescribeHandshakeResponse, error) {
	var out *DescribeHandshakeResponse
	err := s.read(ctx, func(v *view) error {
		h, err := v.visibleHandshake(in.HandshakeId)
		if err != nil {
			return err
		}
		o, err := getOrg(v.tx, h.OrgID)
		if err != nil {
			return err
		}
		out = &DescribeHandshakeResponse{Handshake: h.api(o, v.now)}
		return nil
	})
	return out, err
}

// transition checks that a handshake in state `from` may move to `to`.
func transition(from, to string) error {
	if from == to {
		return newErr("HandshakeAlreadyInStateException")
	}
	if from != hsRequested && !(from == hsOpen && (to == hsAccepted || to == hsCanceled)) {
		return newErr("InvalidHandshakeTransitionException")
	}
	return nil
}
