package console_test

import (
	"net/url"
	"testing"
)

func TestInvitationsInviteAcceptDeclineCancel(t *testing.T) {
	f := newFixture(t)
	f.organization(1)
	f.signIn(mgmt)
	f.get("/organizations/accounts")
	_, body := f.post("/organizations/accounts/invite", url.Values{"target": {standalone}, "notes": {"Welcome aboard"}, "next": {"/organizations/invitations"}})
	mustContain(t, "after inviting", flashOf(body), "Invitation sent")
	hs := fieldSlice(f.api(mgmt, "organizations", "ListHandshakesForOrganization", nil), "Handshakes")
	if len(hs) != 1 {
		t.Fatalf("handshakes: %v", hs)
	}
	id := fieldString(hs[0], "Id")
	mustContain(t, "sent invitation", row(body, "data-handshake", id), "Invitation to join the organization", standalone, "Requested", "Welcome aboard", "/cancel")

	// The invited account sees it and accepts.
	g := newFixtureClient(f)
	g.signIn(standalone)
	_, body = g.get("/organizations/invitations")
	r := row(body, "data-handshake", id)
	mustContain(t, "received invitation", r, "account-"+mgmt+"@example.com", "Welcome aboard", "Accept invitation", "Decline")
	mustContain(t, "not in an organization", body, "Your account isn't in an organization")
	_, body = g.post("/organizations/invitations/"+id+"/accept", nil)
	mustContain(t, "accepted", flashOf(body), "Handshake accepted")
	mustContain(t, "accepted", body, "Your account joined the organization.")
	mustContain(t, "accepted row", row(body, "data-handshake", id), `data-state="ACCEPTED"`)
	mustNotContain(t, "accepted row", row(body, "data-handshake", id), "/accept")
	if got := fieldString(f.api(standalone, "organizations", "DescribeOrganization", nil), "Organization.MasterAccountId"); got != mgmt {
		t.Fatalf("after accepting, the organization is managed by %s", got)
	}
	_, body = f.get("/organizations/accounts")
	mustContain(t, "joined account in the tree", row(body, "data-node", standalone), "Invited")

	// A second invitation, by email, canceled by the management account.
	_, body = f.post("/organizations/accounts/invite", url.Values{"target": {"someone@example.com"}, "next": {"/organizations/invitations"}})
	mustContain(t, "email invitation", flashOf(body), "Invitation sent")
	var second string
	for _, h := range fieldSlice(f.api(mgmt, "organizations", "ListHandshakesForOrganization", nil), "Handshakes") {
		if fieldString(h, "State") == "REQUESTED" {
			second = fieldString(h, "Id")
		}
	}
	mustContain(t, "email invitation row", row(body, "data-handshake", second), "someone@example.com", "Email address")
	_, body = f.post("/organizations/invitations/"+second+"/cancel", nil)
	mustContain(t, "canceled", flashOf(body), "Handshake canceled")
	mustContain(t, "canceled row", row(body, "data-handshake", second), `data-state="CANCELED"`)

	// A member may not send invitations: the API's error is shown.
	_, body = g.post("/organizations/accounts/invite", url.Values{"target": {"888888888888"}, "next": {"/organizations/invitations"}})
	mustContain(t, "member inviting", body, `<div class="alert-title">AccessDeniedException</div>`)
}

func TestInvitationsDecline(t *testing.T) {
	f := newFixture(t)
	f.organization(0)
	hs := f.api(mgmt, "organizations", "InviteAccountToOrganization", map[string]any{"Target": map[string]any{"Id": standalone, "Type": "ACCOUNT"}})
	id := fieldString(hs, "Handshake.Id")
	f.signIn(standalone)
	f.get("/organizations/invitations")
	_, body := f.post("/organizations/invitations/"+id+"/decline", nil)
	mustContain(t, "declined", flashOf(body), "Handshake declined")
	mustContain(t, "declined row", row(body, "data-handshake", id), `data-state="DECLINED"`, "Declined")
	if _, err := f.apiErr(standalone, "organizations", "DescribeOrganization", nil); err == nil {
		t.Fatal("the account joined after declining")
	}
}

func TestInvitationsEnableAllFeatures(t *testing.T) {
	f := newFixture(t)
	f.api(mgmt, "organizations", "CreateOrganization", map[string]any{"FeatureSet": "CONSOLIDATED_BILLING"})
	hs := f.api(mgmt, "organizations", "InviteAccountToOrganization", map[string]any{"Target": map[string]any{"Id": standalone, "Type": "ACCOUNT"}})
	f.api(standalone, "organizations", "AcceptHandshake", map[string]any{"HandshakeId": fieldString(hs, "Handshake.Id")})
	f.signIn(mgmt)
	_, body := f.get("/organizations/invitations")
	mustContain(t, "consolidated billing", mainOf(body), `id="all-features"`, `action="/organizations/enable-all-features"`)
	_, body = f.post("/organizations/enable-all-features", nil)
	mustContain(t, "requested", mainOf(body), "Enabling all features", "Members approve (0 of 1)")

	// The member approves.
	g := newFixtureClient(f)
	g.signIn(standalone)
	_, body = g.get("/organizations/invitations")
	var approval string
	for _, h := range fieldSlice(f.api(standalone, "organizations", "ListHandshakesForAccount", nil), "Handshakes") {
		if fieldString(h, "Action") == "APPROVE_ALL_FEATURES" {
			approval = fieldString(h, "Id")
		}
	}
	mustContain(t, "member's approval", row(body, "data-handshake", approval), "Approve enabling all features", "/accept")
	_, body = g.post("/organizations/invitations/"+approval+"/accept", nil)
	mustContain(t, "approved", body, "Your account approved enabling all features in its organization.")

	// The management account finalizes.
	_, body = f.get("/organizations/invitations")
	mustContain(t, "ready to finalize", mainOf(body), "Members approve (1 of 1)", "Finalize enabling all features")
	parent := fieldString(f.api(mgmt, "organizations", "DescribeOrganization", nil), "Organization.Id")
	_ = parent
	var finalize string
	for _, h := range fieldSlice(f.api(mgmt, "organizations", "ListHandshakesForOrganization", nil), "Handshakes") {
		if fieldString(h, "Action") == "ENABLE_ALL_FEATURES" {
			finalize = fieldString(h, "Id")
		}
	}
	_, body = f.post("/organizations/invitations/"+finalize+"/accept", nil)
	mustContain(t, "finalized", body, "Your organization now has all features enabled.", "All features are enabled in your organization.")
	if fs := fieldString(f.api(mgmt, "organizations", "DescribeOrganization", nil), "Organization.FeatureSet"); fs != "ALL" {
		t.Fatalf("feature set %s", fs)
	}
}
