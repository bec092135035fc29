package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/app"
)

var requestURLRE = regexp.MustCompile(`/organizations/accounts\?request=(car-[0-9a-z]+)`)

func TestAccountsPageStructureAndAccountCreation(t *testing.T) {
	f := newFixture(t, func(c *app.Config) { c.CreateAccountDelay = 400 * time.Millisecond })
	f.api(mgmt, "organizations", "CreateOrganization", map[string]any{"FeatureSet": "ALL"})
	f.signIn(mgmt)
	status, body := f.get("/organizations/accounts")
	if status != http.StatusOK {
		t.Fatalf("accounts page: %d\n%s", status, body)
	}
	root := fieldString(fieldSlice(f.api(mgmt, "organizations", "ListRoots", nil), "Roots")[0], "Id")
	mustContain(t, "tree", row(body, "data-node", root), `data-kind="root"`, "Root")
	mustContain(t, "management account row", row(body, "data-node", mgmt), "Management account", "account-"+mgmt+"@example.com", "Active")

	// An OU under the root.
	_, body = f.post("/organizations/ous", url.Values{"parent": {root}, "name": {"Workloads"}})
	mustContain(t, "after creating an OU", flashOf(body), "Organizational unit created")
	ous := fieldSlice(f.api(mgmt, "organizations", "ListOrganizationalUnitsForParent", map[string]any{"ParentId": root}), "OrganizationalUnits")
	if len(ous) != 1 {
		t.Fatalf("OUs: %v", ous)
	}
	ou := fieldString(ous[0], "Id")
	mustContain(t, "OU row", row(body, "data-node", ou), `data-kind="ou"`, "Workloads", `data-parent="`+root+`"`)

	// An account: the page follows the request until it succeeds.
	_, body = f.post("/organizations/accounts/create", url.Values{"name": {"Prod"}, "email": {"prod@example.com"}})
	mustContain(t, "right after CreateAccount", body, `id="create-account-progress" data-state="IN_PROGRESS"`, "Creating account Prod", "location.reload()")
	m := requestURLRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no refresh link: %s", body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(body, `data-state="IN_PROGRESS"`) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body = f.get(m[0])
	}
	mustContain(t, "once created", body, `id="create-account-progress" data-state="SUCCEEDED"`, "SUCCEEDED")
	mustNotContain(t, "once created", body, "location.reload()")
	var prod string
	for _, a := range fieldSlice(f.api(mgmt, "organizations", "ListAccounts", nil), "Accounts") {
		if fieldString(a, "Name") == "Prod" {
			prod = fieldString(a, "Id")
		}
	}
	if prod == "" {
		t.Fatal("account Prod not in ListAccounts")
	}
	mustContain(t, "created account's row", row(body, "data-node", prod), "prod@example.com", "Created", `data-parent="`+root+`"`)
	mustContain(t, "request row", row(body, "data-request", m[1]), "SUCCEEDED", prod)

	// A request that fails shows AWS's reason.
	_, body = f.post("/organizations/accounts/create", url.Values{"name": {"Again"}, "email": {"prod@example.com"}})
	m = requestURLRE.FindStringSubmatch(body)
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(body, `data-state="IN_PROGRESS"`) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		_, body = f.get(m[0])
	}
	mustContain(t, "failed request", body, `data-state="FAILED"`, "EMAIL_ALREADY_EXISTS", "Another AWS account already uses this email address.")

	// Move the account into the OU.
	_, body = f.post("/organizations/accounts/"+prod+"/move", url.Values{"source": {root}, "destination": {ou}})
	mustContain(t, "after moving", flashOf(body), "Account moved")
	mustContain(t, "moved row", row(body, "data-node", prod), `data-parent="`+ou+`"`)
	parents := fieldSlice(f.api(mgmt, "organizations", "ListParents", map[string]any{"ChildId": prod}), "Parents")
	if fieldString(parents[0], "Id") != ou {
		t.Fatalf("parent after moving: %v", parents)
	}
	// Moving from the wrong source is AWS's error.
	_, body = f.post("/organizations/accounts/"+prod+"/move", url.Values{"source": {root}, "destination": {root}})
	mustContain(t, "bad move", body, `<div class="alert-title">AccountNotFoundException</div>`)

	// An OU that isn't empty can't be deleted, the typed word first; renaming works.
	_, body = f.post("/organizations/ous/"+ou+"/delete", url.Values{"confirm": {"yes"}})
	mustContain(t, "wrong word", flashOf(body), "Organizational unit not deleted")
	_, body = f.post("/organizations/ous/"+ou+"/delete", url.Values{"confirm": {"delete"}})
	mustContain(t, "deleting a non-empty OU", flashOf(body), "OrganizationalUnitNotEmptyException")
	_, body = f.post("/organizations/ous/"+ou+"/rename", url.Values{"name": {"Production"}})
	mustContain(t, "renamed", row(body, "data-node", ou), "Production")

	// The account page: its path, and its roles read in the account.
	_, body = f.get("/organizations/accounts/" + prod)
	mustContain(t, "account page", mainOf(body), "prod@example.com", `<span title="`+root+`">Root</span> / <span title="`+ou+`">Production</span>`,
		"arn:aws:iam::"+prod+":role/OrganizationAccountAccessRole", `data-role="OrganizationAccountAccessRole" data-kind="organizations"`)
}

func TestRemoveAccountNeedsTheTypedWord(t *testing.T) {
	f := newFixture(t)
	members := f.organization(1)
	// An invited account may leave at once; a created one only after its
	// waiting period.
	hs := f.api(mgmt, "organizations", "InviteAccountToOrganization", map[string]any{"Target": map[string]any{"Id": standalone, "Type": "ACCOUNT"}})
	f.api(standalone, "organizations", "AcceptHandshake", map[string]any{"HandshakeId": fieldString(hs, "Handshake.Id")})
	f.signIn(mgmt)
	_, body := f.get("/organizations/accounts")
	mustContain(t, "invited account's row", row(body, "data-node", standalone), "Invited", `data-open="remove-`+standalone+`"`)
	_, body = f.post("/organizations/accounts/"+standalone+"/remove", url.Values{"confirm": {"yes"}})
	mustContain(t, "wrong word", flashOf(body), "Account not removed")
	if len(fieldSlice(f.api(mgmt, "organizations", "ListAccounts", nil), "Accounts")) != 3 {
		t.Fatal("the account left with the wrong word")
	}
	_, body = f.post("/organizations/accounts/"+members[0]+"/remove", url.Values{"confirm": {"remove"}})
	mustContain(t, "created account", body, `<div class="alert-title">ConstraintViolationException</div>`)
	// From its page, with the word.
	f.get("/organizations/accounts/" + standalone)
	_, body = f.post("/organizations/accounts/"+standalone+"/remove", url.Values{"confirm": {"remove"}, "next": {"/organizations/accounts/" + standalone}})
	mustContain(t, "removed", flashOf(body), "Account removed")
	if row(body, "data-node", standalone) != "" || row(body, "data-node", members[0]) == "" {
		t.Fatalf("tree after removing: %s", body)
	}
	if len(fieldSlice(f.api(mgmt, "organizations", "ListAccounts", nil), "Accounts")) != 2 {
		t.Fatal("ListAccounts still has the account")
	}
}

func TestAccountPageShowsServiceLinkedRoles(t *testing.T) {
	f := newFixture(t)
	members := f.organization(1)
	f.api(mgmt, "organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": "ssm.amazonaws.com"})
	f.settle()
	f.signIn(mgmt)
	_, body := f.get("/organizations/accounts/" + mgmt)
	r := row(body, "data-role", "AWSServiceRoleForAmazonSSM_AccountDiscovery")
	mustContain(t, "SSM's role in the management account", r, `data-kind="service-linked"`, "Service-linked", "AWS Systems Manager", "accountdiscovery.ssm.amazonaws.com")
	mustContain(t, "management account page", mainOf(body), "Management account")
	mustNotContain(t, "own roles", body, "Read in the account by assuming")

	// A member's roles are read through OrganizationAccountAccessRole.
	_, body = f.get("/organizations/accounts/" + members[0])
	mustContain(t, "member page", mainOf(body), "Read in the account by assuming", `data-role="OrganizationAccountAccessRole" data-kind="organizations"`,
		`data-role="AWSServiceRoleForOrganizations" data-kind="service-linked"`)
}

func TestOrganizationPagesForMembersAndStandaloneAccounts(t *testing.T) {
	f := newFixture(t)
	members := f.organization(2)
	f.signIn(members[0])
	for _, p := range []string{"/organizations/accounts", "/organizations/policies", "/organizations/accounts/" + members[1]} {
		status, body := f.get(p)
		if status != http.StatusOK {
			t.Fatalf("%s as a member: %d\n%s", p, status, body)
		}
		mustContain(t, p+" as a member", body, `data-error-code="AccessDeniedException"`)
		mustNotContain(t, p+" as a member", body, "goroutine", ".go:", "Create an AWS account")
	}
	_, body := f.get("/organizations/accounts")
	mustContain(t, "member's accounts page", mainOf(body), `id="structure-unavailable"`, "managed by account <code>"+mgmt)
	// The member's own page still lists its own roles.
	_, body = f.get("/organizations/accounts/" + members[0])
	mustContain(t, "member's own page", mainOf(body), `data-role="OrganizationAccountAccessRole"`)

	// A standalone account may create an organization.
	g := newFixtureClient(f)
	g.signIn(standalone)
	_, body = g.get("/organizations/accounts")
	mustContain(t, "standalone", mainOf(body), `id="no-organization"`, "Create an organization")
	_, body = g.post("/organizations/organization", nil)
	mustContain(t, "after creating", mainOf(body), "Organization created", "Management account", `id="org-tree"`)
	org := f.api(standalone, "organizations", "DescribeOrganization", nil)
	if fieldString(org, "Organization.MasterAccountId") != standalone {
		t.Fatalf("organization: %v", org)
	}
}

func TestAccountPageInEnforceMode(t *testing.T) {
	f := newFixture(t, func(c *app.Config) { c.Auth = "enforce"; c.RootSecret = "s3cret" })
	members := f.organization(2)
	f.api(mgmt, "organizations", "EnableAWSServiceAccess", map[string]any{"ServicePrincipal": "ssm.amazonaws.com"})
	f.api(mgmt, "organizations", "RegisterDelegatedAdministrator", map[string]any{"AccountId": members[1], "ServicePrincipal": "ssm.amazonaws.com"})
	f.settle()
	status, body := f.postForm("/signin", url.Values{"access_key": {mgmt}, "secret_key": {"s3cret"}, "region": {"us-east-1"}, "next": {"/organizations/accounts"}})
	if status != http.StatusOK {
		t.Fatalf("sign-in: %d\n%s", status, body)
	}
	mustContain(t, "delegated administrator", row(body, "data-node", members[1]), "Delegated administrator")
	mustNotContain(t, "plain member", row(body, "data-node", members[0]), "Delegated administrator")

	// The member's roles, read with the temporary credentials of the
	// assumed OrganizationAccountAccessRole.
	_, body = f.get("/organizations/accounts/" + members[0])
	mustContain(t, "member's roles", mainOf(body), "Read in the account by assuming", `data-role="OrganizationAccountAccessRole" data-kind="organizations"`)
	mustNotContain(t, "member's roles", mainOf(body), "can&#39;t be read")
	_, body = f.get("/organizations/accounts/" + members[1])
	mustContain(t, "delegated administrator's page", mainOf(body), "AWS Systems Manager", `data-kind="service-linked"`)

	// A member signed in with its own key is refused the structure.
	g := newFixtureClient(f)
	g.postForm("/signin", url.Values{"access_key": {members[0]}, "secret_key": {"s3cret"}, "region": {"us-east-1"}})
	_, body = g.get("/organizations/accounts")
	mustContain(t, "member in enforce mode", body, `data-error-code="AccessDeniedException"`, `id="structure-unavailable"`)
}
