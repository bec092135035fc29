package console

import (
	"errors"
	"sort"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/trusted"
)

// accessRole is the role AWS Organizations creates in the accounts it
// creates, which the management account assumes to act in them.
const accessRole = "OrganizationAccountAccessRole"

// consoleSession names the role sessions the console starts.
const consoleSession = "orgstack-console"

// as returns the request acting as another identity: its calls are made
// as that caller (credentials obtained during this request, such as an
// assumed role's).
func (q *req) as(caller orgstack.Caller) *req {
	r := *q
	r.caller = caller
	return &r
}

// assumeAccessRole does what a person does to act in a member account:
// it assumes the account's OrganizationAccountAccessRole as the signed-in
// identity and returns a request acting as that role session.
func (q *req) assumeAccessRole(account string) (*req, string, error) {
	arn := "arn:" + orgstack.PartitionOf(q.s.Region) + ":iam::" + account + ":role/" + accessRole
	out, err := q.call("sts", "AssumeRole", map[string]any{"RoleArn": arn, "RoleSessionName": consoleSession})
	if err != nil {
		return nil, arn, err
	}
	creds, _ := out["Credentials"].(map[string]any)
	caller, err := q.c.opt.Invoker.Authenticate(q.r.Context(), toString(creds["AccessKeyId"]), toString(creds["SecretAccessKey"]), toString(creds["SessionToken"]), q.s.Region)
	if err != nil {
		return nil, arn, err
	}
	return q.as(caller), arn, nil
}

// roleRow is one IAM role of an account as the roles panel shows it.
type roleRow struct {
	Name, Path, Arn, Description string
	Created                      any
	// Kind is "service-linked", "organizations" (the access role AWS
	// Organizations created with the account) or "account".
	Kind string
	// Principal and Service name the service that created a
	// service-linked role (its principal and display name).
	Principal, Service string
}

// delegatedService is one service an account administers.
type delegatedService struct {
	Principal, Name string
	Since           any
}

// accountData is the page of one account.
type accountData struct {
	ID      string
	Account map[string]any
	// Self: the page is the signed-in account's own.
	Self bool
	// Management: the account is the organization's management account;
	// CanManage: the signed-in account is.
	Management, CanManage bool
	Delegated             bool
	// Path is the root and OUs above the account, from the root down.
	Path    []parentOption
	Parent  string
	Parents []parentOption

	Policies      []appliedPolicy
	PoliciesError *orgstack.Error
	Services      []delegatedService
	ServicesError *orgstack.Error

	Roles      []roleRow
	RolesError *orgstack.Error
	// RolesVia is the role assumed to read the roles ("" for the
	// signed-in account's own).
	RolesVia        string
	ServiceLinked   int
	CustomerCreated int
}

func (c *Console) accountPage(q *req) (string, *view) {
	id := q.r.PathValue("id")
	v := &view{Title: "Account " + id, Section: "organization"}
	d := &accountData{ID: id, Self: id == q.caller.AccountID}
	v.Data = d
	out, err := q.call("organizations", "DescribeAccount", map[string]any{"AccountId": id})
	if q.try(v, err) {
		d.Account, _ = out["Account"].(map[string]any)
		if name := toString(get(d.Account, "Name")); name != "" {
			v.Title = name
		}
		if org, err := q.call("organizations", "DescribeOrganization", nil); err == nil {
			mgmt := toString(get(org, "Organization", "MasterAccountId"))
			d.Management, d.CanManage = mgmt == id, mgmt == q.caller.AccountID
		}
		q.accountPath(d)
		q.accountPolicies(d)
		q.accountServices(d)
		if d.CanManage && !d.Management {
			if tree, err := q.orgTree(); err == nil {
				d.Parents = tree.Parents
			}
		}
	}
	// The roles of the signed-in account are read even when it may not
	// describe itself (a member, a standalone account).
	if d.Account != nil || d.Self {
		q.accountRoles(d)
	}
	return "accounts_account", v
}

// accountPath reads the parents of the account up to the root.
func (q *req) accountPath(d *accountData) {
	child := d.ID
	for range maxTreeDepth {
		out, err := q.call("organizations", "ListParents", map[string]any{"ChildId": child})
		if err != nil {
			return
		}
		parents, _ := out["Parents"].([]any)
		if len(parents) == 0 {
			return
		}
		p := parents[0]
		pid := toString(get(p, "Id"))
		if d.Parent == "" {
			d.Parent = pid
		}
		if toString(get(p, "Type")) == "ROOT" {
			d.Path = append([]parentOption{{ID: pid, Label: "Root"}}, d.Path...)
			return
		}
		name := pid
		if ou, err := q.call("organizations", "DescribeOrganizationalUnit", map[string]any{"OrganizationalUnitId": pid}); err == nil {
			name = toString(get(ou, "OrganizationalUnit", "Name"))
		}
		d.Path = append([]parentOption{{ID: pid, Label: name}}, d.Path...)
		child = pid
	}
}

// appliedPolicy is a policy that applies to an account: attached to it,
// or inherited from the root or an OU above it.
type appliedPolicy struct {
	Policy map[string]any
	// From is the root or OU it is attached to ("" when attached to the
	// account itself).
	From parentOption
}

// accountPolicies reads the service control policies that apply to the
// account: those attached to it and to each root and OU above it.
func (q *req) accountPolicies(d *accountData) {
	targets := append([]parentOption{{ID: d.ID}}, d.Path...)
	for _, t := range targets {
		policies, err := q.callAll("organizations", "ListPoliciesForTarget", map[string]any{"TargetId": t.ID, "Filter": "SERVICE_CONTROL_POLICY"}, "Policies")
		if err != nil {
			d.PoliciesError = q.c.apiError(err)
			return
		}
		byName(policies)
		from := t
		if t.ID == d.ID {
			from = parentOption{}
		}
		for _, p := range policies {
			m, _ := p.(map[string]any)
			d.Policies = append(d.Policies, appliedPolicy{Policy: m, From: from})
		}
	}
}

// accountServices reads the services the account is a delegated
// administrator for; AccountNotRegisteredException means none.
func (q *req) accountServices(d *accountData) {
	services, err := q.callAll("organizations", "ListDelegatedServicesForAccount", map[string]any{"AccountId": d.ID}, "DelegatedServices")
	if err != nil {
		var e *orgstack.Error
		if !errors.As(err, &e) || e.Code != "AccountNotRegisteredException" {
			d.ServicesError = q.c.apiError(err)
		}
		return
	}
	for _, s := range services {
		p := toString(get(s, "ServicePrincipal"))
		name := p
		if svc, ok := q.c.opt.Catalogue.Service(p); ok {
			name = svc.Name
		}
		d.Services = append(d.Services, delegatedService{Principal: p, Name: name, Since: get(s, "DelegationEnabledDate")})
	}
	d.Delegated = len(d.Services) > 0
	sort.SliceStable(d.Services, func(i, j int) bool { return d.Services[i].Name < d.Services[j].Name })
}

// accountRoles reads the account's IAM roles inside the account: its own
// as the signed-in identity, another's through its
// OrganizationAccountAccessRole.
func (q *req) accountRoles(d *accountData) {
	in := q
	if !d.Self {
		as, arn, err := q.assumeAccessRole(d.ID)
		d.RolesVia = arn
		if err != nil {
			d.RolesError = q.c.apiError(err)
			return
		}
		in = as
	}
	roles, err := in.callAll("iam", "ListRoles", nil, "Roles")
	if err != nil {
		d.RolesError = q.c.apiError(err)
		return
	}
	created := toString(get(d.Account, "JoinedMethod")) == "CREATED"
	for _, r := range roles {
		row := roleRow{
			Name: toString(get(r, "RoleName")), Path: toString(get(r, "Path")), Arn: toString(get(r, "Arn")),
			Description: toString(get(r, "Description")), Created: get(r, "CreateDate"), Kind: "account",
		}
		if rest, ok := strings.CutPrefix(row.Path, "/aws-service-role/"); ok {
			row.Kind = "service-linked"
			row.Principal, _, _ = strings.Cut(rest, "/")
			row.Service = q.c.serviceName(row.Principal)
			d.ServiceLinked++
		} else if row.Name == accessRole && created {
			row.Kind = "organizations"
		} else {
			d.CustomerCreated++
		}
		d.Roles = append(d.Roles, row)
	}
	sort.SliceStable(d.Roles, func(i, j int) bool { return strings.ToLower(d.Roles[i].Name) < strings.ToLower(d.Roles[j].Name) })
}

// serviceName is the display name of the service whose service-linked
// roles trust principal, from the catalogue of trusted services ("" when
// it names none).
func (c *Console) serviceName(principal string) string {
	if principal == trusted.OrganizationsPrincipal {
		return "AWS Organizations"
	}
	if s, ok := c.opt.Catalogue.Service(principal); ok {
		return s.Name
	}
	for _, s := range c.opt.Catalogue.Services() {
		for _, r := range s.ServiceLinkedRoles {
			if r.ServicePrincipal == principal {
				return s.Name
			}
		}
	}
	return ""
}
