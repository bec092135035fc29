package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

var (
	userIDRE    = regexp.MustCompile(`^AIDA[A-Z0-9]{17}$`)
	accessKeyRE = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	secretKeyRE = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)
)

func iamDoc(actions string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + actions + `,"Resource":"*"}]}`
}

// TestIAMUsersAndAccessKeysCLI drives users and access keys through the
// aws CLI.
func TestIAMUsersAndAccessKeysCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	const acct = "333333333333"

	u := s.awsOK(t, acct, "iam", "create-user", "--user-name", "alice", "--path", "/eng/", "--tags", "Key=team,Value=data")["User"].(map[string]any)
	if str(u, "Arn") != "arn:aws:iam::"+acct+":user/eng/alice" || !userIDRE.MatchString(str(u, "UserId")) {
		t.Fatalf("create-user: %v", u)
	}
	r := s.awsErr(t, acct, "EntityAlreadyExists", "iam", "create-user", "--user-name", "ALICE")
	if !strings.Contains(r.stderr, "User with name ALICE already exists.") {
		t.Errorf("duplicate user: %s", r.stderr)
	}
	if got := s.awsOK(t, acct, "iam", "get-user")["User"]; str(got, "Arn") != "arn:aws:iam::"+acct+":root" || str(got, "UserId") != acct {
		t.Errorf("get-user as root: %v", got)
	}
	if got := s.awsOK(t, acct, "iam", "get-user", "--user-name", "alice")["User"]; str(got, "Tags", 0, "Value") != "data" {
		t.Errorf("get-user alice: %v", got)
	}
	s.awsErr(t, acct, "NoSuchEntity", "iam", "get-user", "--user-name", "nobody")
	for _, name := range []string{"bob", "carol", "dan"} {
		s.awsOK(t, acct, "iam", "create-user", "--user-name", name)
	}
	// The CLI follows the markers itself.
	if users := list(s.awsOK(t, acct, "iam", "list-users", "--page-size", "1"), "Users"); len(users) != 4 {
		t.Errorf("list-users: %d users", len(users))
	}
	if users := list(s.awsOK(t, acct, "iam", "list-users", "--path-prefix", "/eng/"), "Users"); len(users) != 1 || str(users[0], "UserName") != "alice" {
		t.Errorf("list-users --path-prefix: %v", users)
	}
	s.awsOK(t, acct, "iam", "update-user", "--user-name", "dan", "--new-user-name", "daniel")
	s.awsErr(t, acct, "NoSuchEntity", "iam", "get-user", "--user-name", "dan")

	// Two keys; the third fails.
	var keys []map[string]any
	for range 2 {
		k := s.awsOK(t, acct, "iam", "create-access-key", "--user-name", "alice")["AccessKey"].(map[string]any)
		if !accessKeyRE.MatchString(str(k, "AccessKeyId")) || !secretKeyRE.MatchString(str(k, "SecretAccessKey")) || str(k, "Status") != "Active" {
			t.Fatalf("create-access-key: %v", k)
		}
		keys = append(keys, k)
	}
	r = s.awsErr(t, acct, "LimitExceeded", "iam", "create-access-key", "--user-name", "alice")
	if !strings.Contains(r.stderr, "Cannot exceed quota for AccessKeysPerUser: 2") {
		t.Errorf("third key: %s", r.stderr)
	}

	// A key IAM issued signs requests as its user.
	id, secret := str(keys[0], "AccessKeyId"), str(keys[0], "SecretAccessKey")
	env := s.clientEnv(id, "AWS_SECRET_ACCESS_KEY="+secret) // the last value of a variable wins
	who := s.awsEnv(t, env, "sts", "get-caller-identity")
	if who.code != 0 || str(decodeJSON(t, who.stdout), "Arn") != "arn:aws:iam::"+acct+":user/eng/alice" {
		t.Errorf("get-caller-identity with alice's key: %d %s %s", who.code, who.stdout, who.stderr)
	}
	me := s.awsEnv(t, env, "iam", "get-user")
	if me.code != 0 || str(decodeJSON(t, me.stdout), "User", "UserName") != "alice" {
		t.Errorf("get-user with alice's key: %d %s %s", me.code, me.stdout, me.stderr)
	}

	s.awsOK(t, acct, "iam", "update-access-key", "--user-name", "alice", "--access-key-id", id, "--status", "Inactive")
	status := map[string]string{}
	for _, m := range list(s.awsOK(t, acct, "iam", "list-access-keys", "--user-name", "alice"), "AccessKeyMetadata") {
		status[str(m, "AccessKeyId")] = str(m, "Status")
	}
	if len(status) != 2 || status[id] != "Inactive" || status[str(keys[1], "AccessKeyId")] != "Active" {
		t.Errorf("list-access-keys: %v", status)
	}
	used := s.awsOK(t, acct, "iam", "get-access-key-last-used", "--access-key-id", id)
	if str(used, "UserName") != "alice" || str(used, "AccessKeyLastUsed", "Region") != "N/A" || str(used, "AccessKeyLastUsed", "ServiceName") != "N/A" {
		t.Errorf("get-access-key-last-used: %v", used)
	}

	// The user goes once its keys are gone.
	r = s.awsErr(t, acct, "DeleteConflict", "iam", "delete-user", "--user-name", "alice")
	if !strings.Contains(r.stderr, "must delete access keys first") {
		t.Errorf("delete-user with keys: %s", r.stderr)
	}
	for _, k := range keys {
		s.awsOK(t, acct, "iam", "delete-access-key", "--user-name", "alice", "--access-key-id", str(k, "AccessKeyId"))
	}
	s.awsErr(t, acct, "NoSuchEntity", "iam", "delete-access-key", "--user-name", "alice", "--access-key-id", id)
	s.awsOK(t, acct, "iam", "delete-user", "--user-name", "alice")
	s.awsErr(t, acct, "NoSuchEntity", "iam", "get-user", "--user-name", "alice")

	// The root user's own key.
	rk := s.awsOK(t, acct, "iam", "create-access-key")["AccessKey"].(map[string]any)
	if !accessKeyRE.MatchString(str(rk, "AccessKeyId")) {
		t.Errorf("root key: %v", rk)
	}
	if n := len(list(s.awsOK(t, acct, "iam", "list-access-keys"), "AccessKeyMetadata")); n != 1 {
		t.Errorf("root keys: %d", n)
	}
}

// TestIAMPoliciesCLI drives inline and managed policies and their
// versions through the aws CLI, which shows documents decoded.
func TestIAMPoliciesCLI(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	const acct = "444444444444"
	s.awsOK(t, acct, "iam", "create-user", "--user-name", "erin")

	// Inline policies.
	s.awsOK(t, acct, "iam", "put-user-policy", "--user-name", "erin", "--policy-name", "s3", "--policy-document", iamDoc(`"s3:GetObject"`))
	got := s.awsOK(t, acct, "iam", "get-user-policy", "--user-name", "erin", "--policy-name", "s3")
	if str(got, "PolicyDocument", "Statement", 0, "Action") != "s3:GetObject" {
		t.Errorf("get-user-policy: %v", got)
	}
	if names := list(s.awsOK(t, acct, "iam", "list-user-policies", "--user-name", "erin"), "PolicyNames"); len(names) != 1 || names[0] != "s3" {
		t.Errorf("list-user-policies: %v", names)
	}
	r := s.awsErr(t, acct, "MalformedPolicyDocument", "iam", "put-user-policy", "--user-name", "erin", "--policy-name", "bad",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)
	if !strings.Contains(r.stderr, "Policy statement must contain resources.") {
		t.Errorf("malformed inline policy: %s", r.stderr)
	}
	s.awsErr(t, acct, "NoSuchEntity", "iam", "get-user-policy", "--user-name", "erin", "--policy-name", "nope")

	// A customer-managed policy and its versions.
	p := s.awsOK(t, acct, "iam", "create-policy", "--policy-name", "Readers", "--path", "/team/", "--policy-document", iamDoc(`["s3:Get*"]`), "--description", "read")["Policy"].(map[string]any)
	arn := str(p, "Arn")
	if arn != "arn:aws:iam::"+acct+":policy/team/Readers" || str(p, "DefaultVersionId") != "v1" || !strings.HasPrefix(str(p, "PolicyId"), "ANPA") {
		t.Fatalf("create-policy: %v", p)
	}
	r = s.awsErr(t, acct, "EntityAlreadyExists", "iam", "create-policy", "--policy-name", "Readers", "--policy-document", iamDoc(`"s3:*"`))
	if !strings.Contains(r.stderr, "A policy called Readers already exists. Duplicate names are not allowed.") {
		t.Errorf("duplicate policy: %s", r.stderr)
	}
	s.awsErr(t, acct, "MalformedPolicyDocument", "iam", "create-policy", "--policy-name", "Old", "--policy-document", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	v1 := s.awsOK(t, acct, "iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1")["PolicyVersion"]
	if str(v1, "Document", "Statement", 0, "Action", 0) != "s3:Get*" {
		t.Errorf("get-policy-version: %v", v1)
	}
	for i := 2; i <= 5; i++ {
		s.awsOK(t, acct, "iam", "create-policy-version", "--policy-arn", arn, "--policy-document", iamDoc(`"s3:List*"`))
	}
	r = s.awsErr(t, acct, "LimitExceeded", "iam", "create-policy-version", "--policy-arn", arn, "--policy-document", iamDoc(`"s3:*"`))
	if !strings.Contains(r.stderr, "A managed policy can have up to 5 versions.") {
		t.Errorf("sixth version: %s", r.stderr)
	}
	r = s.awsErr(t, acct, "DeleteConflict", "iam", "delete-policy-version", "--policy-arn", arn, "--version-id", "v1")
	if !strings.Contains(r.stderr, "Cannot delete the default version of a policy.") {
		t.Errorf("delete default version: %s", r.stderr)
	}
	s.awsOK(t, acct, "iam", "set-default-policy-version", "--policy-arn", arn, "--version-id", "v3")
	if v := list(s.awsOK(t, acct, "iam", "list-policy-versions", "--policy-arn", arn), "Versions"); len(v) != 5 || str(v[2], "VersionId") != "v3" || v[2].(map[string]any)["IsDefaultVersion"] != true {
		t.Errorf("list-policy-versions: %v", v)
	}

	// Attachments are counted and hold the policy.
	s.awsOK(t, acct, "iam", "attach-user-policy", "--user-name", "erin", "--policy-arn", arn)
	s.awsOK(t, acct, "iam", "create-role", "--role-name", "worker", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	s.awsOK(t, acct, "iam", "attach-role-policy", "--role-name", "worker", "--policy-arn", arn)
	if n := s.awsOK(t, acct, "iam", "get-policy", "--policy-arn", arn)["Policy"].(map[string]any)["AttachmentCount"]; n != float64(2) {
		t.Errorf("AttachmentCount %v", n)
	}
	if a := list(s.awsOK(t, acct, "iam", "list-attached-user-policies", "--user-name", "erin"), "AttachedPolicies"); len(a) != 1 || str(a[0], "PolicyName") != "Readers" {
		t.Errorf("list-attached-user-policies: %v", a)
	}
	if l := list(s.awsOK(t, acct, "iam", "list-policies", "--scope", "Local", "--only-attached"), "Policies"); len(l) != 1 || str(l[0], "Arn") != arn {
		t.Errorf("list-policies --only-attached: %v", l)
	}
	r = s.awsErr(t, acct, "DeleteConflict", "iam", "delete-policy", "--policy-arn", arn)
	if !strings.Contains(r.stderr, "Cannot delete a policy attached to entities.") {
		t.Errorf("delete attached policy: %s", r.stderr)
	}
	s.awsOK(t, acct, "iam", "detach-user-policy", "--user-name", "erin", "--policy-arn", arn)
	s.awsOK(t, acct, "iam", "detach-role-policy", "--role-name", "worker", "--policy-arn", arn)
	s.awsErr(t, acct, "NoSuchEntity", "iam", "detach-role-policy", "--role-name", "worker", "--policy-arn", arn)
	s.awsErr(t, acct, "DeleteConflict", "iam", "delete-policy", "--policy-arn", arn) // versions left
	for _, v := range []string{"v1", "v2", "v4", "v5"} {
		s.awsOK(t, acct, "iam", "delete-policy-version", "--policy-arn", arn, "--version-id", v)
	}
	s.awsOK(t, acct, "iam", "delete-policy", "--policy-arn", arn)
	s.awsErr(t, acct, "NoSuchEntity", "iam", "get-policy", "--policy-arn", arn)

	// AWS-managed policies, and trust policies naming missing principals.
	ro := s.awsOK(t, acct, "iam", "get-policy-version", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "--version-id", "v1")["PolicyVersion"]
	if str(ro, "Document", "Version") != "2012-10-17" {
		t.Errorf("ReadOnlyAccess v1: %v", ro)
	}
	r = s.awsErr(t, acct, "MalformedPolicyDocument", "iam", "create-role", "--role-name", "trusting", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/ghost"},"Action":"sts:AssumeRole"}]}`)
	if !strings.Contains(r.stderr, `Invalid principal in policy: "AWS":"arn:aws:iam::`+acct+`:user/ghost"`) {
		t.Errorf("trust policy with a missing user: %s", r.stderr)
	}
	s.awsOK(t, acct, "iam", "create-role", "--role-name", "trusting", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/erin"},"Action":"sts:AssumeRole"}]}`)
}

// TestIAMIdentitiesSDK drives users, keys and managed policies through
// aws-sdk-go-v2, paginators included.
func TestIAMIdentitiesSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	ctx := context.Background()
	c := s.iam("555555555555")

	for _, name := range []string{"u1", "u2", "u3", "u4", "u5"} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String("/sdk/")}); err != nil {
			t.Fatal(err)
		}
	}
	var users []string
	for p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			users = append(users, aws.ToString(u.UserName))
		}
	}
	if strings.Join(users, ",") != "u1,u2,u3,u4,u5" {
		t.Errorf("paged users %v", users)
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("U1")})
	apiErr(t, err, "EntityAlreadyExists")

	for range 2 {
		if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u1")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u1")})
	if ae := apiErr(t, err, "LimitExceeded"); ae.ErrorMessage() != "Cannot exceed quota for AccessKeysPerUser: 2" {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("u1")})
	if err != nil || len(keys.AccessKeyMetadata) != 2 {
		t.Fatalf("list-access-keys %v %v", keys, err)
	}
	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("u1"), AccessKeyId: keys.AccessKeyMetadata[0].AccessKeyId, Status: types.StatusTypeInactive})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u1")})
	apiErr(t, err, "DeleteConflict")

	// Managed policies: documents come back URL-encoded on the wire, as
	// from AWS; the Go SDK leaves decoding to the caller.
	doc := iamDoc(`["sqs:SendMessage","sqs:ReceiveMessage"]`)
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Queue"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	arn := p.Policy.Arn
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := url.QueryUnescape(aws.ToString(v.PolicyVersion.Document))
	if err != nil || decoded != doc {
		t.Errorf("document %q (%v)", aws.ToString(v.PolicyVersion.Document), err)
	}
	var parsed map[string]any
	if json.Unmarshal([]byte(decoded), &parsed) != nil || str(parsed, "Statement", 0, "Action", 1) != "sqs:ReceiveMessage" {
		t.Errorf("decoded document %s", decoded)
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	apiErr(t, err, "MalformedPolicyDocument")
	if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(iamDoc(`"sqs:*"`)), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	apiErr(t, err, "DeleteConflict")
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u2"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u2"), PolicyArn: aws.String("arn:aws:iam::555555555555:policy/Missing")})
	apiErr(t, err, "NoSuchEntity")
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil || aws.ToInt32(got.Policy.AttachmentCount) != 1 || aws.ToString(got.Policy.DefaultVersionId) != "v2" {
		t.Errorf("get-policy %+v %v", got, err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	apiErr(t, err, "DeleteConflict")

	var local, all int
	for p := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{MaxItems: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range page.Policies {
			all++
			if strings.Contains(aws.ToString(pol.Arn), ":555555555555:") {
				local++
			}
		}
	}
	if local != 1 || all < 2 {
		t.Errorf("list-policies: %d local of %d", local, all)
	}
	ro, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	if err != nil || aws.ToString(ro.Policy.PolicyName) != "ReadOnlyAccess" || aws.ToString(ro.Policy.DefaultVersionId) != "v1" {
		t.Errorf("ReadOnlyAccess %+v %v", ro, err)
	}
}

// TestIAMBoto3 runs the IAM boto3 script against a fresh server.
func TestIAMBoto3(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory)
	if out := s.python(t, "666666666666", "iam_boto3.py"); strings.TrimSpace(out) != "ok" {
		t.Fatalf("script printed %q", out)
	}
}
