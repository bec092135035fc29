package ssm

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// OpsData is the operations data of one account and region: what Systems
// Manager Explorer aggregates. The Explorer sync stores snapshots of it as
// JSON, so the field names and tags are a storage format: add fields, do
// not rename them.
//
// Every slice is sorted: OpsItems newest first (then by id), Compliance by
// resource type, resource id and compliance type, Instances by instance id.
type OpsData struct {
	Account    string               `json:"account"`
	Region     string               `json:"region"`
	OpsItems   []OpsItemSummaryData `json:"opsItems"`
	Compliance []ResourceCompliance `json:"compliance"`
	Instances  []InstanceData       `json:"instances"`
}

// OpsItemSummaryData is one OpsItem as Explorer sees it. Priority is 0
// when the OpsItem has none; the times are UTC.
type OpsItemSummaryData struct {
	Id               string    `json:"id"`
	Arn              string    `json:"arn"`
	Title            string    `json:"title"`
	Source           string    `json:"source"`
	Status           string    `json:"status"`
	Severity         string    `json:"severity,omitempty"`
	Priority         int32     `json:"priority,omitempty"`
	Category         string    `json:"category,omitempty"`
	OpsItemType      string    `json:"opsItemType"`
	CreatedBy        string    `json:"createdBy"`
	LastModifiedBy   string    `json:"lastModifiedBy"`
	CreatedTime      time.Time `json:"createdTime"`
	LastModifiedTime time.Time `json:"lastModifiedTime"`
	PlannedStartTime time.Time `json:"plannedStartTime,omitzero"`
	PlannedEndTime   time.Time `json:"plannedEndTime,omitzero"`
	ActualStartTime  time.Time `json:"actualStartTime,omitzero"`
	ActualEndTime    time.Time `json:"actualEndTime,omitzero"`
}

// ResourceCompliance is the compliance of one resource for one compliance
// type (Patch, Association, Custom:…), as ListResourceComplianceSummaries
// reports it: Status is COMPLIANT or NON_COMPLIANT, OverallSeverity one of
// CRITICAL … UNSPECIFIED, and the counts are of compliance items.
type ResourceCompliance struct {
	ResourceType           string         `json:"resourceType"`
	ResourceId             string         `json:"resourceId"`
	ComplianceType         string         `json:"complianceType"`
	Status                 string         `json:"status"`
	OverallSeverity        string         `json:"overallSeverity"`
	CompliantCount         int            `json:"compliantCount"`
	NonCompliantCount      int            `json:"nonCompliantCount"`
	CompliantBySeverity    SeverityCounts `json:"compliantBySeverity"`
	NonCompliantBySeverity SeverityCounts `json:"nonCompliantBySeverity"`
	ExecutionId            string         `json:"executionId,omitempty"`
	ExecutionType          string         `json:"executionType,omitempty"`
	ExecutionTime          time.Time      `json:"executionTime,omitzero"`
}

// SeverityCounts counts compliance items (or resources) by severity.
type SeverityCounts struct {
	Critical      int `json:"critical"`
	High          int `json:"high"`
	Medium        int `json:"medium"`
	Low           int `json:"low"`
	Informational int `json:"informational"`
	Unspecified   int `json:"unspecified"`
}

// InstanceData is one managed node as its AWS:InstanceInformation
// inventory describes it. CaptureTime keeps the inventory's text form
// (yyyy-MM-ddTHH:mm:ssZ).
type InstanceData struct {
	InstanceId      string `json:"instanceId"`
	AgentType       string `json:"agentType,omitempty"`
	AgentVersion    string `json:"agentVersion,omitempty"`
	ComputerName    string `json:"computerName,omitempty"`
	InstanceStatus  string `json:"instanceStatus,omitempty"`
	IpAddress       string `json:"ipAddress,omitempty"`
	PlatformName    string `json:"platformName,omitempty"`
	PlatformType    string `json:"platformType,omitempty"`
	PlatformVersion string `json:"platformVersion,omitempty"`
	ResourceType    string `json:"resourceType,omitempty"`
	CaptureTime     string `json:"captureTime"`
}

// Store layout of OpsData, under the scope prefix ssm/<account>/<region>/:
//
//	opsitem/<id>                                   opsItemRecord
//	compliance/<resource type>/<resource id>/<compliance type>   complianceRecord
//	inventory/<instance id>/<type name>            inventoryRecord
//
// Path segments that come from callers are escaped with url.PathEscape,
// so they never contain "/". Other files of the package keep other
// kinds under the same scope prefix; nothing here reads them.
const (
	kindOpsItem    = "opsitem/"
	kindCompliance = "compliance/"
	kindInventory  = "inventory/"
)

// opsDataPrefix is the scope prefix of an account and region, the same as
// scope.prefix().
func opsDataPrefix(account, region string) string {
	sc := scope{account: account, region: region}
	return sc.prefix()
}

// opsDataSeg escapes a caller-supplied key segment.
func opsDataSeg(s string) string { return url.PathEscape(s) }

// collectOpsData reads the OpsData of one account and region inside tx:
// every OpsItem, the compliance summary of every resource and compliance
// type, and every managed node with AWS:InstanceInformation inventory. It
// only reads, so it may run in a View transaction. An account or region
// without data gives an OpsData with empty (non-nil) slices.
func collectOpsData(tx store.Tx, account, region string) (OpsData, error) {
	d := OpsData{Account: account, Region: region, OpsItems: []OpsItemSummaryData{},
		Compliance: []ResourceCompliance{}, Instances: []InstanceData{}}
	items, err := loadOpsItems(tx, account, region)
	if err != nil {
		return d, err
	}
	for _, r := range items {
		d.OpsItems = append(d.OpsItems, r.summaryData())
	}
	recs, err := loadComplianceRecords(tx, account, region)
	if err != nil {
		return d, err
	}
	for _, r := range recs {
		d.Compliance = append(d.Compliance, r.resourceCompliance())
	}
	nodes, err := loadInstances(tx, account, region)
	if err != nil {
		return d, err
	}
	for _, n := range nodes {
		d.Instances = append(d.Instances, n.data())
	}
	return d, nil
}

// regionsWithData lists, sorted, the regions in which account has any
// OpsData (an OpsItem, a compliance record or an inventory item). Other
// kinds of SSM state (resource data syncs, …) do not count.
func regionsWithData(tx store.Tx, account string) ([]string, error) {
	acct := "ssm/" + account + "/"
	var regions []string
	after := ""
	for {
		region := ""
		err := tx.Scan(acct, after, func(k string, _ []byte) (bool, error) {
			rest := k[len(acct):]
			if i := strings.IndexByte(rest, '/'); i > 0 {
				region = rest[:i]
				return false, nil
			}
			return true, nil
		})
		if err != nil || region == "" {
			return regions, err
		}
		has, err := hasOpsData(tx, account, region)
		if err != nil {
			return nil, err
		}
		if has {
			regions = append(regions, region)
		}
		// Every key of the region starts with region + "/"; no UTF-8
		// byte is 0xff, so this skips exactly the region's keys.
		after = acct + region + "/\xff"
	}
}

// hasOpsData reports whether the account has OpsData in region.
func hasOpsData(tx store.Tx, account, region string) (bool, error) {
	p := opsDataPrefix(account, region)
	for _, kind := range []string{kindOpsItem, kindCompliance, kindInventory} {
		found := false
		if err := tx.Scan(p+kind, "", func(string, []byte) (bool, error) {
			found = true
			return false, nil
		}); err != nil {
			return false, err
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

// opsDataPageSize is the page size when MaxResults is left out; AWS does
// not document it for these listings. // unconfirmed
const opsDataPageSize = 50

// opsDataPage cuts one page out of a listing computed in memory. keys are
// the sort keys of the listing's entries, ascending and unique (none may
// contain NUL); the page is keys[lo:hi]. NextToken is opaque: it names the
// listing, the account and region and the last key returned, so a token
// from another listing, account or region, or one altered by hand, is
// refused with badToken. def is the page size when max is nil.
func opsDataPage(sc *scope, listing string, keys []string, token string, max *int32, def int, badToken error) (lo, hi int, next string, err error) {
	limit := def
	if max != nil && *max > 0 {
		limit = int(*max)
	}
	bound := "v1\x00" + listing + "\x00" + sc.account + "/" + sc.region + "\x00"
	if token != "" {
		raw, derr := decodeOpsDataToken(token)
		if derr != nil || !strings.HasPrefix(raw, bound) {
			return 0, 0, "", badToken
		}
		last := raw[len(bound):]
		lo = sort.Search(len(keys), func(i int) bool { return keys[i] > last })
	}
	hi = min(lo+limit, len(keys))
	if hi < len(keys) && hi > lo {
		next = encodeOpsDataToken(bound + keys[hi-1])
	}
	return lo, hi, next, nil
}

func encodeOpsDataToken(raw string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeOpsDataToken(token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return string(b), err
}
