package policy

import (
	"strings"
)

// Principal is who makes a request.
type Principal struct {
	// AccountID is the principal's 12-digit account, e.g. "111122223333".
	// When empty it is taken from ARN.
	AccountID string
	// ARN is the principal's ARN: arn:aws:iam::111122223333:root, an IAM
	// user (arn:aws:iam::111122223333:user/path/name) or a role session
	// (arn:aws:sts::111122223333:assumed-role/role-name/session).
	ARN string
	// RoleARN is, for a role session, the role's own ARN with its path
	// (arn:aws:iam::111122223333:role/path/role-name): trust and resource
	// policies may name the role rather than the session.
	RoleARN string
	// Service is set when an AWS service principal acts, e.g.
	// "ssm.amazonaws.com"; Principal elements match it with "Service".
	Service string
	// Federated is set for a federated caller (sts:AssumeRoleWithSAML or
	// sts:AssumeRoleWithWebIdentity): the identity provider's ARN or name,
	// which Principal elements match with "Federated".
	Federated string
	// IsRoot is set for an account's root user.
	IsRoot bool
}

// account returns the principal's account: AccountID, or the account
// component of ARN.
func (p *Principal) account() string {
	if p.AccountID != "" {
		return p.AccountID
	}
	if f, ok := arnFields(p.ARN); ok {
		return f[4]
	}
	return ""
}

// principalMatch says how a Principal element matched a principal; a
// larger value is a more specific match. Decide needs it because AWS lets
// a same-account resource policy that names a user or a session directly
// grant access on its own, while one that names the account only
// delegates to the account's identity policies.
//
// NotPrincipal uses the same matching: a statement with NotPrincipal
// applies to every principal no value matches, so listing a role also
// spares the role's sessions. AWS evaluates NotPrincipal with Deny against
// the account as well, and advises listing the account's ARN beside the
// spared user or role; that quirk is not modelled (unconfirmed how it
// shows in decisions).
type principalMatch uint8

const (
	pmNone      principalMatch = iota
	pmAccount                  // the principal's account (its id or root ARN)
	pmWildcard                 // "*", {"AWS":"*"}, or a statement without Principal
	pmService                  // a service principal
	pmFederated                // an identity provider
	pmRole                     // the role behind a session
	pmDirect                   // the user's or the session's own ARN
)

// match reports how ps matches p, pmNone when it does not.
//
// The rules (IAM User Guide, "AWS JSON policy elements: Principal"):
// "*" matches everyone; {"AWS":"*"} every IAM identity (not a bare service,
// unconfirmed); an account id or arn:aws:iam::ACCOUNT:root every principal
// of the account; a user, role or session ARN that principal, where a role
// ARN also matches the role's sessions. ARNs are compared exactly: the
// Principal element allows no wildcards. CanonicalUser (Amazon S3's
// account form) never matches: Principal carries no canonical id.
func (ps *Principals) match(p *Principal) principalMatch {
	if ps.Any {
		return pmWildcard
	}
	best := pmNone
	better := func(m principalMatch) {
		if m > best {
			best = m
		}
	}
	acct := p.account()
	for _, v := range ps.AWS {
		switch {
		case v == "*":
			if acct != "" || p.ARN != "" {
				better(pmWildcard)
			}
		case isAccountID(v):
			if acct == v {
				better(pmAccount)
			}
		case v == p.ARN && v != "":
			if p.IsRoot || isRootARN(v) {
				better(pmAccount)
			} else {
				better(pmDirect)
			}
		case v == p.RoleARN && v != "":
			better(pmRole)
		case isRootARN(v):
			if f, _ := arnFields(v); f[4] == acct && acct != "" {
				better(pmAccount)
			}
		}
	}
	if p.Service != "" {
		for _, v := range ps.Service {
			if strings.EqualFold(v, p.Service) {
				better(pmService)
			}
		}
	}
	if p.Federated != "" {
		for _, v := range ps.Federated {
			if v == p.Federated {
				better(pmFederated)
			}
		}
	}
	return best
}

// isAccountID reports whether s is a 12-digit account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRootARN reports whether s is an account's root ARN,
// arn:PARTITION:iam::ACCOUNT:root.
func isRootARN(s string) bool {
	f, ok := arnFields(s)
	return ok && f[0] == "arn" && f[2] == "iam" && f[3] == "" && isAccountID(f[4]) && f[5] == "root"
}

// validPrincipalARN reports whether s names an IAM identity a Principal
// element may hold: an account root, a user, a role, a role session or a
// federated user.
func validPrincipalARN(s string) bool {
	f, ok := arnFields(s)
	if !ok || f[0] != "arn" || f[1] == "" || f[3] != "" || !isAccountID(f[4]) || hasWildcard(s) {
		return false
	}
	switch f[2] {
	case "iam":
		return f[5] == "root" || strings.HasPrefix(f[5], "user/") || strings.HasPrefix(f[5], "role/")
	case "sts":
		return strings.HasPrefix(f[5], "assumed-role/") || strings.HasPrefix(f[5], "federated-user/")
	}
	return false
}

// derived returns a global condition key AWS fills in from the principal
// itself, so that requests need not repeat them in Context: aws:PrincipalAccount,
// aws:PrincipalArn (the role's ARN for a role session), aws:username (IAM
// users only), aws:PrincipalType, aws:PrincipalServiceName and
// aws:PrincipalIsAWSService (IAM User Guide, "AWS global condition context
// keys").
func (p *Principal) derived(key string) (string, bool) {
	switch {
	case strings.EqualFold(key, "aws:PrincipalAccount"):
		a := p.account()
		return a, a != ""
	case strings.EqualFold(key, "aws:PrincipalArn"):
		if p.RoleARN != "" {
			return p.RoleARN, true
		}
		return p.ARN, p.ARN != ""
	case strings.EqualFold(key, "aws:username"):
		f, ok := arnFields(p.ARN)
		if !ok || f[2] != "iam" || !strings.HasPrefix(f[5], "user/") {
			return "", false
		}
		return f[5][strings.LastIndexByte(f[5], '/')+1:], true
	case strings.EqualFold(key, "aws:PrincipalType"):
		t := p.principalType()
		return t, t != ""
	case strings.EqualFold(key, "aws:PrincipalServiceName"):
		return p.Service, p.Service != ""
	case strings.EqualFold(key, "aws:PrincipalIsAWSService"):
		if p.Service != "" {
			return "true", true
		}
		return "false", p.ARN != ""
	}
	return "", false
}

// principalType is aws:PrincipalType: Account (root), User, AssumedRole or
// FederatedUser.
func (p *Principal) principalType() string {
	if p.IsRoot {
		return "Account"
	}
	f, ok := arnFields(p.ARN)
	switch {
	case !ok:
		return ""
	case f[5] == "root":
		return "Account"
	case strings.HasPrefix(f[5], "user/"):
		return "User"
	case strings.HasPrefix(f[5], "assumed-role/"):
		return "AssumedRole"
	case strings.HasPrefix(f[5], "federated-user/"):
		return "FederatedUser"
	}
	return ""
}
