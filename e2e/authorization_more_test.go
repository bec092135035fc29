package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// userKeys creates an IAM user with an inline policy in account and
// returns an access key pair for it.
func userKeys(t testing.TB, s *srv, account, user, policyDoc string) (string, string) {
	t.Helper()
	ctx := context.Background()
	c := s.iam(account)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	if policyDoc != "" {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("p"), PolicyDocument: aws.String(policyDoc)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
}

// TestSimulatorSDK: SimulatePrincipalPolicy and SimulateCustomPolicy
// answer from the engine that authorizes requests, SCPs included.
func TestSimulatorSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	ctx := context.Background()
	c := s.orgs(mgmt)
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)
	member := sdkCreateAccount(t, c, "sim@example.com", "Sim")
	scp, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("NoCreateRole"), Description: aws.String("d"), Type: types.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateRole","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: aws.String(root)}); err != nil {
		t.Fatal(err)
	}
	userKeys(t, s, member, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	out, err := s.iam(member).SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + member + ":user/dev"),
		ActionNames:     []string{"iam:CreateRole", "iam:ListRoles", "s3:ListBucket"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]iamtypes.EvaluationResult{}
	for _, r := range out.EvaluationResults {
		got[aws.ToString(r.EvalActionName)] = r
	}
	if r := got["iam:CreateRole"]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny ||
		r.OrganizationsDecisionDetail == nil || r.OrganizationsDecisionDetail.AllowedByOrganizations {
		t.Fatalf("CreateRole under the SCP: %+v", r)
	}
	if r := got["iam:ListRoles"]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || !r.OrganizationsDecisionDetail.AllowedByOrganizations {
		t.Fatalf("ListRoles: %+v", r)
	}
	if r := got["s3:ListBucket"]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Fatalf("an action no policy allows: %+v", r)
	}

	custom := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:EnableAWSServiceAccess","Resource":"*","Condition":{"StringEquals":{"organizations:ServicePrincipal":"ssm.amazonaws.com"}}}]}`
	for principal, want := range map[string]iamtypes.PolicyEvaluationDecisionType{
		"ssm.amazonaws.com":          iamtypes.PolicyEvaluationDecisionTypeAllowed,
		"auditmanager.amazonaws.com": iamtypes.PolicyEvaluationDecisionTypeImplicitDeny,
	} {
		res, err := s.iam(mgmt).SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
			PolicyInputList: []string{custom},
			ActionNames:     []string{"organizations:EnableAWSServiceAccess"},
			ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("organizations:ServicePrincipal"),
				ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{principal}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := res.EvaluationResults[0].EvalDecision; d != want {
			t.Fatalf("%s: %s, want %s", principal, d, want)
		}
	}
	_, err = s.iam(member).SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + member + ":user/nobody"), ActionNames: []string{"iam:ListRoles"}})
	apiErr(t, err, "NoSuchEntity")
}

// TestIAMKeysActAsTheirUserInOpenMode: in open mode, a key issued by IAM
// is its user.
func TestIAMKeysActAsTheirUserInOpenMode(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	key, secret := userKeys(t, s, "424242424242", "ci", "")
	env := s.clientEnv(key)
	for i, e := range env {
		if strings.HasPrefix(e, "AWS_SECRET_ACCESS_KEY=") {
			env[i] = "AWS_SECRET_ACCESS_KEY=" + secret
		}
	}
	id := decodeJSON(t, s.awsEnv(t, env, "sts", "get-caller-identity").stdout)
	if str(id, "Arn") != "arn:aws:iam::424242424242:user/ci" || str(id, "Account") != "424242424242" || !strings.HasPrefix(str(id, "UserId"), "AIDA") {
		t.Fatalf("identity of an IAM key: %v", id)
	}
	// Open mode allows every call, whatever the user's policies.
	if r := s.awsEnv(t, env, "iam", "list-roles"); r.code != 0 {
		t.Fatalf("open mode refused: %s", r.stderr)
	}
}

// TestAcceptNeedsCreateServiceLinkedRole: accepting an invitation creates
// AWSServiceRoleForOrganizations, so the accepting principal needs
// iam:CreateServiceLinkedRole too (enforce mode).
func TestAcceptNeedsCreateServiceLinkedRole(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	newOrg(t, s, types.OrganizationFeatureSetAll)
	const joiner = "515151515151"
	h := invite(t, s.orgs(mgmt), joiner)
	key, secret := userKeys(t, s, joiner, "acceptor",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:AcceptHandshake","organizations:ListHandshakesForAccount"],"Resource":"*"}]}`)
	cfg := s.sdkConfig(joiner, "us-east-1")
	cfg.Credentials = staticCreds(key, secret)
	_, err := organizations.NewFromConfig(cfg).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	apiErr(t, err, "AccessDeniedForDependencyException")
	if _, err := s.iam(joiner).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("acceptor"), PolicyName: aws.String("slr"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"organizations.amazonaws.com"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := organizations.NewFromConfig(cfg).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id}); err != nil {
		t.Fatalf("with the permission: %v", err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::"+joiner+":user/acceptor" {
		t.Fatalf("caller: %+v %v", id, err)
	}
}
