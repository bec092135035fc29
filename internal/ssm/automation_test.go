package ssm

import (
	"context"
	"slices"
	"testing"
	"time"
)

// describeIDs lists the executions that pass the filters, page by page.
func (f *cmFixture) describeIDs(t *testing.T, ctx context.Context, max int32, filters ...AutomationExecutionFilter) []string {
	t.Helper()
	in := &DescribeAutomationExecutionsRequest{Filters: filters, MaxResults: &max}
	var out []string
	for {
		res := mustOK[*DescribeAutomationExecutionsResult](t)(f.svc.DescribeAutomationExecutions(ctx, in))
		for _, m := range res.AutomationExecutionMetadataList {
			out = append(out, m.AutomationExecutionId)
		}
		if res.NextToken == "" {
			return out
		}
		in.NextToken = res.NextToken
	}
}

func TestDescribeAutomationExecutions(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := f.setupChange(t, cmAdmin, true, false)
	start := func(name string, accounts []string) string {
		id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, changeRequest(name, accounts, []string{"us-east-1"}))).AutomationExecutionId
		f.clock.Advance(time.Minute)
		return id
	}
	begin := f.clock.Now()
	done := start("done", []string{cmMemberA})
	rejected := start("rejected", []string{cmMemberB})
	local := start("local", nil)
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: done, SignalType: SignalTypeApprove}))
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: rejected, SignalType: SignalTypeReject}))
	f.settle(t)
	doneOpsItem := f.execution(t, ctx, done).OpsItemId
	filter := func(k AutomationExecutionFilterKey, v ...string) AutomationExecutionFilter {
		return AutomationExecutionFilter{Key: k, Values: v}
	}
	for _, c := range []struct {
		name    string
		filters []AutomationExecutionFilter
		want    []string
	}{
		{"all, newest first", nil, []string{local, rejected, done}},
		{"by id", []AutomationExecutionFilter{filter("ExecutionId", done)}, []string{done}},
		{"by status", []AutomationExecutionFilter{filter("ExecutionStatus", "Success", "Rejected")}, []string{rejected, done}},
		{"pending", []AutomationExecutionFilter{filter("ExecutionStatus", "PendingApproval")}, []string{local}},
		{"by template prefix", []AutomationExecutionFilter{filter("DocumentNamePrefix", "Web")}, []string{local, rejected, done}},
		{"other prefix", []AutomationExecutionFilter{filter("DocumentNamePrefix", "AWS-")}, nil},
		{"by subtype", []AutomationExecutionFilter{filter("AutomationSubtype", "ChangeRequest")}, []string{local, rejected, done}},
		{"by type", []AutomationExecutionFilter{filter("AutomationType", "Local")}, []string{local}},
		{"by OpsItem", []AutomationExecutionFilter{filter("OpsItemId", doneOpsItem)}, []string{done}},
		{"started after", []AutomationExecutionFilter{filter("StartTimeAfter", begin.Add(30*time.Second).Format(time.RFC3339))}, []string{local, rejected}},
		{"started before", []AutomationExecutionFilter{filter("StartTimeBefore", begin.Add(30*time.Second).Format(time.RFC3339))}, []string{done}},
		{"two keys", []AutomationExecutionFilter{filter("AutomationType", "CrossAccount"), filter("ExecutionStatus", "Success")}, []string{done}},
		{"no parent", []AutomationExecutionFilter{filter("ParentExecutionId", done)}, nil},
	} {
		for _, max := range []int32{1, 50} {
			if got := f.describeIDs(t, ctx, max, c.filters...); !slices.Equal(got, c.want) {
				t.Errorf("%s (pages of %d): got %v, want %v", c.name, max, got, c.want)
			}
		}
	}
	m := mustOK[*DescribeAutomationExecutionsResult](t)(f.svc.DescribeAutomationExecutions(ctx, &DescribeAutomationExecutionsRequest{
		Filters: []AutomationExecutionFilter{filter("ExecutionId", done)}})).AutomationExecutionMetadataList[0]
	if m.AutomationExecutionStatus != "Success" || m.AutomationSubtype != "ChangeRequest" || m.ChangeRequestName != "done" ||
		m.AutomationType != "CrossAccount" || m.OpsItemId != doneOpsItem || m.ExecutedBy != "arn:aws:iam::"+cmAdmin+":root" || m.ExecutionEndTime.IsZero() {
		t.Fatalf("metadata %+v", m)
	}
	wantErr(t, "InvalidFilterValue", func() error {
		_, err := f.svc.DescribeAutomationExecutions(ctx, &DescribeAutomationExecutionsRequest{Filters: []AutomationExecutionFilter{filter("StartTimeAfter", "yesterday")}})
		return err
	})
	wantErr(t, "InvalidNextToken", func() error {
		_, err := f.svc.DescribeAutomationExecutions(ctx, &DescribeAutomationExecutionsRequest{NextToken: "nope"})
		return err
	})
	// Executions are per account and region.
	if got := f.describeIDs(t, opsAs(cmAdmin, "eu-west-1"), 50); len(got) != 0 {
		t.Fatalf("another region sees %v", got)
	}
	wantErr(t, "AutomationExecutionNotFoundException", func() error {
		_, err := f.svc.GetAutomationExecution(opsAs(cmMemberA, "us-east-1"), &GetAutomationExecutionRequest{AutomationExecutionId: done})
		return err
	})
}

func TestDescribeAutomationStepExecutions(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := f.setupChange(t, cmAdmin, true, false)
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx,
		changeRequest("steps", []string{cmMemberA, cmMemberB}, []string{"us-east-1"}))).AutomationExecutionId
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: id, SignalType: SignalTypeApprove}))
	f.settle(t)
	steps := func(in *DescribeAutomationStepExecutionsRequest) []string {
		t.Helper()
		in.AutomationExecutionId = id
		var out []string
		for {
			res := mustOK[*DescribeAutomationStepExecutionsResult](t)(f.svc.DescribeAutomationStepExecutions(ctx, in))
			for _, s := range res.StepExecutions {
				out = append(out, s.TargetLocation.Accounts[0])
			}
			if res.NextToken == "" {
				return out
			}
			in.NextToken = res.NextToken
		}
	}
	one, yes := int32(1), true
	if got := steps(&DescribeAutomationStepExecutionsRequest{MaxResults: &one}); !slices.Equal(got, []string{cmMemberA, cmMemberB}) {
		t.Fatalf("steps %v", got)
	}
	if got := steps(&DescribeAutomationStepExecutionsRequest{ReverseOrder: &yes}); !slices.Equal(got, []string{cmMemberB, cmMemberA}) {
		t.Fatalf("reversed %v", got)
	}
	all := f.execution(t, ctx, id).StepExecutions
	byID := []StepExecutionFilter{{Key: "StepExecutionId", Values: []string{all[1].StepExecutionId}}}
	if got := steps(&DescribeAutomationStepExecutionsRequest{Filters: byID}); !slices.Equal(got, []string{cmMemberB}) {
		t.Fatalf("by id %v", got)
	}
	if got := steps(&DescribeAutomationStepExecutionsRequest{Filters: []StepExecutionFilter{{Key: "StepExecutionStatus", Values: []string{"Failed"}}}}); len(got) != 0 {
		t.Fatalf("failed steps %v", got)
	}
	if got := steps(&DescribeAutomationStepExecutionsRequest{Filters: []StepExecutionFilter{{Key: "Action", Values: []string{"aws:executeAutomation"}}}}); len(got) != 2 {
		t.Fatalf("by action %v", got)
	}
	wantErr(t, "AutomationExecutionNotFoundException", func() error {
		_, err := f.svc.DescribeAutomationStepExecutions(ctx, &DescribeAutomationStepExecutionsRequest{AutomationExecutionId: "00000000-0000-0000-0000-000000000000"})
		return err
	})
}
