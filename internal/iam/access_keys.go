package iam

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout of access keys:
//
//	iamkey/<AccessKeyId>   keyRecord
//
// Keys of every account share one index, so that the server finds the
// principal behind a request's key in one read; the user (or the
// account's root record) lists the ids of its keys.
func kKey(id string) string { return "iamkey/" + id }

type keyRecord struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	// User is the name of the user the key belongs to, "" for the
	// account's root user.
	User string `json:"user,omitempty"`
	// Partition is the partition of the region the key was created in,
	// which the root user's ARN names.
	Partition string     `json:"partition"`
	Secret    string     `json:"secret"`
	Status    StatusType `json:"status"`
	Created   time.Time  `json:"created"`
}

// maxAccessKeys is IAM's quota of access keys per user (and per root
// user), active or not.
const maxAccessKeys = 2

// secretAlphabet is what secret access keys are made of.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"

func newAccessKeyID() string { return "AKIA" + orgstack.RandomString(orgstack.UpperAlnum, 16) }

func newSecret() string { return orgstack.RandomString(secretAlphabet, 40) }

// Credential is what the server needs to authenticate a request signed
// with an IAM access key.
type Credential struct {
	Caller orgstack.Caller // the user (Type PrincipalUser, ARN, UserID = the user's id) or the root user (Type PrincipalRoot)
	Secret string
	Active bool
}

// AccessKey looks up an access key issued by IAM (root or user keys).
// found is false for unknown keys, including keys whose user is gone.
// For a user's key the Caller carries the account, the user's current
// ARN (with its path) and id; for a root key the account's root ARN and
// the account id as UserID. AccessKeyID is set; Region is left to the
// caller. Inactive keys are found with Active false: refusing them is the
// server's decision. It reads in its own transaction and is safe for
// concurrent use.
func (s *Service) AccessKey(ctx context.Context, accessKeyID string) (cred Credential, found bool, err error) {
	err = s.opt.Store.View(ctx, func(tx store.Tx) error {
		var k keyRecord
		if err := store.GetJSON(tx, kKey(accessKeyID), &k); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		c := orgstack.Caller{AccountID: k.Account, AccessKeyID: k.ID}
		if k.User == "" {
			c.ARN, c.UserID, c.Type = rootARN(k.Partition, k.Account), k.Account, orgstack.PrincipalRoot
		} else {
			u, err := getUser(tx, k.Account, k.User)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			c.ARN, c.UserID, c.Type = u.ARN, u.ID, orgstack.PrincipalUser
		}
		cred, found = Credential{Caller: c, Secret: k.Secret, Active: k.Status == StatusTypeActive}, true
		return nil
	})
	return cred, found, err
}

// keyHolder is whose access keys an operation works on: a user, or the
// account's root user.
type keyHolder struct {
	account string
	user    *userRecord // nil for the root user
	root    *rootRecord
}

// holderOf resolves the UserName of an access-key operation: the named
// user, or without a name the caller itself (its own user, or the root
// user for root callers).
func holderOf(tx store.Tx, c orgstack.Caller, userName string) (*keyHolder, error) {
	if userName == "" {
		if c.IsRoot() {
			r, err := getRoot(tx, c.AccountID)
			return &keyHolder{account: c.AccountID, root: r}, err
		}
		if userName = callerUserName(c); userName == "" {
			return nil, errNeedUserName()
		}
	}
	u, err := userOf(tx, c.AccountID, userName)
	if err != nil {
		return nil, err
	}
	return &keyHolder{account: c.AccountID, user: u}, nil
}

func (h *keyHolder) keys() []string {
	if h.user != nil {
		return h.user.AccessKeys
	}
	return h.root.AccessKeys
}

func (h *keyHolder) setKeys(ids []string) {
	if h.user != nil {
		h.user.AccessKeys = ids
	} else {
		h.root.AccessKeys = ids
	}
}

// userName is the holder's user name, "" for the root user.
func (h *keyHolder) userName() string {
	if h.user != nil {
		return h.user.Name
	}
	return ""
}

func (h *keyHolder) save(tx store.Tx) error {
	if h.user != nil {
		return putUser(tx, h.account, h.user)
	}
	return store.PutJSON(tx, kRoot(h.account), h.root)
}

// key returns one of the holder's keys, or NoSuchEntity (the text is
// quoted from IAM in the paws R SDK's documentation of DeleteAccessKey).
func (h *keyHolder) key(tx store.Tx, id string) (*keyRecord, error) {
	notFound := errNoSuchEntity("The Access Key with id " + id + " cannot be found.")
	if !slices.Contains(h.keys(), id) {
		return nil, notFound
	}
	var k keyRecord
	if err := store.GetJSON(tx, kKey(id), &k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound
		}
		return nil, err
	}
	return &k, nil
}

// renameKeyHolder records a user's new name in its keys.
func renameKeyHolder(tx store.Tx, ids []string, name string) error {
	for _, id := range ids {
		var k keyRecord
		if err := store.GetJSON(tx, kKey(id), &k); err != nil {
			return err
		}
		k.User = name
		if err := store.PutJSON(tx, kKey(id), &k); err != nil {
			return err
		}
	}
	return nil
}

// CreateAccessKey creates an active access key for a user, or without
// UserName for the caller: its own user, or the account's root user when
// the root user calls. The secret is returned only here. A user (and the
// root user) has at most two keys, active or not.
func (s *Service) CreateAccessKey(ctx context.Context, in *CreateAccessKeyRequest) (*CreateAccessKeyResponse, error) {
	var out *CreateAccessKeyResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		h, err := holderOf(tx, c, in.UserName)
		if err != nil {
			return err
		}
		if len(h.keys()) >= maxAccessKeys {
			// github.com/bartekj/aws-tools issue 29.
			return errLimitExceeded("Cannot exceed quota for AccessKeysPerUser: " + strconv.Itoa(maxAccessKeys))
		}
		id := newAccessKeyID()
		for {
			taken, err := store.Exists(tx, kKey(id))
			if err != nil {
				return err
			}
			if !taken {
				break
			}
			id = newAccessKeyID()
		}
		k := &keyRecord{ID: id, Account: c.AccountID, User: h.userName(), Partition: c.Partition(), Secret: newSecret(), Status: StatusTypeActive, Created: now}
		if err := store.PutJSON(tx, kKey(id), k); err != nil {
			return err
		}
		h.setKeys(append(h.keys(), id))
		if err := h.save(tx); err != nil {
			return err
		}
		out = &CreateAccessKeyResponse{AccessKey: &AccessKey{UserName: k.User, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: k.Created}}
		return nil
	})
	return out, err
}

// DeleteAccessKey deletes one of a user's keys (or the caller's own, as
// in CreateAccessKey). Requests signed with it fail from then on.
func (s *Service) DeleteAccessKey(ctx context.Context, in *DeleteAccessKeyRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		h, err := holderOf(tx, c, in.UserName)
		if err != nil {
			return err
		}
		if _, err := h.key(tx, in.AccessKeyId); err != nil {
			return err
		}
		if err := tx.Delete(kKey(in.AccessKeyId)); err != nil {
			return err
		}
		h.setKeys(slices.DeleteFunc(slices.Clone(h.keys()), func(id string) bool { return id == in.AccessKeyId }))
		return h.save(tx)
	})
}

// UpdateAccessKey makes a key Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, in *UpdateAccessKeyRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		if in.Status != StatusTypeActive && in.Status != StatusTypeInactive {
			return errValidation("Invalid status: " + string(in.Status) + ". Valid values are Active and Inactive.") // unconfirmed
		}
		h, err := holderOf(tx, c, in.UserName)
		if err != nil {
			return err
		}
		k, err := h.key(tx, in.AccessKeyId)
		if err != nil {
			return err
		}
		k.Status = in.Status
		return store.PutJSON(tx, kKey(k.ID), k)
	})
}

// ListAccessKeys lists a user's keys (or the caller's own, as in
// CreateAccessKey) in key id order, without their secrets.
func (s *Service) ListAccessKeys(ctx context.Context, in *ListAccessKeysRequest) (*ListAccessKeysResponse, error) {
	var out *ListAccessKeysResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		h, err := holderOf(tx, c, in.UserName)
		if err != nil {
			return err
		}
		ids := slices.Sorted(slices.Values(h.keys()))
		page, marker, err := pageStrings(ids, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		truncated := marker != ""
		out = &ListAccessKeysResponse{AccessKeyMetadata: []AccessKeyMetadata{}, IsTruncated: &truncated, Marker: marker}
		for _, id := range page {
			k, err := h.key(tx, id)
			if err != nil {
				return err
			}
			out.AccessKeyMetadata = append(out.AccessKeyMetadata, AccessKeyMetadata{UserName: k.User, AccessKeyId: k.ID, Status: k.Status, CreateDate: k.Created})
		}
		return nil
	})
	return out, err
}

// GetAccessKeyLastUsed reports when a key of the caller's account was
// last used. orgstack does not track use yet, so every key reports what
// IAM reports for a key never used: no date, "N/A" as region and service
// (IAM API Reference, AccessKeyLastUsed). Keys of other accounts are not
// found (unconfirmed).
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, in *GetAccessKeyLastUsedRequest) (*GetAccessKeyLastUsedResponse, error) {
	var out *GetAccessKeyLastUsedResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		var k keyRecord
		err := store.GetJSON(tx, kKey(in.AccessKeyId), &k)
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.Account != c.AccountID) {
			return errNoSuchEntity("The Access Key with id " + in.AccessKeyId + " cannot be found.")
		}
		if err != nil {
			return err
		}
		out = &GetAccessKeyLastUsedResponse{UserName: k.User, AccessKeyLastUsed: &AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}}
		return nil
	})
	return out, err
}
