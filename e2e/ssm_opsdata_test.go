package e2e

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// opsDataSSM is an aws-sdk-go-v2 Systems Manager client acting as account
// in region.
func (s *srv) opsDataSSM(account, region string) *ssm.Client {
	return ssm.NewFromConfig(s.sdkConfig(account, region))
}

const (
	opsNodeA = "i-0aaaaaaaaaaaaaaaa"
	opsNodeB = "i-0bbbbbbbbbbbbbbbb"
)

// TestSSMOpsItemsCLI creates, reads, edits and lists OpsItems with the aws
// CLI, and checks they belong to one account and region.
func TestSSMOpsItemsCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	created := s.awsOK(t, mgmt, "ssm", "create-ops-item",
		"--title", "EC2 instance disk full", "--description", "Log clean up may have failed",
		"--priority", "2", "--source", "ec2", "--severity", "2", "--category", "Availability",
		"--operational-data", `{"/aws/resources":{"Value":"[{\"arn\": \"arn:aws:ec2:us-east-1:111111111111:instance/i-0aaaaaaaaaaaaaaaa\"}]","Type":"SearchableString"},"note":{"Value":"private","Type":"String"}}`,
		"--notifications", "Arn=arn:aws:sns:us-east-1:111111111111:ops")
	id := str(created, "OpsItemId")
	if !regexp.MustCompile(`^oi-[0-9a-f]{12}$`).MatchString(id) || str(created, "OpsItemArn") != "arn:aws:ssm:us-east-1:"+mgmt+":opsitem/"+id {
		t.Fatalf("create-ops-item: %v", created)
	}
	other := str(s.awsOK(t, mgmt, "ssm", "create-ops-item", "--title", "RDS CPU high", "--description", "d", "--source", "rds"), "OpsItemId")

	got := s.awsOK(t, mgmt, "ssm", "get-ops-item", "--ops-item-id", id)["OpsItem"].(map[string]any)
	if str(got, "Status") != "Open" || str(got, "OpsItemType") != "/aws/issue" || got["Priority"] != 2.0 ||
		str(got, "CreatedBy") != "arn:aws:iam::"+mgmt+":root" || str(got, "OperationalData", "note", "Value") != "private" ||
		str(got, "Notifications", 0, "Arn") != "arn:aws:sns:us-east-1:111111111111:ops" || got["RelatedOpsItems"] == nil {
		t.Fatalf("get-ops-item: %v", got)
	}
	if _, ok := got["CreatedTime"].(float64); !ok {
		t.Fatalf("CreatedTime is not epoch seconds: %v", got["CreatedTime"])
	}

	r := s.aws(t, mgmt, "ssm", "update-ops-item", "--ops-item-id", id, "--status", "InProgress", "--priority", "1",
		"--operational-data", `{"owner":{"Value":"storage","Type":"SearchableString"}}`, "--operational-data-to-delete", "note")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("update-ops-item: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	got = s.awsOK(t, mgmt, "ssm", "get-ops-item", "--ops-item-id", id)["OpsItem"].(map[string]any)
	if str(got, "Status") != "InProgress" || got["Priority"] != 1.0 || str(got, "Version") != "2" ||
		str(got, "OperationalData", "owner", "Value") != "storage" || str(got, "OperationalData", "note") != "" {
		t.Fatalf("after update: %v", got)
	}

	summaries := func(account string, args ...string) []string {
		t.Helper()
		var ids []string
		for _, o := range list(s.awsOK(t, account, append([]string{"ssm", "describe-ops-items"}, args...)...), "OpsItemSummaries") {
			ids = append(ids, str(o, "OpsItemId"))
		}
		return ids
	}
	if ids := summaries(mgmt, "--ops-item-filters", "Key=Status,Values=InProgress,Operator=Equal"); !slices.Equal(ids, []string{id}) {
		t.Fatalf("Status=InProgress: %v", ids)
	}
	if ids := summaries(mgmt, "--ops-item-filters", "Key=Title,Values=CPU,Operator=Contains", "Key=Source,Values=rds,Operator=Equal"); !slices.Equal(ids, []string{other}) {
		t.Fatalf("Title contains CPU: %v", ids)
	}
	if ids := summaries(mgmt, "--ops-item-filters", "Key=CreatedTime,Values=2000-01-01T00:00:00Z,Operator=GreaterThan"); len(ids) != 2 {
		t.Fatalf("created since 2000: %v", ids)
	}
	// The paginating CLI follows NextToken through pages of one.
	if ids := summaries(mgmt, "--page-size", "1"); len(ids) != 2 {
		t.Fatalf("pages of one: %v", ids)
	}
	all := s.awsOK(t, mgmt, "ssm", "describe-ops-items", "--ops-item-filters", "Key=OpsItemId,Values="+id+",Operator=Equal")
	if str(all, "OpsItemSummaries", 0, "OperationalData", "owner", "Type") != "SearchableString" {
		t.Fatalf("summary operational data: %v", all)
	}

	// Errors, with AWS's codes.
	s.awsErr(t, mgmt, "OpsItemNotFoundException", "ssm", "get-ops-item", "--ops-item-id", "oi-000000000000")
	e := s.awsErr(t, mgmt, "OpsItemInvalidParameterException", "ssm", "create-ops-item", "--title", "t", "--description", "d", "--source", "s",
		"--operational-data", `{"aws:region":{"Value":"us-east-1","Type":"String"}}`)
	if !strings.Contains(e.stderr, "aws:region") {
		t.Fatalf("message: %s", e.stderr)
	}
	s.awsErr(t, mgmt, "OpsItemAccessDeniedException", "ssm", "create-ops-item", "--title", "t", "--description", "d", "--source", "s", "--account-id", "222222222222")
	s.awsErr(t, mgmt, "OpsItemInvalidParameterException", "ssm", "update-ops-item", "--ops-item-id", id, "--status", "PendingApproval")
	s.awsErr(t, mgmt, "ValidationException", "ssm", "create-ops-item", "--title", "t", "--description", "d", "--source", "s", "--priority", "9")
	s.awsErr(t, mgmt, "OpsCenterInvalidArgumentException", "ssm", "describe-ops-items", "--ops-item-filters", "Key=Status,Values=Open,Operator=Contains")

	// Another account, or another region, sees none of it.
	s.awsErr(t, "222222222222", "OpsItemNotFoundException", "ssm", "get-ops-item", "--ops-item-id", id)
	if ids := summaries("222222222222"); len(ids) != 0 {
		t.Fatalf("another account lists %v", ids)
	}
	if ids := summaries(mgmt, "--region", "eu-west-1"); len(ids) != 0 {
		t.Fatalf("another region lists %v", ids)
	}

	if r := s.aws(t, mgmt, "ssm", "delete-ops-item", "--ops-item-id", other); r.code != 0 {
		t.Fatalf("delete-ops-item: %s", r.stderr)
	}
	s.awsErr(t, mgmt, "OpsItemNotFoundException", "ssm", "get-ops-item", "--ops-item-id", other)
}

// TestSSMPatchComplianceCLI reports Patch compliance for two nodes and
// reads it back through the three compliance listings.
func TestSSMPatchComplianceCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	put := func(node string, items string) {
		t.Helper()
		r := s.aws(t, mgmt, "ssm", "put-compliance-items", "--resource-id", node, "--resource-type", "ManagedInstance",
			"--compliance-type", "Patch", "--execution-summary", "ExecutionTime=2024-05-01T10:00:00Z,ExecutionId=run-1,ExecutionType=Command",
			"--items", items)
		if r.code != 0 {
			t.Fatalf("put-compliance-items: %s", r.stderr)
		}
	}
	put(opsNodeA, `[{"Id":"KB5034441","Title":"Security update","Severity":"CRITICAL","Status":"NON_COMPLIANT","Details":{"Classification":"SecurityUpdates","PatchState":"Missing"}},{"Id":"KB5034122","Title":"Cumulative update","Severity":"HIGH","Status":"COMPLIANT","Details":{"PatchState":"Installed"}}]`)
	put(opsNodeB, `[{"Id":"KB5034441","Title":"Security update","Severity":"CRITICAL","Status":"COMPLIANT","Details":{"PatchState":"Installed"}}]`)

	items := list(s.awsOK(t, mgmt, "ssm", "list-compliance-items", "--resource-ids", opsNodeA, "--resource-types", "ManagedInstance"), "ComplianceItems")
	if len(items) != 2 || str(items[0], "Id") != "KB5034441" || str(items[0], "Status") != "NON_COMPLIANT" ||
		str(items[0], "ComplianceType") != "Patch" || str(items[0], "Details", "Classification") != "SecurityUpdates" ||
		str(items[0], "ExecutionSummary", "ExecutionId") != "run-1" {
		t.Fatalf("list-compliance-items: %v", items)
	}
	missing := list(s.awsOK(t, mgmt, "ssm", "list-compliance-items", "--resource-ids", opsNodeA, "--resource-types", "ManagedInstance",
		"--filters", "Key=Status,Values=NON_COMPLIANT,Type=EQUAL"), "ComplianceItems")
	if len(missing) != 1 {
		t.Fatalf("non-compliant items: %v", missing)
	}

	sums := list(s.awsOK(t, mgmt, "ssm", "list-compliance-summaries", "--filters", "Key=ComplianceType,Values=Patch,Type=EQUAL"), "ComplianceSummaryItems")
	if len(sums) != 1 || str(sums[0], "ComplianceType") != "Patch" {
		t.Fatalf("list-compliance-summaries: %v", sums)
	}
	p := sums[0].(map[string]any)
	if num(p, "CompliantSummary", "CompliantCount") != 1 || num(p, "NonCompliantSummary", "NonCompliantCount") != 1 ||
		num(p, "NonCompliantSummary", "SeveritySummary", "CriticalCount") != 1 || num(p, "NonCompliantSummary", "SeveritySummary", "LowCount") != 0 {
		t.Fatalf("Patch summary: %v", p)
	}

	res := list(s.awsOK(t, mgmt, "ssm", "list-resource-compliance-summaries", "--filters", "Key=ComplianceType,Values=Patch,Type=EQUAL"), "ResourceComplianceSummaryItems")
	if len(res) != 2 {
		t.Fatalf("list-resource-compliance-summaries: %v", res)
	}
	a := res[0].(map[string]any)
	if str(a, "ResourceId") != opsNodeA || str(a, "Status") != "NON_COMPLIANT" || str(a, "OverallSeverity") != "CRITICAL" ||
		num(a, "CompliantSummary", "CompliantCount") != 1 || num(a, "NonCompliantSummary", "SeveritySummary", "CriticalCount") != 1 ||
		num(a, "CompliantSummary", "SeveritySummary", "HighCount") != 1 || str(a, "ExecutionSummary", "ExecutionType") != "Command" {
		t.Fatalf("node A: %v", a)
	}
	if str(res[1], "ResourceId") != opsNodeB || str(res[1], "Status") != "COMPLIANT" {
		t.Fatalf("node B: %v", res[1])
	}
	nonCompliant := list(s.awsOK(t, mgmt, "ssm", "list-resource-compliance-summaries", "--filters", "Key=Status,Values=NON_COMPLIANT,Type=EQUAL"), "ResourceComplianceSummaryItems")
	if len(nonCompliant) != 1 || str(nonCompliant[0], "ResourceId") != opsNodeA {
		t.Fatalf("non-compliant resources: %v", nonCompliant)
	}

	// A node that installs the patch becomes compliant (COMPLETE upload).
	put(opsNodeA, `[{"Id":"KB5034441","Title":"Security update","Severity":"CRITICAL","Status":"COMPLIANT"}]`)
	sums = list(s.awsOK(t, mgmt, "ssm", "list-compliance-summaries"), "ComplianceSummaryItems")
	if num(sums[0], "CompliantSummary", "CompliantCount") != 2 || num(sums[0], "NonCompliantSummary", "NonCompliantCount") != 0 {
		t.Fatalf("after patching: %v", sums)
	}

	s.awsErr(t, mgmt, "InvalidResourceType", "ssm", "put-compliance-items", "--resource-id", opsNodeA, "--resource-type", "EC2Instance",
		"--compliance-type", "Patch", "--execution-summary", "ExecutionTime=2024-05-01T10:00:00Z", "--items", "[]")
	s.awsErr(t, mgmt, "InvalidResourceId", "ssm", "put-compliance-items", "--resource-id", "web-server-1", "--resource-type", "ManagedInstance",
		"--compliance-type", "Patch", "--execution-summary", "ExecutionTime=2024-05-01T10:00:00Z", "--items", "[]")
	s.awsErr(t, mgmt, "InvalidFilter", "ssm", "list-resource-compliance-summaries", "--filters", "Key=Colour,Values=red,Type=EQUAL")
	s.awsErr(t, mgmt, "InvalidNextToken", "ssm", "list-compliance-summaries", "--starting-token", "bm90LWEtdG9rZW4")

	// Another account, or another region, sees none of it.
	for _, who := range []struct{ account, region string }{{"222222222222", "us-east-1"}, {mgmt, "eu-central-1"}} {
		l := list(s.awsOK(t, who.account, "ssm", "list-resource-compliance-summaries", "--region", who.region), "ResourceComplianceSummaryItems")
		if len(l) != 0 {
			t.Fatalf("%s in %s sees %v", who.account, who.region, l)
		}
	}
}

// num is the number at path in a decoded JSON document, -1 when absent.
func num(v any, path ...any) float64 {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p.(string)]
	}
	f, ok := v.(float64)
	if !ok {
		return -1
	}
	return f
}

// TestSSMInventoryCLI puts managed-node inventory and queries it.
func TestSSMInventoryCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	info := func(node, platform, name string) string {
		return `[{"TypeName":"AWS:InstanceInformation","SchemaVersion":"1.0","CaptureTime":"2024-05-01T10:00:00Z","Content":[{"InstanceId":"` + node +
			`","AgentType":"amazon-ssm-agent","AgentVersion":"3.3.40.0","ComputerName":"` + node + `.internal","IpAddress":"10.0.0.7","PlatformName":"` + name +
			`","PlatformType":"` + platform + `","PlatformVersion":"2023","ResourceType":"EC2Instance","InstanceStatus":"Active"}]},` +
			`{"TypeName":"Custom:RackInfo","SchemaVersion":"1.0","CaptureTime":"2024-05-01T10:00:00Z","Content":[{"RackLocation":"Bay B"}]}]`
	}
	for _, n := range []struct{ id, platform, name string }{{opsNodeA, "Windows", "Windows Server 2022"}, {opsNodeB, "Linux", "Amazon Linux"}} {
		if r := s.aws(t, mgmt, "ssm", "put-inventory", "--instance-id", n.id, "--items", info(n.id, n.platform, n.name)); r.code != 0 {
			t.Fatalf("put-inventory: %s", r.stderr)
		}
	}
	ents := list(s.awsOK(t, mgmt, "ssm", "get-inventory"), "Entities")
	if len(ents) != 2 || str(ents[0], "Id") != opsNodeA ||
		str(ents[0], "Data", "AWS:InstanceInformation", "Content", 0, "PlatformType") != "Windows" ||
		str(ents[0], "Data", "AWS:InstanceInformation", "CaptureTime") != "2024-05-01T10:00:00Z" {
		t.Fatalf("get-inventory: %v", ents)
	}
	linux := list(s.awsOK(t, mgmt, "ssm", "get-inventory", "--filters", "Key=AWS:InstanceInformation.PlatformType,Values=Linux,Type=Equal"), "Entities")
	if len(linux) != 1 || str(linux[0], "Id") != opsNodeB {
		t.Fatalf("Linux nodes: %v", linux)
	}
	racks := list(s.awsOK(t, mgmt, "ssm", "get-inventory", "--result-attributes", "TypeName=Custom:RackInfo"), "Entities")
	if len(racks) != 2 || str(racks[1], "Data", "Custom:RackInfo", "Content", 0, "RackLocation") != "Bay B" {
		t.Fatalf("rack inventory: %v", racks)
	}
	nodes := list(s.awsOK(t, mgmt, "ssm", "describe-instance-information", "--filters", "Key=PlatformTypes,Values=Linux"), "InstanceInformationList")
	if len(nodes) != 1 || str(nodes[0], "InstanceId") != opsNodeB || str(nodes[0], "PingStatus") != "Online" || str(nodes[0], "IPAddress") != "10.0.0.7" {
		t.Fatalf("describe-instance-information: %v", nodes)
	}

	s.awsErr(t, mgmt, "InvalidTypeNameException", "ssm", "put-inventory", "--instance-id", opsNodeA, "--items",
		`[{"TypeName":"AWS:Unknown","SchemaVersion":"1.0","CaptureTime":"2024-05-01T10:00:00Z","Content":[]}]`)
	s.awsErr(t, mgmt, "ValidationException", "ssm", "put-inventory", "--instance-id", "server-1", "--items",
		`[{"TypeName":"Custom:X","SchemaVersion":"1.0","CaptureTime":"2024-05-01T10:00:00Z","Content":[]}]`)
	s.awsErr(t, mgmt, "InvalidFilter", "ssm", "get-inventory", "--filters", "Key=PlatformType,Values=Linux")
	s.awsErr(t, mgmt, "InvalidInstanceId", "ssm", "describe-instance-information", "--filters", "Key=InstanceIds,Values=i-0cccccccccccccccc")

	if l := list(s.awsOK(t, "222222222222", "ssm", "get-inventory"), "Entities"); len(l) != 0 {
		t.Fatalf("another account sees %v", l)
	}
	if l := list(s.awsOK(t, mgmt, "ssm", "describe-instance-information", "--region", "ap-southeast-2"), "InstanceInformationList"); len(l) != 0 {
		t.Fatalf("another region sees %v", l)
	}
}

// TestSSMOpsDataSDK drives OpsItems, compliance and inventory with
// aws-sdk-go-v2: its paginators and its typed exceptions.
func TestSSMOpsDataSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	ctx := context.Background()
	c := s.opsDataSSM(mgmt, "eu-west-1")
	var ids []string
	for i := range 5 {
		out, err := c.CreateOpsItem(ctx, &ssm.CreateOpsItemInput{Title: aws.String("Item " + string(rune('A'+i))), Description: aws.String("d"),
			Source: aws.String("sdk"), Priority: aws.Int32(int32(i%5 + 1)), OpsItemType: aws.String("/aws/issue")})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(aws.ToString(out.OpsItemArn), "arn:aws:ssm:eu-west-1:"+mgmt+":opsitem/oi-") {
			t.Fatalf("arn %s", aws.ToString(out.OpsItemArn))
		}
		ids = append(ids, aws.ToString(out.OpsItemId))
		time.Sleep(2 * time.Millisecond)
	}
	var seen []string
	pages := 0
	p := ssm.NewDescribeOpsItemsPaginator(c, &ssm.DescribeOpsItemsInput{MaxResults: aws.Int32(2),
		OpsItemFilters: []ssmtypes.OpsItemFilter{{Key: ssmtypes.OpsItemFilterKeySource, Operator: ssmtypes.OpsItemFilterOperatorEqual, Values: []string{"sdk"}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.OpsItemSummaries {
			seen = append(seen, aws.ToString(o.OpsItemId))
			if o.CreatedTime == nil || o.Status != ssmtypes.OpsItemStatusOpen {
				t.Fatalf("summary %+v", o)
			}
		}
	}
	slices.Reverse(ids) // newest first
	if pages != 3 || !slices.Equal(seen, ids) {
		t.Fatalf("%d pages gave %v, want %v", pages, seen, ids)
	}

	_, err := c.GetOpsItem(ctx, &ssm.GetOpsItemInput{OpsItemId: aws.String("oi-000000000000")})
	var nf *ssmtypes.OpsItemNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("want OpsItemNotFoundException, got %v", err)
	}
	_, err = c.CreateOpsItem(ctx, &ssm.CreateOpsItemInput{Title: aws.String("t"), Description: aws.String("d"), Source: aws.String("s"),
		OperationalData: map[string]ssmtypes.OpsItemDataValue{"/ssm/x": {Value: aws.String("v")}}})
	var ip *ssmtypes.OpsItemInvalidParameterException
	if !errors.As(err, &ip) || !slices.Equal(ip.ParameterNames, []string{"OperationalData"}) {
		t.Fatalf("want OpsItemInvalidParameterException naming OperationalData, got %v", err)
	}
	_, err = c.ListComplianceItems(ctx, &ssm.ListComplianceItemsInput{NextToken: aws.String("garbage")})
	var bad *ssmtypes.InvalidNextToken
	if !errors.As(err, &bad) {
		t.Fatalf("want InvalidNextToken, got %v", err)
	}

	if _, err := c.PutComplianceItems(ctx, &ssm.PutComplianceItemsInput{ResourceId: aws.String(opsNodeA), ResourceType: aws.String("ManagedInstance"),
		ComplianceType: aws.String("Custom:AVCheck"), ExecutionSummary: &ssmtypes.ComplianceExecutionSummary{ExecutionTime: aws.Time(time.Now())},
		Items: []ssmtypes.ComplianceItemEntry{{Id: aws.String("Version2.0"), Title: aws.String("ScanHost"), Severity: ssmtypes.ComplianceSeverityCritical, Status: ssmtypes.ComplianceStatusNonCompliant}}}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.ListResourceComplianceSummaries(ctx, &ssm.ListResourceComplianceSummariesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.ResourceComplianceSummaryItems) != 1 || rs.ResourceComplianceSummaryItems[0].Status != ssmtypes.ComplianceStatusNonCompliant ||
		rs.ResourceComplianceSummaryItems[0].OverallSeverity != ssmtypes.ComplianceSeverityCritical {
		t.Fatalf("resource summaries %+v", rs.ResourceComplianceSummaryItems)
	}

	for i, node := range []string{opsNodeA, opsNodeB, "mi-0cccccccccccccccc"} {
		if _, err := c.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(node), Items: []ssmtypes.InventoryItem{{
			TypeName: aws.String("AWS:InstanceInformation"), SchemaVersion: aws.String("1.0"), CaptureTime: aws.String("2024-05-01T10:00:00Z"),
			Content: []map[string]string{{"InstanceId": node, "PlatformType": []string{"Linux", "Windows", "Linux"}[i], "AgentVersion": "3.3.40.0"}},
		}}}); err != nil {
			t.Fatal(err)
		}
	}
	var nodes []string
	inv := ssm.NewGetInventoryPaginator(c, &ssm.GetInventoryInput{MaxResults: aws.Int32(1)})
	for inv.HasMorePages() {
		page, err := inv.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entities {
			nodes = append(nodes, aws.ToString(e.Id))
		}
	}
	if !slices.Equal(nodes, []string{opsNodeA, opsNodeB, "mi-0cccccccccccccccc"}) {
		t.Fatalf("inventory pages %v", nodes)
	}
	di, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(di.InstanceInformationList) != 3 || di.InstanceInformationList[2].ResourceType != ssmtypes.ResourceTypeManagedInstance {
		t.Fatalf("instances %+v", di.InstanceInformationList)
	}

	// None of it is in us-east-1.
	east := s.opsDataSSM(mgmt, "us-east-1")
	d, err := east.DescribeOpsItems(ctx, &ssm.DescribeOpsItemsInput{})
	if err != nil || len(d.OpsItemSummaries) != 0 {
		t.Fatalf("us-east-1 lists %v (%v)", d, err)
	}
}

// TestSSMBoto3 runs the Systems Manager boto3 script against a fresh
// server.
func TestSSMBoto3(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	if out := s.python(t, mgmt, "ssm_boto3.py"); strings.TrimSpace(out) != "ok" {
		t.Fatalf("script printed %q", out)
	}
}
