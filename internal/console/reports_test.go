package console_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

const ssrPrincipal = "selfservicereporting.managedservices.amazonaws.com"

// fastBackups makes AWS Backup jobs end at once.
func fastBackups(c *app.Config) { c.BackupJobDuration = time.Millisecond }

// ssrInstance creates a managed EC2 instance in account, in patch group
// "web", with patch compliance: installed, missing (critical of them
// critical) and failed patches; no patches at all leaves it unreported.
func (f *fixture) ssrInstance(account, id string, installed, missing, critical, failed int) {
	f.t.Helper()
	now := f.m.Clock.Now().UTC()
	capture := now.Format(time.RFC3339)
	f.api(account, "ssm", "PutInventory", map[string]any{"InstanceId": id, "Items": []any{
		map[string]any{"TypeName": "AWS:InstanceInformation", "SchemaVersion": "1.0", "CaptureTime": capture,
			"Content": []any{map[string]any{"InstanceId": id, "PlatformType": "Linux", "ResourceType": "EC2Instance", "InstanceStatus": "Active"}}},
		map[string]any{"TypeName": "AWS:Tag", "SchemaVersion": "1.0", "CaptureTime": capture,
			"Content": []any{map[string]any{"Key": "Patch Group", "Value": "web"}}},
	}})
	if installed+missing+failed == 0 {
		return
	}
	var items []any
	add := func(n int, severity, status, state string) {
		for i := 0; i < n; i++ {
			items = append(items, map[string]any{"Id": "KB-" + state + strconv.Itoa(len(items)), "Severity": severity, "Status": status,
				"Details": map[string]any{"PatchState": state}})
		}
	}
	add(installed, "MEDIUM", "COMPLIANT", "Installed")
	add(critical, "CRITICAL", "NON_COMPLIANT", "Missing")
	add(missing-critical, "LOW", "NON_COMPLIANT", "Missing")
	add(failed, "HIGH", "NON_COMPLIANT", "Failed")
	f.api(account, "ssm", "PutComplianceItems", map[string]any{"ResourceId": id, "ResourceType": "ManagedInstance", "ComplianceType": "Patch",
		"ExecutionSummary": map[string]any{"ExecutionTime": now}, "Items": items})
}

// ssrBackup runs a backup job on an instance of account and waits for it
// to end (it fails when the instance doesn't exist).
func (f *fixture) ssrBackup(account, instance string) {
	f.t.Helper()
	if _, err := f.apiErr(account, "iam", "GetRole", map[string]any{"RoleName": "BackupRole"}); err != nil {
		f.api(account, "iam", "CreateRole", map[string]any{"RoleName": "BackupRole", "AssumeRolePolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	}
	job := fieldString(f.api(account, "backup", "StartBackupJob", map[string]any{"BackupVaultName": "Default",
		"ResourceArn": "arn:aws:ec2:us-east-1:" + account + ":instance/" + instance, "IamRoleArn": "arn:aws:iam::" + account + ":role/BackupRole"}), "BackupJobId")
	for i := 0; i < 500; i++ {
		f.settle()
		state := fieldString(f.api(account, "backup", "DescribeBackupJob", map[string]any{"BackupJobId": job}), "State")
		if state == "COMPLETED" || state == "FAILED" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.t.Fatalf("backup job %s did not end", job)
}

// ssrIncident opens an OpsItem in account, resolving it when asked.
func (f *fixture) ssrIncident(account, severity string, resolve bool) {
	f.t.Helper()
	id := fieldString(f.api(account, "ssm", "CreateOpsItem", map[string]any{"Title": "incident", "Description": "d", "Source": "EC2", "Severity": severity}), "OpsItemId")
	if resolve {
		f.api(account, "ssm", "UpdateOpsItem", map[string]any{"OpsItemId": id, "Status": "Resolved"})
	}
}

// ssrOrganization is the organization of the SSR seed: three members
// with instances, backups and incidents (m1 two instances, one compliant
// and one missing patches, one backed up, two incidents one resolved; m2
// one compliant instance backed up, one incident; m3 a failed patch, an
// unreported instance and a compliant one, a failed backup of an
// instance that doesn't exist), trusted access enabled when asked and m1
// the delegated administrator.
func (f *fixture) ssrOrganization(trusted bool) []string {
	f.t.Helper()
	m := f.organization(3)
	f.ssrInstance(m[0], "i-01000000000000001", 3, 0, 0, 0)
	f.ssrInstance(m[0], "i-01000000000000002", 1, 2, 1, 0)
	f.ssrBackup(m[0], "i-01000000000000001")
	f.ssrIncident(m[0], "1", true)
	f.ssrIncident(m[0], "2", false)
	f.ssrInstance(m[1], "i-02000000000000001", 5, 0, 0, 0)
	f.ssrBackup(m[1], "i-02000000000000001")
	f.ssrIncident(m[1], "1", false)
	f.ssrInstance(m[2], "i-03000000000000001", 2, 0, 0, 1)
	f.ssrInstance(m[2], "i-03000000000000002", 0, 0, 0, 0)
	f.ssrInstance(m[2], "i-03000000000000003", 4, 0, 0, 0)
	f.ssrBackup(m[2], "i-03999999999999999")
	if trusted {
		f.api(mgmt, "organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": ssrPrincipal})
		f.settle()
		f.api(mgmt, "organizations", "RegisterDelegatedAdministrator", map[string]any{"AccountId": m[0], "ServicePrincipal": ssrPrincipal})
	}
	return m
}

// chart is a chart of a page, parsed back from its SVG.
type ssrChart struct {
	t    *testing.T
	root *xnode
}

type xnode struct {
	name     string
	attr     map[string]string
	text     string
	children []*xnode
}

// svgOf finds the chart with id on a page and parses it as XML.
func svgOf(t *testing.T, page, id string) *ssrChart {
	t.Helper()
	re := regexp.MustCompile(`(?s)<svg [^>]*id="` + regexp.QuoteMeta(id) + `".*?</svg>`)
	s := re.FindString(page)
	if s == "" {
		t.Fatalf("no chart %s on the page:\n%s", id, page)
	}
	dec := xml.NewDecoder(strings.NewReader(s))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart %s isn't well-formed: %v\n%s", id, err, s)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: x.Name.Local, attr: map[string]string{}}
			for _, a := range x.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				stack[len(stack)-1].children = append(stack[len(stack)-1].children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(x)
			}
		}
	}
	return &ssrChart{t: t, root: root}
}

func (n *xnode) find(match func(*xnode) bool) []*xnode {
	var out []*xnode
	if match(n) {
		out = append(out, n)
	}
	for _, c := range n.children {
		out = append(out, c.find(match)...)
	}
	return out
}

func (n *xnode) class(c string) bool {
	for _, f := range strings.Fields(n.attr["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

func (n *xnode) texts() []string {
	var out []string
	for _, t := range n.find(func(x *xnode) bool { return x.name == "text" }) {
		out = append(out, strings.TrimSpace(t.text))
	}
	return out
}

// title and desc are the chart's accessible name and description.
func (c *ssrChart) title() string { return c.first("title").text }
func (c *ssrChart) desc() string  { return c.first("desc").text }

func (c *ssrChart) first(name string) *xnode {
	for _, n := range c.root.children {
		if n.name == name {
			return n
		}
	}
	c.t.Fatalf("chart without <%s>", name)
	return nil
}

// dots are the trend's points: label → value, per series.
func (c *ssrChart) dots(series string) []string {
	var out []string
	for _, g := range c.root.find(func(x *xnode) bool { return x.attr["data-series"] == series }) {
		for _, d := range g.find(func(x *xnode) bool { return x.class("dot") }) {
			out = append(out, d.attr["data-label"]+"="+d.attr["data-value"])
		}
	}
	return out
}

// bars are the stacked bars: account → "segment=value ..." and its note.
func (c *ssrChart) bars() map[string]string {
	out := map[string]string{}
	for _, g := range c.root.find(func(x *xnode) bool { return x.class("bar-row") }) {
		var parts []string
		for _, s := range g.find(func(x *xnode) bool { return x.class("seg") }) {
			parts = append(parts, s.attr["data-segment"]+"="+s.attr["data-value"])
		}
		note := g.find(func(x *xnode) bool { return x.class("bar-note") })
		if len(note) == 1 {
			parts = append(parts, "note="+strings.TrimSpace(note[0].text))
		}
		out[g.attr["data-account"]] = strings.Join(parts, " ")
	}
	return out
}

func (c *ssrChart) hasText(s string) bool {
	for _, t := range c.root.texts() {
		if t == s {
			return true
		}
	}
	return false
}

var rowRE = regexp.MustCompile(`<tr data-row="([^"]*)" data-account="([^"]*)">`)

// tableRows are the rows of the report table: "account/resource".
func tableRows(page string) []string {
	var out []string
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		out = append(out, m[2]+"/"+m[1])
	}
	return out
}

var statRE = regexp.MustCompile(`data-stat="(\w+)"><div class="stat-value">([^<]*)</div>`)

func stats(page string) map[string]string {
	out := map[string]string{}
	for _, m := range statRE.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// accountName is an account's name in the organization.
func (f *fixture) accountName(id string) string {
	f.t.Helper()
	return fieldString(f.api(mgmt, "organizations", "DescribeAccount", map[string]any{"AccountId": id}), "Account.Name")
}

func sameSet(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			return false
		}
	}
	return true
}

func ssrContains(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Fatalf("%s: no %q in\n%s", what, w, page)
		}
	}
}

func TestReportsOrganizationView(t *testing.T) {
	f := newFixture(t, fastBackups)
	m := f.ssrOrganization(true)
	f.signIn(mgmt)

	// No report yet: the organization view, empty charts, an offer to
	// generate one.
	status, page := f.get("/managed-services/reports")
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, page)
	}
	ssrContains(t, "before any report", page, `id="no-reports"`, `<span class="on" id="scope-organization"`, `id="ssr-access">Access enabled`, `data-admin="`+m[0]+`"`,
		`href="/organizations/services/`+ssrPrincipal+`" id="ssr-service-link"`)
	if tr := svgOf(t, page, "trend-chart"); !tr.hasText("No reports yet") || tr.desc() != "No reports yet." || !strings.HasPrefix(tr.title(), "Patch compliance over time") {
		t.Fatalf("empty trend: %q %q %q", tr.title(), tr.desc(), tr.root.texts())
	}
	if b := svgOf(t, page, "accounts-chart"); !b.hasText("No reports yet") || len(b.bars()) != 0 {
		t.Fatalf("empty bars: %q", b.root.texts())
	}

	// Generate now: one day of history.
	_, page = f.post("/managed-services/reports/generate", url.Values{"type": {"patch"}, "scope": {"organization"}})
	ssrContains(t, "generated", page, "Report generated", "6 rows from 4 accounts")
	day1 := regexp.MustCompile(`id="report-date">([0-9-]+)<`).FindStringSubmatch(page)[1]
	if s := stats(page); s["Instances"] != "6" || s["CompliantInstances"] != "3" || s["NonCompliantInstances"] != "2" || s["UnreportedInstances"] != "1" ||
		s["CriticalMissingPatches"] != "1" || s["FailedPatches"] != "1" {
		t.Fatalf("totals: %v", s)
	}
	if g := svgOf(t, page, "report-gauge"); !g.hasText("60%") {
		t.Fatalf("gauge: %q", g.root.texts())
	}
	tr := svgOf(t, page, "trend-chart")
	if d := tr.dots("Compliance"); len(d) != 1 || !strings.HasSuffix(d[0], "=60") || !strings.Contains(tr.desc(), "Compliance: 60% on the last day") {
		t.Fatalf("one day of trend: %v %q", d, tr.desc())
	}
	bars := svgOf(t, page, "accounts-chart")
	got := bars.bars()
	if got[m[0]] != "Compliant=1 Non-compliant=1 note=50%" || got[m[1]] != "Compliant=1 note=100%" ||
		got[m[2]] != "Compliant=1 Non-compliant=1 Unreported=1 note=50%" || got[mgmt] != "note=—" {
		t.Fatalf("bars: %v", got)
	}
	if !bars.hasText(f.accountName(m[0])) || !strings.Contains(page, "<title>"+f.accountName(m[0])+" ("+m[0]+")</title>") || !strings.Contains(bars.desc(), f.accountName(m[2])+" ("+m[2]+"): 1 compliant, 1 non-compliant, 1 unreported.") {
		t.Fatalf("bar labels: %q %q", bars.root.texts(), bars.desc())
	}
	if rows := tableRows(page); len(rows) != 6 || !strings.Contains(page, `<span class="badge badge-red">Non-compliant</span>`) {
		t.Fatalf("rows: %v", rows)
	}

	// A day later an instance is added to m2 and the report generated
	// again: the trend has two days.
	f.m.Clock.Advance(24 * time.Hour)
	f.settle()
	f.ssrInstance(m[1], "i-02000000000000002", 2, 0, 0, 0)
	_, page = f.post("/managed-services/reports/generate", url.Values{"type": {"patch"}, "scope": {"organization"}})
	ssrContains(t, "second day", page, "7 rows from 4 accounts")
	day2 := regexp.MustCompile(`id="report-date">([0-9-]+)<`).FindStringSubmatch(page)[1]
	if day2 == day1 {
		t.Fatalf("the same day: %s", day2)
	}
	tr = svgOf(t, page, "trend-chart")
	if d := tr.dots("Compliance"); len(d) != 2 || !strings.HasSuffix(d[0], "=60") || !strings.HasSuffix(d[1], "=66.67") {
		t.Fatalf("two days: %v", d)
	}
	if !strings.Contains(tr.desc(), "From "+day1+" to "+day2+" (2 reports). Compliance: 66.67% on the last day, lowest 60%, highest 66.67%.") {
		t.Fatalf("trend desc: %q", tr.desc())
	}
	if s := stats(page); s["Instances"] != "7" {
		t.Fatalf("day 2 totals: %v", s)
	}

	// The date range: the first day only.
	_, page = f.get("/managed-services/reports?type=patch&scope=organization&from=" + day1 + "&to=" + day1)
	if d := svgOf(t, page, "trend-chart").dots("Compliance"); len(d) != 1 || !strings.HasSuffix(d[0], "=60") {
		t.Fatalf("range of day 1: %v", d)
	}
	if rows := tableRows(page); len(rows) != 6 {
		t.Fatalf("rows of day 1: %v", rows)
	}
	ssrContains(t, "day 1", page, `<option value="`+day1+`" selected>`)

	// Filters: compliance (through the API), account, search.
	_, page = f.get("/managed-services/reports?type=patch&compliance_state=NON_COMPLIANT")
	if rows := tableRows(page); !sameSet(rows, m[0]+"/i-01000000000000002", m[2]+"/i-03000000000000001") {
		t.Fatalf("non-compliant rows: %v", rows)
	}
	ssrContains(t, "filtered", page, "Rows 1–2 of 2 (of 7 in the report)", `<option value="NON_COMPLIANT" selected>Non-compliant (2)</option>`, `id="clear-filters"`)
	_, page = f.get("/managed-services/reports?type=patch&account=" + m[2])
	if rows := tableRows(page); !sameSet(rows, m[2]+"/i-03000000000000001", m[2]+"/i-03000000000000002", m[2]+"/i-03000000000000003") {
		t.Fatalf("account filter rows: %v", rows)
	}
	if s := stats(page); s["Instances"] != "3" || !svgOf(t, page, "report-gauge").hasText("50%") {
		t.Fatalf("account filter totals: %v", s)
	}
	if got := svgOf(t, page, "accounts-chart").bars(); len(got) != 1 || got[m[2]] == "" {
		t.Fatalf("account filter bars: %v", got)
	}
	if d := svgOf(t, page, "trend-chart").dots("Compliance"); len(d) != 2 || !strings.HasSuffix(d[0], "=50") || !strings.HasSuffix(d[1], "=50") {
		t.Fatalf("account filter trend: %v", d)
	}
	_, page = f.get("/managed-services/reports?type=patch&q=i-0200")
	if rows := tableRows(page); len(rows) != 2 {
		t.Fatalf("search: %v", rows)
	}

	// Backup: generated, bars by state from the rows.
	_, page = f.post("/managed-services/reports/generate", url.Values{"type": {"backup"}, "scope": {"organization"}})
	ssrContains(t, "backup", page, `data-report-type="BACKUP" class="active"`, "Report generated")
	got = svgOf(t, page, "accounts-chart").bars()
	if got[m[0]] != "Protected=1 Not protected=1 note=50%" || got[m[1]] != "Protected=1 Not protected=1 note=50%" ||
		got[m[2]] != "Last job failed=1 Not protected=3 note=0%" {
		t.Fatalf("backup bars: %v", got)
	}
	if s := stats(page); s["Resources"] != "8" || s["ProtectedResources"] != "2" || s["FailedLastJobs"] != "1" {
		t.Fatalf("backup totals: %v", s)
	}
	_, page = f.get("/managed-services/reports?type=backup&protected=true")
	if rows := tableRows(page); len(rows) != 2 {
		t.Fatalf("protected rows: %v", rows)
	}

	// Incidents.
	_, page = f.post("/managed-services/reports/generate", url.Values{"type": {"incident"}, "scope": {"organization"}})
	got = svgOf(t, page, "accounts-chart").bars()
	if got[m[0]] != "Resolved=1 Open=1 note=2" || got[m[1]] != "Open=1 note=1" {
		t.Fatalf("incident bars: %v", got)
	}
	if d := svgOf(t, page, "trend-chart").dots("Opened"); len(d) != 1 || !strings.HasSuffix(d[0], "=3") {
		t.Fatalf("incident trend: %v", d)
	}

	// Export, as ExportReport returns it, with the filters shown.
	resp, err := f.client.Get(f.base + "/managed-services/reports/export?type=patch&scope=organization&date=" + day2 + "&format=csv&compliance_state=NON_COMPLIANT")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		resp.Header.Get("Content-Disposition") != `attachment; filename=patch-organization-`+day2+`.csv` ||
		len(lines) != 3 || !strings.HasPrefix(lines[0], "account_id,region,instance_id") {
		t.Fatalf("CSV export: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	resp, err = f.client.Get(f.base + "/managed-services/reports/export?type=backup&scope=organization&format=json&account=" + m[0])
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	err = json.NewDecoder(resp.Body).Decode(&rows)
	resp.Body.Close()
	if err != nil || len(rows) != 2 || rows[0]["account_id"] != m[0] || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON export: %v %v %v", err, rows, resp.Header)
	}
	_, page = f.get("/managed-services/reports?type=patch")
	ssrContains(t, "export links", page, `id="export-csv" href="/managed-services/reports/export?date=`+day2, "ams-reporting-data-a"+mgmt+"/organization/patch/"+day2+".csv")
	// An export of a day without a report comes back as the API's error.
	_, page = f.get("/managed-services/reports/export?type=patch&scope=organization&date=2001-01-01&format=csv")
	ssrContains(t, "export error", page, "ResourceNotFoundException", "There is no PATCH report for 2001-01-01.")
}

func TestReportsDelegatedAdministratorAndMembers(t *testing.T) {
	f := newFixture(t, fastBackups)
	m := f.ssrOrganization(false)

	// Before trusted access, the management account is told why there is
	// no organization view, and sees its own reports.
	f.signIn(mgmt)
	_, page := f.get("/managed-services/reports?scope=organization")
	ssrContains(t, "no trusted access", page, `id="org-refused" role="status" data-error-code="TrustedAccessNotEnabledException"`,
		`<a href="/organizations/services/`+ssrPrincipal+`">`, `<span class="on" id="scope-account"`, `id="ssr-access">Access disabled`, `id="ssr-admins"><span class="muted">None`)
	f.api(mgmt, "organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": ssrPrincipal})
	f.settle()
	f.api(mgmt, "organizations", "RegisterDelegatedAdministrator", map[string]any{"AccountId": m[0], "ServicePrincipal": ssrPrincipal})

	// The delegated administrator has the organization view.
	da := newFixtureClient(f)
	da.signIn(m[0])
	_, page = da.post("/managed-services/reports/generate", url.Values{"type": {"patch"}, "scope": {"organization"}})
	ssrContains(t, "delegated administrator", page, "Report generated", `<span class="on" id="scope-organization"`, "The delegated administrator", `data-admin="`+m[0]+`"`)
	if rows := tableRows(page); len(rows) != 6 {
		t.Fatalf("delegated administrator's rows: %v", rows)
	}

	// A plain member: its own account only, told why not more.
	mem := newFixtureClient(f)
	mem.signIn(m[2])
	_, page = mem.get("/managed-services/reports")
	ssrContains(t, "member", page, `<span class="on" id="scope-account"`, `<span class="off" id="scope-organization"`, `id="no-reports"`, `id="admin-unknown"`)
	if strings.Contains(page, `id="org-refused"`) {
		t.Fatalf("refusal shown unasked: %s", page)
	}
	_, page = mem.post("/managed-services/reports/generate", url.Values{"type": {"patch"}, "scope": {"organization"}})
	ssrContains(t, "member generating the organization's", page, `<div class="alert-title">AccessDeniedException</div>`)
	_, page = mem.post("/managed-services/reports/generate", url.Values{"type": {"patch"}, "scope": {"account"}})
	ssrContains(t, "member's own", page, "Report generated", "3 rows from 1 account.")
	_, page = mem.get("/managed-services/reports?scope=organization&account=" + m[0])
	ssrContains(t, "member asking for the organization", page, `id="org-refused" role="status" data-error-code="AccessDeniedException"`,
		"Only the organization's management account and the delegated administrator", "Showing this account's own reports instead.")
	rows := tableRows(page)
	if len(rows) != 3 {
		t.Fatalf("member's rows: %v", rows)
	}
	for _, r := range rows {
		if !strings.HasPrefix(r, m[2]+"/") {
			t.Fatalf("member sees another account's row %s", r)
		}
	}
	if got := svgOf(t, page, "accounts-chart").bars(); len(got) != 1 || got[m[2]] != "Compliant=1 Non-compliant=1 Unreported=1 note=50%" {
		t.Fatalf("member's bars: %v", got)
	}
	// The member's export is its own report.
	resp, err := mem.client.Get(mem.base + "/managed-services/reports/export?type=patch&scope=account&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); len(lines) != 4 || strings.Contains(string(body), m[0]) {
		t.Fatalf("member's export: %s", body)
	}

	// An account without anything to report: zero rows, charts still drawn.
	solo := newFixtureClient(f)
	solo.signIn(standalone)
	_, page = solo.post("/managed-services/reports/generate", url.Values{"type": {"backup"}, "scope": {"account"}})
	ssrContains(t, "nothing to report", page, "0 rows from 1 account.", "This report has no rows.", `id="no-organization"`)
	if g := svgOf(t, page, "report-gauge"); !g.hasText("—") {
		t.Fatalf("gauge without resources: %q", g.root.texts())
	}
	if got := svgOf(t, page, "accounts-chart").bars(); got[standalone] != "note=—" {
		t.Fatalf("bars without resources: %v", got)
	}
	if d := svgOf(t, page, "trend-chart"); !d.hasText("Nothing to measure in these reports") {
		t.Fatalf("trend without data: %q", d.root.texts())
	}
}

// TestReportsEnforceMode: an IAM user without Self-Service Reporting
// permissions sees the API's refusal, not a broken page; once allowed,
// the user's account's reports.
func TestReportsEnforceMode(t *testing.T) {
	f := newFixture(t, fastBackups, func(c *app.Config) { c.Auth = "enforce"; c.RootSecret = "s3cret" })
	f.api(standalone, "iam", "CreateUser", map[string]any{"UserName": "viewer"})
	key := f.api(standalone, "iam", "CreateAccessKey", map[string]any{"UserName": "viewer"})
	f.ssrInstance(standalone, "i-0f000000000000001", 1, 0, 0, 0)
	status, _ := f.postForm("/signin", url.Values{"access_key": {fieldString(key, "AccessKey.AccessKeyId")}, "secret_key": {fieldString(key, "AccessKey.SecretAccessKey")}, "region": {"us-east-1"}})
	if status != http.StatusOK {
		t.Fatalf("sign-in: %d", status)
	}
	status, page := f.get("/managed-services/reports")
	if status != http.StatusOK || strings.Contains(page, "goroutine") {
		t.Fatalf("%d %s", status, page)
	}
	ssrContains(t, "no permission", page, `data-error-code="AccessDeniedException"`, `id="ssr-admin"`)
	if strings.Contains(page, `id="generate-now"`) {
		t.Fatalf("report controls without the report types: %s", page)
	}
	f.api(standalone, "iam", "PutUserPolicy", map[string]any{"UserName": "viewer", "PolicyName": "reports",
		"PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"selfservicereporting:*","Resource":"*"}]}`})
	_, page = f.post("/managed-services/reports/generate", url.Values{"type": {"patch"}, "scope": {"account"}})
	ssrContains(t, "allowed", page, "Report generated", "1 row from 1 account.", `data-row="i-0f000000000000001"`)
}
