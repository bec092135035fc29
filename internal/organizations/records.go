package organizations

import (
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout. Accounts and their e-mail index are global (an account
// exists whether or not it is in an organization); everything else lives
// under its organization.
//
//	orgs/<o>                             index of organizations ("")
//	acct/<account>                       accountRecord
//	email/<lower-case e-mail>            account id
//	org/<o>                              orgRecord
//	org/<o>/acct/<account>               membership index ("")
//	org/<o>/ou/<ou>                      ouRecord
//	org/<o>/child/<parent>/A/<account>   children index
//	org/<o>/child/<parent>/O/<ou>
//	org/<o>/car/<car-id>                 createAccountRecord
//	org/<o>/cart/<time>/<car-id>         create requests in time order
//	org/<o>/pol/<policy>                 policyRecord
//	org/<o>/att/<target>/<policy>        attachments by target
//	org/<o>/tgt/<policy>/<target>        attachments by policy
//	org/<o>/tags/<resource>              tag map
//	org/<o>/da/<account>/<principal>     delegated administrators
//
// kOrgIndexPrefix indexes every organization: orgs/<o> → "".
const kOrgIndexPrefix = "orgs/"

func kAccount(id string) string            { return "acct/" + id }
func kEmail(email string) string           { return "email/" + strings.ToLower(email) }
func kOrg(o string) string                 { return "org/" + o }
func kOrgPrefix(o string) string           { return "org/" + o + "/" }
func kMemberPrefix(o string) string        { return "org/" + o + "/acct/" }
func kMember(o, a string) string           { return kMemberPrefix(o) + a }
func kOU(o, ou string) string              { return "org/" + o + "/ou/" + ou }
func kChildPrefix(o, parent string) string { return "org/" + o + "/child/" + parent + "/" }
func kChild(o, parent, typ, id string) string {
	return kChildPrefix(o, parent) + typ + "/" + id
}
func kCAR(o, id string) string            { return "org/" + o + "/car/" + id }
func kCARTimePrefix(o string) string      { return "org/" + o + "/cart/" }
func kPolicyPrefix(o string) string       { return "org/" + o + "/pol/" }
func kPolicy(o, p string) string          { return kPolicyPrefix(o) + p }
func kAttachPrefix(o, t string) string    { return "org/" + o + "/att/" + t + "/" }
func kAttach(o, t, p string) string       { return kAttachPrefix(o, t) + p }
func kTargetPrefix(o, p string) string    { return "org/" + o + "/tgt/" + p + "/" }
func kTarget(o, p, t string) string       { return kTargetPrefix(o, p) + t }
func kTags(o, res string) string          { return "org/" + o + "/tags/" + res }
func kDelegatedPrefix(o, a string) string { return "org/" + o + "/da/" + a + "/" }

// Child types in the children index.
const (
	childAccount = "A"
	childOU      = "O"
)

type orgRecord struct {
	ID                 string            `json:"id"`
	FeatureSet         string            `json:"featureSet"`
	MasterAccountID    string            `json:"masterAccountId"`
	MasterAccountEmail string            `json:"masterAccountEmail"`
	Partition          string            `json:"partition"`
	RootID             string            `json:"rootId"`
	RootPolicyTypes    []policyTypeState `json:"rootPolicyTypes,omitempty"`
	Created            time.Time         `json:"created"`
	// Accounts counts members, the management account included, plus
	// account creations still in progress (they hold a quota slot).
	Accounts int `json:"accounts"`
	OUs      int `json:"ous"`
	// AllFeaturesHandshake is the enable-all-features handshake in
	// progress, if any.
	AllFeaturesHandshake string `json:"allFeaturesHandshake,omitempty"`
}

type policyTypeState struct {
	Type   string `json:"type"`
	Status string `json:"status"`
}

func (o *orgRecord) arn() string {
	return "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":organization/" + o.ID
}

func (o *orgRecord) accountARN(account string) string {
	return "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":account/" + o.ID + "/" + account
}

func (o *orgRecord) rootARN() string {
	return "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":root/" + o.ID + "/" + o.RootID
}

func (o *orgRecord) ouARN(ou string) string {
	return "arn:" + o.Partition + ":organizations::" + o.MasterAccountID + ":ou/" + o.ID + "/" + ou
}

func (o *orgRecord) policyTypeEnabled(t string) bool {
	for _, p := range o.RootPolicyTypes {
		if p.Type == t && p.Status == "ENABLED" {
			return true
		}
	}
	return false
}

type accountRecord struct {
	ID              string    `json:"id"`
	Email           string    `json:"email"`
	Name            string    `json:"name"`
	Partition       string    `json:"partition"`
	State           string    `json:"state"` // ACTIVE, PENDING_CLOSURE, SUSPENDED, CLOSED
	OrgID           string    `json:"orgId,omitempty"`
	ParentID        string    `json:"parentId,omitempty"`
	JoinedMethod    string    `json:"joinedMethod,omitempty"`
	JoinedTimestamp time.Time `json:"joinedTimestamp,omitzero"`
	// CreatedByOrg is the organization whose CreateAccount made the
	// account (such accounts wait before they may leave).
	CreatedByOrg string    `json:"createdByOrg,omitempty"`
	Created      time.Time `json:"created,omitzero"`
	ClosedAt     time.Time `json:"closedAt,omitzero"`
}

// leaveOrg makes the account standalone.
func (a *accountRecord) leaveOrg() {
	a.OrgID, a.ParentID, a.JoinedMethod = "", "", ""
	a.JoinedTimestamp = time.Time{}
}

// status is the older Status field derived from State.
func (a *accountRecord) status() string {
	switch a.State {
	case "PENDING_CLOSURE":
		return "PENDING_CLOSURE"
	case "SUSPENDED", "CLOSED":
		return "SUSPENDED"
	}
	return "ACTIVE"
}

// DefaultEmail and DefaultName are what an account that orgstack first
// meets through its access key is called until something names it.
func DefaultEmail(id string) string { return "account-" + id + "@example.com" }

// DefaultName is the name of an account first met through its access key.
func DefaultName(id string) string { return "account-" + id }

// getAccount returns the account record, or a fresh standalone record for
// an account orgstack has not stored yet: in open mode any 12-digit
// account exists.
func getAccount(tx store.Tx, id, partition string) (*accountRecord, error) {
	a := new(accountRecord)
	if err := readAccount(tx, id, partition, a); err != nil {
		return nil, err
	}
	return a, nil
}

// readAccount is getAccount into a record the caller provides, for
// listings that read many accounts one after another into one record.
func readAccount(tx store.Tx, id, partition string, a *accountRecord) error {
	err := accountCache.Get(tx, kAccount(id), a)
	if errors.Is(err, store.ErrNotFound) {
		*a = accountRecord{ID: id, Email: DefaultEmail(id), Name: DefaultName(id), Partition: partition, State: "ACTIVE"}
		return nil
	}
	return err
}

// accountStored reports whether the account has a stored record.
func accountStored(tx store.Tx, id string) (bool, error) {
	return store.Exists(tx, kAccount(id))
}

func putAccount(tx store.Tx, a *accountRecord) error {
	stored, err := accountStored(tx, a.ID)
	if err != nil {
		return err
	}
	if !stored {
		if err := tx.Put(kEmail(a.Email), []byte(a.ID)); err != nil {
			return err
		}
	}
	return store.PutJSON(tx, kAccount(a.ID), a)
}

func getOrg(tx store.Tx, id string) (*orgRecord, error) {
	var o orgRecord
	if err := orgCache.Get(tx, kOrg(id), &o); err != nil {
		return nil, err
	}
	return &o, nil
}

func putOrg(tx store.Tx, o *orgRecord) error { return store.PutJSON(tx, kOrg(o.ID), o) }

type ouRecord struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	ParentID string    `json:"parentId"`
	Depth    int       `json:"depth"` // 1 for a child of the root
	Created  time.Time `json:"created"`
}

func getOU(tx store.Tx, o, id string) (*ouRecord, error) {
	var ou ouRecord
	if err := store.GetJSON(tx, kOU(o, id), &ou); err != nil {
		return nil, err
	}
	return &ou, nil
}

// emailTaken reports whether an account already uses email.
func emailTaken(tx store.Tx, email string) (bool, error) {
	return store.Exists(tx, kEmail(email))
}

// newID returns a random identifier that is not yet a key under prefix.
func newID(tx store.Tx, keyOf func(string) string, gen func() string) (string, error) {
	for {
		id := gen()
		ok, err := store.Exists(tx, keyOf(id))
		if err != nil {
			return "", err
		}
		if !ok {
			return id, nil
		}
	}
}

func newOrgID() string  { return "o-" + orgstack.RandomString(orgstack.LowerAlnum, 10) }
func newRootID() string { return "r-" + orgstack.RandomString(orgstack.LowerAlnum, 4) }
