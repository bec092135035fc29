package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/orgstack/orgstack/internal/trusted"
)

func (c *Console) servicesRoutes() {
	c.handle("GET /organizations/services", c.page(c.servicesPage))
	c.handle("GET /organizations/services/{principal}", c.page(c.servicePage))
	c.handle("POST /organizations/services/{principal}/enable", c.action(c.enableService))
	c.handle("POST /organizations/services/{principal}/disable", c.action(c.disableService))
}

// serviceRow is one trusted service as the Services page shows it.
type serviceRow struct {
	Principal     string
	Name          string
	Enabled       bool
	DateEnabled   any
	DelegatedMax  int
	Admins        []string
	Roles         []roleStatus
	Enable        string
	Disable       string
	ServiceTools  bool // the service has its own tools to enable access
	DelegatedOnly bool
}

// roleStatus is one service-linked role and where it exists.
type roleStatus struct {
	RoleName  string
	CreatedIn string
	Accounts  []roleAccount
	Present   int
}

type roleAccount struct {
	AccountID string `json:"accountId"`
	Status    string `json:"status"`
}

// trustedView is orgstack's view of one trusted service (the JSON of
// Options.TrustedServices).
type trustedView struct {
	Principal       string `json:"principal"`
	DelegatedAdmins []struct {
		AccountID string `json:"accountId"`
	} `json:"delegatedAdministrators"`
	ServiceLinkedRoles []struct {
		RoleName  string        `json:"roleName"`
		CreatedIn string        `json:"createdIn"`
		Accounts  []roleAccount `json:"accounts"`
	} `json:"serviceLinkedRoles"`
}

// servicesData is the Services page.
type servicesData struct {
	Org      map[string]any
	Services []serviceRow
	Enabled  int
	Filter   string
	Only     string
}

// services reads the organization and its trusted services as the user:
// DescribeOrganization, ListAWSServiceAccessForOrganization (which the
// Organizations console needs), and orgstack's view of delegated
// administrators and service-linked roles, shown to those the API lets
// list trusted access.
func (q *req) services(v *view) (map[string]any, []serviceRow, bool) {
	org, err := q.call("organizations", "DescribeOrganization", nil)
	if !q.try(v, err) {
		return nil, nil, false
	}
	orgID, _ := get(org, "Organization", "Id").(string)
	enabled, err := q.callAll("organizations", "ListAWSServiceAccessForOrganization", nil, "EnabledServicePrincipals")
	if !q.try(v, err) {
		return org, nil, false
	}
	dates := map[string]any{}
	for _, e := range enabled {
		dates[toString(get(e, "ServicePrincipal"))] = get(e, "DateEnabled")
	}
	views := map[string]trustedView{}
	if q.c.opt.TrustedServices != nil && orgID != "" {
		if raw, err := q.c.opt.TrustedServices(q.r.Context(), orgID); err == nil {
			var list []trustedView
			if json.Unmarshal(raw, &list) == nil {
				for _, tv := range list {
					views[tv.Principal] = tv
				}
			}
		}
	}
	var rows []serviceRow
	for _, s := range q.c.opt.Catalogue.Services() {
		date, on := dates[s.Principal]
		row := serviceRow{Principal: s.Principal, Name: s.Name, Enabled: on, DateEnabled: date, Enable: s.Enable, Disable: s.Disable,
			ServiceTools: s.Enable != trusted.ViaOrganizationsOnly}
		if s.DelegatedAdmin != nil {
			row.DelegatedMax = s.DelegatedAdmin.Max
		}
		tv := views[s.Principal]
		for _, a := range tv.DelegatedAdmins {
			row.Admins = append(row.Admins, a.AccountID)
		}
		for _, r := range tv.ServiceLinkedRoles {
			rs := roleStatus{RoleName: r.RoleName, CreatedIn: r.CreatedIn, Accounts: r.Accounts}
			for _, a := range r.Accounts {
				if a.Status == "PRESENT" {
					rs.Present++
				}
			}
			row.Roles = append(row.Roles, rs)
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Name != rows[j].Name {
			return strings.ToLower(rows[i].Name) < strings.ToLower(rows[j].Name)
		}
		return rows[i].Principal < rows[j].Principal
	})
	return org, rows, true
}

func (c *Console) servicesPage(q *req) (string, *view) {
	v := &view{Title: "Services", Section: "services"}
	d := &servicesData{Filter: q.r.URL.Query().Get("q"), Only: q.r.URL.Query().Get("only")}
	v.Data = d
	org, rows, ok := q.services(v)
	d.Org = org
	if !ok {
		return "services", v
	}
	filter := strings.ToLower(d.Filter)
	for _, r := range rows {
		if r.Enabled {
			d.Enabled++
		}
		if filter != "" && !strings.Contains(strings.ToLower(r.Name+" "+r.Principal), filter) {
			continue
		}
		if (d.Only == "enabled" && !r.Enabled) || (d.Only == "disabled" && r.Enabled) {
			continue
		}
		d.Services = append(d.Services, r)
	}
	return "services", v
}

// serviceData is one service's page.
type serviceData struct {
	Org      map[string]any
	Service  serviceRow
	Accounts []any
	// Justified is set right after enabling: tell the service's
	// administrator.
	JustEnabled, JustDisabled bool
}

func (c *Console) servicePage(q *req) (string, *view) {
	principal := q.r.PathValue("principal")
	v := &view{Title: principal, Section: "services"}
	d := &serviceData{JustEnabled: q.r.URL.Query().Get("enabled") != "", JustDisabled: q.r.URL.Query().Get("disabled") != ""}
	v.Data = d
	if _, ok := q.c.opt.Catalogue.Service(principal); !ok {
		c.errorPage(q.w, q.r, http.StatusNotFound, "The service principal "+principal+" isn't a service that you can use with AWS Organizations.")
		return "", nil
	}
	org, rows, ok := q.services(v)
	d.Org = org
	if !ok {
		return "service", v
	}
	for _, r := range rows {
		if r.Principal == principal {
			d.Service = r
		}
	}
	v.Title = d.Service.Name
	// The accounts, for the delegated-administrator form and the role
	// table; members can't list them, which the page then leaves out.
	if accounts, err := q.callAll("organizations", "ListAccounts", nil, "Accounts"); err == nil {
		d.Accounts = accounts
	}
	return "service", v
}

func (c *Console) enableService(q *req) string {
	principal := q.r.PathValue("principal")
	back := "/organizations/services/" + url.PathEscape(principal)
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "enable" {
		q.s.addFlash(flash{Kind: "error", Title: "Trusted access not enabled", Message: "To confirm, enter enable in the box."})
		return back
	}
	_, err := q.call("organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": principal})
	q.done(err, "Trusted access enabled", "Trusted access is enabled for "+principal+".")
	if err != nil {
		return back
	}
	return back + "?enabled=1"
}

func (c *Console) disableService(q *req) string {
	principal := q.r.PathValue("principal")
	back := "/organizations/services/" + url.PathEscape(principal)
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "disable" {
		q.s.addFlash(flash{Kind: "error", Title: "Trusted access not disabled", Message: "To confirm, enter disable in the box."})
		return back
	}
	_, err := q.call("organizations", "DisableAWSServiceAccess", map[string]any{"ServicePrincipal": principal})
	q.done(err, "Trusted access disabled", "Trusted access is disabled for "+principal+".")
	if err != nil {
		return back
	}
	return back + "?disabled=1"
}
