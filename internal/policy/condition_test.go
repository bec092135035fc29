package policy

import (
	"fmt"
	"testing"
)

// holds evaluates an Allow statement with one condition against a context
// and reports whether the condition held.
func holds(t *testing.T, op, key, values string, ctx map[string][]string) bool {
	t.Helper()
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
		"Condition":{%q:{%q:%s}}}}`, op, key, values)
	p := mustParse(t, doc)
	r := Request{
		Principal: Principal{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice"},
		Action:    "s3:GetObject", Resource: "*", Context: ctx,
	}
	return p.Evaluate(r) == Allow
}

func ctx1(key string, values ...string) map[string][]string {
	return map[string][]string{key: values}
}

func TestConditionOperators(t *testing.T) {
	missing := map[string][]string{}
	cases := []struct {
		op, key, values string
		ctx             map[string][]string
		want            bool
	}{
		// String operators.
		{"StringEquals", "k", `"a"`, ctx1("k", "a"), true},
		{"StringEquals", "k", `"a"`, ctx1("k", "A"), false},
		{"StringEquals", "k", `["a","b"]`, ctx1("k", "b"), true},
		{"StringEquals", "k", `"a*"`, ctx1("k", "abc"), false},
		{"StringEquals", "k", `"a"`, missing, false},
		{"StringNotEquals", "k", `"a"`, ctx1("k", "b"), true},
		{"StringNotEquals", "k", `"a"`, ctx1("k", "a"), false},
		{"StringNotEquals", "k", `["a","b"]`, ctx1("k", "b"), false},
		{"StringNotEquals", "k", `["a","b"]`, ctx1("k", "c"), true},
		{"StringNotEquals", "k", `"a"`, missing, true},
		{"StringEqualsIgnoreCase", "k", `"ABC"`, ctx1("k", "abc"), true},
		{"StringEqualsIgnoreCase", "k", `"ABC"`, ctx1("k", "abd"), false},
		{"StringNotEqualsIgnoreCase", "k", `"ABC"`, ctx1("k", "abc"), false},
		{"StringNotEqualsIgnoreCase", "k", `"ABC"`, ctx1("k", "xyz"), true},
		{"StringNotEqualsIgnoreCase", "k", `"ABC"`, missing, true},
		{"StringLike", "k", `"a*c"`, ctx1("k", "abbbc"), true},
		{"StringLike", "k", `"a?c"`, ctx1("k", "abbc"), false},
		{"StringLike", "k", `"A*"`, ctx1("k", "abc"), false},
		{"StringLike", "k", `"a*"`, missing, false},
		{"StringNotLike", "k", `["a*","b*"]`, ctx1("k", "cde"), true},
		{"StringNotLike", "k", `["a*","b*"]`, ctx1("k", "bcd"), false},
		{"StringNotLike", "k", `"a*"`, missing, true},

		// Numeric operators.
		{"NumericEquals", "n", `10`, ctx1("n", "10"), true},
		{"NumericEquals", "n", `"10"`, ctx1("n", "10.0"), true},
		{"NumericEquals", "n", `10`, ctx1("n", "11"), false},
		{"NumericEquals", "n", `10`, ctx1("n", "ten"), false},
		{"NumericEquals", "n", `10`, missing, false},
		{"NumericNotEquals", "n", `10`, ctx1("n", "11"), true},
		{"NumericNotEquals", "n", `10`, ctx1("n", "10"), false},
		{"NumericNotEquals", "n", `10`, missing, true},
		{"NumericLessThan", "n", `10`, ctx1("n", "9"), true},
		{"NumericLessThan", "n", `10`, ctx1("n", "10"), false},
		{"NumericLessThanEquals", "n", `10`, ctx1("n", "10"), true},
		{"NumericLessThanEquals", "n", `10`, ctx1("n", "10.5"), false},
		{"NumericGreaterThan", "n", `10`, ctx1("n", "10.5"), true},
		{"NumericGreaterThan", "n", `10`, ctx1("n", "10"), false},
		{"NumericGreaterThanEquals", "n", `10`, ctx1("n", "10"), true},
		{"NumericGreaterThanEquals", "n", `10`, ctx1("n", "-3"), false},
		{"NumericGreaterThan", "n", `10`, missing, false},

		// Date operators: ISO 8601 and epoch seconds on either side.
		{"DateEquals", "aws:CurrentTime", `"2026-03-01T12:00:00Z"`, ctx1("aws:CurrentTime", "2026-03-01T12:00:00Z"), true},
		{"DateEquals", "aws:CurrentTime", `"2026-03-01T12:00:00Z"`, ctx1("aws:CurrentTime", "2026-03-01T14:00:00+02:00"), true},
		{"DateEquals", "aws:CurrentTime", `"1772366400"`, ctx1("aws:CurrentTime", "2026-03-01T12:00:00Z"), true},
		{"DateEquals", "aws:EpochTime", `"2026-03-01T12:00:00Z"`, ctx1("aws:EpochTime", "1772366400"), true},
		{"DateNotEquals", "aws:CurrentTime", `"2026-03-01T12:00:00Z"`, ctx1("aws:CurrentTime", "2026-03-01T12:00:01Z"), true},
		{"DateNotEquals", "aws:CurrentTime", `"2026-03-01T12:00:00Z"`, missing, true},
		{"DateLessThan", "aws:CurrentTime", `"2026-03-01"`, ctx1("aws:CurrentTime", "2026-02-28T23:59:59Z"), true},
		{"DateLessThan", "aws:CurrentTime", `"2026-03-01"`, ctx1("aws:CurrentTime", "2026-03-01T00:00:00Z"), false},
		{"DateLessThanEquals", "aws:CurrentTime", `"2026-03-01"`, ctx1("aws:CurrentTime", "2026-03-01T00:00:00Z"), true},
		{"DateGreaterThan", "aws:CurrentTime", `"2026-03-01T00:00Z"`, ctx1("aws:CurrentTime", "2026-03-01T00:00:01Z"), true},
		{"DateGreaterThan", "aws:CurrentTime", `"2026-03-01T00:00Z"`, ctx1("aws:CurrentTime", "2026-02-01T00:00:00Z"), false},
		{"DateGreaterThanEquals", "aws:CurrentTime", `"2026-03-01"`, ctx1("aws:CurrentTime", "2026-03-01T00:00:00.000Z"), true},
		{"DateGreaterThan", "aws:CurrentTime", `"2026-03-01"`, missing, false},

		// Bool, binary, IP address.
		{"Bool", "aws:SecureTransport", `true`, ctx1("aws:SecureTransport", "true"), true},
		{"Bool", "aws:SecureTransport", `"true"`, ctx1("aws:SecureTransport", "TRUE"), true},
		{"Bool", "aws:SecureTransport", `"false"`, ctx1("aws:SecureTransport", "true"), false},
		{"Bool", "aws:SecureTransport", `"false"`, missing, false},
		{"BinaryEquals", "k", `"QmluYXJ5VmFsdWU="`, ctx1("k", "QmluYXJ5VmFsdWU="), true},
		{"BinaryEquals", "k", `"QmluYXJ5VmFsdWU="`, ctx1("k", "T3RoZXI="), false},
		{"IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx1("aws:SourceIp", "203.0.113.9"), true},
		{"IpAddress", "aws:SourceIp", `["10.0.0.0/8","203.0.113.0/24"]`, ctx1("aws:SourceIp", "198.51.100.1"), false},
		{"IpAddress", "aws:SourceIp", `"203.0.113.9"`, ctx1("aws:SourceIp", "203.0.113.9"), true},
		{"IpAddress", "aws:SourceIp", `"2001:db8::/32"`, ctx1("aws:SourceIp", "2001:db8::1"), true},
		{"IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx1("aws:SourceIp", "not-an-ip"), false},
		{"IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, missing, false},
		{"NotIpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx1("aws:SourceIp", "198.51.100.1"), true},
		{"NotIpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx1("aws:SourceIp", "203.0.113.1"), false},
		{"NotIpAddress", "aws:SourceIp", `"203.0.113.0/24"`, missing, true},

		// ARN operators: component-wise, case-sensitive, wildcards in both.
		{"ArnEquals", "aws:SourceArn", `"arn:aws:iam::111122223333:role/r"`, ctx1("aws:SourceArn", "arn:aws:iam::111122223333:role/r"), true},
		{"ArnEquals", "aws:SourceArn", `"arn:aws:iam::*:role/r"`, ctx1("aws:SourceArn", "arn:aws:iam::111122223333:role/r"), true},
		{"ArnLike", "aws:SourceArn", `"arn:aws:iam::*:role/aws-service-role/*"`, ctx1("aws:SourceArn", "arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/X"), true},
		{"ArnLike", "aws:SourceArn", `"arn:aws:iam::*:role/R"`, ctx1("aws:SourceArn", "arn:aws:iam::111122223333:role/r"), false},
		{"ArnLike", "aws:SourceArn", `"arn:aws:iam::*:role/*"`, missing, false},
		{"ArnNotEquals", "aws:SourceArn", `"arn:aws:iam::111122223333:role/r"`, ctx1("aws:SourceArn", "arn:aws:iam::111122223333:role/s"), true},
		{"ArnNotEquals", "aws:SourceArn", `"arn:aws:iam::111122223333:role/r"`, missing, true},
		{"ArnNotLike", "aws:PrincipalArn", `"arn:aws:iam::*:role/admin-*"`, ctx1("aws:PrincipalArn", "arn:aws:iam::111122223333:role/admin-1"), false},
		{"ArnNotLike", "aws:PrincipalArn", `"arn:aws:iam::*:role/admin-*"`, ctx1("aws:PrincipalArn", "arn:aws:iam::111122223333:role/dev"), true},

		// Null checks presence.
		{"Null", "aws:TokenIssueTime", `"true"`, missing, true},
		{"Null", "aws:TokenIssueTime", `"true"`, ctx1("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), false},
		{"Null", "aws:TokenIssueTime", `"false"`, ctx1("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), true},
		{"Null", "aws:TokenIssueTime", `false`, missing, false},
		{"Null", "k", `"true"`, map[string][]string{"k": {}}, true},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s %s=%s ctx=%v", c.op, c.key, c.values, c.ctx)
		if got := holds(t, c.op, c.key, c.values, c.ctx); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestConditionIfExistsAndSets(t *testing.T) {
	missing := map[string][]string{}
	tags := func(v ...string) map[string][]string { return ctx1("aws:TagKeys", v...) }
	cases := []struct {
		op, key, values string
		ctx             map[string][]string
		want            bool
	}{
		{"StringEqualsIfExists", "k", `"a"`, missing, true},
		{"StringEqualsIfExists", "k", `"a"`, ctx1("k", "a"), true},
		{"StringEqualsIfExists", "k", `"a"`, ctx1("k", "b"), false},
		{"StringNotEqualsIfExists", "k", `"a"`, ctx1("k", "a"), false},
		{"StringNotEqualsIfExists", "k", `"a"`, missing, true},
		{"NumericLessThanIfExists", "n", `5`, ctx1("n", "9"), false},
		{"ArnLikeIfExists", "aws:SourceArn", `"arn:aws:s3:::b"`, missing, true},
		{"BoolIfExists", "aws:MultiFactorAuthPresent", `"false"`, missing, true},

		{"ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, tags("x", "b"), true},
		{"ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, tags("x", "y"), false},
		{"ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, missing, false},
		{"ForAnyValue:StringLike", "aws:TagKeys", `"team*"`, tags("cost", "team-x"), true},
		{"ForAnyValue:StringNotEquals", "aws:TagKeys", `["a","b"]`, tags("a", "b"), false},
		{"ForAnyValue:StringNotEquals", "aws:TagKeys", `["a","b"]`, tags("a", "z"), true},
		{"ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, tags("a", "b"), true},
		{"ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, tags("a", "c"), false},
		{"ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, missing, true},
		{"ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, tags(), true},
		{"ForAllValues:StringNotEquals", "aws:TagKeys", `["a","b"]`, tags("c", "d"), true},
		{"ForAllValues:StringNotEquals", "aws:TagKeys", `["a","b"]`, tags("c", "a"), false},
		{"ForAllValues:StringLikeIfExists", "aws:TagKeys", `"a*"`, missing, true},
		{"ForAnyValue:StringEqualsIfExists", "aws:TagKeys", `"a"`, missing, true},
		// Without a set operator a multivalued key matches when any value does.
		{"StringEquals", "aws:TagKeys", `"b"`, tags("a", "b"), true},
		{"StringNotEquals", "aws:TagKeys", `"b"`, tags("a", "b"), false},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s %s=%s ctx=%v", c.op, c.key, c.values, c.ctx)
		if got := holds(t, c.op, c.key, c.values, c.ctx); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestConditionKeysAndBlocks(t *testing.T) {
	// Key names are not case-sensitive; values of String* are.
	if !holds(t, "StringEquals", "AWS:PrincipalTag/Team", `"infra"`, ctx1("aws:principaltag/team", "infra")) {
		t.Error("key case mattered")
	}
	// Keys implied by the principal need not be in Context.
	if !holds(t, "StringEquals", "aws:PrincipalAccount", `"111122223333"`, nil) {
		t.Error("aws:PrincipalAccount not derived")
	}
	if !holds(t, "StringEquals", "aws:username", `"alice"`, nil) {
		t.Error("aws:username not derived")
	}
	if !holds(t, "StringEquals", "aws:PrincipalType", `"User"`, nil) {
		t.Error("aws:PrincipalType not derived")
	}
	// Context overrides what the principal implies.
	if holds(t, "StringEquals", "aws:PrincipalAccount", `"111122223333"`, ctx1("aws:PrincipalAccount", "444455556666")) {
		t.Error("context did not override")
	}

	// Several keys in one operator, and several operators, are ANDed.
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
		"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"],"aws:PrincipalTag/team":"infra"},
		"Bool":{"aws:SecureTransport":"true"}}}}`)
	base := map[string][]string{"aws:RequestedRegion": {"eu-west-1"}, "aws:PrincipalTag/team": {"infra"}, "aws:SecureTransport": {"true"}}
	r := Request{Action: "s3:GetObject", Resource: "*", Context: base}
	if got := p.Evaluate(r); got != Allow {
		t.Errorf("all hold: %v", got)
	}
	for k := range base {
		ctx := map[string][]string{}
		for k2, v := range base {
			if k2 != k {
				ctx[k2] = v
			}
		}
		r.Context = ctx
		if got := p.Evaluate(r); got != NotApplicable {
			t.Errorf("without %s: %v", k, got)
		}
	}
}

func TestConditionVariables(t *testing.T) {
	cases := []struct {
		op, values string
		ctx        map[string][]string
		want       bool
	}{
		{"StringEquals", `"${aws:PrincipalTag/team}"`, map[string][]string{"aws:PrincipalTag/team": {"infra"}, "aws:ResourceTag/team": {"infra"}}, true},
		{"StringEquals", `"${aws:PrincipalTag/team}"`, map[string][]string{"aws:PrincipalTag/team": {"infra"}, "aws:ResourceTag/team": {"dev"}}, false},
		// An unresolvable variable makes the condition false, even negated.
		{"StringEquals", `"${aws:PrincipalTag/owner}"`, map[string][]string{"aws:ResourceTag/team": {"infra"}}, false},
		{"StringNotEquals", `"${aws:PrincipalTag/owner}"`, map[string][]string{"aws:ResourceTag/team": {"infra"}}, false},
		// A default stands in for a missing key.
		{"StringEquals", `"${aws:PrincipalTag/owner, 'infra'}"`, map[string][]string{"aws:ResourceTag/team": {"infra"}}, true},
		{"StringLike", `"${aws:PrincipalTag/team}-*"`, map[string][]string{"aws:PrincipalTag/team": {"infra"}, "aws:ResourceTag/team": {"infra-eu"}}, true},
		{"StringEquals", `"a${$}b"`, map[string][]string{"aws:ResourceTag/team": {"a$b"}}, true},
	}
	for _, c := range cases {
		if got := holds(t, c.op, "aws:ResourceTag/team", c.values, c.ctx); got != c.want {
			t.Errorf("%s %s ctx=%v: %v, want %v", c.op, c.values, c.ctx, got, c.want)
		}
	}
	// Numeric operators take no variables: the text is compared as written.
	if holds(t, "NumericEquals", "n", `"${aws:PrincipalTag/n}"`, map[string][]string{"n": {"3"}, "aws:PrincipalTag/n": {"3"}}) {
		t.Error("variable substituted in a numeric operator")
	}
}

func TestParseDate(t *testing.T) {
	good := []string{"2026-03-01T12:00:00Z", "2026-03-01T12:00:00.123Z", "2026-03-01T12:00:00+02:00",
		"2026-03-01T12:00Z", "2026-03-01T12:00:00", "2026-03-01", "2026-03", "20260301T120000Z", "1772366400", "1772366400.5"}
	for _, s := range good {
		if _, ok := parseDate(s); !ok {
			t.Errorf("parseDate(%q) failed", s)
		}
	}
	for _, s := range []string{"", "tomorrow", "2026-13-01", "1.2.3"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) succeeded", s)
		}
	}
}
