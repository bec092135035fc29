package organizations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// defaultAccessRole is the role CreateAccount puts in a new account when
// the request names none.
const defaultAccessRole = "OrganizationAccountAccessRole"

type createAccountRecord struct {
	ID                     string    `json:"id"`
	OrgID                  string    `json:"orgId"`
	AccountName            string    `json:"accountName"`
	Email                  string    `json:"email"`
	RoleName               string    `json:"roleName"`
	IamUserAccessToBilling string    `json:"iamUserAccessToBilling"`
	Tags                   []Tag     `json:"tags,omitempty"`
	State                  string    `json:"state"`
	FailureReason          string    `json:"failureReason,omitempty"`
	AccountID              string    `json:"accountId,omitempty"`
	Requested              time.Time `json:"requested"`
	Completed              time.Time `json:"completed,omitzero"`
	// Reserved is true when the request holds a slot of the account quota.
	Reserved bool `json:"reserved"`
}

func (r *createAccountRecord) status() *CreateAccountStatus {
	return &CreateAccountStatus{
		Id:                 r.ID,
		AccountName:        r.AccountName,
		State:              CreateAccountState(r.State),
		RequestedTimestamp: r.Requested,
		CompletedTimestamp: r.Completed,
		AccountId:          r.AccountID,
		FailureReason:      CreateAccountFailureReason(r.FailureReason),
	}
}

func kCARTime(o string, t time.Time, id string) string {
	return fmt.Sprintf("%s%020d/%s", kCARTimePrefix(o), t.UnixNano(), id)
}

// CreateAccount starts creating a member account. The request is answered
// at once with State IN_PROGRESS; a job finishes it after
// Options.CreateAccountDelay (or, without a delay, the request's own
// transaction does) as SUCCEEDED, or as FAILED with a reason
// (EMAIL_ALREADY_EXISTS, ACCOUNT_LIMIT_EXCEEDED).
func (s *Service) CreateAccount(ctx context.Context, in *CreateAccountRequest) (*CreateAccountResponse, error) {
	var out *CreateAccountResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		role := in.RoleName
		if role == "" {
			role = defaultAccessRole
		}
		if strings.HasPrefix(role, "AWSServiceRoleFor") {
			return errInvalid("INVALID_ROLE_NAME")
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		billing := string(in.IamUserAccessToBilling)
		if billing == "" {
			billing = "ALLOW"
		}
		id, err := newID(v.tx, func(id string) string { return kCAR(v.org.ID, id) }, func() string {
			return "car-" + orgstack.RandomString("0123456789abcdef", 32)
		})
		if err != nil {
			return err
		}
		r := &createAccountRecord{
			ID: id, OrgID: v.org.ID, AccountName: in.AccountName, Email: in.Email, RoleName: role,
			IamUserAccessToBilling: billing, Tags: in.Tags, State: "IN_PROGRESS", Requested: v.now,
		}
		pending, err := pendingInvitations(v.tx, v.org.ID, v.now)
		if err != nil {
			return err
		}
		if v.org.Accounts+pending < s.opt.MaxAccounts {
			r.Reserved = true
			v.org.Accounts++
			if err := putOrg(v.tx, v.org); err != nil {
				return err
			}
		}
		if err := store.PutJSON(v.tx, kCAR(v.org.ID, id), r); err != nil {
			return err
		}
		if err := v.tx.Put(kCARTime(v.org.ID, v.now, id), []byte(id)); err != nil {
			return err
		}
		// The answer says IN_PROGRESS, as AWS's always does.
		out = &CreateAccountResponse{CreateAccountStatus: r.status()}
		if s.opt.CreateAccountDelay <= 0 {
			// Without a delay the request finishes in its own
			// transaction: the first DescribeCreateAccountStatus sees
			// the outcome, and no job costs a commit of its own.
			return s.finishCreateAccount(v.tx, v.now, v.org.ID, id)
		}
		_, err = s.opt.Jobs.Enqueue(v.tx, jobCreateAccount, createAccountJob{Org: v.org.ID, Request: id}, v.now, v.now.Add(s.opt.CreateAccountDelay))
		return err
	})
	return out, err
}

type createAccountJob struct {
	Org     string `json:"org"`
	Request string `json:"request"`
}

// runCreateAccount finishes a CreateAccount request after
// Options.CreateAccountDelay.
func (s *Service) runCreateAccount(_ context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	var p createAccountJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	return s.finishCreateAccount(tx, now, p.Org, p.Request)
}

// finishCreateAccount finishes the CreateAccount request reqID of
// organization orgID, if it is still in progress: the account is created
// (SUCCEEDED), or the request FAILED with a reason.
func (s *Service) finishCreateAccount(tx store.Tx, now time.Time, orgID, reqID string) error {
	p := createAccountJob{Org: orgID, Request: reqID}
	var r createAccountRecord
	if err := store.GetJSON(tx, kCAR(p.Org, p.Request), &r); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil // the organization is gone
		}
		return err
	}
	if r.State != "IN_PROGRESS" {
		return nil
	}
	o, err := getOrg(tx, p.Org)
	if err != nil {
		return err
	}
	fail := func(reason string) error {
		r.State, r.FailureReason, r.Completed = "FAILED", reason, now
		if r.Reserved {
			o.Accounts--
			if err := putOrg(tx, o); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, kCAR(p.Org, r.ID), &r)
	}
	if !r.Reserved {
		return fail("ACCOUNT_LIMIT_EXCEEDED")
	}
	if taken, err := emailTaken(tx, r.Email); err != nil {
		return err
	} else if taken {
		return fail("EMAIL_ALREADY_EXISTS")
	}
	id, err := newID(tx, kAccount, orgstack.NewAccountID)
	if err != nil {
		return err
	}
	a := &accountRecord{
		ID: id, Email: r.Email, Name: r.AccountName, Partition: o.Partition, State: "ACTIVE",
		OrgID: o.ID, ParentID: o.RootID, JoinedMethod: "CREATED", JoinedTimestamp: now,
		CreatedByOrg: o.ID, Created: now,
	}
	if err := putAccount(tx, a); err != nil {
		return err
	}
	if err := tx.Put(kMember(o.ID, id), nil); err != nil {
		return err
	}
	if err := tx.Put(kChild(o.ID, o.RootID, childAccount, id), nil); err != nil {
		return err
	}
	if o.policyTypeEnabled(typeSCP) {
		if err := attach(tx, o.ID, fullAWSAccessID, id); err != nil {
			return err
		}
	}
	if err := putTags(tx, o.ID, id, r.Tags); err != nil {
		return err
	}
	if err := s.opt.Roles.CreateAccountAccessRole(tx, now, o.Partition, id, r.RoleName, o.MasterAccountID); err != nil {
		return err
	}
	if _, err := s.opt.Roles.EnsureServiceLinkedRole(tx, now, o.Partition, id, OrganizationsSLR); err != nil {
		return err
	}
	if err := s.emitToEnabled(tx, now, o, trusted.AccountJoined, id); err != nil {
		return err
	}
	r.State, r.AccountID, r.Completed = "SUCCEEDED", id, now
	return store.PutJSON(tx, kCAR(p.Org, r.ID), &r)
}

// DescribeCreateAccountStatus returns one CreateAccount request.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, in *DescribeCreateAccountStatusRequest) (*DescribeCreateAccountStatusResponse, error) {
	var out *DescribeCreateAccountStatusResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("DescribeCreateAccountStatus"); err != nil {
			return err
		}
		var r createAccountRecord
		if err := store.GetJSON(v.tx, kCAR(v.org.ID, in.CreateAccountRequestId), &r); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return newErr("CreateAccountStatusNotFoundException")
			}
			return err
		}
		out = &DescribeCreateAccountStatusResponse{CreateAccountStatus: r.status()}
		return nil
	})
	return out, err
}

// ListCreateAccountStatus lists CreateAccount requests, oldest first,
// optionally only those in the given states.
func (s *Service) ListCreateAccountStatus(ctx context.Context, in *ListCreateAccountStatusRequest) (*ListCreateAccountStatusResponse, error) {
	out := &ListCreateAccountStatusResponse{CreateAccountStatuses: []CreateAccountStatus{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListCreateAccountStatus"); err != nil {
			return err
		}
		p, err := newPager("ListCreateAccountStatus", kCARTimePrefix(v.org.ID), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		var current createAccountRecord
		load := func(id []byte) error {
			current = createAccountRecord{}
			return store.GetJSON(v.tx, kCAR(v.org.ID, string(id)), &current)
		}
		var filter func(string, []byte) (bool, error)
		if len(in.States) > 0 {
			filter = func(_ string, id []byte) (bool, error) {
				if err := load(id); err != nil {
					return false, err
				}
				for _, st := range in.States {
					if string(st) == current.State {
						return true, nil
					}
				}
				return false, nil
			}
		}
		out.NextToken, err = p.page(v.tx, filter, func(_ string, id []byte) error {
			if filter == nil {
				if err := load(id); err != nil {
					return err
				}
			}
			out.CreateAccountStatuses = append(out.CreateAccountStatuses, *current.status())
			return nil
		})
		return err
	})
	return out, err
}
