package ssm

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// A change request from the delegated administrator targeting two member
// accounts and an OU waits for approval, then runs its runbook once per
// account and region and succeeds; its OpsItem follows.
func TestChangeRequestLifecycle(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := f.setupChange(t, cmAdmin, true, false)
	in := changeRequest("Restart web", []string{cmMemberA, cmMemberB, cmOU}, []string{"us-east-1", "eu-west-1"})
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, in)).AutomationExecutionId
	if !uuidRE.MatchString(id) {
		t.Fatalf("AutomationExecutionId %q is not a UUID", id)
	}
	e := f.execution(t, ctx, id)
	if e.AutomationExecutionStatus != "PendingApproval" || e.AutomationSubtype != "ChangeRequest" || e.ChangeRequestName != "Restart web" ||
		e.DocumentName != "WebChange" || e.DocumentVersion != "1" || e.ExecutionStartTime.IsZero() || !e.ExecutionEndTime.IsZero() ||
		len(e.StepExecutions) != 0 || len(e.Runbooks) != 1 || e.Runbooks[0].DocumentName != "RestartWeb" || len(e.TargetLocations) != 1 {
		t.Fatalf("pending change request: %+v", e)
	}
	oi := mustOK[*GetOpsItemResponse](t)(f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: e.OpsItemId})).OpsItem
	if oi.OpsItemType != "/aws/changerequest" || oi.Status != "PendingApproval" || oi.Title != "Restart web" {
		t.Fatalf("OpsItem: %+v", oi)
	}
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{
		AutomationExecutionId: id, SignalType: SignalTypeApprove, Payload: map[string][]string{"Comment": {"Looks good"}}}))
	f.settle(t)
	e = f.execution(t, ctx, id)
	if e.AutomationExecutionStatus != "Success" || e.ExecutionEndTime.IsZero() {
		t.Fatalf("after approval: %s (end %v)", e.AutomationExecutionStatus, e.ExecutionEndTime)
	}
	var where []string
	for _, st := range e.StepExecutions {
		if st.StepStatus != "Success" || st.Action != "aws:executeAutomation" || st.StepName != "RestartWeb" || st.ExecutionEndTime.IsZero() {
			t.Fatalf("step %+v", st)
		}
		where = append(where, st.TargetLocation.Accounts[0]+"/"+st.TargetLocation.Regions[0])
	}
	want := []string{cmMemberA + "/us-east-1", cmMemberA + "/eu-west-1", cmMemberB + "/us-east-1", cmMemberB + "/eu-west-1",
		cmMemberC + "/us-east-1", cmMemberC + "/eu-west-1"}
	if !slices.Equal(where, want) {
		t.Fatalf("steps ran in %v, want %v", where, want)
	}
	if *e.ProgressCounters.TotalSteps != 6 || *e.ProgressCounters.SuccessSteps != 6 {
		t.Fatalf("progress %+v", e.ProgressCounters)
	}
	if got := f.opsItemStatus(t, ctx, e.OpsItemId); got != "CompletedWithSuccess" {
		t.Fatalf("OpsItem status %s", got)
	}
	wantErr(t, "InvalidAutomationSignalException", func() error {
		_, err := f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: id, SignalType: SignalTypeApprove})
		return err
	})
}

// Rejecting ends a request Rejected; it cannot be approved afterwards.
func TestChangeRequestRejected(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := f.setupChange(t, cmAdmin, true, false)
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, changeRequest("second", []string{cmMemberA}, []string{"us-east-1"}))).AutomationExecutionId
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{
		AutomationExecutionId: id, SignalType: SignalTypeReject, Payload: map[string][]string{"Comment": {"not now"}}}))
	f.settle(t)
	e := f.execution(t, ctx, id)
	if e.AutomationExecutionStatus != "Rejected" || e.ExecutionEndTime.IsZero() || len(e.StepExecutions) != 0 {
		t.Fatalf("rejected request: %+v", e)
	}
	if got := f.opsItemStatus(t, ctx, e.OpsItemId); got != "Rejected" {
		t.Fatalf("OpsItem status %s", got)
	}
	for _, sig := range []SignalType{SignalTypeApprove, SignalTypeResume} {
		wantErr(t, "InvalidAutomationSignalException", func() error {
			_, err := f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: id, SignalType: sig})
			return err
		})
	}
	wantErr(t, "AutomationExecutionNotFoundException", func() error {
		_, err := f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: "00000000-0000-0000-0000-000000000000", SignalType: SignalTypeApprove})
		return err
	})
}

// wantErr asserts that f fails with the SSM exception code.
func wantErr(t *testing.T, code string, f func() error) {
	t.Helper()
	wantOpsErr(t, f(), code)
}

func TestChangeRequestRefusals(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := f.setupChange(t, cmAdmin, false, false)
	start := func(in *StartChangeRequestExecutionRequest) func() error {
		return func() error { _, err := f.svc.StartChangeRequestExecution(ctx, in); return err }
	}
	// The template is not approved yet, then only sent for review.
	wantErr(t, "AutomationDefinitionNotApprovedException", start(changeRequest("x", nil, nil)))
	mustOK[*UpdateDocumentMetadataResponse](t)(f.svc.UpdateDocumentMetadata(ctx, &UpdateDocumentMetadataRequest{
		Name: "WebChange", DocumentReviews: &DocumentReviews{Action: DocumentReviewActionSendForReview}}))
	wantErr(t, "AutomationDefinitionNotApprovedException", start(changeRequest("x", nil, nil)))
	mustOK[*UpdateDocumentMetadataResponse](t)(f.svc.UpdateDocumentMetadata(ctx, &UpdateDocumentMetadataRequest{
		Name: "WebChange", DocumentReviews: &DocumentReviews{Action: DocumentReviewActionApprove}}))

	mutate := func(fn func(*StartChangeRequestExecutionRequest)) *StartChangeRequestExecutionRequest {
		in := changeRequest("x", []string{cmMemberA}, []string{"us-east-1"})
		fn(in)
		return in
	}
	for _, c := range []struct {
		code string
		in   *StartChangeRequestExecutionRequest
	}{
		{"AutomationDefinitionNotFoundException", mutate(func(in *StartChangeRequestExecutionRequest) { in.DocumentName = "NoSuchTemplate" })},
		{"AutomationDefinitionVersionNotFoundException", mutate(func(in *StartChangeRequestExecutionRequest) { in.DocumentVersion = "7" })},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) { in.DocumentName = "RestartWeb" })},
		{"AutomationDefinitionNotFoundException", mutate(func(in *StartChangeRequestExecutionRequest) { in.Runbooks[0].DocumentName = "NoSuchRunbook" })},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) { in.Runbooks[0].DocumentName = "AWS-HelloWorld" })},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) { in.Parameters = nil })},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) { in.Runbooks[0].Parameters["Nope"] = []string{"1"} })},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) { in.AutoApprove = new(true) })},
		// Targets outside the organization, or not valid at all.
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) {
			in.Runbooks[0].TargetLocations[0].Accounts = []string{cmMemberA, cmOutsider}
		})},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) {
			in.Runbooks[0].TargetLocations[0].Accounts = []string{"ou-ab12-unknown1"}
		})},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) {
			in.Runbooks[0].TargetLocations[0].Accounts = []string{"web-servers"}
		})},
		{"InvalidAutomationExecutionParametersException", mutate(func(in *StartChangeRequestExecutionRequest) {
			in.Runbooks[0].TargetLocations[0].ExcludeAccounts = []string{cmMemberA}
		})},
	} {
		wantErr(t, c.code, start(c.in))
	}

	// Without trusted access, other accounts are out of reach.
	f.org.enabled = false
	wantErr(t, "InvalidAutomationExecutionParametersException", start(changeRequest("x", []string{cmMemberA}, []string{"us-east-1"})))
	f.org.enabled = true

	// A plain member may change itself but not other accounts; so may an
	// account outside any organization.
	for _, acct := range []string{cmMemberB, cmOutsider} {
		mctx := f.setupChange(t, acct, true, false)
		if _, err := f.svc.StartChangeRequestExecution(mctx, changeRequest("self", []string{acct}, []string{"us-east-1"})); err != nil {
			t.Fatalf("%s targeting itself: %v", acct, err)
		}
		for _, target := range []string{cmMemberA, cmRoot} {
			_, err := f.svc.StartChangeRequestExecution(mctx, changeRequest("others", []string{target}, []string{"us-east-1"}))
			wantOpsErr(t, err, "InvalidAutomationExecutionParametersException")
		}
	}
	// The management account may target the whole organization.
	mctx := f.setupChange(t, cmMgmt, true, false)
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(mctx, changeRequest("all", []string{cmRoot}, []string{"us-east-1"}))).AutomationExecutionId
	if got := f.execution(t, mctx, id).AutomationExecutionStatus; got != "PendingApproval" {
		t.Fatalf("status %s", got)
	}
}

// A scheduled request waits, Scheduled, until its time, then runs.
func TestChangeRequestScheduled(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := f.setupChange(t, cmAdmin, true, false)
	in := changeRequest("later", []string{cmMemberA}, []string{"us-east-1"})
	in.ScheduledTime = f.clock.Now().Add(time.Hour).Truncate(time.Second)
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, in)).AutomationExecutionId
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: id, SignalType: SignalTypeApprove}))
	f.settle(t)
	e := f.execution(t, ctx, id)
	if e.AutomationExecutionStatus != "Scheduled" || !e.ScheduledTime.Equal(in.ScheduledTime) || f.opsItemStatus(t, ctx, e.OpsItemId) != "Scheduled" {
		t.Fatalf("before its time: %s", e.AutomationExecutionStatus)
	}
	f.clock.Advance(2 * time.Hour)
	f.q.Wake()
	f.settle(t)
	if got := f.execution(t, ctx, id).AutomationExecutionStatus; got != "Success" {
		t.Fatalf("after its time: %s", got)
	}
}

// AutoApprove runs a request without a signal when the template allows it.
func TestChangeRequestAutoApprove(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := f.setupChange(t, cmAdmin, true, true)
	in := changeRequest("auto", []string{cmMemberA}, []string{"us-east-1"})
	in.AutoApprove = new(true)
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, in)).AutomationExecutionId
	f.settle(t)
	e := f.execution(t, ctx, id)
	if e.AutomationExecutionStatus != "Success" || f.opsItemStatus(t, ctx, e.OpsItemId) != "CompletedWithSuccess" {
		t.Fatalf("auto-approved request: %s", e.AutomationExecutionStatus)
	}
}

// The same ClientToken returns the same request; with other parameters it
// is refused.
func TestChangeRequestClientToken(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := f.setupChange(t, cmAdmin, true, false)
	in := changeRequest("once", []string{cmMemberA}, []string{"us-east-1"})
	in.ClientToken = "6b1c3f0e-8d5a-4c2b-9e7f-0a1b2c3d4e5f"
	a := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, in)).AutomationExecutionId
	b := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, in)).AutomationExecutionId
	if a != b {
		t.Fatalf("two requests for one token: %s, %s", a, b)
	}
	in.ChangeRequestName = "other"
	wantErr(t, "IdempotentParameterMismatch", func() error { _, err := f.svc.StartChangeRequestExecution(ctx, in); return err })
	list := mustOK[*DescribeAutomationExecutionsResult](t)(f.svc.DescribeAutomationExecutions(ctx, &DescribeAutomationExecutionsRequest{}))
	if len(list.AutomationExecutionMetadataList) != 1 {
		t.Fatalf("%d requests", len(list.AutomationExecutionMetadataList))
	}
}

// An approved request whose server stops before it runs finishes after a
// restart: its run is a durable job.
func TestChangeRequestSurvivesRestart(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := f.setupChange(t, cmAdmin, true, false)
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, changeRequest("resume", []string{cmMemberA}, []string{"us-east-1"}))).AutomationExecutionId
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: id, SignalType: SignalTypeApprove}))
	if got := f.execution(t, ctx, id).AutomationExecutionStatus; got != "Approved" {
		t.Fatalf("before the restart: %s", got)
	}
	f.start(t, true)
	f.settle(t)
	if got := f.execution(t, ctx, id).AutomationExecutionStatus; got != "Success" {
		t.Fatalf("after the restart: %s", got)
	}
}

// AWS's example template and runbook work as documented.
func TestChangeRequestWithAWSExampleDocuments(t *testing.T) {
	f := newCMFixture(t, true)
	ctx := opsAs(cmAdmin, "us-east-1")
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, &StartChangeRequestExecutionRequest{
		DocumentName: "AWS-HelloWorldChangeTemplate", ChangeRequestName: "MyChangeRequest",
		Parameters: map[string][]string{"Approver": {"JohnDoe"}, "ApproverType": {"IamUser"}, "ApproverSnsTopicArn": {"arn:aws:sns:us-east-1:222222222222:t"}},
		Runbooks:   []Runbook{{DocumentName: "AWS-HelloWorld", Parameters: map[string][]string{"AutomationAssumeRole": {"arn:aws:iam::222222222222:role/r"}}}},
	})).AutomationExecutionId
	if got := f.execution(t, ctx, id).AutomationExecutionStatus; got != "PendingApproval" {
		t.Fatalf("status %s", got)
	}
	mustOK[*SendAutomationSignalResult](t)(f.svc.SendAutomationSignal(ctx, &SendAutomationSignalRequest{AutomationExecutionId: id, SignalType: SignalTypeApprove}))
	f.settle(t)
	e := f.execution(t, ctx, id)
	if e.AutomationExecutionStatus != "Success" || len(e.StepExecutions) != 1 || e.StepExecutions[0].TargetLocation.Accounts[0] != cmAdmin {
		t.Fatalf("local request: %+v", e)
	}
}
