package ssm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
)

// errOpsFilter is how DescribeOpsItems refuses a filter. AWS answers with
// OpsCenterInvalidArgumentException, a code the model does not declare,
// and messages of the form "Filter 'ResourceId': '…' - length of the value
// must be between 2 and 20." ([issues]); the messages here are in that
// form. // unconfirmed (the texts)
func errOpsFilter(key OpsItemFilterKey, format string, args ...any) error {
	return newErr("OpsCenterInvalidArgumentException", fmt.Sprintf("Filter '%s': ", key)+fmt.Sprintf(format, args...))
}

// opsItemFilterOps are the operators each supported filter key takes: the
// documented ones for the documented keys, Equal for the others.
func opsItemFilterOps(key OpsItemFilterKey) []OpsItemFilterOperator {
	const eq, has, gt, lt = OpsItemFilterOperatorEqual, OpsItemFilterOperatorContains, OpsItemFilterOperatorGreaterThan, OpsItemFilterOperatorLessThan
	switch key {
	case OpsItemFilterKeyStatus, OpsItemFilterKeyPriority, OpsItemFilterKeyOpsItemId, OpsItemFilterKeyOperationalData,
		OpsItemFilterKeyOperationalDataKey, OpsItemFilterKeyAutomationId, OpsItemFilterKeyAccountId,
		OpsItemFilterKeyCategory, OpsItemFilterKeySeverity, OpsItemFilterKeyOpsItemType:
		return []OpsItemFilterOperator{eq}
	case OpsItemFilterKeySource, OpsItemFilterKeyTitle, OpsItemFilterKeyCreatedBy, OpsItemFilterKeyOperationalDataValue:
		return []OpsItemFilterOperator{eq, has}
	case OpsItemFilterKeyResourceId:
		return []OpsItemFilterOperator{has}
	case OpsItemFilterKeyCreatedTime, OpsItemFilterKeyLastModifiedTime, OpsItemFilterKeyActualStartTime,
		OpsItemFilterKeyActualEndTime, OpsItemFilterKeyPlannedStartTime, OpsItemFilterKeyPlannedEndTime:
		return []OpsItemFilterOperator{gt, lt}
	}
	return nil
}

// opsItemMatcher tests one OpsItem against one filter value.
type opsItemMatcher func(r *opsItemRecord) bool

// compileOpsItemFilter turns a filter into one matcher per value (an
// OpsItem passes when any value matches), or refuses it.
func compileOpsItemFilter(account string, f OpsItemFilter) ([]opsItemMatcher, error) {
	ops := opsItemFilterOps(f.Key)
	if ops == nil {
		return nil, orgstack.NotImplemented("SSM", "DescribeOpsItems with the "+string(f.Key)+" filter")
	}
	if !slices.Contains(ops, f.Operator) {
		return nil, errOpsFilter(f.Key, "operator %s is not supported for this filter.", f.Operator)
	}
	if len(f.Values) == 0 {
		return nil, errOpsFilter(f.Key, "at least one value is required.")
	}
	var ms []opsItemMatcher
	for _, v := range f.Values {
		m, err := opsItemValueMatcher(account, f.Key, f.Operator, v)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

func opsItemValueMatcher(account string, key OpsItemFilterKey, op OpsItemFilterOperator, v string) (opsItemMatcher, error) {
	str := func(get func(r *opsItemRecord) string) opsItemMatcher {
		return func(r *opsItemRecord) bool { return matchOpsString(get(r), op, v) }
	}
	switch key {
	case OpsItemFilterKeyStatus:
		return str(func(r *opsItemRecord) string { return r.Status }), nil
	case OpsItemFilterKeyOpsItemId:
		return str(func(r *opsItemRecord) string { return r.ID }), nil
	case OpsItemFilterKeySource:
		return str(func(r *opsItemRecord) string { return r.Source }), nil
	case OpsItemFilterKeyCreatedBy:
		return str(func(r *opsItemRecord) string { return r.CreatedBy }), nil
	case OpsItemFilterKeyCategory:
		return str(func(r *opsItemRecord) string { return r.Category }), nil
	case OpsItemFilterKeySeverity:
		return str(func(r *opsItemRecord) string { return r.Severity }), nil
	case OpsItemFilterKeyOpsItemType:
		return str(func(r *opsItemRecord) string { return r.Type }), nil
	case OpsItemFilterKeyAccountId:
		return func(*opsItemRecord) bool { return v == account }, nil
	case OpsItemFilterKeyTitle:
		// The model: Equal compares the first 100 characters, and a
		// longer value is an error.
		if op == OpsItemFilterOperatorEqual && len([]rune(v)) > 100 {
			return nil, errOpsFilter(key, "'%s' - the value exceeds the length limit of 100 characters.", v)
		}
		return str(func(r *opsItemRecord) string {
			if t := []rune(r.Title); op == OpsItemFilterOperatorEqual && len(t) > 100 {
				return string(t[:100])
			}
			return r.Title
		}), nil
	case OpsItemFilterKeyPriority:
		p, err := strconv.Atoi(v)
		if err != nil {
			return nil, errOpsFilter(key, "'%s' - the value must be a number.", v)
		}
		return func(r *opsItemRecord) bool { return int(r.Priority) == p }, nil
	case OpsItemFilterKeyOperationalData:
		var kv struct{ Key, Value string }
		if err := json.Unmarshal([]byte(v), &kv); err != nil || kv.Key == "" {
			return nil, errOpsFilter(key, `'%s' - the value must be {"key":"key_name","value":"a_value"}.`, v)
		}
		return func(r *opsItemRecord) bool {
			d, ok := r.OperationalData[kv.Key]
			return ok && d.Type == string(OpsItemDataTypeSearchableString) && d.Value == kv.Value
		}, nil
	case OpsItemFilterKeyOperationalDataKey:
		return func(r *opsItemRecord) bool {
			d, ok := r.OperationalData[v]
			return ok && d.Type == string(OpsItemDataTypeSearchableString)
		}, nil
	case OpsItemFilterKeyOperationalDataValue:
		return func(r *opsItemRecord) bool {
			for _, d := range r.OperationalData {
				if d.Type == string(OpsItemDataTypeSearchableString) && matchOpsString(d.Value, op, v) {
					return true
				}
			}
			return false
		}, nil
	case OpsItemFilterKeyResourceId:
		return func(r *opsItemRecord) bool {
			return slices.ContainsFunc(opsDataList(r, opsDataKeyResources, "arn"), func(a string) bool { return matchOpsString(a, op, v) })
		}, nil
	case OpsItemFilterKeyAutomationId:
		return func(r *opsItemRecord) bool {
			return slices.Contains(opsDataList(r, opsDataKeyAutomations, "automationId"), v)
		}, nil
	}
	t, err := parseOpsFilterTime(v)
	if err != nil {
		return nil, errOpsFilter(key, "'%s' - the value must be a date and time such as 2024-01-02T15:04:05Z.", v)
	}
	get := map[OpsItemFilterKey]func(r *opsItemRecord) time.Time{
		OpsItemFilterKeyCreatedTime:      func(r *opsItemRecord) time.Time { return r.CreatedTime },
		OpsItemFilterKeyLastModifiedTime: func(r *opsItemRecord) time.Time { return r.LastModifiedTime },
		OpsItemFilterKeyActualStartTime:  func(r *opsItemRecord) time.Time { return r.ActualStartTime },
		OpsItemFilterKeyActualEndTime:    func(r *opsItemRecord) time.Time { return r.ActualEndTime },
		OpsItemFilterKeyPlannedStartTime: func(r *opsItemRecord) time.Time { return r.PlannedStartTime },
		OpsItemFilterKeyPlannedEndTime:   func(r *opsItemRecord) time.Time { return r.PlannedEndTime },
	}[key]
	return func(r *opsItemRecord) bool {
		at := get(r)
		if at.IsZero() {
			return false
		}
		if op == OpsItemFilterOperatorGreaterThan {
			return at.After(t)
		}
		return at.Before(t)
	}, nil
}

// matchOpsString is Equal (exact) or Contains (ignoring case).
// // unconfirmed (case of Contains)
func matchOpsString(field string, op OpsItemFilterOperator, v string) bool {
	if op == OpsItemFilterOperatorContains {
		return strings.Contains(strings.ToLower(field), strings.ToLower(v))
	}
	return field == v
}

// opsDataList reads the member of each object of a JSON-array
// OperationalData value such as /aws/resources ([{"arn": …}]).
func opsDataList(r *opsItemRecord, key, member string) []string {
	var objs []map[string]any
	if json.Unmarshal([]byte(r.OperationalData[key].Value), &objs) != nil {
		return nil
	}
	var out []string
	for _, o := range objs {
		if s, ok := o[member].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// parseOpsFilterTime reads an RFC 3339 time or epoch seconds.
func parseOpsFilterTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return time.Time{}, err
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// DescribeOpsItems lists the OpsItems of the caller's account and region
// that pass every filter (a filter passes when any of its values matches),
// newest first. // unconfirmed (the order)
// Summaries carry only the SearchableString OperationalData. Filters on
// access-request, change-request and insight attributes are not
// implemented; a bad NextToken is InvalidNextToken. // unconfirmed (code)
func (s *Service) DescribeOpsItems(ctx context.Context, in *DescribeOpsItemsRequest) (*DescribeOpsItemsResponse, error) {
	out := &DescribeOpsItemsResponse{OpsItemSummaries: []OpsItemSummary{}}
	err := s.read(ctx, func(sc *scope) error {
		var filters [][]opsItemMatcher
		for _, f := range in.OpsItemFilters {
			ms, err := compileOpsItemFilter(sc.account, f)
			if err != nil {
				return err
			}
			filters = append(filters, ms)
		}
		items, err := loadOpsItems(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		var keep []*opsItemRecord
		var keys []string
		for _, r := range items {
			if opsItemPasses(r, filters) {
				keep = append(keep, r)
				keys = append(keys, fmt.Sprintf("%019d/%s", math.MaxInt64-r.CreatedTime.UnixNano(), r.ID))
			}
		}
		lo, hi, next, err := opsDataPage(sc, "DescribeOpsItems", keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		for _, r := range keep[lo:hi] {
			out.OpsItemSummaries = append(out.OpsItemSummaries, r.summary())
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

func opsItemPasses(r *opsItemRecord, filters [][]opsItemMatcher) bool {
	for _, ms := range filters {
		if !slices.ContainsFunc(ms, func(m opsItemMatcher) bool { return m(r) }) {
			return false
		}
	}
	return true
}
