package awsjson_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/protocol/awsjson"
	"github.com/orgstack/orgstack/internal/protocol/prototest"
	"github.com/orgstack/orgstack/internal/wire"
)

// benchShapes follows the SSM and Organizations models: a nested
// CreateResourceDataSync input and a page of ListAccounts output.
const benchShapes = `{
	"CreateResourceDataSyncRequest": {"type": "structure", "required": ["SyncName"], "members": {
		"SyncName": {"shape": "ResourceDataSyncName"},
		"S3Destination": {"shape": "ResourceDataSyncS3Destination"},
		"SyncType": {"shape": "ResourceDataSyncType"},
		"SyncSource": {"shape": "ResourceDataSyncSource"}
	}},
	"ResourceDataSyncS3Destination": {"type": "structure", "required": ["BucketName", "SyncFormat", "Region"], "members": {
		"BucketName": {"shape": "String"}, "Prefix": {"shape": "String"}, "SyncFormat": {"shape": "String"},
		"Region": {"shape": "String"}, "AWSKMSKeyARN": {"shape": "String"}
	}},
	"ResourceDataSyncSource": {"type": "structure", "required": ["SourceType", "SourceRegions"], "members": {
		"SourceType": {"shape": "String"},
		"AwsOrganizationsSource": {"shape": "ResourceDataSyncAwsOrganizationsSource"},
		"SourceRegions": {"shape": "ResourceDataSyncSourceRegionList"},
		"IncludeFutureRegions": {"shape": "Boolean"},
		"EnableAllOpsDataSources": {"shape": "Boolean"}
	}},
	"ResourceDataSyncAwsOrganizationsSource": {"type": "structure", "required": ["OrganizationSourceType"], "members": {
		"OrganizationSourceType": {"shape": "String"},
		"OrganizationalUnits": {"shape": "ResourceDataSyncOrganizationalUnitList"}
	}},
	"ResourceDataSyncOrganizationalUnitList": {"type": "list", "member": {"shape": "ResourceDataSyncOrganizationalUnit"}},
	"ResourceDataSyncOrganizationalUnit": {"type": "structure", "members": {"OrganizationalUnitId": {"shape": "String"}}},
	"ResourceDataSyncSourceRegionList": {"type": "list", "member": {"shape": "String"}},
	"ResourceDataSyncName": {"type": "string", "max": 64, "min": 1},
	"ResourceDataSyncType": {"type": "string", "max": 64, "min": 1},
	"ListAccountsResponse": {"type": "structure", "members": {
		"Accounts": {"shape": "Accounts"}, "NextToken": {"shape": "String"}
	}},
	"Accounts": {"type": "list", "member": {"shape": "Account"}},
	"Account": {"type": "structure", "members": {
		"Id": {"shape": "String"}, "Arn": {"shape": "String"}, "Email": {"shape": "String"}, "Name": {"shape": "String"},
		"Status": {"shape": "String"}, "JoinedMethod": {"shape": "String"}, "JoinedTimestamp": {"shape": "Timestamp"}
	}},
	"String": {"type": "string"},
	"Boolean": {"type": "boolean"},
	"Timestamp": {"type": "timestamp"}
}`

func benchModel(b *testing.B) *wire.Service {
	svc, err := prototest.Build(prototest.Metadata{Protocol: "json", JSONVersion: "1.1", TargetPrefix: "AmazonSSM"}, prototest.Shapes(benchShapes),
		prototest.Given{Name: "CreateResourceDataSync", Input: &prototest.Ref{Shape: "CreateResourceDataSyncRequest"}},
		prototest.Given{Name: "ListAccounts", Output: &prototest.Ref{Shape: "ListAccountsResponse"}})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

func BenchmarkJSONDecode(b *testing.B) {
	op := benchModel(b).Operation("CreateResourceDataSync")
	body := []byte(`{"SyncName": "OrgSync", "SyncType": "SyncFromSource", "SyncSource": {"SourceType": "AwsOrganizations",` +
		` "SourceRegions": ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"],` +
		` "IncludeFutureRegions": true, "EnableAllOpsDataSources": false, "AwsOrganizationsSource": {"OrganizationSourceType": "OrganizationalUnits",` +
		` "OrganizationalUnits": [{"OrganizationalUnitId": "ou-ab12-cdefgh34"}, {"OrganizationalUnitId": "ou-ab12-ijklmn56"}, {"OrganizationalUnitId": "ou-ab12-opqrst78"}]}}}`)
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "AmazonSSM.CreateResourceDataSync")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (awsjson.Codec{}).Decode(r, body, op, nil); err != nil {
			b.Fatal(err)
		}
	}
}

type account struct {
	Id, Arn, Email, Name, Status, JoinedMethod string
	JoinedTimestamp                            time.Time
}

type listAccountsResponse struct {
	Accounts  []account
	NextToken *string
}

// discard is a ResponseWriter that keeps nothing, so the benchmark
// measures the encoder.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

func BenchmarkJSONEncode(b *testing.B) {
	op := benchModel(b).Operation("ListAccounts")
	token := "AAQAAQAAAAEAAAAB"
	typed := &listAccountsResponse{NextToken: &token}
	canonical := []any{}
	for i := range 100 {
		a := account{
			Id:              fmt.Sprintf("1111%08d", i),
			Arn:             fmt.Sprintf("arn:aws:organizations::111111111111:account/o-exampleorgid/1111%08d", i),
			Email:           fmt.Sprintf("member-%d@example.com", i),
			Name:            fmt.Sprintf("Member %d", i),
			Status:          "ACTIVE",
			JoinedMethod:    "CREATED",
			JoinedTimestamp: time.UnixMilli(1700000000123 + int64(i)*1000),
		}
		typed.Accounts = append(typed.Accounts, a)
		canonical = append(canonical, map[string]any{"Id": a.Id, "Arn": a.Arn, "Email": a.Email, "Name": a.Name,
			"Status": a.Status, "JoinedMethod": a.JoinedMethod, "JoinedTimestamp": a.JoinedTimestamp})
	}
	for name, out := range map[string]any{
		"struct":    typed,
		"canonical": map[string]any{"Accounts": canonical, "NextToken": token},
	} {
		b.Run(name, func(b *testing.B) {
			w := discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				awsjson.Codec{}.WriteResult(w, nil, op, out, "b7bb8cb6-4b2c-4a27-9a4b-6d1f2d3c4e5f")
			}
		})
	}
}
