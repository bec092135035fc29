package e2e

import (
	"strings"
	"testing"
)

// amControl creates a custom control with one AWS API call source as
// account and returns its id.
func (s *srv) amControl(t *testing.T, account, name, keyword string) string {
	t.Helper()
	out := s.awsOK(t, account, "auditmanager", "create-control", "--name", name, "--control-mapping-sources",
		`[{"sourceName":"API `+keyword+`","sourceSetUpOption":"System_Controls_Mapping","sourceType":"AWS_API_Call",`+
			`"sourceKeyword":{"keywordInputType":"SELECT_FROM_LIST","keywordValue":"`+keyword+`"},"sourceFrequency":"DAILY"}]`)
	id := str(out, "control", "id")
	if id == "" {
		t.Fatalf("create-control answered %v", out)
	}
	return id
}

// amFramework creates a custom framework with one control set as account
// and returns its id.
func (s *srv) amFramework(t *testing.T, account, name, control string) string {
	t.Helper()
	out := s.awsOK(t, account, "auditmanager", "create-assessment-framework", "--name", name, "--compliance-type", "Internal",
		"--control-sets", `[{"name":"Identity","controls":[{"id":"`+control+`"}]}]`)
	id := str(out, "framework", "id")
	if id == "" {
		t.Fatalf("create-assessment-framework answered %v", out)
	}
	return id
}

// amAssessmentArgs are the arguments of create-assessment over accounts.
func amAssessmentArgs(owner, framework string, accounts ...string) []string {
	var scope []string
	for _, a := range accounts {
		scope = append(scope, `{"id":"`+a+`"}`)
	}
	return []string{"auditmanager", "create-assessment", "--name", "Quarterly access review", "--framework-id", framework,
		"--assessment-reports-destination", "destinationType=S3,destination=s3://audit-reports",
		"--roles", "roleType=PROCESS_OWNER,roleArn=arn:aws:iam::" + owner + ":role/Auditor",
		"--scope", `{"awsAccounts":[` + strings.Join(scope, ",") + `]}`}
}

// TestAuditManagerAssessmentsAcrossTheOrganization drives controls,
// frameworks and assessments with the aws CLI: the delegated
// administrator assesses member accounts; nobody assesses an account
// outside the organization; a plain member assesses only itself; the
// management account creates no assessment once there is a delegated
// administrator; unregistered accounts are refused.
func TestAuditManagerAssessmentsAcrossTheOrganization(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")
	admin := s.createAccount(t, mgmt, "audit@example.com", "Audit")
	plain := s.createAccount(t, mgmt, "workload@example.com", "Workload")
	other := s.createAccount(t, mgmt, "data@example.com", "Data")

	// Unregistered accounts, in the organization or not, are refused.
	for _, account := range []string{admin, standalone} {
		r := s.awsErr(t, account, "AccessDeniedException", "auditmanager", "list-assessments")
		if !strings.Contains(r.stderr, "Your account isn't registered with Audit Manager.") {
			t.Fatalf("message: %s", r.stderr)
		}
	}

	s.awsOK(t, mgmt, "auditmanager", "register-account", "--delegated-admin-account", admin)
	if got := str(s.awsOK(t, mgmt, "auditmanager", "get-organization-admin-account"), "adminAccountId"); got != admin {
		t.Fatalf("delegated administrator %q", got)
	}

	// The delegated administrator, with its own key.
	control := s.amControl(t, admin, "IAM roles are reviewed", "iam_ListRoles")
	got := s.awsOK(t, admin, "auditmanager", "get-control", "--control-id", control)
	if str(got, "control", "type") != "Custom" || str(got, "control", "controlSources") != "AWS API calls" ||
		str(got, "control", "arn") != "arn:aws:auditmanager:us-east-1:"+admin+":control/"+control ||
		str(got, "control", "controlMappingSources", 0, "sourceKeyword", "keywordValue") != "iam_ListRoles" {
		t.Fatalf("get-control: %v", got)
	}
	if l := list(s.awsOK(t, admin, "auditmanager", "list-controls", "--control-type", "Custom"), "controlMetadataList"); len(l) != 1 {
		t.Fatalf("list-controls: %v", l)
	}
	framework := s.amFramework(t, admin, "Access management", control)
	fw := s.awsOK(t, admin, "auditmanager", "get-assessment-framework", "--framework-id", framework)
	if str(fw, "framework", "controlSets", 0, "id") != "Identity" || str(fw, "framework", "controlSets", 0, "controls", 0, "id") != control {
		t.Fatalf("get-assessment-framework: %v", fw)
	}

	out := s.awsOK(t, admin, amAssessmentArgs(admin, framework, plain, other)...)
	id := str(out, "assessment", "metadata", "id")
	if str(out, "assessment", "metadata", "status") != "ACTIVE" || str(out, "assessment", "awsAccount", "id") != admin ||
		str(out, "assessment", "arn") != "arn:aws:auditmanager:us-east-1:"+admin+":assessment/"+id {
		t.Fatalf("create-assessment: %v", out)
	}
	a := s.awsOK(t, admin, "auditmanager", "get-assessment", "--assessment-id", id)
	md := a["assessment"].(map[string]any)["metadata"].(map[string]any)
	scope := md["scope"].(map[string]any)
	if accts := list(scope, "awsAccounts"); len(accts) != 2 || str(accts, 0, "id") != plain || str(accts, 1, "id") != other {
		t.Fatalf("scope: %v", scope)
	}
	cs := str(a, "assessment", "framework", "controlSets", 0, "id")
	ctl := str(a, "assessment", "framework", "controlSets", 0, "controls", 0, "id")
	if cs != "Identity" || ctl != control || str(a, "assessment", "framework", "controlSets", 0, "controls", 0, "status") != "UNDER_REVIEW" {
		t.Fatalf("get-assessment: %v", a)
	}
	items := list(s.awsOK(t, admin, "auditmanager", "list-assessments", "--status", "ACTIVE"), "assessmentMetadata")
	if len(items) != 1 || str(items, 0, "id") != id || str(items, 0, "name") != "Quarterly access review" {
		t.Fatalf("list-assessments: %v", items)
	}

	// An account outside the organization is refused, by name.
	r := s.awsErr(t, admin, "ValidationException", amAssessmentArgs(admin, framework, plain, standalone)...)
	if !strings.Contains(r.stderr, standalone) {
		t.Fatalf("message: %s", r.stderr)
	}

	// A plain member can't put other accounts in scope, but may assess
	// itself.
	s.awsOK(t, plain, "auditmanager", "register-account")
	own := s.amFramework(t, plain, "Own", s.amControl(t, plain, "Own roles", "iam_ListRoles"))
	r = s.awsErr(t, plain, "ValidationException", amAssessmentArgs(plain, own, plain, other)...)
	if !strings.Contains(r.stderr, other) {
		t.Fatalf("message: %s", r.stderr)
	}
	s.awsOK(t, plain, amAssessmentArgs(plain, own, plain)...)

	// The management account no longer creates assessments.
	mine := s.amFramework(t, mgmt, "Management", s.amControl(t, mgmt, "Management roles", "iam_ListRoles"))
	s.awsErr(t, mgmt, "ValidationException", amAssessmentArgs(mgmt, mine, mgmt)...)

	// An unregistered member still gets nothing.
	s.awsErr(t, other, "AccessDeniedException", "auditmanager", "get-assessment", "--assessment-id", id)

	// The assessment goes inactive, then away.
	st := s.awsOK(t, admin, "auditmanager", "update-assessment-status", "--assessment-id", id, "--status", "INACTIVE")
	if str(st, "assessment", "metadata", "status") != "INACTIVE" {
		t.Fatalf("update-assessment-status: %v", st)
	}
	s.awsErr(t, admin, "ValidationException", "auditmanager", "update-assessment-status", "--assessment-id", id, "--status", "ACTIVE")
	s.awsOK(t, admin, "auditmanager", "delete-assessment", "--assessment-id", id)
	s.awsErr(t, admin, "ResourceNotFoundException", "auditmanager", "get-assessment", "--assessment-id", id)
}
