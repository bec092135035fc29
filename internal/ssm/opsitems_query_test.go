package ssm

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
)

func TestDescribeOpsItemsFilters(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	p1, p3 := int32(1), int32(3)
	start := f.clock.Now()
	disk := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "EC2 disk full", Source: "EC2", Priority: &p1, Severity: "1", Category: "Availability",
		OperationalData: map[string]OpsItemDataValue{
			"/aws/resources": {Value: `[{"arn":"arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0"}]`, Type: "SearchableString"},
			"secret":         {Value: "hidden", Type: "String"},
			"team":           {Value: "storage-core", Type: "SearchableString"},
		}})
	f.clock.Advance(time.Hour)
	mid := f.clock.Now()
	f.clock.Advance(time.Hour)
	cpu := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "RDS CPU high", Source: "RDS", Priority: &p3, Severity: "3", Category: "Performance"})
	f.clock.Advance(time.Hour)
	change := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "Patch fleet", Source: "SSM", OpsItemType: "/aws/changerequest"})
	if _, err := f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: cpu, Status: "Resolved"}); err != nil {
		t.Fatal(err)
	}

	ids := func(fs ...OpsItemFilter) []string {
		t.Helper()
		out, err := f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{OpsItemFilters: fs})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range out.OpsItemSummaries {
			got = append(got, s.OpsItemId)
		}
		return got
	}
	flt := func(k OpsItemFilterKey, op OpsItemFilterOperator, vs ...string) OpsItemFilter {
		return OpsItemFilter{Key: k, Operator: op, Values: vs}
	}
	const eq, has, gt, lt = OpsItemFilterOperatorEqual, OpsItemFilterOperatorContains, OpsItemFilterOperatorGreaterThan, OpsItemFilterOperatorLessThan
	cases := map[string]struct {
		filters []OpsItemFilter
		want    []string
	}{
		"none, newest first":      {nil, []string{change, cpu, disk}},
		"status open":             {[]OpsItemFilter{flt("Status", eq, "Open")}, []string{change, disk}},
		"status any of":           {[]OpsItemFilter{flt("Status", eq, "Resolved", "InProgress")}, []string{cpu}},
		"title contains any case": {[]OpsItemFilter{flt("Title", has, "disk")}, []string{disk}},
		"title equal":             {[]OpsItemFilter{flt("Title", eq, "RDS CPU high")}, []string{cpu}},
		"source and priority":     {[]OpsItemFilter{flt("Source", eq, "EC2"), flt("Priority", eq, "1")}, []string{disk}},
		"severity":                {[]OpsItemFilter{flt("Severity", eq, "3")}, []string{cpu}},
		"category":                {[]OpsItemFilter{flt("Category", eq, "Availability")}, []string{disk}},
		"type":                    {[]OpsItemFilter{flt("OpsItemType", eq, "/aws/changerequest")}, []string{change}},
		"id":                      {[]OpsItemFilter{flt("OpsItemId", eq, cpu)}, []string{cpu}},
		"created after":           {[]OpsItemFilter{flt("CreatedTime", gt, mid.Format(time.RFC3339Nano))}, []string{change, cpu}},
		"created before (epoch)":  {[]OpsItemFilter{flt("CreatedTime", lt, strconv.FormatInt(mid.Unix(), 10))}, []string{disk}},
		"created before":          {[]OpsItemFilter{flt("CreatedTime", lt, mid.Format(time.RFC3339))}, []string{disk}},
		"modified after start":    {[]OpsItemFilter{flt("LastModifiedTime", gt, start.Add(-time.Second).Format(time.RFC3339))}, []string{change, cpu, disk}},
		"searchable data":         {[]OpsItemFilter{flt("OperationalData", eq, `{"key":"team","value":"storage-core"}`)}, []string{disk}},
		"string data is hidden":   {[]OpsItemFilter{flt("OperationalDataKey", eq, "secret")}, nil},
		"data value contains":     {[]OpsItemFilter{flt("OperationalDataValue", has, "storage")}, []string{disk}},
		"resource id":             {[]OpsItemFilter{flt("ResourceId", has, "i-0123456789abcdef0")}, []string{disk}},
		"account":                 {[]OpsItemFilter{flt("AccountId", eq, opsAcct)}, []string{change, cpu, disk}},
		"other account":           {[]OpsItemFilter{flt("AccountId", eq, "222222222222")}, nil},
	}
	for name, c := range cases {
		if got := ids(c.filters...); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", name, got, c.want)
		}
	}

	// Summaries carry only searchable OperationalData.
	out := mustOK[*DescribeOpsItemsResponse](t)(f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{OpsItemFilters: []OpsItemFilter{flt("OpsItemId", eq, disk)}}))
	if d := out.OpsItemSummaries[0].OperationalData; len(d) != 2 || d["secret"].Value != "" {
		t.Fatalf("summary data %v", d)
	}

	for name, fs := range map[string][]OpsItemFilter{
		"operator not allowed": {flt("Status", has, "Op")},
		"no values":            {flt("Title", eq)},
		"not a time":           {flt("CreatedTime", gt, "yesterday")},
		"not a number":         {flt("Priority", eq, "high")},
		"bad data filter":      {flt("OperationalData", eq, "team=storage")},
		"title too long":       {flt("Title", eq, string(make([]byte, 101)))},
	} {
		_, err := f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{OpsItemFilters: fs})
		if e, ok := orgstack.AsError(err); !ok || e.Code != "OpsCenterInvalidArgumentException" || !strings.HasPrefix(e.Message, "Filter '") {
			t.Errorf("%s: got %v", name, err)
		}
	}
	_, err := f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{OpsItemFilters: []OpsItemFilter{flt("ChangeRequestByTemplate", eq, "x")}})
	wantOpsErr(t, err, "NotImplemented")
}

func TestDescribeOpsItemsPages(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	var want []string
	for range 5 {
		want = append([]string{newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "x"})}, want...)
		f.clock.Advance(time.Second)
	}
	two := int32(2)
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		out, err := f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{MaxResults: &two, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.OpsItemSummaries) > 2 || pages > 3 {
			t.Fatalf("page %d has %d items", pages, len(out.OpsItemSummaries))
		}
		for _, s := range out.OpsItemSummaries {
			got = append(got, s.OpsItemId)
		}
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	first := mustOK[*DescribeOpsItemsResponse](t)(f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{MaxResults: &two}))
	_, err := f.svc.DescribeOpsItems(ctx, &DescribeOpsItemsRequest{NextToken: "not-a-token"})
	wantOpsErr(t, err, "InvalidNextToken")
	_, err = f.svc.DescribeOpsItems(opsAs("222222222222", "us-east-1"), &DescribeOpsItemsRequest{NextToken: first.NextToken})
	wantOpsErr(t, err, "InvalidNextToken")
	_, err = f.svc.ListComplianceSummaries(ctx, &ListComplianceSummariesRequest{NextToken: first.NextToken})
	wantOpsErr(t, err, "InvalidNextToken")
}
