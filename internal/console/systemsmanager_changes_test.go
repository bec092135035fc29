package console_test

import (
	"net/url"
	"strings"
	"testing"
)

const cmRunbookYAML = `schemaVersion: '0.3'
description: Restarts the web tier.
parameters:
  Tier:
    type: String
    description: Which tier to restart
mainSteps:
  - name: restart
    action: aws:sleep
    inputs:
      Duration: PT0S
`

const cmTemplateJSON = `{
  "schemaVersion": "0.3",
  "description": "Restart the web tier across the organization",
  "templateInformation": "Restarts the web tier in the accounts you choose.",
  "parameters": {"Approver": {"type": "String", "description": "Who approves"}},
  "executableRunBooks": [{"name": "RestartWeb", "version": "$DEFAULT"}],
  "mainSteps": [{"name": "Approve", "action": "aws:approve",
    "inputs": {"Approvers": [{"approver": "{{ Approver }}", "type": "IamUser", "minRequiredApprovals": 1}]}}]
}`

// changeRequest creates the runbook and an approved change template in
// account, then starts a change request of it targeting targets, and
// returns its id.
func (f *fixture) changeRequest(account, name string, targets ...string) string {
	f.t.Helper()
	if _, err := f.apiErr(account, "ssm", "DescribeDocument", map[string]any{"Name": "WebChange"}); err != nil {
		f.api(account, "ssm", "CreateDocument", map[string]any{"Name": "RestartWeb", "DocumentType": "Automation", "DocumentFormat": "YAML", "Content": cmRunbookYAML})
		f.api(account, "ssm", "CreateDocument", map[string]any{"Name": "WebChange", "DocumentType": "Automation.ChangeTemplate", "Content": cmTemplateJSON})
		for _, action := range []string{"SendForReview", "Approve"} {
			f.api(account, "ssm", "UpdateDocumentMetadata", map[string]any{"Name": "WebChange", "DocumentReviews": map[string]any{
				"Action": action, "Comment": []any{map[string]any{"Type": "Comment", "Content": "ok"}}}})
		}
	}
	var accounts []any
	for _, t := range targets {
		accounts = append(accounts, t)
	}
	out := f.api(account, "ssm", "StartChangeRequestExecution", map[string]any{
		"DocumentName": "WebChange", "ChangeRequestName": name, "Parameters": map[string]any{"Approver": []any{"alice"}},
		"Runbooks": []any{map[string]any{"DocumentName": "RestartWeb", "Parameters": map[string]any{"Tier": []any{"web"}},
			"TargetLocations": []any{map[string]any{"Accounts": accounts, "Regions": []any{"us-east-1"}}}}},
	})
	return fieldString(out, "AutomationExecutionId")
}

func (f *fixture) changeStatus(account, id string) string {
	f.t.Helper()
	return fieldString(f.api(account, "ssm", "GetAutomationExecution", map[string]any{"AutomationExecutionId": id}), "AutomationExecution.AutomationExecutionStatus")
}

func TestChangeManagerApproveAndReject(t *testing.T) {
	f := newFixture(t)
	members := f.organization(3)
	admin := members[0]
	f.api(mgmt, "organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": "ssm.amazonaws.com"})
	f.api(mgmt, "organizations", "RegisterDelegatedAdministrator", map[string]any{"AccountId": admin, "ServicePrincipal": "ssm.amazonaws.com"})
	first := f.changeRequest(admin, "Restart web", members[1], members[2])
	second := f.changeRequest(admin, "Second restart", members[1])

	f.signIn(admin)
	_, body := f.get("/systems-manager/change-manager")
	for _, want := range []string{`data-change="` + first + `"`, "Restart web", "Second restart", `data-status="PendingApproval"`, "Pending approval", "WebChange", "RestartWeb"} {
		if !strings.Contains(body, want) {
			t.Fatalf("change requests: no %q in\n%s", want, body)
		}
	}
	_, body = f.get("/systems-manager/change-manager/requests/" + first)
	if !strings.Contains(body, `id="change-status" data-status="PendingApproval"`) || !strings.Contains(body, "/aws/changerequest") ||
		!strings.Contains(body, members[2]) || !strings.Contains(body, `data-open="approve-request"`) {
		t.Fatalf("change request details:\n%s", body)
	}

	// Approve: the request runs to success, and its OpsItem follows.
	_, body = f.post("/systems-manager/change-manager/requests/"+first+"/approve", url.Values{"comment": {"Looks good"}})
	if !strings.Contains(body, "Change request approved") {
		t.Fatalf("after approving:\n%s", body)
	}
	f.settle()
	if got := f.changeStatus(admin, first); got != "Success" {
		t.Fatalf("approved request is %s", got)
	}
	_, body = f.get("/systems-manager/change-manager/requests/" + first)
	if !strings.Contains(body, `id="change-status" data-status="Success"`) || !strings.Contains(body, `data-step-account="`+members[2]+`"`) ||
		!strings.Contains(body, `id="opsitem-status" data-status="CompletedWithSuccess"`) {
		t.Fatalf("approved request's page:\n%s", body)
	}
	// Approving again: AWS's error.
	_, body = f.post("/systems-manager/change-manager/requests/"+first+"/approve", nil)
	if !strings.Contains(body, "InvalidAutomationSignalException") {
		t.Fatalf("approving twice:\n%s", body)
	}

	// Reject from the list.
	_, body = f.post("/systems-manager/change-manager/requests/"+second+"/reject", url.Values{"comment": {"Not this week"}, "next": {"/systems-manager/change-manager"}})
	if !strings.Contains(body, "Change request rejected") || !strings.Contains(body, `data-status="Rejected"`) {
		t.Fatalf("after rejecting:\n%s", body)
	}
	if got := f.changeStatus(admin, second); got != "Rejected" {
		t.Fatalf("rejected request is %s", got)
	}
	_, body = f.get("/systems-manager/change-manager?status=pending")
	if strings.Contains(body, `data-change="`) {
		t.Fatalf("nothing should be pending:\n%s", body)
	}

	// Another account doesn't see the administrator's requests, and an
	// unknown request is AWS's error, not a stack trace.
	g := newFixtureClient(f)
	g.signIn(members[1])
	_, body = g.get("/systems-manager/change-manager")
	if strings.Contains(body, first) || !strings.Contains(body, "No change request in this account") {
		t.Fatalf("member's list:\n%s", body)
	}
	_, body = g.get("/systems-manager/change-manager/requests/" + first)
	if !strings.Contains(body, `data-error-code="AutomationExecutionNotFoundException"`) || strings.Contains(body, "goroutine") {
		t.Fatalf("member reading the administrator's request:\n%s", body)
	}
}
