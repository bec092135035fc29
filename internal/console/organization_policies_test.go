package console_test

import (
	"net/url"
	"strings"
	"testing"
)

func TestPoliciesCreateAttachDetachDelete(t *testing.T) {
	f := newFixture(t)
	members := f.organization(1)
	f.signIn(mgmt)
	_, body := f.get("/organizations/policies")
	// An organization with all features starts with SCPs enabled.
	mustContain(t, "SCPs", mainOf(body), `id="policy-type-status">Enabled`)
	root := fieldString(fieldSlice(f.api(mgmt, "organizations", "ListRoots", nil), "Roots")[0], "Id")
	mustContain(t, "FullAWSAccess", row(body, "data-policy", "p-FullAWSAccess"), "AWS managed", `data-target="`+root+`"`, `data-target="`+members[0]+`"`)

	content := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`
	_, body = f.post("/organizations/policies", url.Values{"type": {"SERVICE_CONTROL_POLICY"}, "name": {"DenyLeave"}, "description": {"Members stay"}, "content": {content}})
	mustContain(t, "created", mainOf(body), "Policy created", "<h1>DenyLeave</h1>", "organizations:LeaveOrganization", "attached to any target.")
	var id string
	for _, p := range fieldSlice(f.api(mgmt, "organizations", "ListPolicies", map[string]any{"Filter": "SERVICE_CONTROL_POLICY"}), "Policies") {
		if fieldString(p, "Name") == "DenyLeave" {
			id = fieldString(p, "Id")
		}
	}
	if id == "" {
		t.Fatal("policy not created")
	}
	// The JSON is shown indented.
	mustContain(t, "content", body, "\n  &#34;Statement&#34;: [")

	// Attach to the member, see it on the account's page, detach.
	_, body = f.post("/organizations/policies/"+id+"/attach", url.Values{"target": {members[0]}})
	mustContain(t, "attached", mainOf(body), "Policy attached")
	mustContain(t, "target row", row(body, "data-target", members[0]), "Member A", "Detach")
	attached := fieldSlice(f.api(mgmt, "organizations", "ListPoliciesForTarget", map[string]any{"TargetId": members[0], "Filter": "SERVICE_CONTROL_POLICY"}), "Policies")
	if len(attached) != 2 {
		t.Fatalf("policies of the member: %v", attached)
	}
	_, body = f.get("/organizations/accounts/" + members[0])
	mustContain(t, "account page", row(body, "data-policy", id), "DenyLeave", "This account")
	mustContain(t, "account page", mainOf(body), "Inherited from Root")
	_, body = f.get("/organizations/policies?type=SERVICE_CONTROL_POLICY")
	mustContain(t, "list", row(body, "data-policy", id), "DenyLeave", "Members stay", `data-target="`+members[0]+`"`)

	// Deleting an attached policy is AWS's error; the wrong word is refused first.
	f.get("/organizations/policies/" + id)
	_, body = f.post("/organizations/policies/"+id+"/delete", url.Values{"confirm": {"yes"}, "type": {"SERVICE_CONTROL_POLICY"}})
	mustContain(t, "wrong word", flashOf(body), "Policy not deleted")
	_, body = f.post("/organizations/policies/"+id+"/delete", url.Values{"confirm": {"delete"}, "type": {"SERVICE_CONTROL_POLICY"}})
	mustContain(t, "attached policy", flashOf(body), "PolicyInUseException")

	_, body = f.post("/organizations/policies/"+id+"/detach", url.Values{"target": {members[0]}})
	mustContain(t, "detached", mainOf(body), "Policy detached", "attached to any target.")
	if n := len(fieldSlice(f.api(mgmt, "organizations", "ListTargetsForPolicy", map[string]any{"PolicyId": id}), "Targets")); n != 0 {
		t.Fatalf("targets after detaching: %d", n)
	}

	// Edit: invalid content is AWS's error; valid content is saved.
	_, body = f.post("/organizations/policies/"+id+"/update", url.Values{"name": {"DenyLeave"}, "content": {"{not json"}})
	mustContain(t, "bad content", flashOf(body), "MalformedPolicyDocumentException")
	_, body = f.post("/organizations/policies/"+id+"/update", url.Values{"name": {"DenyLeaving"}, "content": {content}})
	mustContain(t, "saved", mainOf(body), "Policy saved", "<h1>DenyLeaving</h1>")

	_, body = f.post("/organizations/policies/"+id+"/delete", url.Values{"confirm": {"delete"}, "type": {"SERVICE_CONTROL_POLICY"}})
	mustContain(t, "deleted", flashOf(body), "Policy deleted")
	if strings.Contains(mainOf(body), `data-policy="`+id+`"`) {
		t.Fatalf("deleted policy still listed: %s", body)
	}
}

func TestPoliciesOtherTypesAndMembers(t *testing.T) {
	f := newFixture(t)
	members := f.organization(1)
	f.signIn(mgmt)
	_, body := f.get("/organizations/policies?type=TAG_POLICY")
	mustContain(t, "tag policies", mainOf(body), "<h2>Tag policies</h2>", `id="policy-type-status">Disabled`)
	root := fieldString(fieldSlice(f.api(mgmt, "organizations", "ListRoots", nil), "Roots")[0], "Id")
	_, body = f.post("/organizations/policy-types/TAG_POLICY/enable", url.Values{"root": {root}})
	mustContain(t, "tag policies enabled", mainOf(body), "Tag policies enabled", `id="policy-type-status">Enabled`, "No policy of this type yet.", `name="type" value="TAG_POLICY"`)

	_, body = f.post("/organizations/policy-types/TAG_POLICY/disable", url.Values{"root": {root}, "confirm": {"no"}})
	mustContain(t, "wrong word", flashOf(body), "Tag policies not disabled")
	mustContain(t, "still enabled", mainOf(body), `id="policy-type-status">Enabled`)
	_, body = f.post("/organizations/policy-types/TAG_POLICY/disable", url.Values{"root": {root}, "confirm": {"disable"}})
	mustContain(t, "disabled", mainOf(body), "Tag policies disabled", `id="policy-type-status">Disabled`)
	types := fieldSlice(fieldSlice(f.api(mgmt, "organizations", "ListRoots", nil), "Roots")[0], "PolicyTypes")
	for _, pt := range types {
		if fieldString(pt, "Type") == "TAG_POLICY" {
			t.Fatalf("TAG_POLICY still on the root: %v", types)
		}
	}

	g := newFixtureClient(f)
	g.signIn(members[0])
	_, body = g.get("/organizations/policies")
	mustContain(t, "member", body, `data-error-code="AccessDeniedException"`)
	mustNotContain(t, "member", mainOf(body), "Create policy")
	_, body = g.get("/organizations/policies/p-FullAWSAccess")
	mustContain(t, "member on a policy", body, `data-error-code="AccessDeniedException"`)
}
