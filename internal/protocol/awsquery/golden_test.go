package awsquery_test

import (
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol/awsquery"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
	"github.com/orgstack/orgstack/internal/wire"
)

// Every input case runs. The idempotency-token and host-prefix cases test
// client behaviour; on the server side the token is an ordinary member
// (prototest.CompareInput accepts it when params leave it out) and the
// host is ignored.
func TestFixtureInput(t *testing.T) {
	prototest.Run(t, "input/query.json", nil, func(t *testing.T, _ *prototest.Suite, c *prototest.Case, _ *wire.Service, op *wire.Operation) {
		r, body := c.Request()
		got, err := awsquery.Codec{}.Decode(r, body, op, nil)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if err := prototest.CompareInput(op, got, c.Params); err != nil {
			t.Error(err)
		}
	})
}

// outputUnwrapped lists cases whose model gives no resultWrapper and whose
// expected document has the members directly under <OpResponse>, without
// <ResponseMetadata> (the EC2 layout). The server always answers the
// query layout, <OpResponse><OpResult>members</OpResult><ResponseMetadata>,
// which is what every IAM and STS output declares; for these cases the
// members are compared one level down.
var outputUnwrapped = map[string]string{
	"Timestamp members/0": "no resultWrapper in the model",
	"Enum output/0":       "no resultWrapper in the model",
}

func TestFixtureOutput(t *testing.T) {
	prototest.Run(t, "output/query.json", nil, func(t *testing.T, _ *prototest.Suite, c *prototest.Case, svc *wire.Service, op *wire.Operation) {
		exp, err := prototest.ParseXML([]byte(*c.Response.Body))
		if err != nil {
			t.Fatalf("expected body: %v", err)
		}
		// The suites carry no xmlNamespace; the document's is the service's.
		svc.XMLNamespace = exp.Attrs["xmlns"]
		out, err := prototest.CanonicalResult(op.Output, c.Result)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		awsquery.Codec{}.WriteResult(rec, svc, op, out, "request-id")
		if err := c.Response.Compare(rec); err != nil {
			t.Error(err)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
			t.Errorf("Content-Type %q", ct)
		}
		got, err := prototest.ParseXML(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("response is not XML: %v\n%s", err, rec.Body)
		}
		if id := got.Child("ResponseMetadata"); id == nil || id.Child("RequestId") == nil || id.Child("RequestId").Text != "request-id" {
			t.Errorf("no <ResponseMetadata><RequestId>request-id:\n%s", rec.Body)
		}
		exp.Blank("RequestId")
		got.Blank("RequestId")

		wrapper := op.ResultWrapper
		expResult := exp.Child(wrapper)
		if _, ok := outputUnwrapped[c.Key]; ok {
			if wrapper != "" {
				t.Fatalf("case is listed as unwrapped but the model has resultWrapper %q", wrapper)
			}
			wrapper = op.Name + "Result"
			expResult = &prototest.XMLNode{Name: wrapper}
			for _, n := range exp.Children {
				if n.Name != "RequestId" && n.Name != "ResponseMetadata" {
					expResult.Children = append(expResult.Children, n)
				}
			}
			if got.Name != exp.Name {
				t.Errorf("root <%s>, want <%s>", got.Name, exp.Name)
			}
		} else if e, g := exp.Canonical(), got.Canonical(); e != g {
			t.Errorf("document differs\n got:\n%s\nwant:\n%s\nbody:\n%s", g, e, rec.Body)
		}
		gotResult := got.Child(wrapper)
		if expResult == nil || gotResult == nil {
			t.Fatalf("no <%s> element\n%s", wrapper, rec.Body)
		}
		if e, g := expResult.Canonical(), gotResult.Canonical(); e != g {
			t.Errorf("result differs\n got:\n%s\nwant:\n%s", g, e)
		}
		// As a client reads it: list order, map entries, scalar values.
		ev, err := prototest.ParseXMLValue(op.Output, expResult)
		if err != nil {
			t.Fatalf("expected result: %v", err)
		}
		gv, err := prototest.ParseXMLValue(op.Output, gotResult)
		if err != nil {
			t.Fatalf("result: %v", err)
		}
		if err := prototest.Diff(prototest.Normalize(op.Output, nil, ev), prototest.Normalize(op.Output, nil, gv)); err != nil {
			t.Error(err)
		}
	})
}

// iamShapes is a small IAM-like model, as in the botocore iam model.
const iamShapes = `{
	"GetRoleRequest": {"type": "structure", "required": ["RoleName"], "members": {"RoleName": {"shape": "roleNameType"}}},
	"GetRoleResponse": {"type": "structure", "required": ["Role"], "members": {"Role": {"shape": "Role"}}},
	"ListRolesResponse": {"type": "structure", "required": ["Roles"], "members": {
		"Roles": {"shape": "roleListType"},
		"IsTruncated": {"shape": "booleanType"},
		"Marker": {"shape": "responseMarkerType"}
	}},
	"CreateRoleRequest": {"type": "structure", "required": ["RoleName", "AssumeRolePolicyDocument"], "members": {
		"Path": {"shape": "pathType"},
		"RoleName": {"shape": "roleNameType"},
		"AssumeRolePolicyDocument": {"shape": "policyDocumentType"},
		"Description": {"shape": "roleDescriptionType"},
		"MaxSessionDuration": {"shape": "roleMaxSessionDurationType"},
		"PermissionsBoundary": {"shape": "arnType"},
		"Tags": {"shape": "tagListType"}
	}},
	"DeleteRoleRequest": {"type": "structure", "required": ["RoleName"], "members": {"RoleName": {"shape": "roleNameType"}}},
	"Role": {"type": "structure", "required": ["Path", "RoleName", "RoleId", "Arn", "CreateDate"], "members": {
		"Path": {"shape": "pathType"},
		"RoleName": {"shape": "roleNameType"},
		"RoleId": {"shape": "idType"},
		"Arn": {"shape": "arnType"},
		"CreateDate": {"shape": "dateType"},
		"AssumeRolePolicyDocument": {"shape": "policyDocumentType"},
		"Description": {"shape": "roleDescriptionType"},
		"MaxSessionDuration": {"shape": "roleMaxSessionDurationType"},
		"Tags": {"shape": "tagListType"},
		"RoleLastUsed": {"shape": "RoleLastUsed"}
	}},
	"RoleLastUsed": {"type": "structure", "members": {
		"LastUsedDate": {"shape": "dateType"},
		"Region": {"shape": "stringType"}
	}},
	"roleListType": {"type": "list", "member": {"shape": "Role"}},
	"tagListType": {"type": "list", "member": {"shape": "Tag"}, "max": 50},
	"Tag": {"type": "structure", "required": ["Key", "Value"], "members": {"Key": {"shape": "tagKeyType"}, "Value": {"shape": "tagValueType"}}},
	"tagKeyType": {"type": "string", "max": 128, "min": 1},
	"tagValueType": {"type": "string", "max": 256, "min": 0},
	"pathType": {"type": "string", "max": 512, "min": 1},
	"roleNameType": {"type": "string", "max": 64, "min": 1},
	"roleDescriptionType": {"type": "string", "max": 1000, "min": 0},
	"roleMaxSessionDurationType": {"type": "integer", "max": 43200, "min": 3600},
	"policyDocumentType": {"type": "string", "max": 131072, "min": 1},
	"idType": {"type": "string", "max": 128, "min": 16},
	"arnType": {"type": "string", "max": 2048, "min": 20},
	"dateType": {"type": "timestamp"},
	"stringType": {"type": "string"},
	"booleanType": {"type": "boolean"},
	"responseMarkerType": {"type": "string"},
	"NoSuchEntityException": {"type": "structure", "members": {"message": {"shape": "noSuchEntityMessage"}},
		"error": {"code": "NoSuchEntity", "httpStatusCode": 404, "senderFault": true}, "exception": true},
	"noSuchEntityMessage": {"type": "string"},
	"ServiceFailureException": {"type": "structure", "members": {"message": {"shape": "serviceFailureExceptionMessage"}},
		"error": {"code": "ServiceFailure", "httpStatusCode": 500}, "exception": true},
	"serviceFailureExceptionMessage": {"type": "string"}
}`

const iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

func iamModel(t testing.TB) *wire.Service {
	t.Helper()
	op := func(name, in, out string) prototest.Given {
		g := prototest.Given{Name: name}
		if in != "" {
			g.Input = &prototest.Ref{Shape: in}
		}
		if out != "" {
			g.Output = &prototest.Ref{Shape: out, ResultWrapper: name + "Result"}
		}
		return g
	}
	svc, err := prototest.Build(prototest.Metadata{Protocol: "query", APIVersion: "2010-05-08", XMLNamespace: iamNamespace},
		prototest.Shapes(iamShapes),
		op("GetRole", "GetRoleRequest", "GetRoleResponse"),
		op("ListRoles", "", "ListRolesResponse"),
		op("CreateRole", "CreateRoleRequest", "GetRoleResponse"),
		op("DeleteRole", "DeleteRoleRequest", ""))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var iamCodec = awsquery.Codec{URLEncodeShapes: map[string]bool{"policyDocumentType": true}}

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func ssmRole() map[string]any {
	return map[string]any{
		"Path":                     "/aws-service-role/ssm.amazonaws.com/",
		"RoleName":                 "AWSServiceRoleForAmazonSSM",
		"RoleId":                   "AROAEXAMPLEEXAMPLE01",
		"Arn":                      "arn:aws:iam::111111111111:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM",
		"CreateDate":               time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"AssumeRolePolicyDocument": trustPolicy,
		"Description":              "Provides access to AWS Resources managed or used by Amazon SSM & <friends>.",
		"MaxSessionDuration":       int64(3600),
		"Tags":                     []any{map[string]any{"Key": "team", "Value": "a b+c"}},
		"RoleLastUsed":             map[string]any{"LastUsedDate": time.Date(2024, 5, 6, 7, 8, 9, 678e6, time.UTC), "Region": "us-east-1"},
	}
}

// The success envelope, byte for byte as IAM writes it: members in model
// order, lists as <member>, ISO 8601 timestamps (milliseconds only when
// there are some), policy documents URL-encoded (spaces as %20), text
// XML-escaped.
func TestResultGolden(t *testing.T) {
	svc := iamModel(t)
	rec := httptest.NewRecorder()
	iamCodec.WriteResult(rec, svc, svc.Operation("GetRole"), map[string]any{"Role": ssmRole()}, "4a8f3c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
	const want = `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/aws-service-role/ssm.amazonaws.com/</Path>
      <RoleName>AWSServiceRoleForAmazonSSM</RoleName>
      <RoleId>AROAEXAMPLEEXAMPLE01</RoleId>
      <Arn>arn:aws:iam::111111111111:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM</Arn>
      <CreateDate>2024-01-02T03:04:05Z</CreateDate>
      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ssm.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>
      <Description>Provides access to AWS Resources managed or used by Amazon SSM &amp; &lt;friends&gt;.</Description>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <Tags>
        <member>
          <Key>team</Key>
          <Value>a b+c</Value>
        </member>
      </Tags>
      <RoleLastUsed>
        <LastUsedDate>2024-05-06T07:08:09.678Z</LastUsedDate>
        <Region>us-east-1</Region>
      </RoleLastUsed>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>4a8f3c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b</RequestId>
  </ResponseMetadata>
</GetRoleResponse>
`
	if got := rec.Body.String(); got != want {
		t.Errorf("body\n got:\n%s\nwant:\n%s", got, want)
	}
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/xml" ||
		rec.Header().Get("x-amzn-RequestId") != "4a8f3c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b" ||
		rec.Header().Get("Content-Length") != strconv.Itoa(len(want)) {
		t.Errorf("status %d, headers %v", rec.Code, rec.Header())
	}

	// What a client reads back: the URL-decoded policy document is the
	// JSON the handler returned (botocore's iam hook URL-decodes it).
	var doc struct {
		Policy string `xml:"GetRoleResult>Role>AssumeRolePolicyDocument"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got, err := url.QueryUnescape(doc.Policy); err != nil || got != trustPolicy {
		t.Errorf("decoded policy %q, %v", got, err)
	}
	// Spaces are %20, never '+', which a URL decoder would keep.
	got := encodedPolicy(t, svc, `{"Sid": "a b"}`)
	if got != "%7B%22Sid%22%3A%20%22a%20b%22%7D" {
		t.Errorf("encoded %q", got)
	}
}

func encodedPolicy(t *testing.T, svc *wire.Service, policy string) string {
	t.Helper()
	role := ssmRole()
	role["AssumeRolePolicyDocument"] = policy
	body := iamCodec.AppendResult(nil, svc.Operation("GetRole"), svc.XMLNamespace, map[string]any{"Role": role}, "id")
	var doc struct {
		Policy string `xml:"GetRoleResult>Role>AssumeRolePolicyDocument"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Policy
}

// Operations without output answer the envelope with metadata only.
func TestEmptyResultGolden(t *testing.T) {
	svc := iamModel(t)
	rec := httptest.NewRecorder()
	iamCodec.WriteResult(rec, svc, svc.Operation("DeleteRole"), nil, "req-1")
	const want = `<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ResponseMetadata>
    <RequestId>req-1</RequestId>
  </ResponseMetadata>
</DeleteRoleResponse>
`
	if got := rec.Body.String(); got != want || rec.Code != 200 {
		t.Errorf("status %d, body\n%s\nwant:\n%s", rec.Code, got, want)
	}
}

func TestErrorGolden(t *testing.T) {
	svc := iamModel(t)
	fromModel := func(code, msg string) *orgstack.Error {
		sh := svc.Exception(code)
		if sh == nil {
			t.Fatalf("no exception %s in the model", code)
		}
		return orgstack.NewError(sh.Error.Code, sh.Error.Status, msg)
	}
	for _, tc := range []struct {
		name   string
		err    *orgstack.Error
		status int
		body   string
	}{
		{
			name:   "sender",
			err:    fromModel("NoSuchEntity", "The role with name Missing cannot be found."),
			status: 404,
			body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Sender</Type>
    <Code>NoSuchEntity</Code>
    <Message>The role with name Missing cannot be found.</Message>
  </Error>
  <RequestId>c0ffee00-1111-2222-3333-444455556666</RequestId>
</ErrorResponse>
`,
		},
		{
			name:   "receiver",
			err:    fromModel("ServiceFailure", "The request processing has failed because of an unknown error, exception or failure."),
			status: 500,
			body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Receiver</Type>
    <Code>ServiceFailure</Code>
    <Message>The request processing has failed because of an unknown error, exception or failure.</Message>
  </Error>
  <RequestId>c0ffee00-1111-2222-3333-444455556666</RequestId>
</ErrorResponse>
`,
		},
		{
			name:   "escaped message",
			err:    orgstack.NewError("UnmodifiableEntity", 400, "Cannot perform the operation on the protected role 'AWSServiceRoleForOrganizations' - this role is only modifiable by AWS <&>"),
			status: 400,
			body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Sender</Type>
    <Code>UnmodifiableEntity</Code>
    <Message>Cannot perform the operation on the protected role &#39;AWSServiceRoleForOrganizations&#39; - this role is only modifiable by AWS &lt;&amp;&gt;</Message>
  </Error>
  <RequestId>c0ffee00-1111-2222-3333-444455556666</RequestId>
</ErrorResponse>
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			iamCodec.WriteError(rec, svc, tc.err, "c0ffee00-1111-2222-3333-444455556666")
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body\n got:\n%s\nwant:\n%s", got, tc.body)
			}
			for k, v := range map[string]string{
				"Content-Type":     "text/xml",
				"x-amzn-RequestId": "c0ffee00-1111-2222-3333-444455556666",
				"Content-Length":   strconv.Itoa(len(tc.body)),
			} {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			// What a client extracts.
			var doc struct {
				Error struct {
					Type, Code, Message string
				}
				RequestID string `xml:"RequestId"`
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Error.Code != tc.err.Code || doc.Error.Message != tc.err.Message || doc.RequestID == "" {
				t.Errorf("client reads %+v", doc)
			}
		})
	}
}

// The IAM request a CLI sends decodes into the canonical input.
func TestDecodeCreateRole(t *testing.T) {
	svc := iamModel(t)
	op := svc.Operation("CreateRole")
	form := url.Values{
		"Action":                   {"CreateRole"},
		"Version":                  {"2010-05-08"},
		"RoleName":                 {"r"},
		"AssumeRolePolicyDocument": {trustPolicy},
		"MaxSessionDuration":       {"7200"},
		"Tags.member.1.Key":        {"k1"},
		"Tags.member.1.Value":      {"v1"},
		"Tags.member.2.Key":        {"k2"},
		"Tags.member.2.Value":      {""},
	}
	body := form.Encode()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	got, err := iamCodec.Decode(r, []byte(body), op, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"RoleName": "r", "AssumeRolePolicyDocument": trustPolicy, "MaxSessionDuration": float64(7200),
		"Tags": []any{map[string]any{"Key": "k1", "Value": "v1"}, map[string]any{"Key": "k2", "Value": ""}},
	}
	if err := prototest.Diff(want, prototest.Normalize(op.Input, nil, got)); err != nil {
		t.Error(err)
	}
	if vs := wire.Validate(op.Input, got); len(vs) != 0 {
		t.Errorf("violations: %s", wire.Message(vs))
	}
}

// A nil list element or map value of a canonical result has no XML form
// and is left out, instead of being written as Go's description of an
// empty interface (or panicking, for timestamps).
func TestResultNilElements(t *testing.T) {
	svc, err := prototest.Build(prototest.Metadata{Protocol: "query"}, prototest.Shapes(`{
		"Out": {"type": "structure", "members": {"Names": {"shape": "Names"}, "Times": {"shape": "Times"}, "ByKey": {"shape": "ByKey"}}},
		"Names": {"type": "list", "member": {"shape": "String"}},
		"Times": {"type": "list", "member": {"shape": "Time"}},
		"ByKey": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
		"String": {"type": "string"},
		"Time": {"type": "timestamp"}
	}`), prototest.Given{Name: "Op", Output: &prototest.Ref{Shape: "Out", ResultWrapper: "OpResult"}})
	if err != nil {
		t.Fatal(err)
	}
	body := awsquery.Codec{}.AppendResult(nil, svc.Operation("Op"), "", map[string]any{
		"Names": []any{"a", nil},
		"Times": []any{nil, time.Unix(0, 0)},
		"ByKey": map[string]any{"k": nil},
	}, "id")
	const want = `<OpResponse>
  <OpResult>
    <Names>
      <member>a</member>
    </Names>
    <Times>
      <member>1970-01-01T00:00:00Z</member>
    </Times>
    <ByKey>
      <entry>
        <key>k</key>
      </entry>
    </ByKey>
  </OpResult>
  <ResponseMetadata>
    <RequestId>id</RequestId>
  </ResponseMetadata>
</OpResponse>
`
	if string(body) != want {
		t.Errorf("got:\n%s\nwant:\n%s", body, want)
	}
}
