package organizations

import (
	"context"
	"encoding/json"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Store layout of delegated administrators:
//
//	org/<o>/da/<account>/<principal>   delegationRecord
//	org/<o>/dap/<principal>/<account>  by-service index ("")
//	org/<o>/daacct/<account>           delegatedAccount: one entry per delegated account
func kDelegation(o, a, p string) string { return kDelegatedPrefix(o, a) + p }
func kDelegatedByServicePrefix(o, p string) string {
	return "org/" + o + "/dap/" + p + "/"
}
func kDelegatedAccountPrefix(o string) string { return "org/" + o + "/daacct/" }

// delegatedAccount summarizes an account's delegations: how many services,
// and the date of the earliest.
type delegatedAccount struct {
	Services int       `json:"services"`
	Earliest time.Time `json:"earliest"`
}

// refreshDelegatedAccount rewrites an account's summary from its
// delegations (or deletes it when there are none).
func refreshDelegatedAccount(tx store.Tx, o, account string) error {
	var sum delegatedAccount
	if err := tx.Scan(kDelegatedPrefix(o, account), "", func(_ string, v []byte) (bool, error) {
		var r delegationRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		sum.Services++
		if sum.Earliest.IsZero() || r.Enabled.Before(sum.Earliest) {
			sum.Earliest = r.Enabled
		}
		return true, nil
	}); err != nil {
		return err
	}
	if sum.Services == 0 {
		return tx.Delete(kDelegatedAccountPrefix(o) + account)
	}
	return store.PutJSON(tx, kDelegatedAccountPrefix(o)+account, &sum)
}

// RegisterDelegatedAdministrator makes a member account a delegated
// administrator of a service.
func (s *Service) RegisterDelegatedAdministrator(ctx context.Context, in *RegisterDelegatedAdministratorRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		svc, err := s.recognized(in.ServicePrincipal)
		if err != nil {
			return err
		}
		a, err := v.member(in.AccountId)
		if err != nil {
			return err
		}
		if a.ID == v.org.MasterAccountID {
			return errConstraint("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")
		}
		if a.State != "ACTIVE" {
			return errConstraint("CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR")
		}
		if !svc.SupportsDelegatedAdmin() {
			return errInvalid("UNRECOGNIZED_SERVICE_PRINCIPAL")
		}
		enabled, _, err := s.AccessEnabled(v.tx, v.org.ID, svc.Principal)
		if err != nil {
			return err
		}
		if !enabled {
			return errConstraint("SERVICE_ACCESS_NOT_ENABLED")
		}
		if ok, err := store.Exists(v.tx, kDelegation(v.org.ID, a.ID, svc.Principal)); err != nil {
			return err
		} else if ok {
			return newErr("AccountAlreadyRegisteredException")
		}
		n := 0
		if err := v.tx.Scan(kDelegatedByServicePrefix(v.org.ID, svc.Principal), "", func(string, []byte) (bool, error) {
			n++
			return true, nil
		}); err != nil {
			return err
		}
		if n >= svc.DelegatedAdmin.Max {
			if svc.DelegatedAdmin.Max == 1 {
				return errConstraint("DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE")
			}
			return errConstraint("MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED")
		}
		return s.registerDelegatedAdmin(v.tx, v.now, v.org, a.ID, svc.Principal)
	})
}

func (s *Service) registerDelegatedAdmin(tx store.Tx, now time.Time, o *orgRecord, account, principal string) error {
	if err := store.PutJSON(tx, kDelegation(o.ID, account, principal), delegationRecord{Account: account, Principal: principal, Enabled: now}); err != nil {
		return err
	}
	if err := tx.Put(kDelegatedByServicePrefix(o.ID, principal)+account, nil); err != nil {
		return err
	}
	if err := refreshDelegatedAccount(tx, o.ID, account); err != nil {
		return err
	}
	return s.emit(tx, now, o, trusted.DelegatedAdminRegistered, principal, account, false)
}

// DeregisterDelegatedAdministrator ends an account's delegation for a
// service.
func (s *Service) DeregisterDelegatedAdministrator(ctx context.Context, in *DeregisterDelegatedAdministratorRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		svc, err := s.recognized(in.ServicePrincipal)
		if err != nil {
			return err
		}
		a, err := v.member(in.AccountId)
		if err != nil {
			return err
		}
		if ok, err := store.Exists(v.tx, kDelegation(v.org.ID, a.ID, svc.Principal)); err != nil {
			return err
		} else if !ok {
			return newErr("AccountNotRegisteredException")
		}
		return s.deregisterDelegatedAdmin(v.tx, v.now, v.org, a.ID, svc.Principal, false)
	})
}

func (s *Service) deregisterDelegatedAdmin(tx store.Tx, now time.Time, o *orgRecord, account, principal string, byService bool) error {
	for _, k := range []string{kDelegation(o.ID, account, principal), kDelegatedByServicePrefix(o.ID, principal) + account} {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	if err := refreshDelegatedAccount(tx, o.ID, account); err != nil {
		return err
	}
	return s.emit(tx, now, o, trusted.DelegatedAdminDeregistered, principal, account, byService)
}

func (v *view) delegatedAdministrator(a *accountRecord, since time.Time) DelegatedAdministrator {
	acct := v.accountOf(a)
	return DelegatedAdministrator{
		Id: acct.Id, Arn: acct.Arn, Email: acct.Email, Name: acct.Name, Status: acct.Status, State: acct.State,
		JoinedMethod: acct.JoinedMethod, JoinedTimestamp: acct.JoinedTimestamp, DelegationEnabledDate: since,
	}
}

// ListDelegatedAdministrators lists the delegated administrators of one
// service, or of every service (each account once, with the date of its
// first delegation).
func (s *Service) ListDelegatedAdministrators(ctx context.Context, in *ListDelegatedAdministratorsRequest) (*ListDelegatedAdministratorsResponse, error) {
	out := &ListDelegatedAdministratorsResponse{DelegatedAdministrators: []DelegatedAdministrator{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListDelegatedAdministrators"); err != nil {
			return err
		}
		add := func(account string, since time.Time) error {
			a, err := getAccount(v.tx, account, v.org.Partition)
			if err != nil {
				return err
			}
			out.DelegatedAdministrators = append(out.DelegatedAdministrators, v.delegatedAdministrator(a, since))
			return nil
		}
		if in.ServicePrincipal != "" {
			if _, err := s.recognized(in.ServicePrincipal); err != nil {
				return err
			}
			prefix := kDelegatedByServicePrefix(v.org.ID, in.ServicePrincipal)
			p, err := newPager("ListDelegatedAdministrators/"+in.ServicePrincipal, prefix, in.NextToken, in.MaxResults)
			if err != nil {
				return err
			}
			out.NextToken, err = p.page(v.tx, nil, func(k string, _ []byte) error {
				account := k[len(prefix):]
				var r delegationRecord
				if err := store.GetJSON(v.tx, kDelegation(v.org.ID, account, in.ServicePrincipal), &r); err != nil {
					return err
				}
				return add(account, r.Enabled)
			})
			return err
		}
		prefix := kDelegatedAccountPrefix(v.org.ID)
		p, err := newPager("ListDelegatedAdministrators", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.NextToken, err = p.page(v.tx, nil, func(k string, raw []byte) error {
			var sum delegatedAccount
			if err := json.Unmarshal(raw, &sum); err != nil {
				return err
			}
			return add(k[len(prefix):], sum.Earliest)
		})
		return err
	})
	return out, err
}

// ListDelegatedServicesForAccount lists the services an account is a
// delegated administrator for.
func (s *Service) ListDelegatedServicesForAccount(ctx context.Context, in *ListDelegatedServicesForAccountRequest) (*ListDelegatedServicesForAccountResponse, error) {
	out := &ListDelegatedServicesForAccountResponse{DelegatedServices: []DelegatedService{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListDelegatedServicesForAccount"); err != nil {
			return err
		}
		if _, err := v.member(in.AccountId); err != nil {
			return err
		}
		if ok, err := store.Exists(v.tx, kDelegatedAccountPrefix(v.org.ID)+in.AccountId); err != nil {
			return err
		} else if !ok {
			return newErr("AccountNotRegisteredException")
		}
		prefix := kDelegatedPrefix(v.org.ID, in.AccountId)
		p, err := newPager("ListDelegatedServicesForAccount", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.NextToken, err = p.page(v.tx, nil, func(_ string, raw []byte) error {
			var r delegationRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			out.DelegatedServices = append(out.DelegatedServices, DelegatedService{ServicePrincipal: r.Principal, DelegationEnabledDate: r.Enabled})
			return nil
		})
		return err
	})
	return out, err
}

// The trusted.Organization side for delegated administrators.

// DelegatedAdministrators implements trusted.Organization.
func (s *Service) DelegatedAdministrators(tx store.Tx, orgID, principal string) ([]string, error) {
	var out []string
	prefix := kDelegatedByServicePrefix(orgID, principal)
	err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		out = append(out, k[len(prefix):])
		return true, nil
	})
	return out, err
}

// RegisterDelegatedAdmin implements trusted.Organization: a service
// registering its delegated administrator through its own API (the same
// rules as RegisterDelegatedAdministrator, the caller's permission aside).
func (s *Service) RegisterDelegatedAdmin(tx store.Tx, now time.Time, orgID, account, principal string) error {
	o, err := getOrg(tx, orgID)
	if err != nil {
		return err
	}
	v := &view{tx: tx, now: now, org: o}
	a, err := v.member(account)
	if err != nil {
		return err
	}
	if a.ID == o.MasterAccountID {
		return errConstraint("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")
	}
	if ok, err := store.Exists(tx, kDelegation(o.ID, account, principal)); err != nil || ok {
		if ok {
			return newErr("AccountAlreadyRegisteredException")
		}
		return err
	}
	return s.registerDelegatedAdmin(tx, now, o, account, principal)
}

// DeregisterDelegatedAdmin implements trusted.Organization.
func (s *Service) DeregisterDelegatedAdmin(tx store.Tx, now time.Time, orgID, account, principal string) error {
	o, err := getOrg(tx, orgID)
	if err != nil {
		return err
	}
	if ok, err := store.Exists(tx, kDelegation(o.ID, account, principal)); err != nil || !ok {
		if !ok && err == nil {
			return newErr("AccountNotRegisteredException")
		}
		return err
	}
	return s.deregisterDelegatedAdmin(tx, now, o, account, principal, true)
}
