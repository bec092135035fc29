package iam_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
)

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func doc(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

func (f *fixture) createPolicy(t *testing.T, name string) *iam.Policy {
	t.Helper()
	return must[*iam.CreatePolicyResponse](t)(f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{PolicyName: name, PolicyDocument: doc("s3:GetObject")})).Policy
}

func (f *fixture) usage(t *testing.T, arn string) (attached, boundary int32) {
	t.Helper()
	p := must[*iam.GetPolicyResponse](t)(f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: arn})).Policy
	return *p.AttachmentCount, *p.PermissionsBoundaryUsageCount
}

func TestCreatePolicy(t *testing.T) {
	f := newFixture(t)
	p := must[*iam.CreatePolicyResponse](t)(f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{
		PolicyName: "Readers", Path: "/team/", PolicyDocument: doc("s3:Get*"), Description: "read things",
		Tags: []iam.Tag{{Key: "owner", Value: "me"}},
	})).Policy
	if !regexp.MustCompile(`^ANPA[A-Z0-9]{17}$`).MatchString(p.PolicyId) || p.Arn != "arn:aws:iam::"+acct+":policy/team/Readers" ||
		p.DefaultVersionId != "v1" || *p.AttachmentCount != 0 || !*p.IsAttachable || p.Description != "read things" || len(p.Tags) != 1 {
		t.Errorf("policy %+v", p)
	}
	_, err := f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{PolicyName: "readers", PolicyDocument: doc("s3:Get*")})
	wantErr(t, err, "EntityAlreadyExists", "A policy called readers already exists. Duplicate names are not allowed.")

	for _, c := range []struct{ doc, msg string }{
		{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, "Policy document must be version 2012-10-17 or greater."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, "Policy statement must contain resources."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, "Policy document should not specify a principal."},
		{`{"Version":"2012-10-17",`, "Syntax errors in policy."},
	} {
		_, err := f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{PolicyName: "Bad", PolicyDocument: c.doc})
		wantErr(t, err, "MalformedPolicyDocument", c.msg)
	}
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:` + strings.Repeat("a", 6200) + `"],"Resource":"*"}]}`
	_, err = f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{PolicyName: "Big", PolicyDocument: big})
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
}

func TestAWSManagedPolicies(t *testing.T) {
	f := newFixture(t)
	const ro = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	p := must[*iam.GetPolicyResponse](t)(f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: ro})).Policy
	if p.PolicyName != "ReadOnlyAccess" || p.DefaultVersionId != "v1" || !strings.HasPrefix(p.PolicyId, "ANPA") || p.Path != "/" {
		t.Errorf("ReadOnlyAccess %+v", p)
	}
	again := must[*iam.GetPolicyResponse](t)(f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: ro})).Policy
	if again.PolicyId != p.PolicyId {
		t.Error("AWS-managed policy id changes")
	}
	v := must[*iam.GetPolicyVersionResponse](t)(f.iam.GetPolicyVersion(f.root, &iam.GetPolicyVersionRequest{PolicyArn: ro, VersionId: "v1"})).PolicyVersion
	if !strings.Contains(v.Document, `"iam:Get*"`) || !*v.IsDefaultVersion {
		t.Errorf("ReadOnlyAccess v1 %+v", v)
	}
	_, err := f.iam.GetPolicyVersion(f.root, &iam.GetPolicyVersionRequest{PolicyArn: ro, VersionId: "v2"})
	wantErr(t, err, "NoSuchEntity")
	_, err = f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: "arn:aws:iam::aws:policy/NoSuchThing"})
	wantErr(t, err, "NoSuchEntity")
	wantErr(t, f.iam.DeletePolicy(f.root, &iam.DeletePolicyRequest{PolicyArn: ro}), "UnmodifiableEntity")
	_, err = f.iam.CreatePolicyVersion(f.root, &iam.CreatePolicyVersionRequest{PolicyArn: ro, PolicyDocument: doc("*")})
	wantErr(t, err, "UnmodifiableEntity")

	// Attachment counts are per account.
	ok(t, f.iam.AttachRolePolicy(f.root, &iam.AttachRolePolicyRequest{RoleName: f.createRole(t, "reader"), PolicyArn: ro}))
	if a, _ := f.usage(t, ro); a != 1 {
		t.Errorf("attachments in %s: %d", acct, a)
	}
	o := must[*iam.GetPolicyResponse](t)(f.iam.GetPolicy(as(orgstack.RootCaller(other, "us-east-1")), &iam.GetPolicyRequest{PolicyArn: ro})).Policy
	if *o.AttachmentCount != 0 {
		t.Errorf("attachments in %s: %d", other, *o.AttachmentCount)
	}
}

func (f *fixture) createRole(t *testing.T, name string) string {
	t.Helper()
	must[*iam.CreateRoleResponse](t)(f.iam.CreateRole(f.root, &iam.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: trustEC2}))
	return name
}

func TestPolicyVersions(t *testing.T) {
	f := newFixture(t)
	arn := f.createPolicy(t, "Versioned").Arn
	for i := 2; i <= 5; i++ {
		v := must[*iam.CreatePolicyVersionResponse](t)(f.iam.CreatePolicyVersion(f.root, &iam.CreatePolicyVersionRequest{
			PolicyArn: arn, PolicyDocument: doc("s3:Put" + strings.Repeat("x", i)), SetAsDefault: ptr(i == 3),
		})).PolicyVersion
		if v.VersionId != "v"+string(rune('0'+i)) || *v.IsDefaultVersion != (i == 3) {
			t.Errorf("version %d: %+v", i, v)
		}
	}
	_, err := f.iam.CreatePolicyVersion(f.root, &iam.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: doc("s3:*")})
	wantErr(t, err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")

	list := must[*iam.ListPolicyVersionsResponse](t)(f.iam.ListPolicyVersions(f.root, &iam.ListPolicyVersionsRequest{PolicyArn: arn})).Versions
	var ids []string
	for _, v := range list {
		ids = append(ids, v.VersionId)
		if v.Document != "" {
			t.Errorf("ListPolicyVersions returned the document of %s", v.VersionId)
		}
	}
	if strings.Join(ids, ",") != "v5,v4,v3,v2,v1" || !*list[2].IsDefaultVersion {
		t.Errorf("versions %v", ids)
	}
	page := must[*iam.ListPolicyVersionsResponse](t)(f.iam.ListPolicyVersions(f.root, &iam.ListPolicyVersionsRequest{PolicyArn: arn, MaxItems: ptr(int32(2))}))
	rest := must[*iam.ListPolicyVersionsResponse](t)(f.iam.ListPolicyVersions(f.root, &iam.ListPolicyVersionsRequest{PolicyArn: arn, Marker: page.Marker}))
	if !*page.IsTruncated || len(page.Versions) != 2 || len(rest.Versions) != 3 || rest.Versions[0].VersionId != "v3" {
		t.Errorf("paged versions %+v / %+v", page.Versions, rest.Versions)
	}

	if p := must[*iam.GetPolicyResponse](t)(f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: arn})).Policy; p.DefaultVersionId != "v3" {
		t.Errorf("default %s", p.DefaultVersionId)
	}
	v3 := must[*iam.GetPolicyVersionResponse](t)(f.iam.GetPolicyVersion(f.root, &iam.GetPolicyVersionRequest{PolicyArn: arn, VersionId: "v3"})).PolicyVersion
	if v3.Document != doc("s3:Putxxx") {
		t.Errorf("v3 document %s", v3.Document)
	}

	wantErr(t, f.iam.DeletePolicyVersion(f.root, &iam.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: "v3"}),
		"DeleteConflict", "Cannot delete the default version of a policy.")
	wantErr(t, f.iam.DeletePolicyVersion(f.root, &iam.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: "v9"}), "NoSuchEntity")
	ok(t, f.iam.DeletePolicyVersion(f.root, &iam.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: "v1"}))
	// Version ids are never reused.
	v6 := must[*iam.CreatePolicyVersionResponse](t)(f.iam.CreatePolicyVersion(f.root, &iam.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: doc("s3:*")})).PolicyVersion
	if v6.VersionId != "v6" {
		t.Errorf("next version %s", v6.VersionId)
	}
	ok(t, f.iam.SetDefaultPolicyVersion(f.root, &iam.SetDefaultPolicyVersionRequest{PolicyArn: arn, VersionId: "v6"}))
	wantErr(t, f.iam.SetDefaultPolicyVersion(f.root, &iam.SetDefaultPolicyVersionRequest{PolicyArn: arn, VersionId: "v1"}), "NoSuchEntity")

	// A policy is deleted once only its default version is left.
	wantErr(t, f.iam.DeletePolicy(f.root, &iam.DeletePolicyRequest{PolicyArn: arn}), "DeleteConflict")
	for _, id := range []string{"v2", "v3", "v4", "v5"} {
		ok(t, f.iam.DeletePolicyVersion(f.root, &iam.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: id}))
	}
	ok(t, f.iam.DeletePolicy(f.root, &iam.DeletePolicyRequest{PolicyArn: arn}))
	_, err = f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: arn})
	wantErr(t, err, "NoSuchEntity")
}

func TestAttachmentCountStaysExact(t *testing.T) {
	f := newFixture(t)
	arn := f.createPolicy(t, "Shared").Arn
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "kim"}))
	role := f.createRole(t, "worker")
	check := func(wantAttached, wantBoundary int32) {
		t.Helper()
		if a, b := f.usage(t, arn); a != wantAttached || b != wantBoundary {
			t.Errorf("attachments %d boundary %d, want %d %d", a, b, wantAttached, wantBoundary)
		}
	}
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "kim", PolicyArn: arn}))
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "kim", PolicyArn: arn})) // again: no change
	ok(t, f.iam.AttachRolePolicy(f.root, &iam.AttachRolePolicyRequest{RoleName: role, PolicyArn: arn}))
	ok(t, f.iam.PutRolePermissionsBoundary(f.root, &iam.PutRolePermissionsBoundaryRequest{RoleName: role, PermissionsBoundary: arn}))
	check(2, 1)
	attached := must[*iam.ListAttachedUserPoliciesResponse](t)(f.iam.ListAttachedUserPolicies(f.root, &iam.ListAttachedUserPoliciesRequest{UserName: "kim"})).AttachedPolicies
	if len(attached) != 1 || attached[0].PolicyName != "Shared" || attached[0].PolicyArn != arn {
		t.Errorf("attached %+v", attached)
	}

	wantErr(t, f.iam.DeletePolicy(f.root, &iam.DeletePolicyRequest{PolicyArn: arn}), "DeleteConflict", "Cannot delete a policy attached to entities.")
	ok(t, f.iam.DetachUserPolicy(f.root, &iam.DetachUserPolicyRequest{UserName: "kim", PolicyArn: arn}))
	wantErr(t, f.iam.DetachUserPolicy(f.root, &iam.DetachUserPolicyRequest{UserName: "kim", PolicyArn: arn}), "NoSuchEntity", "Policy "+arn+" was not found.")
	check(1, 1)
	ok(t, f.iam.DetachRolePolicy(f.root, &iam.DetachRolePolicyRequest{RoleName: role, PolicyArn: arn}))
	check(0, 1)
	wantErr(t, f.iam.DeletePolicy(f.root, &iam.DeletePolicyRequest{PolicyArn: arn}), "DeleteConflict")
	ok(t, f.iam.DeleteRolePermissionsBoundary(f.root, &iam.DeleteRolePermissionsBoundaryRequest{RoleName: role}))
	check(0, 0)

	// Deleting the user or role that held a policy releases it.
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "kim", PolicyArn: arn}))
	ok(t, f.iam.AttachRolePolicy(f.root, &iam.AttachRolePolicyRequest{RoleName: role, PolicyArn: arn}))
	check(2, 0)
	ok(t, f.iam.DetachUserPolicy(f.root, &iam.DetachUserPolicyRequest{UserName: "kim", PolicyArn: arn}))
	ok(t, f.iam.DeleteUser(f.root, &iam.DeleteUserRequest{UserName: "kim"}))
	ok(t, f.iam.DetachRolePolicy(f.root, &iam.DetachRolePolicyRequest{RoleName: role, PolicyArn: arn}))
	ok(t, f.iam.DeleteRole(f.root, &iam.DeleteRoleRequest{RoleName: role}))
	check(0, 0)
	ok(t, f.iam.DeletePolicy(f.root, &iam.DeletePolicyRequest{PolicyArn: arn}))
}

func TestAttachLimitsAndMissingPolicies(t *testing.T) {
	f := newFixture(t)
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "lee"}))
	missing := "arn:aws:iam::" + acct + ":policy/Missing"
	wantErr(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "lee", PolicyArn: missing}),
		"NoSuchEntity", "Policy "+missing+" does not exist or is not attachable.")
	// Another account's policy is not attachable here.
	theirs := must[*iam.CreatePolicyResponse](t)(f.iam.CreatePolicy(as(orgstack.RootCaller(other, "us-east-1")), &iam.CreatePolicyRequest{PolicyName: "Theirs", PolicyDocument: doc("s3:*")})).Policy.Arn
	wantErr(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "lee", PolicyArn: theirs}), "NoSuchEntity")
	wantErr(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "lee", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy"}), "PolicyNotAttachable")
	role := f.createRole(t, "busy")
	for i := 0; i < 10; i++ {
		p := f.createPolicy(t, "P"+string(rune('A'+i)))
		ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "lee", PolicyArn: p.Arn}))
		ok(t, f.iam.AttachRolePolicy(f.root, &iam.AttachRolePolicyRequest{RoleName: role, PolicyArn: p.Arn}))
	}
	wantErr(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "lee", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
		"LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10")
	wantErr(t, f.iam.AttachRolePolicy(f.root, &iam.AttachRolePolicyRequest{RoleName: role, PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
		"LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10")
	page := must[*iam.ListAttachedUserPoliciesResponse](t)(f.iam.ListAttachedUserPolicies(f.root, &iam.ListAttachedUserPoliciesRequest{UserName: "lee", MaxItems: ptr(int32(4))}))
	if len(page.AttachedPolicies) != 4 || !*page.IsTruncated || page.AttachedPolicies[0].PolicyName != "PA" {
		t.Errorf("first page %+v", page)
	}
}

func TestListPolicies(t *testing.T) {
	f := newFixture(t)
	a := f.createPolicy(t, "Alpha").Arn
	must[*iam.CreatePolicyResponse](t)(f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{PolicyName: "Beta", Path: "/ops/", PolicyDocument: doc("ec2:*")}))
	f.createPolicy(t, "Gamma")
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "mo"}))
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "mo", PolicyArn: a}))
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "mo", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}))
	ok(t, f.iam.PutUserPermissionsBoundary(f.root, &iam.PutUserPermissionsBoundaryRequest{UserName: "mo", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))

	names := func(in *iam.ListPoliciesRequest) []string {
		t.Helper()
		var out []string
		for {
			r := must[*iam.ListPoliciesResponse](t)(f.iam.ListPolicies(f.root, in))
			for _, p := range r.Policies {
				out = append(out, p.PolicyName)
			}
			if !*r.IsTruncated {
				return out
			}
			in.Marker = r.Marker
		}
	}
	for _, c := range []struct {
		in   *iam.ListPoliciesRequest
		want string
	}{
		{&iam.ListPoliciesRequest{Scope: iam.PolicyScopeTypeLocal}, "Alpha,Gamma,Beta"},
		{&iam.ListPoliciesRequest{Scope: iam.PolicyScopeTypeLocal, MaxItems: ptr(int32(1))}, "Alpha,Gamma,Beta"},
		{&iam.ListPoliciesRequest{Scope: iam.PolicyScopeTypeLocal, PathPrefix: "/ops/"}, "Beta"},
		{&iam.ListPoliciesRequest{OnlyAttached: ptr(true)}, "Alpha,AdministratorAccess"},
		{&iam.ListPoliciesRequest{Scope: iam.PolicyScopeTypeAws, OnlyAttached: ptr(true)}, "AdministratorAccess"},
		{&iam.ListPoliciesRequest{PolicyUsageFilter: iam.PolicyUsageTypePermissionsBoundary}, "ReadOnlyAccess"},
	} {
		if got := strings.Join(names(c.in), ","); got != c.want {
			t.Errorf("ListPolicies %+v: got %s, want %s", c.in, got, c.want)
		}
	}
	aws := names(&iam.ListPoliciesRequest{Scope: iam.PolicyScopeTypeAws, MaxItems: ptr(int32(2))})
	if !slices.Contains(aws, "AdministratorAccess") || !slices.Contains(aws, "ReadOnlyAccess") || slices.Contains(aws, "Alpha") {
		t.Errorf("AWS-managed policies %v", aws)
	}
	if n := len(names(&iam.ListPoliciesRequest{})); n != len(aws)+3 {
		t.Errorf("all policies: %d, want %d", n, len(aws)+3)
	}
}
