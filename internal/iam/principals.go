package iam

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// Principal is what policy evaluation needs to know about a principal of
// an account.
type Principal struct {
	Identity []*policy.Policy // inline and attached managed policies (default versions), parsed
	Boundary *policy.Policy   // permissions boundary, nil when none
	Tags     map[string]string
}

// PrincipalOf collects the policies of the user or role the caller acts
// as (for an assumed-role caller, c.RoleName names the role). The root
// user has no policies. Unknown principals → found false.
//
// The contract in detail:
//   - PrincipalRoot: found, with no policies, boundary or tags.
//   - PrincipalUser: the user c.ARN names in c.AccountID; when c.UserID
//     is set it must be the user's id, so that a user deleted and created
//     again under the same name is another principal.
//   - any caller with RoleName (assumed roles, services acting through a
//     role): that role of c.AccountID; when c.UserID is a session id
//     ("AROA…:session") its role id must be the role's.
//   - anything else: not found.
//
// Identity holds the inline policies in name order, then the attached
// managed policies in attachment order, each at its default version.
// Attached service-role policies (/aws-service-role/), whose documents
// orgstack does not have, are left out. Tags are the user's or role's
// own (session tags are the caller's business). Documents are parsed
// with policy.ParseShared, so the policies are shared and must not be
// modified; one that no longer parses is an error, never silently
// skipped. PrincipalOf reads only through tx and may be called
// from any transaction.
func (s *Service) PrincipalOf(tx store.Tx, c orgstack.Caller) (p Principal, found bool, err error) {
	switch {
	case c.Type == orgstack.PrincipalRoot:
		return Principal{}, true, nil
	case c.Type == orgstack.PrincipalUser:
		u, err := getUser(tx, c.AccountID, callerUserName(c))
		if errors.Is(err, store.ErrNotFound) {
			return Principal{}, false, nil
		}
		if err != nil {
			return Principal{}, false, err
		}
		if c.UserID != "" && c.UserID != u.ID {
			return Principal{}, false, nil
		}
		p, err := principalOf(tx, c.AccountID, "user "+u.Name, u.InlinePolicies, u.ManagedPolicies, u.PermissionsBoundary, u.Tags)
		return p, err == nil, err
	case c.RoleName != "":
		r, err := getRole(tx, c.AccountID, c.RoleName)
		if errors.Is(err, store.ErrNotFound) {
			return Principal{}, false, nil
		}
		if err != nil {
			return Principal{}, false, err
		}
		if id, _, ok := strings.Cut(c.UserID, ":"); ok && id != "" && id != r.ID {
			return Principal{}, false, nil
		}
		p, err := principalOf(tx, c.AccountID, "role "+r.Name, r.InlinePolicies, r.ManagedPolicies, r.PermissionsBoundary, r.Tags)
		return p, err == nil, err
	}
	return Principal{}, false, nil
}

// principalOf parses an entity's policies.
func principalOf(tx store.Tx, account, entity string, inline map[string]string, managed []string, boundary string, tags []Tag) (Principal, error) {
	var p Principal
	names := make([]string, 0, len(inline))
	for n := range inline {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		pol, err := policy.ParseShared(inline[n])
		if err != nil {
			return Principal{}, fmt.Errorf("iam: inline policy %s of %s: %w", n, entity, err)
		}
		p.Identity = append(p.Identity, pol)
	}
	for _, arn := range managed {
		pol, err := managedDocument(tx, account, arn)
		if err != nil {
			return Principal{}, fmt.Errorf("iam: policy %s attached to %s: %w", arn, entity, err)
		}
		if pol != nil {
			p.Identity = append(p.Identity, pol)
		}
	}
	if boundary != "" {
		pol, err := managedDocument(tx, account, boundary)
		if err != nil {
			return Principal{}, fmt.Errorf("iam: permissions boundary %s of %s: %w", boundary, entity, err)
		}
		if pol == nil {
			// A boundary whose document is unknown allows nothing.
			pol = &policy.Policy{}
		}
		p.Boundary = pol
	}
	if len(tags) > 0 {
		p.Tags = make(map[string]string, len(tags))
		for _, t := range tags {
			p.Tags[t.Key] = t.Value
		}
	}
	return p, nil
}

// managedDocument parses the default version of a managed policy; nil
// when the policy is gone or its document unknown.
func managedDocument(tx store.Tx, account, arn string) (*policy.Policy, error) {
	r, ok, err := resolvePolicy(tx, account, arn)
	if err != nil || !ok || r.Document == "" {
		return nil, err
	}
	return policy.ParseShared(r.Document)
}

// simulatedUser returns the caller an IAM user of account stands for in
// a policy simulation; found is false when there is no such user.
func (s *Service) simulatedUser(tx store.Tx, account, name string) (orgstack.Caller, bool, error) {
	u, err := getUser(tx, account, name)
	if errors.Is(err, store.ErrNotFound) {
		return orgstack.Caller{}, false, nil
	}
	if err != nil {
		return orgstack.Caller{}, false, err
	}
	return orgstack.Caller{AccountID: account, ARN: u.ARN, UserID: u.ID, Type: orgstack.PrincipalUser}, true, nil
}
