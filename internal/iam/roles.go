package iam

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/paging"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout:
//
//	iam/<account>/role/<lower-case role name>   roleRecord
func kRolePrefix(account string) string { return "iam/" + account + "/role/" }
func kRole(account, name string) string {
	return kRolePrefix(account) + strings.ToLower(name)
}

type roleRecord struct {
	Name                string            `json:"name"`
	ID                  string            `json:"id"`
	Path                string            `json:"path"`
	ARN                 string            `json:"arn"`
	Created             time.Time         `json:"created"`
	AssumeRolePolicy    string            `json:"assumeRolePolicy"`
	Description         string            `json:"description,omitempty"`
	MaxSessionDuration  int32             `json:"maxSessionDuration"`
	Tags                []Tag             `json:"tags,omitempty"`
	ManagedPolicies     []string          `json:"managedPolicies,omitempty"`
	InlinePolicies      map[string]string `json:"inlinePolicies,omitempty"`
	PermissionsBoundary string            `json:"permissionsBoundary,omitempty"`
	// ServicePrincipal is set on service-linked roles: the service that
	// owns the role (and that it trusts).
	ServicePrincipal string `json:"servicePrincipal,omitempty"`
}

func newRoleID() string { return "AROA" + orgstack.RandomString(orgstack.UpperAlnum, 17) }

func roleARN(partition, account, path, name string) string {
	return "arn:" + partition + ":iam::" + account + ":role" + path + name
}

func trustService(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

func trustAccount(partition, account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:` + partition + `:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
}

const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func getRole(tx store.Tx, account, name string) (*roleRecord, error) {
	var r roleRecord
	if err := roleCache.Get(tx, kRole(account, name), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func putRole(tx store.Tx, account string, r *roleRecord) error {
	return store.PutJSON(tx, kRole(account, r.Name), r)
}

// HasRole implements organizations.Roles.
func (s *Service) HasRole(tx store.Tx, account, roleName string) (bool, error) {
	return store.Exists(tx, kRole(account, roleName))
}

// CreateAccountAccessRole implements organizations.Roles: the role a new
// member account gets, trusting the management account, with an inline
// AdministratorAccess policy.
func (s *Service) CreateAccountAccessRole(tx store.Tx, now time.Time, partition, account, roleName, trustedAccount string) error {
	if ok, err := s.HasRole(tx, account, roleName); err != nil || ok {
		return err
	}
	return putRole(tx, account, &roleRecord{
		Name: roleName, ID: newRoleID(), Path: "/", ARN: roleARN(partition, account, "/", roleName),
		Created: now.Truncate(time.Second), AssumeRolePolicy: trustAccount(partition, trustedAccount), MaxSessionDuration: 3600,
		InlinePolicies: map[string]string{"AdministratorAccess": adminPolicy},
	})
}

// EnsureServiceLinkedRole implements organizations.Roles.
func (s *Service) EnsureServiceLinkedRole(tx store.Tx, now time.Time, partition, account string, slr orgstack.ServiceLinkedRole) (bool, error) {
	if ok, err := s.HasRole(tx, account, slr.RoleName); err != nil || ok {
		return false, err
	}
	path := "/aws-service-role/" + slr.ServicePrincipal + "/"
	err := putRole(tx, account, &roleRecord{
		Name: slr.RoleName, ID: newRoleID(), Path: path, ARN: roleARN(partition, account, path, slr.RoleName),
		Created: now.Truncate(time.Second), AssumeRolePolicy: trustService(slr.ServicePrincipal), Description: slr.Description,
		MaxSessionDuration: 3600, ManagedPolicies: slr.PolicyARNs, ServicePrincipal: slr.ServicePrincipal,
	})
	return err == nil, err
}

func (r *roleRecord) api(full bool) Role {
	out := Role{
		Path:                     r.Path,
		RoleName:                 r.Name,
		RoleId:                   r.ID,
		Arn:                      r.ARN,
		CreateDate:               r.Created,
		AssumeRolePolicyDocument: r.AssumeRolePolicy,
		Description:              r.Description,
		MaxSessionDuration:       &r.MaxSessionDuration,
	}
	if r.PermissionsBoundary != "" {
		out.PermissionsBoundary = &AttachedPermissionsBoundary{PermissionsBoundaryType: PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy, PermissionsBoundaryArn: r.PermissionsBoundary}
	}
	if full {
		out.Tags = r.Tags
		out.RoleLastUsed = &RoleLastUsed{}
	}
	return out
}

// GetRole returns a role of the caller's account.
func (s *Service) GetRole(ctx context.Context, in *GetRoleRequest) (*GetRoleResponse, error) {
	var out *GetRoleResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		r, err := getRole(tx, c.AccountID, in.RoleName)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("The role with name " + in.RoleName + " cannot be found.")
		}
		if err != nil {
			return err
		}
		role := r.api(true)
		out = &GetRoleResponse{Role: &role}
		return nil
	})
	return out, err
}

// ListRoles lists the caller's roles in name order, optionally only those
// whose path starts with PathPrefix.
func (s *Service) ListRoles(ctx context.Context, in *ListRolesRequest) (*ListRolesResponse, error) {
	out := &ListRolesResponse{Roles: []Role{}}
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		prefix := kRolePrefix(c.AccountID)
		p, err := newPager(prefix, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		var r roleRecord
		next, err := p.page(tx, func(_ string, v []byte) (bool, error) {
			r = roleRecord{}
			if err := json.Unmarshal(v, &r); err != nil {
				return false, err
			}
			return in.PathPrefix == "" || strings.HasPrefix(r.Path, in.PathPrefix), nil
		}, func(string, []byte) error {
			out.Roles = append(out.Roles, r.api(false))
			return nil
		})
		if err != nil {
			return err
		}
		truncated := next != ""
		out.IsTruncated = &truncated
		out.Marker = next
		return nil
	})
	return out, err
}

// pager pages an IAM listing with Marker/MaxItems.
type pager struct {
	prefix, after string
	limit         int
}

const defaultMaxItems = 100

func newPager(prefix, marker string, maxItems *int32) (*pager, error) {
	p := &pager{prefix: prefix, limit: defaultMaxItems}
	if maxItems != nil {
		p.limit = int(*maxItems)
	}
	if marker == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil || !strings.HasPrefix(string(raw), prefix) {
		return nil, errInvalidMarker()
	}
	p.after = string(raw)
	return p, nil
}

func errInvalidMarker() *orgstack.Error {
	return orgstack.NewError("ValidationError", http.StatusBadRequest, "Invalid Marker.")
}

func (p *pager) page(tx store.Tx, filter func(string, []byte) (bool, error), collect func(string, []byte) error) (string, error) {
	last, more, err := paging.Range{Prefix: p.prefix, After: p.after, Limit: p.limit}.Page(tx, filter, collect)
	if err != nil || !more {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString([]byte(last)), nil
}
