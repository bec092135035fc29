package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// TestDelegatedAdministratorSeedStepsCLI: the seeds' delegated-admin
// steps with the CLI, and the delegated administrator's perspective with
// its own 12-digit access key.
func TestDelegatedAdministratorSeedStepsCLI(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	da := s.createAccount(t, mgmt, "da@example.com", "Delegated")
	plain := s.createAccount(t, mgmt, "plain@example.com", "Plain")
	const ssr = "selfservicereporting.managedservices.amazonaws.com"

	r := s.awsErr(t, mgmt, "ConstraintViolationException", "organizations", "register-delegated-administrator", "--account-id", da, "--service-principal", ssr)
	if !strings.Contains(r.stderr, "You attempted to register a delegated administrator before you enabled service access.") {
		t.Fatalf("before trusted access: %s", r.stderr)
	}
	s.awsOK(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", ssr)
	r = s.aws(t, mgmt, "organizations", "register-delegated-administrator", "--account-id", da, "--service-principal", ssr)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("register: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	// AMS Self-Service Reporting accepts one delegated administrator.
	s.awsErr(t, mgmt, "ConstraintViolationException", "organizations", "register-delegated-administrator", "--account-id", plain, "--service-principal", ssr)
	admins := list(s.awsOK(t, mgmt, "organizations", "list-delegated-administrators", "--service-principal", ssr), "DelegatedAdministrators")
	if len(admins) != 1 || str(admins[0], "Id") != da || str(admins[0], "Email") != "da@example.com" {
		t.Fatalf("list-delegated-administrators: %v", admins)
	}
	if _, ok := admins[0].(map[string]any)["DelegationEnabledDate"].(float64); !ok {
		t.Fatalf("DelegationEnabledDate: %v", admins[0])
	}

	// The delegated administrator reads the organization with its own key;
	// a plain member may not.
	if n := len(list(s.awsOK(t, da, "organizations", "list-accounts"), "Accounts")); n != 3 {
		t.Fatalf("delegated admin sees %d accounts", n)
	}
	s.awsOK(t, da, "organizations", "list-roots")
	s.awsOK(t, da, "organizations", "describe-account", "--account-id", plain)
	s.awsOK(t, da, "organizations", "list-aws-service-access-for-organization")
	s.awsOK(t, da, "organizations", "list-delegated-administrators")
	svcs := list(s.awsOK(t, da, "organizations", "list-delegated-services-for-account", "--account-id", da), "DelegatedServices")
	if len(svcs) != 1 || str(svcs[0], "ServicePrincipal") != ssr {
		t.Fatalf("list-delegated-services-for-account: %v", svcs)
	}
	s.awsErr(t, plain, "AccessDeniedException", "organizations", "list-accounts")
	s.awsErr(t, plain, "AccessDeniedException", "organizations", "list-delegated-administrators")
	// Read-only: the delegated administrator may not change the organization.
	root := str(s.awsOK(t, da, "organizations", "list-roots"), "Roots", 0, "Id")
	s.awsErr(t, da, "AccessDeniedException", "organizations", "create-organizational-unit", "--parent-id", root, "--name", "x")
	s.awsErr(t, da, "AccessDeniedException", "organizations", "register-delegated-administrator", "--account-id", da, "--service-principal", "ssm.amazonaws.com")

	r = s.aws(t, mgmt, "organizations", "deregister-delegated-administrator", "--account-id", da, "--service-principal", ssr)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("deregister: exit %d %s", r.code, r.stderr)
	}
	s.awsErr(t, da, "AccessDeniedException", "organizations", "list-accounts")
	s.awsErr(t, mgmt, "AccountNotRegisteredException", "organizations", "deregister-delegated-administrator", "--account-id", da, "--service-principal", ssr)
}

// TestDelegatedAdministratorRulesSDK asserts every rule with AWS's
// exception and reason.
func TestDelegatedAdministratorRulesSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, maxAccounts(20))
	ctx := context.Background()
	c := s.orgs(mgmt)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	var accts []string
	for i := 0; i < 5; i++ {
		accts = append(accts, sdkCreateAccount(t, c, fmt.Sprintf("d%d@example.com", i), fmt.Sprintf("d%d", i)))
	}
	register := func(account, principal string) error {
		_, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(account), ServicePrincipal: aws.String(principal)})
		return err
	}
	enable := func(principal string) {
		if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)}); err != nil {
			t.Fatal(err)
		}
	}
	enable("ssm.amazonaws.com")
	enable("cloudtrail.amazonaws.com")
	enable("ram.amazonaws.com")

	reason(t, register(mgmt, "ssm.amazonaws.com"), "ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")
	reason(t, register(accts[0], "auditmanager.amazonaws.com"), "ConstraintViolationException", "SERVICE_ACCESS_NOT_ENABLED")
	reason(t, register(accts[0], "nope.amazonaws.com"), "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	reason(t, register(accts[0], "ram.amazonaws.com"), "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	apiErr(t, register("123451234512", "ssm.amazonaws.com"), "AccountNotFoundException")
	_, err := s.orgs(accts[0]).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(accts[0]), ServicePrincipal: aws.String("ssm.amazonaws.com")})
	apiErr(t, err, "AccessDeniedException")
	_, err = s.orgs(standalone).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(accts[0]), ServicePrincipal: aws.String("ssm.amazonaws.com")})
	apiErr(t, err, "AWSOrganizationsNotInUseException")

	if err := register(accts[0], "ssm.amazonaws.com"); err != nil {
		t.Fatal(err)
	}
	apiErr(t, register(accts[0], "ssm.amazonaws.com"), "AccountAlreadyRegisteredException")
	reason(t, register(accts[1], "ssm.amazonaws.com"), "ConstraintViolationException", "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE")
	for _, a := range accts[:3] {
		if err := register(a, "cloudtrail.amazonaws.com"); err != nil {
			t.Fatal(err)
		}
	}
	reason(t, register(accts[3], "cloudtrail.amazonaws.com"), "ConstraintViolationException", "MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED")

	// A closed account cannot become a delegated administrator.
	if _, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(accts[4])}); err != nil {
		t.Fatal(err)
	}
	reason(t, register(accts[4], "cloudtrail.amazonaws.com"), "ConstraintViolationException", "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR")

	// A delegated administrator cannot be removed or closed.
	_, err = c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(accts[0])})
	reason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")
	_, err = c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(accts[0])})
	reason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")

	// Listing: every account once without a filter; pages; per-account services.
	all, err := c.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
	if err != nil || len(all.DelegatedAdministrators) != 3 {
		t.Fatalf("all delegated administrators: %+v %v", all, err)
	}
	p := organizations.NewListDelegatedAdministratorsPaginator(c, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("cloudtrail.amazonaws.com"), MaxResults: aws.Int32(2)})
	n, pages := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(out.DelegatedAdministrators)
	}
	if n != 3 || pages != 2 {
		t.Fatalf("%d CloudTrail admins in %d pages", n, pages)
	}
	svcs, err := c.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(accts[0])})
	if err != nil || len(svcs.DelegatedServices) != 2 {
		t.Fatalf("services of %s: %+v %v", accts[0], svcs, err)
	}
	_, err = c.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(accts[3])})
	apiErr(t, err, "AccountNotRegisteredException")
	_, err = c.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String("123451234512")})
	apiErr(t, err, "AccountNotFoundException")
	_, err = c.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("nope.amazonaws.com")})
	reason(t, err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")

	// Disabling trusted access keeps the delegated administrators (and their
	// read access); new ones need access again.
	if _, err := c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	kept, err := c.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("ssm.amazonaws.com")})
	if err != nil || len(kept.DelegatedAdministrators) != 1 || aws.ToString(kept.DelegatedAdministrators[0].Id) != accts[0] {
		t.Fatalf("after disabling: %+v %v", kept, err)
	}
	if _, err := c.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(accts[0]), ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	reason(t, register(accts[1], "ssm.amazonaws.com"), "ConstraintViolationException", "SERVICE_ACCESS_NOT_ENABLED")
	if _, err := s.orgs(accts[0]).ListAccounts(ctx, &organizations.ListAccountsInput{}); err != nil {
		t.Fatalf("still a CloudTrail delegated admin, yet: %v", err)
	}
}
