package policy

import (
	"errors"
	"reflect"
	"testing"
)

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

func TestParseShapes(t *testing.T) {
	p := mustParse(t, `{
		"Version": "2012-10-17",
		"Id": "doc-1",
		"Statement": {
			"Sid": "One",
			"Effect": "Allow",
			"Action": "organizations:EnableAWSServiceAccess",
			"Resource": ["*"],
			"Condition": {
				"StringEquals": {"organizations:ServicePrincipal": ["ssm.amazonaws.com", "config.amazonaws.com"]},
				"NumericLessThan": {"s3:max-keys": 10},
				"Bool": {"aws:SecureTransport": true}
			}
		}
	}`)
	if p.Version != Version2012 || p.ID != "doc-1" || len(p.Statements) != 1 {
		t.Fatalf("policy = %+v", p)
	}
	st := p.Statements[0]
	if st.Sid != "One" || st.Effect != EffectAllow {
		t.Errorf("statement = %+v", st)
	}
	if !reflect.DeepEqual(st.Action, []string{"organizations:EnableAWSServiceAccess"}) || st.NotAction != nil {
		t.Errorf("Action = %#v, NotAction = %#v", st.Action, st.NotAction)
	}
	if !reflect.DeepEqual(st.Resource, []string{"*"}) || st.NotResource != nil {
		t.Errorf("Resource = %#v", st.Resource)
	}
	want := []Condition{
		{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}},
		{Operator: "NumericLessThan", Key: "s3:max-keys", Values: []string{"10"}},
		{Operator: "StringEquals", Key: "organizations:ServicePrincipal", Values: []string{"ssm.amazonaws.com", "config.amazonaws.com"}},
	}
	if len(st.Conditions) != len(want) {
		t.Fatalf("Conditions = %+v", st.Conditions)
	}
	for i, c := range st.Conditions {
		if c.Operator != want[i].Operator || c.Key != want[i].Key || !reflect.DeepEqual(c.Values, want[i].Values) {
			t.Errorf("Conditions[%d] = %+v, want %+v", i, c, want[i])
		}
	}
}

func TestParsePrincipals(t *testing.T) {
	p := mustParse(t, `{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
		{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::222233334444:root"],"Service":"ssm.amazonaws.com","Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df9"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"NotAction":"s3:Get*","NotResource":[]}
	]}`)
	if p.Version != "" || len(p.Statements) != 3 {
		t.Fatalf("policy = %+v", p)
	}
	if pr := p.Statements[0].Principal; pr == nil || !pr.Any {
		t.Errorf("bare * principal = %+v", pr)
	}
	pr := p.Statements[1].Principal
	if !reflect.DeepEqual(pr.AWS, []string{"111122223333", "arn:aws:iam::222233334444:root"}) ||
		!reflect.DeepEqual(pr.Service, []string{"ssm.amazonaws.com"}) ||
		!reflect.DeepEqual(pr.Federated, []string{"cognito-identity.amazonaws.com"}) ||
		!reflect.DeepEqual(pr.CanonicalUser, []string{"79a59df9"}) {
		t.Errorf("principal = %+v", pr)
	}
	st := p.Statements[2]
	if st.NotPrincipal == nil || st.Principal != nil || st.NotAction == nil || st.NotResource == nil || len(st.NotResource) != 0 {
		t.Errorf("statement = %+v", st)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, doc, msg string
	}{
		{"not json", `assume-role-policy.json`, msgInvalidJSON},
		{"trailing comma", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",}]}`, msgInvalidJSON},
		{"trailing data", `{"Statement":[]} {}`, msgInvalidJSON},
		{"empty", ``, msgInvalidJSON},
		{"null", `null`, msgSyntax},
		{"array", `[]`, msgSyntax},
		{"no statement", `{"Version":"2012-10-17"}`, msgSyntax},
		{"empty statement list", `{"Statement":[]}`, msgSyntax},
		{"statement string", `{"Statement":"x"}`, msgSyntax},
		{"statement list of strings", `{"Statement":["x"]}`, msgSyntax},
		{"bad version", `{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, msgSyntax},
		{"version number", `{"Version":2012,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, msgSyntax},
		{"unknown top element", `{"Statements":[],"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, msgSyntax},
		{"id number", `{"Id":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, msgSyntax},
		{"no effect", `{"Statement":{"Action":"*","Resource":"*"}}`, msgSyntax},
		{"bad effect", `{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}`, msgSyntax},
		{"unknown element", `{"Statement":{"Effect":"Allow","Actions":"*","Resource":"*"}}`, msgSyntax},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`, msgSyntax},
		{"resource and notresource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, msgSyntax},
		{"principal and notprincipal", `{"Statement":{"Effect":"Allow","Action":"*","Principal":"*","NotPrincipal":{"AWS":"*"}}}`, msgSyntax},
		{"action number", `{"Statement":{"Effect":"Allow","Action":1,"Resource":"*"}}`, msgSyntax},
		{"action list with object", `{"Statement":{"Effect":"Allow","Action":[{"Ref":"X"}],"Resource":"*"}}`, msgSyntax},
		{"resource object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":{"Fn::GetAtt":["A","Arn"]}}}`, msgSyntax},
		{"sid number", `{"Statement":{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}}`, msgSyntax},
		{"principal bare arn", `{"Statement":{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::111122223333:root"}}`, msgSyntax},
		{"principal unknown key", `{"Statement":{"Effect":"Allow","Action":"*","Principal":{"Account":"111122223333"}}}`, `Invalid principal in policy: "Account":"111122223333"`},
		{"principal number", `{"Statement":{"Effect":"Allow","Action":"*","Principal":{"AWS":111122223333}}}`, msgSyntax},
		{"condition list", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}}`, msgSyntax},
		{"condition operator string", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}}`, msgSyntax},
		{"unknown operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringMatches":{"k":"v"}}}}`, msgSyntax},
		{"operator case", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"k":"v"}}}}`, msgSyntax},
		{"condition value object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"a":"b"}}}}}`, msgSyntax},
		{"condition value null", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":null}}}}`, msgSyntax},
		{"condition list with null", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["a",null]}}}}`, msgSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.doc)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *ParseError", err)
			}
			if pe.Msg != c.msg {
				t.Errorf("message = %q, want %q", pe.Msg, c.msg)
			}
		})
	}
}

func TestParseLenient(t *testing.T) {
	// An unknown operator with an empty block passes the grammar; the
	// Effect's letter case is Validate's business.
	p := mustParse(t, `{"Statement":{"Effect":"allow","Action":"*","Resource":"*","Condition":{"Whatever":{}}}}`)
	if len(p.Statements[0].Conditions) != 0 || p.Statements[0].Effect != "allow" {
		t.Errorf("statement = %+v", p.Statements[0])
	}
	// Every qualifier and suffix combination is an operator.
	mustParse(t, `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{
		"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"a*"},
		"ForAllValues:ArnNotEqualsIfExists":{"aws:SourceArn":"arn:aws:s3:::b"},
		"NullIfExists":{"aws:TokenIssueTime":"true"}}}}`)
}

func TestParseFor(t *testing.T) {
	cases := []struct {
		kind Kind
		doc  string
		msg  string
	}{
		{KindIdentity, `{"Statement":[{"Effect":"Allow",}]}`, msgSyntax},
		{KindManaged, `not json`, msgSyntax},
		{KindTrust, `not json`, msgInvalidJSON},
		{KindResource, `not json`, msgInvalidJSON},
		{KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, msgNoPrincipal},
		{KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`, ""},
	}
	for _, c := range cases {
		_, err := ParseFor(c.doc, c.kind)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.msg {
			t.Errorf("ParseFor(%s, %v) = %q, want %q", c.doc, c.kind, got, c.msg)
		}
	}
}
