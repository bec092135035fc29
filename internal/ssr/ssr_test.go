package ssr

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/ssm"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
	"github.com/orgstack/orgstack/internal/trusted"
)

const (
	mgmt   = "111111111111"
	region = "us-east-1"
)

// fixture is Organizations, IAM, Systems Manager and Self-Service
// Reporting over a memory store, with backups given by the test.
type fixture struct {
	st      store.Store
	clock   *orgstack.OffsetClock
	q       *jobs.Queue
	org     *organizations.Service
	ssm     *ssm.Service
	ssr     *Service
	backups map[string][]ResourceBackup
	dir     string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: memory.New(), clock: &orgstack.OffsetClock{}, backups: map[string][]ResourceBackup{}, dir: t.TempDir()}
	f.q = jobs.New(f.st, f.clock, slog.New(slog.DiscardHandler))
	im := iam.New(iam.Options{Store: f.st, Clock: f.clock, Jobs: f.q})
	f.org = organizations.New(organizations.Options{Store: f.st, Clock: f.clock, Jobs: f.q, Roles: im, Catalogue: trusted.Default(), MaxAccounts: 10})
	generic := &trusted.Generic{Catalogue: trusted.Default(), Org: f.org}
	f.org.SetDefaultPlugin(generic)
	f.ssm = ssm.New(ssm.Options{Store: f.st, Clock: f.clock, Jobs: f.q, Org: f.org, Catalogue: trusted.Default()})
	f.ssr = New(Options{Store: f.st, Clock: f.clock, Jobs: f.q, Org: f.org, Catalogue: trusted.Default(), DataDir: f.dir, HistoryDays: 3,
		Sources: Sources{
			Patches: func(tx store.Tx, account string) ([]InstancePatch, error) {
				ps, err := f.ssm.PatchStates(tx, account)
				out := make([]InstancePatch, len(ps))
				for i, p := range ps {
					out[i] = InstancePatch{Region: p.Region, InstanceID: p.InstanceID, PatchGroup: p.PatchGroup(), State: p.State,
						Installed: p.Installed, Missing: p.Missing, Failed: p.Failed, CriticalMissing: p.CriticalMissing, LastScan: p.LastScan}
				}
				return out, err
			},
			Backups: func(_ store.Tx, account string) ([]ResourceBackup, error) { return f.backups[account], nil },
			Incidents: func(tx store.Tx, account string) ([]Incident, error) {
				is, err := f.ssm.Incidents(tx, account)
				out := make([]Incident, len(is))
				for i, in := range is {
					out[i] = Incident{Region: in.Region, ID: in.ID, Title: in.Title, Severity: in.Severity, Status: in.Status, Created: in.Created, Resolved: in.ResolvedTime}
				}
				return out, err
			},
		}})
	f.org.RegisterPlugin(Principal, &Plugin{Service: f.ssr, Fallback: generic})
	ctx, cancel := context.WithCancel(context.Background())
	f.q.Start(ctx)
	t.Cleanup(func() { cancel(); f.q.Wait() })
	return f
}

func as(account string) context.Context {
	return orgstack.WithCaller(context.Background(), orgstack.RootCaller(account, region))
}

func (f *fixture) settle(t *testing.T) {
	t.Helper()
	if err := f.q.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// organization creates an all-features organization with n members.
func (f *fixture) organization(t *testing.T, n int) []string {
	t.Helper()
	if _, err := f.org.CreateOrganization(as(mgmt), &organizations.CreateOrganizationRequest{FeatureSet: "ALL"}); err != nil {
		t.Fatal(err)
	}
	var members []string
	for i := 0; i < n; i++ {
		car, err := f.org.CreateAccount(as(mgmt), &organizations.CreateAccountRequest{Email: "m" + string(rune('a'+i)) + "@example.com", AccountName: "M"})
		if err != nil {
			t.Fatal(err)
		}
		f.settle(t)
		st, err := f.org.DescribeCreateAccountStatus(as(mgmt), &organizations.DescribeCreateAccountStatusRequest{CreateAccountRequestId: car.CreateAccountStatus.Id})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, st.CreateAccountStatus.AccountId)
	}
	return members
}

func (f *fixture) enable(t *testing.T) {
	t.Helper()
	if err := f.org.EnableAWSServiceAccess(as(mgmt), &organizations.EnableAWSServiceAccessRequest{ServicePrincipal: Principal}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
}

// instance creates a managed instance with patch compliance: installed
// and missing patches, critical ones among the missing.
func (f *fixture) instance(t *testing.T, account, id string, installed, missing, critical int) {
	t.Helper()
	now := f.clock.Now().UTC().Format(time.RFC3339)
	if _, err := f.ssm.PutInventory(as(account), &ssm.PutInventoryRequest{InstanceId: id, Items: []ssm.InventoryItem{
		{TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: now,
			Content: []map[string]string{{"InstanceId": id, "PlatformType": "Linux", "ResourceType": "EC2Instance", "InstanceStatus": "Active"}}},
		{TypeName: "AWS:Tag", SchemaVersion: "1.0", CaptureTime: now, Content: []map[string]string{{"Key": "Patch Group", "Value": "web"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if installed+missing == 0 {
		return
	}
	var items []ssm.ComplianceItemEntry
	for i := 0; i < installed; i++ {
		items = append(items, ssm.ComplianceItemEntry{Id: "KB-i" + string(rune('0'+i)), Severity: "MEDIUM", Status: "COMPLIANT"})
	}
	for i := 0; i < missing; i++ {
		sev := "LOW"
		if i < critical {
			sev = "CRITICAL"
		}
		items = append(items, ssm.ComplianceItemEntry{Id: "KB-m" + string(rune('0'+i)), Severity: ssm.ComplianceSeverity(sev), Status: "NON_COMPLIANT"})
	}
	if _, err := f.ssm.PutComplianceItems(as(account), &ssm.PutComplianceItemsRequest{ResourceId: id, ResourceType: "ManagedInstance",
		ComplianceType: "Patch", ExecutionSummary: &ssm.ComplianceExecutionSummary{ExecutionTime: f.clock.Now()}, Items: items}); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *orgstack.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func TestAccountPatchReport(t *testing.T) {
	f := newFixture(t)
	f.instance(t, mgmt, "i-0000000000000000a", 3, 2, 1)
	f.instance(t, mgmt, "i-0000000000000000b", 4, 0, 0)
	f.instance(t, mgmt, "i-0000000000000000c", 0, 0, 0)
	out, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Summary.Patch
	if *p.Instances != 3 || *p.CompliantInstances != 1 || *p.NonCompliantInstances != 1 || *p.UnreportedInstances != 1 ||
		*p.CompliancePercentage != 50 || *p.MissingPatches != 2 || *p.CriticalMissingPatches != 1 || *p.InstalledPatches != 7 {
		t.Fatalf("summary %+v", p)
	}
	if len(out.Rows) != 3 || out.Rows[0]["instance_id"] != "i-0000000000000000a" || out.Rows[0]["patch_group"] != "web" ||
		out.Rows[0]["compliance_state"] != "NON_COMPLIANT" || out.Rows[0]["missing_count"] != "2" || out.Rows[2]["compliance_state"] != "UNREPORTED" {
		t.Fatalf("rows %v", out.Rows)
	}
	// Filters and paging.
	one := int32(1)
	page, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, MaxResults: &one,
		Filters: []ReportFilter{{Name: "compliance_state", Values: []string{"COMPLIANT", "NON_COMPLIANT"}}}})
	if err != nil || len(page.Rows) != 1 || page.NextToken == "" {
		t.Fatalf("page 1: %+v %v", page, err)
	}
	page2, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, MaxResults: &one, NextToken: page.NextToken,
		Filters: []ReportFilter{{Name: "compliance_state", Values: []string{"COMPLIANT", "NON_COMPLIANT"}}}})
	if err != nil || len(page2.Rows) != 1 || page2.NextToken != "" || page2.Rows[0]["compliance_state"] != "COMPLIANT" {
		t.Fatalf("page 2: %+v %v", page2, err)
	}
	_, err = f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypeBackup, NextToken: page.NextToken})
	wantCode(t, err, "ValidationException")
	_, err = f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, Filters: []ReportFilter{{Name: "nope", Values: []string{"x"}}}})
	wantCode(t, err, "ValidationException")
	_, err = f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, Date: "2001-01-01"})
	wantCode(t, err, "ResourceNotFoundException")

	// The report is a snapshot: new data shows after generating again.
	f.instance(t, mgmt, "i-0000000000000000d", 1, 0, 0)
	if out, _ := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch}); len(out.Rows) != 3 {
		t.Fatalf("the stored report changed: %d rows", len(out.Rows))
	}
	if _, err := f.ssr.GenerateReport(as(mgmt), &GenerateReportRequest{ReportType: ReportTypePatch}); err != nil {
		t.Fatal(err)
	}
	if out, _ := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch}); len(out.Rows) != 4 {
		t.Fatalf("after generating: %d rows", len(out.Rows))
	}

	// Export and the dataset.
	exp, err := f.ssr.ExportReport(as(mgmt), &ExportReportRequest{ReportType: ReportTypePatch, Format: ExportFormatCsv})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(exp.Content), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "account_id,region,instance_id,patch_group,compliance_state") {
		t.Fatalf("csv %q", exp.Content)
	}
	today := f.clock.Now().UTC().Format("2006-01-02")
	data, err := os.ReadFile(filepath.Join(f.dir, "ams-reporting-data-a"+mgmt, "patch", today+".csv"))
	if err != nil || string(data) != exp.Content {
		t.Fatalf("dataset %q: %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "ams-reporting-data-a"+mgmt, "patch", today+".json")); err != nil {
		t.Fatal(err)
	}
}

func TestOrganizationView(t *testing.T) {
	f := newFixture(t)
	members := f.organization(t, 3)
	admin, plain := members[0], members[2]
	f.instance(t, members[1], "i-0000000000000001a", 2, 1, 1)
	f.instance(t, members[2], "i-0000000000000002a", 2, 0, 0)
	f.instance(t, members[2], "i-0000000000000002b", 0, 3, 0)

	// Without trusted access: the management account is told so.
	_, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, Scope: ReportScopeOrganization})
	wantCode(t, err, "TrustedAccessNotEnabledException")
	f.enable(t)
	if err := f.org.RegisterDelegatedAdministrator(as(mgmt), &organizations.RegisterDelegatedAdministratorRequest{AccountId: admin, ServicePrincipal: Principal}); err != nil {
		t.Fatal(err)
	}
	_, err = f.ssr.GetReport(as(plain), &GetReportRequest{ReportType: ReportTypePatch, Scope: ReportScopeOrganization})
	wantCode(t, err, "AccessDeniedException")

	for _, viewer := range []string{mgmt, admin} {
		out, err := f.ssr.GetReport(as(viewer), &GetReportRequest{ReportType: ReportTypePatch, Scope: ReportScopeOrganization})
		if err != nil {
			t.Fatal(err)
		}
		if p := out.Summary.Patch; *p.Instances != 3 || *p.CompliantInstances != 1 || *p.MissingPatches != 4 || *p.CriticalMissingPatches != 1 {
			t.Fatalf("%s: summary %+v", viewer, p)
		}
		if len(out.AccountSummaries) != 4 {
			t.Fatalf("account summaries %+v", out.AccountSummaries)
		}
		for _, as := range out.AccountSummaries {
			want := map[string]int32{members[1]: 1, members[2]: 2}[as.AccountId]
			if *as.Summary.Patch.Instances != want {
				t.Fatalf("%s: %d instances", as.AccountId, *as.Summary.Patch.Instances)
			}
		}
	}
	// Each member's data was read through the service's role there.
	err = f.st.View(context.Background(), func(tx store.Tx) error {
		for _, m := range members {
			im := iam.New(iam.Options{Store: f.st, Clock: f.clock})
			ok, err := im.HasRole(tx, m, "AWSServiceRoleForManagedServices_SelfServiceReporting")
			if err != nil || !ok {
				t.Errorf("no service-linked role in %s: %v", m, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// AccountIds narrows rows and totals.
	out, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, Scope: ReportScopeOrganization, AccountIds: []string{members[2]}})
	if err != nil || len(out.Rows) != 2 || *out.Summary.Patch.Instances != 2 || len(out.AccountSummaries) != 1 {
		t.Fatalf("%+v %v", out, err)
	}

	// Disabled: the view is refused and the daily run stops collecting.
	if err := f.org.DisableAWSServiceAccess(as(mgmt), &organizations.DisableAWSServiceAccessRequest{ServicePrincipal: Principal}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	_, err = f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypePatch, Scope: ReportScopeOrganization})
	wantCode(t, err, "TrustedAccessNotEnabledException")
	var orgID string
	_ = f.st.View(context.Background(), func(tx store.Tx) error {
		orgID, _, _, _ = f.org.OrganizationOf(tx, mgmt)
		return nil
	})
	before := f.countReports(t, kOrgReports(orgID, "PATCH"))
	f.clock.Advance(25 * time.Hour)
	f.settle(t)
	if after := f.countReports(t, kOrgReports(orgID, "PATCH")); after != before || before == 0 {
		t.Fatalf("organization reports %d then %d", before, after)
	}
}

func (f *fixture) countReports(t *testing.T, prefix string) int {
	t.Helper()
	n := 0
	if err := f.st.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(prefix, "", func(string, []byte) (bool, error) { n++; return true, nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDailyGenerationAndHistory(t *testing.T) {
	f := newFixture(t)
	f.instance(t, mgmt, "i-0000000000000000a", 1, 0, 0)
	if _, err := f.ssr.GenerateReport(as(mgmt), &GenerateReportRequest{ReportType: ReportTypeBackup}); err != nil {
		t.Fatal(err)
	}
	f.backups[mgmt] = []ResourceBackup{{Region: region, ResourceArn: "arn:aws:ec2:us-east-1:" + mgmt + ":instance/i-0000000000000000a",
		ResourceType: "EC2", Protected: true, LastJobState: "COMPLETED"}}
	for i := 0; i < 5; i++ {
		f.clock.Advance(24 * time.Hour)
		f.settle(t)
	}
	list, err := f.ssr.ListReports(as(mgmt), &ListReportsRequest{ReportType: ReportTypeBackup})
	if err != nil {
		t.Fatal(err)
	}
	// History of 3 days: today and the two days before.
	if len(list.Reports) != 3 {
		t.Fatalf("%d reports kept: %+v", len(list.Reports), list.Reports)
	}
	if list.Reports[0].Date <= list.Reports[1].Date {
		t.Fatalf("not newest first: %s, %s", list.Reports[0].Date, list.Reports[1].Date)
	}
	out, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypeBackup})
	if err != nil || *out.Summary.Backup.Resources != 1 || *out.Summary.Backup.CoveragePercentage != 100 {
		t.Fatalf("%+v %v", out, err)
	}
	// Patch reports were generated daily too, for the registered account.
	if l, _ := f.ssr.ListReports(as(mgmt), &ListReportsRequest{ReportType: ReportTypePatch}); len(l.Reports) != 3 {
		t.Fatalf("patch reports: %+v", l.Reports)
	}
}

func TestIncidentReport(t *testing.T) {
	f := newFixture(t)
	mk := func(title, severity string) string {
		out, err := f.ssm.CreateOpsItem(as(mgmt), &ssm.CreateOpsItemRequest{Title: title, Source: "EC2", Description: "d", Severity: severity})
		if err != nil {
			t.Fatal(err)
		}
		return out.OpsItemId
	}
	old := mk("old", "1")
	f.clock.Advance(2 * time.Hour)
	if _, err := f.ssm.UpdateOpsItem(as(mgmt), &ssm.UpdateOpsItemRequest{OpsItemId: old, Status: ssm.OpsItemStatusResolved}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * 24 * time.Hour)
	a := mk("a", "1")
	mk("b", "2")
	f.clock.Advance(4 * time.Hour)
	if _, err := f.ssm.UpdateOpsItem(as(mgmt), &ssm.UpdateOpsItemRequest{OpsItemId: a, Status: ssm.OpsItemStatusResolved}); err != nil {
		t.Fatal(err)
	}
	out, err := f.ssr.GetReport(as(mgmt), &GetReportRequest{ReportType: ReportTypeIncident})
	if err != nil {
		t.Fatal(err)
	}
	in := out.Summary.Incident
	if *in.Opened != 2 || *in.Resolved != 1 || *in.Open != 1 || *in.MeanTimeToResolveHours != 4 || in.BySeverity["1"] != 1 || in.ByStatus["Open"] != 1 {
		t.Fatalf("summary %+v", in)
	}
	if len(out.Rows) != 2 {
		t.Fatalf("the incident resolved before the week is listed: %v", out.Rows)
	}
	if out.Report.PeriodEnd.Sub(out.Report.PeriodStart) != 7*24*time.Hour {
		t.Fatalf("period %v – %v", out.Report.PeriodStart, out.Report.PeriodEnd)
	}
}
