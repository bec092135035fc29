package policy

import (
	"testing"
)

// Principals used across the tests.
func mgmtRoot() Principal {
	return Principal{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:root", IsRoot: true}
}

func mgmtAdmin() Principal {
	return Principal{AccountID: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/OrgAdmin/alice",
		RoleARN: "arn:aws:iam::111122223333:role/OrgAdmin"}
}

func mgmtUser() Principal {
	return Principal{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/ops/bob"}
}

func memberRole() Principal {
	return Principal{AccountID: "222233334444", ARN: "arn:aws:sts::222233334444:assumed-role/Deployer/ci",
		RoleARN: "arn:aws:iam::222233334444:role/Deployer"}
}

func otherRole() Principal {
	return Principal{AccountID: "444455556666", ARN: "arn:aws:sts::444455556666:assumed-role/X/s",
		RoleARN: "arn:aws:iam::444455556666:role/X"}
}

func ssmService() Principal { return Principal{Service: "ssm.amazonaws.com"} }

func TestPrincipalMatching(t *testing.T) {
	cases := []struct {
		name      string
		principal string
		who       Principal
		want      bool
	}{
		{"bare star", `"*"`, memberRole(), true},
		{"bare star service", `"*"`, ssmService(), true},
		{"aws star", `{"AWS":"*"}`, memberRole(), true},
		{"aws star not service", `{"AWS":"*"}`, ssmService(), false},
		{"account id", `{"AWS":"222233334444"}`, memberRole(), true},
		{"account id other", `{"AWS":"222233334444"}`, otherRole(), false},
		{"account root arn", `{"AWS":"arn:aws:iam::222233334444:root"}`, memberRole(), true},
		{"account root arn matches root", `{"AWS":"arn:aws:iam::111122223333:root"}`, mgmtRoot(), true},
		{"account root arn matches user", `{"AWS":"arn:aws:iam::111122223333:root"}`, mgmtUser(), true},
		{"account root arn other", `{"AWS":"arn:aws:iam::111122223333:root"}`, memberRole(), false},
		{"role arn matches session", `{"AWS":"arn:aws:iam::222233334444:role/Deployer"}`, memberRole(), true},
		{"other role", `{"AWS":"arn:aws:iam::222233334444:role/Other"}`, memberRole(), false},
		{"session arn", `{"AWS":"arn:aws:sts::222233334444:assumed-role/Deployer/ci"}`, memberRole(), true},
		{"other session", `{"AWS":"arn:aws:sts::222233334444:assumed-role/Deployer/other"}`, memberRole(), false},
		{"user arn", `{"AWS":"arn:aws:iam::111122223333:user/ops/bob"}`, mgmtUser(), true},
		{"user arn without path", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, mgmtUser(), false},
		{"no wildcards in arns", `{"AWS":"arn:aws:iam::222233334444:role/*"}`, memberRole(), false},
		{"list", `{"AWS":["444455556666","arn:aws:iam::222233334444:role/Deployer"]}`, memberRole(), true},
		{"service", `{"Service":"ssm.amazonaws.com"}`, ssmService(), true},
		{"service list", `{"Service":["config.amazonaws.com","ssm.amazonaws.com"]}`, ssmService(), true},
		{"other service", `{"Service":"config.amazonaws.com"}`, ssmService(), false},
		{"service vs role", `{"Service":"ssm.amazonaws.com"}`, memberRole(), false},
		{"federated", `{"Federated":"cognito-identity.amazonaws.com"}`, Principal{Federated: "cognito-identity.amazonaws.com"}, true},
		{"canonical user never", `{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`, memberRole(), false},
	}
	for _, c := range cases {
		p := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":`+c.principal+`,"Action":"sts:AssumeRole"}}`)
		r := Request{Principal: c.who, Action: "sts:AssumeRole", Resource: "arn:aws:iam::111122223333:role/Target"}
		if got := p.Evaluate(r) == Allow; got != c.want {
			t.Errorf("%s: matched %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNotElements(t *testing.T) {
	// NotAction: everything but IAM.
	p := mustParse(t, `{"Statement":{"Effect":"Allow","NotAction":["iam:*","organizations:Leave*"],"Resource":"*"}}`)
	for action, want := range map[string]Decision{
		"s3:GetObject": Allow, "iam:CreateRole": NotApplicable, "IAM:createrole": NotApplicable,
		"organizations:LeaveOrganization": NotApplicable, "organizations:ListAccounts": Allow,
	} {
		if got := p.Evaluate(Request{Principal: mgmtUser(), Action: action, Resource: "*"}); got != want {
			t.Errorf("NotAction %s: %v, want %v", action, got, want)
		}
	}

	// NotResource with Deny: deny everything outside one bucket.
	p = mustParse(t, `{"Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::shared","arn:aws:s3:::shared/*"]}]}`)
	for res, want := range map[string]Decision{
		"arn:aws:s3:::shared/a.txt": Allow, "arn:aws:s3:::shared": Allow, "arn:aws:s3:::private/a.txt": Deny,
	} {
		if got := p.Evaluate(Request{Principal: mgmtUser(), Action: "s3:GetObject", Resource: res}); got != want {
			t.Errorf("NotResource %s: %v, want %v", res, got, want)
		}
	}

	// NotPrincipal with Deny: everyone but the named role is denied.
	p = mustParse(t, `{"Statement":[
		{"Effect":"Allow","Principal":{"AWS":"222233334444"},"Action":"organizations:Describe*","Resource":"*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222233334444:role/Deployer"},"Action":"organizations:DescribePolicy","Resource":"*"}]}`)
	cases := []struct {
		who    Principal
		action string
		want   Decision
	}{
		{memberRole(), "organizations:DescribePolicy", Allow},
		{Principal{AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:user/eve"}, "organizations:DescribePolicy", Deny},
		{Principal{AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:user/eve"}, "organizations:DescribeAccount", Allow},
		{otherRole(), "organizations:DescribePolicy", Deny},
		{otherRole(), "organizations:DescribeAccount", NotApplicable},
	}
	for _, c := range cases {
		if got := p.Evaluate(Request{Principal: c.who, Action: c.action, Resource: "*"}); got != c.want {
			t.Errorf("NotPrincipal %s %s: %v, want %v", c.who.ARN, c.action, got, c.want)
		}
	}
}

func TestEvaluateSetAndEffects(t *testing.T) {
	allow := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"*"}}`)
	deny := mustParse(t, `{"Statement":{"Effect":"Deny","Action":"ssm:DeleteResourceDataSync","Resource":"*"}}`)
	lower := mustParse(t, `{"Statement":{"Effect":"deny","Action":"ssm:*","Resource":"*"}}`)
	noAction := &Policy{Statements: []Statement{{Effect: EffectAllow, Resource: []string{"*"}}}}
	r := Request{Principal: mgmtAdmin(), Action: "ssm:DeleteResourceDataSync", Resource: "*"}
	cases := []struct {
		name     string
		policies []*Policy
		want     Decision
	}{
		{"none", nil, NotApplicable},
		{"nil entries", []*Policy{nil, nil}, NotApplicable},
		{"allow", []*Policy{allow}, Allow},
		{"deny wins", []*Policy{allow, deny}, Deny},
		{"deny wins first", []*Policy{deny, allow}, Deny},
		{"effect case", []*Policy{allow, lower}, Deny},
		{"no action matches nothing", []*Policy{noAction}, NotApplicable},
		{"zero policy", []*Policy{{}}, NotApplicable},
	}
	for _, c := range cases {
		if got := Evaluate(c.policies, r); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	var nilPolicy *Policy
	if got := nilPolicy.Evaluate(r); got != NotApplicable {
		t.Errorf("nil policy: %v", got)
	}
	if got := allow.Evaluate(Request{Principal: mgmtAdmin(), Action: "ssm:GetOpsSummary", Resource: "arn:aws:ssm:us-east-1:111122223333:opsitem/oi-1"}); got != Allow {
		t.Errorf("resource ARN under *: %v", got)
	}
	for d, want := range map[Decision]string{NotApplicable: "NotApplicable", Allow: "Allow", Deny: "Deny", Decision(9): "Decision(9)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q", int(d), got)
		}
	}
}

// enableForSSMOnly lets a role enable trusted access for Systems Manager
// and for no other service.
const enableForSSMOnly = `{
	"Version": "2012-10-17",
	"Statement": [{
		"Sid": "EnableSSMOnly",
		"Effect": "Allow",
		"Action": "organizations:EnableAWSServiceAccess",
		"Resource": "*",
		"Condition": {"StringEquals": {"organizations:ServicePrincipal": "ssm.amazonaws.com"}}
	}]
}`

func TestEnableAWSServiceAccessForSSMOnly(t *testing.T) {
	p, err := ParseFor(enableForSSMOnly, KindManaged)
	if err != nil {
		t.Fatal(err)
	}
	req := func(action, service string) Request {
		r := Request{Principal: mgmtAdmin(), Action: action, Resource: "*"}
		if service != "" {
			r.Context = map[string][]string{"organizations:ServicePrincipal": {service}}
		}
		return r
	}
	cases := []struct {
		name string
		r    Request
		want Decision
	}{
		{"ssm", req("organizations:EnableAWSServiceAccess", "ssm.amazonaws.com"), Allow},
		{"audit manager", req("organizations:EnableAWSServiceAccess", "auditmanager.amazonaws.com"), NotApplicable},
		{"no service principal", req("organizations:EnableAWSServiceAccess", ""), NotApplicable},
		{"principal case", req("organizations:EnableAWSServiceAccess", "SSM.amazonaws.com"), NotApplicable},
		{"disable", req("organizations:DisableAWSServiceAccess", "ssm.amazonaws.com"), NotApplicable},
	}
	for _, c := range cases {
		if got := p.Evaluate(c.r); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHandBuiltPolicy(t *testing.T) {
	p := &Policy{Version: Version2012, Statements: []Statement{{
		Effect:     EffectAllow,
		Action:     []string{"S3:Get*"},
		Resource:   []string{"arn:aws:s3:::b/${aws:username}/*"},
		Conditions: []Condition{{Operator: "ForAnyValue:StringLikeIfExists", Key: "aws:TagKeys", Values: []string{"team*"}}},
	}}}
	if err := Validate(p, KindManaged); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	r := Request{Principal: mgmtUser(), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/bob/x"}
	if got := p.Evaluate(r); got != Allow {
		t.Errorf("no tags: %v", got)
	}
	r.Context = map[string][]string{"aws:TagKeys": {"cost"}}
	if got := p.Evaluate(r); got != NotApplicable {
		t.Errorf("other tag: %v", got)
	}
	p.Statements[0].Conditions[0].Operator = "StringMatches"
	if got := p.Evaluate(r); got != NotApplicable {
		t.Errorf("unknown operator: %v", got)
	}
	if err := Validate(p, KindManaged); err == nil || err.Error() != msgSyntax {
		t.Errorf("Validate unknown operator: %v", err)
	}
}
