package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// waitPeriod is how long an account created in an organization must wait
// before it may be removed or leave (WAIT_PERIOD_ACTIVE).
const waitPeriod = 4 * 24 * time.Hour

// member returns an account of the caller's organization, or
// AccountNotFoundException.
func (v *view) member(id string) (*accountRecord, error) {
	ok, err := store.Exists(v.tx, kMember(v.org.ID, id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, newErr("AccountNotFoundException")
	}
	return getAccount(v.tx, id, v.org.Partition)
}

func (v *view) accountOf(a *accountRecord) Account {
	return Account{
		Id:              a.ID,
		Arn:             v.org.accountARN(a.ID),
		Email:           a.Email,
		Name:            a.Name,
		Status:          AccountStatus(a.status()),
		State:           AccountState(a.State),
		JoinedMethod:    AccountJoinedMethod(a.JoinedMethod),
		JoinedTimestamp: a.JoinedTimestamp,
	}
}

// ListAccounts lists the organization's accounts.
func (s *Service) ListAccounts(ctx context.Context, in *ListAccountsRequest) (*ListAccountsResponse, error) {
	out := &ListAccountsResponse{Accounts: []Account{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListAccounts"); err != nil {
			return err
		}
		prefix := kMemberPrefix(v.org.ID)
		p, err := newPager("ListAccounts", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.Accounts = make([]Account, 0, p.capacity())
		var a accountRecord
		out.NextToken, err = p.page(v.tx, nil, func(k string, _ []byte) error {
			if err := readAccount(v.tx, k[len(prefix):], v.org.Partition, &a); err != nil {
				return err
			}
			out.Accounts = append(out.Accounts, v.accountOf(&a))
			return nil
		})
		return err
	})
	return out, err
}

// ListAccountsForParent lists the accounts directly under a root or OU.
func (s *Service) ListAccountsForParent(ctx context.Context, in *ListAccountsForParentRequest) (*ListAccountsForParentResponse, error) {
	out := &ListAccountsForParentResponse{Accounts: []Account{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListAccountsForParent"); err != nil {
			return err
		}
		if _, err := parentDepth(v, in.ParentId); err != nil {
			return err
		}
		prefix := kChildPrefix(v.org.ID, in.ParentId) + childAccount + "/"
		p, err := newPager("ListAccountsForParent", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.Accounts = make([]Account, 0, p.capacity())
		var a accountRecord
		out.NextToken, err = p.page(v.tx, nil, func(k string, _ []byte) error {
			if err := readAccount(v.tx, k[len(prefix):], v.org.Partition, &a); err != nil {
				return err
			}
			out.Accounts = append(out.Accounts, v.accountOf(&a))
			return nil
		})
		return err
	})
	return out, err
}

// DescribeAccount returns one account of the organization.
func (s *Service) DescribeAccount(ctx context.Context, in *DescribeAccountRequest) (*DescribeAccountResponse, error) {
	var out *DescribeAccountResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("DescribeAccount"); err != nil {
			return err
		}
		a, err := v.member(in.AccountId)
		if err != nil {
			return err
		}
		acct := v.accountOf(a)
		out = &DescribeAccountResponse{Account: &acct}
		return nil
	})
	return out, err
}

// MoveAccount moves an account between the root and OUs.
func (s *Service) MoveAccount(ctx context.Context, in *MoveAccountRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		if _, err := parentDepth(v, in.SourceParentId); err != nil {
			return newErr("SourceParentNotFoundException")
		}
		if _, err := parentDepth(v, in.DestinationParentId); err != nil {
			return newErr("DestinationParentNotFoundException")
		}
		a, err := v.member(in.AccountId)
		if err != nil {
			return err
		}
		if a.ParentID != in.SourceParentId {
			return newErr("AccountNotFoundException")
		}
		if in.DestinationParentId == a.ParentID {
			return newErr("DuplicateAccountException")
		}
		if err := v.tx.Delete(kChild(v.org.ID, a.ParentID, childAccount, a.ID)); err != nil {
			return err
		}
		if err := v.tx.Put(kChild(v.org.ID, in.DestinationParentId, childAccount, a.ID), nil); err != nil {
			return err
		}
		a.ParentID = in.DestinationParentId
		return putAccount(v.tx, a)
	})
}

// canLeave checks the rules every way out of an organization shares.
func (v *view) canLeave(a *accountRecord) error {
	if a.ID == v.org.MasterAccountID {
		return newErr("MasterCannotLeaveOrganizationException")
	}
	da, err := isDelegatedAdmin(v.tx, v.org.ID, a.ID)
	if err != nil {
		return err
	}
	if da {
		return errConstraint("CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")
	}
	if a.CreatedByOrg == v.org.ID && v.now.Before(a.Created.Add(waitPeriod)) {
		return errConstraint("WAIT_PERIOD_ACTIVE")
	}
	return nil
}

// isDelegatedAdmin reports whether account is a delegated administrator
// of any service in the organization.
func isDelegatedAdmin(tx store.Tx, org, account string) (bool, error) {
	return store.Exists(tx, kDelegatedAccountPrefix(org)+account)
}

// removeMember takes an account out of the organization: it becomes a
// standalone account; its tags and policy attachments are deleted; its
// roles (service-linked ones included) stay. Trusted services hear of it.
func (s *Service) removeMember(v *view, a *accountRecord) error {
	if err := s.emitToEnabled(v.tx, v.now, v.org, trusted.AccountLeft, a.ID); err != nil {
		return err
	}
	o := v.org.ID
	for _, k := range []string{kMember(o, a.ID), kChild(o, a.ParentID, childAccount, a.ID)} {
		if err := v.tx.Delete(k); err != nil {
			return err
		}
	}
	if err := detachAll(v.tx, o, a.ID); err != nil {
		return err
	}
	if err := deleteTags(v.tx, o, a.ID); err != nil {
		return err
	}
	a.leaveOrg()
	if err := putAccount(v.tx, a); err != nil {
		return err
	}
	v.org.Accounts--
	return putOrg(v.tx, v.org)
}

// RemoveAccountFromOrganization removes a member account.
func (s *Service) RemoveAccountFromOrganization(ctx context.Context, in *RemoveAccountFromOrganizationRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		a, err := v.member(in.AccountId)
		if err != nil {
			return err
		}
		if err := v.canLeave(a); err != nil {
			return err
		}
		return s.removeMember(v, a)
	})
}

// CloseAccount closes a member account: PENDING_CLOSURE now, SUSPENDED
// once the closure job has run. A closed account stays in the
// organization.
func (s *Service) CloseAccount(ctx context.Context, in *CloseAccountRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		a, err := v.member(in.AccountId)
		if err != nil {
			return err
		}
		if a.ID == v.org.MasterAccountID {
			return errConstraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT")
		}
		if a.State != "ACTIVE" {
			return newErr("AccountAlreadyClosedException")
		}
		if da, err := isDelegatedAdmin(v.tx, v.org.ID, a.ID); err != nil {
			return err
		} else if da {
			return errConstraint("CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")
		}
		a.State = "PENDING_CLOSURE"
		a.ClosedAt = v.now
		if err := putAccount(v.tx, a); err != nil {
			return err
		}
		_, err = s.opt.Jobs.Enqueue(v.tx, jobCloseAccount, closeAccountJob{Account: a.ID}, v.now, v.now.Add(s.opt.CloseAccountDelay))
		return err
	})
}

type closeAccountJob struct {
	Account string `json:"account"`
}

func (s *Service) runCloseAccount(_ context.Context, tx store.Tx, _ time.Time, job *jobs.Job) error {
	var p closeAccountJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	var a accountRecord
	if err := store.GetJSON(tx, kAccount(p.Account), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	if a.State != "PENDING_CLOSURE" {
		return nil
	}
	a.State = "SUSPENDED"
	return store.PutJSON(tx, kAccount(a.ID), &a)
}
