package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func delegationPolicy(account, actions, condition string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Delegate","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":[` + actions + `],"Resource":"*"` + condition + `}]}`
}

// TestDelegationPolicyCLI: PutResourcePolicy, DescribeResourcePolicy and
// DeleteResourcePolicy with the CLI, and their validation.
func TestDelegationPolicyCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	member := s.createAccount(t, mgmt, "rp@example.com", "RP")
	s.awsErr(t, mgmt, "ResourcePolicyNotFoundException", "organizations", "describe-resource-policy")
	s.awsErr(t, mgmt, "ResourcePolicyNotFoundException", "organizations", "delete-resource-policy")

	doc := delegationPolicy(member, `"organizations:DescribeOrganization","organizations:ListPolicies","organizations:CreatePolicy"`, "")
	rp := s.awsOK(t, mgmt, "organizations", "put-resource-policy", "--content", doc)["ResourcePolicy"].(map[string]any)
	id := str(rp, "ResourcePolicySummary", "Id")
	if !strings.HasPrefix(id, "rp-") || !strings.HasPrefix(str(rp, "ResourcePolicySummary", "Arn"), "arn:aws:organizations::"+mgmt+":resourcepolicy/o-") ||
		!strings.HasSuffix(str(rp, "ResourcePolicySummary", "Arn"), "/"+id) || str(rp, "Content") != doc {
		t.Fatalf("put-resource-policy: %v", rp)
	}
	// Replacing keeps the id.
	doc2 := delegationPolicy(member, `"organizations:Describe*","organizations:List*"`, "")
	again := s.awsOK(t, mgmt, "organizations", "put-resource-policy", "--content", doc2)["ResourcePolicy"].(map[string]any)
	if str(again, "ResourcePolicySummary", "Id") != id {
		t.Fatalf("replacing changed the id: %v", again)
	}
	// The member named in the policy may read it (the policy grants Describe*).
	if got := str(s.awsOK(t, member, "organizations", "describe-resource-policy"), "ResourcePolicy", "Content"); got != doc2 {
		t.Fatalf("describe-resource-policy as the delegate: %q", got)
	}
	// ...and the organization, though it is no delegated administrator of any service.
	s.awsOK(t, member, "organizations", "list-accounts")

	for _, c := range []struct{ doc, reason string }{
		{`{not json`, "INVALID_RESOURCE_POLICY_JSON"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"organizations:ListAccounts","Resource":"*"}]}`, "INVALID_PRINCIPAL"},
		{delegationPolicy(member, `"organizations:CreateAccount"`, ""), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{delegationPolicy(member, `"s3:GetObject"`, ""), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{strings.Replace(delegationPolicy(member, `"organizations:ListAccounts"`, ""), `"Resource":"*"`, `"Resource":"arn:aws:s3:::bucket"`, 1), "UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY"},
		{delegationPolicy(member, `"organizations:CreatePolicy"`, `,"Condition":{"StringEquals":{"organizations:PolicyType":"NOT_A_TYPE"}}`), "UNSUPPORTED_POLICY_TYPE_IN_RESOURCE_POLICY"},
	} {
		s.awsErr(t, mgmt, "InvalidInputException", "organizations", "put-resource-policy", "--content", c.doc)
		ctx := context.Background()
		_, err := s.orgs(mgmt).PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(c.doc)})
		reason(t, err, "InvalidInputException", c.reason)
	}
	_, err := s.orgs(mgmt).PutResourcePolicy(context.Background(), &organizations.PutResourcePolicyInput{Content: aws.String(strings.Repeat(" ", 40001) + "{}")})
	reason(t, err, "InvalidInputException", "MAX_LENGTH_EXCEEDED")
	s.awsErr(t, member, "AccessDeniedException", "organizations", "put-resource-policy", "--content", doc)

	s.awsOK(t, mgmt, "organizations", "delete-resource-policy")
	s.awsErr(t, member, "AccessDeniedException", "organizations", "list-accounts")
}

// TestDelegatedPolicyManagementSDK: a delegate manages exactly the
// policies the delegation policy grants it, and nothing else.
func TestDelegatedPolicyManagementSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	ctx := context.Background()
	c := s.orgs(mgmt)
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)
	delegate := sdkCreateAccount(t, c, "delegate@example.com", "Delegate")
	ou, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Apps")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeTagPolicy}); err != nil {
		t.Fatal(err)
	}
	d := s.orgs(delegate)
	tagDoc := `{"tags":{"env":{"tag_key":{"@@assign":"env"}}}}`
	createTag := func() error {
		_, err := d.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("env"), Description: aws.String("d"), Type: types.PolicyTypeTagPolicy, Content: aws.String(tagDoc)})
		return err
	}
	apiErr(t, createTag(), "AccessDeniedException")

	doc := delegationPolicy(delegate,
		`"organizations:CreatePolicy","organizations:UpdatePolicy","organizations:DeletePolicy","organizations:AttachPolicy","organizations:DetachPolicy","organizations:DescribePolicy","organizations:ListPolicies"`,
		`,"Condition":{"StringLikeIfExists":{"organizations:PolicyType":["TAG_POLICY","BACKUP_POLICY"]}}`)
	if _, err := c.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	if err := createTag(); err != nil {
		t.Fatalf("a granted tag policy: %v", err)
	}
	list, err := d.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: types.PolicyTypeTagPolicy})
	if err != nil || len(list.Policies) != 1 {
		t.Fatalf("ListPolicies as the delegate: %+v %v", list, err)
	}
	pid := list.Policies[0].Id
	if _, err := d.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pid, TargetId: ou.OrganizationalUnit.Id}); err != nil {
		t.Fatalf("attaching a tag policy: %v", err)
	}
	// Not granted: SCPs, structure, accounts, trusted access.
	_, err = d.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("scp"), Description: aws.String("d"), Type: types.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)})
	apiErr(t, err, "AccessDeniedException")
	_, err = d.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: ou.OrganizationalUnit.Id})
	apiErr(t, err, "AccessDeniedException")
	_, err = d.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("x")})
	apiErr(t, err, "AccessDeniedException")
	_, err = d.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("x@example.com"), AccountName: aws.String("x")})
	apiErr(t, err, "AccessDeniedException")
	_, err = d.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeBackupPolicy})
	apiErr(t, err, "AccessDeniedException")
	_, err = d.TagResource(ctx, &organizations.TagResourceInput{ResourceId: pid, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	apiErr(t, err, "AccessDeniedException")
	// An explicit deny in the delegation policy wins.
	deny := strings.TrimSuffix(doc, `]}`) + `,{"Effect":"Deny","Principal":{"AWS":"` + delegate + `"},"Action":"organizations:DeletePolicy","Resource":"*"}]}`
	if _, err := c.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: pid, TargetId: ou.OrganizationalUnit.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = d.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: pid})
	apiErr(t, err, "AccessDeniedException")
}

func TestDelegationPolicyMessages(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	r := s.awsErr(t, mgmt, "InvalidInputException", "organizations", "put-resource-policy", "--content", "{not json")
	if !strings.Contains(r.stderr, "isn't a valid JSON policy document") {
		t.Fatalf("message: %s", r.stderr)
	}
}
