package console_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

func fastExplorer(c *app.Config) { c.ExplorerSyncInterval = 100 * time.Millisecond }

// opsCell reads one cell of an account's row of the Explorer summary.
func opsCell(t *testing.T, body, account, col string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)data-ops-account="` + account + `">.*?data-col="` + col + `">(\d+)<`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s cell for %s in\n%s", col, account, body)
	}
	return m[1]
}

// syncNames lists the SyncFromSource syncs of account through the API.
func (f *fixture) syncNames(account string) []string {
	f.t.Helper()
	var names []string
	out := f.api(account, "ssm", "ListResourceDataSync", map[string]any{"SyncType": "SyncFromSource"})
	for _, it := range fieldSlice(out, "ResourceDataSyncItems") {
		names = append(names, fieldString(it, "SyncName"))
	}
	return names
}

// trustedAccess reports whether principal has trusted access in mgmt's
// organization, through the API.
func (f *fixture) trustedAccess(principal string) bool {
	f.t.Helper()
	out := f.api(mgmt, "organizations", "ListAWSServiceAccessForOrganization", nil)
	for _, p := range fieldSlice(out, "EnabledServicePrincipals") {
		if fieldString(p, "ServicePrincipal") == principal {
			return true
		}
	}
	return false
}

func TestExplorerOrganizationSync(t *testing.T) {
	f := newFixture(t, fastExplorer)
	members := f.organization(2)
	for i, m := range members {
		f.api(m, "ssm", "CreateOpsItem", map[string]any{"Title": "disk full", "Source": "EC2", "Description": "d"})
		if i == 0 {
			out := f.api(m, "ssm", "CreateOpsItem", map[string]any{"Title": "cpu", "Source": "EC2", "Description": "d"})
			f.api(m, "ssm", "UpdateOpsItem", map[string]any{"OpsItemId": fieldString(out, "OpsItemId"), "Status": "Resolved"})
		}
	}
	f.api(members[1], "ssm", "PutComplianceItems", map[string]any{"ResourceId": "i-0123456789abcdef0", "ResourceType": "ManagedInstance",
		"ComplianceType": "Patch", "ExecutionSummary": map[string]any{"ExecutionTime": time.Now().UTC()},
		"Items": []any{map[string]any{"Id": "KB1", "Title": "Patch", "Severity": "CRITICAL", "Status": "NON_COMPLIANT"}}})

	f.signIn(mgmt)
	_, body := f.get("/systems-manager/explorer")
	if !strings.Contains(body, "Trusted access for Systems Manager isn't enabled") || !strings.Contains(body, "No resource data sync in us-east-1") {
		t.Fatalf("explorer before any sync:\n%s", body)
	}
	// Without a sync: the management account's own data only.
	if got := opsCell(t, body, mgmt, "open"); got != "0" {
		t.Fatalf("own open OpsItems %s", got)
	}

	// Create an organization-wide sync: it exists through the API and
	// enabled trusted access.
	_, body = f.post("/systems-manager/explorer/syncs", url.Values{"name": {"OrgSync"}, "source": {"organization"}, "regions": {"us-east-1"}, "future": {"1"}})
	if !strings.Contains(body, "Resource data sync created") || !strings.Contains(body, `data-sync="OrgSync"`) || !strings.Contains(body, "Entire organization") {
		t.Fatalf("after creating the sync:\n%s", body)
	}
	if names := f.syncNames(mgmt); len(names) != 1 || names[0] != "OrgSync" {
		t.Fatalf("syncs through the API: %v", names)
	}
	if !f.trustedAccess("ssm.amazonaws.com") {
		t.Fatal("creating the organization sync did not enable trusted access")
	}
	f.settle()
	_, body = f.get("/systems-manager/explorer?sync=OrgSync")
	if !strings.Contains(body, `data-status="Successful"`) || !strings.Contains(body, "Trusted access for Systems Manager is enabled") {
		t.Fatalf("sync status:\n%s", body)
	}
	if opsCell(t, body, members[0], "open") != "1" || opsCell(t, body, members[0], "resolved") != "1" ||
		opsCell(t, body, members[1], "open") != "1" || opsCell(t, body, members[1], "noncompliant") != "1" ||
		!strings.Contains(body, "Member A") {
		t.Fatalf("OpsData per account:\n%s", body)
	}
	if !strings.Contains(body, `id="stat-open">2<`) {
		t.Fatalf("total open OpsItems:\n%s", body)
	}

	// Delete: the typed word is checked; then the sync is gone and trusted
	// access disabled with it.
	_, body = f.post("/systems-manager/explorer/syncs/OrgSync/delete", url.Values{"confirm": {"yes"}, "type": {"SyncFromSource"}})
	if !strings.Contains(body, "To confirm, enter delete in the box.") || len(f.syncNames(mgmt)) != 1 {
		t.Fatalf("delete without the word:\n%s", body)
	}
	_, body = f.post("/systems-manager/explorer/syncs/OrgSync/delete", url.Values{"confirm": {"delete"}, "type": {"SyncFromSource"}})
	if !strings.Contains(body, "Resource data sync deleted") || strings.Contains(body, `data-sync="OrgSync"`) {
		t.Fatalf("after deleting:\n%s", body)
	}
	if len(f.syncNames(mgmt)) != 0 || f.trustedAccess("ssm.amazonaws.com") {
		t.Fatal("the sync or trusted access is still there")
	}
	// Deleting it again: AWS's error, worded as AWS words it.
	_, body = f.post("/systems-manager/explorer/syncs/OrgSync/delete", url.Values{"confirm": {"delete"}})
	if !strings.Contains(body, "ResourceDataSyncNotFoundException") {
		t.Fatalf("deleting a missing sync:\n%s", body)
	}
}

func TestExplorerDelegatedAdminAndMember(t *testing.T) {
	f := newFixture(t, fastExplorer)
	members := f.organization(2)
	admin, plain := members[0], members[1]
	f.api(mgmt, "organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": "ssm.amazonaws.com"})
	f.api(mgmt, "organizations", "RegisterDelegatedAdministrator", map[string]any{"AccountId": admin, "ServicePrincipal": "ssm.amazonaws.com"})
	f.api(plain, "ssm", "CreateOpsItem", map[string]any{"Title": "t", "Source": "EC2", "Description": "d"})

	// The delegated administrator creates its own organization sync.
	f.signIn(admin)
	_, body := f.get("/systems-manager/explorer")
	if !strings.Contains(body, "You are the delegated administrator for Systems Manager") {
		t.Fatalf("delegated administrator's page:\n%s", body)
	}
	_, body = f.post("/systems-manager/explorer/syncs", url.Values{"name": {"AdminSync"}, "source": {"organization"}, "regions": {"us-east-1"}})
	if !strings.Contains(body, `data-sync="AdminSync"`) {
		t.Fatalf("delegated administrator's sync:\n%s", body)
	}
	f.settle()
	_, body = f.get("/systems-manager/explorer")
	if opsCell(t, body, plain, "open") != "1" {
		t.Fatalf("the delegated administrator's summary:\n%s", body)
	}

	// Without trusted access, the page explains and links to the Services
	// page; the API's refusal is shown.
	f.api(mgmt, "organizations", "DisableAWSServiceAccess", map[string]any{"ServicePrincipal": "ssm.amazonaws.com"})
	_, body = f.get("/systems-manager/explorer")
	if !strings.Contains(body, `id="ssm-access-link"`) || !strings.Contains(body, `href="/organizations/services/ssm.amazonaws.com"`) {
		t.Fatalf("no explanation without trusted access:\n%s", body)
	}
	_, body = f.post("/systems-manager/explorer/syncs", url.Values{"name": {"Another"}, "source": {"organization"}, "regions": {"us-east-1"}})
	if !strings.Contains(body, "ResourceDataSyncInvalidConfigurationException") || !strings.Contains(body, "Trusted access between Systems Manager and AWS Organizations is not enabled.") {
		t.Fatalf("refused sync:\n%s", body)
	}

	// A plain member: told who may sync the organization, refused as the
	// API refuses it, and may sync its own account.
	g := newFixtureClient(f)
	g.signIn(plain)
	_, body = g.get("/systems-manager/explorer")
	if !strings.Contains(body, `data-role="member"`) || !strings.Contains(body, mgmt) {
		t.Fatalf("member's page:\n%s", body)
	}
	_, body = g.post("/systems-manager/explorer/syncs", url.Values{"name": {"Mine"}, "source": {"organization"}, "regions": {"us-east-1"}})
	if !strings.Contains(body, `class="alert alert-error"`) || !strings.Contains(body, "ResourceDataSyncInvalidConfigurationException") || strings.Contains(body, "goroutine") {
		t.Fatalf("member's organization sync:\n%s", body)
	}
	_, body = g.post("/systems-manager/explorer/syncs", url.Values{"name": {"Mine"}, "source": {"account"}, "regions": {"us-east-1", "eu-west-1"}})
	if !strings.Contains(body, `data-sync="Mine"`) || !strings.Contains(body, "This account") {
		t.Fatalf("member's own sync:\n%s", body)
	}
	g.settle()
	_, body = g.get("/systems-manager/explorer?sync=Mine")
	if opsCell(t, body, plain, "open") != "1" || strings.Contains(body, `data-ops-account="`+admin+`"`) {
		t.Fatalf("member's own sync summary:\n%s", body)
	}
}
