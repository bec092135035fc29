package restjson_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auditmanager"
	"github.com/orgstack/orgstack/internal/protocol/restjson"
	"github.com/orgstack/orgstack/internal/wire"
)

// The benchmarks use Audit Manager's generated model, the rest-json
// service orgstack serves.

// BenchmarkRouteDecode measures routing and decoding CreateAssessment: a
// JSON body with a scope of accounts and services, roles and tags.
func BenchmarkRouteDecode(b *testing.B) {
	svc := auditmanager.ServiceModel()
	router := restjson.NewRouter(svc)
	var accounts bytes.Buffer
	for i := range 10 {
		if i > 0 {
			accounts.WriteString(",")
		}
		fmt.Fprintf(&accounts, `{"id":"1111%08d","emailAddress":"member-%d@example.com","name":"Member %d"}`, i, i, i)
	}
	body := []byte(`{"name":"Quarterly review","description":"SOC 2 evidence for every member account",` +
		`"assessmentReportsDestination":{"destinationType":"S3","destination":"s3://audit-reports-111111111111"},` +
		`"scope":{"awsAccounts":[` + accounts.String() + `],"awsServices":[{"serviceName":"s3"},{"serviceName":"iam"},{"serviceName":"ec2"}]},` +
		`"roles":[{"roleType":"PROCESS_OWNER","roleArn":"arn:aws:iam::111111111111:role/AuditOwner"}],` +
		`"frameworkId":"a1b2c3d4-5678-90ab-cdef-0123456789ab","tags":{"team":"compliance","cost-center":"1234"}}`)
	r := httptest.NewRequest("POST", "/assessments", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		op, labels, _ := router.Match(r.Method, r.URL)
		if op == nil || op.Name != "CreateAssessment" {
			b.Fatalf("routed to %v", op)
		}
		raw, err := restjson.Codec{}.Decode(r, body, op, labels)
		if err != nil {
			b.Fatal(err)
		}
		in := op.NewInput()
		if vs := wire.Bind(op.Input, raw, in); len(vs) > 0 {
			b.Fatal(vs)
		}
	}
}

// discard is a ResponseWriter that keeps nothing, so the benchmark
// measures the encoder.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// BenchmarkEncode measures a page of 50 ListAssessments results, as the
// service's handler returns them.
func BenchmarkEncode(b *testing.B) {
	svc := auditmanager.ServiceModel()
	op := svc.Operation("ListAssessments")
	out := &auditmanager.ListAssessmentsResponse{NextToken: "AAQAAQAAAAEAAAAB"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 50 {
		out.AssessmentMetadata = append(out.AssessmentMetadata, auditmanager.AssessmentMetadataItem{
			Name: fmt.Sprintf("Assessment %d", i), Id: fmt.Sprintf("a1b2c3d4-5678-90ab-cdef-%012d", i),
			ComplianceType: "SOC 2", Status: auditmanager.AssessmentStatusActive,
			Roles:        []auditmanager.Role{{RoleType: auditmanager.RoleTypeProcessOwner, RoleArn: "arn:aws:iam::111111111111:role/AuditOwner"}},
			CreationTime: at, LastUpdated: at.Add(time.Duration(i) * time.Hour),
		})
	}
	w := discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		restjson.Codec{}.WriteResult(w, svc, op, out, "4a8f3c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
	}
}

// BenchmarkEncodeError measures a modeled error with extra members.
func BenchmarkEncodeError(b *testing.B) {
	svc := auditmanager.ServiceModel()
	e := orgstack.NewError("ResourceNotFoundException", 404, "The resource specified in the request can't be found.").
		With("resourceId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111").With("resourceType", "ASSESSMENT")
	w := discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		restjson.Codec{}.WriteError(w, svc, e, "4a8f3c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
	}
}
