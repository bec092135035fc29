package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orgstack/orgstack/internal/sigv4"
)

const assumeTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole"}]}`

// assume runs aws sts assume-role as account and returns an environment
// for the session.
func (s *srv) assume(t testing.TB, env []string, roleARN, session string) ([]string, map[string]any) {
	t.Helper()
	r := s.awsEnv(t, env, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", session)
	if r.code != 0 {
		t.Fatalf("assume-role %s: %s", roleARN, r.stderr)
	}
	out := decodeJSON(t, r.stdout)
	creds := out["Credentials"].(map[string]any)
	return s.sessionEnv(str(creds, "AccessKeyId"), str(creds, "SecretAccessKey"), str(creds, "SessionToken")), out
}

// TestServicePrincipalConditionCLI: in enforce mode a role allowed
// organizations:EnableAWSServiceAccess only for ssm.amazonaws.com enables
// SSM and is refused Audit Manager.
func TestServicePrincipalConditionCLI(t *testing.T) {
	t.Parallel()
	s := start(t, enforce)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	s.awsOK(t, mgmt, "iam", "create-role", "--role-name", "TrustedAccessAdmin", "--assume-role-policy-document", assumeTrust)
	s.awsOK(t, mgmt, "iam", "put-role-policy", "--role-name", "TrustedAccessAdmin", "--policy-name", "OnlySSM", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:EnableAWSServiceAccess","Resource":"*",`+
			`"Condition":{"StringEquals":{"organizations:ServicePrincipal":"ssm.amazonaws.com"}}},`+
			`{"Effect":"Allow","Action":"organizations:ListAWSServiceAccessForOrganization","Resource":"*"}]}`)
	env, out := s.assume(t, s.clientEnv(mgmt), "arn:aws:iam::"+mgmt+":role/TrustedAccessAdmin", "admin")
	if arn := str(out, "AssumedRoleUser", "Arn"); arn != "arn:aws:sts::"+mgmt+":assumed-role/TrustedAccessAdmin/admin" {
		t.Fatalf("assumed role ARN %q", arn)
	}
	if got := str(decodeJSON(t, s.awsEnv(t, env, "sts", "get-caller-identity").stdout), "Arn"); got != "arn:aws:sts::"+mgmt+":assumed-role/TrustedAccessAdmin/admin" {
		t.Fatalf("get-caller-identity as the session: %q", got)
	}
	r := s.awsEnv(t, env, "organizations", "enable-aws-service-access", "--service-principal", "ssm.amazonaws.com")
	if r.code != 0 {
		t.Fatalf("enabling SSM: %s", r.stderr)
	}
	r = s.awsEnv(t, env, "organizations", "enable-aws-service-access", "--service-principal", "auditmanager.amazonaws.com")
	if r.code != 255 || r.errCode() != "AccessDeniedException" ||
		!strings.Contains(r.stderr, "User: arn:aws:sts::"+mgmt+":assumed-role/TrustedAccessAdmin/admin is not authorized to perform: organizations:EnableAWSServiceAccess") {
		t.Fatalf("enabling Audit Manager: exit %d %s", r.code, r.stderr)
	}
	if r := s.awsEnv(t, env, "organizations", "list-aws-service-access-for-organization"); r.code != 0 {
		t.Fatalf("listing: %s", r.stderr)
	}
	if r := s.awsEnv(t, env, "organizations", "list-accounts"); r.errCode() != "AccessDeniedException" {
		t.Fatalf("an action the role lacks: exit %d %s", r.code, r.stderr)
	}
	// The root user of the management account may do everything.
	s.awsOK(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", "auditmanager.amazonaws.com")
}

// TestAssumeOrganizationAccountAccessRoleCLI: the management account
// assumes OrganizationAccountAccessRole in a member with aws sts assume-role.
func TestAssumeOrganizationAccountAccessRoleCLI(t *testing.T) {
	t.Parallel()
	s := start(t, enforce)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	member := s.createAccount(t, mgmt, "member@example.com", "Member")
	roleARN := "arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"
	env, _ := s.assume(t, s.clientEnv(mgmt), roleARN, "ops")
	id := decodeJSON(t, s.awsEnv(t, env, "sts", "get-caller-identity").stdout)
	if str(id, "Account") != member || str(id, "Arn") != "arn:aws:sts::"+member+":assumed-role/OrganizationAccountAccessRole/ops" {
		t.Fatalf("identity in the member: %v", id)
	}
	// AdministratorAccess in the member.
	if r := s.awsEnv(t, env, "iam", "list-roles"); r.code != 0 {
		t.Fatalf("list-roles in the member: %s", r.stderr)
	}
	// Nobody else may assume it.
	r := s.awsEnv(t, s.clientEnv(standalone), "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "xx")
	if r.errCode() != "AccessDenied" {
		t.Fatalf("a stranger assumed the role: %d %s", r.code, r.stderr)
	}
	r = s.awsEnv(t, s.clientEnv(mgmt), "sts", "assume-role", "--role-arn", "arn:aws:iam::"+member+":role/Missing", "--role-session-name", "xx")
	if r.errCode() != "AccessDenied" {
		t.Fatalf("assuming a missing role: %d %s", r.code, r.stderr)
	}
	r = s.awsEnv(t, s.clientEnv(mgmt), "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "xx", "--duration-seconds", "7200")
	if r.errCode() != "ValidationError" {
		t.Fatalf("longer than the role allows: %d %s", r.code, r.stderr)
	}
}

// TestSCPEnforcementCLI: an SCP that denies an action on an OU stops that
// OU's principals — root user included — but not the management account
// and not a service-linked role.
func TestSCPEnforcementCLI(t *testing.T) {
	t.Parallel()
	s := start(t, enforce)
	s.awsOK(t, mgmt, "organizations", "create-organization")
	root := str(s.awsOK(t, mgmt, "organizations", "list-roots"), "Roots", 0, "Id")
	ou := str(s.awsOK(t, mgmt, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "Restricted"), "OrganizationalUnit", "Id")
	restricted := s.createAccount(t, mgmt, "restricted@example.com", "Restricted")
	free := s.createAccount(t, mgmt, "free@example.com", "Free")
	s.awsOK(t, mgmt, "organizations", "move-account", "--account-id", restricted, "--source-parent-id", root, "--destination-parent-id", ou)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:CreateRole","iam:CreateServiceLinkedRole"],"Resource":"*"}]}`
	pid := str(s.awsOK(t, mgmt, "organizations", "create-policy", "--name", "NoRoles", "--description", "d", "--type", "SERVICE_CONTROL_POLICY", "--content", deny), "Policy", "PolicySummary", "Id")
	s.awsOK(t, mgmt, "organizations", "attach-policy", "--policy-id", pid, "--target-id", ou)
	s.awsOK(t, mgmt, "organizations", "attach-policy", "--policy-id", pid, "--target-id", root)

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	r := s.aws(t, restricted, "iam", "create-role", "--role-name", "App", "--assume-role-policy-document", trust)
	if r.errCode() != "AccessDenied" || !strings.Contains(r.stderr, "with an explicit deny in a service control policy") {
		t.Fatalf("the restricted account's root: exit %d %s", r.code, r.stderr)
	}
	// The same SCP is attached to the root, so it applies to every member...
	if r := s.aws(t, free, "iam", "create-role", "--role-name", "App", "--assume-role-policy-document", trust); r.errCode() != "AccessDenied" {
		t.Fatalf("a member under the root: exit %d %s", r.code, r.stderr)
	}
	// ...but never to the management account.
	s.awsOK(t, mgmt, "iam", "create-role", "--role-name", "App", "--assume-role-policy-document", trust)
	// A trusted service still creates its role there: SCPs never affect
	// service-linked roles.
	s.awsOK(t, mgmt, "organizations", "enable-aws-service-access", "--service-principal", "config-multiaccountsetup.amazonaws.com")
	eventually(t, "the service's role in the restricted account", func() bool {
		return s.aws(t, restricted, "iam", "get-role", "--role-name", "AWSServiceRoleForConfigMultiAccountSetup").code == 0
	})
	// Without an Allow at every level, nothing is allowed.
	s.awsOK(t, mgmt, "organizations", "detach-policy", "--policy-id", "p-FullAWSAccess", "--target-id", ou)
	r = s.aws(t, restricted, "iam", "list-roles")
	if r.errCode() != "AccessDenied" || !strings.Contains(r.stderr, "because no service control policy allows") {
		t.Fatalf("no Allow in the OU: exit %d %s", r.code, r.stderr)
	}
}

// TestSignaturesEnforcedSDK: bad or missing signatures are refused with
// AWS's errors.
func TestSignaturesEnforcedSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, enforce)
	ctx := context.Background()
	if _, err := s.orgs(mgmt).CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	wrong := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(mgmt, "not-the-secret", ""), BaseEndpoint: aws.String(s.endpoint), RetryMaxAttempts: 1}
	_, err := organizations.NewFromConfig(wrong).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	apiErr(t, err, "InvalidSignatureException")
	_, err = iam.NewFromConfig(wrong).ListRoles(ctx, &iam.ListRolesInput{})
	apiErr(t, err, "SignatureDoesNotMatch")
	unknown := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAZZZZZZZZZZZZZZZZ", "x", ""), BaseEndpoint: aws.String(s.endpoint), RetryMaxAttempts: 1}
	_, err = organizations.NewFromConfig(unknown).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	apiErr(t, err, "UnrecognizedClientException")
	_, err = sts.NewFromConfig(unknown).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiErr(t, err, "InvalidClientTokenId")

	// A request signed 20 minutes ago.
	req, _ := http.NewRequest("POST", s.endpoint+"/", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.DescribeOrganization")
	sigv4.Sign(req, []byte("{}"), mgmt, testSecret, "", "us-east-1", "organizations", time.Now().Add(-20*time.Minute))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("stale signature: %d", resp.StatusCode)
	}
	code, _, body := s.raw(t, "", "", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.DescribeOrganization"), "{}")
	if code != 400 || !strings.Contains(body, "MissingAuthenticationTokenException") {
		t.Fatalf("unsigned: %d %s", code, body)
	}

	// Sessions expire.
	newOrgAccount := sdkCreateAccount(t, s.orgs(mgmt), "x@example.com", "X")
	out, err := sts.NewFromConfig(s.sdkConfig(mgmt, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + newOrgAccount + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("ss"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	session := aws.Config{Region: "us-east-1", RetryMaxAttempts: 1, BaseEndpoint: aws.String(s.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))}
	if _, err := iam.NewFromConfig(session).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatalf("a fresh session: %v", err)
	}
	noToken := session
	noToken.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "")
	_, err = iam.NewFromConfig(noToken).ListRoles(ctx, &iam.ListRolesInput{})
	apiErr(t, err, "InvalidClientTokenId")
	s.main.Clock.Advance(16 * time.Minute)
	_, err = iam.NewFromConfig(session).ListRoles(ctx, &iam.ListRolesInput{})
	apiErr(t, err, "ExpiredToken")
}
