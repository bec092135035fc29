package awsquery_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func BenchmarkQueryDecode(b *testing.B) {
	op := iamModel(b).Operation("CreateRole")
	form := url.Values{
		"Action":                   {"CreateRole"},
		"Version":                  {"2010-05-08"},
		"Path":                     {"/service-role/"},
		"RoleName":                 {"OrgStackDeploymentRole"},
		"AssumeRolePolicyDocument": {trustPolicy},
		"Description":              {"Role assumed by the deployment pipeline in member accounts"},
		"MaxSessionDuration":       {"7200"},
		"PermissionsBoundary":      {"arn:aws:iam::111111111111:policy/DeveloperBoundary"},
	}
	for i := 1; i <= 10; i++ {
		form.Set("Tags.member."+strconv.Itoa(i)+".Key", fmt.Sprintf("tag-key-%d", i))
		form.Set("Tags.member."+strconv.Itoa(i)+".Value", fmt.Sprintf("tag value %d", i))
	}
	body := []byte(form.Encode())
	r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iamCodec.Decode(r, body, op, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// discard is a ResponseWriter that keeps nothing, so the benchmark
// measures the encoder.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

func BenchmarkQueryEncode(b *testing.B) {
	svc := iamModel(b)
	op := svc.Operation("ListRoles")
	roles := make([]any, 50)
	for i := range roles {
		role := ssmRole()
		role["RoleName"] = fmt.Sprintf("Role%d", i)
		role["Arn"] = fmt.Sprintf("arn:aws:iam::111111111111:role/Role%d", i)
		role["CreateDate"] = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		roles[i] = role
	}
	out := map[string]any{"Roles": roles, "IsTruncated": true, "Marker": "AAQAAQAAAAEAAAAB"}
	w := discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		iamCodec.WriteResult(w, svc, op, out, "4a8f3c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
	}
}
