package console

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orgstack/orgstack"
)

// generateReport generates a report now (GenerateReport) and goes back to
// the page, showing the newest report.
func (c *Console) generateReport(q *req) string {
	f := q.r.PostForm
	p := parseReportsParams(url.Values{"type": {f.Get("type")}, "scope": {f.Get("scope")}, "account": {f.Get("account")}})
	scope := "ACCOUNT"
	if p.Scope == "organization" {
		scope = "ORGANIZATION"
	}
	out, err := q.call(ssrService, "GenerateReport", map[string]any{"ReportType": p.Type, "Scope": scope})
	if err != nil {
		q.done(err, "", "")
		return p.url()
	}
	r, _ := out["Report"].(map[string]any)
	accounts := len(listOf(r["Accounts"]))
	msg := "The " + strings.ToLower(p.Type) + " report of " + toString(r["Date"]) + " was generated at " + formatDateTime(r["GeneratedAt"]) +
		": " + plural(int(toFloat(r["RowCount"])), "row") + " from " + plural(accounts, "account") + "."
	q.done(nil, "Report generated", msg)
	return p.url()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// exportReport answers a report as the file ExportReport returns (CSV or
// JSON), as a download; an error goes back to the page as a message.
func (c *Console) exportReport(w http.ResponseWriter, r *http.Request) {
	q, ok := c.request(w, r)
	if !ok {
		return
	}
	v := r.URL.Query()
	p := parseReportsParams(v)
	format := strings.ToUpper(v.Get("format"))
	if format != "JSON" {
		format = "CSV"
	}
	scope := "ACCOUNT"
	if p.Scope == "organization" {
		scope = "ORGANIZATION"
	}
	in := map[string]any{"ReportType": p.Type, "Scope": scope, "Format": format}
	if date := v.Get("date"); date != "" {
		in["Date"] = date
	}
	if p.Account != "" && scope == "ORGANIZATION" {
		in["AccountIds"] = []any{p.Account}
	}
	if filters := p.apiFilters(); len(filters) > 0 {
		in["Filters"] = filters
	}
	out, err := q.call(ssrService, "ExportReport", in)
	if err != nil {
		q.done(err, "", "")
		back := p
		back.To = v.Get("date")
		http.Redirect(w, r, back.url(), http.StatusSeeOther)
		return
	}
	name := toString(out["FileName"])
	if name == "" {
		name = strings.ToLower(p.Type) + "." + strings.ToLower(format)
	}
	ct := toString(out["ContentType"])
	if ct == "" {
		ct = "application/octet-stream"
	}
	if !strings.Contains(ct, "charset") {
		ct += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(toString(out["Content"])))
}

// ssrAdminPanel is who may see the organization view: whether trusted
// access for Self-Service Reporting is enabled and who its delegated
// administrator is, as Organizations tells the caller.
type ssrAdminPanel struct {
	Principal   string
	InOrg       bool
	OrgID       string
	Management  string
	Enabled     bool
	DateEnabled any
	Admins      []map[string]any
	// Error is why the caller can't read the organization's trusted
	// access (members that administer nothing).
	Error *orgstack.Error
	// Caller's role.
	IsManagement, IsAdmin bool
}

func (q *req) ssrAdminPanel() ssrAdminPanel {
	p := ssrAdminPanel{Principal: ssrPrincipal}
	org, err := q.call("organizations", "DescribeOrganization", nil)
	if err != nil {
		if e := q.c.apiError(err); e.Code != "AWSOrganizationsNotInUseException" {
			p.Error = e
		}
		return p
	}
	p.InOrg = true
	p.OrgID = toString(get(org, "Organization", "Id"))
	p.Management = toString(get(org, "Organization", "MasterAccountId"))
	p.IsManagement = p.Management == q.caller.AccountID
	enabled, err := q.callAll("organizations", "ListAWSServiceAccessForOrganization", nil, "EnabledServicePrincipals")
	if err != nil {
		p.Error = q.c.apiError(err)
		return p
	}
	for _, e := range enabled {
		if toString(get(e, "ServicePrincipal")) == ssrPrincipal {
			p.Enabled, p.DateEnabled = true, get(e, "DateEnabled")
		}
	}
	admins, err := q.callAll("organizations", "ListDelegatedAdministrators", map[string]any{"ServicePrincipal": ssrPrincipal}, "DelegatedAdministrators")
	if err != nil {
		p.Error = q.c.apiError(err)
		return p
	}
	for _, a := range admins {
		if m, ok := a.(map[string]any); ok {
			p.Admins = append(p.Admins, m)
			if toString(m["Id"]) == q.caller.AccountID {
				p.IsAdmin = true
			}
		}
	}
	return p
}
