package ssm

import (
	"context"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

const opsAcct = "111111111111"

func newOpsItem(t *testing.T, f *opsDataFixture, ctx context.Context, in *CreateOpsItemRequest) string {
	t.Helper()
	if in.Description == "" {
		in.Description = "description"
	}
	if in.Source == "" {
		in.Source = "EC2"
	}
	out, err := f.svc.CreateOpsItem(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return out.OpsItemId
}

func TestCreateAndGetOpsItem(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "eu-west-1")
	p := int32(2)
	out, err := f.svc.CreateOpsItem(ctx, &CreateOpsItemRequest{
		Title: "EC2 instance disk full", Description: "Log clean up failed", Source: "ec2", Priority: &p,
		Severity: "2", Category: "Performance",
		OperationalData: map[string]OpsItemDataValue{
			"/aws/resources": {Value: `[{"arn":"arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0"}]`, Type: "SearchableString"},
			"runbook":        {Value: "restart it", Type: "String"},
		},
		Notifications: []OpsItemNotification{{Arn: "arn:aws:sns:eu-west-1:111111111111:ops"}},
		Tags:          []Tag{{Key: "team", Value: "core"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^oi-[0-9a-f]{12}$`).MatchString(out.OpsItemId) {
		t.Fatalf("id %q", out.OpsItemId)
	}
	if want := "arn:aws:ssm:eu-west-1:111111111111:opsitem/" + out.OpsItemId; out.OpsItemArn != want {
		t.Fatalf("arn %q, want %q", out.OpsItemArn, want)
	}
	got, err := f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: out.OpsItemId, OpsItemArn: out.OpsItemArn})
	if err != nil {
		t.Fatal(err)
	}
	o := got.OpsItem
	if o.Title != "EC2 instance disk full" || o.Source != "ec2" || o.Status != "Open" || o.OpsItemType != "/aws/issue" ||
		*o.Priority != 2 || o.Severity != "2" || o.Category != "Performance" || o.Version != "1" ||
		o.CreatedBy != "arn:aws:iam::111111111111:root" || o.LastModifiedBy != o.CreatedBy || o.CreatedTime.IsZero() ||
		len(o.OperationalData) != 2 || o.OperationalData["runbook"].Type != "String" ||
		len(o.Notifications) != 1 || o.RelatedOpsItems == nil || len(o.RelatedOpsItems) != 0 {
		t.Fatalf("got %+v", o)
	}

	// A China region gives the aws-cn partition.
	cn, err := f.svc.CreateOpsItem(opsAs(opsAcct, "cn-north-1"), &CreateOpsItemRequest{Title: "t", Description: "d", Source: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws-cn:ssm:cn-north-1:111111111111:opsitem/" + cn.OpsItemId; cn.OpsItemArn != want {
		t.Fatalf("arn %q", cn.OpsItemArn)
	}
}

func TestCreateOpsItemRefusals(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	base := func() *CreateOpsItemRequest {
		return &CreateOpsItemRequest{Title: "t", Description: "d", Source: "EC2"}
	}
	for _, key := range []string{"aws:region", "AWSThing", "amazon", "Amzn1", "ssmKey", "/aws/other", "/SSM/x", "/amazon/y", "/amzn"} {
		in := base()
		in.OperationalData = map[string]OpsItemDataValue{key: {Value: "v", Type: "String"}}
		e := wantOpsErr(t, func() error { _, err := f.svc.CreateOpsItem(ctx, in); return err }(), "OpsItemInvalidParameterException")
		if names, _ := e.Fields["ParameterNames"].([]string); !slices.Equal(names, []string{"OperationalData"}) {
			t.Errorf("%s: ParameterNames %v", key, e.Fields["ParameterNames"])
		}
	}
	for _, key := range []string{"awesome", "my-aws", "/aws/resources", "/aws/automations", "/aws/dedup"} {
		in := base()
		in.OperationalData = map[string]OpsItemDataValue{key: {Value: `[]`, Type: "SearchableString"}}
		if _, err := f.svc.CreateOpsItem(ctx, in); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	cases := map[string]struct {
		edit func(in *CreateOpsItemRequest)
		code string
	}{
		"source names amazon": {func(in *CreateOpsItemRequest) { in.Source = "Amazon EC2" }, "OpsItemInvalidParameterException"},
		"severity 5":          {func(in *CreateOpsItemRequest) { in.Severity = "5" }, "OpsItemInvalidParameterException"},
		"unknown type":        {func(in *CreateOpsItemRequest) { in.OpsItemType = "/aws/other" }, "OpsItemInvalidParameterException"},
		"bad related id":      {func(in *CreateOpsItemRequest) { in.RelatedOpsItems = []RelatedOpsItem{{OpsItemId: "oi-XYZ"}} }, "OpsItemInvalidParameterException"},
		"other account":       {func(in *CreateOpsItemRequest) { in.AccountId = "222222222222" }, "OpsItemAccessDeniedException"},
	}
	for name, c := range cases {
		in := base()
		c.edit(in)
		_, err := f.svc.CreateOpsItem(ctx, in)
		if e := wantOpsErr(t, err, c.code); e.Message == "" {
			t.Errorf("%s: no message", name)
		}
	}
	own := base()
	own.AccountId = opsAcct
	if _, err := f.svc.CreateOpsItem(ctx, own); err != nil {
		t.Fatalf("own account: %v", err)
	}
}

func TestOpsItemDeduplication(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	dedup := func(s string) map[string]OpsItemDataValue {
		return map[string]OpsItemDataValue{"/aws/dedup": {Value: `{"dedupString":"` + s + `"}`, Type: "SearchableString"}}
	}
	first := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "a", OperationalData: dedup("disk-full")})
	_, err := f.svc.CreateOpsItem(ctx, &CreateOpsItemRequest{Title: "b", Description: "d", Source: "EC2", OperationalData: dedup("DISK-FULL")})
	if e := wantOpsErr(t, err, "OpsItemAlreadyExistsException"); e.Fields["OpsItemId"] != first {
		t.Fatalf("OpsItemId %v, want %s", e.Fields["OpsItemId"], first)
	}
	// Once resolved, the same string creates a new OpsItem.
	if _, err := f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: first, Status: "Resolved"}); err != nil {
		t.Fatal(err)
	}
	if second := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "c", OperationalData: dedup("disk-full")}); second == first {
		t.Fatal("same id")
	}
	// The deduplication string can't change afterwards.
	_, err = f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: first, OperationalData: dedup("other")})
	wantOpsErr(t, err, "OpsItemInvalidParameterException")
}

func TestUpdateOpsItem(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	id := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "a", OperationalData: map[string]OpsItemDataValue{
		"keep": {Value: "1", Type: "String"}, "drop": {Value: "2", Type: "String"}, "change": {Value: "3", Type: "String"}}})
	before, _ := f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: id})
	f.clock.Advance(time.Minute)
	p := int32(1)
	if _, err := f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: id, Status: "InProgress", Title: "b", Priority: &p,
		Severity: "1", OperationalData: map[string]OpsItemDataValue{"change": {Value: "4", Type: "SearchableString"}, "new": {Value: "5"}},
		OperationalDataToDelete: []string{"drop"}, RelatedOpsItems: []RelatedOpsItem{{OpsItemId: "oi-0123456789ab"}}}); err != nil {
		t.Fatal(err)
	}
	o := mustOK[*GetOpsItemResponse](t)(f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: id})).OpsItem
	if o.Status != "InProgress" || o.Title != "b" || *o.Priority != 1 || o.Severity != "1" || o.Version != "2" || o.Description != "description" ||
		!o.LastModifiedTime.After(before.OpsItem.LastModifiedTime) || !o.CreatedTime.Equal(before.OpsItem.CreatedTime) ||
		len(o.RelatedOpsItems) != 1 {
		t.Fatalf("got %+v", o)
	}
	if d := o.OperationalData; len(d) != 3 || d["keep"].Value != "1" || d["change"].Value != "4" || d["new"].Value != "5" {
		t.Fatalf("operational data %+v", d)
	}

	_, err := f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: id, Status: "PendingApproval"})
	wantOpsErr(t, err, "OpsItemInvalidParameterException")
	_, err = f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: "oi-000000000000", Title: "x"})
	wantOpsErr(t, err, "OpsItemNotFoundException")
	_, err = f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: id, OperationalData: map[string]OpsItemDataValue{"aws:x": {Value: "v"}}})
	wantOpsErr(t, err, "OpsItemInvalidParameterException")
	_, err = f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: id, OpsItemArn: "arn:aws:ssm:us-east-1:222222222222:opsitem/" + id})
	wantOpsErr(t, err, "OpsItemAccessDeniedException")

	cr := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "change", OpsItemType: "/aws/changerequest"})
	if _, err := f.svc.UpdateOpsItem(ctx, &UpdateOpsItemRequest{OpsItemId: cr, Status: "PendingApproval"}); err != nil {
		t.Fatalf("change request status: %v", err)
	}
}

func TestOpsItemsAreScopedAndDeletable(t *testing.T) {
	f := newOpsDataFixture(t)
	ctx := opsAs(opsAcct, "us-east-1")
	id := newOpsItem(t, f, ctx, &CreateOpsItemRequest{Title: "a"})
	for _, other := range []context.Context{opsAs("222222222222", "us-east-1"), opsAs(opsAcct, "eu-west-1")} {
		_, err := f.svc.GetOpsItem(other, &GetOpsItemRequest{OpsItemId: id})
		wantOpsErr(t, err, "OpsItemNotFoundException")
		list := mustOK[*DescribeOpsItemsResponse](t)(f.svc.DescribeOpsItems(other, &DescribeOpsItemsRequest{}))
		if len(list.OpsItemSummaries) != 0 {
			t.Fatalf("another scope sees %v", list.OpsItemSummaries)
		}
	}
	_, err := f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: id, OpsItemArn: "arn:aws:ssm:eu-west-1:111111111111:opsitem/" + id})
	wantOpsErr(t, err, "OpsItemNotFoundException")
	for range 2 { // idempotent
		if _, err := f.svc.DeleteOpsItem(ctx, &DeleteOpsItemRequest{OpsItemId: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: id})
	wantOpsErr(t, err, "OpsItemNotFoundException")
}

func TestOpsItemInternalAPI(t *testing.T) {
	f := newOpsDataFixture(t)
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	var id string
	err := f.st.Update(context.Background(), func(tx store.Tx) error {
		r, err := createOpsItemTx(tx, now, opsAcct, "us-west-2", &CreateOpsItemRequest{
			Title: "Change: patch web fleet", Description: "d", Source: "ssm", OpsItemType: "/aws/changerequest",
			OperationalData:  map[string]OpsItemDataValue{"/aws/changerequest": {Value: `{"templateName":"t"}`, Type: "SearchableString"}},
			PlannedStartTime: now.Add(time.Hour),
		}, "arn:aws:iam::111111111111:root")
		if err != nil {
			return err
		}
		id = r.ID
		return updateOpsItemStatusTx(tx, now.Add(time.Minute), opsAcct, "us-west-2", id, "PendingApproval")
	})
	if err != nil {
		t.Fatal(err)
	}
	o := mustOK[*GetOpsItemResponse](t)(f.svc.GetOpsItem(opsAs(opsAcct, "us-west-2"), &GetOpsItemRequest{OpsItemId: id})).OpsItem
	if o.Status != "PendingApproval" || o.OpsItemType != "/aws/changerequest" || o.Version != "2" ||
		!o.CreatedTime.Equal(now) || !o.LastModifiedTime.Equal(now.Add(time.Minute)) || !o.PlannedStartTime.Equal(now.Add(time.Hour)) {
		t.Fatalf("got %+v", o)
	}
	err = f.st.Update(context.Background(), func(tx store.Tx) error {
		return updateOpsItemStatusTx(tx, now, opsAcct, "us-west-2", id, "Finished")
	})
	wantOpsErr(t, err, "OpsItemInvalidParameterException")
	err = f.st.Update(context.Background(), func(tx store.Tx) error {
		return updateOpsItemStatusTx(tx, now, opsAcct, "us-west-2", "oi-000000000000", "Approved")
	})
	wantOpsErr(t, err, "OpsItemNotFoundException")
}
