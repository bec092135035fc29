package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

func mustParse(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRevokeOlderSessions: IAM's "revoke active sessions" adds to the role
// an inline policy denying everything to tokens issued before a time. It
// stops sessions issued earlier, not later ones, and not long-term keys,
// which carry no aws:TokenIssueTime.
func TestRevokeOlderSessions(t *testing.T) {
	s := memory.New()
	defer s.Close()
	revokedAt := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	a := &Authorizer{
		Store: s,
		Principals: benchPrincipals{Principal{Identity: []*policy.Policy{
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],
				"Condition":{"DateLessThan":{"aws:TokenIssueTime":"`+revokedAt.Format(time.RFC3339)+`"}}}]}`),
		}}},
		Sessions: benchSessions{},
		Clock:    orgstack.NewFixedClock(revokedAt.Add(time.Minute)),
	}
	session := func(issued time.Time) orgstack.Caller {
		return orgstack.Caller{AccountID: "222233334444", Type: orgstack.PrincipalAssumedRole, Region: "us-east-1",
			ARN: "arn:aws:sts::222233334444:assumed-role/Ops/s", UserID: "AROAEXAMPLE:s", RoleName: "Ops",
			RoleARN: "arn:aws:iam::222233334444:role/Ops", SessionName: "s", TokenIssueTime: issued}
	}
	req := Request{Action: "iam:ListRoles"}
	var d *Denied
	if err := a.Authorize(t.Context(), session(revokedAt.Add(-time.Second)), req, ""); !errors.As(err, &d) ||
		d.Message != "User: arn:aws:sts::222233334444:assumed-role/Ops/s is not authorized to perform: iam:ListRoles with an explicit deny in an identity-based policy" {
		t.Fatalf("a session issued before the revocation: %v", err)
	}
	if err := a.Authorize(t.Context(), session(revokedAt.Add(time.Second)), req, ""); err != nil {
		t.Fatalf("a session issued after the revocation: %v", err)
	}
	user := orgstack.Caller{AccountID: "222233334444", Type: orgstack.PrincipalUser, Region: "us-east-1",
		ARN: "arn:aws:iam::222233334444:user/ci", UserID: "AIDAEXAMPLE"}
	if err := a.Authorize(t.Context(), user, req, ""); err != nil {
		t.Fatalf("a long-term key: %v", err)
	}
}

// TestConditionKeys: what a resource policy sees of its caller, the
// organization and the session's issue time and source identity included.
func TestConditionKeys(t *testing.T) {
	s := memory.New()
	defer s.Close()
	a := &Authorizer{Store: s, Sessions: benchSessions{}, Principals: benchPrincipals{Principal{Tags: map[string]string{"team": "ops"}}},
		Organizations: benchOrganizations{OrgContext{OrgID: "o-exampleorgid", Path: "o-exampleorgid/r-ab12/"}}}
	issued := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	c := orgstack.Caller{AccountID: "222233334444", Type: orgstack.PrincipalAssumedRole, Region: "us-east-1",
		ARN: "arn:aws:sts::222233334444:assumed-role/Ops/s", UserID: "AROAEXAMPLE:s", RoleName: "Ops",
		RoleARN: "arn:aws:iam::222233334444:role/Ops", SessionName: "s", TokenIssueTime: issued, SourceIdentity: "alice"}
	var keys map[string][]string
	if err := s.View(t.Context(), func(tx store.Tx) (err error) { keys, err = a.ConditionKeys(tx, c); return err }); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"aws:PrincipalOrgID":    "o-exampleorgid",
		"aws:PrincipalOrgPaths": "o-exampleorgid/r-ab12/",
		"aws:PrincipalAccount":  "222233334444",
		"aws:PrincipalArn":      "arn:aws:iam::222233334444:role/Ops",
		"aws:PrincipalTag/team": "ops",
		"aws:TokenIssueTime":    "2025-03-01T12:00:00Z",
		"aws:SourceIdentity":    "alice",
	} {
		if got := keys[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %v, want %s", k, got, want)
		}
	}
}
