package ssm

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

// opsDataFixture is the SSM service over a memory store with a clock the
// test moves forward.
type opsDataFixture struct {
	st    store.Store
	clock *orgstack.OffsetClock
	svc   *Service
}

func newOpsDataFixture(t *testing.T) *opsDataFixture {
	t.Helper()
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	return &opsDataFixture{st: st, clock: clock, svc: New(Options{Store: st, Clock: clock})}
}

// as is a context calling as the root user of account in region.
func opsAs(account, region string) context.Context {
	return orgstack.WithCaller(context.Background(), orgstack.RootCaller(account, region))
}

// wantOpsErr asserts err is the SSM exception code and returns it.
func wantOpsErr(t *testing.T, err error, code string) *orgstack.Error {
	t.Helper()
	e, ok := orgstack.AsError(err)
	if !ok || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return e
}

func mustOK[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// seedOpsData gives account 111111111111 an OpsItem, Patch compliance and
// an instance in us-east-1, and an OpsItem in eu-west-1.
func seedOpsData(t *testing.T, f *opsDataFixture) {
	t.Helper()
	use1, euw1 := opsAs("111111111111", "us-east-1"), opsAs("111111111111", "eu-west-1")
	p := int32(2)
	mustOK[*CreateOpsItemResponse](t)(f.svc.CreateOpsItem(use1, &CreateOpsItemRequest{Title: "Disk full", Description: "d", Source: "EC2", Priority: &p, Severity: "3", Category: "Availability"}))
	mustOK[*CreateOpsItemResponse](t)(f.svc.CreateOpsItem(euw1, &CreateOpsItemRequest{Title: "Other", Description: "d", Source: "EC2"}))
	mustOK[*PutComplianceItemsResult](t)(f.svc.PutComplianceItems(use1, &PutComplianceItemsRequest{
		ResourceId: "i-0123456789abcdef0", ResourceType: "ManagedInstance", ComplianceType: "Patch",
		ExecutionSummary: &ComplianceExecutionSummary{ExecutionTime: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), ExecutionId: "cmd-1", ExecutionType: "Command"},
		Items: []ComplianceItemEntry{
			{Id: "KB1", Title: "Fix 1", Severity: "CRITICAL", Status: "NON_COMPLIANT"},
			{Id: "KB2", Title: "Fix 2", Severity: "LOW", Status: "COMPLIANT"},
		},
	}))
	mustOK[*PutInventoryResult](t)(f.svc.PutInventory(use1, &PutInventoryRequest{InstanceId: "i-0123456789abcdef0", Items: []InventoryItem{
		instanceInfo("i-0123456789abcdef0", "Linux", "Amazon Linux", "Active"),
	}}))
}

func instanceInfo(id, platformType, platformName, status string) InventoryItem {
	return InventoryItem{TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: "2024-05-01T10:00:00Z",
		Content: []map[string]string{{"InstanceId": id, "PlatformType": platformType, "PlatformName": platformName,
			"AgentType": "amazon-ssm-agent", "AgentVersion": "3.3.40.0", "ComputerName": id + ".internal",
			"IpAddress": "10.0.0.1", "ResourceType": "EC2Instance", "InstanceStatus": status, "PlatformVersion": "2023"}}}
}

func TestCollectOpsData(t *testing.T) {
	f := newOpsDataFixture(t)
	seedOpsData(t, f)
	var d OpsData
	if err := f.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		d, err = collectOpsData(tx, "111111111111", "us-east-1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d.Account != "111111111111" || d.Region != "us-east-1" {
		t.Fatalf("scope: %+v", d)
	}
	if len(d.OpsItems) != 1 || d.OpsItems[0].Title != "Disk full" || d.OpsItems[0].Priority != 2 || d.OpsItems[0].Status != "Open" ||
		d.OpsItems[0].OpsItemType != "/aws/issue" || d.OpsItems[0].Severity != "3" || d.OpsItems[0].Category != "Availability" {
		t.Fatalf("ops items: %+v", d.OpsItems)
	}
	want := ResourceCompliance{ResourceType: "ManagedInstance", ResourceId: "i-0123456789abcdef0", ComplianceType: "Patch",
		Status: "NON_COMPLIANT", OverallSeverity: "CRITICAL", CompliantCount: 1, NonCompliantCount: 1,
		CompliantBySeverity: SeverityCounts{Low: 1}, NonCompliantBySeverity: SeverityCounts{Critical: 1},
		ExecutionId: "cmd-1", ExecutionType: "Command", ExecutionTime: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	if len(d.Compliance) != 1 || !reflect.DeepEqual(d.Compliance[0], want) {
		t.Fatalf("compliance: %+v", d.Compliance)
	}
	if len(d.Instances) != 1 || d.Instances[0].PlatformType != "Linux" || d.Instances[0].AgentVersion != "3.3.40.0" ||
		d.Instances[0].CaptureTime != "2024-05-01T10:00:00Z" || d.Instances[0].ResourceType != "EC2Instance" {
		t.Fatalf("instances: %+v", d.Instances)
	}

	// The sync stores snapshots as JSON: they must come back equal.
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back OpsData
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalizeTimes(back), normalizeTimes(d)) {
		t.Fatalf("JSON round trip changed the data:\n%+v\n%+v", back, d)
	}

	// Another account has nothing, with empty slices rather than nil.
	if err := f.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		d, err = collectOpsData(tx, "222222222222", "us-east-1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d.OpsItems == nil || d.Compliance == nil || d.Instances == nil || len(d.OpsItems)+len(d.Compliance)+len(d.Instances) != 0 {
		t.Fatalf("empty account: %+v", d)
	}
}

// normalizeTimes drops monotonic clock readings and locations, which JSON
// does not keep.
func normalizeTimes(d OpsData) OpsData {
	for i := range d.OpsItems {
		o := &d.OpsItems[i]
		o.CreatedTime, o.LastModifiedTime = o.CreatedTime.UTC().Round(0), o.LastModifiedTime.UTC().Round(0)
	}
	return d
}

func TestRegionsWithData(t *testing.T) {
	f := newOpsDataFixture(t)
	seedOpsData(t, f)
	mustOK[*PutInventoryResult](t)(f.svc.PutInventory(opsAs("111111111111", "us-east-10"), &PutInventoryRequest{InstanceId: "mi-0123456789abcdef0",
		Items: []InventoryItem{{TypeName: "Custom:Rack", SchemaVersion: "1.0", CaptureTime: "2024-05-01T10:00:00Z", Content: []map[string]string{{"Bay": "B"}}}}}))
	mustOK[*CreateOpsItemResponse](t)(f.svc.CreateOpsItem(opsAs("222222222222", "ap-south-1"), &CreateOpsItemRequest{Title: "x", Description: "d", Source: "EC2"}))
	// State of other kinds (a resource data sync, say) does not count.
	if err := f.st.Update(context.Background(), func(tx store.Tx) error {
		return tx.Put("ssm/111111111111/sa-east-1/sync/OrgSync", []byte("{}"))
	}); err != nil {
		t.Fatal(err)
	}
	for account, want := range map[string][]string{
		"111111111111": {"eu-west-1", "us-east-1", "us-east-10"},
		"222222222222": {"ap-south-1"},
		"333333333333": nil,
	} {
		var got []string
		if err := f.st.View(context.Background(), func(tx store.Tx) error {
			var err error
			got, err = regionsWithData(tx, account)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: regions %v, want %v", account, got, want)
		}
	}
}

func TestOpsDataPageTokens(t *testing.T) {
	sc := &scope{account: "111111111111", region: "us-east-1"}
	keys := []string{"a", "b", "c", "d", "e"}
	two := int32(2)
	bad := newErr("InvalidNextToken", "")
	var got []string
	token := ""
	for {
		lo, hi, next, err := opsDataPage(sc, "L", keys, token, &two, 50, bad)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, keys[lo:hi]...)
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(got, keys) {
		t.Fatalf("pages gave %v", got)
	}
	_, _, next, _ := opsDataPage(sc, "L", keys, "", &two, 50, bad)
	for name, try := range map[string]func() error{
		"other listing": func() error { _, _, _, err := opsDataPage(sc, "M", keys, next, nil, 50, bad); return err },
		"other region": func() error {
			_, _, _, err := opsDataPage(&scope{account: sc.account, region: "eu-west-1"}, "L", keys, next, nil, 50, bad)
			return err
		},
		"other account": func() error {
			_, _, _, err := opsDataPage(&scope{account: "222222222222", region: sc.region}, "L", keys, next, nil, 50, bad)
			return err
		},
		"garbage": func() error { _, _, _, err := opsDataPage(sc, "L", keys, "%%%", nil, 50, bad); return err },
	} {
		if err := try(); err != bad {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
