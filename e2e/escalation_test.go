package e2e

// Escalation attempts in enforce mode: each test tries to reach, by a side
// door, something the caller may not do, asserts the exact refusal AWS
// gives, and reads the state back with an allowed caller to show that
// nothing changed.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

const (
	allowAll       = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	noPermissions  = "You don't have permissions to access this resource."
	notInUse       = "Your account is not a member of an organization."
	escalationSCP  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	escalationMail = "@escalation.example.com"
)

// keyConfig is an SDK configuration signing with a key pair (and a
// session token for temporary credentials).
func (s *srv) keyConfig(key, secret, token string) aws.Config {
	cfg := s.sdkConfig(mgmt, "us-east-1")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, token)
	return cfg
}

// wantRefused asserts err is the AWS error code with message msg ("" leaves
// the message unchecked).
func wantRefused(t testing.TB, err error, code, msg string) {
	t.Helper()
	ae := apiErr(t, err, code)
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("%s: message %q, want %q", code, ae.ErrorMessage(), msg)
	}
}

// orgState is what the management account reads of an organization: its
// accounts, OUs, policies and their targets, trusted services, delegated
// administrators, account-creation requests and delegation policy. Two
// equal states mean no refused call changed anything.
func orgState(t testing.TB, s *srv, manager string) string {
	t.Helper()
	ctx := context.Background()
	c := s.orgs(manager)
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	accounts, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts.Accounts {
		add("account %s %s %s", aws.ToString(a.Id), a.State, aws.ToString(a.Name))
		parents, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: a.Id})
		if err != nil {
			t.Fatal(err)
		}
		add("parent %s %s", aws.ToString(a.Id), aws.ToString(parents.Parents[0].Id))
		for _, typ := range []types.PolicyType{types.PolicyTypeServiceControlPolicy, types.PolicyTypeTagPolicy} {
			ps, err := c.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: a.Id, Filter: typ})
			if err == nil {
				for _, p := range ps.Policies {
					add("attached %s %s", aws.ToString(p.Id), aws.ToString(a.Id))
				}
			}
		}
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roots.Roots {
		for _, pt := range r.PolicyTypes {
			add("policy type %s %s", pt.Type, pt.Status)
		}
		ous, err := c.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: r.Id})
		if err != nil {
			t.Fatal(err)
		}
		for _, ou := range ous.OrganizationalUnits {
			add("ou %s %s", aws.ToString(ou.Id), aws.ToString(ou.Name))
		}
	}
	for _, typ := range []types.PolicyType{types.PolicyTypeServiceControlPolicy, types.PolicyTypeTagPolicy} {
		ps, err := c.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: typ})
		if err != nil {
			continue
		}
		for _, p := range ps.Policies {
			d, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: p.Id})
			if err != nil {
				t.Fatal(err)
			}
			add("policy %s %s %s", aws.ToString(p.Id), aws.ToString(p.Name), aws.ToString(d.Policy.Content))
			tags, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: p.Id})
			if err != nil {
				t.Fatal(err)
			}
			add("policy tags %s %d", aws.ToString(p.Id), len(tags.Tags))
		}
	}
	services, err := c.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sv := range services.EnabledServicePrincipals {
		add("trusted %s", aws.ToString(sv.ServicePrincipal))
	}
	admins, err := c.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range admins.DelegatedAdministrators {
		svcs, err := c.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: a.Id})
		if err != nil {
			t.Fatal(err)
		}
		for _, sv := range svcs.DelegatedServices {
			add("delegated %s %s", aws.ToString(a.Id), aws.ToString(sv.ServicePrincipal))
		}
	}
	creations, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	if err != nil {
		t.Fatal(err)
	}
	add("account requests %d", len(creations.CreateAccountStatuses))
	if rp, err := c.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{}); err == nil {
		add("delegation policy %s", aws.ToString(rp.ResourcePolicy.Content))
	}
	handshakes, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	add("handshakes %d", len(handshakes.Handshakes))
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// unchanged fails the test when the organization's state differs from before.
func unchanged(t testing.TB, s *srv, manager, before string) {
	t.Helper()
	if after := orgState(t, s, manager); after != before {
		t.Fatalf("a refused call changed the organization:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// orgCall is one Organizations call an escalating caller tries.
type orgCall struct {
	name string
	call func(ctx context.Context, c *organizations.Client) error
}

// managementOnly are the management account's operations, aimed at the
// organization of the given accounts, OU and policy.
func managementOnly(root, ou, self, other, scp string) []orgCall {
	s := aws.String
	return []orgCall{
		{"CreateAccount", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("new" + escalationMail), AccountName: s("New")})
			return err
		}},
		{"CreateOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: s(root), Name: s("Escape")})
			return err
		}},
		{"UpdateOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: s(ou), Name: s("Renamed")})
			return err
		}},
		{"DeleteOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: s(ou)})
			return err
		}},
		{"MoveAccount", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: s(self), SourceParentId: s(root), DestinationParentId: s(ou)})
			return err
		}},
		{"EnableAWSServiceAccess", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: s("auditmanager.amazonaws.com")})
			return err
		}},
		{"DisableAWSServiceAccess", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: s("ssm.amazonaws.com")})
			return err
		}},
		{"RegisterDelegatedAdministrator", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: s(other), ServicePrincipal: s("ssm.amazonaws.com")})
			return err
		}},
		{"AttachPolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: s(scp), TargetId: s(self)})
			return err
		}},
		{"DetachPolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: s("p-FullAWSAccess"), TargetId: s(self)})
			return err
		}},
		{"CreatePolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("Mine"), Description: s("d"), Type: types.PolicyTypeServiceControlPolicy, Content: s(escalationSCP)})
			return err
		}},
		{"UpdatePolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: s(scp), Content: s(allowAll)})
			return err
		}},
		{"DeletePolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: s(scp)})
			return err
		}},
		{"TagResource", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: s(scp), Tags: []types.Tag{{Key: s("owner"), Value: s("me")}}})
			return err
		}},
		{"EnablePolicyType", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: s(root), PolicyType: types.PolicyTypeTagPolicy})
			return err
		}},
		{"DisablePolicyType", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: s(root), PolicyType: types.PolicyTypeServiceControlPolicy})
			return err
		}},
		{"PutResourcePolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: s(delegationPolicy(self, `"organizations:CreatePolicy","organizations:AttachPolicy"`, ""))})
			return err
		}},
		{"DeleteResourcePolicy", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{})
			return err
		}},
		{"InviteAccountToOrganization", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &types.HandshakeParty{Id: s(standalone), Type: types.HandshakePartyTypeAccount}})
			return err
		}},
		{"RemoveAccountFromOrganization", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: s(other)})
			return err
		}},
		{"CloseAccount", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: s(other)})
			return err
		}},
		{"DeleteOrganization", func(ctx context.Context, c *organizations.Client) error {
			_, err := c.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
			return err
		}},
	}
}

// escalationOrg builds an organization with all features: two created
// members, an OU "Workloads", an SCP "Loose" attached nowhere and trusted
// access for Systems Manager. It returns the root, OU and SCP ids and the
// two members.
func escalationOrg(t testing.TB, s *srv) (root, ou, scp, member, other string) {
	t.Helper()
	ctx := context.Background()
	c := s.orgs(mgmt)
	_, root = newOrg(t, s, types.OrganizationFeatureSetAll)
	member = sdkCreateAccount(t, c, "member"+escalationMail, "Member")
	other = sdkCreateAccount(t, c, "other"+escalationMail, "Other")
	o, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Workloads")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("Loose"), Description: aws.String("d"),
		Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(escalationSCP)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	return root, aws.ToString(o.OrganizationalUnit.Id), aws.ToString(p.Policy.PolicySummary.Id), member, other
}

// TestEscalationMemberManagementOnly (a): a member account — its root user,
// or an IAM user of it allowed "*" — calling the management account's
// operations gets AccessDeniedException; a standalone account gets
// AWSOrganizationsNotInUseException. Nothing changes.
func TestEscalationMemberManagementOnly(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	root, ou, scp, member, other := escalationOrg(t, s)
	key, secret := userKeys(t, s, member, "admin", allowAll)
	admin := organizations.NewFromConfig(s.keyConfig(key, secret, ""))
	before := orgState(t, s, mgmt)
	t.Run("refused", func(t *testing.T) {
		for _, who := range []struct {
			name string
			c    *organizations.Client
		}{{"root", s.orgs(member)}, {"admin", admin}} {
			for _, call := range managementOnly(root, ou, member, other, scp) {
				t.Run(who.name+"/"+call.name, func(t *testing.T) {
					t.Parallel()
					wantRefused(t, call.call(context.Background(), who.c), "AccessDeniedException", noPermissions)
				})
			}
			t.Run(who.name+"/ListAccounts", func(t *testing.T) {
				t.Parallel()
				_, err := who.c.ListAccounts(context.Background(), &organizations.ListAccountsInput{})
				wantRefused(t, err, "AccessDeniedException", noPermissions)
			})
		}
		// A standalone account's root user is in no organization.
		for _, call := range managementOnly(root, ou, standalone, other, scp) {
			if call.name == "InviteAccountToOrganization" || call.name == "CloseAccount" {
				continue // its own target, or not asked of an organization
			}
			t.Run("standalone/"+call.name, func(t *testing.T) {
				t.Parallel()
				wantRefused(t, call.call(context.Background(), s.orgs(standalone)), "AWSOrganizationsNotInUseException", notInUse)
			})
		}
	})
	unchanged(t, s, mgmt, before)
}

// TestEscalationDelegatedAdminBeyondDelegation (b): a delegated
// administrator of Systems Manager, named by a delegation policy that
// grants it DescribeOrganizationalUnit and ListAccounts only, reads what it
// is granted and is refused every write — policy management included —
// whether it signs as its root user or as an IAM user allowed "*".
func TestEscalationDelegatedAdminBeyondDelegation(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	root, ou, scp, delegate, other := escalationOrg(t, s)
	c := s.orgs(mgmt)
	if _, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(delegate), ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{
		Content: aws.String(delegationPolicy(delegate, `"organizations:DescribeOrganizationalUnit","organizations:ListAccounts"`, ""))}); err != nil {
		t.Fatal(err)
	}
	key, secret := userKeys(t, s, delegate, "admin", allowAll)
	admin := organizations.NewFromConfig(s.keyConfig(key, secret, ""))
	// What it is granted works.
	for _, d := range []*organizations.Client{s.orgs(delegate), admin} {
		if _, err := d.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(ou)}); err != nil {
			t.Fatalf("a granted read: %v", err)
		}
		if _, err := d.ListAccounts(ctx, &organizations.ListAccountsInput{}); err != nil {
			t.Fatalf("a granted read: %v", err)
		}
	}
	before := orgState(t, s, mgmt)
	t.Run("refused", func(t *testing.T) {
		for _, who := range []struct {
			name string
			c    *organizations.Client
		}{{"root", s.orgs(delegate)}, {"admin", admin}} {
			for _, call := range managementOnly(root, ou, delegate, other, scp) {
				t.Run(who.name+"/"+call.name, func(t *testing.T) {
					t.Parallel()
					wantRefused(t, call.call(context.Background(), who.c), "AccessDeniedException", noPermissions)
				})
			}
			t.Run(who.name+"/DeregisterItself", func(t *testing.T) {
				t.Parallel()
				_, err := who.c.DeregisterDelegatedAdministrator(context.Background(), &organizations.DeregisterDelegatedAdministratorInput{
					AccountId: aws.String(delegate), ServicePrincipal: aws.String("ssm.amazonaws.com")})
				wantRefused(t, err, "AccessDeniedException", noPermissions)
			})
		}
	})
	unchanged(t, s, mgmt, before)
}

// TestEscalationSelfRegistration (c): a member registering itself as
// delegated administrator — of a service with trusted access, as a plain
// member or as the delegated administrator of another service — is
// refused, and the delegation policy cannot grant it the right.
func TestEscalationSelfRegistration(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	_, _, _, member, delegate := escalationOrg(t, s)
	c := s.orgs(mgmt)
	if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(delegate), ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	key, secret := userKeys(t, s, member, "admin", allowAll)
	admin := organizations.NewFromConfig(s.keyConfig(key, secret, ""))
	before := orgState(t, s, mgmt)
	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name, account, service string
			c                      *organizations.Client
		}{
			{"member root", member, "ssm.amazonaws.com", s.orgs(member)},
			{"member admin user", member, "ssm.amazonaws.com", admin},
			{"member root, another service", member, "config.amazonaws.com", s.orgs(member)},
			{"delegated administrator, another service", delegate, "config.amazonaws.com", s.orgs(delegate)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				_, err := tc.c.RegisterDelegatedAdministrator(context.Background(), &organizations.RegisterDelegatedAdministratorInput{
					AccountId: aws.String(tc.account), ServicePrincipal: aws.String(tc.service)})
				wantRefused(t, err, "AccessDeniedException", noPermissions)
			})
		}
		t.Run("through the delegation policy", func(t *testing.T) {
			t.Parallel()
			_, err := c.PutResourcePolicy(context.Background(), &organizations.PutResourcePolicyInput{
				Content: aws.String(delegationPolicy(member, `"organizations:RegisterDelegatedAdministrator"`, ""))})
			reason(t, err, "InvalidInputException", "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
		})
	})
	unchanged(t, s, mgmt, before)
	_, err := c.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(member)})
	wantRefused(t, err, "AccountNotRegisteredException", "")
}
