package console

import (
	"html/template"
	"net/url"
	"sort"
	"strings"

	"github.com/orgstack/orgstack"
)

// organizationRoutes registers the pages of this area of the console:
// the organization's structure and its accounts, invitations
// (handshakes) and policies.
func (c *Console) organizationRoutes() {
	c.handle("GET /organizations/accounts", c.page(c.accountsPage))
	c.handle("GET /organizations/accounts/{id}", c.page(c.accountPage))
	c.handle("POST /organizations/organization", c.action(c.createOrganization))
	c.handle("POST /organizations/ous", c.action(c.createOU))
	c.handle("POST /organizations/ous/{id}/rename", c.action(c.renameOU))
	c.handle("POST /organizations/ous/{id}/delete", c.action(c.deleteOU))
	c.handle("POST /organizations/accounts/create", c.action(c.createAccount))
	c.handle("POST /organizations/accounts/invite", c.action(c.inviteAccount))
	c.handle("POST /organizations/accounts/{id}/move", c.action(c.moveAccount))
	c.handle("POST /organizations/accounts/{id}/remove", c.action(c.removeAccount))
	c.invitationRoutes()
	c.policyRoutes()
}

// treeNode is one line of the organization's structure: the root, an OU
// or an account, in depth-first order.
type treeNode struct {
	Kind   string // "root", "ou" or "account"
	ID     string
	Name   string
	Depth  int
	Parent string
	// Path names the root and OUs down to this node ("Root / Workloads").
	Path string
	// Account is the account as ListAccountsForParent returns it.
	Account map[string]any
	// Management and Delegated mark the management account and delegated
	// administrators.
	Management, Delegated bool
	// Children counts an OU's direct OUs and accounts.
	Children int
}

// parentOption is a root or OU offered in a select.
type parentOption struct {
	ID    string
	Label string
	Depth int
}

// orgTree is the organization's structure as the signed-in identity reads
// it (ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent).
type orgTree struct {
	Root     map[string]any
	Nodes    []treeNode
	Parents  []parentOption
	Accounts int
	OUs      int
}

// maxTreeDepth bounds the walk; AWS allows five levels of OUs.
const maxTreeDepth = 8

// orgTree reads the organization's structure.
func (q *req) orgTree() (*orgTree, error) {
	roots, err := q.callAll("organizations", "ListRoots", nil, "Roots")
	if err != nil {
		return nil, err
	}
	t := &orgTree{}
	if len(roots) == 0 {
		return t, nil
	}
	t.Root, _ = roots[0].(map[string]any)
	id := toString(get(t.Root, "Id"))
	name := toString(get(t.Root, "Name"))
	if name == "" {
		name = "Root"
	}
	t.Nodes = append(t.Nodes, treeNode{Kind: "root", ID: id, Name: name, Path: name})
	t.Parents = append(t.Parents, parentOption{ID: id, Label: name})
	n, err := t.walk(q, id, name, 1)
	t.Nodes[0].Children = n
	return t, err
}

// walk adds the OUs and accounts under parent, OUs first, each sorted by
// name, and returns how many there are directly under it.
func (t *orgTree) walk(q *req, parent, path string, depth int) (int, error) {
	if depth > maxTreeDepth {
		return 0, nil
	}
	ous, err := q.callAll("organizations", "ListOrganizationalUnitsForParent", map[string]any{"ParentId": parent}, "OrganizationalUnits")
	if err != nil {
		return 0, err
	}
	accounts, err := q.callAll("organizations", "ListAccountsForParent", map[string]any{"ParentId": parent}, "Accounts")
	if err != nil {
		return 0, err
	}
	byName(ous)
	byName(accounts)
	for _, o := range ous {
		id, name := toString(get(o, "Id")), toString(get(o, "Name"))
		p := path + " / " + name
		t.OUs++
		t.Parents = append(t.Parents, parentOption{ID: id, Label: p, Depth: depth})
		i := len(t.Nodes)
		t.Nodes = append(t.Nodes, treeNode{Kind: "ou", ID: id, Name: name, Depth: depth, Parent: parent, Path: p})
		n, err := t.walk(q, id, p, depth+1)
		if err != nil {
			return 0, err
		}
		t.Nodes[i].Children = n
	}
	for _, a := range accounts {
		m, _ := a.(map[string]any)
		t.Accounts++
		t.Nodes = append(t.Nodes, treeNode{Kind: "account", ID: toString(get(m, "Id")), Name: toString(get(m, "Name")), Depth: depth, Parent: parent, Path: path, Account: m})
	}
	return len(ous) + len(accounts), nil
}

// byName sorts API items by their Name, then Id.
func byName(items []any) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := strings.ToLower(toString(get(items[i], "Name"))), strings.ToLower(toString(get(items[j], "Name")))
		if a != b {
			return a < b
		}
		return toString(get(items[i], "Id")) < toString(get(items[j], "Id"))
	})
}

// accountsData is the page of the organization's structure.
type accountsData struct {
	// Org is DescribeOrganization's Organization.
	Org map[string]any
	// NotInOrg: the signed-in account is in no organization.
	NotInOrg bool
	// Management: the signed-in account manages the organization.
	Management bool
	Tree       *orgTree
	// Requests are the CreateAccount requests, newest first.
	Requests   []any
	InProgress bool
	// RequestsError is the error of ListCreateAccountStatus, shown in
	// its panel.
	RequestsError *orgstack.Error
	Delegated     int
	// Request is the CreateAccount request the page follows (its
	// ?request=), as DescribeCreateAccountStatus returns it; the page
	// reloads while it is in progress.
	Request      map[string]any
	RequestError *orgstack.Error
	RequestURL   string
}

// accountsPage shows the organization's structure with its accounts, and
// the state of account creation requests.
func (c *Console) accountsPage(q *req) (string, *view) {
	v := &view{Title: "AWS accounts", Section: "organization"}
	d := &accountsData{}
	v.Data = d
	org, err := q.call("organizations", "DescribeOrganization", nil)
	if !q.try(v, err) {
		if v.Error.Code == "AWSOrganizationsNotInUseException" {
			// Not an error here: the page offers to create one.
			d.NotInOrg, v.Error = true, nil
		}
		return "accounts", v
	}
	d.Org, _ = org["Organization"].(map[string]any)
	mgmt := toString(get(d.Org, "MasterAccountId"))
	d.Management = mgmt == q.caller.AccountID
	tree, err := q.orgTree()
	if !q.try(v, err) {
		return "accounts", v
	}
	d.Tree = tree
	delegated := map[string]bool{}
	if admins, err := q.callAll("organizations", "ListDelegatedAdministrators", nil, "DelegatedAdministrators"); err == nil {
		for _, a := range admins {
			delegated[toString(get(a, "Id"))] = true
		}
	}
	for i := range tree.Nodes {
		n := &tree.Nodes[i]
		if n.Kind == "account" {
			n.Management = n.ID == mgmt
			n.Delegated = delegated[n.ID]
			if n.Delegated {
				d.Delegated++
			}
		}
	}
	if id := q.r.URL.Query().Get("request"); id != "" {
		d.RequestURL = accountsPath + "?request=" + url.QueryEscape(id)
		out, err := q.call("organizations", "DescribeCreateAccountStatus", map[string]any{"CreateAccountRequestId": id})
		if err != nil {
			d.RequestError = q.c.apiError(err)
		} else {
			d.Request, _ = out["CreateAccountStatus"].(map[string]any)
		}
	}
	if d.Management {
		requests, err := q.callAll("organizations", "ListCreateAccountStatus", nil, "CreateAccountStatuses")
		if err != nil {
			d.RequestsError = q.c.apiError(err)
		}
		// Newest first.
		for i := len(requests) - 1; i >= 0; i-- {
			if toString(get(requests[i], "State")) == "IN_PROGRESS" {
				d.InProgress = true
			}
			d.Requests = append(d.Requests, requests[i])
		}
	}
	return "accounts", v
}

const accountsPath = "/organizations/accounts"

func (c *Console) createOrganization(q *req) string {
	out, err := q.call("organizations", "CreateOrganization", map[string]any{"FeatureSet": "ALL"})
	q.done(err, "Organization created", "Your account is now the management account of organization "+toString(get(out, "Organization", "Id"))+".")
	return accountsPath
}

func (c *Console) createOU(q *req) string {
	parent := q.r.PostFormValue("parent")
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	out, err := q.call("organizations", "CreateOrganizationalUnit", map[string]any{"ParentId": parent, "Name": name})
	q.done(err, "Organizational unit created", "Organizational unit "+name+" ("+toString(get(out, "OrganizationalUnit", "Id"))+") was created.")
	return accountsPath
}

func (c *Console) renameOU(q *req) string {
	id := q.r.PathValue("id")
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	_, err := q.call("organizations", "UpdateOrganizationalUnit", map[string]any{"OrganizationalUnitId": id, "Name": name})
	q.done(err, "Organizational unit renamed", "Organizational unit "+id+" is now named "+name+".")
	return accountsPath
}

func (c *Console) deleteOU(q *req) string {
	id := q.r.PathValue("id")
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "delete" {
		q.s.addFlash(flash{Kind: "error", Title: "Organizational unit not deleted", Message: "To confirm, enter delete in the box."})
		return accountsPath
	}
	_, err := q.call("organizations", "DeleteOrganizationalUnit", map[string]any{"OrganizationalUnitId": id})
	q.done(err, "Organizational unit deleted", "Organizational unit "+id+" was deleted.")
	return accountsPath
}

// createAccount starts CreateAccount; the page's panel of requests then
// shows its progress.
func (c *Console) createAccount(q *req) string {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	in := map[string]any{"AccountName": name, "Email": strings.TrimSpace(q.r.PostFormValue("email"))}
	if role := strings.TrimSpace(q.r.PostFormValue("role")); role != "" {
		in["RoleName"] = role
	}
	if q.r.PostFormValue("billing") == "DENY" {
		in["IamUserAccessToBilling"] = "DENY"
	}
	out, err := q.call("organizations", "CreateAccount", in)
	if err != nil {
		q.done(err, "", "")
		return accountsPath
	}
	return accountsPath + "?request=" + url.QueryEscape(toString(get(out, "CreateAccountStatus", "Id")))
}

// inviteAccount invites an account by id or by e-mail address.
func (c *Console) inviteAccount(q *req) string {
	target := strings.TrimSpace(q.r.PostFormValue("target"))
	typ := "ACCOUNT"
	if strings.Contains(target, "@") {
		typ = "EMAIL"
	}
	in := map[string]any{"Target": map[string]any{"Id": target, "Type": typ}}
	if notes := strings.TrimSpace(q.r.PostFormValue("notes")); notes != "" {
		in["Notes"] = notes
	}
	out, err := q.call("organizations", "InviteAccountToOrganization", in)
	q.done(err, "Invitation sent", "Invitation "+toString(get(out, "Handshake", "Id"))+" was sent to "+target+". The account joins once it accepts.")
	return q.back(invitationsPath)
}

func (c *Console) moveAccount(q *req) string {
	id := q.r.PathValue("id")
	dest := q.r.PostFormValue("destination")
	_, err := q.call("organizations", "MoveAccount", map[string]any{"AccountId": id, "SourceParentId": q.r.PostFormValue("source"), "DestinationParentId": dest})
	q.done(err, "Account moved", "Account "+id+" was moved to "+dest+".")
	return q.back(accountsPath)
}

func (c *Console) removeAccount(q *req) string {
	id := q.r.PathValue("id")
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "remove" {
		q.s.addFlash(flash{Kind: "error", Title: "Account not removed", Message: "To confirm, enter remove in the box."})
		return q.back(accountsPath)
	}
	_, err := q.call("organizations", "RemoveAccountFromOrganization", map[string]any{"AccountId": id})
	q.done(err, "Account removed", "Account "+id+" was removed from the organization. It is now a standalone account.")
	if err != nil {
		return q.back(accountsPath)
	}
	return accountsPath
}

// failureReasons explain CreateAccount's failure reasons.
var failureReasons = map[string]string{
	"ACCOUNT_LIMIT_EXCEEDED":          "The organization has as many accounts as its quota allows. Remove an account or ask for a higher quota.",
	"EMAIL_ALREADY_EXISTS":            "Another AWS account already uses this email address. Use another address.",
	"INVALID_ADDRESS":                 "The address of the account's owner isn't valid.",
	"INVALID_EMAIL":                   "The email address isn't valid.",
	"CONCURRENT_ACCOUNT_MODIFICATION": "Another request changed the organization's accounts at the same time. Try again.",
	"INTERNAL_FAILURE":                "AWS Organizations couldn't create the account. Try again later.",
	"GOVCLOUD_ACCOUNT_ALREADY_EXISTS": "An AWS GovCloud (US) account already uses this email address.",
	"MISSING_BUSINESS_VALIDATION":     "The management account hasn't finished its business validation.",
	"MISSING_PAYMENT_INSTRUMENT":      "The management account has no valid payment method.",
	"PENDING_BUSINESS_VALIDATION":     "The management account's business validation is still in progress.",
	"UNKNOWN_BUSINESS_VALIDATION":     "The management account's business validation couldn't be confirmed.",
}

func init() {
	areaFuncs = append(areaFuncs, template.FuncMap{
		"failureReason": func(v any) string { return failureReasons[toString(v)] },
	})
}
