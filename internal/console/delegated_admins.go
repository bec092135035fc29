package console

import (
	"net/url"
	"sort"
)

func (c *Console) delegatedAdminRoutes() {
	c.handle("GET /organizations/delegated-administrators", c.page(c.delegatedAdminsPage))
	c.handle("POST /organizations/services/{principal}/delegated-administrators", c.action(c.registerDelegatedAdmin))
	c.handle("POST /organizations/services/{principal}/delegated-administrators/{account}/deregister", c.action(c.deregisterDelegatedAdmin))
}

// delegation is one delegated administrator of one service.
type delegation struct {
	Account   map[string]any
	Principal string
	Name      string
	Since     any
}

// delegatedAdminsData is the page of every delegated administrator.
type delegatedAdminsData struct {
	Delegations []delegation
	Accounts    int
}

// delegatedAdminsPage lists every delegated administrator of the
// organization and the services each administers
// (ListDelegatedAdministrators, ListDelegatedServicesForAccount).
func (c *Console) delegatedAdminsPage(q *req) (string, *view) {
	v := &view{Title: "Delegated administrators", Section: "delegated"}
	d := &delegatedAdminsData{}
	v.Data = d
	admins, err := q.callAll("organizations", "ListDelegatedAdministrators", nil, "DelegatedAdministrators")
	if !q.try(v, err) {
		return "delegated", v
	}
	d.Accounts = len(admins)
	for _, a := range admins {
		acct, _ := a.(map[string]any)
		services, err := q.callAll("organizations", "ListDelegatedServicesForAccount", map[string]any{"AccountId": get(acct, "Id")}, "DelegatedServices")
		if !q.try(v, err) {
			return "delegated", v
		}
		for _, s := range services {
			p := toString(get(s, "ServicePrincipal"))
			name := p
			if svc, ok := q.c.opt.Catalogue.Service(p); ok {
				name = svc.Name
			}
			d.Delegations = append(d.Delegations, delegation{Account: acct, Principal: p, Name: name, Since: get(s, "DelegationEnabledDate")})
		}
	}
	sort.SliceStable(d.Delegations, func(i, j int) bool { return d.Delegations[i].Name < d.Delegations[j].Name })
	return "delegated", v
}

func (c *Console) registerDelegatedAdmin(q *req) string {
	principal := q.r.PathValue("principal")
	account := q.r.PostFormValue("account")
	_, err := q.call("organizations", "RegisterDelegatedAdministrator", map[string]any{"AccountId": account, "ServicePrincipal": principal})
	q.done(err, "Delegated administrator registered", "Account "+account+" is now a delegated administrator for "+principal+".")
	return "/organizations/services/" + url.PathEscape(principal) + "#delegated"
}

func (c *Console) deregisterDelegatedAdmin(q *req) string {
	principal := q.r.PathValue("principal")
	account := q.r.PathValue("account")
	_, err := q.call("organizations", "DeregisterDelegatedAdministrator", map[string]any{"AccountId": account, "ServicePrincipal": principal})
	q.done(err, "Delegated administrator deregistered", "Account "+account+" is no longer a delegated administrator for "+principal+".")
	return q.back("/organizations/services/" + url.PathEscape(principal) + "#delegated")
}
