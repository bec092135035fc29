package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

func fastExplorer(c *app.Config) { c.ExplorerSyncInterval = 100 * time.Millisecond }

const orgSyncSource = `{"SourceType":"AwsOrganizations","SourceRegions":["us-east-1"],"IncludeFutureRegions":true,"AwsOrganizationsSource":{"OrganizationSourceType":"EntireOrganization"}}`

// opsCounts runs get-ops-summary with a count aggregator and returns the
// count per attribute value.
func (s *srv) opsCounts(t testing.TB, account, sync, typ, attr string) map[string]int {
	t.Helper()
	args := []string{"ssm", "get-ops-summary", "--aggregators", `[{"AggregatorType":"count","TypeName":"` + typ + `","AttributeName":"` + attr + `"}]`}
	if sync != "" {
		args = append(args, "--sync-name", sync)
	}
	out := s.awsOK(t, account, args...)
	counts := map[string]int{}
	for _, e := range list(out, "Entities") {
		for _, c := range list(e.(map[string]any)["Data"].(map[string]any)[typ], "Content") {
			n, _ := strconv.Atoi(str(c, "Count"))
			counts[str(c, attr)] += n
		}
	}
	return counts
}

func (s *srv) syncItem(t testing.TB, account, name string) map[string]any {
	t.Helper()
	for _, it := range list(s.awsOK(t, account, "ssm", "list-resource-data-sync", "--sync-type", "SyncFromSource"), "ResourceDataSyncItems") {
		if str(it, "SyncName") == name {
			return it.(map[string]any)
		}
	}
	return nil
}

// TestExplorerOrganizationSyncCLI: OpsItems and patch compliance created
// in three member accounts, each with its own key, show up aggregated in
// get-ops-summary --sync-name from the management account and from the
// Explorer delegated administrator; then trusted access is disabled in
// Organizations and the syncs stop.
func TestExplorerOrganizationSyncCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, fastExplorer)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	var members []string
	for i := 0; i < 3; i++ {
		members = append(members, s.createAccount(t, mgmt, "ops"+strconv.Itoa(i)+"@example.com", "Ops"+strconv.Itoa(i)))
	}
	da := s.createAccount(t, mgmt, "explorer@example.com", "Explorer")
	for i, m := range members {
		s.awsOK(t, m, "ssm", "create-ops-item", "--title", "disk full", "--source", "EC2", "--description", "d", "--severity", "2")
		id := str(s.awsOK(t, m, "ssm", "create-ops-item", "--title", "cpu", "--source", "EC2", "--description", "d"), "OpsItemId")
		s.awsOK(t, m, "ssm", "update-ops-item", "--ops-item-id", id, "--status", "Resolved")
		status := "COMPLIANT"
		if i == 0 {
			status = "NON_COMPLIANT"
		}
		s.awsOK(t, m, "ssm", "put-compliance-items", "--resource-id", "i-0123456789abcdef"+strconv.Itoa(i), "--resource-type", "ManagedInstance",
			"--compliance-type", "Patch", "--execution-summary", "ExecutionTime=2026-11-01T00:00:00Z",
			"--items", "Id=KB1,Title=Patch,Severity=CRITICAL,Status="+status)
	}

	// Creating the first organization sync from the management account
	// enables trusted access and creates the discovery role.
	s.awsOK(t, mgmt, "ssm", "create-resource-data-sync", "--sync-name", "OrgSync", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)
	enabled := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals")
	if len(enabled) != 1 || str(enabled[0], "ServicePrincipal") != "ssm.amazonaws.com" {
		t.Fatalf("trusted access after the sync: %v", enabled)
	}
	s.awsOK(t, mgmt, "iam", "get-role", "--role-name", "AWSServiceRoleForAmazonSSM_AccountDiscovery")
	eventually(t, "the sync to succeed", func() bool { return str(s.syncItem(t, mgmt, "OrgSync"), "LastStatus") == "Successful" })
	item := s.syncItem(t, mgmt, "OrgSync")
	if str(item, "SyncSource", "State") != "Active" || str(item, "SyncSource", "SourceType") != "AwsOrganizations" {
		t.Fatalf("sync %v", item)
	}
	if _, ok := item["LastSyncTime"].(float64); !ok {
		t.Fatalf("LastSyncTime %v", item["LastSyncTime"])
	}
	// Systems Manager created its role in each member, through Organizations.
	for _, m := range members {
		s.awsOK(t, m, "iam", "get-role", "--role-name", "AWSServiceRoleForAmazonSSM")
	}

	want := map[string]int{"Open": 3, "Resolved": 3}
	if got := s.opsCounts(t, mgmt, "OrgSync", "AWS:OpsItem", "Status"); got["Open"] != 3 || got["Resolved"] != 3 {
		t.Fatalf("OpsItems by status: %v, want %v", got, want)
	}
	byAccount := s.opsCounts(t, mgmt, "OrgSync", "AWS:OpsItem", "AccountId")
	for _, m := range members {
		if byAccount[m] != 2 {
			t.Fatalf("OpsItems by account: %v", byAccount)
		}
	}
	if got := s.opsCounts(t, mgmt, "OrgSync", "AWS:ComplianceSummary", "Status"); got["NON_COMPLIANT"] != 1 || got["COMPLIANT"] != 2 {
		t.Fatalf("patch compliance: %v", got)
	}
	// Without a sync, the caller's own account only.
	if got := s.opsCounts(t, members[1], "", "AWS:OpsItem", "Status"); got["Open"] != 1 || got["Resolved"] != 1 {
		t.Fatalf("a member's own summary: %v", got)
	}
	s.awsErr(t, mgmt, "ResourceDataSyncNotFoundException", "ssm", "get-ops-summary", "--sync-name", "Nope")
	s.awsErr(t, members[0], "ResourceDataSyncInvalidConfigurationException", "ssm", "create-resource-data-sync", "--sync-name", "X", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)

	// The Explorer delegated administrator: exactly one; it makes its own
	// organization syncs and queries them.
	s.awsOK(t, mgmt, "organizations", "register-delegated-administrator", "--account-id", da, "--service-principal", "ssm.amazonaws.com")
	s.awsErr(t, mgmt, "ConstraintViolationException", "organizations", "register-delegated-administrator", "--account-id", members[2], "--service-principal", "ssm.amazonaws.com")
	s.awsOK(t, da, "ssm", "create-resource-data-sync", "--sync-name", "DASync", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)
	eventually(t, "the administrator's sync", func() bool { return str(s.syncItem(t, da, "DASync"), "LastStatus") == "Successful" })
	if got := s.opsCounts(t, da, "DASync", "AWS:OpsItem", "Status"); got["Open"] != 3 || got["Resolved"] != 3 {
		t.Fatalf("from the delegated administrator: %v", got)
	}
	if s.syncItem(t, mgmt, "DASync") != nil {
		t.Fatal("the administrator's sync shows in the management account")
	}

	// An account that joins later is included.
	late := s.createAccount(t, mgmt, "late@example.com", "Late")
	s.awsOK(t, late, "ssm", "create-ops-item", "--title", "late", "--source", "EC2", "--description", "d")
	eventually(t, "the new account in the aggregate", func() bool {
		return s.opsCounts(t, mgmt, "OrgSync", "AWS:OpsItem", "AccountId")[late] == 1
	})

	// Disabling in Organizations: the syncs fail and collect no more.
	s.awsOK(t, mgmt, "organizations", "disable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	eventually(t, "the sync to stop", func() bool {
		it := s.syncItem(t, mgmt, "OrgSync")
		return str(it, "SyncSource", "State") == "TrustedAccessDisabled" && str(it, "LastStatus") == "Failed" && str(it, "LastSyncStatusMessage") != ""
	})
	s.awsOK(t, members[2], "ssm", "create-ops-item", "--title", "after", "--source", "EC2", "--description", "d")
	time.Sleep(400 * time.Millisecond)
	if got := s.opsCounts(t, mgmt, "OrgSync", "AWS:OpsItem", "AccountId"); got[members[2]] != 2 {
		t.Fatalf("data arrived after trusted access was disabled: %v", got)
	}
	if str(s.syncItem(t, da, "DASync"), "SyncSource", "State") != "TrustedAccessDisabled" {
		t.Fatal("the administrator's sync kept going")
	}
	// Deregistering the administrator deletes the syncs it created.
	s.awsOK(t, mgmt, "organizations", "deregister-delegated-administrator", "--account-id", da, "--service-principal", "ssm.amazonaws.com")
	eventually(t, "the administrator's syncs to go", func() bool { return s.syncItem(t, da, "DASync") == nil })
}

// TestExplorerDisableThroughSSMCLI: deleting the organization sync cleans
// up and disables trusted access; re-enabling needs a new sync.
func TestExplorerDisableThroughSSMCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, fastExplorer)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	s.awsOK(t, mgmt, "ssm", "create-resource-data-sync", "--sync-name", "OrgSync", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)
	s.awsOK(t, mgmt, "ssm", "delete-resource-data-sync", "--sync-name", "OrgSync", "--sync-type", "SyncFromSource")
	if enabled := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals"); len(enabled) != 0 {
		t.Fatalf("trusted access after deleting the sync: %v", enabled)
	}
	s.awsErr(t, mgmt, "ResourceDataSyncNotFoundException", "ssm", "delete-resource-data-sync", "--sync-name", "OrgSync")
	s.awsOK(t, mgmt, "ssm", "create-resource-data-sync", "--sync-name", "Again", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)
	if enabled := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals"); len(enabled) != 1 {
		t.Fatalf("a new sync re-enables trusted access: %v", enabled)
	}
	r := s.awsErr(t, mgmt, "ResourceDataSyncAlreadyExistsException", "ssm", "create-resource-data-sync", "--sync-name", "Again", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)
	if !strings.Contains(r.stderr, "Again") {
		t.Fatalf("message %s", r.stderr)
	}
}

// TestExplorerCollectsDespiteSCP: an SCP that denies ssm:* in a member
// account stops that account's principals but not the organization sync's
// collection there, which runs as Systems Manager's service-linked role.
func TestExplorerCollectsDespiteSCP(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, fastExplorer, enforce)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	member := s.createAccount(t, mgmt, "scp@example.com", "SCP")
	s.awsOK(t, member, "ssm", "create-ops-item", "--title", "before", "--source", "EC2", "--description", "d")
	pid := str(s.awsOK(t, mgmt, "organizations", "create-policy", "--name", "NoSSM", "--description", "d", "--type", "SERVICE_CONTROL_POLICY",
		"--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:*","Resource":"*"}]}`), "Policy", "PolicySummary", "Id")
	s.awsOK(t, mgmt, "organizations", "attach-policy", "--policy-id", pid, "--target-id", member)
	r := s.aws(t, member, "ssm", "create-ops-item", "--title", "after", "--source", "EC2", "--description", "d")
	if r.errCode() != "AccessDeniedException" || !strings.Contains(r.stderr, "explicit deny in a service control policy") {
		t.Fatalf("the member's root under the SCP: exit %d %s", r.code, r.stderr)
	}
	s.awsOK(t, mgmt, "ssm", "create-resource-data-sync", "--sync-name", "OrgSync", "--sync-type", "SyncFromSource", "--sync-source", orgSyncSource)
	eventually(t, "the sync to succeed", func() bool { return str(s.syncItem(t, mgmt, "OrgSync"), "LastStatus") == "Successful" })
	if got := s.opsCounts(t, mgmt, "OrgSync", "AWS:OpsItem", "AccountId"); got[member] != 1 {
		t.Fatalf("the SCP stopped the service's collection: %v", got)
	}
}
