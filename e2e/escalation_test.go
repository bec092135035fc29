package e2e

// Escalation attempts in enforce mode: each test tries to reach, by a side
// door, something the caller may not do, asserts the exact refusal AWS
// gives, and reads the state back with an allowed caller to show that
// nothing changed.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orgstack/orgstack/internal/sigv4"
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

const orgB = "888888888888" // the management account of another organization

// assumeAs runs AssumeRole with the given SDK configuration.
func assumeAs(cfg aws.Config, roleARN, session, externalID string, seconds int32) (*sts.AssumeRoleOutput, error) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)}
	if externalID != "" {
		in.ExternalId = aws.String(externalID)
	}
	if seconds != 0 {
		in.DurationSeconds = aws.Int32(seconds)
	}
	return sts.NewFromConfig(cfg).AssumeRole(context.Background(), in)
}

// sessionConfig is an SDK configuration signing with a session's credentials.
func (s *srv) sessionConfig(out *sts.AssumeRoleOutput) aws.Config {
	c := out.Credentials
	return s.keyConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func (s *srv) createRole(t testing.TB, account, name, trust, policyDoc string) string {
	t.Helper()
	ctx := context.Background()
	out, err := s.iam(account).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if policyDoc != "" {
		if _, err := s.iam(account).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policyDoc)}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

func trustPolicy(principal, condition string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":` + principal + `},"Action":"sts:AssumeRole"` + condition + `}]}`
}

// TestEscalationAssumeRoleTrust (d): AssumeRole of a role whose trust
// policy does not admit the caller — another account, another principal of
// the same account, a caller outside the organization the policy names
// with aws:PrincipalOrgID, a missing or wrong sts:ExternalId — or by a
// caller whose own policies do not allow sts:AssumeRole, is AccessDenied.
func TestEscalationAssumeRoleTrust(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	org, _ := newOrg(t, s, types.OrganizationFeatureSetAll)
	member := sdkCreateAccount(t, s.orgs(mgmt), "member"+escalationMail, "Member")
	if _, err := s.orgs(orgB).CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	onlyMgmt := s.createRole(t, mgmt, "OnlyManagement", trustPolicy(`"arn:aws:iam::`+mgmt+`:root"`, ""), allowAll)
	onlyDeployer := s.createRole(t, mgmt, "OnlyDeployer", trustPolicy(`"arn:aws:iam::`+member+`:user/deployer"`, ""), allowAll)
	orgOnly := s.createRole(t, mgmt, "OrgOnly", trustPolicy(`"*"`,
		`,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"`+aws.ToString(org.Id)+`"}}`), allowAll)
	partner := s.createRole(t, mgmt, "Partner", trustPolicy(`"arn:aws:iam::`+standalone+`:root"`,
		`,"Condition":{"StringEquals":{"sts:ExternalId":"partner-7"}}`), allowAll)
	memberTrusted := s.createRole(t, mgmt, "MemberTrusted", trustPolicy(`"arn:aws:iam::`+member+`:root"`, ""), allowAll)
	assumeOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	dk, ds := userKeys(t, s, member, "deployer", assumeOnly)
	ik, is := userKeys(t, s, member, "intruder", allowAll)
	nk, ns := userKeys(t, s, member, "noperm", "")
	cfg := func(account string) aws.Config { return s.sdkConfig(account, "us-east-1") }

	denied := func(who, role string) string {
		return "User: " + who + " is not authorized to perform: sts:AssumeRole on resource: " + role
	}
	for _, tc := range []struct {
		name, role, external, msg string
		cfg                       aws.Config
	}{
		{"another account", onlyMgmt, "", denied("arn:aws:iam::"+member+":root", onlyMgmt), cfg(member)},
		{"another organization's management account", onlyMgmt, "", denied("arn:aws:iam::"+orgB+":root", onlyMgmt), cfg(orgB)},
		{"another principal of the account", onlyDeployer, "", denied("arn:aws:iam::"+member+":user/intruder", onlyDeployer), s.keyConfig(ik, is, "")},
		{"the account's root, not the user named", onlyDeployer, "", denied("arn:aws:iam::"+member+":root", onlyDeployer), cfg(member)},
		{"aws:PrincipalOrgID of another organization", orgOnly, "", denied("arn:aws:iam::"+orgB+":root", orgOnly), cfg(orgB)},
		{"aws:PrincipalOrgID of no organization", orgOnly, "", denied("arn:aws:iam::"+standalone+":root", orgOnly), cfg(standalone)},
		{"no sts:ExternalId", partner, "", denied("arn:aws:iam::"+standalone+":root", partner), cfg(standalone)},
		{"a wrong sts:ExternalId", partner, "partner-8", denied("arn:aws:iam::"+standalone+":root", partner), cfg(standalone)},
		{"the right sts:ExternalId, another account", partner, "partner-7", denied("arn:aws:iam::"+orgB+":root", partner), cfg(orgB)},
		{"no identity policy allows it", memberTrusted, "", denied("arn:aws:iam::"+member+":user/noperm", memberTrusted) +
			" because no identity-based policy allows the sts:AssumeRole action", s.keyConfig(nk, ns, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := assumeAs(tc.cfg, tc.role, "escalate", tc.external, 0)
			wantRefused(t, err, "AccessDenied", tc.msg)
			if out != nil {
				t.Fatalf("credentials issued: %+v", out)
			}
		})
	}
	// The callers the policies name are admitted.
	for _, ok := range []struct {
		name, role, external string
		cfg                  aws.Config
	}{
		{"the named user", onlyDeployer, "", s.keyConfig(dk, ds, "")},
		{"a member of the organization", orgOnly, "", cfg(member)},
		{"the management account", orgOnly, "", cfg(mgmt)},
		{"the partner with its external id", partner, "partner-7", cfg(standalone)},
	} {
		if _, err := assumeAs(ok.cfg, ok.role, "allowed", ok.external, 0); err != nil {
			t.Fatalf("%s: %v", ok.name, err)
		}
	}
}

// TestEscalationExpiredAndRevokedSessions (e): a session past its expiry
// (orgstack's clock moved forward) gets ExpiredToken; a session issued
// before IAM's "revoke active sessions" policy (deny everything with
// DateLessThan aws:TokenIssueTime) is refused while newer sessions work;
// a session of a deleted role is refused, even once a role of the same
// name exists again.
func TestEscalationExpiredAndRevokedSessions(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce, clockControl)
	ctx := context.Background()
	root := s.iam(mgmt)
	trust := trustPolicy(`"arn:aws:iam::`+mgmt+`:root"`, "")
	ops := s.createRole(t, mgmt, "Ops", trust, allowAll)
	temp := s.createRole(t, mgmt, "Temp", trust, allowAll)
	advance := func(d string) string {
		code, out := s.admin(t, "POST", "/_orgstack/clock", `{"advance":"`+d+`"}`)
		if code != 200 {
			t.Fatalf("moving the clock: %d %v", code, out)
		}
		return str(out, "now")
	}
	session := func(role, name string) aws.Config {
		out, err := assumeAs(s.sdkConfig(mgmt, "us-east-1"), role, name, "", 900)
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.sessionConfig(out)
		if _, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
			t.Fatalf("a fresh session of %s: %v", role, err)
		}
		return cfg
	}
	noUser := func(name string) {
		t.Helper()
		_, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
		wantRefused(t, err, "NoSuchEntity", "The user with name "+name+" cannot be found.")
	}

	// Revoked: the role gets AWSRevokeOlderSessions.
	old := session(ops, "old")
	revokedAt := advance("2s")
	revoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],` +
		`"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + revokedAt + `"}}}]}`
	if _, err := root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Ops"), PolicyName: aws.String("AWSRevokeOlderSessions"), PolicyDocument: aws.String(revoke)}); err != nil {
		t.Fatal(err)
	}
	_, err := iam.NewFromConfig(old).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sneaky")})
	wantRefused(t, err, "AccessDenied", "User: arn:aws:sts::"+mgmt+":assumed-role/Ops/old is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+mgmt+":user/sneaky with an explicit deny in an identity-based policy")
	_, err = organizations.NewFromConfig(old).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantRefused(t, err, "AccessDeniedException", "User: arn:aws:sts::"+mgmt+":assumed-role/Ops/old is not authorized to perform: organizations:DescribeOrganization with an explicit deny in an identity-based policy")
	advance("2s")
	fresh := session(ops, "fresh")
	noUser("sneaky")

	// Deleted: the role goes, and comes back under the same name.
	gone := session(temp, "gone")
	if _, err := root.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("Temp"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Temp")}); err != nil {
		t.Fatal(err)
	}
	for _, when := range []string{"deleted", "recreated"} {
		_, err = iam.NewFromConfig(gone).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ghost")})
		wantRefused(t, err, "AccessDenied", "User: arn:aws:sts::"+mgmt+":assumed-role/Temp/gone is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+mgmt+":user/ghost because no identity-based policy allows the iam:CreateUser action")
		if when == "deleted" {
			s.createRole(t, mgmt, "Temp", trust, allowAll)
		}
	}
	noUser("ghost")

	// Expired: 900 seconds later.
	advance("16m")
	_, err = iam.NewFromConfig(fresh).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("late")})
	wantRefused(t, err, "ExpiredToken", "The security token included in the request is expired")
	_, err = organizations.NewFromConfig(fresh).CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	wantRefused(t, err, "ExpiredTokenException", "The security token included in the request is expired")
	_, err = sts.NewFromConfig(fresh).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(ops), RoleSessionName: aws.String("chain")})
	wantRefused(t, err, "ExpiredToken", "The security token included in the request is expired")
	noUser("late")
	if _, err := s.orgs(mgmt).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err == nil {
		t.Fatal("the expired session created an organization")
	}
}

// signedRequest is a raw request signed as account at the given time.
func (s *srv) signedRequest(t testing.TB, service, target, contentType, body, account string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", s.endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sigv4.Sign(req, []byte(body), account, testSecret, "", "us-east-1", service, at)
	return req
}

// send sends a request and returns its status and body.
func send(t testing.TB, req *http.Request, body string) (int, string) {
	t.Helper()
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var expiredRE = regexp.MustCompile(`^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$`)

// TestEscalationReplayAndTamper (f): a signed request replayed after
// AWS's 15-minute window is refused as "Signature expired"; a signed
// request whose body, operation or credentials were changed after signing
// is refused as a signature mismatch. Nothing happens.
func TestEscalationReplayAndTamper(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)
	before := orgState(t, s, mgmt)
	stale := time.Now().Add(-16 * time.Minute)
	s.createRole(t, mgmt, "Tamper", trustPolicy(`"arn:aws:iam::`+mgmt+`:root"`, ""), allowAll)

	victimKey, _ := userKeys(t, s, mgmt, "victim", allowAll)
	t.Run("refused", func(t *testing.T) { escalationReplayAndTamper(t, s, root, victimKey, stale) })
	unchanged(t, s, mgmt, before)
	users, err := s.iam(mgmt).ListUsers(context.Background(), &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 1 || aws.ToString(users.Users[0].UserName) != "victim" {
		t.Fatalf("users after refused calls: %+v %v", users, err)
	}
}

func escalationReplayAndTamper(t *testing.T, s *srv, root, victimKey string, stale time.Time) {
	const jsonType = "application/x-amz-json-1.1"
	const formType = "application/x-www-form-urlencoded; charset=utf-8"
	createOU := func(name string) string { return `{"ParentId":"` + root + `","Name":"` + name + `"}` }
	mismatch := "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	t.Run("replayed Organizations call", func(t *testing.T) {
		t.Parallel()
		req := s.signedRequest(t, "organizations", "AWSOrganizationsV20161128.CreateOrganizationalUnit", jsonType, createOU("Replayed"), mgmt, stale)
		code, body := send(t, req, createOU("Replayed"))
		e := decode(t, body)
		if code != 400 || e["__type"] != "InvalidSignatureException" || !expiredRE.MatchString(str(e, "message")+str(e, "Message")) {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("replayed IAM call", func(t *testing.T) {
		t.Parallel()
		form := "Action=CreateUser&Version=2010-05-08&UserName=replayed"
		code, body := send(t, s.signedRequest(t, "iam", "", formType, form, mgmt, stale), form)
		if code != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") || !regexp.MustCompile(`<Message>Signature expired: [^<]* - 15 min\.\)</Message>`).MatchString(body) {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		t.Parallel()
		req := s.signedRequest(t, "organizations", "AWSOrganizationsV20161128.CreateOrganizationalUnit", jsonType, createOU("Signed"), mgmt, time.Now())
		code, body := send(t, req, createOU("Forged"))
		if e := decode(t, body); code != 400 || e["__type"] != "InvalidSignatureException" || str(e, "message")+str(e, "Message") != mismatch {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("tampered operation", func(t *testing.T) {
		t.Parallel()
		req := s.signedRequest(t, "organizations", "AWSOrganizationsV20161128.DescribeOrganization", jsonType, "{}", mgmt, time.Now())
		req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.DeleteOrganization")
		code, body := send(t, req, "{}")
		if e := decode(t, body); code != 400 || e["__type"] != "InvalidSignatureException" || str(e, "message")+str(e, "Message") != mismatch {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("tampered IAM parameters", func(t *testing.T) {
		t.Parallel()
		form := "Action=ListUsers&Version=2010-05-08"
		req := s.signedRequest(t, "iam", "", formType, form, mgmt, time.Now())
		forged := "Action=CreateUser&Version=2010-05-08&UserName=forged"
		code, body := send(t, req, forged)
		if code != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(body, "<Message>"+mismatch) {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("another principal's key id on a signature", func(t *testing.T) {
		t.Parallel()
		req := s.signedRequest(t, "organizations", "AWSOrganizationsV20161128.DescribeOrganization", jsonType, "{}", standalone, time.Now())
		req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Credential="+standalone, "Credential="+victimKey, 1))
		code, body := send(t, req, "{}")
		if e := decode(t, body); code != 400 || e["__type"] != "InvalidSignatureException" {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("a forged session token", func(t *testing.T) {
		t.Parallel()
		out, err := assumeAs(s.sdkConfig(mgmt, "us-east-1"), "arn:aws:iam::"+mgmt+":role/Missing", "missing", "", 0)
		wantRefused(t, err, "AccessDenied", "")
		if out != nil {
			t.Fatal("credentials for a missing role")
		}
		cfg := s.keyConfig("ASIAFORGEDFORGEDFORG", "secret", "IQoJb3JpZ2luX2VjEforged")
		_, err = organizations.NewFromConfig(cfg).CreateOrganizationalUnit(context.Background(), &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Token")})
		wantRefused(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	})
	t.Run("a real session with another token", func(t *testing.T) {
		t.Parallel()
		a, err := assumeAs(s.sdkConfig(mgmt, "us-east-1"), "arn:aws:iam::"+mgmt+":role/Tamper", "first", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := assumeAs(s.sdkConfig(mgmt, "us-east-1"), "arn:aws:iam::"+mgmt+":role/Tamper", "second", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		c := a.Credentials
		cfg := s.keyConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(b.Credentials.SessionToken))
		_, err = iam.NewFromConfig(cfg).CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("forged")})
		wantRefused(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	})
}

// TestEscalationServiceLinkedRoles (g): nobody — the account's root user,
// or a member's OrganizationAccountAccessRole session with
// AdministratorAccess — may change, delete or assume a service-linked
// role: UnmodifiableEntity with IAM's protected-role message, AccessDenied
// for AssumeRole. The role reads back unchanged.
func TestEscalationServiceLinkedRoles(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	newOrg(t, s, types.OrganizationFeatureSetAll)
	member := sdkCreateAccount(t, s.orgs(mgmt), "member"+escalationMail, "Member")
	out, err := assumeAs(s.sdkConfig(mgmt, "us-east-1"), "arn:aws:iam::"+member+":role/OrganizationAccountAccessRole", "ops", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	const slr = "AWSServiceRoleForOrganizations"
	read := func() string {
		r, err := s.iam(member).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(slr)})
		if err != nil {
			t.Fatal(err)
		}
		inline, err := s.iam(member).ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(slr)})
		if err != nil {
			t.Fatal(err)
		}
		attached, err := s.iam(member).ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(slr)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range attached.AttachedPolicies {
			names = append(names, aws.ToString(p.PolicyArn))
		}
		return fmt.Sprintf("%s %s %d %v %v %v", aws.ToString(r.Role.Arn), aws.ToString(r.Role.AssumeRolePolicyDocument), aws.ToInt32(r.Role.MaxSessionDuration),
			r.Role.PermissionsBoundary, inline.PolicyNames, names)
	}
	before := read()
	protected := "Cannot perform the operation on the protected role '" + slr + "' - this role is only modifiable by AWS"
	n := aws.String(slr)
	changes := []struct {
		name string
		call func(c *iam.Client) error
	}{
		{"UpdateRole", func(c *iam.Client) error {
			_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: n, MaxSessionDuration: aws.Int32(43200)})
			return err
		}},
		{"UpdateAssumeRolePolicy", func(c *iam.Client) error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: n, PolicyDocument: aws.String(trustPolicy(`"arn:aws:iam::`+member+`:root"`, ""))})
			return err
		}},
		{"PutRolePolicy", func(c *iam.Client) error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: n, PolicyName: aws.String("more"), PolicyDocument: aws.String(allowAll)})
			return err
		}},
		{"DeleteRolePolicy", func(c *iam.Client) error {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: n, PolicyName: aws.String("more")})
			return err
		}},
		{"AttachRolePolicy", func(c *iam.Client) error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: n, PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		}},
		{"DetachRolePolicy", func(c *iam.Client) error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: n, PolicyArn: aws.String("arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy")})
			return err
		}},
		{"PutRolePermissionsBoundary", func(c *iam.Client) error {
			_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: n, PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		}},
		{"DeleteRole", func(c *iam.Client) error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: n})
			return err
		}},
	}
	t.Run("refused", func(t *testing.T) {
		for _, who := range []struct {
			name string
			c    *iam.Client
		}{{"root", s.iam(member)}, {"admin session", iam.NewFromConfig(s.sessionConfig(out))}} {
			for _, ch := range changes {
				t.Run(who.name+"/"+ch.name, func(t *testing.T) {
					t.Parallel()
					wantRefused(t, ch.call(who.c), "UnmodifiableEntity", protected)
				})
			}
		}
		for _, account := range []string{member, mgmt} {
			t.Run("AssumeRole as "+account, func(t *testing.T) {
				t.Parallel()
				arn := "arn:aws:iam::" + member + ":role/aws-service-role/organizations.amazonaws.com/" + slr
				out, err := assumeAs(s.sdkConfig(account, "us-east-1"), arn, "escalate", "", 0)
				wantRefused(t, err, "AccessDenied", "User: arn:aws:iam::"+account+":root is not authorized to perform: sts:AssumeRole on resource: "+arn)
				if out != nil {
					t.Fatal("credentials issued")
				}
			})
		}
	})
	if after := read(); after != before {
		t.Fatalf("the service-linked role changed:\nbefore %s\nafter  %s", before, after)
	}
}

// TestEscalationSCPThroughRole (h): a user of an account in an OU whose SCP
// denies iam:CreateUser and iam:CreateAccessKey cannot reach them through
// a role of the same account with AdministratorAccess: the SCP applies to
// the role session too. Nor may it detach the SCP or leave.
func TestEscalationSCPThroughRole(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	root, ou, _, restricted, _ := escalationOrg(t, s)
	c := s.orgs(mgmt)
	// Set up before the SCP bites: the role and the user exist already.
	role := s.createRole(t, restricted, "Escalate", trustPolicy(`"arn:aws:iam::`+restricted+`:root"`, ""), allowAll)
	key, secret := userKeys(t, s, restricted, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:AssumeRole","organizations:*"],"Resource":"*"}]}`)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:CreateUser","iam:CreateAccessKey","organizations:LeaveOrganization"],"Resource":"*"}]}`
	p, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("NoUsers"), Description: aws.String("d"), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(deny)})
	if err != nil {
		t.Fatal(err)
	}
	scp := aws.ToString(p.Policy.PolicySummary.Id)
	if _, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(scp), TargetId: aws.String(ou)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(restricted), SourceParentId: aws.String(root), DestinationParentId: aws.String(ou)}); err != nil {
		t.Fatal(err)
	}
	user := s.keyConfig(key, secret, "")
	_, err = iam.NewFromConfig(user).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("shadow")})
	wantRefused(t, err, "AccessDenied", "User: arn:aws:iam::"+restricted+":user/dev is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+restricted+":user/shadow with an explicit deny in a service control policy")
	out, err := assumeAs(user, role, "detour", "", 0)
	if err != nil {
		t.Fatalf("assuming the role (sts:AssumeRole is not denied): %v", err)
	}
	session := s.sessionConfig(out)
	before := orgState(t, s, mgmt)
	t.Run("refused", func(t *testing.T) {
		t.Run("CreateUser through the role", func(t *testing.T) {
			t.Parallel()
			_, err := iam.NewFromConfig(session).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("shadow")})
			wantRefused(t, err, "AccessDenied", "User: arn:aws:sts::"+restricted+":assumed-role/Escalate/detour is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+restricted+":user/shadow with an explicit deny in a service control policy")
		})
		t.Run("CreateAccessKey through the role", func(t *testing.T) {
			t.Parallel()
			_, err := iam.NewFromConfig(session).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
			wantRefused(t, err, "AccessDenied", "User: arn:aws:sts::"+restricted+":assumed-role/Escalate/detour is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::"+restricted+":user/dev with an explicit deny in a service control policy")
		})
		t.Run("CreateUser as the account's root", func(t *testing.T) {
			t.Parallel()
			_, err := s.iam(restricted).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("shadow")})
			wantRefused(t, err, "AccessDenied", "")
		})
		for _, who := range []struct {
			name string
			cfg  aws.Config
		}{{"user", user}, {"role", session}} {
			t.Run("DetachPolicy as the "+who.name, func(t *testing.T) {
				t.Parallel()
				_, err := organizations.NewFromConfig(who.cfg).DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(scp), TargetId: aws.String(ou)})
				wantRefused(t, err, "AccessDeniedException", noPermissions)
			})
			t.Run("LeaveOrganization as the "+who.name, func(t *testing.T) {
				t.Parallel()
				_, err := organizations.NewFromConfig(who.cfg).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
				wantRefused(t, err, "AccessDeniedException", "")
				if !strings.Contains(err.Error(), "with an explicit deny in a service control policy") {
					t.Fatalf("leaving: %v", err)
				}
			})
		}
	})
	unchanged(t, s, mgmt, before)
	keys, err := s.iam(restricted).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("dev")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("dev's keys: %+v %v", keys, err)
	}
	_, err = s.iam(restricted).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("shadow")})
	wantRefused(t, err, "NoSuchEntity", "")
}

// TestEscalationCrossOrganization (i): the management account of another
// organization, and a member of it, holding valid keys, reach nothing of
// this organization: its accounts, OUs, root and policies are not found
// from there, and its roles do not trust them.
func TestEscalationCrossOrganization(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	root, ou, scp, member, _ := escalationOrg(t, s)
	if _, err := s.orgs(orgB).CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	rootsB, err := s.orgs(orgB).ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	rootB := aws.ToString(rootsB.Roots[0].Id)
	memberB := sdkCreateAccount(t, s.orgs(orgB), "b-member"+escalationMail, "BMember")
	before := orgState(t, s, mgmt)
	beforeB := orgState(t, s, orgB)
	b := s.orgs(orgB)
	str := aws.String
	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name, code string
			call       func() error
		}{
			{"DescribeAccount", "AccountNotFoundException", func() error {
				_, err := b.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: str(member)})
				return err
			}},
			{"ListChildren", "ParentNotFoundException", func() error {
				_, err := b.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: str(root), ChildType: types.ChildTypeAccount})
				return err
			}},
			{"ListParents", "ChildNotFoundException", func() error {
				_, err := b.ListParents(ctx, &organizations.ListParentsInput{ChildId: str(member)})
				return err
			}},
			{"DescribeOrganizationalUnit", "OrganizationalUnitNotFoundException", func() error {
				_, err := b.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: str(ou)})
				return err
			}},
			{"DescribePolicy", "PolicyNotFoundException", func() error {
				_, err := b.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: str(scp)})
				return err
			}},
			{"AttachPolicy to its account", "TargetNotFoundException", func() error {
				_, err := b.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: str("p-FullAWSAccess"), TargetId: str(member)})
				return err
			}},
			{"AttachPolicy of its policy", "PolicyNotFoundException", func() error {
				_, err := b.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: str(scp), TargetId: str(memberB)})
				return err
			}},
			{"MoveAccount", "SourceParentNotFoundException", func() error {
				_, err := b.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: str(member), SourceParentId: str(root), DestinationParentId: str(rootB)})
				return err
			}},
			{"RemoveAccountFromOrganization", "AccountNotFoundException", func() error {
				_, err := b.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: str(member)})
				return err
			}},
			{"CloseAccount", "AccountNotFoundException", func() error {
				_, err := b.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: str(member)})
				return err
			}},
			{"RegisterDelegatedAdministrator", "AccountNotFoundException", func() error {
				_, err := b.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: str(member), ServicePrincipal: str("ssm.amazonaws.com")})
				return err
			}},
			{"CreateOrganizationalUnit under its root", "ParentNotFoundException", func() error {
				_, err := b.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: str(root), Name: str("Intruder")})
				return err
			}},
			{"UpdateOrganizationalUnit", "OrganizationalUnitNotFoundException", func() error {
				_, err := b.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: str(ou), Name: str("Taken")})
				return err
			}},
			{"its member: DescribeAccount", "AccessDeniedException", func() error {
				_, err := s.orgs(memberB).DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: str(member)})
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				wantRefused(t, tc.call(), tc.code, "")
			})
		}
		for _, account := range []string{orgB, memberB} {
			t.Run("AssumeRole OrganizationAccountAccessRole as "+account, func(t *testing.T) {
				t.Parallel()
				arn := "arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"
				_, err := assumeAs(s.sdkConfig(account, "us-east-1"), arn, "intruder", "", 0)
				wantRefused(t, err, "AccessDenied", "User: arn:aws:iam::"+account+":root is not authorized to perform: sts:AssumeRole on resource: "+arn)
			})
		}
	})
	unchanged(t, s, mgmt, before)
	unchanged(t, s, orgB, beforeB)
}
