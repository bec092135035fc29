package sts

import (
	"errors"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

type testRoles map[string]RoleInfo

func (r testRoles) AssumableRole(_ store.Tx, account, name string) (RoleInfo, bool, error) {
	role, ok := r[account+"/"+name]
	return role, ok, nil
}

func (testRoles) ManagedPolicyDocument(store.Tx, string) (string, bool, error) { return "", false, nil }

// orgKeys puts accounts in organizations, as the authorizer would.
type orgKeys map[string]string

func (o orgKeys) ConditionKeys(_ store.Tx, c orgstack.Caller) (map[string][]string, error) {
	keys := map[string][]string{"aws:PrincipalAccount": {c.AccountID}}
	if org, ok := o[c.AccountID]; ok {
		keys["aws:PrincipalOrgID"] = []string{org}
	}
	return keys, nil
}

// TestTrustPolicySeesCallerKeys: a trust policy conditioned on
// aws:PrincipalOrgID and sts:ExternalId admits only callers of that
// organization giving the external id; the session records when it was
// issued.
func TestTrustPolicySeesCallerKeys(t *testing.T) {
	st := memory.New()
	defer st.Close()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	const roleARN = "arn:aws:iam::111111111111:role/Audit"
	svc := New(Options{Store: st, Clock: orgstack.NewFixedClock(now), Keys: orgKeys{"222222222222": "o-aaaaaaaaaa", "333333333333": "o-bbbbbbbbbb"},
		Roles: testRoles{"111111111111/Audit": {ARN: roleARN, ID: "AROAAUDIT", Name: "Audit", MaxSessionDuration: 3600,
			TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",
				"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-aaaaaaaaaa","sts:ExternalId":"ext-1"}}}]}`}}})
	assume := func(account, external string) (*AssumeRoleResponse, error) {
		ctx := orgstack.WithCaller(t.Context(), orgstack.RootCaller(account, "us-east-1"))
		return svc.AssumeRole(ctx, &AssumeRoleRequest{RoleArn: roleARN, RoleSessionName: "s", ExternalId: external})
	}
	for _, tc := range []struct{ account, external, what string }{
		{"333333333333", "ext-1", "another organization"},
		{"444444444444", "ext-1", "no organization"},
		{"222222222222", "wrong", "the wrong external id"},
		{"222222222222", "", "no external id"},
	} {
		_, err := assume(tc.account, tc.external)
		var e *orgstack.Error
		if !errors.As(err, &e) || e.Code != "AccessDenied" ||
			e.Message != "User: arn:aws:iam::"+tc.account+":root is not authorized to perform: sts:AssumeRole on resource: "+roleARN {
			t.Errorf("%s: %v", tc.what, err)
		}
	}
	out, err := assume("222222222222", "ext-1")
	if err != nil {
		t.Fatalf("a caller of the organization: %v", err)
	}
	cred, found, err := svc.Credential(t.Context(), out.Credentials.AccessKeyId)
	if err != nil || !found {
		t.Fatalf("the session's credential: %v %v", found, err)
	}
	if !cred.Caller.TokenIssueTime.Equal(now) {
		t.Fatalf("TokenIssueTime = %v, want %v", cred.Caller.TokenIssueTime, now)
	}
}
