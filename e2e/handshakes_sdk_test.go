package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func invite(t testing.TB, c *organizations.Client, account string) *types.Handshake {
	t.Helper()
	out, err := c.InviteAccountToOrganization(context.Background(), &organizations.InviteAccountToOrganizationInput{
		Target: &types.HandshakeParty{Id: aws.String(account), Type: types.HandshakePartyTypeAccount}})
	if err != nil {
		t.Fatalf("inviting %s: %v", account, err)
	}
	return out.Handshake
}

// TestHandshakeExpirySDK shows expiry and the 30 days finished handshakes
// stay visible, by moving orgstack's clock; and that the moved clock
// survives a restart.
func TestHandshakeExpirySDK(t *testing.T) {
	t.Parallel()
	s := start(t, clockControl)
	ctx := context.Background()
	c := s.orgs(mgmt)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	const target = "313131313131"
	h := invite(t, c, target)

	s.admin(t, "POST", "/_orgstack/clock", `{"advance":"359h"}`) // not yet 15 days
	d, err := s.orgs(target).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: h.Id})
	if err != nil || d.Handshake.State != types.HandshakeStateRequested {
		t.Fatalf("before 15 days: %+v %v", d, err)
	}
	s.admin(t, "POST", "/_orgstack/clock", `{"advance":"2h"}`) // past 15 days
	d, err = s.orgs(target).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: h.Id})
	if err != nil || d.Handshake.State != types.HandshakeStateExpired {
		t.Fatalf("after 15 days: %+v %v", d, err)
	}
	_, err = s.orgs(target).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	apiErr(t, err, "InvalidHandshakeTransitionException")
	// An expired invitation no longer blocks a new one.
	again := invite(t, c, target)

	// The clock stays where tests moved it across a restart.
	s = s.restart(t)
	c = s.orgs(mgmt)
	d, err = s.orgs(target).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: h.Id})
	if err != nil || d.Handshake.State != types.HandshakeStateExpired {
		t.Fatalf("after the restart: %+v %v", d, err)
	}
	// Finished handshakes vanish 30 days after they end.
	s.admin(t, "POST", "/_orgstack/clock", `{"advance":"721h"}`)
	_, err = s.orgs(target).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: h.Id})
	apiErr(t, err, "HandshakeNotFoundException")
	// The second invitation expired less than 30 days ago: it still shows.
	list, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{})
	if err != nil || len(list.Handshakes) != 1 || aws.ToString(list.Handshakes[0].Id) != aws.ToString(again.Id) ||
		list.Handshakes[0].State != types.HandshakeStateExpired {
		t.Fatalf("after 30 more days: %+v %v", list, err)
	}
}

// TestInvitationQuotaAndLeavingSDK: pending invitations hold places of the
// account quota; created accounts wait before leaving; delegated
// administrators cannot leave.
func TestInvitationQuotaAndLeavingSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, maxAccounts(4), clockControl)
	ctx := context.Background()
	c := s.orgs(mgmt)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	created := sdkCreateAccount(t, c, "leaver@example.com", "Leaver")
	invite(t, c, "121212121212")
	h := invite(t, c, "131313131313")
	_, err := c.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &types.HandshakeParty{Id: aws.String("141414141414"), Type: types.HandshakePartyTypeAccount}})
	reason(t, err, "HandshakeConstraintViolationException", "ACCOUNT_NUMBER_LIMIT_EXCEEDED")
	out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("over@example.com"), AccountName: aws.String("Over")})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the over-quota creation to fail", func() bool {
		st, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
		return err == nil && st.CreateAccountStatus.FailureReason == types.CreateAccountFailureReasonAccountLimitExceeded
	})
	// Declining frees the place.
	if _, err := s.orgs("131313131313").DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: h.Id}); err != nil {
		t.Fatal(err)
	}
	invite(t, c, "141414141414")

	// A created account waits four days before it may leave.
	_, err = s.orgs(created).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	reason(t, err, "ConstraintViolationException", "WAIT_PERIOD_ACTIVE")
	// A delegated administrator may not leave.
	joined := "121212121212"
	hs, err := s.orgs(joined).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{})
	if err != nil || len(hs.Handshakes) != 1 {
		t.Fatalf("invitations of %s: %+v %v", joined, hs, err)
	}
	if _, err := s.orgs(joined).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: hs.Handshakes[0].Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(joined), ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	_, err = s.orgs(joined).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	reason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")
	// Invited accounts need not wait; created ones may go after four days.
	s.admin(t, "POST", "/_orgstack/clock", `{"advance":"97h"}`)
	if _, err := s.orgs(created).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{}); err != nil {
		t.Fatalf("leaving after the wait: %v", err)
	}
	_, err = s.orgs(standalone).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	apiErr(t, err, "AWSOrganizationsNotInUseException")
}

// TestHandshakeListingSDK pages handshake listings and checks filters.
func TestHandshakeListingSDK(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, maxAccounts(30))
	ctx := context.Background()
	c := s.orgs(mgmt)
	newOrg(t, s, types.OrganizationFeatureSetAll)
	for i := 0; i < 12; i++ {
		invite(t, c, fmt.Sprintf("7000000000%02d", i))
	}
	p := organizations.NewListHandshakesForOrganizationPaginator(c, &organizations.ListHandshakesForOrganizationInput{MaxResults: aws.Int32(5)})
	n, pages := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(out.Handshakes)
	}
	if n != 12 || pages != 3 {
		t.Fatalf("%d handshakes in %d pages", n, pages)
	}
	_, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
		Filter: &types.HandshakeFilter{ActionType: types.ActionTypeInviteAccountToOrganization, ParentHandshakeId: aws.String("h-0123456789")}})
	reason(t, err, "InvalidInputException", "MAX_LIMIT_EXCEEDED_FILTER")
	_, err = s.orgs("700000000001").ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{})
	apiErr(t, err, "AWSOrganizationsNotInUseException")
	mine, err := s.orgs("700000000001").ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{})
	if err != nil || len(mine.Handshakes) != 1 {
		t.Fatalf("a standalone account's invitations: %+v %v", mine, err)
	}
	_, err = c.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String("h-doesnotexist")})
	apiErr(t, err, "HandshakeNotFoundException")
}
