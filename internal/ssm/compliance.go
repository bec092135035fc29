package ssm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// complianceResourceType is the only resource type compliance accepts,
// as the model documents ("ManagedInstance is currently the only supported
// resource type").
const complianceResourceType = "ManagedInstance"

// maxCustomComplianceTypes is the number of Custom: compliance types a
// resource may carry (ComplianceTypeCountLimitExceededException's
// documentation: "a maximum of 10 different types").
// // unconfirmed (that the limit is per resource)
const maxCustomComplianceTypes = 10

// complianceRecord is the compliance of one resource for one compliance
// type, as the last PutComplianceItems left it.
type complianceRecord struct {
	ResourceType   string                 `json:"resourceType"`
	ResourceId     string                 `json:"resourceId"`
	ComplianceType string                 `json:"complianceType"`
	ExecutionTime  time.Time              `json:"executionTime"`
	ExecutionId    string                 `json:"executionId,omitempty"`
	ExecutionType  string                 `json:"executionType,omitempty"`
	ContentHash    string                 `json:"contentHash,omitempty"`
	Items          []complianceItemRecord `json:"items"`
	Updated        time.Time              `json:"updated"`
}

type complianceItemRecord struct {
	Id       string            `json:"id,omitempty"`
	Title    string            `json:"title,omitempty"`
	Severity string            `json:"severity"`
	Status   string            `json:"status"`
	Details  map[string]string `json:"details,omitempty"`
}

func complianceResourcePrefix(account, region, resourceType, resourceID string) string {
	return opsDataPrefix(account, region) + kindCompliance + opsDataSeg(resourceType) + "/" + opsDataSeg(resourceID) + "/"
}

func complianceKey(account, region, resourceType, resourceID, complianceType string) string {
	return complianceResourcePrefix(account, region, resourceType, resourceID) + opsDataSeg(complianceType)
}

// sortKey orders records by resource type, resource id and compliance
// type.
func (r *complianceRecord) sortKey() string {
	return opsDataSeg(r.ResourceType) + "/" + opsDataSeg(r.ResourceId) + "/" + opsDataSeg(r.ComplianceType)
}

// loadComplianceRecords reads every compliance record of an account and
// region, sorted by resource type, resource id and compliance type.
func loadComplianceRecords(tx store.Tx, account, region string) ([]*complianceRecord, error) {
	var out []*complianceRecord
	err := tx.Scan(opsDataPrefix(account, region)+kindCompliance, "", func(_ string, v []byte) (bool, error) {
		var r complianceRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		out = append(out, &r)
		return true, nil
	})
	slices.SortFunc(out, func(a, b *complianceRecord) int { return strings.Compare(a.sortKey(), b.sortKey()) })
	return out, err
}

// isInstanceID reports whether s is a managed node id (i-… or mi-…), by
// the model's InstanceId pattern.
func isInstanceID(s string) bool {
	re := ServiceModel().Operation("PutInventory").Input.MemberByName("InstanceId").Shape.Regexp()
	return re == nil || re.MatchString(s)
}

// checkComplianceResource checks a resource type and id named by a
// compliance call.
func checkComplianceResource(resourceType, resourceID string) error {
	if resourceType != complianceResourceType {
		return newErr("InvalidResourceType", "")
	}
	if resourceID != "" && !isInstanceID(resourceID) {
		return newErr("InvalidResourceId", "")
	}
	return nil
}

// PutComplianceItems records the compliance of a managed node for one
// compliance type. With UploadType COMPLETE (the default) the items
// replace every item of that type on the resource; with PARTIAL they
// replace the items with the same Id and add the others. A request whose
// ItemContentHash equals the stored one is ignored, as documented. Item
// Ids must be unique within a request (InvalidItemContentException), and a
// resource carries at most 10 Custom: types
// (ComplianceTypeCountLimitExceededException).
func (s *Service) PutComplianceItems(ctx context.Context, in *PutComplianceItemsRequest) (*PutComplianceItemsResult, error) {
	if err := checkComplianceResource(in.ResourceType, in.ResourceId); err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	for _, it := range in.Items {
		if it.Id != "" && seen[it.Id] {
			return nil, newErr("InvalidItemContentException", fmt.Sprintf("The compliance item ID %s appears more than once.", it.Id)).With("TypeName", in.ComplianceType) // unconfirmed
		}
		seen[it.Id] = true
	}
	err := s.write(ctx, func(sc *scope) error {
		key := complianceKey(sc.account, sc.region, in.ResourceType, in.ResourceId, in.ComplianceType)
		var r complianceRecord
		err := store.GetJSON(sc.tx, key, &r)
		exists := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if exists && in.ItemContentHash != "" && in.ItemContentHash == r.ContentHash {
			return nil
		}
		if !exists && strings.HasPrefix(in.ComplianceType, "Custom:") {
			if err := checkCustomComplianceCount(sc, in.ResourceType, in.ResourceId); err != nil {
				return err
			}
		}
		r.ResourceType, r.ResourceId, r.ComplianceType = in.ResourceType, in.ResourceId, in.ComplianceType
		if es := in.ExecutionSummary; es != nil {
			r.ExecutionTime, r.ExecutionId, r.ExecutionType = es.ExecutionTime, es.ExecutionId, es.ExecutionType
		}
		r.ContentHash = in.ItemContentHash
		r.Updated = sc.now
		r.putItems(in.Items, in.UploadType == ComplianceUploadTypePartial)
		return store.PutJSON(sc.tx, key, &r)
	})
	if err != nil {
		return nil, err
	}
	return &PutComplianceItemsResult{}, nil
}

// checkCustomComplianceCount refuses an 11th Custom: type on a resource.
func checkCustomComplianceCount(sc *scope, resourceType, resourceID string) error {
	n := 0
	p := complianceResourcePrefix(sc.account, sc.region, resourceType, resourceID)
	if err := sc.tx.Scan(p+opsDataSeg("Custom:"), "", func(string, []byte) (bool, error) {
		n++
		return true, nil
	}); err != nil {
		return err
	}
	if n >= maxCustomComplianceTypes {
		return newErr("ComplianceTypeCountLimitExceededException", "")
	}
	return nil
}

// putItems replaces the record's items (COMPLETE) or merges them by Id
// (PARTIAL).
func (r *complianceRecord) putItems(items []ComplianceItemEntry, partial bool) {
	if !partial {
		r.Items = []complianceItemRecord{}
	}
	for _, it := range items {
		rec := complianceItemRecord{Id: it.Id, Title: it.Title, Severity: string(it.Severity), Status: string(it.Status), Details: it.Details}
		i := -1
		if partial && it.Id != "" {
			i = slices.IndexFunc(r.Items, func(x complianceItemRecord) bool { return x.Id == it.Id })
		}
		if i >= 0 {
			r.Items[i] = rec
		} else {
			r.Items = append(r.Items, rec)
		}
	}
}

// executionSummary is the record's ComplianceExecutionSummary.
func (r *complianceRecord) executionSummary() *ComplianceExecutionSummary {
	return &ComplianceExecutionSummary{ExecutionTime: r.ExecutionTime, ExecutionId: r.ExecutionId, ExecutionType: r.ExecutionType}
}

// ListComplianceItems lists compliance items, by resource, compliance type
// and upload order. ResourceIds and ResourceTypes narrow the resources
// (the model says one resource id per call; more are accepted here);
// Filters narrow the items (keys ComplianceType, Id, Title, Status,
// Severity, ExecutionId, ExecutionType, ExecutionTime, ResourceId,
// ResourceType, or any key of the items' Details).
func (s *Service) ListComplianceItems(ctx context.Context, in *ListComplianceItemsRequest) (*ListComplianceItemsResult, error) {
	for _, t := range in.ResourceTypes {
		if err := checkComplianceResource(t, ""); err != nil {
			return nil, err
		}
	}
	for _, id := range in.ResourceIds {
		if err := checkComplianceResource(complianceResourceType, id); err != nil {
			return nil, err
		}
	}
	filters, err := compileComplianceFilters(in.Filters, nil)
	if err != nil {
		return nil, err
	}
	out := &ListComplianceItemsResult{ComplianceItems: []ComplianceItem{}}
	err = s.read(ctx, func(sc *scope) error {
		recs, err := loadComplianceRecords(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		var items []ComplianceItem
		var keys []string
		for _, r := range recs {
			if (in.ResourceIds != nil && !slices.Contains(in.ResourceIds, r.ResourceId)) ||
				(in.ResourceTypes != nil && !slices.Contains(in.ResourceTypes, r.ResourceType)) {
				continue
			}
			for i, it := range r.Items {
				item := ComplianceItem{ComplianceType: r.ComplianceType, ResourceType: r.ResourceType, ResourceId: r.ResourceId,
					Id: it.Id, Title: it.Title, Status: ComplianceStatus(it.Status), Severity: ComplianceSeverity(it.Severity),
					ExecutionSummary: r.executionSummary(), Details: it.Details}
				if complianceFiltersPass(filters, func(k string) string { return complianceItemField(&item, k) }) {
					items = append(items, item)
					// \x01 sorts below every character of an escaped
					// segment, so item keys follow the record order.
					keys = append(keys, fmt.Sprintf("%s\x01%06d", r.sortKey(), i))
				}
			}
		}
		lo, hi, next, err := opsDataPage(sc, "ListComplianceItems", keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out.ComplianceItems = append(out.ComplianceItems, items[lo:hi]...)
		out.NextToken = next
		return nil
	})
	return out, err
}

// complianceItemField is the value of a filter key for an item; keys that
// are not members of ComplianceItem name Details entries ("" when absent).
func complianceItemField(it *ComplianceItem, key string) string {
	switch key {
	case "ComplianceType":
		return it.ComplianceType
	case "Id":
		return it.Id
	case "Title":
		return it.Title
	case "Status":
		return string(it.Status)
	case "Severity":
		return string(it.Severity)
	case "ResourceId", "InstanceId":
		return it.ResourceId
	case "ResourceType":
		return it.ResourceType
	case "ExecutionId":
		return it.ExecutionSummary.ExecutionId
	case "ExecutionType":
		return it.ExecutionSummary.ExecutionType
	case "ExecutionTime":
		return it.ExecutionSummary.ExecutionTime.UTC().Format(time.RFC3339)
	}
	return it.Details[key]
}

// complianceFilter is a checked ComplianceStringFilter: the operator
// (EQUAL when the filter names none) and its values.
type complianceFilter struct {
	key    string
	op     ComplianceQueryOperatorType
	values []string
}

// compileComplianceFilters checks the filters of a compliance listing.
// Each needs a Key and at least one value, known (nil accepts every key)
// must accept the key, and ExecutionTime values must be times
// (yyyy-MM-ddTHH:mm:ssZ). Violations are InvalidFilter.
func compileComplianceFilters(fs []ComplianceStringFilter, known func(key string) bool) ([]complianceFilter, error) {
	var out []complianceFilter
	for _, f := range fs {
		switch {
		case f.Key == "":
			return nil, newErr("InvalidFilter", "A filter key is required.") // unconfirmed
		case known != nil && !known(f.Key):
			return nil, newErr("InvalidFilter", "")
		case len(f.Values) == 0:
			return nil, newErr("InvalidFilter", "The filter "+f.Key+" requires at least one value.") // unconfirmed
		}
		if f.Key == "ExecutionTime" {
			for _, v := range f.Values {
				if _, err := time.Parse(time.RFC3339, v); err != nil {
					return nil, newErr("InvalidFilter", "The value "+v+" of filter ExecutionTime is not a time in the format yyyy-MM-ddTHH:mm:ssZ.") // unconfirmed
				}
			}
		}
		op := f.Type
		if op == "" {
			op = ComplianceQueryOperatorTypeEqual
		}
		out = append(out, complianceFilter{key: f.Key, op: op, values: f.Values})
	}
	return out, nil
}

// complianceFiltersPass reports whether an entry passes every filter;
// field gives the entry's value for a key ("" when it has none).
func complianceFiltersPass(fs []complianceFilter, field func(key string) string) bool {
	for _, f := range fs {
		if !f.match(field(f.key)) {
			return false
		}
	}
	return true
}

// match applies the filter to a value: NOT_EQUAL passes when no value is
// equal, the other operators when any value satisfies them.
func (f complianceFilter) match(field string) bool {
	if f.op == ComplianceQueryOperatorTypeNotEqual {
		return !slices.Contains(f.values, field)
	}
	return slices.ContainsFunc(f.values, func(v string) bool {
		switch f.op {
		case ComplianceQueryOperatorTypeBeginWith:
			return strings.HasPrefix(field, v)
		case ComplianceQueryOperatorTypeLessThan:
			return field != "" && compareFilterValues(field, v) < 0
		case ComplianceQueryOperatorTypeGreaterThan:
			return field != "" && compareFilterValues(field, v) > 0
		}
		return field == v
	})
}

// compareFilterValues orders two filter operands: as times when both are
// RFC 3339 times, as numbers when both are numbers, else as text.
func compareFilterValues(a, b string) int {
	if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if tb, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return ta.Compare(tb)
		}
	}
	if fa, err := strconv.ParseFloat(a, 64); err == nil {
		if fb, err := strconv.ParseFloat(b, 64); err == nil {
			return cmp.Compare(fa, fb)
		}
	}
	return strings.Compare(a, b)
}
