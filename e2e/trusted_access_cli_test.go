package e2e

import (
	"strings"
	"testing"
)

// seedServices are the three services of the source documents: principal,
// the service-linked role created in the management account, and the
// principal that role trusts.
var seedServices = []struct{ principal, role, trusts string }{
	{"selfservicereporting.managedservices.amazonaws.com", "AWSServiceRoleForManagedServices_SelfServiceReporting", "selfservicereporting.managedservices.amazonaws.com"},
	{"ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM_AccountDiscovery", "accountdiscovery.ssm.amazonaws.com"},
	{"auditmanager.amazonaws.com", "AWSServiceRoleForAuditManager", "auditmanager.amazonaws.com"},
}

// TestTrustedAccessSeedsCLI runs the seeds' Organizations commands
// verbatim with the aws CLI.
func TestTrustedAccessSeedsCLI(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")
	member := s.createAccount(t, mgmt, "member@example.com", "Member")

	for _, svc := range seedServices {
		r := s.aws(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", svc.principal)
		if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
			t.Fatalf("enable %s: exit %d, printed %q %s", svc.principal, r.code, r.stdout, r.stderr)
		}
	}
	enabled := list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals")
	if len(enabled) != 3 {
		t.Fatalf("list-aws-service-access-for-organization: %v", enabled)
	}
	for _, e := range enabled {
		if _, ok := e.(map[string]any)["DateEnabled"].(float64); !ok {
			t.Fatalf("DateEnabled missing: %v", e)
		}
	}
	for _, svc := range seedServices {
		var role map[string]any
		eventually(t, svc.role+" in the management account", func() bool {
			r := s.aws(t, mgmt, "iam", "get-role", "--role-name", svc.role)
			if r.code != 0 {
				return false
			}
			role = s.awsOK(t, mgmt, "iam", "get-role", "--role-name", svc.role)["Role"].(map[string]any)
			return true
		})
		wantARN := "arn:aws:iam::" + mgmt + ":role/aws-service-role/" + svc.trusts + "/" + svc.role
		if str(role, "Arn") != wantARN || str(role, "Path") != "/aws-service-role/"+svc.trusts+"/" ||
			str(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service") != svc.trusts {
			t.Fatalf("%s: %v", svc.role, role)
		}
		// Created in the management account, not in members.
		s.awsErr(t, member, "NoSuchEntity", "iam", "get-role", "--role-name", svc.role)
	}

	// Who may not, and what AWS says.
	s.awsErr(t, member, "AccessDeniedException", "organizations", "enable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	s.awsErr(t, member, "AccessDeniedException", "organizations", "list-aws-service-access-for-organization")
	s.awsErr(t, standalone, "AWSOrganizationsNotInUseException", "organizations", "enable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	r := s.awsErr(t, mgmt, "InvalidInputException", "organizations", "enable-aws-service-access", "--service-principal", "nonexistent.amazonaws.com")
	if !strings.Contains(r.stderr, "You specified an unrecognized service principal.") {
		t.Fatalf("unknown principal message: %s", r.stderr)
	}

	for _, svc := range seedServices {
		r := s.aws(t, mgmt, "organizations", "disable-aws-service-access", "--service-principal", svc.principal)
		if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
			t.Fatalf("disable %s: exit %d %s", svc.principal, r.code, r.stderr)
		}
	}
	if n := len(list(s.awsOK(t, mgmt, "organizations", "list-aws-service-access-for-organization"), "EnabledServicePrincipals")); n != 0 {
		t.Fatalf("%d services still enabled", n)
	}
	// Disabling keeps the roles.
	s.awsOK(t, mgmt, "iam", "get-role", "--role-name", "AWSServiceRoleForAuditManager")

	// Trusted access needs all features.
	const cbMgmt = "222222222222"
	s.awsOK(t, cbMgmt, "organizations", "create-organization", "--feature-set", "CONSOLIDATED_BILLING")
	r = s.awsErr(t, cbMgmt, "ConstraintViolationException", "organizations", "enable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	if !strings.Contains(r.stderr, "all features") {
		t.Fatalf("consolidated billing message: %s", r.stderr)
	}
}

// TestServiceLinkedRoleProtectionCLI: service-linked roles cannot be
// changed through IAM, and can be deleted only once their service lets go.
func TestServiceLinkedRoleProtectionCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	s.awsOK(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	const slr = "AWSServiceRoleForAmazonSSM_AccountDiscovery"
	eventually(t, "the SSM role", func() bool { return s.aws(t, mgmt, "iam", "get-role", "--role-name", slr).code == 0 })

	protected := "Cannot perform the operation on the protected role '" + slr + "' - this role is only modifiable by AWS"
	for _, args := range [][]string{
		{"iam", "delete-role", "--role-name", slr},
		{"iam", "update-assume-role-policy", "--role-name", slr, "--policy-document", `{"Version":"2012-10-17","Statement":[]}`},
		{"iam", "put-role-policy", "--role-name", slr, "--policy-name", "x", "--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"iam", "attach-role-policy", "--role-name", slr, "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess"},
		{"iam", "detach-role-policy", "--role-name", slr, "--policy-arn", "arn:aws:iam::aws:policy/aws-service-role/AWSSystemsManagerAccountDiscoveryServicePolicy"},
		{"iam", "delete-role-policy", "--role-name", slr, "--policy-name", "x"},
		{"iam", "update-role", "--role-name", slr, "--max-session-duration", "7200"},
	} {
		r := s.awsErr(t, mgmt, "UnmodifiableEntity", args...)
		if !strings.Contains(r.stderr, protected) {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	// Its description may change, as IAM allows.
	s.awsOK(t, mgmt, "iam", "update-role-description", "--role-name", slr, "--description", "explorer")
	attached := list(s.awsOK(t, mgmt, "iam", "list-attached-role-policies", "--role-name", slr), "AttachedPolicies")
	if len(attached) != 1 || str(attached[0], "PolicyName") != "AWSSystemsManagerAccountDiscoveryServicePolicy" {
		t.Fatalf("attached policies %v", attached)
	}

	// While SSM has trusted access, the deletion task fails and says why.
	task := str(s.awsOK(t, mgmt, "iam", "delete-service-linked-role", "--role-name", slr), "DeletionTaskId")
	if !strings.HasPrefix(task, "task/aws-service-role/accountdiscovery.ssm.amazonaws.com/"+slr+"/") {
		t.Fatalf("task id %q", task)
	}
	var st map[string]any
	eventually(t, "the deletion task", func() bool {
		st = s.awsOK(t, mgmt, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task)
		return st["Status"] != "NOT_STARTED" && st["Status"] != "IN_PROGRESS"
	})
	if st["Status"] != "FAILED" || str(st, "Reason", "Reason") == "" || !strings.HasPrefix(str(st, "Reason", "RoleUsageList", 0, "Resources", 0), "arn:aws:organizations::"+mgmt+":organization/o-") {
		t.Fatalf("deletion while in use: %v", st)
	}
	s.awsOK(t, mgmt, "iam", "get-role", "--role-name", slr)

	// After trusted access is disabled the role may go.
	s.awsOK(t, mgmt, "organizations", "disable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	task = str(s.awsOK(t, mgmt, "iam", "delete-service-linked-role", "--role-name", slr), "DeletionTaskId")
	eventually(t, "the second deletion task", func() bool {
		st = s.awsOK(t, mgmt, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task)
		return st["Status"] == "SUCCEEDED"
	})
	s.awsErr(t, mgmt, "NoSuchEntity", "iam", "get-role", "--role-name", slr)
	s.awsErr(t, mgmt, "NoSuchEntity", "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", "task/aws-service-role/ssm.amazonaws.com/X/00000000-0000-0000-0000-000000000000")

	// Creating service-linked roles directly.
	role := s.awsOK(t, mgmt, "iam", "create-service-linked-role", "--aws-service-name", "ssm.amazonaws.com")["Role"].(map[string]any)
	if str(role, "RoleName") != "AWSServiceRoleForAmazonSSM" || str(role, "Path") != "/aws-service-role/ssm.amazonaws.com/" {
		t.Fatalf("create-service-linked-role: %v", role)
	}
	r := s.awsErr(t, mgmt, "InvalidInput", "iam", "create-service-linked-role", "--aws-service-name", "ssm.amazonaws.com")
	if !strings.Contains(r.stderr, "Service role name AWSServiceRoleForAmazonSSM has been taken in this account, please try a different suffix.") {
		t.Fatalf("taken: %s", r.stderr)
	}
	r = s.awsErr(t, mgmt, "InvalidInput", "iam", "create-service-linked-role", "--aws-service-name", "es.amazonaws.com", "--custom-suffix", "x")
	if !strings.Contains(r.stderr, "Custom suffix is not allowed for es.amazonaws.com") {
		t.Fatalf("suffix: %s", r.stderr)
	}
	role = s.awsOK(t, mgmt, "iam", "create-service-linked-role", "--aws-service-name", "autoscaling.amazonaws.com", "--custom-suffix", "fleet")["Role"].(map[string]any)
	if str(role, "RoleName") != "AWSServiceRoleForAutoScaling_fleet" {
		t.Fatalf("suffixed role %v", role)
	}
	s.awsErr(t, mgmt, "InvalidInput", "iam", "create-service-linked-role", "--aws-service-name", "nothing.amazonaws.com")

	// Ordinary roles stay ordinary.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole"}]}`
	s.awsOK(t, mgmt, "iam", "create-role", "--role-name", "Ops", "--assume-role-policy-document", trust)
	s.awsErr(t, mgmt, "EntityAlreadyExists", "iam", "create-role", "--role-name", "ops", "--assume-role-policy-document", trust)
	s.awsErr(t, mgmt, "MalformedPolicyDocument", "iam", "create-role", "--role-name", "Bad", "--assume-role-policy-document", "{")
	s.awsOK(t, mgmt, "iam", "attach-role-policy", "--role-name", "Ops", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	s.awsErr(t, mgmt, "PolicyNotAttachable", "iam", "attach-role-policy", "--role-name", "Ops", "--policy-arn", "arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy")
	s.awsErr(t, mgmt, "DeleteConflict", "iam", "delete-role", "--role-name", "Ops")
	s.awsOK(t, mgmt, "iam", "detach-role-policy", "--role-name", "Ops", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	s.awsOK(t, mgmt, "iam", "delete-role", "--role-name", "Ops")
	s.awsErr(t, mgmt, "NoSuchEntity", "iam", "delete-service-linked-role", "--role-name", "OrganizationAccountAccessRole")
}
