package ssm

import (
	"fmt"
	"slices"
	"testing"

	"github.com/orgstack/orgstack"
)

func TestInventoryQueries(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	rack := InventoryItem{TypeName: "Custom:RackInfo", SchemaVersion: "1.0", CaptureTime: "2024-05-02T08:00:00Z",
		Content: []map[string]string{{"RackLocation": "Bay B/Row C"}, {"RackLocation": "Bay D/Row A"}}}
	for _, put := range []*PutInventoryRequest{
		{InstanceId: nodeA, Items: []InventoryItem{instanceInfo(nodeA, "Windows", "Windows Server 2022", "Active"), rack}},
		{InstanceId: nodeB, Items: []InventoryItem{instanceInfo(nodeB, "Linux", "Amazon Linux", "Active")}},
		{InstanceId: nodeC, Items: []InventoryItem{instanceInfo(nodeC, "Linux", "Ubuntu", "Stopped")}},
	} {
		mustOK[*PutInventoryResult](t)(f.svc.PutInventory(ctx, put))
	}
	ids := func(in *GetInventoryRequest) []string {
		t.Helper()
		out, err := f.svc.GetInventory(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range out.Entities {
			got = append(got, e.Id)
		}
		return got
	}
	if got := ids(&GetInventoryRequest{}); !slices.Equal(got, []string{nodeA, nodeB, nodeC}) {
		t.Fatalf("all %v", got)
	}
	out := mustOK[*GetInventoryResult](t)(f.svc.GetInventory(ctx, &GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:InstanceInformation.PlatformType", Values: []string{"Windows"}}}}))
	if len(out.Entities) != 1 || out.Entities[0].Id != nodeA {
		t.Fatalf("windows %+v", out.Entities)
	}
	info := out.Entities[0].Data["AWS:InstanceInformation"]
	if info.TypeName != "AWS:InstanceInformation" || info.SchemaVersion != "1.0" || info.CaptureTime != "2024-05-01T10:00:00Z" ||
		info.Content[0]["PlatformName"] != "Windows Server 2022" || len(out.Entities[0].Data) != 1 {
		t.Fatalf("data %+v", out.Entities[0].Data)
	}
	for name, c := range map[string]struct {
		in   *GetInventoryRequest
		want []string
	}{
		"not equal":    {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:InstanceInformation.PlatformType", Values: []string{"Windows"}, Type: "NotEqual"}}}, []string{nodeB, nodeC}},
		"begins":       {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:InstanceInformation.PlatformName", Values: []string{"Amazon"}, Type: "BeginWith"}}}, []string{nodeB}},
		"custom type":  {&GetInventoryRequest{ResultAttributes: []ResultAttribute{{TypeName: "Custom:RackInfo"}}}, []string{nodeA}},
		"custom row":   {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "Custom:RackInfo.RackLocation", Values: []string{"Bay D/Row A"}}}}, []string{nodeA}},
		"two filters":  {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:InstanceInformation.PlatformType", Values: []string{"Linux"}}, {Key: "AWS:InstanceInformation.InstanceStatus", Values: []string{"Active"}}}}, []string{nodeB}},
		"greater than": {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:InstanceInformation.AgentVersion", Values: []string{"3.3"}, Type: "GreaterThan"}}}, []string{nodeA, nodeB, nodeC}},
	} {
		if got := ids(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	for name, c := range map[string]struct {
		in   *GetInventoryRequest
		code string
	}{
		"key without attribute": {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "PlatformType", Values: []string{"Linux"}}}}, "InvalidFilter"},
		"unknown AWS type":      {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:Nope.X", Values: []string{"y"}}}}, "InvalidFilter"},
		"exists":                {&GetInventoryRequest{Filters: []InventoryFilter{{Key: "AWS:Application.Name", Values: []string{"y"}, Type: "Exists"}}}, "InvalidFilter"},
		"bad result type":       {&GetInventoryRequest{ResultAttributes: []ResultAttribute{{TypeName: "AWS:Nope"}}}, "InvalidResultAttributeException"},
		"aggregators":           {&GetInventoryRequest{Aggregators: []InventoryAggregator{{Expression: "AWS:InstanceInformation.PlatformType"}}}, "NotImplemented"},
		"bad token":             {&GetInventoryRequest{NextToken: "abc"}, "InvalidNextToken"},
	} {
		_, err := f.svc.GetInventory(ctx, c.in)
		if e, ok := asOpsErr(err); !ok || e != c.code {
			t.Errorf("%s: got %v, want %s", name, err, c.code)
		}
	}

	// DescribeInstanceInformation leaves out the stopped node.
	di := mustOK[*DescribeInstanceInformationResult](t)(f.svc.DescribeInstanceInformation(ctx, &DescribeInstanceInformationRequest{}))
	if len(di.InstanceInformationList) != 2 {
		t.Fatalf("instances %+v", di.InstanceInformationList)
	}
	a := di.InstanceInformationList[0]
	if a.InstanceId != nodeA || a.PingStatus != "Online" || a.PlatformType != "Windows" || a.IPAddress != "10.0.0.1" ||
		a.ComputerName != nodeA+".internal" || a.ResourceType != "EC2Instance" || a.SourceType != "AWS::EC2::Instance" || a.LastPingDateTime.IsZero() {
		t.Fatalf("node A %+v", a)
	}
	lin := mustOK[*DescribeInstanceInformationResult](t)(f.svc.DescribeInstanceInformation(ctx, &DescribeInstanceInformationRequest{
		Filters: []InstanceInformationStringFilter{{Key: "PlatformTypes", Values: []string{"Linux"}}}}))
	if len(lin.InstanceInformationList) != 1 || lin.InstanceInformationList[0].InstanceId != nodeB {
		t.Fatalf("linux %+v", lin.InstanceInformationList)
	}
	legacy := mustOK[*DescribeInstanceInformationResult](t)(f.svc.DescribeInstanceInformation(ctx, &DescribeInstanceInformationRequest{
		InstanceInformationFilterList: []InstanceInformationFilter{{Key: "InstanceIds", ValueSet: []string{nodeA}}}}))
	if len(legacy.InstanceInformationList) != 1 || legacy.InstanceInformationList[0].InstanceId != nodeA {
		t.Fatalf("legacy filter %+v", legacy.InstanceInformationList)
	}
	for name, c := range map[string]struct {
		in   *DescribeInstanceInformationRequest
		code string
	}{
		"unknown id":  {&DescribeInstanceInformationRequest{Filters: []InstanceInformationStringFilter{{Key: "InstanceIds", Values: []string{"i-0dddddddddddddddd"}}}}, "InvalidInstanceId"},
		"unknown key": {&DescribeInstanceInformationRequest{Filters: []InstanceInformationStringFilter{{Key: "Colour", Values: []string{"red"}}}}, "InvalidFilterKey"},
		"bad value":   {&DescribeInstanceInformationRequest{Filters: []InstanceInformationStringFilter{{Key: "PingStatus", Values: []string{"Asleep"}}}}, "InvalidInstanceInformationFilterValue"},
		"both lists": {&DescribeInstanceInformationRequest{Filters: []InstanceInformationStringFilter{{Key: "PingStatus", Values: []string{"Online"}}},
			InstanceInformationFilterList: []InstanceInformationFilter{{Key: "PingStatus", ValueSet: []string{"Online"}}}}, "InvalidFilterKey"},
	} {
		_, err := f.svc.DescribeInstanceInformation(ctx, c.in)
		if e, ok := asOpsErr(err); !ok || e != c.code {
			t.Errorf("%s: got %v, want %s", name, err, c.code)
		}
	}

	// Another account or region has no inventory.
	for _, other := range [][2]string{{"222222222222", "us-east-1"}, {opsAcct, "eu-west-1"}} {
		if got := mustOK[*GetInventoryResult](t)(f.svc.GetInventory(opsAs(other[0], other[1]), &GetInventoryRequest{})); len(got.Entities) != 0 {
			t.Fatalf("%v sees %v", other, got.Entities)
		}
	}
}

// asOpsErr is the code of an SSM exception, and false for anything else.
func asOpsErr(err error) (string, bool) {
	e, ok := orgstack.AsError(err)
	if !ok {
		return "", false
	}
	return e.Code, true
}

func TestPutInventoryRules(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	put := func(items ...InventoryItem) error {
		_, err := f.svc.PutInventory(ctx, &PutInventoryRequest{InstanceId: nodeA, Items: items})
		return err
	}
	custom := func(name string, rows ...map[string]string) InventoryItem {
		return InventoryItem{TypeName: name, SchemaVersion: "1.0", CaptureTime: "2024-05-02T08:00:00Z", Content: rows}
	}
	info := instanceInfo(nodeA, "Linux", "Ubuntu", "Active")
	badAttr := instanceInfo(nodeA, "Linux", "Ubuntu", "Active")
	badAttr.Content = []map[string]string{{"Colour": "red"}}
	otherID := instanceInfo(nodeB, "Linux", "Ubuntu", "Active")
	badVersion := instanceInfo(nodeA, "Linux", "Ubuntu", "Active")
	badVersion.SchemaVersion = "2.0"
	withContext := custom("Custom:Ctx", map[string]string{"a": "b"})
	withContext.Context = map[string]string{"ExecutionId": "1"}
	for name, c := range map[string]struct {
		items []InventoryItem
		code  string
	}{
		"unknown AWS type":  {[]InventoryItem{custom("AWS:Nope")}, "InvalidTypeNameException"},
		"unknown attribute": {[]InventoryItem{badAttr}, "InvalidItemContentException"},
		"other instance id": {[]InventoryItem{otherID}, "InvalidItemContentException"},
		"schema version":    {[]InventoryItem{badVersion}, "UnsupportedInventorySchemaVersionException"},
		"context on custom": {[]InventoryItem{withContext}, "UnsupportedInventoryItemContextException"},
		"same type twice":   {[]InventoryItem{info, info}, "InvalidItemContentException"},
	} {
		if e, ok := asOpsErr(put(c.items...)); !ok || e != c.code {
			t.Errorf("%s: got %s, want %s", name, e, c.code)
		}
	}

	// The latest put of a type wins, unless its content hash is unchanged.
	hashed := custom("Custom:App", map[string]string{"Version": "1"})
	hashed.ContentHash = "h1"
	if err := put(hashed); err != nil {
		t.Fatal(err)
	}
	hashed.Content = []map[string]string{{"Version": "2"}}
	if err := put(hashed); err != nil {
		t.Fatal(err)
	}
	out := mustOK[*GetInventoryResult](t)(f.svc.GetInventory(ctx, &GetInventoryRequest{ResultAttributes: []ResultAttribute{{TypeName: "Custom:App"}}}))
	if v := out.Entities[0].Data["Custom:App"].Content[0]["Version"]; v != "1" {
		t.Fatalf("same hash replaced the content: %s", v)
	}
	hashed.ContentHash = "h2"
	if err := put(hashed); err != nil {
		t.Fatal(err)
	}
	out = mustOK[*GetInventoryResult](t)(f.svc.GetInventory(ctx, &GetInventoryRequest{ResultAttributes: []ResultAttribute{{TypeName: "Custom:App"}}}))
	if v := out.Entities[0].Data["Custom:App"].Content[0]["Version"]; v != "2" {
		t.Fatalf("new hash kept the content: %s", v)
	}

	// At most 20 custom types per account and region.
	for i := 1; i < maxCustomInventoryTypes; i++ {
		if err := put(custom(fmt.Sprintf("Custom:T%02d", i), map[string]string{"k": "v"})); err != nil {
			t.Fatal(err)
		}
	}
	if e, _ := asOpsErr(put(custom("Custom:OneTooMany"))); e != "CustomSchemaCountLimitExceededException" {
		t.Fatalf("21st type: %s", e)
	}
	if err := put(custom("Custom:T05", map[string]string{"k": "w"}), info); err != nil {
		t.Fatalf("existing types: %v", err)
	}
	if _, err := f.svc.PutInventory(opsAs(opsAcct, "eu-west-1"), &PutInventoryRequest{InstanceId: nodeA, Items: []InventoryItem{custom("Custom:OneTooMany")}}); err != nil {
		t.Fatalf("another region: %v", err)
	}
}
