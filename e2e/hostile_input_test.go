package e2e

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/orgstack/orgstack/internal/app"
)

// hostileMaxBody is the body cap of the hostile-input server.
const hostileMaxBody = 64 << 10

// TestHostileInput sends requests no AWS client would send — malformed
// JSON, form and XML bodies, bodies that are not UTF-8, wrong methods and
// content types, unknown targets and actions, bodies over the size cap —
// each signed as the management account. Each gets AWS's error in its
// protocol's format (never a 5xx), and reading the state back shows that
// none of them changed anything.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	s := start(t, inMemory, func(c *app.Config) { c.MaxBodyBytes = hostileMaxBody })
	ctx := context.Background()
	_, root := newOrg(t, s, "ALL")

	const orgs = "AWSOrganizationsV20161128."
	createOU := `{"ParentId":"` + root + `","Name":"hostile"}`
	form := "application/x-www-form-urlencoded; charset=utf-8"
	huge := strings.Repeat("x", hostileMaxBody+1)

	cases := []struct {
		name                  string
		service, method, path string
		header                map[string]string
		body                  string
		status                int
		code                  string
	}{
		// JSON 1.1 (Organizations).
		{"truncated JSON", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), `{"ParentId":"` + root + `","Name":`, 400, "SerializationException"},
		{"trailing data", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), createOU + ` {"Name":"again"}`, 400, "SerializationException"},
		{"trailing garbage", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), createOU + `garbage`, 400, "SerializationException"},
		{"invalid UTF-8", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), `{"ParentId":"` + root + `","Name":"hostile\xff\xfe"}`, 400, "SerializationException"},
		{"XML body", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), `<CreateOrganizationalUnit><Name>hostile</Name></CreateOrganizationalUnit>`, 400, "SerializationException"},
		{"array body", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), `[` + createOU + `]`, 400, "SerializationException"},
		{"GET", "organizations", "GET", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), ``, 400, "UnknownOperationException"},
		{"PUT", "organizations", "PUT", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), createOU, 400, "UnknownOperationException"},
		{"text/plain", "organizations", "POST", "/", map[string]string{"Content-Type": "text/plain", "X-Amz-Target": orgs + "CreateOrganizationalUnit"}, createOU, 400, "UnknownOperationException"},
		{"form content type", "organizations", "POST", "/", map[string]string{"Content-Type": form, "X-Amz-Target": orgs + "CreateOrganizationalUnit"}, createOU, 400, "UnknownOperationException"},
		{"unknown target", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnitNow"), createOU, 400, "UnknownOperationException"},
		{"another service's target", "organizations", "POST", "/", jsonHeaders("AmazonSSM.CreateOrganizationalUnit"), createOU, 400, "UnknownOperationException"},
		{"no target", "organizations", "POST", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1"}, createOU, 400, "UnknownOperationException"},
		{"JSON too large", "organizations", "POST", "/", jsonHeaders(orgs + "CreateOrganizationalUnit"), `{"ParentId":"` + root + `","Name":"` + huge + `"}`, 413, "RequestEntityTooLarge"},

		// Query (IAM).
		{"bad escape", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=CreateUser&Version=2010-05-08&UserName=hostile&%zz=1", 404, "MalformedQueryString"},
		{"semicolons", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=CreateUser;Version=2010-05-08;UserName=hostile", 404, "MalformedQueryString"},
		{"form not UTF-8", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=CreateUser&Version=2010-05-08&UserName=hostile%FF", 404, "MalformedQueryString"},
		{"no Action", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Version=2010-05-08&UserName=hostile", 400, "MissingAction"},
		{"empty Action", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=&Version=2010-05-08&UserName=hostile", 400, "MissingAction"},
		{"unknown Action", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=CreateUserNow&Version=2010-05-08&UserName=hostile", 400, "InvalidAction"},
		{"XML request body", "iam", "POST", "/", map[string]string{"Content-Type": "text/xml"}, "<CreateUserRequest><UserName>hostile</UserName></CreateUserRequest>", 400, "MissingAction"},
		{"JSON request body", "iam", "POST", "/", map[string]string{"Content-Type": "application/json"}, `{"Action":"CreateUser","Version":"2010-05-08","UserName":"hostile"}`, 400, "MissingAction"},
		{"form too large", "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=CreateUser&Version=2010-05-08&UserName=hostile&Path=" + huge, 413, "RequestEntityTooLarge"},

		// rest-json (Audit Manager).
		{"rest truncated JSON", "auditmanager", "POST", "/account/registerAccount", map[string]string{"Content-Type": "application/json"}, `{"kmsKey":`, 400, "SerializationException"},
		{"rest invalid UTF-8", "auditmanager", "POST", "/account/registerAccount", map[string]string{"Content-Type": "application/json"}, "{\"kmsKey\":\"DEFAULT\xff\"}", 400, "SerializationException"},
		{"rest trailing data", "auditmanager", "POST", "/account/registerAccount", map[string]string{"Content-Type": "application/json"}, `{"kmsKey":"DEFAULT"}{}`, 400, "SerializationException"},
		{"rest too large", "auditmanager", "POST", "/account/registerAccount", map[string]string{"Content-Type": "application/json"}, `{"kmsKey":"` + huge + `"}`, 413, "RequestEntityTooLarge"},
	}
	for _, c := range cases {
		status, h, body := s.raw(t, mgmt, c.service, c.method, c.path, c.header, c.body)
		var code string
		switch c.service {
		case "organizations":
			if h.Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Errorf("%s: Content-Type %q", c.name, h.Get("Content-Type"))
			}
			code, _ = decode(t, body)["__type"].(string)
		case "iam":
			var e struct {
				Type string `xml:"Error>Type"`
				Code string `xml:"Error>Code"`
			}
			if err := xml.Unmarshal([]byte(body), &e); err != nil || e.Type != "Sender" {
				t.Errorf("%s: not a Sender ErrorResponse (%v): %s", c.name, err, body)
			}
			code = e.Code
		case "auditmanager":
			code = h.Get("x-amzn-ErrorType")
			if _, ok := decode(t, body)["message"]; !ok {
				t.Errorf("%s: no message: %s", c.name, body)
			}
		}
		if status != c.status || code != c.code || h.Get("x-amzn-RequestId") == "" {
			t.Errorf("%s: got %d %q, want %d %q\n%s", c.name, status, code, c.status, c.code, body)
		}
	}

	// Nothing of it reached a handler: no OU, no user, Audit Manager
	// still off. The same calls made properly work.
	ous, err := s.orgs(mgmt).ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(root)})
	if err != nil || len(ous.OrganizationalUnits) != 0 {
		t.Fatalf("OUs after hostile requests: %+v %v", ous, err)
	}
	users, err := s.iam(mgmt).ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 0 {
		t.Fatalf("users after hostile requests: %+v %v", users, err)
	}
	status, _, body := s.raw(t, mgmt, "auditmanager", "GET", "/account/status", nil, "")
	if status != 200 || decode(t, body)["status"] != "INACTIVE" {
		t.Fatalf("Audit Manager status after hostile requests: %d %s", status, body)
	}
	if status, _, body := s.raw(t, mgmt, "organizations", "POST", "/", jsonHeaders(orgs+"CreateOrganizationalUnit"), createOU); status != 200 {
		t.Fatalf("a proper CreateOrganizationalUnit: %d %s", status, body)
	}
	if status, _, body := s.raw(t, mgmt, "iam", "POST", "/", map[string]string{"Content-Type": form}, "Action=CreateUser&Version=2010-05-08&UserName=hostile"); status != 200 {
		t.Fatalf("a proper CreateUser: %d %s", status, body)
	}
}
