package policy

import (
	"testing"
)

func TestMatchAction(t *testing.T) {
	cases := []struct {
		pattern, action string
		want            bool
	}{
		{"*", "organizations:EnableAWSServiceAccess", true},
		{"organizations:*", "organizations:EnableAWSServiceAccess", true},
		{"organizations:EnableAWSServiceAccess", "organizations:EnableAWSServiceAccess", true},
		{"Organizations:enableawsserviceaccess", "organizations:EnableAWSServiceAccess", true},
		{"organizations:enable*", "organizations:EnableAWSServiceAccess", true},
		{"organizations:Enable*Access", "organizations:EnableAWSServiceAccess", true},
		{"organizations:Enable*Access", "organizations:EnableAllFeatures", false},
		{"organizations:Disable*", "organizations:EnableAWSServiceAccess", false},
		{"organizations:List?ccounts", "organizations:ListAccounts", true},
		{"organizations:List?ccounts", "organizations:ListXXccounts", false},
		{"ssm:*", "ssm:GetOpsSummary", true},
		{"ssm:*", "ssm-incidents:ListResponsePlans", false},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"s3:GetObject", "s3:GetObjectAcl", false},
		{"*Object", "s3:GetObject", true},
		{"iam:*Role*", "iam:CreateServiceLinkedRole", true},
		{"sts:AssumeRole", "sts:AssumeRoleWithSAML", false},
		{"sts:AssumeRole*", "sts:AssumeRoleWithSAML", true},
		{"", "s3:GetObject", false},
	}
	for _, c := range cases {
		if got := MatchAction(c.pattern, c.action); got != c.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", c.pattern, c.action, got, c.want)
		}
	}
}

func TestMatchARN(t *testing.T) {
	cases := []struct {
		pattern, arn string
		want         bool
	}{
		{"*", "arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/222233334444", true},
		{"*", "*", true},
		{"arn:aws:organizations::*:account/o-*/*", "arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/222233334444", true},
		{"arn:aws:organizations::*:account/o-*/*", "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cdefgh34", false},
		{"arn:aws:organizations::*:account/o-*/*", "arn:aws:organizations::111122223333:account/r-ab12/222233334444", false},
		{"arn:aws:organizations::*:account/o-*/*", "*", false},
		{"arn:aws:iam::*:role/aws-service-role/*", "arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM", true},
		{"arn:aws:iam::*:role/aws-service-role/*", "arn:aws:iam::111122223333:role/admin", false},
		{"arn:aws:iam::*:role/aws-service-role/*", "arn:aws:iam::111122223333:role/x/aws-service-role/y", false},
		// A wildcard in a component does not reach into the next one.
		{"arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x", true},
		{"arn:aws:iam::1*:role/x", "arn:aws:iam::111122223333:role/x", true},
		{"arn:aws:iam::*3:role/x", "arn:aws:iam::111122223333:role/x", true},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/y", false},
		{"arn:aws:*:*:*:*", "arn:aws:ssm:us-east-1:111122223333:parameter/a/b", true},
		{"arn:aws:ssm:*:*:*", "arn:aws:s3:::bucket", false},
		{"arn:*:ssm:*:*:*", "arn:aws-cn:ssm:cn-north-1:111122223333:document/x", true},
		// The resource component spans colons and slashes.
		{"arn:aws:logs:*:*:*", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*", true},
		{"arn:aws:logs:*:*:log-group:/aws/*", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:log-stream:x", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c.txt", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-logs", true},
		{"arn:aws:s3:::bucket?", "arn:aws:s3:::bucket1", true},
		{"arn:aws:s3:::bucket?", "arn:aws:s3:::bucket12", false},
		// Empty components must match empty ones.
		{"arn:aws:s3:::b", "arn:aws:s3:us-east-1::b", false},
		{"arn:aws:s3:*::b", "arn:aws:s3:::b", true},
		// Case matters.
		{"arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/admin", false},
		// Patterns that are not six-component ARNs are whole-string globs.
		{"arn:aws:codebuild:*", "arn:aws:codebuild:us-east-1:111122223333:project/p", true},
		{"arn:aws:codebuild:*", "arn:aws:codepipeline:us-east-1:111122223333:p", false},
		{"arn:aws:s3:::b", "b", false},
	}
	for _, c := range cases {
		if got := MatchARN(c.pattern, c.arn); got != c.want {
			t.Errorf("MatchARN(%q, %q) = %v, want %v", c.pattern, c.arn, got, c.want)
		}
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		fold, want bool
	}{
		{"", "", false, true},
		{"*", "", false, true},
		{"**", "abc", false, true},
		{"?", "", false, false},
		{"a*b*c", "aXXbYYc", false, true},
		{"a*b*c", "aXXbYY", false, false},
		{"*abc", "ababc", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "aéc", false, true},
		{"é*", "éclair", false, true},
		{"ABC", "abc", false, false},
		{"ABC", "abc", true, true},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
	}
	for _, c := range cases {
		if got := glob(c.pattern, c.s, c.fold); got != c.want {
			t.Errorf("glob(%q, %q, %v) = %v, want %v", c.pattern, c.s, c.fold, got, c.want)
		}
	}
}

func TestResourceVariables(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ChangePassword",
		"Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}}`)
	alice := Principal{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/staff/alice"}
	cases := []struct {
		name     string
		who      Principal
		resource string
		want     Decision
	}{
		{"own user", alice, "arn:aws:iam::111122223333:user/alice", Allow},
		{"other user", alice, "arn:aws:iam::111122223333:user/bob", NotApplicable},
		{"other account", alice, "arn:aws:iam::444455556666:user/alice", NotApplicable},
		// A role session has no aws:username: the statement does not apply.
		{"session", Principal{ARN: "arn:aws:sts::111122223333:assumed-role/r/alice"}, "arn:aws:iam::111122223333:user/alice", NotApplicable},
	}
	for _, c := range cases {
		r := Request{Principal: c.who, Action: "iam:ChangePassword", Resource: c.resource}
		if got := p.Evaluate(r); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// In a 2008-10-17 document the same text is literal.
	old := mustParse(t, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}`)
	r := Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice"}
	if got := old.Evaluate(r); got != NotApplicable {
		t.Errorf("2008 variable substituted: %v", got)
	}
	r.Resource = "arn:aws:s3:::b/${aws:username}"
	if got := old.Evaluate(r); got != Allow {
		t.Errorf("2008 literal: %v", got)
	}
}
