package auth

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// Principal is what policy evaluation needs of the principal a caller
// acts as: its identity policies, permissions boundary and tags.
type Principal struct {
	Identity []*policy.Policy
	Boundary *policy.Policy
	Tags     map[string]string
}

// Principals finds the policies of the principal a caller acts as (IAM).
type Principals interface {
	PrincipalPolicies(tx store.Tx, c orgstack.Caller) (p Principal, found bool, err error)
}

// Sessions finds the session policies of temporary credentials (STS).
type Sessions interface {
	SessionPolicies(tx store.Tx, accessKeyID string) ([]*policy.Policy, error)
}

// OrgContext is what Organizations says about an account for
// authorization: its organization, its path, and the SCPs that apply to
// it, one list of policy documents per level from the root down to the
// account (nil when SCPs do not apply: no organization, the management
// account, or SCPs not enabled).
type OrgContext struct {
	OrgID     string
	Path      string // o-…/r-…/ou-…/…/
	SCPLevels [][]string
}

// Organizations gives the organization context of an account.
type Organizations interface {
	// AccountContext gives the account's organization context; the SCPs
	// in it only when scps is true (they are costly to gather).
	AccountContext(tx store.Tx, account string, scps bool) (ctx OrgContext, inOrg bool, err error)
}

// Request is one authorization question: may the caller perform Action on
// every one of Resources, given these condition keys?
type Request struct {
	Action    string
	Resources []string
	Context   map[string][]string
}

// Denied is a refusal: the message in AWS's words and the decision behind it.
type Denied struct {
	Message string
	Result  policy.Result
}

func (d *Denied) Error() string { return d.Message }

// Authorizer answers authorization questions from the policies in force.
// It is safe for concurrent use.
type Authorizer struct {
	Store         store.Store
	Principals    Principals
	Sessions      Sessions
	Organizations Organizations
	Clock         orgstack.Clock
}

// Authorize returns nil when c may make the request, a *Denied when it
// may not, or another error when the state could not be read.
//
// The root user of an account is allowed unless something denies it; an
// AWS service acting through its service-linked role is never restricted
// by SCPs; the management account is never restricted by SCPs.
func (a *Authorizer) Authorize(ctx context.Context, c orgstack.Caller, req Request, remoteAddr string) error {
	var result error
	err := a.Store.View(ctx, func(tx store.Tx) error {
		result = a.AuthorizeTx(tx, c, req, remoteAddr)
		if _, denied := result.(*Denied); denied {
			return nil
		}
		return result
	})
	if err != nil {
		return err
	}
	return result
}

// AuthorizeTx is Authorize inside a transaction the caller holds (a
// trusted service acting during another operation).
func (a *Authorizer) AuthorizeTx(tx store.Tx, c orgstack.Caller, req Request, remoteAddr string) error {
	in, pctx, err := a.inputs(tx, c, remoteAddr)
	if err != nil {
		return err
	}
	for k, v := range req.Context {
		pctx[k] = v
	}
	resources := req.Resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	principal := policyPrincipal(c)
	for _, res := range resources {
		r := policy.Request{Principal: principal, Action: req.Action, Resource: res, Context: pctx}
		result := policy.Decide(in, r)
		if result.Decision != policy.Allow {
			return &Denied{Message: policy.DenialMessage(principal, req.Action, res, result), Result: result}
		}
	}
	return nil
}

// Simulation is one question to the policy simulator.
type Simulation struct {
	Action   string
	Resource string
	Keys     map[string][]string
	// Replace, when not nil, stands in for the principal's identity
	// policies (SimulateCustomPolicy); Extra are added to them
	// (SimulatePrincipalPolicy's PolicyInputList).
	Replace []*policy.Policy
	Extra   []*policy.Policy
	// Boundary, when not nil, stands in for the permissions boundary.
	Boundary *policy.Policy
	// Resource policy of the target, if any.
	ResourcePolicy *policy.Policy
}

// SimResult is the simulator's answer.
type SimResult struct {
	Result policy.Result
	// AllowedByOrganizations is set when SCPs apply to the principal.
	AllowedByOrganizations *bool
	// AllowedByBoundary is set when a permissions boundary applies.
	AllowedByBoundary *bool
}

// Simulate evaluates a question as Authorize would, with the changes the
// simulation asks for, and says what SCPs and the boundary alone decide.
func (a *Authorizer) Simulate(tx store.Tx, c orgstack.Caller, sim Simulation) (SimResult, error) {
	in, pctx, err := a.inputs(tx, c, "")
	if err != nil {
		return SimResult{}, err
	}
	if sim.Replace != nil {
		in.Identity, in.RootUser = sim.Replace, false
	}
	in.Identity = append(append([]*policy.Policy{}, in.Identity...), sim.Extra...)
	if sim.Boundary != nil {
		in.Boundary = sim.Boundary
	}
	in.Resource = sim.ResourcePolicy
	for k, v := range sim.Keys {
		pctx[k] = v
	}
	r := policy.Request{Principal: policyPrincipal(c), Action: sim.Action, Resource: sim.Resource, Context: pctx}
	out := SimResult{Result: policy.Decide(in, r)}
	if in.SCPs != nil {
		allowed := true
		for _, level := range in.SCPs {
			if policy.Evaluate(level, r) != policy.Allow {
				allowed = false
			}
		}
		out.AllowedByOrganizations = &allowed
	}
	if in.Boundary != nil {
		allowed := in.Boundary.Evaluate(r) == policy.Allow
		out.AllowedByBoundary = &allowed
	}
	return out, nil
}

// inputs gathers the policies in force for c and the global condition keys.
func (a *Authorizer) inputs(tx store.Tx, c orgstack.Caller, remoteAddr string) (policy.Inputs, map[string][]string, error) {
	in := policy.Inputs{RootUser: c.Type == orgstack.PrincipalRoot, SameAccount: true}
	now := time.Now().UTC()
	if a.Clock != nil {
		now = a.Clock.Now()
	}
	pctx := map[string][]string{
		"aws:PrincipalAccount": {c.AccountID},
		"aws:PrincipalArn":     {principalARN(c)},
		"aws:userid":           {c.UserID},
		"aws:RequestedRegion":  {c.Region},
		"aws:CurrentTime":      {now.Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(now.Unix(), 10)},
		"aws:SecureTransport":  {"false"},
		"aws:PrincipalType":    {principalType(c)},
	}
	if ip, _, err := net.SplitHostPort(remoteAddr); err == nil {
		pctx["aws:SourceIp"] = []string{ip}
	}
	if !c.TokenIssueTime.IsZero() {
		// Temporary credentials only: long-term keys have no issue time,
		// so a DateLessThan on it (IAM's "revoke active sessions") never
		// matches them.
		pctx["aws:TokenIssueTime"] = []string{c.TokenIssueTime.UTC().Format(time.RFC3339)}
	}
	if c.SourceIdentity != "" {
		pctx["aws:SourceIdentity"] = []string{c.SourceIdentity}
	}
	if c.Type == orgstack.PrincipalService {
		pctx["aws:PrincipalIsAWSService"] = []string{"true"}
		pctx["aws:PrincipalServiceName"] = []string{c.ServicePrincipal}
	} else {
		pctx["aws:PrincipalIsAWSService"] = []string{"false"}
	}
	if c.Type != orgstack.PrincipalRoot && a.Principals != nil {
		p, found, err := a.Principals.PrincipalPolicies(tx, c)
		if err != nil {
			return in, nil, err
		}
		if found {
			in.Identity, in.Boundary = p.Identity, p.Boundary
			for k, v := range p.Tags {
				pctx["aws:PrincipalTag/"+k] = []string{v}
			}
		}
	}
	if c.Type == orgstack.PrincipalAssumedRole && a.Sessions != nil {
		sess, err := a.Sessions.SessionPolicies(tx, c.AccessKeyID)
		if err != nil {
			return in, nil, err
		}
		in.Session = sess
	}
	if a.Organizations != nil {
		// Service-linked roles are never restricted by SCPs.
		oc, inOrg, err := a.Organizations.AccountContext(tx, c.AccountID, c.Type != orgstack.PrincipalService)
		if err != nil {
			return in, nil, err
		}
		if inOrg {
			pctx["aws:PrincipalOrgID"] = []string{oc.OrgID}
			pctx["aws:PrincipalOrgPaths"] = []string{oc.Path}
			if oc.SCPLevels != nil && c.Type != orgstack.PrincipalService {
				levels := make([][]*policy.Policy, len(oc.SCPLevels))
				for i, docs := range oc.SCPLevels {
					for _, d := range docs {
						p, err := policy.ParseShared(d)
						if err != nil {
							return in, nil, fmt.Errorf("service control policy: %w", err)
						}
						levels[i] = append(levels[i], p)
					}
				}
				in.SCPs = levels
			}
		}
	}
	return in, pctx, nil
}

// ConditionKeys returns the global condition keys that describe c as a
// principal (aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalOrgID,
// aws:PrincipalOrgPaths, aws:PrincipalTag/…, aws:TokenIssueTime, …): what
// a resource policy, such as a role's trust policy, sees of its caller.
func (a *Authorizer) ConditionKeys(tx store.Tx, c orgstack.Caller) (map[string][]string, error) {
	_, pctx, err := a.inputs(tx, c, "")
	return pctx, err
}

// principalARN is what aws:PrincipalArn says: the role's ARN for a role
// session, the principal's ARN otherwise.
func principalARN(c orgstack.Caller) string {
	if c.Type == orgstack.PrincipalAssumedRole && c.RoleARN != "" {
		return c.RoleARN
	}
	return c.ARN
}

func principalType(c orgstack.Caller) string {
	switch c.Type {
	case orgstack.PrincipalRoot:
		return "Account"
	case orgstack.PrincipalUser:
		return "User"
	case orgstack.PrincipalAssumedRole:
		return "AssumedRole"
	case orgstack.PrincipalService:
		return "AWSService"
	}
	return string(c.Type)
}

// policyPrincipal is the caller as policies see it.
func policyPrincipal(c orgstack.Caller) policy.Principal {
	p := policy.Principal{AccountID: c.AccountID, ARN: c.ARN, IsRoot: c.Type == orgstack.PrincipalRoot}
	if c.Type == orgstack.PrincipalAssumedRole {
		p.RoleARN = c.RoleARN
	}
	if c.Type == orgstack.PrincipalService {
		p.Service = c.ServicePrincipal
	}
	return p
}

// DeniedError turns a refusal into the error a service's protocol uses:
// code and HTTP status differ by service.
func DeniedError(code string, status int, d *Denied) *orgstack.Error {
	return orgstack.NewError(code, status, d.Message)
}

// Unauthenticated reports whether an operation needs no permission at all
// (AWS answers sts:GetCallerIdentity for everyone).
func Unauthenticated(action string) bool {
	return strings.EqualFold(action, "sts:GetCallerIdentity")
}
