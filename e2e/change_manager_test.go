package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// cmRunbookYAML is the Automation runbook the change requests run.
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
      Duration: PT1S
`

// cmTemplateJSON is a change template that allows that runbook.
const cmTemplateJSON = `{
  "schemaVersion": "0.3",
  "description": "Restart the web tier across the organization",
  "templateInformation": "Restarts the web tier in the accounts you choose.",
  "parameters": {"Approver": {"type": "String", "description": "Who approves"}},
  "executableRunBooks": [{"name": "RestartWeb", "version": "$DEFAULT"}],
  "mainSteps": [{"name": "Approve", "action": "aws:approve",
    "inputs": {"Approvers": [{"approver": "{{ Approver }}", "type": "IamUser", "minRequiredApprovals": 1}]}}]
}`

// cmSetup creates the runbook and the change template in account and
// takes the template through review to APPROVED, checking each status.
func (s *srv) cmSetup(t *testing.T, account string) {
	t.Helper()
	s.awsOK(t, account, "ssm", "create-document", "--name", "RestartWeb", "--document-type", "Automation",
		"--document-format", "YAML", "--content", cmRunbookYAML)
	created := s.awsOK(t, account, "ssm", "create-document", "--name", "WebChange", "--document-type", "Automation.ChangeTemplate",
		"--content", cmTemplateJSON)
	if str(created, "DocumentDescription", "DocumentType") != "Automation.ChangeTemplate" {
		t.Fatalf("create-document: %v", created)
	}
	review := func(action, comment, want string) {
		t.Helper()
		reviews, _ := json.Marshal(map[string]any{"Action": action, "Comment": []map[string]string{{"Type": "Comment", "Content": comment}}})
		s.awsOK(t, account, "ssm", "update-document-metadata", "--name", "WebChange", "--document-reviews", string(reviews))
		if got := str(s.awsOK(t, account, "ssm", "describe-document", "--name", "WebChange"), "Document", "ReviewStatus"); got != want {
			t.Fatalf("after %s the review status is %s, want %s", action, got, want)
		}
	}
	if got := str(s.awsOK(t, account, "ssm", "describe-document", "--name", "WebChange"), "Document", "ReviewStatus"); got != "NOT_REVIEWED" {
		t.Fatalf("a new template is %s", got)
	}
	review("SendForReview", "please review", "PENDING")
	review("Approve", "approved for production", "APPROVED")
}

// cmStart starts a change request of WebChange targeting accounts (and
// OUs) in regions, and returns its id.
func (s *srv) cmStart(t *testing.T, account, name string, targets, regions []string) string {
	t.Helper()
	out := s.awsOK(t, account, cmStartArgs(name, targets, regions)...)
	return str(out, "AutomationExecutionId")
}

// cmStartArgs are the CLI arguments of a change request of WebChange
// that runs RestartWeb in targets and regions.
func cmStartArgs(name string, targets, regions []string) []string {
	runbooks, _ := json.Marshal([]map[string]any{{
		"DocumentName": "RestartWeb", "Parameters": map[string][]string{"Tier": {"web"}},
		"TargetLocations": []map[string][]string{{"Accounts": targets, "Regions": regions}},
	}})
	return []string{"ssm", "start-change-request-execution", "--document-name", "WebChange", "--change-request-name", name,
		"--parameters", `{"Approver":["alice"]}`, "--runbooks", string(runbooks)}
}

// cmExecution is get-automation-execution's AutomationExecution.
func (s *srv) cmExecution(t *testing.T, account, id string) map[string]any {
	t.Helper()
	out := s.awsOK(t, account, "ssm", "get-automation-execution", "--automation-execution-id", id)
	e, _ := out["AutomationExecution"].(map[string]any)
	return e
}

func (s *srv) cmOpsItemStatus(t *testing.T, account, id string) string {
	t.Helper()
	return str(s.awsOK(t, account, "ssm", "get-ops-item", "--ops-item-id", id), "OpsItem", "Status")
}

// TestChangeManagerCLI: Change Manager run from the organization's
// delegated administrator for Systems Manager with the aws CLI — a change
// template reviewed and approved, a change request targeting two member
// accounts and an OU approved and run to Success with its
// /aws/changerequest OpsItem following, targets outside the organization
// and requests from a plain member refused, and a rejected request.
func TestChangeManagerCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")
	admin := s.createAccount(t, mgmt, "changes@example.com", "Changes")
	a := s.createAccount(t, mgmt, "web-a@example.com", "WebA")
	b := s.createAccount(t, mgmt, "web-b@example.com", "WebB")
	c := s.createAccount(t, mgmt, "web-c@example.com", "WebC")
	root := str(s.awsOK(t, mgmt, "organizations", "list-roots"), "Roots", 0, "Id")
	ou := str(s.awsOK(t, mgmt, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "Workloads"), "OrganizationalUnit", "Id")
	s.awsOK(t, mgmt, "organizations", "move-account", "--account-id", c, "--source-parent-id", root, "--destination-parent-id", ou)
	s.awsOK(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	s.awsOK(t, mgmt, "organizations", "register-delegated-administrator", "--account-id", admin, "--service-principal", "ssm.amazonaws.com")

	s.cmSetup(t, admin)
	history := s.awsOK(t, admin, "ssm", "list-document-metadata-history", "--name", "WebChange", "--metadata", "DocumentReviews")
	responses := list(history["Metadata"], "ReviewerResponse")
	if len(responses) != 2 || str(responses[0], "ReviewStatus") != "PENDING" || str(responses[1], "ReviewStatus") != "APPROVED" ||
		str(responses[1], "Comment", 0, "Content") != "approved for production" {
		t.Fatalf("review history: %v", history)
	}
	if d := s.awsOK(t, admin, "ssm", "describe-document", "--name", "WebChange"); str(d, "Document", "ApprovedVersion") != "1" {
		t.Fatalf("describe-document: %v", d)
	}

	// A change request across two member accounts and an OU, in two regions.
	id := s.cmStart(t, admin, "Restart web", []string{a, b, ou}, []string{"us-east-1", "us-west-2"})
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("AutomationExecutionId %q", id)
	}
	e := s.cmExecution(t, admin, id)
	opsItem := str(e, "OpsItemId")
	if str(e, "AutomationExecutionStatus") != "PendingApproval" || str(e, "AutomationSubtype") != "ChangeRequest" ||
		str(e, "ChangeRequestName") != "Restart web" || str(e, "DocumentName") != "WebChange" || opsItem == "" ||
		str(e, "Runbooks", 0, "DocumentName") != "RestartWeb" {
		t.Fatalf("new change request: %v", e)
	}
	oi := s.awsOK(t, admin, "ssm", "get-ops-item", "--ops-item-id", opsItem)
	if str(oi, "OpsItem", "OpsItemType") != "/aws/changerequest" || str(oi, "OpsItem", "Status") != "PendingApproval" {
		t.Fatalf("the change request's OpsItem: %v", oi)
	}
	pending := s.awsOK(t, admin, "ssm", "describe-automation-executions", "--filters", "Key=ExecutionStatus,Values=PendingApproval")
	if l := list(pending, "AutomationExecutionMetadataList"); len(l) != 1 || str(l[0], "AutomationExecutionId") != id {
		t.Fatalf("pending requests: %v", pending)
	}

	s.awsOK(t, admin, "ssm", "send-automation-signal", "--automation-execution-id", id, "--signal-type", "Approve", "--payload", "Comment=Looks good")
	eventually(t, "the change request to succeed", func() bool {
		return str(s.cmExecution(t, admin, id), "AutomationExecutionStatus") == "Success"
	})
	e = s.cmExecution(t, admin, id)
	steps := list(e, "StepExecutions")
	ran := map[string]bool{}
	for _, st := range steps {
		if str(st, "StepStatus") != "Success" {
			t.Fatalf("step %v", st)
		}
		ran[str(st, "TargetLocation", "Accounts", 0)+"/"+str(st, "TargetLocation", "Regions", 0)] = true
	}
	for _, acct := range []string{a, b, c} {
		for _, region := range []string{"us-east-1", "us-west-2"} {
			if !ran[acct+"/"+region] {
				t.Fatalf("the runbook did not run in %s/%s: %v", acct, region, steps)
			}
		}
	}
	if len(steps) != 6 || e["ExecutionEndTime"] == nil {
		t.Fatalf("finished change request: %v", e)
	}
	if got := s.cmOpsItemStatus(t, admin, opsItem); got != "CompletedWithSuccess" {
		t.Fatalf("OpsItem status %s", got)
	}
	s.awsErr(t, admin, "InvalidAutomationSignalException", "ssm", "send-automation-signal", "--automation-execution-id", id, "--signal-type", "Approve")

	// Targets outside the organization are refused.
	r := s.awsErr(t, admin, "InvalidAutomationExecutionParametersException",
		cmStartArgs("outside", []string{a, "999999999999"}, []string{"us-east-1"})...)
	if !strings.Contains(r.stderr, "999999999999") {
		t.Fatalf("the refusal does not name the account: %s", r.stderr)
	}
	s.awsErr(t, admin, "InvalidAutomationExecutionParametersException",
		cmStartArgs("unknown OU", []string{"ou-zzzz-zzzzzzzz"}, []string{"us-east-1"})...)

	// A plain member may run change requests on itself, not on others.
	s.cmSetup(t, a)
	self := s.cmStart(t, a, "self", []string{a}, []string{"us-east-1"})
	if got := str(s.cmExecution(t, a, self), "AutomationExecutionStatus"); got != "PendingApproval" {
		t.Fatalf("a member's own change request: %s", got)
	}
	s.awsErr(t, a, "InvalidAutomationExecutionParametersException",
		cmStartArgs("others", []string{b}, []string{"us-east-1"})...)

	// A second request, rejected.
	second := s.cmStart(t, admin, "Second restart", []string{b}, []string{"us-east-1"})
	s.awsOK(t, admin, "ssm", "send-automation-signal", "--automation-execution-id", second, "--signal-type", "Reject", "--payload", "Comment=Not this week")
	e = s.cmExecution(t, admin, second)
	if str(e, "AutomationExecutionStatus") != "Rejected" || len(list(e, "StepExecutions")) != 0 {
		t.Fatalf("rejected change request: %v", e)
	}
	if got := s.cmOpsItemStatus(t, admin, str(e, "OpsItemId")); got != "Rejected" {
		t.Fatalf("rejected request's OpsItem: %s", got)
	}
	changes := s.awsOK(t, admin, "ssm", "describe-ops-items", "--ops-item-filters", "Key=OpsItemType,Values=/aws/changerequest,Operator=Equal")
	if n := len(list(changes, "OpsItemSummaries")); n != 2 {
		t.Fatalf("%d change request OpsItems in the administrator account: %v", n, changes)
	}
}
