package console

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// systemsManagerRoutes registers the pages of this area of the console:
// Explorer (resource data syncs and the OpsData of the organization's
// accounts) and Change Manager (change requests and their approval).
func (c *Console) systemsManagerRoutes() {
	c.handle("GET /systems-manager/explorer", c.page(c.explorerPage))
	c.handle("POST /systems-manager/explorer/syncs", c.action(c.createSync))
	c.handle("POST /systems-manager/explorer/syncs/{name}/delete", c.action(c.deleteSync))
	c.changeManagerRoutes()
}

// ssmPrincipal is Systems Manager's service principal in Organizations.
const ssmPrincipal = "ssm.amazonaws.com"

// syncRow is one resource data sync as the Explorer page shows it.
type syncRow struct {
	Name        string
	Type        string
	SourceType  string
	Source      string // words: "Entire organization", "2 OUs", "This account"
	OUs         []string
	Regions     []string
	Future      bool
	State       smStatus
	Status      smStatus
	Message     string
	LastSync    any
	LastSuccess any
	Created     any
	Org         bool
}

// opsRow is one account's OpsData in the Explorer summary.
type opsRow struct {
	Account   string
	Name      string
	Open      int
	Resolved  int
	Other     int
	Instances int
	Compliant int
	NonComp   int
	Known     bool // the account is in the summary's data
}

// Total is the number of the account's OpsItems.
func (r opsRow) Total() int { return r.Open + r.Resolved + r.Other }

// explorerData is the Explorer page.
type explorerData struct {
	Org      *smOrg
	Access   trustedAccess
	Role     string // "management", "delegated", "member", "standalone"
	Syncs    []syncRow
	SyncsErr any
	// Summary is the OpsData per account, of SummarySync (or of the
	// caller's own account in its region when there is no sync).
	SummarySync string
	Summary     []opsRow
	Totals      opsRow
	SummaryErr  any
	OrgSyncs    []string
	OUs         []smOU
	Regions     []string
	Region      string
}

// explorerPage lists the caller's resource data syncs
// (ListResourceDataSync of both types), the organization's trusted access
// for Systems Manager, and the OpsData of the organization's accounts as
// a sync aggregated it (GetOpsSummary with count aggregators by account).
func (c *Console) explorerPage(q *req) (string, *view) {
	v := &view{Title: "Explorer", Section: "explorer"}
	d := &explorerData{Region: q.s.Region, Regions: regions()}
	v.Data = d
	d.Org = q.smOrgOf(true, true)
	d.Access = d.Org.access(ssmPrincipal)
	d.Role = q.smRole(d.Org, ssmPrincipal)
	for _, typ := range []string{"SyncFromSource", "SyncToDestination"} {
		items, err := q.callAll("ssm", "ListResourceDataSync", map[string]any{"SyncType": typ}, "ResourceDataSyncItems")
		if err != nil {
			if typ == "SyncFromSource" {
				d.SyncsErr = q.smError(err)
			}
			continue
		}
		for _, it := range items {
			d.Syncs = append(d.Syncs, syncRowOf(it))
		}
	}
	for _, s := range d.Syncs {
		if s.Org {
			d.OrgSyncs = append(d.OrgSyncs, s.Name)
		}
	}
	d.SummarySync = q.r.URL.Query().Get("sync")
	if d.SummarySync == "" && len(d.OrgSyncs) > 0 {
		d.SummarySync = d.OrgSyncs[0]
	}
	orgSync := false
	for _, s := range d.OrgSyncs {
		orgSync = orgSync || s == d.SummarySync
	}
	d.Summary, d.Totals, d.SummaryErr = q.opsSummary(d.Org, d.SummarySync, orgSync)
	if d.Role == "management" || d.Role == "delegated" {
		d.OUs = q.smOUs()
	}
	return "sm-explorer", v
}

// smRole is the caller's place in its organization for a service: the
// management account, the service's delegated administrator, a member, or
// an account outside any organization.
func (q *req) smRole(o *smOrg, principal string) string {
	switch {
	case !o.InOrg:
		return "standalone"
	case o.IsManagement:
		return "management"
	}
	admins, err := q.callAll("organizations", "ListDelegatedAdministrators", map[string]any{"ServicePrincipal": principal}, "DelegatedAdministrators")
	if err == nil {
		for _, a := range admins {
			if toString(get(a, "Id")) == q.caller.AccountID {
				return "delegated"
			}
		}
	}
	return "member"
}

func syncRowOf(it any) syncRow {
	r := syncRow{
		Name: toString(get(it, "SyncName")), Type: toString(get(it, "SyncType")),
		SourceType: toString(get(it, "SyncSource", "SourceType")),
		State:      smStatusOf(toString(get(it, "SyncSource", "State"))),
		Status:     smStatusOf(toString(get(it, "LastStatus"))),
		Message:    toString(get(it, "LastSyncStatusMessage")),
		LastSync:   get(it, "LastSyncTime"), LastSuccess: get(it, "LastSuccessfulSyncTime"), Created: get(it, "SyncCreatedTime"),
		Future: get(it, "SyncSource", "IncludeFutureRegions") == true,
	}
	if regions, ok := get(it, "SyncSource", "SourceRegions").([]any); ok {
		for _, x := range regions {
			r.Regions = append(r.Regions, toString(x))
		}
	}
	switch r.SourceType {
	case "AwsOrganizations":
		r.Org = true
		if toString(get(it, "SyncSource", "AwsOrganizationsSource", "OrganizationSourceType")) == "OrganizationalUnits" {
			ous, _ := get(it, "SyncSource", "AwsOrganizationsSource", "OrganizationalUnits").([]any)
			for _, ou := range ous {
				r.OUs = append(r.OUs, toString(get(ou, "OrganizationalUnitId")))
			}
			r.Source = "Organizational units"
		} else {
			r.Source = "Entire organization"
		}
	case "SingleAccountMultiRegions":
		r.Source = "This account"
	case "":
		r.Source = "Amazon S3 destination"
	default:
		r.Source = r.SourceType
	}
	return r
}

// opsSummary is the OpsData of each account: with a sync, what it
// aggregated across the organization; without, the caller's own account
// in the session's region. With a sync of the organization, its accounts
// without data are listed with zeros.
func (q *req) opsSummary(o *smOrg, sync string, orgSync bool) ([]opsRow, opsRow, any) {
	count := func(typ, attr string, sub ...string) map[string]any {
		a := map[string]any{"AggregatorType": "count", "TypeName": typ, "AttributeName": attr}
		for _, s := range sub {
			a["Aggregators"] = []any{map[string]any{"AggregatorType": "count", "TypeName": typ, "AttributeName": s}}
		}
		return a
	}
	in := map[string]any{"Aggregators": []any{
		count("AWS:OpsItem", "AccountId", "Status"),
		count("AWS:InstanceInformation", "AccountId"),
		count("AWS:ComplianceSummary", "AccountId", "Status"),
	}}
	if sync != "" {
		in["SyncName"] = sync
	}
	entities, err := q.callAll("ssm", "GetOpsSummary", in, "Entities")
	if err != nil {
		return nil, opsRow{}, q.smError(err)
	}
	rows := map[string]*opsRow{}
	row := func(id string) *opsRow {
		if rows[id] == nil {
			rows[id] = &opsRow{Account: id, Name: o.Name(id)}
		}
		return rows[id]
	}
	switch {
	case orgSync:
		for _, a := range o.Accounts {
			row(toString(a["Id"]))
		}
	case sync == "":
		row(q.caller.AccountID)
	}
	for _, e := range entities {
		data, _ := get(e, "Data").(map[string]any)
		for typ, item := range data {
			content, _ := get(item, "Content").([]any)
			for _, c := range content {
				acct := toString(get(c, "AccountId"))
				if acct == "" {
					continue
				}
				n, _ := strconv.Atoi(toString(get(c, "Count")))
				r := row(acct)
				r.Known = true
				status := toString(get(c, "Status"))
				switch typ {
				case "AWS:OpsItem":
					switch status {
					case "Open", "InProgress":
						r.Open += n
					case "Resolved":
						r.Resolved += n
					default:
						r.Other += n
					}
				case "AWS:InstanceInformation":
					r.Instances += n
				case "AWS:ComplianceSummary":
					if status == "COMPLIANT" {
						r.Compliant += n
					} else {
						r.NonComp += n
					}
				}
			}
		}
	}
	var out []opsRow
	var total opsRow
	for _, r := range rows {
		out = append(out, *r)
		total.Open += r.Open
		total.Resolved += r.Resolved
		total.Other += r.Other
		total.Instances += r.Instances
		total.Compliant += r.Compliant
		total.NonComp += r.NonComp
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
		}
		return out[i].Account < out[j].Account
	})
	return out, total, nil
}

// smOU is an organizational unit offered in a form.
type smOU struct {
	ID    string
	Name  string
	Depth int
}

// Indent is the OU's name indented by its depth.
func (o smOU) Indent() string { return strings.Repeat("\u00a0\u00a0", o.Depth) + o.Name }

// smOUs lists the organization's OUs, depth first, for the sync form
// (ListRoots, ListOrganizationalUnitsForParent); nil when the caller may
// not list them.
func (q *req) smOUs() []smOU {
	roots, err := q.callAll("organizations", "ListRoots", nil, "Roots")
	if err != nil || len(roots) == 0 {
		return nil
	}
	var out []smOU
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		if len(out) >= 200 {
			return
		}
		ous, err := q.callAll("organizations", "ListOrganizationalUnitsForParent", map[string]any{"ParentId": parent}, "OrganizationalUnits")
		if err != nil {
			return
		}
		sort.Slice(ous, func(i, j int) bool { return toString(get(ous[i], "Name")) < toString(get(ous[j], "Name")) })
		for _, ou := range ous {
			id := toString(get(ou, "Id"))
			out = append(out, smOU{ID: id, Name: toString(get(ou, "Name")), Depth: depth})
			walk(id, depth+1)
		}
	}
	walk(toString(get(roots[0], "Id")), 0)
	return out
}

// createSync creates a resource data sync of type SyncFromSource: of the
// organization (entire or some OUs) or of the caller's account, across
// the regions chosen (CreateResourceDataSync).
func (c *Console) createSync(q *req) string {
	back := "/systems-manager/explorer"
	f := q.r.PostForm
	name := strings.TrimSpace(f.Get("name"))
	src := map[string]any{"SourceRegions": toAnyList(f["regions"]), "IncludeFutureRegions": f.Get("future") != ""}
	switch f.Get("source") {
	case "ous":
		var ous []any
		for _, ou := range f["ous"] {
			for _, id := range strings.FieldsFunc(ou, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
				ous = append(ous, map[string]any{"OrganizationalUnitId": id})
			}
		}
		src["SourceType"] = "AwsOrganizations"
		src["AwsOrganizationsSource"] = map[string]any{"OrganizationSourceType": "OrganizationalUnits", "OrganizationalUnits": ous}
	case "account":
		src["SourceType"] = "SingleAccountMultiRegions"
	default:
		src["SourceType"] = "AwsOrganizations"
		src["AwsOrganizationsSource"] = map[string]any{"OrganizationSourceType": "EntireOrganization"}
	}
	_, err := q.call("ssm", "CreateResourceDataSync", map[string]any{"SyncName": name, "SyncType": "SyncFromSource", "SyncSource": src})
	q.done(err, "Resource data sync created", "The resource data sync "+name+" was created. Explorer collects its data now and then regularly.")
	if err != nil {
		return back
	}
	return back + "?sync=" + url.QueryEscape(name)
}

// deleteSync deletes a resource data sync after its typed confirmation
// (DeleteResourceDataSync).
func (c *Console) deleteSync(q *req) string {
	name := q.r.PathValue("name")
	back := "/systems-manager/explorer"
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "delete" {
		q.s.addFlash(flash{Kind: "error", Title: "Resource data sync not deleted", Message: "To confirm, enter delete in the box."})
		return back
	}
	in := map[string]any{"SyncName": name}
	if typ := q.r.PostFormValue("type"); typ != "" {
		in["SyncType"] = typ
	}
	_, err := q.call("ssm", "DeleteResourceDataSync", in)
	q.done(err, "Resource data sync deleted", "The resource data sync "+name+" and the data it collected were deleted.")
	return back
}

func toAnyList(l []string) []any {
	out := make([]any, 0, len(l))
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
