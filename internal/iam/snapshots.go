package iam

import (
	"encoding/json"

	"github.com/orgstack/orgstack/internal/store"
)

// Roles lists an account's roles in name order, as ListRoles shows them
// (every page): what services reading IAM on the account's behalf, such
// as Audit Manager collecting evidence, see.
func (s *Service) Roles(tx store.Tx, account string) ([]Role, error) {
	var out []Role
	err := tx.Scan(kRolePrefix(account), "", func(_ string, v []byte) (bool, error) {
		var r roleRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		out = append(out, r.api(false))
		return true, nil
	})
	return out, err
}

// Users lists an account's users in name order, as ListUsers shows them
// (every page).
func (s *Service) Users(tx store.Tx, account string) ([]User, error) {
	var out []User
	err := tx.Scan(kUserPrefix(account), "", func(_ string, v []byte) (bool, error) {
		var u userRecord
		if err := json.Unmarshal(v, &u); err != nil {
			return false, err
		}
		out = append(out, u.api(false))
		return true, nil
	})
	return out, err
}
