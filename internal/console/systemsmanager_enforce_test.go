package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/app"
)

// TestSystemsManagerAndAuditManagerUnderSCP: in enforce mode, a member
// account whose principals an SCP denies every Systems Manager and Audit
// Manager action sees the API's refusal on each page, worded as AWS words
// it, never a server error.
func TestSystemsManagerAndAuditManagerUnderSCP(t *testing.T) {
	f := newFixture(t, func(c *app.Config) { c.Auth = "enforce"; c.RootSecret = "s3cret" })
	members := f.organization(1)
	pid := fieldString(f.api(mgmt, "organizations", "CreatePolicy", map[string]any{"Name": "NoSSM", "Description": "d", "Type": "SERVICE_CONTROL_POLICY",
		"Content": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["ssm:*","auditmanager:*"],"Resource":"*"}]}`}), "Policy.PolicySummary.Id")
	f.api(mgmt, "organizations", "AttachPolicy", map[string]any{"PolicyId": pid, "TargetId": members[0]})

	status, body := f.postForm("/signin", url.Values{"access_key": {members[0]}, "secret_key": {"s3cret"}, "region": {"us-east-1"}, "next": {"/systems-manager/explorer"}})
	if status != http.StatusOK || !strings.Contains(body, `data-error-code="AccessDeniedException"`) || !strings.Contains(body, "explicit deny in a service control policy") {
		t.Fatalf("explorer under the SCP: %d\n%s", status, body)
	}
	for _, path := range []string{"/systems-manager/change-manager", "/systems-manager/change-manager/requests/00000000-0000-4000-8000-000000000000",
		"/audit-manager/assessments", "/audit-manager/assessments/00000000-0000-4000-8000-000000000000", "/audit-manager/settings"} {
		status, body = f.get(path)
		if status != http.StatusOK || !strings.Contains(body, `data-error-code="AccessDeniedException"`) || strings.Contains(body, "goroutine") {
			t.Fatalf("%s under the SCP: %d\n%s", path, status, body)
		}
	}
	_, body = f.post("/systems-manager/explorer/syncs", url.Values{"name": {"Mine"}, "source": {"account"}, "regions": {"us-east-1"}})
	if !strings.Contains(body, `<div class="alert-title">AccessDeniedException</div>`) {
		t.Fatalf("creating a sync under the SCP:\n%s", body)
	}
}
