package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// The OpsData types GetOpsSummary knows.
const (
	typeOpsItem    = "AWS:OpsItem"
	typeCompliance = "AWS:ComplianceSummary"
	typeInstance   = "AWS:InstanceInformation"
)

var opsTypes = []string{typeOpsItem, typeCompliance, typeInstance}

// row is one item of OpsData as GetOpsSummary sees it: a type, an id, and
// its attributes (AccountId and Region included).
type row struct {
	typ   string
	id    string
	attrs map[string]string
}

// rowsOf flattens one account-region's OpsData.
func rowsOf(d OpsData) []row {
	var out []row
	base := func(m map[string]string) map[string]string {
		m["AccountId"], m["Region"] = d.Account, d.Region
		return m
	}
	for _, o := range d.OpsItems {
		out = append(out, row{typ: typeOpsItem, id: o.Id, attrs: base(map[string]string{
			"OpsItemId": o.Id, "Title": o.Title, "Source": o.Source, "Status": o.Status, "Severity": o.Severity,
			"Priority": intText(o.Priority), "Category": o.Category, "OpsItemType": o.OpsItemType,
			"CreatedTime": timeText(o.CreatedTime), "LastModifiedTime": timeText(o.LastModifiedTime),
		})})
	}
	for _, c := range d.Compliance {
		out = append(out, row{typ: typeCompliance, id: c.ResourceId + "/" + c.ComplianceType, attrs: base(map[string]string{
			"ResourceId": c.ResourceId, "ResourceType": c.ResourceType, "ComplianceType": c.ComplianceType,
			"Status": c.Status, "OverallSeverity": c.OverallSeverity,
			"CompliantCount": strconv.Itoa(c.CompliantCount), "NonCompliantCount": strconv.Itoa(c.NonCompliantCount),
		})})
	}
	for _, i := range d.Instances {
		out = append(out, row{typ: typeInstance, id: i.InstanceId, attrs: base(map[string]string{
			"InstanceId": i.InstanceId, "PlatformType": i.PlatformType, "PlatformName": i.PlatformName,
			"AgentVersion": i.AgentVersion, "ComputerName": i.ComputerName, "IpAddress": i.IpAddress, "ResourceType": i.ResourceType,
		})})
	}
	return out
}

func intText(i int32) string {
	if i == 0 {
		return ""
	}
	return strconv.Itoa(int(i))
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// GetOpsSummary summarizes OpsData: with SyncName, the data a sync
// aggregated across accounts and regions; without, the caller's own
// account in its region. Filters select items ("AWS:OpsItem.Status");
// count aggregators group them by an attribute; without aggregators the
// items themselves are returned.
func (s *Service) GetOpsSummary(ctx context.Context, in *GetOpsSummaryRequest) (*GetOpsSummaryResult, error) {
	var out *GetOpsSummaryResult
	err := s.read(ctx, func(sc *scope) error {
		var data []OpsData
		if in.SyncName != "" {
			r, err := getSync(sc.tx, sc.account, sc.region, in.SyncName)
			if errors.Is(err, store.ErrNotFound) {
				return errSyncNotFound(in.SyncName, syncFromSource)
			} else if err != nil {
				return err
			}
			prefix := kSyncData(r.Owner, r.Region, r.Name)
			if err := sc.tx.Scan(prefix, "", func(_ string, v []byte) (bool, error) {
				var d OpsData
				if err := json.Unmarshal(v, &d); err != nil {
					return false, err
				}
				data = append(data, d)
				return true, nil
			}); err != nil {
				return err
			}
		} else {
			d, err := collectOpsData(sc.tx, sc.account, sc.region)
			if err != nil {
				return err
			}
			data = []OpsData{d}
		}
		var rows []row
		for _, d := range data {
			rows = append(rows, rowsOf(d)...)
		}
		rows, err := filterRows(rows, in.Filters)
		if err != nil {
			return err
		}
		entities, err := summarize(rows, in.Aggregators, in.ResultAttributes, sc.now)
		if err != nil {
			return err
		}
		out, err = pageEntities(entities, in.NextToken, in.MaxResults)
		return err
	})
	return out, err
}

// splitKey splits "AWS:OpsItem.Status" into type and attribute.
func splitKey(key string) (typ, attr string, err error) {
	i := strings.LastIndexByte(key, '.')
	if i <= 0 {
		return "", "", newErr("InvalidFilter", "The filter key "+key+" isn't valid; use TypeName.AttributeName.")
	}
	typ, attr = key[:i], key[i+1:]
	if !contains(opsTypes, typ) {
		return "", "", newErr("InvalidTypeNameException", "The type name "+typ+" isn't valid.")
	}
	return typ, attr, nil
}

func filterRows(rows []row, filters []OpsFilter) ([]row, error) {
	for _, f := range filters {
		typ, attr, err := splitKey(f.Key)
		if err != nil {
			return nil, err
		}
		kept := rows[:0:0]
		for _, r := range rows {
			if r.typ != typ || matches(r.attrs, attr, f) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	return rows, nil
}

func matches(attrs map[string]string, attr string, f OpsFilter) bool {
	v, ok := attrs[attr]
	switch f.Type {
	case "Exists":
		return ok && v != ""
	case "NotEqual":
		return !contains(f.Values, v)
	case "BeginWith":
		for _, x := range f.Values {
			if strings.HasPrefix(v, x) {
				return true
			}
		}
		return false
	case "LessThan", "GreaterThan":
		for _, x := range f.Values {
			if compareValues(v, x) < 0 == (f.Type == "LessThan") && v != x {
				return true
			}
		}
		return false
	}
	return contains(f.Values, v)
}

// compareValues compares numerically when both sides are numbers.
func compareValues(a, b string) int {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// summarize builds the entities: one per group for a count aggregator,
// one per item otherwise.
func summarize(rows []row, aggs []OpsAggregator, result []OpsResultAttribute, now time.Time) ([]OpsEntity, error) {
	capture := now.UTC().Format(time.RFC3339)
	if len(aggs) == 0 {
		types := []string{typeOpsItem}
		if len(result) > 0 {
			types = nil
			for _, r := range result {
				if !contains(opsTypes, r.TypeName) {
					return nil, newErr("InvalidTypeNameException", "The type name "+r.TypeName+" isn't valid.")
				}
				types = append(types, r.TypeName)
			}
		}
		var out []OpsEntity
		for _, r := range rows {
			if contains(types, r.typ) {
				out = append(out, OpsEntity{Id: r.id, Data: map[string]OpsEntityItem{r.typ: {CaptureTime: capture, Content: []map[string]string{r.attrs}}}})
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Id < out[j].Id })
		return out, nil
	}
	var out []OpsEntity
	for _, a := range aggs {
		if a.AggregatorType != "" && a.AggregatorType != "count" {
			return nil, newErr("InvalidAggregatorException", "Only count aggregators are supported.")
		}
		if !contains(opsTypes, a.TypeName) {
			return nil, newErr("InvalidTypeNameException", "The type name "+a.TypeName+" isn't valid.")
		}
		if a.AttributeName == "" {
			return nil, newErr("InvalidAggregatorException", "An aggregator needs an AttributeName.")
		}
		selected, err := filterRows(rows, a.Filters)
		if err != nil {
			return nil, err
		}
		groups := map[string][]row{}
		for _, r := range selected {
			if r.typ == a.TypeName {
				v := r.attrs[a.AttributeName]
				groups[v] = append(groups[v], r)
			}
		}
		keys := make([]string, 0, len(groups))
		for k := range groups {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			content := []map[string]string{{"Count": strconv.Itoa(len(groups[k])), a.AttributeName: k}}
			for _, sub := range a.Aggregators {
				subGroups := map[string]int{}
				for _, r := range groups[k] {
					subGroups[r.attrs[sub.AttributeName]]++
				}
				content = content[:0]
				subKeys := make([]string, 0, len(subGroups))
				for sk := range subGroups {
					subKeys = append(subKeys, sk)
				}
				sort.Strings(subKeys)
				for _, sk := range subKeys {
					content = append(content, map[string]string{"Count": strconv.Itoa(subGroups[sk]), a.AttributeName: k, sub.AttributeName: sk})
				}
			}
			out = append(out, OpsEntity{Id: k, Data: map[string]OpsEntityItem{a.TypeName: {CaptureTime: capture, Content: content}}})
		}
	}
	return out, nil
}

func pageEntities(entities []OpsEntity, token string, max *int32) (*GetOpsSummaryResult, error) {
	limit := 50
	if max != nil {
		limit = int(*max)
	}
	from := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "ops-summary:"))
		if err != nil || !strings.HasPrefix(token, "ops-summary:") || n < 0 || n > len(entities) {
			return nil, newErr("InvalidNextToken", "The specified token isn't valid.")
		}
		from = n
	}
	to := min(from+limit, len(entities))
	out := &GetOpsSummaryResult{Entities: append([]OpsEntity{}, entities[from:to]...)}
	if to < len(entities) {
		out.NextToken = "ops-summary:" + strconv.Itoa(to)
	}
	return out, nil
}
