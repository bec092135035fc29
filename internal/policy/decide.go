package policy

import (
	"fmt"
	"strings"
)

// Inputs are every policy that takes part in one authorization decision.
type Inputs struct {
	// Identity are the principal's identity policies, inline and managed
	// (for a role session: the role's), already collected.
	Identity []*Policy
	// Boundary is the principal's permissions boundary, nil when none.
	Boundary *Policy
	// Session are the session policies passed when the session was made;
	// nil or empty when there are none.
	Session []*Policy
	// Resource is the target's resource-based policy, nil when none.
	Resource *Policy
	// SCPs are the service control policies in effect, one slice per
	// level from the root through each OU to the account. Nil when SCPs do
	// not apply: the management account, service-linked roles, an
	// organization without the SCP policy type, an account in none.
	SCPs [][]*Policy
	// RootUser is set when the principal is the account's root user: it
	// needs no identity policy.
	RootUser bool
	// SameAccount is set when the principal and the resource are in the
	// same account.
	SameAccount bool
}

// Result is an authorization decision and which policy type made it.
type Result struct {
	Decision Decision
	Reason   Reason
}

// Reason says which policy type decided a Result.
type Reason int

// The reasons. Explicit denies come with Decision Deny, the No...Allows
// reasons with NotApplicable (an implicit deny), the Allowed... ones with
// Allow.
const (
	ReasonUnknown Reason = iota
	AllowedByIdentity
	AllowedByResource
	AllowedAsRoot
	AllowedCrossAccount
	ExplicitDenySCP
	ExplicitDenyResource
	ExplicitDenyIdentity
	ExplicitDenyBoundary
	ExplicitDenySession
	NoSCPAllows
	NoResourceAllows
	NoIdentityAllows
	NoBoundaryAllows
	NoSessionAllows
)

// String names the reason.
func (r Reason) String() string {
	switch r {
	case AllowedByIdentity:
		return "AllowedByIdentity"
	case AllowedByResource:
		return "AllowedByResource"
	case AllowedAsRoot:
		return "AllowedAsRoot"
	case AllowedCrossAccount:
		return "AllowedCrossAccount"
	case ExplicitDenySCP:
		return "ExplicitDenySCP"
	case ExplicitDenyResource:
		return "ExplicitDenyResource"
	case ExplicitDenyIdentity:
		return "ExplicitDenyIdentity"
	case ExplicitDenyBoundary:
		return "ExplicitDenyBoundary"
	case ExplicitDenySession:
		return "ExplicitDenySession"
	case NoSCPAllows:
		return "NoSCPAllows"
	case NoResourceAllows:
		return "NoResourceAllows"
	case NoIdentityAllows:
		return "NoIdentityAllows"
	case NoBoundaryAllows:
		return "NoBoundaryAllows"
	case NoSessionAllows:
		return "NoSessionAllows"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// policyType is how AWS's access-denied messages name the policy type
// behind a reason (aws-behavior.md E.2), with the article the explicit
// form puts before it. A permissions boundary is named without the word
// "policy" (unconfirmed: remembered from the IAM User Guide's list of
// access-denied messages).
func (r Reason) policyType() (name, article string) {
	switch r {
	case ExplicitDenySCP, NoSCPAllows:
		return "service control policy", "a"
	case ExplicitDenyResource, NoResourceAllows:
		return "resource-based policy", "a"
	case ExplicitDenyBoundary, NoBoundaryAllows:
		return "permissions boundary", "a"
	case ExplicitDenySession, NoSessionAllows:
		return "session policy", "a"
	}
	return "identity-based policy", "an"
}

func (r Reason) explicit() bool { return r >= ExplicitDenySCP && r <= ExplicitDenySession }

// Decide makes the whole authorization decision for a request the way AWS
// documents it (IAM User Guide, "Policy evaluation logic", "How AWS
// enforcement code logic evaluates requests", "Cross-account policy
// evaluation logic"):
//
//  1. An explicit Deny in any policy denies. When several deny, the one
//     reported is the first in AWS's order of evaluation: SCP, resource,
//     identity, boundary, session.
//  2. When SCPs apply, every level must allow (at least one Allow among the
//     level's policies), else NoSCPAllows. SCPs grant nothing themselves.
//  3. Same account: the request is allowed when an identity policy or the
//     resource policy allows it, the root user needing neither; a
//     permissions boundary and session policies, when present, must allow
//     it too. Exception, as documented: a resource policy that names the
//     IAM user's or the role session's own ARN grants access even when the
//     boundary or session policies do not allow it. A resource policy that
//     names only the principal's account delegates to the account's
//     identity policies and grants nothing by itself.
//  4. Cross-account: the identity side (identity policies, or being the
//     root user; boundary and session policies when present) and the
//     resource policy must both allow.
//
// When several implicit denies apply the reason reported is the first of
// SCP, identity, boundary, session, resource (an ordering choice:
// unconfirmed which one AWS names).
func Decide(in Inputs, r Request) Result {
	scpAllows := true
	for _, level := range in.SCPs {
		o := evaluateAll(level, &r)
		if o.decision == Deny {
			return Result{Deny, ExplicitDenySCP}
		}
		if o.decision != Allow {
			scpAllows = false
		}
	}
	var res outcome
	in.Resource.evaluate(&r, &res)
	if res.decision == Deny {
		return Result{Deny, ExplicitDenyResource}
	}
	id := evaluateAll(in.Identity, &r)
	if id.decision == Deny {
		return Result{Deny, ExplicitDenyIdentity}
	}
	var bnd outcome
	in.Boundary.evaluate(&r, &bnd)
	if bnd.decision == Deny {
		return Result{Deny, ExplicitDenyBoundary}
	}
	ses := evaluateAll(in.Session, &r)
	if ses.decision == Deny {
		return Result{Deny, ExplicitDenySession}
	}
	if !scpAllows {
		return Result{NotApplicable, NoSCPAllows}
	}

	resAllows := res.decision == Allow
	idAllows := in.RootUser || id.decision == Allow
	boundaryOK := in.Boundary == nil || bnd.decision == Allow
	sessionOK := !hasPolicy(in.Session) || ses.decision == Allow

	if in.SameAccount {
		if in.RootUser {
			return Result{Allow, AllowedAsRoot}
		}
		if resAllows && res.grant == pmDirect {
			return Result{Allow, AllowedByResource}
		}
		resGrants := resAllows && res.grant > pmAccount
		switch {
		case !idAllows && !resGrants:
			return Result{NotApplicable, NoIdentityAllows}
		case !boundaryOK:
			return Result{NotApplicable, NoBoundaryAllows}
		case !sessionOK:
			return Result{NotApplicable, NoSessionAllows}
		case idAllows:
			return Result{Allow, AllowedByIdentity}
		}
		return Result{Allow, AllowedByResource}
	}
	switch {
	case !idAllows:
		return Result{NotApplicable, NoIdentityAllows}
	case !boundaryOK:
		return Result{NotApplicable, NoBoundaryAllows}
	case !sessionOK:
		return Result{NotApplicable, NoSessionAllows}
	case !resAllows:
		return Result{NotApplicable, NoResourceAllows}
	}
	return Result{Allow, AllowedCrossAccount}
}

func hasPolicy(ps []*Policy) bool {
	for _, p := range ps {
		if p != nil {
			return true
		}
	}
	return false
}

// DenialMessage is AWS's access-denied message for a denied Result
// (aws-behavior.md E.2), "" for an allowed one:
//
//	User: ARN is not authorized to perform: ACTION on resource: RESOURCE because no TYPE allows the ACTION action
//	User: ARN is not authorized to perform: ACTION on resource: RESOURCE with an explicit deny in a TYPE
//
// where TYPE is "identity-based policy" (after "an"), "resource-based
// policy", "permissions boundary", "session policy" or "service control
// policy". The word is "User" for every kind of
// principal, role sessions included (as in the messages quoted in
// github.com/alphagov/govuk-infrastructure pull 2439). For a resource of
// "*" or "" the " on resource: ..." part is left out, as in a message
// quoted in github.com/OpenPipe/OpenPipe pull 688 (unconfirmed which
// services do so; Organizations' account-less operations are assumed to).
// A principal without an ARN (a service) is named by its service
// principal.
func DenialMessage(p Principal, action, resource string, res Result) string {
	if res.Decision == Allow {
		return ""
	}
	who := p.ARN
	if who == "" {
		who = p.Service
	}
	var b strings.Builder
	b.WriteString("User: ")
	b.WriteString(who)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(action)
	if resource != "" && resource != "*" {
		b.WriteString(" on resource: ")
		b.WriteString(resource)
	}
	name, article := res.Reason.policyType()
	if res.Reason.explicit() {
		b.WriteString(" with an explicit deny in ")
		b.WriteString(article)
		b.WriteString(" ")
		b.WriteString(name)
		return b.String()
	}
	b.WriteString(" because no ")
	b.WriteString(name)
	b.WriteString(" allows the ")
	b.WriteString(action)
	b.WriteString(" action")
	return b.String()
}
