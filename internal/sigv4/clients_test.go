package sigv4

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Known-answer requests signed by real clients for
// http://127.0.0.1:4566 with the clock frozen at 2026-11-22T13:37:23Z:
// boto3/botocore 1.43.11 (captured just before sending; Host added as
// urllib3 sends it), the aws-sdk-go-v2 v1.47.7 signer (dumped with
// httputil.DumpRequestOut) and @smithy/signature-v4 5.7.5, the JavaScript
// SDK v3 signer (headers as its HTTP handler sends them). They pin what
// the AWS suite does not: a port in Host, double encoding of REST paths,
// signed session tokens, form bodies with and without a charset, the
// headers each SDK signs (content-length, amz-sdk-*, x-amz-content-sha256,
// x-amz-user-agent) and presigned URLs of a non-S3 service, whose payload
// hash is the SHA-256 of the empty body.
var clientTime = time.Date(2026, 11, 22, 13, 37, 23, 0, time.UTC)

var clientSecrets = map[string]string{
	"AKIDEXAMPLE":     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"ASIAEXAMPLETEMP": "tempSecret/Key+1",
}

const clientToken = "FQoGZXIvYXdzEXAMPLE+token/=="

const botoUA = "User-Agent: Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.43.11\n"

var clientCases = []struct {
	name, raw string
	uri       string // expected canonical URI line, when worth pinning
}{
	{name: "botocore organizations json", raw: "POST / HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" +
		"Accept-Encoding: identity\n" +
		"X-Amz-Target: AWSOrganizationsV20161128.EnableAWSServiceAccess\n" +
		"Content-Type: application/x-amz-json-1.1\n" + botoUA +
		"X-Amz-Date: 20261122T133723Z\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/organizations/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=a3e86d474b36c56ae151498f7fed21f85bb24525c179ba7c04fe2357bb8c5ec7\n" +
		"amz-sdk-invocation-id: bb67d0be-6de2-4aed-98f1-d194e33bae37\n" +
		"amz-sdk-request: attempt=1\n" +
		"Content-Length: 41\n\n" +
		`{"ServicePrincipal": "ssm.amazonaws.com"}`},
	{name: "botocore iam query with session token", raw: "POST / HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" +
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8\n" + botoUA +
		"X-Amz-Date: 20261122T133723Z\n" +
		"X-Amz-Security-Token: " + clientToken + "\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=ASIAEXAMPLETEMP/20261122/eu-west-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=91df41385ca5cabe78f85433dbf00e03498de3b7c7f2ded8df2ad3191ace9bd6\n" +
		"amz-sdk-invocation-id: df91f8e5-673b-47af-9174-0e07fc6d3a07\n" +
		"amz-sdk-request: attempt=1\n" +
		"Content-Length: 99\n\n" +
		"Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=ssm.amazonaws.com&Description=test"},
	{name: "botocore auditmanager arn path", raw: "GET /tags/arn%3Aaws%3Aauditmanager%3Aus-east-1%3A111122223333%3Aassessment%2F0123-abcd HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" + botoUA +
		"X-Amz-Date: 20261122T133723Z\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/auditmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=5800b04b02ad256350f3799ea61d5b301d159bef03d49061a08d45e9c95cb7a7\n" +
		"amz-sdk-invocation-id: 95ac1551-3bbf-405a-b8be-18fe6f2b12d9\n" +
		"amz-sdk-request: attempt=1\n\n",
		uri: "/tags/arn%253Aaws%253Aauditmanager%253Aus-east-1%253A111122223333%253Aassessment%252F0123-abcd"},
	{name: "botocore auditmanager get settings", raw: "GET /settings/ALL HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" + botoUA +
		"X-Amz-Date: 20261122T133723Z\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/auditmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=177cbf93ba887356c5120467dfe54a8ba5c27ea898cae5197b97fc6747d95c27\n\n"},
	{name: "botocore ssm json with session token", raw: "POST / HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" +
		"X-Amz-Target: AmazonSSM.CreateResourceDataSync\n" +
		"Content-Type: application/x-amz-json-1.1\n" + botoUA +
		"X-Amz-Date: 20261122T133723Z\n" +
		"X-Amz-Security-Token: " + clientToken + "\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=ASIAEXAMPLETEMP/20261122/eu-west-1/ssm/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=4702725726bee82fe0c61c424cc2e84041ec4602e947a7337d6072f3fe1df5a9\n" +
		"Content-Length: 241\n\n" +
		`{"SyncName": "OrgSync", "SyncType": "SyncFromSource", "SyncSource": {"SourceType": "AwsOrganizations", "SourceRegions": ["us-east-1"], "IncludeFutureRegions": true, "AwsOrganizationsSource": {"OrganizationSourceType": "EntireOrganization"}}}`},
	{name: "botocore sts presigned", raw: "GET /?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T133723Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=965a1db7e1bc868f9790353e61c6f6498d96f3eae9cba10aa4b66f712ba10ccb HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n\n"},
	{name: "botocore sts presigned with session token", raw: "GET /?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLETEMP%2F20261122%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T133723Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE%2Btoken%2F%3D%3D&X-Amz-Signature=306d77d8e75fe42fc13b075412a445800f7e8ebbdd64700f483f61c144dcc574 HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n\n"},
	{name: "go-sdk organizations json", raw: "POST / HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" +
		"User-Agent: aws-sdk-go-v2/1.47.7\n" +
		"Content-Length: 40\n" +
		"Amz-Sdk-Invocation-Id: 5d1f0a8c-9a45-4c2b-8f6e-0d6c1a2b3c4d\n" +
		"Amz-Sdk-Request: attempt=1; max=3\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/organizations/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=c90b949332eebbd1282e1b1359a44f185edd798dbf88f4185ba60ab680838acf\n" +
		"Content-Type: application/x-amz-json-1.1\n" +
		"X-Amz-Date: 20261122T133723Z\n" +
		"X-Amz-Target: AWSOrganizationsV20161128.EnableAWSServiceAccess\n" +
		"Accept-Encoding: gzip\n\n" +
		`{"ServicePrincipal":"ssm.amazonaws.com"}`},
	{name: "go-sdk iam query with session token", raw: "POST / HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" +
		"User-Agent: Go-http-client/1.1\n" +
		"Content-Length: 82\n" +
		"Amz-Sdk-Invocation-Id: 6e2f1b9d-0b56-4d3c-9a7f-1e7d2b3c4d5e\n" +
		"Amz-Sdk-Request: attempt=1; max=3\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=ASIAEXAMPLETEMP/20261122/us-east-1/iam/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-security-token, Signature=4f8af5b4e5b40eadc7f6f9486d9a0fb10c3ca95920f8a05a87b9c2d5d7507232\n" +
		"Content-Type: application/x-www-form-urlencoded\n" +
		"X-Amz-Date: 20261122T133723Z\n" +
		"X-Amz-Security-Token: " + clientToken + "\n" +
		"Accept-Encoding: gzip\n\n" +
		"AWSServiceName=ssm.amazonaws.com&Action=CreateServiceLinkedRole&Version=2010-05-08"},
	{name: "go-sdk auditmanager arn path", raw: "GET /tags/arn%3Aaws%3Aauditmanager%3Aus-east-1%3A111122223333%3Aassessment%2F0123-abcd HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n" +
		"User-Agent: Go-http-client/1.1\n" +
		"Amz-Sdk-Invocation-Id: 7f3a2c0e-1c67-4e4d-8b80-2f8e3c4d5e6f\n" +
		"Amz-Sdk-Request: attempt=1; max=3\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/auditmanager/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;host;x-amz-date, Signature=4c2ebac20c146fa714cef4776d8b17a47e74bf2a004d6e747c75e3e55784797f\n" +
		"X-Amz-Date: 20261122T133723Z\n" +
		"Accept-Encoding: gzip\n\n",
		uri: "/tags/arn%253Aaws%253Aauditmanager%253Aus-east-1%253A111122223333%253Aassessment%252F0123-abcd"},
	{name: "go-sdk sts presigned with session token", raw: "GET /?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLETEMP%2F20261122%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T133723Z&X-Amz-Expires=60&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE%2Btoken%2F%3D%3D&X-Amz-SignedHeaders=host&X-Amz-Signature=49457ee645910bb228ea882472f1b462b9d3024e711181dbc3045e4f6ec19f3e HTTP/1.1\n" +
		"Host: 127.0.0.1:4566\n\n"},
	{name: "js-sdk organizations json", raw: "POST / HTTP/1.1\n" +
		"content-type: application/x-amz-json-1.1\n" +
		"x-amz-target: AWSOrganizationsV20161128.EnableAWSServiceAccess\n" +
		"x-amz-user-agent: aws-sdk-js/3.1169.0\n" +
		"user-agent: aws-sdk-js/3.1169.0 ua/2.1 os/linux lang/js md/nodejs#20.20.2\n" +
		"amz-sdk-invocation-id: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n" +
		"amz-sdk-request: attempt=1; max=3\n" +
		"content-length: 40\n" +
		"host: 127.0.0.1:4566\n" +
		"x-amz-date: 20261122T133723Z\n" +
		"x-amz-content-sha256: 1f0cbd565850f9aad3d8e6031df5b3b02093e6e980a4671469aa07344b891a7f\n" +
		"authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/organizations/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent, Signature=4be9e0bf451efd019ee247b0639f17c23ea35177c43f8f3ae1ba233f5495e824\n" +
		"Connection: keep-alive\n\n" +
		`{"ServicePrincipal":"ssm.amazonaws.com"}`},
	{name: "js-sdk iam query with session token", raw: "POST / HTTP/1.1\n" +
		"content-type: application/x-www-form-urlencoded\n" +
		"amz-sdk-invocation-id: 1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e\n" +
		"amz-sdk-request: attempt=1; max=3\n" +
		"content-length: 82\n" +
		"host: 127.0.0.1:4566\n" +
		"x-amz-date: 20261122T133723Z\n" +
		"x-amz-security-token: " + clientToken + "\n" +
		"x-amz-content-sha256: 2dccf0317f56465107a1f55b13372d1812105432908eebdad0970fb6b6257dbb\n" +
		"authorization: AWS4-HMAC-SHA256 Credential=ASIAEXAMPLETEMP/20261122/us-east-1/iam/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=9c13c663ace1fe06d2a518332f776cc74eb716b6c8ce32b6ac84eb149a82cdda\n\n" +
		"Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=ssm.amazonaws.com"},
	{name: "js-sdk auditmanager arn path", raw: "GET /tags/arn%3Aaws%3Aauditmanager%3Aus-east-1%3A111122223333%3Aassessment%2F0123-abcd HTTP/1.1\n" +
		"host: 127.0.0.1:4566\n" +
		"x-amz-user-agent: aws-sdk-js/3.1112.0\n" +
		"x-amz-date: 20261122T133723Z\n" +
		"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
		"authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/auditmanager/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-user-agent, Signature=c43ba7cc1febe583bfeaf3680bb59c037ab5aa8639c09ce5601e64b678a2f4ca\n\n",
		uri: "/tags/arn%253Aaws%253Aauditmanager%253Aus-east-1%253A111122223333%253Aassessment%252F0123-abcd"},
	{name: "js-sdk sts presigned with session token", raw: "GET /?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE%2Btoken%2F%3D%3D&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLETEMP%2F20261122%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T133723Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=49457ee645910bb228ea882472f1b462b9d3024e711181dbc3045e4f6ec19f3e HTTP/1.1\n" +
		"host: 127.0.0.1:4566\n\n"},
}

// readRequest parses a well-formed request the way net/http's server does.
func readRequest(t testing.TB, raw string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n"))))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

func TestClients(t *testing.T) {
	for _, c := range clientCases {
		t.Run(c.name, func(t *testing.T) {
			r, body := readRequest(t, c.raw)
			a, err := Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			secret := clientSecrets[a.AccessKeyID]
			if strings.HasPrefix(a.AccessKeyID, "ASIA") != (a.SecurityToken == clientToken) {
				t.Errorf("SecurityToken = %q", a.SecurityToken)
			}
			// The standard canonicalization alone must reproduce the client's.
			creq := CanonicalRequest(r, body, a.SignedHeaders, a.Presigned)
			if got := Signature(SigningKey(secret, a.Date, a.Region, a.Service), StringToSign(a, creq)); got != a.Signature {
				t.Fatalf("signature %s, client sent %s; canonical request:\n%s", got, a.Signature, creq)
			}
			if c.uri != "" {
				if got := strings.Split(creq, "\n")[1]; got != c.uri {
					t.Errorf("canonical URI %s, want %s", got, c.uri)
				}
			}
			if err := Verify(r, body, a, secret, clientTime.Add(30*time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := Verify(r, body, a, "wrong", clientTime); err == nil {
				t.Fatal("Verify accepted a wrong secret")
			}
			late := clientTime.Add(MaxSkew + time.Second)
			if a.Presigned {
				late = clientTime.Add(a.Expires + time.Second)
			}
			wantKind(t, Verify(r, body, a, secret, late), RequestExpired)
		})
	}
}
