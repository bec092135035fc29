package iam

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// Size quotas of policy documents. IAM does not count white space
// (IAM User Guide, "IAM and AWS STS quotas").
const (
	// managedPolicySize is the quota of one managed policy version; the
	// error text "Cannot exceed quota for PolicySize: 6144" is seen in
	// github.com/ministryofjustice/cloud-platform-environments pull 14473.
	managedPolicySize = 6144
	// userInlineSize is the quota of all inline policies of a user
	// together; "Maximum policy size of 2048 bytes exceeded for user X"
	// is seen in github.com/danvk/mapsnap pull 483.
	userInlineSize = 2048
	// roleInlineSize is the quota of all inline policies of a role
	// together (the message follows the user's; unconfirmed).
	roleInlineSize = 10240
)

// checkDocument parses doc as a policy of the given kind. A document that
// is not one is IAM's MalformedPolicyDocument with the policy package's
// message for the fault.
func checkDocument(doc string, kind policy.Kind) (*policy.Policy, error) {
	p, err := policy.ParseFor(doc, kind)
	if err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) {
			return nil, errMalformedPolicy(pe.Msg)
		}
		return nil, err
	}
	return p, nil
}

// checkManagedDocument checks a document for CreatePolicy and
// CreatePolicyVersion: a managed policy within the size quota.
func checkManagedDocument(doc string) error {
	if _, err := checkDocument(doc, policy.KindManaged); err != nil {
		return err
	}
	if policySize(doc) > managedPolicySize {
		return errLimitExceeded("Cannot exceed quota for PolicySize: " + strconv.Itoa(managedPolicySize))
	}
	return nil
}

// checkInlineDocuments checks an identity policy about to be stored as an
// inline policy of a user or role, and that all of the entity's inline
// policies together stay within its quota.
func checkInlineDocuments(doc string, others map[string]string, replaced, kind, name string, quota int) error {
	if _, err := checkDocument(doc, policy.KindIdentity); err != nil {
		return err
	}
	total := policySize(doc)
	for n, d := range others {
		if n != replaced {
			total += policySize(d)
		}
	}
	if total > quota {
		return errLimitExceeded("Maximum policy size of " + strconv.Itoa(quota) + " bytes exceeded for " + kind + " " + name)
	}
	return nil
}

// policySize is the size IAM counts for a document: its characters
// other than white space.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkTrustPolicy checks a role trust policy (CreateRole,
// UpdateAssumeRolePolicy): the trust-policy grammar, and that every user
// or role of account the document names as an AWS principal exists, as
// IAM resolves such principals when it stores the policy. Principals of
// other accounts are taken as written.
func checkTrustPolicy(tx store.Tx, account, doc string) error {
	p, err := checkDocument(doc, policy.KindTrust)
	if err != nil {
		return err
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, ps := range [2]*policy.Principals{st.Principal, st.NotPrincipal} {
			if ps == nil {
				continue
			}
			for _, v := range ps.AWS {
				ok, err := principalExists(tx, account, v)
				if err != nil {
					return err
				}
				if !ok {
					return errMalformedPolicy(policy.InvalidPrincipal("AWS", v).Msg)
				}
			}
		}
	}
	return nil
}

// principalExists reports whether an AWS principal value that names a
// user or role of account names one that exists. Any other value
// (accounts, root ARNs, sessions, other accounts' identities) counts as
// existing.
func principalExists(tx store.Tx, account, value string) (bool, error) {
	a, err := orgstack.ParseARN(value)
	if err != nil || a.Service != "iam" || a.AccountID != account {
		return true, nil
	}
	name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	switch {
	case strings.HasPrefix(a.Resource, "user/"):
		u, err := getUser(tx, account, name)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return strings.EqualFold("user"+u.Path+u.Name, a.Resource), nil
	case strings.HasPrefix(a.Resource, "role/"):
		r, err := getRole(tx, account, name)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return strings.EqualFold("role"+r.Path+r.Name, a.Resource), nil
	}
	return true, nil
}
