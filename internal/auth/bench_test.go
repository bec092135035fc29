package auth

import (
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

// A role session in a member account two OUs below the root: three
// identity policies, a permissions boundary, and at each of the four
// levels the SCPs a landing zone typically attaches.
const (
	benchOrgRead = `{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":["organizations:Describe*","organizations:List*"],"Resource":"*"}]}`
	benchTrusted = `{"Version":"2012-10-17","Statement":[
		{"Sid":"TrustedAccess","Effect":"Allow","Action":["organizations:EnableAWSServiceAccess","organizations:DisableAWSServiceAccess"],"Resource":"*",
		 "Condition":{"StringEquals":{"organizations:ServicePrincipal":["ssm.amazonaws.com","auditmanager.amazonaws.com","config.amazonaws.com"]}}},
		{"Sid":"Delegation","Effect":"Allow","Action":["organizations:RegisterDelegatedAdministrator","organizations:DeregisterDelegatedAdministrator"],
		 "Resource":"arn:aws:organizations::*:account/o-*/*"}]}`
	benchOps = `{"Version":"2012-10-17","Statement":[
		{"Sid":"Explorer","Effect":"Allow","Action":["ssm:GetOpsSummary","ssm:*ResourceDataSync"],"Resource":"*",
		 "Condition":{"StringEqualsIfExists":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}},
		{"Sid":"Audit","Effect":"Allow","Action":"auditmanager:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"NoLeaving","Effect":"Deny","Action":["organizations:LeaveOrganization","organizations:DeleteOrganization"],"Resource":"*"}]}`
	benchBoundary = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["organizations:*","ssm:*","auditmanager:*","iam:Get*","iam:List*"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}`
	benchFullAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	benchRegions    = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOtherRegions","Effect":"Deny",
		"NotAction":["iam:*","organizations:*","sts:*","support:*"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`
	benchGuardrails = `{"Version":"2012-10-17","Statement":[
		{"Sid":"NoLeave","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"},
		{"Sid":"ProtectRole","Effect":"Deny","Action":["iam:AttachRolePolicy","iam:DeleteRole","iam:PutRolePolicy"],
		 "Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole",
		 "Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}},
		{"Sid":"NoRootKeys","Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:root"}]}`
	benchNoSSMDelete = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:DeleteResourceDataSync","Resource":"*",
		"Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}]}`
)

type benchPrincipals struct{ p Principal }

func (b benchPrincipals) PrincipalPolicies(store.Tx, orgstack.Caller) (Principal, bool, error) {
	return b.p, true, nil
}

type benchSessions struct{}

func (benchSessions) SessionPolicies(store.Tx, string) ([]*policy.Policy, error) { return nil, nil }

type benchOrganizations struct{ oc OrgContext }

func (b benchOrganizations) AccountContext(store.Tx, string, bool) (OrgContext, bool, error) {
	return b.oc, true, nil
}

func benchParse(b *testing.B, doc string) *policy.Policy {
	p, err := policy.Parse(doc)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkAuthorize measures one authorization of a role session in a
// member account: identity policies, boundary, and SCPs at four levels
// (as Organizations hands them over, documents to parse), for an allowed
// call and for one an SCP denies.
func BenchmarkAuthorize(b *testing.B) {
	s := memory.New()
	defer s.Close()
	a := &Authorizer{
		Store: s,
		Principals: benchPrincipals{Principal{
			Identity: []*policy.Policy{benchParse(b, benchOrgRead), benchParse(b, benchTrusted), benchParse(b, benchOps)},
			Boundary: benchParse(b, benchBoundary),
			Tags:     map[string]string{"team": "platform"},
		}},
		Sessions: benchSessions{},
		Organizations: benchOrganizations{OrgContext{
			OrgID: "o-exampleorgid",
			Path:  "o-exampleorgid/r-examplerootid/ou-exam-workload/ou-exam-prod/",
			SCPLevels: [][]string{
				{benchFullAccess, benchRegions, benchGuardrails},
				{benchFullAccess, benchNoSSMDelete},
				{benchFullAccess},
				{benchFullAccess},
			},
		}},
	}
	c := orgstack.Caller{
		AccountID: "222233334444", Type: orgstack.PrincipalAssumedRole, Region: "us-east-1",
		ARN: "arn:aws:sts::222233334444:assumed-role/Operator/ci", UserID: "AROAEXAMPLE:ci",
		RoleName: "Operator", RoleARN: "arn:aws:iam::222233334444:role/Operator", SessionName: "ci",
		AccessKeyID: "ASIAEXAMPLE",
	}
	for _, tc := range []struct {
		name    string
		req     Request
		allowed bool
	}{
		{"allowed", Request{Action: "organizations:EnableAWSServiceAccess", Resources: []string{"*"},
			Context: map[string][]string{"organizations:ServicePrincipal": {"config.amazonaws.com"}}}, true},
		{"denied", Request{Action: "ssm:CreateResourceDataSync", Resources: []string{"*"},
			Context: map[string][]string{}}, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := tc.req
			c := c
			if !tc.allowed {
				c.Region = "ap-south-1"
				req.Context["aws:RequestedRegion"] = []string{"ap-south-1"}
			}
			err := a.Authorize(b.Context(), c, req, "203.0.113.7:50000")
			if (err == nil) != tc.allowed {
				b.Fatalf("Authorize = %v", err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = a.Authorize(b.Context(), c, req, "203.0.113.7:50000")
			}
		})
	}
}
