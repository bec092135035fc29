package app

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/sigv4"
)

// fuzzServices are the signing names FuzzServe signs for, by its first
// argument; the last ones name nothing (routing by target, Action and
// path alone).
var fuzzServices = []string{"organizations", "iam", "sts", "ssm", "auditmanager", "backup", "selfservicereporting", "", "s3"}

// FuzzServe sends whole requests, signed as an account's root user, to
// the assembled server: any service, method, path, X-Amz-Target,
// Content-Type and body. Whatever the client sends, the answer is one of
// AWS's client errors (or a success, or NotImplemented): never a panic,
// never a 5xx internal failure, and always a body of the protocol's
// format with an error code.
func FuzzServe(f *testing.F) {
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Memory = true
	m.Config.LogLevel = "error"
	m.Config.MaxAccounts = 1000
	m.Config.MaxBodyBytes = 1 << 16
	if err := m.Run(context.Background()); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = m.Close() })

	const jsonCT, formCT = "application/x-amz-json-1.1", "application/x-www-form-urlencoded; charset=utf-8"
	for _, s := range []struct {
		svc                               uint8
		method, path, target, ctype, body string
	}{
		{0, "POST", "/", orgTarget + "CreateOrganization", jsonCT, `{"FeatureSet":"ALL"}`},
		{0, "POST", "/", orgTarget + "CreateOrganizationalUnit", jsonCT, `{"ParentId":"r-0000","Name":"x"}`},
		{0, "POST", "/", orgTarget + "ListAccounts", jsonCT, `{"MaxResults":1,"NextToken":"!!"}`},
		{0, "POST", "/", orgTarget + "CreatePolicy", jsonCT, `{"Name":"p","Description":"d","Type":"SERVICE_CONTROL_POLICY","Content":"{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}"}`},
		{0, "GET", "/", orgTarget + "ListRoots", jsonCT, ``},
		{0, "POST", "/", orgTarget + "ListRoots", "text/plain", `{}`},
		{0, "POST", "/", orgTarget + "ListRoots", jsonCT, "{\"a\":\"\xff\"}"},
		{1, "POST", "/", "", formCT, "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%22Statement%22%3A%5B%5D%7D"},
		{1, "POST", "/", "", formCT, "Action=PutUserPolicy&Version=2010-05-08&UserName=u&PolicyName=p&PolicyDocument=%7B"},
		{1, "POST", "/", "", formCT, "Version=2010-05-08&%zz"},
		{2, "POST", "/", "", formCT, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&RoleSessionName=s&DurationSeconds=99999999999"},
		{2, "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "", ""},
		{3, "POST", "/", "AmazonSSM.CreateResourceDataSync", jsonCT, `{"SyncName":"s","SyncType":"SyncFromSource","SyncSource":{"SourceType":"AwsOrganizations","SourceRegions":["us-east-1"],"AwsOrganizationsSource":{"OrganizationSourceType":"EntireOrganization"}}}`},
		{3, "POST", "/", "AmazonSSM.GetOpsSummary", jsonCT, `{"Filters":[{"Key":"AWS:OpsItem.Status","Values":["Open"],"Type":"Equal"}],"Aggregators":[{"AggregatorType":"count","AttributeName":"Status","Aggregators":[{"AggregatorType":"count"}]}]}`},
		{4, "POST", "/account/registerAccount", "", "application/json", `{"delegatedAdminAccount":"111111111111"}`},
		{4, "GET", "/assessments/%ff/controlSets/x/evidenceFolders/y/evidence?maxResults=-1", "", "", ""},
		{5, "PUT", "/backup-jobs", "", "application/json", `{"BackupVaultName":"Default","ResourceArn":"arn:aws:ec2:us-east-1:1:instance/i-1","IamRoleArn":"arn:aws:iam::1:role/r","StartWindowMinutes":-5}`},
		{5, "GET", "/backup-jobs/?ByCreatedBefore=yesterday", "", "", ""},
		{6, "POST", "/", "SelfServiceReporting.GetReport", jsonCT, `{"ReportType":"PATCH","Scope":"ORGANIZATION","Filters":[{"Name":"x","Values":[]}]}`},
		{7, "POST", "/", "", formCT, "Action=ListUsers&Version=2010-05-08"},
		{8, "DELETE", "/bucket/key", "", "", ""},
	} {
		f.Add(s.svc, s.method, s.path, s.target, s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, svc uint8, method, path, target, ctype string, body []byte) {
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "/_orgstack/") || strings.HasPrefix(path, "/moto-api/") {
			return
		}
		r, err := http.NewRequest(method, "http://orgstack"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		if !validHeader(target) || !validHeader(ctype) {
			return
		}
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if name := fuzzServices[int(svc)%len(fuzzServices)]; name != "" {
			sigv4.Sign(r, body, "111111111111", "secret", "", "us-east-1", name, time.Now())
		} else {
			sigv4.Sign(r, body, "111111111111", "secret", "", "us-east-1", "execute-api", time.Now())
		}
		w := httptest.NewRecorder()
		m.Server.ServeHTTP(w, r)
		status, out := w.Code, w.Body.Bytes()
		if status >= 500 && status != http.StatusNotImplemented {
			t.Fatalf("%s %s %q %q: %d\n%s", method, path, target, ctype, status, out)
		}
		if status < 400 {
			return
		}
		code := w.Header().Get("x-amzn-ErrorType")
		switch ct := w.Header().Get("Content-Type"); {
		case strings.Contains(ct, "xml"):
			var e struct {
				Code string `xml:"Error>Code"`
			}
			if err := xml.Unmarshal(out, &e); err != nil {
				t.Fatalf("%d error is not XML: %v\n%s", status, err, out)
			}
			code = e.Code
		case strings.Contains(ct, "json"):
			var e map[string]any
			if err := json.Unmarshal(out, &e); err != nil {
				t.Fatalf("%d error is not JSON: %v\n%s", status, err, out)
			}
			if c, ok := e["__type"].(string); ok {
				code = c
			}
		case strings.Contains(ct, "html"):
			// The console's own pages (unsigned-looking requests it serves).
			return
		default:
			t.Fatalf("%d error with Content-Type %q\n%s", status, ct, out)
		}
		if code == "" {
			t.Fatalf("%d error without a code\n%s", status, out)
		}
	})
}

func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(v) == v
}
