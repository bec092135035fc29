package policy

import (
	"testing"
)

// Documents the project works with.
const (
	// fullAWSAccess is the default SCP, p-FullAWSAccess.
	fullAWSAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	// denySSM is an SCP attached to an OU.
	denySSM = `{"Version":"2012-10-17","Statement":[{"Sid":"DenySSM","Effect":"Deny","Action":"ssm:*","Resource":"*"}]}`
	// denySSMOutsideRegions is an SCP with a condition.
	denySSMOutsideRegions = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:*","Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`
	// delegationPolicy is an Organizations delegation policy of the
	// management account 111122223333 for the member 222233334444.
	delegationPolicy = `{"Version":"2012-10-17","Statement":[
		{"Sid":"Describe","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},
		 "Action":["organizations:Describe*","organizations:List*"],"Resource":"*"},
		{"Sid":"ManagePolicies","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},
		 "Action":["organizations:CreatePolicy","organizations:AttachPolicy"],"Resource":"*",
		 "Condition":{"StringLikeIfExists":{"organizations:PolicyType":["TAG_POLICY","BACKUP_POLICY"]}}}]}`
	orgAdmin = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:*","ssm:*"],"Resource":"*"}]}`
)

func TestDecide(t *testing.T) {
	full := mustParse(t, fullAWSAccess)
	noSSM := mustParse(t, denySSM)
	admin := mustParse(t, orgAdmin)
	delegation := mustParse(t, delegationPolicy)
	orgsOnly := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:*","Resource":"*"}]}`)
	denyIdentity := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:DeleteResourceDataSync","Resource":"*"}]}`)
	s3Bucket := "arn:aws:s3:::logs"
	bucketForAlice := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/OrgAdmin/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::logs"}]}`)
	bucketForRole := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111122223333:role/OrgAdmin"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::logs"}]}`)
	bucketForAccount := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::logs"}]}`)
	bucketDeny := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::logs"}]}`)

	req := func(p Principal, action, resource string, ctx map[string][]string) Request {
		return Request{Principal: p, Action: action, Resource: resource, Context: ctx}
	}
	ssmSync := req(memberRole(), "ssm:CreateResourceDataSync", "*", nil)
	cases := []struct {
		name string
		in   Inputs
		r    Request
		want Result
	}{
		// SCPs.
		{"full access at every level", Inputs{Identity: []*Policy{admin}, SameAccount: true,
			SCPs: [][]*Policy{{full}, {full}, {full}}}, ssmSync, Result{Allow, AllowedByIdentity}},
		{"ssm denied at an OU", Inputs{Identity: []*Policy{admin}, SameAccount: true,
			SCPs: [][]*Policy{{full}, {full, noSSM}, {full}}}, ssmSync, Result{Deny, ExplicitDenySCP}},
		{"ssm deny does not touch organizations", Inputs{Identity: []*Policy{admin}, SameAccount: true,
			SCPs: [][]*Policy{{full}, {full, noSSM}}}, req(memberRole(), "organizations:DescribeOrganization", "*", nil), Result{Allow, AllowedByIdentity}},
		{"a level without allow", Inputs{Identity: []*Policy{admin}, SameAccount: true,
			SCPs: [][]*Policy{{full}, {orgsOnly}}}, ssmSync, Result{NotApplicable, NoSCPAllows}},
		{"an empty level", Inputs{Identity: []*Policy{admin}, SameAccount: true,
			SCPs: [][]*Policy{{full}, {}}}, ssmSync, Result{NotApplicable, NoSCPAllows}},
		{"scps do not apply", Inputs{Identity: []*Policy{admin}, SameAccount: true}, ssmSync, Result{Allow, AllowedByIdentity}},
		{"scps grant nothing", Inputs{SameAccount: true, SCPs: [][]*Policy{{full}}}, ssmSync, Result{NotApplicable, NoIdentityAllows}},
		{"scp deny beats root", Inputs{RootUser: true, SameAccount: true, SCPs: [][]*Policy{{full, noSSM}}},
			req(Principal{AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:root", IsRoot: true}, "ssm:GetOpsSummary", "*", nil), Result{Deny, ExplicitDenySCP}},
		{"scp condition outside regions", Inputs{Identity: []*Policy{admin}, SameAccount: true, SCPs: [][]*Policy{{full, mustParse(t, denySSMOutsideRegions)}}},
			req(memberRole(), "ssm:GetOpsSummary", "*", map[string][]string{"aws:RequestedRegion": {"ap-south-1"}}), Result{Deny, ExplicitDenySCP}},
		{"scp condition inside regions", Inputs{Identity: []*Policy{admin}, SameAccount: true, SCPs: [][]*Policy{{full, mustParse(t, denySSMOutsideRegions)}}},
			req(memberRole(), "ssm:GetOpsSummary", "*", map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}), Result{Allow, AllowedByIdentity}},

		// Explicit denies win, and say where they came from.
		{"identity deny", Inputs{Identity: []*Policy{admin, denyIdentity}, SameAccount: true},
			req(mgmtAdmin(), "ssm:DeleteResourceDataSync", "*", nil), Result{Deny, ExplicitDenyIdentity}},
		{"boundary deny", Inputs{Identity: []*Policy{admin}, Boundary: denyIdentity, SameAccount: true},
			req(mgmtAdmin(), "ssm:DeleteResourceDataSync", "*", nil), Result{Deny, ExplicitDenyBoundary}},
		{"session deny", Inputs{Identity: []*Policy{admin}, Session: []*Policy{denyIdentity}, SameAccount: true},
			req(mgmtAdmin(), "ssm:DeleteResourceDataSync", "*", nil), Result{Deny, ExplicitDenySession}},
		{"resource deny", Inputs{Identity: []*Policy{full}, Resource: bucketDeny, SameAccount: true},
			req(mgmtAdmin(), "s3:GetObject", s3Bucket, nil), Result{Deny, ExplicitDenyResource}},
		{"root denied by its own deny", Inputs{RootUser: true, Resource: bucketDeny, SameAccount: true},
			req(mgmtRoot(), "s3:GetObject", s3Bucket, nil), Result{Deny, ExplicitDenyResource}},

		// Same account.
		{"root needs no policy", Inputs{RootUser: true, SameAccount: true}, req(mgmtRoot(), "organizations:EnableAWSServiceAccess", "*", nil), Result{Allow, AllowedAsRoot}},
		{"no identity policy", Inputs{SameAccount: true}, req(mgmtAdmin(), "organizations:EnableAWSServiceAccess", "*", nil), Result{NotApplicable, NoIdentityAllows}},
		{"boundary must allow", Inputs{Identity: []*Policy{admin}, Boundary: orgsOnly, SameAccount: true}, ssmSync, Result{NotApplicable, NoBoundaryAllows}},
		{"boundary allows", Inputs{Identity: []*Policy{admin}, Boundary: full, SameAccount: true}, ssmSync, Result{Allow, AllowedByIdentity}},
		{"boundary grants nothing", Inputs{Boundary: full, SameAccount: true}, ssmSync, Result{NotApplicable, NoIdentityAllows}},
		{"session must allow", Inputs{Identity: []*Policy{admin}, Session: []*Policy{orgsOnly}, SameAccount: true}, ssmSync, Result{NotApplicable, NoSessionAllows}},
		{"session allows", Inputs{Identity: []*Policy{admin}, Session: []*Policy{full}, SameAccount: true}, ssmSync, Result{Allow, AllowedByIdentity}},
		{"nil session entries", Inputs{Identity: []*Policy{admin}, Session: []*Policy{nil}, SameAccount: true}, ssmSync, Result{Allow, AllowedByIdentity}},
		{"resource policy alone", Inputs{Resource: bucketForRole, SameAccount: true}, req(mgmtAdmin(), "s3:GetObject", s3Bucket, nil), Result{Allow, AllowedByResource}},
		{"resource naming the role is bounded", Inputs{Resource: bucketForRole, Boundary: orgsOnly, SameAccount: true},
			req(mgmtAdmin(), "s3:GetObject", s3Bucket, nil), Result{NotApplicable, NoBoundaryAllows}},
		{"resource naming the session is not bounded", Inputs{Resource: bucketForAlice, Boundary: orgsOnly, Session: []*Policy{orgsOnly}, SameAccount: true},
			req(mgmtAdmin(), "s3:GetObject", s3Bucket, nil), Result{Allow, AllowedByResource}},
		{"resource naming the account delegates", Inputs{Resource: bucketForAccount, SameAccount: true},
			req(mgmtAdmin(), "s3:GetObject", s3Bucket, nil), Result{NotApplicable, NoIdentityAllows}},
		{"resource naming the account with identity", Inputs{Identity: []*Policy{full}, Resource: bucketForAccount, SameAccount: true},
			req(mgmtAdmin(), "s3:GetObject", s3Bucket, nil), Result{Allow, AllowedByIdentity}},

		// Cross-account: the Organizations delegation policy.
		{"delegated describe", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(memberRole(), "organizations:DescribeOrganization", "*", nil), Result{Allow, AllowedCrossAccount}},
		{"delegated tag policy", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(memberRole(), "organizations:CreatePolicy", "*", map[string][]string{"organizations:PolicyType": {"TAG_POLICY"}}), Result{Allow, AllowedCrossAccount}},
		{"delegated attach backup policy", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(memberRole(), "organizations:AttachPolicy", "*", map[string][]string{"organizations:PolicyType": {"BACKUP_POLICY"}}), Result{Allow, AllowedCrossAccount}},
		{"delegated without policy type", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(memberRole(), "organizations:AttachPolicy", "*", nil), Result{Allow, AllowedCrossAccount}},
		{"not delegated: scp", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(memberRole(), "organizations:CreatePolicy", "*", map[string][]string{"organizations:PolicyType": {"SERVICE_CONTROL_POLICY"}}), Result{NotApplicable, NoResourceAllows}},
		{"not delegated: other action", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(memberRole(), "organizations:EnableAWSServiceAccess", "*", nil), Result{NotApplicable, NoResourceAllows}},
		{"not delegated: other account", Inputs{Identity: []*Policy{admin}, Resource: delegation},
			req(otherRole(), "organizations:DescribeOrganization", "*", nil), Result{NotApplicable, NoResourceAllows}},
		{"cross-account needs identity", Inputs{Identity: []*Policy{mustParse(t, denySSM)}, Resource: delegation},
			req(memberRole(), "organizations:DescribeOrganization", "*", nil), Result{NotApplicable, NoIdentityAllows}},
		{"cross-account root counts as identity", Inputs{RootUser: true, Resource: delegation},
			req(Principal{AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:root", IsRoot: true}, "organizations:ListAccounts", "*", nil), Result{Allow, AllowedCrossAccount}},
		{"cross-account root still needs resource", Inputs{RootUser: true},
			req(Principal{AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:root", IsRoot: true}, "organizations:ListAccounts", "*", nil), Result{NotApplicable, NoResourceAllows}},
		{"cross-account boundary", Inputs{Identity: []*Policy{admin}, Boundary: mustParse(t, denySSMOutsideRegions), Resource: delegation},
			req(memberRole(), "organizations:ListAccounts", "*", nil), Result{NotApplicable, NoBoundaryAllows}},
		{"cross-account scp", Inputs{Identity: []*Policy{admin}, Resource: delegation, SCPs: [][]*Policy{{noSSM}}},
			req(memberRole(), "organizations:ListAccounts", "*", nil), Result{NotApplicable, NoSCPAllows}},
	}
	for _, c := range cases {
		if got := Decide(c.in, c.r); got != c.want {
			t.Errorf("%s: %v/%v, want %v/%v", c.name, got.Decision, got.Reason, c.want.Decision, c.want.Reason)
		}
	}
}

func TestDenialMessage(t *testing.T) {
	role := memberRole()
	cases := []struct {
		action, resource string
		res              Result
		want             string
	}{
		{"ssm:CreateResourceDataSync", "arn:aws:ssm:us-east-1:222233334444:resource-data-sync/x", Result{NotApplicable, NoIdentityAllows},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: ssm:CreateResourceDataSync on resource: arn:aws:ssm:us-east-1:222233334444:resource-data-sync/x because no identity-based policy allows the ssm:CreateResourceDataSync action"},
		{"ssm:GetOpsSummary", "*", Result{Deny, ExplicitDenySCP},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: ssm:GetOpsSummary with an explicit deny in a service control policy"},
		{"ssm:GetOpsSummary", "", Result{NotApplicable, NoSCPAllows},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: ssm:GetOpsSummary because no service control policy allows the ssm:GetOpsSummary action"},
		{"organizations:CreatePolicy", "*", Result{NotApplicable, NoResourceAllows},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: organizations:CreatePolicy because no resource-based policy allows the organizations:CreatePolicy action"},
		{"s3:GetObject", "arn:aws:s3:::logs", Result{Deny, ExplicitDenyResource},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::logs with an explicit deny in a resource-based policy"},
		{"s3:GetObject", "arn:aws:s3:::logs", Result{Deny, ExplicitDenyIdentity},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::logs with an explicit deny in an identity-based policy"},
		{"s3:GetObject", "*", Result{NotApplicable, NoBoundaryAllows},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: s3:GetObject because no permissions boundary allows the s3:GetObject action"},
		{"s3:GetObject", "*", Result{Deny, ExplicitDenySession},
			"User: arn:aws:sts::222233334444:assumed-role/Deployer/ci is not authorized to perform: s3:GetObject with an explicit deny in a session policy"},
		{"s3:GetObject", "*", Result{Allow, AllowedByIdentity}, ""},
	}
	for _, c := range cases {
		if got := DenialMessage(role, c.action, c.resource, c.res); got != c.want {
			t.Errorf("DenialMessage(%v):\n got %q\nwant %q", c.res.Reason, got, c.want)
		}
	}
	if got := DenialMessage(ssmService(), "organizations:ListAccounts", "*", Result{NotApplicable, NoIdentityAllows}); got !=
		"User: ssm.amazonaws.com is not authorized to perform: organizations:ListAccounts because no identity-based policy allows the organizations:ListAccounts action" {
		t.Errorf("service principal: %q", got)
	}
}

func TestReasonString(t *testing.T) {
	for r := ReasonUnknown; r <= NoSessionAllows+1; r++ {
		if r.String() == "" {
			t.Errorf("Reason(%d) has no name", int(r))
		}
	}
	if got := NoSCPAllows.String(); got != "NoSCPAllows" {
		t.Errorf("NoSCPAllows.String() = %q", got)
	}
}
