package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgstack/orgstack/internal/app"
)

func hasRole(t testing.TB, s *srv, account, role string) bool {
	t.Helper()
	_, err := s.iam(account).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(role)})
	if err == nil {
		return true
	}
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetRole %s in %s: %v", role, account, err)
	}
	return false
}

// deleteSLR deletes a service-linked role and waits for the task's end.
func deleteSLR(t testing.TB, s *srv, account, role string) *iam.GetServiceLinkedRoleDeletionStatusOutput {
	t.Helper()
	ctx := context.Background()
	c := s.iam(account)
	out, err := c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	var st *iam.GetServiceLinkedRoleDeletionStatusOutput
	eventually(t, "deletion of "+role, func() bool {
		st, err = c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: out.DeletionTaskId})
		if err != nil {
			t.Fatal(err)
		}
		return st.Status == iamtypes.DeletionTaskStatusTypeSucceeded || st.Status == iamtypes.DeletionTaskStatusTypeFailed
	})
	return st
}

// TestMemberServiceLinkedRolesSDK follows a service whose role lives in
// member accounts: created in every member when trusted access is enabled,
// in accounts that join later, never after disabling; deletable once the
// service lets go or the account leaves.
func TestMemberServiceLinkedRolesSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, clockControl)
	ctx := context.Background()
	c := s.orgs(mgmt)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	const principal, role = "config-multiaccountsetup.amazonaws.com", "AWSServiceRoleForConfigMultiAccountSetup"

	a := sdkCreateAccount(t, c, "a@example.com", "A")
	if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the member role in A", func() bool { return hasRole(t, s, a, role) })
	if hasRole(t, s, mgmt, role) {
		t.Fatal("a member-account role was created in the management account")
	}
	b := sdkCreateAccount(t, c, "b@example.com", "B")
	eventually(t, "the member role in B, which joined later", func() bool { return hasRole(t, s, b, role) })

	if st := deleteSLR(t, s, a, role); st.Status != iamtypes.DeletionTaskStatusTypeFailed || st.Reason == nil || len(st.Reason.RoleUsageList) != 1 {
		t.Fatalf("deleting a role in use: %+v", st)
	}
	if st := deleteSLR(t, s, a, "AWSServiceRoleForOrganizations"); st.Status != iamtypes.DeletionTaskStatusTypeFailed {
		t.Fatalf("AWSServiceRoleForOrganizations deleted in an all-features organization: %+v", st)
	}

	// An account that leaves may delete the role.
	s.admin(t, "POST", "/_orgstack/clock", `{"advance":"100h"}`)
	if _, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	if st := deleteSLR(t, s, b, role); st.Status != iamtypes.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("deleting the role of an account that left: %+v", st)
	}

	// After disabling, new accounts get no role and old roles may go.
	if _, err := c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)}); err != nil {
		t.Fatal(err)
	}
	d := sdkCreateAccount(t, c, "d@example.com", "D")
	if err := s.main.Jobs.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if hasRole(t, s, d, role) {
		t.Fatal("a role was created after trusted access was disabled")
	}
	if st := deleteSLR(t, s, a, role); st.Status != iamtypes.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("deleting after disabling: %+v", st)
	}
}

// TestTrustedAccessListingSDK: pagination, DateEnabled kept on
// re-enabling, disabling a service without access, and delegated
// administrators' read access.
func TestTrustedAccessListingSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	ctx := context.Background()
	c := s.orgs(mgmt)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	principals := []string{}
	for _, svc := range s.main.Catalogue.Services()[:23] {
		principals = append(principals, svc.Principal)
		if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(svc.Principal)}); err != nil {
			t.Fatalf("%s: %v", svc.Principal, err)
		}
	}
	first, err := c.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	if err != nil || len(first.EnabledServicePrincipals) != 20 || first.NextToken == nil {
		t.Fatalf("first page: %d %v", len(first.EnabledServicePrincipals), err)
	}
	seen := map[string]time.Time{}
	p := organizations.NewListAWSServiceAccessForOrganizationPaginator(c, &organizations.ListAWSServiceAccessForOrganizationInput{MaxResults: aws.Int32(10)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.EnabledServicePrincipals {
			seen[aws.ToString(e.ServicePrincipal)] = aws.ToTime(e.DateEnabled)
		}
	}
	if pages != 3 || len(seen) != len(principals) {
		t.Fatalf("%d pages, %d principals", pages, len(seen))
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principals[0])}); err != nil {
		t.Fatal(err)
	}
	again, _ := c.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for _, e := range again.EnabledServicePrincipals {
		if aws.ToString(e.ServicePrincipal) == principals[0] && !aws.ToTime(e.DateEnabled).Equal(seen[principals[0]]) {
			t.Fatalf("re-enabling moved DateEnabled from %v to %v", seen[principals[0]], aws.ToTime(e.DateEnabled))
		}
	}
	last := s.main.Catalogue.Services()[30].Principal
	if _, err := c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(last)}); err != nil {
		t.Fatalf("disabling a service without access: %v", err)
	}
	_, err = c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("bogus.amazonaws.com")})
	reason(t, err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	_, err = c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("has space")})
	reason(t, err, "InvalidInputException", "INVALID_PATTERN")
}

// TestServiceRoleProvisioningSurvivesRestart: a trusted service that had
// not yet created its role when the server stopped creates it after the
// restart.
func TestServiceRoleProvisioningSurvivesRestart(t *testing.T) {
	t.Parallel()
	s := start(t, func(c *app.Config) { c.ServiceRoleDelay = 400 * time.Millisecond })
	ctx := context.Background()
	newOrg(t, s, types.OrganizationFeatureSetAll)
	if _, err := s.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("auditmanager.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if hasRole(t, s, mgmt, "AWSServiceRoleForAuditManager") {
		t.Fatal("the role came before the configured delay")
	}
	s = s.restart(t)
	eventually(t, "the role after the restart", func() bool { return hasRole(t, s, mgmt, "AWSServiceRoleForAuditManager") })
}

// TestTrustedServicesView checks orgstack's own view, through the admin
// endpoint and the trusted-services command.
func TestTrustedServicesView(t *testing.T) {
	t.Parallel()
	ext := filepath.Join(t.TempDir(), "extra.json")
	if err := os.WriteFile(ext, []byte(`{"services":[{"principal":"reports.example.amazonaws.com","name":"Example Reports",
		"serviceLinkedRoles":[{"roleName":"AWSServiceRoleForExampleReports","servicePrincipal":"reports.example.amazonaws.com","createdIn":"management"}],
		"delegatedAdministrator":{"max":2},"enable":"service-or-organizations","disable":"organizations-only","sources":["choice"]}],
		"serviceLinkedRoles":[{"servicePrincipal":"reports.example.amazonaws.com","roleName":"AWSServiceRoleForExampleReports",
		"policyArn":"arn:aws:iam::aws:policy/aws-service-role/ExampleReportsPolicy","description":"Example","sources":["choice"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, inMemory, func(c *app.Config) { c.TrustedServicesFile = ext })
	ctx := context.Background()
	org, _ := newOrg(t, s, types.OrganizationFeatureSetAll)
	c := s.orgs(mgmt)
	member := sdkCreateAccount(t, c, "v@example.com", "V")
	for _, p := range []string{"reports.example.amazonaws.com", "guardduty.amazonaws.com"} {
		if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(p)}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	eventually(t, "the extension's role", func() bool { return hasRole(t, s, mgmt, "AWSServiceRoleForExampleReports") })
	if err := s.main.Jobs.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	code, v := s.admin(t, "GET", "/_orgstack/organizations/"+aws.ToString(org.Id)+"/trusted-services", "")
	if code != 200 {
		t.Fatalf("view: %d %v", code, v)
	}
	var guard map[string]any
	for _, svc := range v["services"].([]any) {
		if str(svc, "principal") == "guardduty.amazonaws.com" {
			guard = svc.(map[string]any)
		}
	}
	if guard == nil || guard["trustedAccess"] != "ENABLED" {
		t.Fatalf("GuardDuty in the view: %v", guard)
	}
	accounts := list(list(guard, "serviceLinkedRoles")[0], "accounts")
	if len(accounts) != 2 {
		t.Fatalf("GuardDuty's role in %d accounts, want the management account and the member: %v", len(accounts), accounts)
	}
	for _, a := range accounts {
		if str(a, "status") != "PRESENT" || (str(a, "accountId") != mgmt && str(a, "accountId") != member) {
			t.Fatalf("role status %v", a)
		}
	}
	code, _ = s.admin(t, "GET", "/_orgstack/organizations/o-doesnotexist/trusted-services", "")
	if code != 404 {
		t.Fatalf("unknown organization: %d", code)
	}

	cmd := exec.Command(orgstackBinary(t), "trusted-services", "--endpoint", s.endpoint)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("trusted-services: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Example Reports", "reports.example.amazonaws.com", "ENABLED", "AWSServiceRoleForExampleReports: 1 present, 0 pending"} {
		if !strings.Contains(text, want) {
			t.Fatalf("trusted-services output lacks %q:\n%s", want, text)
		}
	}
	raw, err := exec.Command(orgstackBinary(t), "trusted-services", "--endpoint", s.endpoint, "--json").Output()
	if err != nil || !json.Valid(raw) {
		t.Fatalf("--json: %v %s", err, raw)
	}
}
