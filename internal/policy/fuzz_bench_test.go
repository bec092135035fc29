package policy

import (
	"testing"
)

// tenStatements is a typical identity policy of ten statements: actions
// with wildcards, resource ARNs, conditions, a variable and a deny.
const tenStatements = `{
	"Version": "2012-10-17",
	"Statement": [
		{"Sid": "ReadOrg", "Effect": "Allow", "Action": ["organizations:Describe*", "organizations:List*"], "Resource": "*"},
		{"Sid": "TrustedAccess", "Effect": "Allow",
		 "Action": ["organizations:EnableAWSServiceAccess", "organizations:DisableAWSServiceAccess"], "Resource": "*",
		 "Condition": {"StringEquals": {"organizations:ServicePrincipal": ["ssm.amazonaws.com", "auditmanager.amazonaws.com"]}}},
		{"Sid": "DelegatedAdmins", "Effect": "Allow",
		 "Action": ["organizations:RegisterDelegatedAdministrator", "organizations:DeregisterDelegatedAdministrator"],
		 "Resource": "arn:aws:organizations::*:account/o-*/*"},
		{"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
		 "Resource": "arn:aws:iam::*:role/aws-service-role/*",
		 "Condition": {"StringLike": {"iam:AWSServiceName": "*.amazonaws.com"}}},
		{"Sid": "OwnUser", "Effect": "Allow", "Action": ["iam:GetUser", "iam:ChangePassword"],
		 "Resource": "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"},
		{"Sid": "Explorer", "Effect": "Allow", "Action": ["ssm:GetOpsSummary", "ssm:*ResourceDataSync"], "Resource": "*",
		 "Condition": {"StringEqualsIfExists": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
		{"Sid": "Tagging", "Effect": "Allow", "Action": "organizations:TagResource", "Resource": "*",
		 "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["team", "cost-*"]}}},
		{"Sid": "Office", "Effect": "Allow", "Action": "auditmanager:*", "Resource": "*",
		 "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}, "Bool": {"aws:SecureTransport": "true"}}},
		{"Sid": "Until", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
		 "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
		{"Sid": "NoLeaving", "Effect": "Deny", "Action": ["organizations:LeaveOrganization", "organizations:DeleteOrganization"], "Resource": "*"}
	]
}`

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		tenStatements, fullAWSAccess, denySSM, delegationPolicy, enableForSSMOnly, denySSMOutsideRegions,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`,
		`{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":["*"],"Service":"x"},"NotAction":[],"NotResource":[]}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::${aws:username, 'x'}","Condition":{"Null":{"k":true},"ForAnyValue:NumericLessThanIfExists":{"n":[1,2.5]}}}]}`,
		`{"Statement":[]}`, `null`, `[`, ``, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"${"}}`,
	} {
		f.Add(seed)
	}
	r := Request{
		Principal: Principal{AccountID: "222233334444", ARN: "arn:aws:sts::222233334444:assumed-role/r/s", RoleARN: "arn:aws:iam::222233334444:role/r", Service: "ssm.amazonaws.com"},
		Action:    "organizations:EnableAWSServiceAccess",
		Resource:  "arn:aws:s3:::reports/a",
		Context: map[string][]string{
			"organizations:ServicePrincipal": {"ssm.amazonaws.com"}, "aws:TagKeys": {"team", "cost-a"},
			"aws:SourceIp": {"203.0.113.7"}, "aws:CurrentTime": {"2026-01-01T00:00:00Z"}, "n": {"2"},
		},
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T, want *ParseError", err)
			}
			return
		}
		if len(p.Statements) == 0 {
			t.Fatal("parsed a policy without statements")
		}
		for k := KindIdentity; k <= KindBoundary; k++ {
			_ = Validate(p, k)
			_, _ = ParseFor(doc, k)
		}
		d := p.Evaluate(r)
		if d != NotApplicable && d != Allow && d != Deny {
			t.Fatalf("decision %v", d)
		}
		_ = Decide(Inputs{Identity: []*Policy{p}, Resource: p, Boundary: p, Session: []*Policy{p}, SCPs: [][]*Policy{{p}}}, r)
	})
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustParse(b, tenStatements)
	r := Request{
		Principal: Principal{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/ops/bob"},
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::reports/2026/q1.csv",
		Context: map[string][]string{
			"aws:CurrentTime":     {"2026-03-01T12:00:00Z"},
			"aws:RequestedRegion": {"us-east-1"},
			"aws:SourceIp":        {"203.0.113.7"},
			"aws:SecureTransport": {"true"},
		},
	}
	if got := p.Evaluate(r); got != Allow {
		b.Fatalf("Evaluate = %v", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(r)
	}
}

func BenchmarkDecide(b *testing.B) {
	identity := mustParse(b, tenStatements)
	full := mustParse(b, fullAWSAccess)
	noSSM := mustParse(b, denySSM)
	delegation := mustParse(b, delegationPolicy)
	in := Inputs{
		Identity: []*Policy{identity, mustParse(b, orgAdmin)},
		Resource: delegation,
		SCPs:     [][]*Policy{{full}, {full, noSSM}, {full}},
	}
	r := Request{
		Principal: Principal{AccountID: "222233334444", ARN: "arn:aws:sts::222233334444:assumed-role/Deployer/ci", RoleARN: "arn:aws:iam::222233334444:role/Deployer"},
		Action:    "organizations:CreatePolicy",
		Resource:  "*",
		Context:   map[string][]string{"organizations:PolicyType": {"TAG_POLICY"}, "aws:RequestedRegion": {"us-east-1"}},
	}
	if got := Decide(in, r); got != (Result{Allow, AllowedCrossAccount}) {
		b.Fatalf("Decide = %v", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		Decide(in, r)
	}
}
