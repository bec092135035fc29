package console_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/app"
)

func TestSignInRequired(t *testing.T) {
	f := newFixture(t)
	f.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := f.client.Get(f.base + "/organizations/services")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSignInEnforceMode(t *testing.T) {
	f := newFixture(t, func(c *app.Config) { c.Auth = "enforce"; c.RootSecret = "s3cret" })
	status, body := f.postForm("/signin", url.Values{"access_key": {mgmt}, "secret_key": {"wrong"}, "region": {"us-east-1"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("wrong secret: %d\n%s", status, body)
	}
	status, body = f.postForm("/signin", url.Values{"access_key": {mgmt}, "secret_key": {"s3cret"}, "region": {"us-east-1"}, "next": {"/organizations/services"}})
	if status != http.StatusOK || !strings.Contains(body, "AWSOrganizationsNotInUseException") {
		t.Fatalf("right secret: %d\n%s", status, body)
	}
}

func TestServicesPageAndTrustedAccessDialogs(t *testing.T) {
	f := newFixture(t)
	members := f.organization(2)
	f.signIn(mgmt)
	status, body := f.get("/organizations/services")
	if status != http.StatusOK || !strings.Contains(body, `data-principal="ssm.amazonaws.com"`) || strings.Contains(body, "Access enabled</span>") {
		t.Fatalf("services page: %d\n%s", status, body)
	}
	// The typed confirmation is checked by the server too.
	_, body = f.post("/organizations/services/ssm.amazonaws.com/enable", url.Values{"confirm": {"yes"}})
	if !strings.Contains(body, "To confirm, enter enable in the box.") || !strings.Contains(body, `id="access-status">Access disabled`) {
		t.Fatalf("wrong word: %s", body)
	}
	_, body = f.post("/organizations/services/ssm.amazonaws.com/enable", url.Values{"confirm": {"enable"}})
	if !strings.Contains(body, `id="access-status">Access enabled`) || !strings.Contains(body, `id="tell-admin"`) {
		t.Fatalf("after enabling: %s", body)
	}
	f.settle()
	_, body = f.get("/organizations/services/ssm.amazonaws.com")
	if !strings.Contains(body, "AWSServiceRoleForAmazonSSM_AccountDiscovery") || !strings.Contains(body, `data-role-account="`+mgmt+`"><td class="mono">`+mgmt+`</td><td><span class="badge badge-green">Present`) {
		t.Fatalf("role in the management account: %s", body)
	}
	// Delegated administrator: registered, listed, errors shown as AWS words them.
	_, body = f.post("/organizations/services/ssm.amazonaws.com/delegated-administrators", url.Values{"account": {mgmt}})
	if !strings.Contains(body, "ConstraintViolationException") {
		t.Fatalf("management account as delegated administrator: %s", body)
	}
	_, body = f.post("/organizations/services/ssm.amazonaws.com/delegated-administrators", url.Values{"account": {members[0]}})
	if !strings.Contains(body, `data-admin="`+members[0]+`"`) {
		t.Fatalf("registered: %s", body)
	}
	_, body = f.get("/organizations/delegated-administrators")
	if !strings.Contains(body, members[0]) || !strings.Contains(body, "AWS Systems Manager") {
		t.Fatalf("delegated administrators page: %s", body)
	}
	_, body = f.post("/organizations/services/ssm.amazonaws.com/disable", url.Values{"confirm": {"disable"}})
	if !strings.Contains(body, `id="access-status">Access disabled`) {
		t.Fatalf("after disabling: %s", body)
	}
	// A plain member is refused as the API refuses it.
	f2 := newFixtureClient(f)
	f2.signIn(members[1])
	_, body = f2.get("/organizations/services")
	if !strings.Contains(body, `data-error-code="AccessDeniedException"`) {
		t.Fatalf("member: %s", body)
	}
}

func TestNoStackTraces(t *testing.T) {
	f := newFixture(t)
	f.signIn(mgmt)
	status, body := f.get("/organizations/services/not-a-service")
	if status != http.StatusNotFound || strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
		t.Fatalf("%d %s", status, body)
	}
	status, _ = f.get("/no/such/page")
	if status != http.StatusNotFound {
		t.Fatalf("unknown page: %d", status)
	}
}

// newFixtureClient is a second browser on the same server.
func newFixtureClient(f *fixture) *fixture {
	g := *f
	jar, _ := cookiejar.New(nil)
	g.client = &http.Client{Jar: jar}
	g.lastCSRF = ""
	return &g
}
