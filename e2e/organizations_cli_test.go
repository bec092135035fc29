package e2e

import (
	"strings"
	"testing"
)

const (
	mgmt       = "111111111111"
	standalone = "999999999999"
)

// createAccount runs create-account and waits for it to succeed,
// returning the new account id.
func (s *srv) createAccount(t testing.TB, caller, email, name string, extra ...string) string {
	t.Helper()
	out := s.awsOK(t, caller, append([]string{"organizations", "create-account", "--email", email, "--account-name", name}, extra...)...)
	st := out["CreateAccountStatus"].(map[string]any)
	if st["State"] != "IN_PROGRESS" || !strings.HasPrefix(str(st, "Id"), "car-") {
		t.Fatalf("create-account answered %v", st)
	}
	var id string
	eventually(t, "account creation", func() bool {
		d := s.awsOK(t, caller, "organizations", "describe-create-account-status", "--create-account-request-id", str(st, "Id"))
		switch str(d, "CreateAccountStatus", "State") {
		case "SUCCEEDED":
			id = str(d, "CreateAccountStatus", "AccountId")
			return true
		case "FAILED":
			t.Fatalf("account creation failed: %v", d)
		}
		return false
	})
	return id
}

// TestOrganizationWalkthroughCLI follows the "done when" with the
// aws CLI: create an organization, an account, an OU, move the account,
// and see the management, member and standalone perspectives.
func TestOrganizationWalkthroughCLI(t *testing.T) {
	t.Parallel()
	s := start(t)

	// A standalone account is in no organization.
	s.awsErr(t, standalone, "AWSOrganizationsNotInUseException", "organizations", "describe-organization")
	r := s.awsErr(t, standalone, "AWSOrganizationsNotInUseException", "organizations", "list-accounts")
	if !strings.Contains(r.stderr, "Your account is not a member of an organization.") {
		t.Fatalf("message: %s", r.stderr)
	}

	org := s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "ALL")["Organization"].(map[string]any)
	orgID := str(org, "Id")
	if !strings.HasPrefix(orgID, "o-") || len(orgID) != 12 {
		t.Fatalf("organization id %q", orgID)
	}
	if str(org, "Arn") != "arn:aws:organizations::"+mgmt+":organization/"+orgID ||
		str(org, "MasterAccountId") != mgmt ||
		str(org, "MasterAccountArn") != "arn:aws:organizations::"+mgmt+":account/"+orgID+"/"+mgmt ||
		str(org, "FeatureSet") != "ALL" {
		t.Fatalf("organization %v", org)
	}
	s.awsErr(t, mgmt, "AlreadyInOrganizationException", "organizations", "create-organization")

	roots := s.awsOK(t, mgmt, "organizations", "list-roots")
	rootID := str(roots, "Roots", 0, "Id")
	if !strings.HasPrefix(rootID, "r-") || str(roots, "Roots", 0, "Name") != "Root" ||
		str(roots, "Roots", 0, "PolicyTypes", 0, "Type") != "SERVICE_CONTROL_POLICY" {
		t.Fatalf("roots %v", roots)
	}

	dev := s.createAccount(t, mgmt, "dev@example.com", "Dev")
	if len(dev) != 12 {
		t.Fatalf("account id %q", dev)
	}
	accts := list(s.awsOK(t, mgmt, "organizations", "list-accounts"), "Accounts")
	if len(accts) != 2 {
		t.Fatalf("list-accounts: %v", accts)
	}
	var devAcct map[string]any
	for _, a := range accts {
		if str(a, "Id") == dev {
			devAcct = a.(map[string]any)
		}
	}
	if devAcct == nil || devAcct["Email"] != "dev@example.com" || devAcct["Name"] != "Dev" ||
		devAcct["Status"] != "ACTIVE" || devAcct["JoinedMethod"] != "CREATED" ||
		devAcct["Arn"] != "arn:aws:organizations::"+mgmt+":account/"+orgID+"/"+dev {
		t.Fatalf("new account %v", devAcct)
	}
	if _, ok := devAcct["JoinedTimestamp"].(float64); !ok {
		// The CLI prints epoch-second timestamps as numbers.
		t.Fatalf("JoinedTimestamp %#v", devAcct["JoinedTimestamp"])
	}

	ou := s.awsOK(t, mgmt, "organizations", "create-organizational-unit", "--parent-id", rootID, "--name", "Workloads")["OrganizationalUnit"].(map[string]any)
	ouID := str(ou, "Id")
	if !strings.HasPrefix(ouID, "ou-"+strings.TrimPrefix(rootID, "r-")+"-") || str(ou, "Arn") != "arn:aws:organizations::"+mgmt+":ou/"+orgID+"/"+ouID {
		t.Fatalf("ou %v", ou)
	}
	s.awsErr(t, mgmt, "DuplicateOrganizationalUnitException", "organizations", "create-organizational-unit", "--parent-id", rootID, "--name", "Workloads")

	s.awsOK(t, mgmt, "organizations", "move-account", "--account-id", dev, "--source-parent-id", rootID, "--destination-parent-id", ouID)
	parents := s.awsOK(t, mgmt, "organizations", "list-parents", "--child-id", dev)
	if str(parents, "Parents", 0, "Id") != ouID || str(parents, "Parents", 0, "Type") != "ORGANIZATIONAL_UNIT" {
		t.Fatalf("list-parents %v", parents)
	}
	parents = s.awsOK(t, mgmt, "organizations", "list-parents", "--child-id", ouID)
	if str(parents, "Parents", 0, "Id") != rootID || str(parents, "Parents", 0, "Type") != "ROOT" {
		t.Fatalf("list-parents of OU %v", parents)
	}
	s.awsErr(t, mgmt, "DuplicateAccountException", "organizations", "move-account", "--account-id", dev, "--source-parent-id", ouID, "--destination-parent-id", ouID)
	s.awsErr(t, mgmt, "SourceParentNotFoundException", "organizations", "move-account", "--account-id", dev, "--source-parent-id", "ou-abcd-12345678", "--destination-parent-id", rootID)
	kids := list(s.awsOK(t, mgmt, "organizations", "list-children", "--parent-id", ouID, "--child-type", "ACCOUNT"), "Children")
	if len(kids) != 1 || str(kids[0], "Id") != dev {
		t.Fatalf("list-children %v", kids)
	}
	forParent := list(s.awsOK(t, mgmt, "organizations", "list-accounts-for-parent", "--parent-id", rootID), "Accounts")
	if len(forParent) != 1 || str(forParent[0], "Id") != mgmt {
		t.Fatalf("list-accounts-for-parent root %v", forParent)
	}
	s.awsErr(t, mgmt, "OrganizationalUnitNotEmptyException", "organizations", "delete-organizational-unit", "--organizational-unit-id", ouID)

	// The member's perspective: it sees its organization but may not list it.
	if got := str(s.awsOK(t, dev, "organizations", "describe-organization"), "Organization", "Id"); got != orgID {
		t.Fatalf("member describe-organization: %q", got)
	}
	r = s.awsErr(t, dev, "AccessDeniedException", "organizations", "list-accounts")
	if !strings.Contains(r.stderr, "You don't have permissions to access this resource.") {
		t.Fatalf("member message: %s", r.stderr)
	}
	s.awsErr(t, dev, "AccessDeniedException", "organizations", "list-roots")
	s.awsErr(t, dev, "AccessDeniedException", "organizations", "create-organizational-unit", "--parent-id", rootID, "--name", "x")
	s.awsErr(t, standalone, "AWSOrganizationsNotInUseException", "organizations", "list-roots")

	// The member account got the roles AWS puts in a created account.
	role := s.awsOK(t, dev, "iam", "get-role", "--role-name", "OrganizationAccountAccessRole")["Role"].(map[string]any)
	if str(role, "Arn") != "arn:aws:iam::"+dev+":role/OrganizationAccountAccessRole" ||
		str(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "AWS") != "arn:aws:iam::"+mgmt+":root" {
		t.Fatalf("OrganizationAccountAccessRole %v", role)
	}
	slr := s.awsOK(t, dev, "iam", "get-role", "--role-name", "AWSServiceRoleForOrganizations")["Role"].(map[string]any)
	if str(slr, "Path") != "/aws-service-role/organizations.amazonaws.com/" ||
		str(slr, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service") != "organizations.amazonaws.com" {
		t.Fatalf("AWSServiceRoleForOrganizations %v", slr)
	}
	slrs := list(s.awsOK(t, dev, "iam", "list-roles", "--path-prefix", "/aws-service-role/"), "Roles")
	if len(slrs) != 1 || str(slrs[0], "RoleName") != "AWSServiceRoleForOrganizations" {
		t.Fatalf("list-roles --path-prefix %v", slrs)
	}

	// Tags on accounts and OUs.
	s.awsOK(t, mgmt, "organizations", "tag-resource", "--resource-id", dev, "--tags", "Key=env,Value=dev", "Key=team,Value=platform")
	tags := list(s.awsOK(t, mgmt, "organizations", "list-tags-for-resource", "--resource-id", dev), "Tags")
	if len(tags) != 2 || str(tags[0], "Key") != "env" || str(tags[1], "Value") != "platform" {
		t.Fatalf("tags %v", tags)
	}
	s.awsOK(t, mgmt, "organizations", "untag-resource", "--resource-id", dev, "--tag-keys", "env")
	if tags := list(s.awsOK(t, mgmt, "organizations", "list-tags-for-resource", "--resource-id", dev), "Tags"); len(tags) != 1 {
		t.Fatalf("after untag %v", tags)
	}
	s.awsErr(t, mgmt, "TargetNotFoundException", "organizations", "tag-resource", "--resource-id", "ou-zzzz-zzzzzzzz", "--tags", "Key=a,Value=b")

	// Deleting the organization needs it empty of members.
	s.awsErr(t, mgmt, "OrganizationNotEmptyException", "organizations", "delete-organization")
}

// TestCreateAccountFailuresCLI covers the asynchronous failures of
// CreateAccount and its synchronous validation.
func TestCreateAccountFailuresCLI(t *testing.T) {
	t.Parallel()
	s := start(t, maxAccounts(3))
	s.awsOK(t, mgmt, "organizations", "create-organization")
	s.createAccount(t, mgmt, "one@example.com", "One", "--tags", "Key=k,Value=v")

	status := func(email string) map[string]any {
		out := s.awsOK(t, mgmt, "organizations", "create-account", "--email", email, "--account-name", "X")
		id := str(out, "CreateAccountStatus", "Id")
		var st map[string]any
		eventually(t, "create-account to finish", func() bool {
			st = s.awsOK(t, mgmt, "organizations", "describe-create-account-status", "--create-account-request-id", id)["CreateAccountStatus"].(map[string]any)
			return st["State"] != "IN_PROGRESS"
		})
		return st
	}
	if st := status("one@example.com"); st["State"] != "FAILED" || st["FailureReason"] != "EMAIL_ALREADY_EXISTS" {
		t.Fatalf("duplicate email: %v", st)
	}
	if st := status("two@example.com"); st["State"] != "SUCCEEDED" {
		t.Fatalf("second account: %v", st)
	}
	if st := status("three@example.com"); st["State"] != "FAILED" || st["FailureReason"] != "ACCOUNT_LIMIT_EXCEEDED" {
		t.Fatalf("over quota: %v", st)
	}
	failed := list(s.awsOK(t, mgmt, "organizations", "list-create-account-status", "--states", "FAILED"), "CreateAccountStatuses")
	if len(failed) != 2 {
		t.Fatalf("list-create-account-status FAILED: %v", failed)
	}
	all := list(s.awsOK(t, mgmt, "organizations", "list-create-account-status"), "CreateAccountStatuses")
	if len(all) != 4 || str(all[0], "State") != "SUCCEEDED" {
		t.Fatalf("list-create-account-status: %v", all)
	}

	r := s.awsErr(t, mgmt, "InvalidInputException", "organizations", "create-account", "--email", "not-an-email", "--account-name", "X")
	if !strings.Contains(r.stderr, "does not match the required pattern") {
		t.Fatalf("bad email message: %s", r.stderr)
	}
	s.awsErr(t, mgmt, "InvalidInputException", "organizations", "create-account", "--email", "x@example.com", "--account-name", "X", "--role-name", "AWSServiceRoleForX")
	s.awsErr(t, mgmt, "CreateAccountStatusNotFoundException", "organizations", "describe-create-account-status", "--create-account-request-id", "car-0123456789abcdef")
}

// TestConsolidatedBillingCLI: an organization without all features has no
// policy types; its accounts get AWSServiceRoleForOrganizations, which
// (unlike in an all-features organization) may be deleted.
func TestConsolidatedBillingCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	org := s.awsOK(t, mgmt, "organizations", "create-organization", "--feature-set", "CONSOLIDATED_BILLING")
	if str(org, "Organization", "FeatureSet") != "CONSOLIDATED_BILLING" || len(list(org["Organization"], "AvailablePolicyTypes")) != 0 {
		t.Fatalf("organization %v", org)
	}
	acct := s.createAccount(t, mgmt, "cb@example.com", "CB")
	s.awsOK(t, acct, "iam", "get-role", "--role-name", "OrganizationAccountAccessRole")
	s.awsOK(t, acct, "iam", "get-role", "--role-name", "AWSServiceRoleForOrganizations")
	task := str(s.awsOK(t, acct, "iam", "delete-service-linked-role", "--role-name", "AWSServiceRoleForOrganizations"), "DeletionTaskId")
	eventually(t, "the role's deletion", func() bool {
		return str(s.awsOK(t, acct, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task), "Status") == "SUCCEEDED"
	})
	s.awsErr(t, acct, "NoSuchEntity", "iam", "get-role", "--role-name", "AWSServiceRoleForOrganizations")
	root := str(s.awsOK(t, mgmt, "organizations", "list-roots"), "Roots", 0, "Id")
	s.awsErr(t, mgmt, "PolicyTypeNotAvailableForOrganizationException", "organizations", "enable-policy-type", "--root-id", root, "--policy-type", "TAG_POLICY")
}
