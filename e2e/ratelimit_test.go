package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgstack/orgstack/internal/app"
)

// TestRateLimit: with --rate-limit, each calling account gets its burst
// and then its service's throttling error — Organizations'
// TooManyRequestsException (400), IAM's Throttling (400, XML), Audit
// Manager's ThrottlingException (429) — while other accounts keep being
// served; a throttled write changes nothing.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	// One token per 1000 s: the buckets do not refill during the test.
	const burst = 3
	s := start(t, func(c *app.Config) { c.RateLimit = 0.001; c.RateBurst = burst })
	ctx := context.Background()
	const a, b, c = "555555555501", "555555555502", "555555555503"

	// Account a: its burst, then the SDK sees the modeled exception.
	orgsA := s.orgs(a)
	if _, err := orgsA.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll}); err != nil {
		t.Fatalf("call 1: %v", err)
	}
	roots, err := orgsA.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatalf("call 2: %v", err)
	}
	root := aws.ToString(roots.Roots[0].Id)
	if _, err := orgsA.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		t.Fatalf("call 3: %v", err)
	}
	_, err = orgsA.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("throttled")})
	var tooMany *types.TooManyRequestsException
	if !errors.As(err, &tooMany) || !strings.Contains(tooMany.ErrorMessage(), "too many requests") {
		t.Fatalf("over the burst: %v", err)
	}
	status, _, body := s.raw(t, a, "organizations", "POST", "/", jsonHeaders("AWSOrganizationsV20161128.ListRoots"), "{}")
	if v := decode(t, body); status != 400 || v["__type"] != "TooManyRequestsException" || v["Message"] == "" {
		t.Fatalf("raw request over the burst: %d %s", status, body)
	}
	// Throttled in every service: the bucket is the caller's.
	status, h, body := s.raw(t, a, "auditmanager", "GET", "/account/status", nil, "")
	if status != 429 || h.Get("x-amzn-ErrorType") != "ThrottlingException" {
		t.Fatalf("Audit Manager over the burst: %d %v %s", status, h, body)
	}
	status, _, body = s.raw(t, a, "iam", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=ListUsers&Version=2010-05-08")
	if status != 400 || !strings.Contains(body, "<Code>Throttling</Code>") || !strings.Contains(body, "<Type>Sender</Type>") {
		t.Fatalf("IAM over the burst: %d %s", status, body)
	}
	status, _, body = s.raw(t, a, "ssm", "POST", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.ListResourceDataSync"}, "{}")
	if status != 400 || decode(t, body)["__type"] != "ThrottlingException" {
		t.Fatalf("SSM over the burst: %d %s", status, body)
	}

	// Account b is not starved by a: its own burst, from the CLI too.
	s.awsOK(t, b, "organizations", "create-organization", "--feature-set", "ALL")
	rootsB := s.awsOK(t, b, "organizations", "list-roots")
	if str(rootsB, "Roots", 0, "Id") == "" {
		t.Fatalf("list-roots as another account: %v", rootsB)
	}
	// c is fresh: a whole burst of its own.
	for i := 0; i < burst; i++ {
		if status, _, body := s.raw(t, c, "sts", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=GetCallerIdentity&Version=2011-06-15"); status != 200 {
			t.Fatalf("account c call %d: %d %s", i+1, status, body)
		}
	}
	status, _, body = s.raw(t, c, "sts", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=GetCallerIdentity&Version=2011-06-15")
	if status != 400 || !strings.Contains(body, "<Code>Throttling</Code>") || !strings.Contains(body, "<Message>Rate exceeded</Message>") {
		t.Fatalf("STS over the burst: %d %s", status, body)
	}

	// The throttled CreateOrganizationalUnit created nothing: restarted
	// on the same state without a limit, a's root has no OU.
	s.main.Config.RateLimit = 0
	s = s.restart(t)
	ous, err := s.orgs(a).ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(root)})
	if err != nil || len(ous.OrganizationalUnits) != 0 {
		t.Fatalf("OUs after a throttled CreateOrganizationalUnit: %+v %v", ous, err)
	}
}
