package iam

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout of users:
//
//	iam/<account>/user/<lower-case user name>   userRecord
//	iam/<account>/root                          rootRecord (the root user's access keys)
//
// User names are unique in an account whatever their letter case, as
// role names are.
func kUserPrefix(account string) string { return "iam/" + account + "/user/" }
func kUser(account, name string) string {
	return kUserPrefix(account) + strings.ToLower(name)
}
func kRoot(account string) string { return "iam/" + account + "/root" }

type userRecord struct {
	Name                string            `json:"name"`
	ID                  string            `json:"id"`
	Path                string            `json:"path"`
	ARN                 string            `json:"arn"`
	Created             time.Time         `json:"created"`
	Tags                []Tag             `json:"tags,omitempty"`
	InlinePolicies      map[string]string `json:"inlinePolicies,omitempty"`
	ManagedPolicies     []string          `json:"managedPolicies,omitempty"`
	PermissionsBoundary string            `json:"permissionsBoundary,omitempty"`
	// AccessKeys are the ids of the user's keys (records under iamkey/).
	AccessKeys []string `json:"accessKeys,omitempty"`
}

// rootRecord is what IAM keeps of an account's root user: its access
// keys. A missing record is a root user without keys.
type rootRecord struct {
	AccessKeys []string `json:"accessKeys,omitempty"`
}

func newUserID() string { return "AIDA" + orgstack.RandomString(orgstack.UpperAlnum, 17) }

func userARN(partition, account, path, name string) string {
	return "arn:" + partition + ":iam::" + account + ":user" + path + name
}

func rootARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

func getUser(tx store.Tx, account, name string) (*userRecord, error) {
	var u userRecord
	if err := userCache.Get(tx, kUser(account, name), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func putUser(tx store.Tx, account string, u *userRecord) error {
	return store.PutJSON(tx, kUser(account, u.Name), u)
}

// userOf returns a user of account or NoSuchEntity
// (github.com/ansible/ansible issue 45593).
func userOf(tx store.Tx, account, name string) (*userRecord, error) {
	u, err := getUser(tx, account, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchEntity("The user with name " + name + " cannot be found.")
	}
	return u, err
}

func getRoot(tx store.Tx, account string) (*rootRecord, error) {
	var r rootRecord
	err := store.GetJSON(tx, kRoot(account), &r)
	if errors.Is(err, store.ErrNotFound) {
		return &r, nil
	}
	return &r, err
}

// callerUserName is the name of the IAM user a caller acts as, "" for
// any other caller.
func callerUserName(c orgstack.Caller) string {
	if c.Type != orgstack.PrincipalUser {
		return ""
	}
	return c.ARN[strings.LastIndexByte(c.ARN, '/')+1:]
}

// errNeedUserName is IAM's answer to an operation on "the caller's own
// user" from a caller that is not a user (unconfirmed text, remembered
// from GetUser with role credentials).
func errNeedUserName() error {
	return errValidation("Must specify userName when calling with non-User credentials")
}

// api renders a user. full adds what only GetUser and CreateUser return:
// tags and the permissions boundary.
func (u *userRecord) api(full bool) User {
	out := User{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: u.Created}
	if full {
		out.Tags = append([]Tag{}, u.Tags...)
		if u.PermissionsBoundary != "" {
			out.PermissionsBoundary = &AttachedPermissionsBoundary{PermissionsBoundaryType: PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy, PermissionsBoundaryArn: u.PermissionsBoundary}
		}
	}
	return out
}

// CreateUser creates a user in the caller's account.
func (s *Service) CreateUser(ctx context.Context, in *CreateUserRequest) (*CreateUserResponse, error) {
	var out *CreateUserResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		if ok, err := store.Exists(tx, kUser(c.AccountID, in.UserName)); err != nil {
			return err
		} else if ok {
			// github.com/ucopacme/aws-orgs issue 12.
			return errEntityAlreadyExists("User with name " + in.UserName + " already exists.")
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		path := in.Path
		if path == "" {
			path = "/"
		}
		u := &userRecord{
			Name: in.UserName, ID: newUserID(), Path: path, ARN: userARN(c.Partition(), c.AccountID, path, in.UserName),
			Created: now, Tags: in.Tags,
		}
		if in.PermissionsBoundary != "" {
			p, err := boundaryPolicy(tx, c.AccountID, in.PermissionsBoundary)
			if err != nil {
				return err
			}
			u.PermissionsBoundary = p.ARN
		}
		if err := putUser(tx, c.AccountID, u); err != nil {
			return err
		}
		user := u.api(true)
		out = &CreateUserResponse{User: &user}
		return nil
	})
	return out, err
}

// GetUser describes a user of the caller's account. Without UserName it
// describes the caller: an IAM user gets its own user, the root user an
// answer with the account id as UserId and the root ARN, as IAM gives
// it; other callers must name a user.
func (s *Service) GetUser(ctx context.Context, in *GetUserRequest) (*GetUserResponse, error) {
	var out *GetUserResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		name := in.UserName
		if name == "" {
			if c.IsRoot() {
				out = &GetUserResponse{User: &User{UserId: c.AccountID, Arn: rootARN(c.Partition(), c.AccountID)}}
				return nil
			}
			if name = callerUserName(c); name == "" {
				return errNeedUserName()
			}
		}
		u, err := userOf(tx, c.AccountID, name)
		if err != nil {
			return err
		}
		user := u.api(true)
		out = &GetUserResponse{User: &user}
		return nil
	})
	return out, err
}

// ListUsers lists the caller's users in name order, optionally only those
// whose path starts with PathPrefix. As in IAM, listed users carry
// neither tags nor permissions boundary.
func (s *Service) ListUsers(ctx context.Context, in *ListUsersRequest) (*ListUsersResponse, error) {
	out := &ListUsersResponse{Users: []User{}}
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		p, err := newPager(kUserPrefix(c.AccountID), in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		var u userRecord
		next, err := p.page(tx, func(_ string, v []byte) (bool, error) {
			u = userRecord{}
			if err := json.Unmarshal(v, &u); err != nil {
				return false, err
			}
			return in.PathPrefix == "" || strings.HasPrefix(u.Path, in.PathPrefix), nil
		}, func(string, []byte) error {
			out.Users = append(out.Users, u.api(false))
			return nil
		})
		if err != nil {
			return err
		}
		truncated := next != ""
		out.IsTruncated, out.Marker = &truncated, next
		return nil
	})
	return out, err
}

// UpdateUser renames a user or moves it to another path; its id, keys
// and policies stay.
func (s *Service) UpdateUser(ctx context.Context, in *UpdateUserRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		u, err := userOf(tx, c.AccountID, in.UserName)
		if err != nil {
			return err
		}
		oldKey := kUser(c.AccountID, u.Name)
		if in.NewUserName != "" && in.NewUserName != u.Name {
			if !strings.EqualFold(in.NewUserName, u.Name) {
				if ok, err := store.Exists(tx, kUser(c.AccountID, in.NewUserName)); err != nil {
					return err
				} else if ok {
					return errEntityAlreadyExists("User with name " + in.NewUserName + " already exists.")
				}
			}
			u.Name = in.NewUserName
			if err := renameKeyHolder(tx, u.AccessKeys, u.Name); err != nil {
				return err
			}
		}
		if in.NewPath != "" {
			u.Path = in.NewPath
		}
		a, err := orgstack.ParseARN(u.ARN)
		if err != nil {
			return err
		}
		u.ARN = userARN(a.Partition, c.AccountID, u.Path, u.Name)
		if err := tx.Delete(oldKey); err != nil {
			return err
		}
		return putUser(tx, c.AccountID, u)
	})
}

// DeleteUser deletes a user that has no access keys and no policies left
// (a permissions boundary does not hold it back).
func (s *Service) DeleteUser(ctx context.Context, in *DeleteUserRequest) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		u, err := userOf(tx, c.AccountID, in.UserName)
		if err != nil {
			return err
		}
		switch {
		case len(u.AccessKeys) > 0:
			// github.com/aws-controllers-k8s/community issue 2229.
			return errDeleteConflict("Cannot delete entity, must delete access keys first.")
		case len(u.InlinePolicies) > 0:
			return errDeleteConflict("Cannot delete entity, must delete policies first.")
		case len(u.ManagedPolicies) > 0:
			return errDeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		return tx.Delete(kUser(c.AccountID, u.Name))
	})
}

// changeUser loads a user of the caller's account, applies change and
// stores the result, in one transaction.
func (s *Service) changeUser(ctx context.Context, name string, change func(tx store.Tx, c orgstack.Caller, u *userRecord) error) error {
	return s.write(ctx, func(tx store.Tx, c orgstack.Caller, _ time.Time) error {
		u, err := userOf(tx, c.AccountID, name)
		if err != nil {
			return err
		}
		if err := change(tx, c, u); err != nil {
			return err
		}
		return putUser(tx, c.AccountID, u)
	})
}

// TagUser adds or replaces tags on a user; keys match whatever their
// letter case.
func (s *Service) TagUser(ctx context.Context, in *TagUserRequest) error {
	return s.changeUser(ctx, in.UserName, func(_ store.Tx, _ orgstack.Caller, u *userRecord) error {
		tags, err := mergeTags(u.Tags, in.Tags)
		if err != nil {
			return err
		}
		u.Tags = tags
		return nil
	})
}

// UntagUser removes tags from a user; keys it does not have are ignored.
func (s *Service) UntagUser(ctx context.Context, in *UntagUserRequest) error {
	return s.changeUser(ctx, in.UserName, func(_ store.Tx, _ orgstack.Caller, u *userRecord) error {
		u.Tags = dropTags(u.Tags, in.TagKeys)
		return nil
	})
}

// ListUserTags lists a user's tags in one page (a user has at most 50).
func (s *Service) ListUserTags(ctx context.Context, in *ListUserTagsRequest) (*ListUserTagsResponse, error) {
	var out *ListUserTagsResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		u, err := userOf(tx, c.AccountID, in.UserName)
		if err != nil {
			return err
		}
		f := false
		out = &ListUserTagsResponse{Tags: append([]Tag{}, u.Tags...), IsTruncated: &f}
		return nil
	})
	return out, err
}

// PutUserPermissionsBoundary sets a user's permissions boundary to a
// managed policy, AWS-managed or customer-managed, replacing any other.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *PutUserPermissionsBoundaryRequest) error {
	return s.changeUser(ctx, in.UserName, func(tx store.Tx, c orgstack.Caller, u *userRecord) error {
		p, err := boundaryPolicy(tx, c.AccountID, in.PermissionsBoundary)
		if err != nil {
			return err
		}
		if p.Document != "" {
			if _, err := checkDocument(p.Document, policy.KindBoundary); err != nil {
				return err
			}
		}
		u.PermissionsBoundary = p.ARN
		return nil
	})
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *DeleteUserPermissionsBoundaryRequest) error {
	return s.changeUser(ctx, in.UserName, func(_ store.Tx, _ orgstack.Caller, u *userRecord) error {
		if u.PermissionsBoundary == "" {
			return errNoSuchEntity("The user " + u.Name + " has no permissions boundary.") // unconfirmed
		}
		u.PermissionsBoundary = ""
		return nil
	})
}
