// Package policy is the AWS IAM policy language: its grammar (Parse,
// Validate), the evaluation of one policy or a set of policies against a
// request (Evaluate), and the combination of every policy type that takes
// part in an authorization decision (Decide), as AWS documents it.
//
// It serves identity policies (inline and managed, of users and roles),
// role trust policies, resource-based policies such as the Organizations
// delegation policy, service control policies and permissions boundaries.
// The package is pure: it holds no state, does no I/O and is safe for
// concurrent use; a parsed *Policy is never changed by this package and
// may be shared between goroutines.
//
// The pieces:
//
//   - Parse reads a document's grammar; Validate checks it for a Kind of
//     use (identity, managed, trust, resource, SCP, boundary); ParseFor
//     does both with the messages IAM gives for that kind. Errors are
//     *ParseError carrying IAM's MalformedPolicyDocument text.
//   - (*Policy).Evaluate and Evaluate decide what one policy or a set says
//     of a Request: Deny, Allow or NotApplicable.
//   - Decide combines identity policies, a permissions boundary, session
//     policies, a resource policy and SCP levels into a Result naming the
//     policy type that decided; DenialMessage renders AWS's access-denied
//     text for it.
//   - MatchAction and MatchARN expose AWS's matching of actions and ARNs.
//
// Sources. Behaviour follows the IAM User Guide ("IAM JSON policy
// elements", "Condition operators", "Policy evaluation logic") and error
// texts seen in public issue threads; each place that relies on one cites
// it. Where AWS's behaviour could not be confirmed the code says so with
// the word "unconfirmed".
package policy

import (
	"fmt"
)

// Versions of the policy language a document may name.
const (
	// Version2012 is the current language version; only in it are policy
	// variables such as ${aws:username} substituted.
	Version2012 = "2012-10-17"
	// Version2008 is the original version; IAM assumes it when a document
	// has no Version element.
	Version2008 = "2008-10-17"
)

// Effect is a statement's Effect element as written ("Allow" or "Deny";
// Parse accepts any letter case, Validate insists on this exact case).
type Effect string

// The two effects.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Policy is a parsed policy document. Build one with Parse; a Policy put
// together by hand is evaluated the same way. The zero value is an empty
// policy that applies to nothing.
type Policy struct {
	// Version is the Version element, "" when the document has none.
	Version string
	// ID is the Id element, "" when absent.
	ID string
	// Statements are the document's statements in document order.
	Statements []Statement
}

// Statement is one statement of a policy.
//
// For each pair of elements (Action/NotAction, Resource/NotResource,
// Principal/NotPrincipal) at most one is set; a nil slice or pointer means
// the element is absent, a non-nil empty slice that it was written as [].
type Statement struct {
	Sid    string
	Effect Effect

	Principal    *Principals
	NotPrincipal *Principals

	Action    []string
	NotAction []string

	Resource    []string
	NotResource []string

	// Conditions are the Condition element flattened to one entry per
	// operator and key, sorted by operator then key. All of them must hold
	// for the statement to apply.
	Conditions []Condition
}

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	// Any is set for the bare wildcard form "Principal": "*".
	Any bool
	// AWS, Service, Federated and CanonicalUser are the values of the
	// element's keys of those names, each written as a string or a list.
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Condition is one operator/key pair of a Condition element with the
// values written for it (strings; numbers and booleans in their JSON text).
type Condition struct {
	// Operator is the operator as written, qualifiers included, e.g.
	// "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written, e.g. "aws:PrincipalTag/team".
	Key string
	// Values are the values the key is compared with; any one may match.
	Values []string

	// Parse fills these in from Operator and Values; when op is
	// opInvalid (a Condition built by hand) eval derives them itself.
	op       baseOp
	set      setQualifier
	ifExists bool
	vars     bool // some value holds "${"
}

// Kind says what a policy document is used as; it decides which elements
// Validate requires or refuses.
type Kind int

// The kinds of policy.
const (
	// KindIdentity is an inline identity policy of a user, group or role:
	// no Principal, Resource required.
	KindIdentity Kind = iota
	// KindManaged is a managed identity policy (CreatePolicy,
	// CreatePolicyVersion): as KindIdentity, and Version must be
	// 2012-10-17.
	KindManaged
	// KindTrust is a role trust policy (AssumeRolePolicyDocument):
	// Principal required, no Resource, only STS role-assumption actions.
	KindTrust
	// KindResource is a resource-based policy (such as the Organizations
	// delegation policy): Principal required, Resource required.
	KindResource
	// KindSCP is a service control policy: no Principal, Resource required.
	KindSCP
	// KindBoundary is a permissions boundary: as KindIdentity.
	KindBoundary
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindIdentity:
		return "identity"
	case KindManaged:
		return "managed"
	case KindTrust:
		return "trust"
	case KindResource:
		return "resource"
	case KindSCP:
		return "scp"
	case KindBoundary:
		return "boundary"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Decision is the outcome of evaluating policies against a request.
type Decision int

// The decisions. The zero value is NotApplicable.
const (
	// NotApplicable means no statement allowed or denied the request: an
	// implicit deny.
	NotApplicable Decision = iota
	// Allow means some statement allowed the request and none denied it.
	Allow
	// Deny means some statement explicitly denied the request.
	Deny
)

// String names the decision.
func (d Decision) String() string {
	switch d {
	case NotApplicable:
		return "NotApplicable"
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// ParseError is a document that is not a valid policy. Msg is the text
// IAM returns with its MalformedPolicyDocument error for the same fault,
// where it is known.
type ParseError struct {
	Msg string
}

// Error returns Msg.
func (e *ParseError) Error() string { return e.Msg }

func perr(msg string) *ParseError { return &ParseError{Msg: msg} }

func perrf(format string, args ...any) *ParseError {
	return &ParseError{Msg: fmt.Sprintf(format, args...)}
}

// variablesEnabled reports whether policy variables are substituted: only
// in version 2012-10-17. In older documents "${...}" is literal text (IAM
// User Guide, "IAM policy elements: Variables and tags": "If you don't
// include the Version element ... variables ... are treated as literal
// strings").
func (p *Policy) variablesEnabled() bool { return p.Version == Version2012 }
