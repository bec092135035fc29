package console

import "strings"

func (c *Console) auditSettingsRoutes() {
	c.handle("GET /audit-manager/settings", c.page(c.auditSettingsPage))
	c.handle("POST /audit-manager/settings/register", c.action(c.amRegister))
	c.handle("POST /audit-manager/settings/deregister", c.action(c.amDeregister))
	c.handle("POST /audit-manager/settings/deregistration-policy", c.action(c.amPolicy))
	c.handle("POST /audit-manager/settings/admin", c.action(c.amRegisterAdmin))
	c.handle("POST /audit-manager/settings/admin/{account}/deregister", c.action(c.amDeregisterAdmin))
}

// auditSettingsData is Audit Manager's settings page.
type auditSettingsData struct {
	Region      string
	Status      smStatus
	Registered  bool
	Settings    map[string]any
	SettingsErr any
	Org         *smOrg
	Access      trustedAccess
	// Admin is the organization's delegated administrator for Audit
	// Manager in the region (GetOrganizationAdminAccount), AdminKnown
	// whether the caller could read it.
	Admin      string
	AdminKnown bool
	AdminErr   any
	// OrgAdmins are Organizations' delegated administrators for Audit
	// Manager (any region), when the caller may list them.
	OrgAdmins  []string
	IsAdmin    bool
	Candidates []map[string]any
}

// auditSettingsPage shows whether Audit Manager is set up for the account
// in the region (GetAccountStatus, GetSettings), the organization's
// delegated administrator (GetOrganizationAdminAccount) and trusted
// access, with the forms to change them.
func (c *Console) auditSettingsPage(q *req) (string, *view) {
	v := &view{Title: "Audit Manager settings", Section: "audit-manager-settings"}
	d := &auditSettingsData{Region: q.s.Region}
	v.Data = d
	out, err := q.call("auditmanager", "GetAccountStatus", nil)
	if !q.try(v, err) {
		return "am-settings", v
	}
	d.Status = smStatusOf(toString(out["status"]))
	d.Registered = d.Status.Value == "ACTIVE"
	d.Org = q.smOrgOf(true, true)
	d.Access = d.Org.access(amPrincipal)
	if d.Registered {
		s, err := q.call("auditmanager", "GetSettings", map[string]any{"attribute": "ALL"})
		if err != nil {
			d.SettingsErr = q.smError(err)
		} else {
			d.Settings, _ = s["settings"].(map[string]any)
		}
		if d.Org.InOrg {
			a, err := q.call("auditmanager", "GetOrganizationAdminAccount", nil)
			if err != nil {
				d.AdminErr = q.smError(err)
			} else {
				d.Admin, d.AdminKnown = toString(a["adminAccountId"]), true
			}
		}
	}
	if d.Org.InOrg {
		if admins, err := q.callAll("organizations", "ListDelegatedAdministrators", map[string]any{"ServicePrincipal": amPrincipal}, "DelegatedAdministrators"); err == nil {
			for _, a := range admins {
				d.OrgAdmins = append(d.OrgAdmins, toString(get(a, "Id")))
			}
		}
	}
	if d.AdminKnown {
		d.IsAdmin = d.Admin == q.caller.AccountID
	} else {
		for _, id := range d.OrgAdmins {
			d.IsAdmin = d.IsAdmin || id == q.caller.AccountID
		}
	}
	for _, a := range d.Org.Accounts {
		if toString(a["Id"]) != d.Org.Management && toString(a["Status"]) == "ACTIVE" {
			d.Candidates = append(d.Candidates, a)
		}
	}
	return "am-settings", v
}

const amSettings = "/audit-manager/settings"

// amRegister sets Audit Manager up for the caller's account in the
// session's region (RegisterAccount).
func (c *Console) amRegister(q *req) string {
	_, err := q.call("auditmanager", "RegisterAccount", nil)
	q.done(err, "Audit Manager is set up", "Audit Manager is enabled for account "+q.caller.AccountID+" in "+q.s.Region+".")
	return amSettings
}

// amDeregister disables Audit Manager for the account in the region
// (DeregisterAccount) once the user typed the word.
func (c *Console) amDeregister(q *req) string {
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "deregister" {
		q.s.addFlash(flash{Kind: "error", Title: "Audit Manager not disabled", Message: "To confirm, enter deregister in the box."})
		return amSettings
	}
	_, err := q.call("auditmanager", "DeregisterAccount", nil)
	q.done(err, "Audit Manager is disabled", "Audit Manager is disabled for account "+q.caller.AccountID+" in "+q.s.Region+".")
	return amSettings
}

// amPolicy sets what happens to the account's data when it deregisters
// (UpdateSettings with deregistrationPolicy).
func (c *Console) amPolicy(q *req) string {
	policy := q.r.PostFormValue("deleteResources")
	_, err := q.call("auditmanager", "UpdateSettings", map[string]any{"deregistrationPolicy": map[string]any{"deleteResources": policy}})
	q.done(err, "Data deletion policy saved", "When Audit Manager is disabled, "+map[bool]string{true: "all of its data is deleted.", false: "its data is kept."}[policy == "ALL"])
	return amSettings
}

// amRegisterAdmin designates the organization's delegated administrator
// for Audit Manager in the region: RegisterOrganizationAdminAccount when
// Audit Manager is set up for the management account, else RegisterAccount
// with delegatedAdminAccount, which sets it up too (as the seed's
// register-account --delegated-admin-account does). Either enables
// trusted access in Organizations.
func (c *Console) amRegisterAdmin(q *req) string {
	account := strings.TrimSpace(q.r.PostFormValue("account"))
	var err error
	if q.amStatus() == "ACTIVE" {
		_, err = q.call("auditmanager", "RegisterOrganizationAdminAccount", map[string]any{"adminAccountId": account})
	} else {
		_, err = q.call("auditmanager", "RegisterAccount", map[string]any{"delegatedAdminAccount": account})
	}
	q.done(err, "Delegated administrator registered", "Account "+account+" is the delegated administrator for Audit Manager in "+q.s.Region+". Trusted access for Audit Manager is enabled in AWS Organizations.")
	return amSettings
}

// amDeregisterAdmin removes the region's delegated administrator
// (DeregisterOrganizationAdminAccount) once its account id is typed.
func (c *Console) amDeregisterAdmin(q *req) string {
	account := q.r.PathValue("account")
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != account {
		q.s.addFlash(flash{Kind: "error", Title: "Delegated administrator not removed", Message: "To confirm, enter the account ID " + account + " in the box."})
		return amSettings
	}
	_, err := q.call("auditmanager", "DeregisterOrganizationAdminAccount", map[string]any{"adminAccountId": account})
	q.done(err, "Delegated administrator removed", "Account "+account+" is no longer the delegated administrator for Audit Manager in "+q.s.Region+". Its assessments stay; Audit Manager no longer collects evidence for them.")
	return amSettings
}
