package ssm

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

const (
	nodeA = "i-0aaaaaaaaaaaaaaaa"
	nodeB = "i-0bbbbbbbbbbbbbbbb"
	nodeC = "mi-0cccccccccccccccc"
)

func putPatch(t *testing.T, f *opsDataFixture, ctx context.Context, node string, items ...ComplianceItemEntry) {
	t.Helper()
	_, err := f.svc.PutComplianceItems(ctx, &PutComplianceItemsRequest{ResourceId: node, ResourceType: "ManagedInstance",
		ComplianceType: "Patch", Items: items,
		ExecutionSummary: &ComplianceExecutionSummary{ExecutionTime: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), ExecutionId: "run-" + node, ExecutionType: "Command"}})
	if err != nil {
		t.Fatal(err)
	}
}

func patch(id, sev, status string) ComplianceItemEntry {
	return ComplianceItemEntry{Id: id, Title: "Update " + id, Severity: ComplianceSeverity(sev), Status: ComplianceStatus(status),
		Details: map[string]string{"Classification": "SecurityUpdates", "PatchState": map[string]string{"COMPLIANT": "Installed", "NON_COMPLIANT": "Missing"}[status]}}
}

func TestPatchComplianceSummaries(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	putPatch(t, f, ctx, nodeA, patch("KB1", "CRITICAL", "NON_COMPLIANT"), patch("KB2", "HIGH", "NON_COMPLIANT"), patch("KB3", "LOW", "COMPLIANT"))
	putPatch(t, f, ctx, nodeB, patch("KB1", "CRITICAL", "COMPLIANT"), patch("KB3", "UNSPECIFIED", "COMPLIANT"))
	putPatch(t, f, ctx, nodeC, patch("KB4", "MEDIUM", "NON_COMPLIANT"))
	if _, err := f.svc.PutComplianceItems(ctx, &PutComplianceItemsRequest{ResourceId: nodeA, ResourceType: "ManagedInstance",
		ComplianceType: "Custom:AVCheck", ExecutionSummary: &ComplianceExecutionSummary{ExecutionTime: time.Now()},
		Items: []ComplianceItemEntry{{Id: "Version2.0", Title: "ScanHost", Severity: "CRITICAL", Status: "COMPLIANT"}}}); err != nil {
		t.Fatal(err)
	}

	res := mustOK[*ListResourceComplianceSummariesResult](t)(f.svc.ListResourceComplianceSummaries(ctx, &ListResourceComplianceSummariesRequest{
		Filters: []ComplianceStringFilter{{Key: "ComplianceType", Values: []string{"Patch"}, Type: "EQUAL"}}}))
	type row struct {
		id, status, sev string
		c, n            int32
		crit, high      int32
	}
	var got []row
	for _, r := range res.ResourceComplianceSummaryItems {
		got = append(got, row{r.ResourceId, string(r.Status), string(r.OverallSeverity), *r.CompliantSummary.CompliantCount,
			*r.NonCompliantSummary.NonCompliantCount, *r.NonCompliantSummary.SeveritySummary.CriticalCount, *r.NonCompliantSummary.SeveritySummary.HighCount})
		if r.ExecutionSummary.ExecutionId != "run-"+r.ResourceId || r.ResourceType != "ManagedInstance" {
			t.Errorf("execution summary %+v", r.ExecutionSummary)
		}
	}
	want := []row{
		{nodeA, "NON_COMPLIANT", "CRITICAL", 1, 2, 1, 1},
		{nodeB, "COMPLIANT", "CRITICAL", 2, 0, 0, 0},
		{nodeC, "NON_COMPLIANT", "MEDIUM", 0, 1, 0, 0},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("resource summaries\n got %v\nwant %v", got, want)
	}

	sums := mustOK[*ListComplianceSummariesResult](t)(f.svc.ListComplianceSummaries(ctx, &ListComplianceSummariesRequest{}))
	if len(sums.ComplianceSummaryItems) != 2 || sums.ComplianceSummaryItems[0].ComplianceType != "Custom:AVCheck" || sums.ComplianceSummaryItems[1].ComplianceType != "Patch" {
		t.Fatalf("types %+v", sums.ComplianceSummaryItems)
	}
	p := sums.ComplianceSummaryItems[1]
	if *p.CompliantSummary.CompliantCount != 1 || *p.NonCompliantSummary.NonCompliantCount != 2 ||
		*p.NonCompliantSummary.SeveritySummary.CriticalCount != 1 || *p.NonCompliantSummary.SeveritySummary.MediumCount != 1 ||
		*p.CompliantSummary.SeveritySummary.CriticalCount != 1 || *p.CompliantSummary.SeveritySummary.UnspecifiedCount != 0 {
		t.Fatalf("patch summary %+v %+v", p.CompliantSummary.SeveritySummary, p.NonCompliantSummary.SeveritySummary)
	}

	// Filters select the resources counted.
	only := mustOK[*ListComplianceSummariesResult](t)(f.svc.ListComplianceSummaries(ctx, &ListComplianceSummariesRequest{
		Filters: []ComplianceStringFilter{{Key: "ComplianceType", Values: []string{"Patch"}}, {Key: "Status", Values: []string{"NON_COMPLIANT"}, Type: "NOT_EQUAL"}}}))
	if len(only.ComplianceSummaryItems) != 1 || *only.ComplianceSummaryItems[0].CompliantSummary.CompliantCount != 1 ||
		*only.ComplianceSummaryItems[0].NonCompliantSummary.NonCompliantCount != 0 {
		t.Fatalf("filtered %+v", only.ComplianceSummaryItems)
	}
	_, err := f.svc.ListResourceComplianceSummaries(ctx, &ListResourceComplianceSummariesRequest{Filters: []ComplianceStringFilter{{Key: "Colour", Values: []string{"red"}}}})
	wantOpsErr(t, err, "InvalidFilter")
	_, err = f.svc.ListComplianceSummaries(ctx, &ListComplianceSummariesRequest{Filters: []ComplianceStringFilter{{Key: "ComplianceType"}}})
	wantOpsErr(t, err, "InvalidFilter")

	// Nothing of it is visible from another account or region.
	for _, other := range []context.Context{opsAs("222222222222", "us-east-1"), opsAs(opsAcct, "eu-west-1")} {
		s := mustOK[*ListComplianceSummariesResult](t)(f.svc.ListComplianceSummaries(other, &ListComplianceSummariesRequest{}))
		r := mustOK[*ListResourceComplianceSummariesResult](t)(f.svc.ListResourceComplianceSummaries(other, &ListResourceComplianceSummariesRequest{}))
		i := mustOK[*ListComplianceItemsResult](t)(f.svc.ListComplianceItems(other, &ListComplianceItemsRequest{}))
		if len(s.ComplianceSummaryItems)+len(r.ResourceComplianceSummaryItems)+len(i.ComplianceItems) != 0 {
			t.Fatal("another scope sees compliance")
		}
	}
}

func TestComplianceItemsUploads(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	putPatch(t, f, ctx, nodeA, patch("KB1", "CRITICAL", "NON_COMPLIANT"), patch("KB2", "HIGH", "NON_COMPLIANT"))
	list := func(fs ...ComplianceStringFilter) []string {
		t.Helper()
		out, err := f.svc.ListComplianceItems(ctx, &ListComplianceItemsRequest{ResourceIds: []string{nodeA}, ResourceTypes: []string{"ManagedInstance"}, Filters: fs})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range out.ComplianceItems {
			ids = append(ids, it.Id+"="+string(it.Status))
		}
		return ids
	}
	if got := list(); !slices.Equal(got, []string{"KB1=NON_COMPLIANT", "KB2=NON_COMPLIANT"}) {
		t.Fatalf("items %v", got)
	}
	// COMPLETE replaces every item of the type.
	putPatch(t, f, ctx, nodeA, patch("KB1", "CRITICAL", "COMPLIANT"))
	if got := list(); !slices.Equal(got, []string{"KB1=COMPLIANT"}) {
		t.Fatalf("after COMPLETE %v", got)
	}
	// PARTIAL replaces items by id and adds the others.
	if _, err := f.svc.PutComplianceItems(ctx, &PutComplianceItemsRequest{ResourceId: nodeA, ResourceType: "ManagedInstance",
		ComplianceType: "Patch", UploadType: "PARTIAL", ExecutionSummary: &ComplianceExecutionSummary{ExecutionTime: time.Now()},
		Items: []ComplianceItemEntry{patch("KB1", "CRITICAL", "NON_COMPLIANT"), patch("KB9", "LOW", "COMPLIANT")}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); !slices.Equal(got, []string{"KB1=NON_COMPLIANT", "KB9=COMPLIANT"}) {
		t.Fatalf("after PARTIAL %v", got)
	}
	// A request with the stored content hash is ignored.
	hashed := func(hash string, items ...ComplianceItemEntry) {
		t.Helper()
		if _, err := f.svc.PutComplianceItems(ctx, &PutComplianceItemsRequest{ResourceId: nodeA, ResourceType: "ManagedInstance",
			ComplianceType: "Patch", ItemContentHash: hash, ExecutionSummary: &ComplianceExecutionSummary{ExecutionTime: time.Now()}, Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	hashed("h1", patch("KB5", "LOW", "COMPLIANT"))
	hashed("h1", patch("KB6", "LOW", "COMPLIANT"))
	if got := list(); !slices.Equal(got, []string{"KB5=COMPLIANT"}) {
		t.Fatalf("after same hash %v", got)
	}

	putPatch(t, f, ctx, nodeA, patch("KB1", "CRITICAL", "NON_COMPLIANT"), patch("KB2", "LOW", "COMPLIANT"), patch("KB3", "HIGH", "NON_COMPLIANT"))
	for name, c := range map[string]struct {
		f    []ComplianceStringFilter
		want []string
	}{
		"status":      {[]ComplianceStringFilter{{Key: "Status", Values: []string{"COMPLIANT"}, Type: "EQUAL"}}, []string{"KB2=COMPLIANT"}},
		"not equal":   {[]ComplianceStringFilter{{Key: "Severity", Values: []string{"CRITICAL", "HIGH"}, Type: "NOT_EQUAL"}}, []string{"KB2=COMPLIANT"}},
		"begins":      {[]ComplianceStringFilter{{Key: "Title", Values: []string{"Update KB3"}, Type: "BEGIN_WITH"}}, []string{"KB3=NON_COMPLIANT"}},
		"detail":      {[]ComplianceStringFilter{{Key: "PatchState", Values: []string{"Missing"}}}, []string{"KB1=NON_COMPLIANT", "KB3=NON_COMPLIANT"}},
		"time after":  {[]ComplianceStringFilter{{Key: "ExecutionTime", Values: []string{"2024-04-30T00:00:00Z"}, Type: "GREATER_THAN"}}, []string{"KB1=NON_COMPLIANT", "KB2=COMPLIANT", "KB3=NON_COMPLIANT"}},
		"time before": {[]ComplianceStringFilter{{Key: "ExecutionTime", Values: []string{"2024-04-30T00:00:00Z"}, Type: "LESS_THAN"}}, nil},
	} {
		if got := list(c.f...); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	_, err := f.svc.ListComplianceItems(ctx, &ListComplianceItemsRequest{Filters: []ComplianceStringFilter{{Key: "ExecutionTime", Values: []string{"May"}}}})
	wantOpsErr(t, err, "InvalidFilter")
	_, err = f.svc.ListComplianceItems(ctx, &ListComplianceItemsRequest{ResourceTypes: []string{"AWS::EC2::Instance"}})
	wantOpsErr(t, err, "InvalidResourceType")
	_, err = f.svc.ListComplianceItems(ctx, &ListComplianceItemsRequest{ResourceIds: []string{"web-1"}})
	wantOpsErr(t, err, "InvalidResourceId")

	// Paging walks every item once.
	two := int32(2)
	var ids []string
	token := ""
	for {
		out, err := f.svc.ListComplianceItems(ctx, &ListComplianceItemsRequest{MaxResults: &two, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.ComplianceItems {
			ids = append(ids, it.Id)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"KB1", "KB2", "KB3"}) {
		t.Fatalf("pages %v", ids)
	}
}

func TestPutComplianceItemsRefusals(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	put := func(resType, resID, typ string, items ...ComplianceItemEntry) error {
		_, err := f.svc.PutComplianceItems(ctx, &PutComplianceItemsRequest{ResourceId: resID, ResourceType: resType, ComplianceType: typ,
			ExecutionSummary: &ComplianceExecutionSummary{ExecutionTime: time.Now()}, Items: items})
		return err
	}
	wantOpsErr(t, put("EC2Instance", nodeA, "Patch"), "InvalidResourceType")
	wantOpsErr(t, put("ManagedInstance", "server-7", "Patch"), "InvalidResourceId")
	e := wantOpsErr(t, put("ManagedInstance", nodeA, "Custom:Dup", patch("X", "LOW", "COMPLIANT"), patch("X", "LOW", "COMPLIANT")), "InvalidItemContentException")
	if e.Fields["TypeName"] != "Custom:Dup" {
		t.Fatalf("TypeName %v", e.Fields["TypeName"])
	}
	for i := range maxCustomComplianceTypes {
		if err := put("ManagedInstance", nodeA, fmt.Sprintf("Custom:Check%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantOpsErr(t, put("ManagedInstance", nodeA, "Custom:OneTooMany"), "ComplianceTypeCountLimitExceededException")
	if err := put("ManagedInstance", nodeA, "Custom:Check03"); err != nil {
		t.Fatalf("re-putting an existing type: %v", err)
	}
	if err := put("ManagedInstance", nodeB, "Custom:OneTooMany"); err != nil {
		t.Fatalf("another resource: %v", err)
	}
	if err := put("ManagedInstance", nodeA, "Association"); err != nil {
		t.Fatalf("a built-in type: %v", err)
	}
}

func TestComplianceSummaryInventoryFilter(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	putPatch(t, f, ctx, nodeA, patch("KB1", "CRITICAL", "NON_COMPLIANT"))
	putPatch(t, f, ctx, nodeB, patch("KB1", "CRITICAL", "NON_COMPLIANT"))
	mustOK[*PutInventoryResult](t)(f.svc.PutInventory(ctx, &PutInventoryRequest{InstanceId: nodeA, Items: []InventoryItem{instanceInfo(nodeA, "Windows", "Windows Server", "Active")}}))
	mustOK[*PutInventoryResult](t)(f.svc.PutInventory(ctx, &PutInventoryRequest{InstanceId: nodeB, Items: []InventoryItem{instanceInfo(nodeB, "Linux", "Ubuntu", "Active")}}))
	out := mustOK[*ListResourceComplianceSummariesResult](t)(f.svc.ListResourceComplianceSummaries(ctx, &ListResourceComplianceSummariesRequest{
		Filters: []ComplianceStringFilter{{Key: "AWS:InstanceInformation.PlatformType", Values: []string{"Linux"}}}}))
	if len(out.ResourceComplianceSummaryItems) != 1 || out.ResourceComplianceSummaryItems[0].ResourceId != nodeB {
		t.Fatalf("got %+v", out.ResourceComplianceSummaryItems)
	}
}
