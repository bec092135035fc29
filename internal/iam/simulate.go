package iam

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// Simulator evaluates simulated requests with the engine that authorizes
// real ones (SCPs included).
type Simulator interface {
	Simulate(tx store.Tx, c orgstack.Caller, sim auth.Simulation) (auth.SimResult, error)
}

// SetSimulator plugs in the policy engine. It must be called before the
// server starts.
func (s *Service) SetSimulator(sim Simulator) { s.simulator = sim }

// SimulatePrincipalPolicy answers, for a user or role of the caller's
// account, whether it may perform each action on each resource, with its
// own policies (plus PolicyInputList), its permissions boundary and the
// SCPs of its account.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, in *SimulatePrincipalPolicyRequest) (*SimulatePolicyResponse, error) {
	var out *SimulatePolicyResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		principal, err := s.simulatedPrincipal(tx, c, in.PolicySourceArn)
		if err != nil {
			return err
		}
		extra, err := parseInputs(in.PolicyInputList, policy.KindIdentity)
		if err != nil {
			return err
		}
		sim, err := s.simulation(in.PermissionsBoundaryPolicyInputList, in.ResourcePolicy, in.ContextEntries)
		if err != nil {
			return err
		}
		sim.Extra = extra
		out, err = s.simulate(tx, principal, sim, in.ActionNames, in.ResourceArns, in.Marker, in.MaxItems)
		return err
	})
	return out, err
}

// SimulateCustomPolicy answers whether the given policies allow each
// action on each resource, for the caller's account (its SCPs apply).
func (s *Service) SimulateCustomPolicy(ctx context.Context, in *SimulateCustomPolicyRequest) (*SimulatePolicyResponse, error) {
	var out *SimulatePolicyResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		custom, err := parseInputs(in.PolicyInputList, policy.KindIdentity)
		if err != nil {
			return err
		}
		sim, err := s.simulation(in.PermissionsBoundaryPolicyInputList, in.ResourcePolicy, in.ContextEntries)
		if err != nil {
			return err
		}
		sim.Replace = custom
		principal := c
		if in.CallerArn != "" {
			principal.ARN = in.CallerArn
		}
		out, err = s.simulate(tx, principal, sim, in.ActionNames, in.ResourceArns, in.Marker, in.MaxItems)
		return err
	})
	return out, err
}

// simulatedPrincipal turns PolicySourceArn into the caller it stands for.
func (s *Service) simulatedPrincipal(tx store.Tx, c orgstack.Caller, source string) (orgstack.Caller, error) {
	a, err := orgstack.ParseARN(source)
	if err != nil || a.Service != "iam" {
		return c, errInvalidInput("Invalid ARN: " + source)
	}
	if a.AccountID != c.AccountID {
		return c, errNoSuchEntity("Entity " + source + " does not exist.")
	}
	p := orgstack.Caller{AccountID: a.AccountID, Region: c.Region}
	name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	switch {
	case a.Resource == "root":
		return orgstack.RootCaller(a.AccountID, c.Region), nil
	case strings.HasPrefix(a.Resource, "role/"):
		r, err := getRole(tx, a.AccountID, name)
		if errors.Is(err, store.ErrNotFound) {
			return c, errNoSuchEntity("Role " + source + " does not exist.")
		} else if err != nil {
			return c, err
		}
		p.Type, p.RoleName, p.RoleARN = orgstack.PrincipalAssumedRole, r.Name, r.ARN
		p.ARN = "arn:" + a.Partition + ":sts::" + a.AccountID + ":assumed-role/" + r.Name + "/simulation"
		p.UserID = r.ID + ":simulation"
		return p, nil
	case strings.HasPrefix(a.Resource, "user/"):
		u, found, err := s.simulatedUser(tx, a.AccountID, name)
		if err != nil {
			return c, err
		}
		if !found {
			return c, errNoSuchEntity("User " + source + " does not exist.")
		}
		return u, nil
	}
	return c, errInvalidInput("Simulation of " + source + " is not supported.")
}

func parseInputs(docs []string, kind policy.Kind) ([]*policy.Policy, error) {
	out := []*policy.Policy{}
	for _, d := range docs {
		p, err := policy.ParseFor(d, kind)
		if err != nil {
			return nil, errInvalidInput(err.Error())
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Service) simulation(boundary []string, resourcePolicy string, entries []ContextEntry) (auth.Simulation, error) {
	var sim auth.Simulation
	if len(boundary) > 0 {
		b, err := parseInputs(boundary[:1], policy.KindBoundary)
		if err != nil {
			return sim, err
		}
		sim.Boundary = b[0]
	}
	if resourcePolicy != "" {
		rp, err := policy.ParseFor(resourcePolicy, policy.KindResource)
		if err != nil {
			return sim, errInvalidInput(err.Error())
		}
		sim.ResourcePolicy = rp
	}
	sim.Keys = map[string][]string{}
	for _, e := range entries {
		sim.Keys[e.ContextKeyName] = e.ContextKeyValues
	}
	return sim, nil
}

func decisionName(d policy.Decision) PolicyEvaluationDecisionType {
	switch d {
	case policy.Allow:
		return PolicyEvaluationDecisionTypeAllowed
	case policy.Deny:
		return PolicyEvaluationDecisionTypeExplicitDeny
	}
	return PolicyEvaluationDecisionTypeImplicitDeny
}

// simulate evaluates every action on every resource and pages the results.
func (s *Service) simulate(tx store.Tx, c orgstack.Caller, base auth.Simulation, actions, resources []string, marker string, maxItems *int32) (*SimulatePolicyResponse, error) {
	if s.simulator == nil {
		return nil, errors.New("iam: no policy simulator")
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var results []EvaluationResult
	for _, action := range actions {
		for _, res := range resources {
			sim := base
			sim.Action, sim.Resource = action, res
			r, err := s.simulator.Simulate(tx, c, sim)
			if err != nil {
				return nil, err
			}
			er := EvaluationResult{
				EvalActionName: action, EvalResourceName: res, EvalDecision: decisionName(r.Result.Decision),
				MatchedStatements: []Statement{}, MissingContextValues: []string{},
				EvalDecisionDetails: map[string]PolicyEvaluationDecisionType{},
			}
			if r.AllowedByOrganizations != nil {
				er.OrganizationsDecisionDetail = &OrganizationsDecisionDetail{AllowedByOrganizations: r.AllowedByOrganizations}
			}
			if r.AllowedByBoundary != nil {
				er.PermissionsBoundaryDecisionDetail = &PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: r.AllowedByBoundary}
			}
			results = append(results, er)
		}
	}
	from, limit := 0, defaultMaxItems
	if maxItems != nil {
		limit = int(*maxItems)
	}
	if marker != "" {
		n, err := strconv.Atoi(marker)
		if err != nil || n < 0 || n > len(results) {
			return nil, errInvalidMarker()
		}
		from = n
	}
	to := min(from+limit, len(results))
	truncated := to < len(results)
	out := &SimulatePolicyResponse{EvaluationResults: append([]EvaluationResult{}, results[from:to]...), IsTruncated: &truncated}
	if truncated {
		out.Marker = strconv.Itoa(to)
	}
	return out, nil
}
