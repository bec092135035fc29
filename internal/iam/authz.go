package iam

import (
	"context"
	"errors"
	"net/http"
	"reflect"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/sts"
)

// AccessDenied is IAM's refusal of an unauthorized call.
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDenied", http.StatusForbidden, message)
}

// Describe gives the resources and condition keys an IAM operation is
// authorized with: the ARNs of the role, user and policy it names, and
// iam:AWSServiceName, iam:PolicyARN and iam:PermissionsBoundary where
// they apply.
func (s *Service) Describe(ctx context.Context, op string, in any, c orgstack.Caller) ([]string, map[string][]string, error) {
	keys := map[string][]string{}
	var resources []string
	field := func(name string) string {
		v := reflect.ValueOf(in)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return ""
		}
		f := v.Elem().FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.String {
			return ""
		}
		return f.String()
	}
	err := s.opt.Store.View(ctx, func(tx store.Tx) error {
		if name := field("RoleName"); name != "" {
			arn := roleARN(c.Partition(), c.AccountID, "/", name)
			if r, err := getRole(tx, c.AccountID, name); err == nil {
				arn = r.ARN
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if path := field("Path"); op == "CreateRole" && path != "" {
				arn = roleARN(c.Partition(), c.AccountID, path, name)
			}
			resources = append(resources, arn)
		}
		if name := field("UserName"); name != "" {
			arn := "arn:" + c.Partition() + ":iam::" + c.AccountID + ":user/" + name
			if u, err := getUser(tx, c.AccountID, name); err == nil {
				arn = u.ARN
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if path := field("Path"); op == "CreateUser" && path != "" {
				arn = "arn:" + c.Partition() + ":iam::" + c.AccountID + ":user" + path + name
			}
			resources = append(resources, arn)
		}
		if arn := field("PolicyArn"); arn != "" {
			keys["iam:PolicyARN"] = []string{arn}
			if len(resources) == 0 {
				resources = append(resources, arn)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if name := field("AWSServiceName"); name != "" {
		keys["iam:AWSServiceName"] = []string{name}
	}
	if b := field("PermissionsBoundary"); b != "" {
		keys["iam:PermissionsBoundary"] = []string{b}
	}
	return resources, keys, nil
}

// AssumableRole implements sts.Roles.
func (s *Service) AssumableRole(tx store.Tx, account, name string) (sts.RoleInfo, bool, error) {
	r, err := getRole(tx, account, name)
	if errors.Is(err, store.ErrNotFound) {
		return sts.RoleInfo{}, false, nil
	}
	if err != nil {
		return sts.RoleInfo{}, false, err
	}
	return sts.RoleInfo{ARN: r.ARN, ID: r.ID, Name: r.Name, TrustPolicy: r.AssumeRolePolicy, MaxSessionDuration: r.MaxSessionDuration}, true, nil
}

// ManagedPolicyDocument implements sts.Roles for AWS-managed policies.
func (s *Service) ManagedPolicyDocument(_ store.Tx, arn string) (string, bool, error) {
	p, err := s.managedPolicy(arn)
	if err != nil {
		return "", false, nil
	}
	return p.Document, p.Document != "", nil
}
