package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

func fastEvidence(c *app.Config) { c.AuditEvidenceInterval = time.Second }

// keyEnv is a client environment signing with an IAM access key.
func (s *srv) keyEnv(key, secret string) []string {
	env := s.clientEnv(key)
	for i, e := range env {
		if strings.HasPrefix(e, "AWS_SECRET_ACCESS_KEY=") {
			env[i] = "AWS_SECRET_ACCESS_KEY=" + secret
		}
	}
	return env
}

// awsEnvOK runs the CLI with env, fails the test unless it succeeds, and
// decodes its output.
func (s *srv) awsEnvOK(t testing.TB, env []string, args ...string) map[string]any {
	t.Helper()
	r := s.awsEnv(t, env, args...)
	if r.code != 0 {
		t.Fatalf("aws %v: exit %d: %s", args, r.code, r.stderr)
	}
	if strings.TrimSpace(r.stdout) == "" {
		return map[string]any{}
	}
	return decodeJSON(t, r.stdout)
}

// evidenceOf reads every piece of evidence of an assessment through the
// folder listings, as env.
func (s *srv) evidenceOf(t testing.TB, env []string, assessment string) []map[string]any {
	t.Helper()
	var out []map[string]any
	folders := list(s.awsEnvOK(t, env, "auditmanager", "get-evidence-folders-by-assessment", "--assessment-id", assessment), "evidenceFolders")
	for _, f := range folders {
		fm := f.(map[string]any)
		ev := list(s.awsEnvOK(t, env, "auditmanager", "get-evidence-by-evidence-folder", "--assessment-id", assessment,
			"--control-set-id", str(fm, "controlSetId"), "--evidence-folder-id", str(fm, "id")), "evidence")
		for _, e := range ev {
			out = append(out, e.(map[string]any))
		}
	}
	return out
}

// countByAccount counts evidence by the account it was collected from.
func countByAccount(evidence []map[string]any) map[string]int {
	n := make(map[string]int)
	for _, e := range evidence {
		n[str(e, "evidenceAwsAccountId")]++
	}
	return n
}

// TestAuditManagerEvidenceFromMembers follows the Audit Manager seed with
// the aws CLI, in enforce mode: the management account designates a
// member as Audit Manager's delegated administrator (trusted access and
// the delegated administrator appear in Organizations); an IAM user of
// the delegated administrator creates an assessment over two member
// accounts and reads the evidence collected from each through Audit
// Manager's service-linked role there, which an SCP does not stop; once
// trusted access is disabled in Organizations no new evidence arrives
// from the members.
func TestAuditManagerEvidenceFromMembers(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce, fastEvidence)
	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")
	admin := s.createAccount(t, mgmt, "audit@example.com", "Audit")
	m1 := s.createAccount(t, mgmt, "one@example.com", "One")
	m2 := s.createAccount(t, mgmt, "two@example.com", "Two")
	orgID := str(s.awsOK(t, mgmt, "organizations", "describe-organization"), "Organization", "Id")

	// Step 1: the management account registers, naming the delegated
	// administrator.
	if got := str(s.awsOK(t, mgmt, "auditmanager", "register-account", "--delegated-admin-account", admin), "status"); got != "ACTIVE" {
		t.Fatalf("register-account status %q", got)
	}
	access := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals")
	found := false
	for _, p := range access {
		found = found || str(p, "ServicePrincipal") == "auditmanager.amazonaws.com"
	}
	if !found {
		t.Fatalf("trusted access for Audit Manager not enabled: %v", access)
	}
	das := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", "auditmanager.amazonaws.com"), "DelegatedAdministrators")
	if len(das) != 1 || str(das, 0, "Id") != admin {
		t.Fatalf("delegated administrators %v", das)
	}
	if got := str(s.awsOK(t, admin, "auditmanager", "get-account-status"), "status"); got != "ACTIVE" {
		t.Fatalf("the delegated administrator's status %q", got)
	}

	// An SCP denying IAM and Organizations reads in one member: its own
	// principals are refused; Audit Manager's role there is not.
	pid := str(s.awsOK(t, mgmt, "organizations", "create-policy", "--name", "NoReads", "--description", "d", "--type", "SERVICE_CONTROL_POLICY",
		"--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:List*","organizations:Describe*"],"Resource":"*"}]}`), "Policy", "PolicySummary", "Id")
	s.awsOK(t, mgmt, "organizations", "attach-policy", "--policy-id", pid, "--target-id", m2)
	if r := s.aws(t, m2, "iam", "list-roles"); r.errCode() != "AccessDenied" {
		t.Fatalf("the SCP does not stop the member's root: exit %d %s", r.code, r.stderr)
	}

	// Step 2: the delegated administrator, with an IAM user's key.
	key, secret := userKeys(t, s, admin, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"auditmanager:*","Resource":"*"}]}`)
	env := s.keyEnv(key, secret)
	rolesControl := str(s.awsEnvOK(t, env, "auditmanager", "create-control", "--name", "IAM roles are reviewed", "--control-mapping-sources",
		`[{"sourceName":"Roles","sourceSetUpOption":"System_Controls_Mapping","sourceType":"AWS_API_Call",`+
			`"sourceKeyword":{"keywordInputType":"SELECT_FROM_LIST","keywordValue":"iam_ListRoles"},"sourceFrequency":"DAILY"}]`), "control", "id")
	orgControl := str(s.awsEnvOK(t, env, "auditmanager", "create-control", "--name", "Accounts belong to the organization", "--control-mapping-sources",
		`[{"sourceName":"Organization","sourceSetUpOption":"System_Controls_Mapping","sourceType":"AWS_API_Call",`+
			`"sourceKeyword":{"keywordInputType":"SELECT_FROM_LIST","keywordValue":"organizations_DescribeOrganization"},"sourceFrequency":"DAILY"}]`), "control", "id")
	framework := str(s.awsEnvOK(t, env, "auditmanager", "create-assessment-framework", "--name", "Access", "--control-sets",
		`[{"name":"Identity","controls":[{"id":"`+rolesControl+`"},{"id":"`+orgControl+`"}]}]`), "framework", "id")
	assessment := str(s.awsEnvOK(t, env, amAssessmentArgs(admin, framework, m1, m2)...), "assessment", "metadata", "id")
	if assessment == "" {
		t.Fatal("no assessment id")
	}

	// Evidence arrives from both members.
	var evidence []map[string]any
	eventually(t, "evidence from both members", func() bool {
		evidence = s.evidenceOf(t, env, assessment)
		n := countByAccount(evidence)
		return n[m1] > 0 && n[m2] > 0
	})
	for _, account := range []string{m1, m2} {
		// Audit Manager's role was created there on first use, through
		// Organizations.
		s.awsOK(t, account, "iam", "get-role", "--role-name", "AWSServiceRoleForAuditManager")
	}
	var roleEvidence, orgEvidence map[string]any
	for _, e := range evidence {
		if str(e, "evidenceAwsAccountId") != m2 {
			continue
		}
		switch str(e, "eventName") {
		case "ListRoles":
			if strings.HasSuffix(str(e, "resourcesIncluded", 0, "arn"), ":role/OrganizationAccountAccessRole") {
				roleEvidence = e
			}
		case "DescribeOrganization":
			orgEvidence = e
		}
	}
	if roleEvidence == nil || orgEvidence == nil {
		t.Fatalf("no ListRoles evidence of OrganizationAccountAccessRole or no DescribeOrganization evidence from %s: %v", m2, evidence)
	}
	if str(roleEvidence, "dataSource") != "AWS API calls" || str(roleEvidence, "eventSource") != "iam.amazonaws.com" ||
		str(roleEvidence, "evidenceByType") != "Configuration data" || str(roleEvidence, "awsAccountId") != m2 ||
		str(roleEvidence, "resourcesIncluded", 0, "arn") != "arn:aws:iam::"+m2+":role/OrganizationAccountAccessRole" ||
		!strings.HasPrefix(str(roleEvidence, "awsOrganization"), orgID+"/r-") || !strings.HasSuffix(str(roleEvidence, "awsOrganization"), "/"+m2) {
		t.Fatalf("ListRoles evidence: %v", roleEvidence)
	}
	if _, ok := roleEvidence["complianceCheck"]; ok {
		t.Fatalf("API-call evidence carries no compliance check: %v", roleEvidence)
	}
	if _, ok := roleEvidence["time"].(float64); !ok {
		t.Fatalf("evidence time: %v", roleEvidence["time"])
	}
	var snapshot map[string]any
	if err := json.Unmarshal([]byte(str(roleEvidence, "resourcesIncluded", 0, "value")), &snapshot); err != nil || snapshot["RoleName"] != "OrganizationAccountAccessRole" {
		t.Fatalf("resource value %q: %v", str(roleEvidence, "resourcesIncluded", 0, "value"), err)
	}
	var org map[string]any
	if err := json.Unmarshal([]byte(str(orgEvidence, "resourcesIncluded", 0, "value")), &org); err != nil || org["Id"] != orgID {
		t.Fatalf("DescribeOrganization evidence %v", orgEvidence)
	}

	// The single-item reads agree with the listings.
	folderID := str(roleEvidence, "evidenceFolderId")
	got := s.awsEnvOK(t, env, "auditmanager", "get-evidence", "--assessment-id", assessment, "--control-set-id", "Identity",
		"--evidence-folder-id", folderID, "--evidence-id", str(roleEvidence, "id"))
	if str(got, "evidence", "id") != str(roleEvidence, "id") || str(got, "evidence", "resourcesIncluded", 0, "arn") != str(roleEvidence, "resourcesIncluded", 0, "arn") {
		t.Fatalf("get-evidence: %v", got)
	}
	folder := s.awsEnvOK(t, env, "auditmanager", "get-evidence-folder", "--assessment-id", assessment, "--control-set-id", "Identity", "--evidence-folder-id", folderID)
	date, _ := folder["evidenceFolder"].(map[string]any)["date"].(float64)
	day := time.Unix(int64(date), 0).UTC().Format("2006-01-02")
	if str(folder, "evidenceFolder", "controlId") != rolesControl || str(folder, "evidenceFolder", "controlName") != "IAM roles are reviewed" ||
		str(folder, "evidenceFolder", "name") != day || str(folder, "evidenceFolder", "dataSource") != "AWS API calls" {
		t.Fatalf("get-evidence-folder: %v", folder)
	}
	byControl := list(s.awsEnvOK(t, env, "auditmanager", "get-evidence-folders-by-assessment-control", "--assessment-id", assessment,
		"--control-set-id", "Identity", "--control-id", rolesControl), "evidenceFolders")
	if len(byControl) != 1 || str(byControl, 0, "id") != folderID {
		t.Fatalf("folders of the control: %v", byControl)
	}
	if r := s.awsEnv(t, env, "auditmanager", "get-evidence", "--assessment-id", assessment, "--control-set-id", "Identity",
		"--evidence-folder-id", folderID, "--evidence-id", "00000000-0000-4000-8000-000000000000"); r.errCode() != "ResourceNotFoundException" {
		t.Fatalf("unknown evidence: exit %d %s", r.code, r.stderr)
	}

	// On demand, a collection happens now: both members again.
	before := countByAccount(s.evidenceOf(t, env, assessment))
	if code, body := s.admin(t, http.MethodPost, "/_orgstack/auditmanager/collect", `{"assessmentId":"`+assessment+`"}`); code != http.StatusAccepted {
		t.Fatalf("on-demand collection: %d %v", code, body)
	}
	after := countByAccount(s.evidenceOf(t, env, assessment))
	if after[m1] <= before[m1] || after[m2] <= before[m2] {
		t.Fatalf("on-demand collection added nothing: before %v after %v", before, after)
	}

	// Step 3: trusted access is disabled in Organizations: no new
	// evidence from the members, on schedule or on demand.
	s.awsOK(t, mgmt, "organizations", "disable-aws-service-access", "--service-principal", "auditmanager.amazonaws.com")
	settled := countByAccount(s.evidenceOf(t, env, assessment))
	time.Sleep(3 * time.Second) // several evidence intervals
	if code, _ := s.admin(t, http.MethodPost, "/_orgstack/auditmanager/collect", `{"assessmentId":"`+assessment+`"}`); code != http.StatusAccepted {
		t.Fatalf("on-demand collection: %d", code)
	}
	final := countByAccount(s.evidenceOf(t, env, assessment))
	if final[m1] != settled[m1] || final[m2] != settled[m2] {
		t.Fatalf("evidence kept arriving from members after trusted access was disabled: %v then %v", settled, final)
	}
	// Evidence collected before stays readable.
	if final[m1] == 0 || final[m2] == 0 {
		t.Fatalf("earlier evidence lost: %v", final)
	}
}
