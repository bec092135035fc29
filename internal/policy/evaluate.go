package policy

import (
	"strings"
)

// Request is what a principal asks to do, as policies see it.
type Request struct {
	// Principal is who is asking.
	Principal Principal
	// Action is the IAM action, e.g. "organizations:EnableAWSServiceAccess".
	Action string
	// Resource is the target's ARN, or "*" for actions that act on no
	// particular resource.
	Resource string
	// Context holds the request's condition keys and their values, e.g.
	// "aws:RequestedRegion", "organizations:ServicePrincipal",
	// "aws:PrincipalTag/team". Key names are matched without regard to
	// case. A multivalued key (aws:TagKeys) has several values; a key with
	// no values counts as absent. aws:PrincipalAccount, aws:PrincipalArn,
	// aws:username, aws:PrincipalType, aws:PrincipalServiceName and
	// aws:PrincipalIsAWSService default to what Principal implies.
	Context map[string][]string
}

// Evaluate decides what one policy says of the request: Deny when some
// statement that applies denies it, else Allow when some statement that
// applies allows it, else NotApplicable (an implicit deny). A nil policy
// says nothing.
//
// A statement applies when its Action (or NotAction), Resource (or
// NotResource), Principal (or NotPrincipal) and every Condition match. A
// statement without a Resource element (a trust policy's) matches every
// resource; one without a Principal element every principal; one without
// Action or NotAction nothing. Effects are read without regard to case.
func (p *Policy) Evaluate(r Request) Decision {
	var out outcome
	p.evaluate(&r, &out)
	return out.decision
}

// Evaluate decides what a set of policies says of the request: Deny when
// any of them denies it, else Allow when any allows it, else
// NotApplicable. Nil entries are skipped.
func Evaluate(policies []*Policy, r Request) Decision {
	return evaluateAll(policies, &r).decision
}

// outcome accumulates the decision of one or more policies, and for an
// Allow the most specific way a Principal element matched (see
// principalMatch).
type outcome struct {
	decision Decision
	grant    principalMatch
}

func evaluateAll(policies []*Policy, r *Request) outcome {
	var out outcome
	for _, p := range policies {
		p.evaluate(r, &out)
		if out.decision == Deny {
			break
		}
	}
	return out
}

// evaluate folds the policy's statements into out; it stops at the first
// explicit deny.
func (p *Policy) evaluate(r *Request, out *outcome) {
	if p == nil || out.decision == Deny {
		return
	}
	vars := p.variablesEnabled()
	for i := range p.Statements {
		st := &p.Statements[i]
		m, ok := st.applies(r, vars)
		if !ok {
			continue
		}
		if strings.EqualFold(string(st.Effect), string(EffectDeny)) {
			out.decision = Deny
			return
		}
		out.decision = Allow
		if m > out.grant {
			out.grant = m
		}
	}
}

// applies reports whether the statement applies to the request, and how
// its Principal element matched.
func (st *Statement) applies(r *Request, vars bool) (principalMatch, bool) {
	switch {
	case st.Action != nil:
		if !st.matchActions(r.Action) {
			return pmNone, false
		}
	case st.NotAction != nil:
		if st.matchActions(r.Action) {
			return pmNone, false
		}
	default:
		return pmNone, false
	}
	switch {
	case st.Resource != nil:
		if m, ok := matchResources(st.Resource, r.Resource, vars, r); !ok || !m {
			return pmNone, false
		}
	case st.NotResource != nil:
		if m, ok := matchResources(st.NotResource, r.Resource, vars, r); !ok || m {
			return pmNone, false
		}
	}
	pm := pmWildcard
	switch {
	case st.Principal != nil:
		if pm = st.Principal.match(&r.Principal); pm == pmNone {
			return pmNone, false
		}
	case st.NotPrincipal != nil:
		if st.NotPrincipal.match(&r.Principal) != pmNone {
			return pmNone, false
		}
	}
	for i := range st.Conditions {
		if !st.Conditions[i].eval(r, vars) {
			return pmNone, false
		}
	}
	return pm, true
}
