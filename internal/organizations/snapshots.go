package organizations

import (
	"errors"
	"strings"

	"github.com/orgstack/orgstack/internal/store"
)

// OrganizationSnapshot returns what DescribeOrganization answers in an
// account, and the account's path in the organization
// (o-…/r-…/ou-…/…/account); ok is false for an account in no
// organization. Services reading Organizations on an account's behalf,
// such as Audit Manager collecting evidence, use it.
func (s *Service) OrganizationSnapshot(tx store.Tx, account string) (org *Organization, path string, ok bool, err error) {
	var a accountRecord
	if err := store.GetJSON(tx, kAccount(account), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", false, nil
		}
		return nil, "", false, err
	}
	if a.OrgID == "" {
		return nil, "", false, nil
	}
	o, err := getOrg(tx, a.OrgID)
	if err != nil {
		return nil, "", false, err
	}
	chain, err := parentChain(tx, o, a.ParentID)
	if err != nil {
		return nil, "", false, err
	}
	return organizationOf(o), o.ID + "/" + strings.Join(append(chain, account), "/"), true, nil
}
