package e2e

import (
	"strings"
	"testing"
)

// settingOrgEnabled reads GetSettings(IS_AWS_ORG_ENABLED) as account.
func (s *srv) settingOrgEnabled(t *testing.T, account string) any {
	t.Helper()
	out := s.awsOK(t, account, "auditmanager", "get-settings", "--attribute", "IS_AWS_ORG_ENABLED")
	return out["settings"].(map[string]any)["isAwsOrgEnabled"]
}

// TestAuditManagerRegistration: accounts register and deregister in a
// region; unregistered accounts see INACTIVE and are refused everything
// else; registering creates Audit Manager's service-linked role; the
// deregistration policy decides whether data stays.
func TestAuditManagerRegistration(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)

	if got := str(s.awsOK(t, standalone, "auditmanager", "get-account-status"), "status"); got != "INACTIVE" {
		t.Fatalf("unregistered status %q", got)
	}
	r := s.awsErr(t, standalone, "AccessDeniedException", "auditmanager", "get-settings", "--attribute", "ALL")
	if !strings.Contains(r.stderr, "Your account isn't registered with Audit Manager.") {
		t.Fatalf("message: %s", r.stderr)
	}
	if r := s.aws(t, standalone, "iam", "get-role", "--role-name", "AWSServiceRoleForAuditManager"); r.errCode() != "NoSuchEntity" {
		t.Fatalf("the role exists before registration: %d %s", r.code, r.stderr)
	}

	if got := str(s.awsOK(t, standalone, "auditmanager", "register-account"), "status"); got != "ACTIVE" {
		t.Fatalf("register-account status %q", got)
	}
	role := s.awsOK(t, standalone, "iam", "get-role", "--role-name", "AWSServiceRoleForAuditManager")
	if str(role, "Role", "Path") != "/aws-service-role/auditmanager.amazonaws.com/" {
		t.Fatalf("service-linked role: %v", role)
	}
	if got := str(s.awsOK(t, standalone, "auditmanager", "get-account-status"), "status"); got != "ACTIVE" {
		t.Fatalf("status %q", got)
	}
	// Registration is per region.
	if got := str(s.awsOK(t, standalone, "auditmanager", "get-account-status", "--region", "eu-west-1"), "status"); got != "INACTIVE" {
		t.Fatalf("eu-west-1 status %q", got)
	}
	if v := s.settingOrgEnabled(t, standalone); v != false {
		t.Fatalf("isAwsOrgEnabled of a standalone account: %v", v)
	}
	settings := s.awsOK(t, standalone, "auditmanager", "get-settings", "--attribute", "ALL")["settings"].(map[string]any)
	if str(settings, "deregistrationPolicy", "deleteResources") != "DEFAULT" {
		t.Fatalf("default settings: %v", settings)
	}

	// DEFAULT keeps data across deregistration.
	control := s.amControl(t, standalone, "Kept", "iam_ListRoles")
	if got := str(s.awsOK(t, standalone, "auditmanager", "deregister-account"), "status"); got != "INACTIVE" {
		t.Fatalf("deregister-account status %q", got)
	}
	s.awsErr(t, standalone, "AccessDeniedException", "auditmanager", "get-control", "--control-id", control)
	s.awsOK(t, standalone, "auditmanager", "register-account")
	s.awsOK(t, standalone, "auditmanager", "get-control", "--control-id", control)

	// ALL deletes it.
	s.awsOK(t, standalone, "auditmanager", "update-settings", "--deregistration-policy", "deleteResources=ALL")
	s.awsOK(t, standalone, "auditmanager", "deregister-account")
	s.awsOK(t, standalone, "auditmanager", "register-account")
	s.awsErr(t, standalone, "ResourceNotFoundException", "auditmanager", "get-control", "--control-id", control)
}

// TestAuditManagerOrganizationAdmin: the delegated administrator of Audit
// Manager is designated from the management account, through Audit
// Manager, which enables trusted access and registers it in
// Organizations; the rules on who and how many; changing it is
// remove-then-add; trusted access is disabled only through Organizations,
// by the management account.
func TestAuditManagerOrganizationAdmin(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	// No organization.
	s.awsOK(t, standalone, "auditmanager", "register-account")
	s.awsErr(t, standalone, "ValidationException", "auditmanager", "register-organization-admin-account", "--admin-account-id", mgmt)

	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")
	orgID := str(s.awsOK(t, mgmt, "organizations", "describe-organization"), "Organization", "Id")
	a1 := s.createAccount(t, mgmt, "a1@example.com", "A1")
	a2 := s.createAccount(t, mgmt, "a2@example.com", "A2")

	// The management account cannot be the delegated administrator, and
	// nobody else may designate one.
	r := s.awsErr(t, mgmt, "ValidationException", "auditmanager", "register-account", "--delegated-admin-account", mgmt)
	if !strings.Contains(r.stderr, "management account") {
		t.Fatalf("message: %s", r.stderr)
	}
	s.awsOK(t, a1, "auditmanager", "register-account")
	s.awsErr(t, a1, "AccessDeniedException", "auditmanager", "register-organization-admin-account", "--admin-account-id", a2)
	s.awsErr(t, mgmt, "ResourceNotFoundException", "auditmanager", "register-account", "--delegated-admin-account", "222233334444")
	if l := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals"); len(l) != 0 {
		t.Fatalf("trusted access enabled by failed attempts: %v", l)
	}

	// Through register-account: trusted access and the administrator
	// appear in Organizations.
	s.awsOK(t, mgmt, "auditmanager", "register-account", "--delegated-admin-account", a1)
	if s.settingOrgEnabled(t, mgmt) != true {
		t.Fatal("isAwsOrgEnabled is not true")
	}
	enabled := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals")
	if len(enabled) != 1 || str(enabled, 0, "ServicePrincipal") != "auditmanager.amazonaws.com" {
		t.Fatalf("trusted access: %v", enabled)
	}
	das := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", "auditmanager.amazonaws.com"), "DelegatedAdministrators")
	if len(das) != 1 || str(das, 0, "Id") != a1 {
		t.Fatalf("delegated administrators: %v", das)
	}
	got := s.awsOK(t, mgmt, "auditmanager", "get-organization-admin-account")
	if str(got, "adminAccountId") != a1 || str(got, "organizationId") != orgID {
		t.Fatalf("get-organization-admin-account: %v", got)
	}

	// One per region: another one needs the first removed.
	r = s.awsErr(t, mgmt, "ValidationException", "auditmanager", "register-organization-admin-account", "--admin-account-id", a2)
	if !strings.Contains(r.stderr, a1) {
		t.Fatalf("message: %s", r.stderr)
	}
	// Another region is separate.
	s.awsOK(t, mgmt, "auditmanager", "register-account", "--region", "eu-west-1")
	out := s.awsOK(t, mgmt, "auditmanager", "register-organization-admin-account", "--admin-account-id", a2, "--region", "eu-west-1")
	if str(out, "adminAccountId") != a2 || str(out, "organizationId") != orgID {
		t.Fatalf("register-organization-admin-account: %v", out)
	}
	if got := str(s.awsOK(t, a2, "auditmanager", "get-account-status", "--region", "eu-west-1"), "status"); got != "ACTIVE" {
		t.Fatalf("the eu-west-1 administrator's status %q", got)
	}
	s.awsOK(t, mgmt, "auditmanager", "deregister-organization-admin-account", "--admin-account-id", a2, "--region", "eu-west-1")

	// Remove, then add.
	s.awsOK(t, mgmt, "auditmanager", "deregister-organization-admin-account", "--admin-account-id", a1)
	if das := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", "auditmanager.amazonaws.com"), "DelegatedAdministrators"); len(das) != 0 {
		t.Fatalf("after deregistration: %v", das)
	}
	if str(s.awsOK(t, mgmt, "auditmanager", "get-organization-admin-account"), "adminAccountId") != "" {
		t.Fatal("an administrator is still reported")
	}
	s.awsOK(t, mgmt, "auditmanager", "register-organization-admin-account", "--admin-account-id", a2)
	das = list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", "auditmanager.amazonaws.com"), "DelegatedAdministrators")
	if len(das) != 1 || str(das, 0, "Id") != a2 {
		t.Fatalf("delegated administrators: %v", das)
	}

	// Trusted access is disabled through Organizations, by the management
	// account only; the administrator stays registered.
	s.awsErr(t, a2, "AccessDeniedException", "organizations", "disable-aws-service-access", "--service-principal", "auditmanager.amazonaws.com")
	s.awsOK(t, mgmt, "organizations", "disable-aws-service-access", "--service-principal", "auditmanager.amazonaws.com")
	if s.settingOrgEnabled(t, mgmt) != false {
		t.Fatal("isAwsOrgEnabled still true")
	}
}

// TestAuditManagerNeedsAllFeatures: an organization with consolidated
// billing only cannot have an Audit Manager delegated administrator.
func TestAuditManagerNeedsAllFeatures(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "CONSOLIDATED_BILLING")
	member := s.createAccount(t, mgmt, "cb@example.com", "CB")
	r := s.awsErr(t, mgmt, "ValidationException", "auditmanager", "register-account", "--delegated-admin-account", member)
	if !strings.Contains(r.stderr, "all features") {
		t.Fatalf("message: %s", r.stderr)
	}
	if got := str(s.awsOK(t, mgmt, "auditmanager", "get-account-status"), "status"); got != "INACTIVE" {
		t.Fatalf("a failed registration left status %q", got)
	}
}
