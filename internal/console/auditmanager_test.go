package console_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// amAssessment creates, as account, a control collecting iam_ListRoles, a
// framework with it and an assessment of the accounts in scope, and
// returns the assessment's id.
func (f *fixture) amAssessment(account string, scope ...string) string {
	f.t.Helper()
	ctl := fieldString(f.api(account, "auditmanager", "CreateControl", map[string]any{"name": "IAM roles are reviewed", "controlMappingSources": []any{
		map[string]any{"sourceName": "Roles", "sourceSetUpOption": "System_Controls_Mapping", "sourceType": "AWS_API_Call",
			"sourceKeyword": map[string]any{"keywordInputType": "SELECT_FROM_LIST", "keywordValue": "iam_ListRoles"}, "sourceFrequency": "DAILY"}}}), "Control.Id")
	fw := fieldString(f.api(account, "auditmanager", "CreateAssessmentFramework", map[string]any{"name": "Access management", "complianceType": "Internal",
		"controlSets": []any{map[string]any{"name": "Identity", "controls": []any{map[string]any{"id": ctl}}}}}), "Framework.Id")
	var accounts []any
	for _, a := range scope {
		accounts = append(accounts, map[string]any{"id": a})
	}
	out := f.api(account, "auditmanager", "CreateAssessment", map[string]any{"name": "Quarterly access review", "frameworkId": fw,
		"assessmentReportsDestination": map[string]any{"destinationType": "S3", "destination": "s3://audit-reports"},
		"roles":                        []any{map[string]any{"roleType": "PROCESS_OWNER", "roleArn": "arn:aws:iam::" + account + ":role/Auditor"}},
		"scope":                        map[string]any{"awsAccounts": accounts}})
	return fieldString(out, "Assessment.Metadata.Id")
}

// evidenceCount counts an assessment's evidence from account through the
// API, as owner.
func (f *fixture) evidenceCount(owner, assessment, account string) int {
	f.t.Helper()
	n := 0
	folders := f.api(owner, "auditmanager", "GetEvidenceFoldersByAssessment", map[string]any{"assessmentId": assessment})
	for _, fo := range fieldSlice(folders, "EvidenceFolders") {
		ev := f.api(owner, "auditmanager", "GetEvidenceByEvidenceFolder", map[string]any{"assessmentId": assessment,
			"controlSetId": fieldString(fo, "ControlSetId"), "evidenceFolderId": fieldString(fo, "Id")})
		for _, e := range fieldSlice(ev, "Evidence") {
			if fieldString(e, "EvidenceAwsAccountId") == account {
				n++
			}
		}
	}
	return n
}

func evidenceCell(t *testing.T, body, account, col string) int {
	t.Helper()
	m := regexp.MustCompile(`(?s)data-evidence-account="` + account + `">.*?data-col="` + col + `">(\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s cell for %s in\n%s", col, account, body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestAuditManagerSettingsOrganizationAdmin(t *testing.T) {
	f := newFixture(t)
	members := f.organization(3)
	admin, other := members[0], members[1]

	f.signIn(mgmt)
	_, body := f.get("/audit-manager/settings")
	if !strings.Contains(body, `id="am-status" data-status="INACTIVE"`) || !strings.Contains(body, `id="am-admin-account"`) {
		t.Fatalf("settings before set-up:\n%s", body)
	}
	// Designating the administrator sets Audit Manager up, enables trusted
	// access and registers the administrator in Organizations.
	_, body = f.post("/audit-manager/settings/admin", url.Values{"account": {admin}})
	if !strings.Contains(body, "Delegated administrator registered") || !strings.Contains(body, `id="am-status" data-status="ACTIVE"`) ||
		!regexp.MustCompile(`id="am-admin"><span class="mono">`+admin).MatchString(body) {
		t.Fatalf("after designating:\n%s", body)
	}
	if got := fieldString(f.api(mgmt, "auditmanager", "GetOrganizationAdminAccount", nil), "AdminAccountId"); got != admin {
		t.Fatalf("GetOrganizationAdminAccount: %q", got)
	}
	if !f.trustedAccess("auditmanager.amazonaws.com") {
		t.Fatal("trusted access for Audit Manager not enabled")
	}
	// A second one is refused as Audit Manager refuses it.
	_, body = f.post("/audit-manager/settings/admin", url.Values{"account": {other}})
	if !strings.Contains(body, "ValidationException") || !strings.Contains(body, "Remove it before you designate another") {
		t.Fatalf("a second administrator:\n%s", body)
	}

	// Removing it needs its account id typed.
	_, body = f.post("/audit-manager/settings/admin/"+admin+"/deregister", url.Values{"confirm": {"yes"}})
	if !strings.Contains(body, "To confirm, enter the account ID "+admin) {
		t.Fatalf("without the typed id:\n%s", body)
	}
	if got := fieldString(f.api(mgmt, "auditmanager", "GetOrganizationAdminAccount", nil), "AdminAccountId"); got != admin {
		t.Fatalf("removed without confirmation: %q", got)
	}
	_, body = f.post("/audit-manager/settings/admin/"+admin+"/deregister", url.Values{"confirm": {admin}})
	if !strings.Contains(body, "Delegated administrator removed") || !strings.Contains(body, `id="am-admin"><span class="muted">None`) {
		t.Fatalf("after removing:\n%s", body)
	}
	if got := fieldString(f.api(mgmt, "auditmanager", "GetOrganizationAdminAccount", nil), "AdminAccountId"); got != "" {
		t.Fatalf("still an administrator: %q", got)
	}
	// Designating again, now with Audit Manager set up
	// (RegisterOrganizationAdminAccount).
	_, body = f.post("/audit-manager/settings/admin", url.Values{"account": {other}})
	if !strings.Contains(body, "Delegated administrator registered") {
		t.Fatalf("designating again:\n%s", body)
	}
	if got := fieldString(f.api(mgmt, "auditmanager", "GetOrganizationAdminAccount", nil), "AdminAccountId"); got != other {
		t.Fatalf("GetOrganizationAdminAccount: %q", got)
	}

	// A member: sets itself up and down; can't designate anyone.
	g := newFixtureClient(f)
	g.signIn(members[2])
	_, body = g.post("/audit-manager/settings/register", nil)
	if !strings.Contains(body, `id="am-status" data-status="ACTIVE"`) || !strings.Contains(body, "Only the management account can designate") {
		t.Fatalf("member set up:\n%s", body)
	}
	if got := fieldString(g.api(members[2], "auditmanager", "GetAccountStatus", nil), "Status"); got != "ACTIVE" {
		t.Fatalf("member status %s", got)
	}
	_, body = g.post("/audit-manager/settings/admin", url.Values{"account": {members[2]}})
	if !strings.Contains(body, `class="alert alert-error"`) || !strings.Contains(body, "AccessDeniedException") {
		t.Fatalf("member designating:\n%s", body)
	}
	_, body = g.post("/audit-manager/settings/deregister", url.Values{"confirm": {"deregister"}})
	if !strings.Contains(body, `id="am-status" data-status="INACTIVE"`) {
		t.Fatalf("member disabled:\n%s", body)
	}
}

func TestAuditManagerAssessmentEvidencePerAccount(t *testing.T) {
	f := newFixture(t)
	members := f.organization(3)
	admin, m1, m2 := members[0], members[1], members[2]
	f.api(mgmt, "auditmanager", "RegisterAccount", map[string]any{"delegatedAdminAccount": admin})
	id := f.amAssessment(admin, m1, m2)
	f.settle()
	if _, err := f.m.AuditManager.CollectEvidence(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	want1, want2 := f.evidenceCount(admin, id, m1), f.evidenceCount(admin, id, m2)
	if want1 == 0 || want2 == 0 {
		t.Fatalf("no evidence collected: %d %d", want1, want2)
	}

	f.signIn(admin)
	_, body := f.get("/audit-manager/assessments")
	if !strings.Contains(body, `data-assessment="`+id+`"`) || !strings.Contains(body, "Quarterly access review") ||
		!strings.Contains(body, "Access management") || !strings.Contains(body, `id="stat-accounts">2<`) {
		t.Fatalf("assessments:\n%s", body)
	}
	if !regexp.MustCompile(`(?s)id="frameworks".*Access management.*Custom.*Quarterly access review`).MatchString(body) {
		t.Fatalf("frameworks used:\n%s", body)
	}
	_, body = f.get("/audit-manager/assessments/" + id)
	if got := evidenceCell(t, body, m1, "evidence"); got != want1 {
		t.Fatalf("evidence of %s: page %d, API %d", m1, got, want1)
	}
	if got := evidenceCell(t, body, m2, "evidence"); got != want2 {
		t.Fatalf("evidence of %s: page %d, API %d", m2, got, want2)
	}
	if evidenceCell(t, body, m1, "folders") < 1 || !strings.Contains(body, `id="assessment-framework">Access management`) ||
		!strings.Contains(body, `id="stat-evidence">`+strconv.Itoa(want1+want2)+`<`) {
		t.Fatalf("assessment page:\n%s", body)
	}

	_, body = f.get("/audit-manager/settings")
	if !strings.Contains(body, "This account is the organization's delegated administrator for Audit Manager") {
		t.Fatalf("the delegated administrator's settings:\n%s", body)
	}

	// An unregistered member is told, in AWS's words, and pointed to the
	// settings.
	g := newFixtureClient(f)
	g.signIn(m1)
	_, body = g.get("/audit-manager/assessments")
	if !strings.Contains(body, `data-error-code="AccessDeniedException"`) || !strings.Contains(body, "Your account isn&#39;t registered with Audit Manager.") ||
		!strings.Contains(body, `id="am-not-registered"`) || strings.Contains(body, "goroutine") {
		t.Fatalf("unregistered member:\n%s", body)
	}
	_, body = g.get("/audit-manager/assessments/" + id)
	if !strings.Contains(body, `data-error-code="AccessDeniedException"`) {
		t.Fatalf("unregistered member reading the assessment:\n%s", body)
	}
}
