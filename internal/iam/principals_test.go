package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// principalOf runs PrincipalOf in a transaction of its own.
func (f *fixture) principalOf(t *testing.T, c orgstack.Caller) (iam.Principal, bool) {
	t.Helper()
	var p iam.Principal
	var found bool
	err := f.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		p, found, err = f.iam.PrincipalOf(tx, c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, found
}

func decide(p iam.Principal, action string) policy.Decision {
	return policy.Evaluate(p.Identity, policy.Request{Action: action, Resource: "*"})
}

func TestPrincipalOfAUser(t *testing.T) {
	f := newFixture(t)
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "nia", Tags: []iam.Tag{{Key: "team", Value: "data"}}}))
	ok(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "nia", PolicyName: "s3", PolicyDocument: allowS3}))
	pol := f.createPolicy(t, "Versioned").Arn
	must[*iam.CreatePolicyVersionResponse](t)(f.iam.CreatePolicyVersion(f.root, &iam.CreatePolicyVersionRequest{PolicyArn: pol, PolicyDocument: doc("sqs:SendMessage")}))
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "nia", PolicyArn: pol}))
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "nia", PolicyArn: "arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess"}))
	ok(t, f.iam.PutUserPermissionsBoundary(f.root, &iam.PutUserPermissionsBoundaryRequest{UserName: "nia", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))

	u := must[*iam.GetUserResponse](t)(f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "nia"})).User
	c := orgstack.Caller{AccountID: acct, ARN: u.Arn, UserID: u.UserId, Type: orgstack.PrincipalUser}
	p, found := f.principalOf(t, c)
	if !found || len(p.Identity) != 3 || p.Tags["team"] != "data" || p.Boundary == nil {
		t.Fatalf("principal %+v found %v", p, found)
	}
	// The attached policy counts at its default version (v1) only.
	for action, want := range map[string]policy.Decision{
		"s3:GetObject": policy.Allow, "s3:PutObject": policy.NotApplicable,
		"organizations:ListAccounts": policy.Allow, "sqs:SendMessage": policy.NotApplicable,
	} {
		if got := decide(p, action); got != want {
			t.Errorf("%s: %s, want %s", action, got, want)
		}
	}
	if p.Boundary.Evaluate(policy.Request{Action: "iam:GetUser", Resource: "*"}) != policy.Allow {
		t.Error("boundary does not allow iam:GetUser")
	}
	ok(t, f.iam.SetDefaultPolicyVersion(f.root, &iam.SetDefaultPolicyVersionRequest{PolicyArn: pol, VersionId: "v2"}))
	if p, _ := f.principalOf(t, c); decide(p, "sqs:SendMessage") != policy.Allow {
		t.Error("new default version not in effect")
	}

	// A user deleted and created again under the same name is someone else.
	for _, step := range []error{
		f.iam.DeleteUserPolicy(f.root, &iam.DeleteUserPolicyRequest{UserName: "nia", PolicyName: "s3"}),
		f.iam.DetachUserPolicy(f.root, &iam.DetachUserPolicyRequest{UserName: "nia", PolicyArn: pol}),
		f.iam.DetachUserPolicy(f.root, &iam.DetachUserPolicyRequest{UserName: "nia", PolicyArn: "arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess"}),
		f.iam.DeleteUser(f.root, &iam.DeleteUserRequest{UserName: "nia"}),
	} {
		ok(t, step)
	}
	if _, found := f.principalOf(t, c); found {
		t.Error("deleted user found")
	}
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "nia"}))
	if _, found := f.principalOf(t, c); found {
		t.Error("a new user of the same name answers for the old one")
	}
}

func TestPrincipalOfRolesAndRoot(t *testing.T) {
	f := newFixture(t)
	if p, found := f.principalOf(t, orgstack.RootCaller(acct, "us-east-1")); !found || len(p.Identity) != 0 || p.Boundary != nil {
		t.Errorf("root principal %+v %v", p, found)
	}
	role := f.createRole(t, "deployer")
	ok(t, f.iam.PutRolePolicy(f.root, &iam.PutRolePolicyRequest{RoleName: role, PolicyName: "ec2", PolicyDocument: doc("ec2:RunInstances")}))
	ok(t, f.iam.TagRole(f.root, &iam.TagRoleRequest{RoleName: role, Tags: []iam.Tag{{Key: "env", Value: "prod"}}}))
	r := must[*iam.GetRoleResponse](t)(f.iam.GetRole(f.root, &iam.GetRoleRequest{RoleName: role})).Role
	session := orgstack.Caller{AccountID: acct, Type: orgstack.PrincipalAssumedRole, RoleName: "deployer", SessionName: "s",
		ARN: "arn:aws:sts::" + acct + ":assumed-role/deployer/s", UserID: r.RoleId + ":s"}
	p, found := f.principalOf(t, session)
	if !found || decide(p, "ec2:RunInstances") != policy.Allow || p.Tags["env"] != "prod" || p.Boundary != nil {
		t.Errorf("role principal %+v %v", p, found)
	}
	stale := session
	stale.UserID = "AROAOLDROLEID00000000:s"
	if _, found := f.principalOf(t, stale); found {
		t.Error("a session of another role of the same name found")
	}
	for _, c := range []orgstack.Caller{
		{AccountID: acct, Type: orgstack.PrincipalAssumedRole, RoleName: "ghost"},
		{AccountID: acct, Type: orgstack.PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/ghost"},
		{AccountID: other, Type: orgstack.PrincipalAssumedRole, RoleName: "deployer"},
		{AccountID: acct, Type: orgstack.PrincipalService},
	} {
		if _, found := f.principalOf(t, c); found {
			t.Errorf("%+v found", c)
		}
	}

	// A service-linked role acts with the service-role policies orgstack
	// has documents for; those it knows by name only are left out.
	err := f.st.Update(context.Background(), func(tx store.Tx) error {
		_, err := f.iam.EnsureServiceLinkedRole(tx, f.clock.Now(), "aws", acct, orgstack.ServiceLinkedRole{
			RoleName: "AWSServiceRoleForOrganizations", ServicePrincipal: "organizations.amazonaws.com",
			PolicyARNs: []string{
				"arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy",
				"arn:aws:iam::aws:policy/aws-service-role/SomeServicePolicyNotKnownHere",
			},
		})
		return err
	})
	ok(t, err)
	p, found = f.principalOf(t, orgstack.Caller{AccountID: acct, Type: orgstack.PrincipalService, RoleName: "AWSServiceRoleForOrganizations"})
	if !found || len(p.Identity) != 1 || decide(p, "iam:CreateServiceLinkedRole") != policy.Allow {
		t.Errorf("service-linked role principal %+v %v", p, found)
	}
}

func TestTrustPoliciesNameExistingPrincipals(t *testing.T) {
	f := newFixture(t)
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "oz", Path: "/ops/"}))
	trust := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
	}
	create := func(name, doc string) error {
		_, err := f.iam.CreateRole(f.root, &iam.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: doc})
		return err
	}
	ghost := "arn:aws:iam::" + acct + ":user/ghost"
	wantErr(t, create("r1", trust(ghost)), "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"`+ghost+`"`)
	wantErr(t, create("r1", trust("arn:aws:iam::"+acct+":user/oz")), "MalformedPolicyDocument") // wrong path
	ok(t, create("r1", trust("arn:aws:iam::"+acct+":user/ops/oz")))
	ok(t, create("r2", trust("arn:aws:iam::"+other+":role/anything")))
	ok(t, create("r3", trust("arn:aws:iam::"+acct+":role/r1")))
	ok(t, create("r4", trust(acct)))
	wantErr(t, create("r5", trust("arn:aws:iam::"+acct+":role/r5")), "MalformedPolicyDocument") // itself, not yet there

	for _, c := range []struct{ doc, msg string }{
		{`not json`, "This policy contains invalid Json"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`, "Has prohibited field Resource"},
	} {
		wantErr(t, create("r6", c.doc), "MalformedPolicyDocument", c.msg)
	}
	wantErr(t, f.iam.UpdateAssumeRolePolicy(f.root, &iam.UpdateAssumeRolePolicyRequest{RoleName: "r1", PolicyDocument: trust(ghost)}), "MalformedPolicyDocument")
	ok(t, f.iam.UpdateAssumeRolePolicy(f.root, &iam.UpdateAssumeRolePolicyRequest{RoleName: "r1", PolicyDocument: trust("arn:aws:iam::" + acct + ":role/r2")}))
}

func TestInlinePolicyDocuments(t *testing.T) {
	f := newFixture(t)
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "pat"}))
	role := f.createRole(t, "runner")
	withPrincipal := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}]}`
	wantErr(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "pat", PolicyName: "p", PolicyDocument: withPrincipal}),
		"MalformedPolicyDocument", "Policy document should not specify a principal.")
	wantErr(t, f.iam.PutRolePolicy(f.root, &iam.PutRolePolicyRequest{RoleName: role, PolicyName: "p", PolicyDocument: `{"Statement":`}),
		"MalformedPolicyDocument", "Syntax errors in policy.")
	// Inline policies use the 2008 language version when they name none.
	ok(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "pat", PolicyName: "old", PolicyDocument: `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}))

	// A user's inline policies share 2,048 characters, white space aside.
	big := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:` + strings.Repeat("a", n) + `",  "Resource":  "*"}]}`
	}
	ok(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "pat", PolicyName: "a", PolicyDocument: big(900)}))
	ok(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "pat", PolicyName: "a", PolicyDocument: big(1000)})) // replaces itself
	wantErr(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "pat", PolicyName: "b", PolicyDocument: big(1000)}),
		"LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user pat")
	names := must[*iam.ListUserPoliciesResponse](t)(f.iam.ListUserPolicies(f.root, &iam.ListUserPoliciesRequest{UserName: "pat"})).PolicyNames
	if strings.Join(names, ",") != "a,old" {
		t.Errorf("inline policies %v", names)
	}
	got := must[*iam.GetUserPolicyResponse](t)(f.iam.GetUserPolicy(f.root, &iam.GetUserPolicyRequest{UserName: "pat", PolicyName: "a"}))
	if got.PolicyDocument != big(1000) || got.UserName != "pat" {
		t.Errorf("GetUserPolicy %+v", got)
	}
	_, err := f.iam.GetUserPolicy(f.root, &iam.GetUserPolicyRequest{UserName: "pat", PolicyName: "zz"})
	wantErr(t, err, "NoSuchEntity", "The user policy with name zz cannot be found.")
}

func TestAWSManagedDocumentsAreManagedPolicies(t *testing.T) {
	f := newFixture(t)
	list := must[*iam.ListPoliciesResponse](t)(f.iam.ListPolicies(f.root, &iam.ListPoliciesRequest{Scope: iam.PolicyScopeTypeAws})).Policies
	if len(list) == 0 {
		t.Fatal("no AWS-managed policies")
	}
	for _, p := range list {
		v := must[*iam.GetPolicyVersionResponse](t)(f.iam.GetPolicyVersion(f.root, &iam.GetPolicyVersionRequest{PolicyArn: p.Arn, VersionId: p.DefaultVersionId}))
		if _, err := policy.ParseFor(v.PolicyVersion.Document, policy.KindManaged); err != nil {
			t.Errorf("%s: %v", p.PolicyName, err)
		}
	}
}
