package ssm

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
)

// inventoryFilter is a checked GetInventory filter on TypeName.Attribute.
type inventoryFilter struct {
	typeName, attr string
	op             InventoryQueryOperatorType
	values         []string
}

// compileInventoryFilters checks GetInventory filters: the key must be
// TypeName.Attribute with an AWS: type Systems Manager defines or a
// Custom: type, and Exists needs aggregators. Violations are InvalidFilter.
func compileInventoryFilters(fs []InventoryFilter) ([]inventoryFilter, error) {
	var out []inventoryFilter
	for _, f := range fs {
		typ, attr, ok := inventoryAttributeKey(f.Key)
		if !ok || (strings.HasPrefix(typ, "AWS:") && !slices.Contains(awsInventoryTypes(), typ)) {
			return nil, newErr("InvalidFilter", "The filter key "+f.Key+" is not valid. Use TypeName.AttributeName, for example AWS:InstanceInformation.PlatformType.") // unconfirmed
		}
		if f.Type == InventoryQueryOperatorTypeExists {
			return nil, newErr("InvalidFilter", "The Exists filter must be used with aggregators.") // unconfirmed
		}
		if len(f.Values) == 0 {
			return nil, newErr("InvalidFilter", "The filter "+f.Key+" requires at least one value.") // unconfirmed
		}
		op := f.Type
		if op == "" {
			op = InventoryQueryOperatorTypeEqual
		}
		out = append(out, inventoryFilter{typeName: typ, attr: attr, op: op, values: f.Values})
	}
	return out, nil
}

// match reports whether a node's item of the filter's type has a row
// whose attribute satisfies the filter: NotEqual when it equals none of
// the values, the other operators when it satisfies any. A node without
// the item or attribute does not match.
func (f inventoryFilter) match(r *inventoryRecord) bool {
	if r == nil {
		return false
	}
	for _, row := range r.Content {
		v, ok := row[f.attr]
		if !ok {
			continue
		}
		if f.op == InventoryQueryOperatorTypeNotEqual {
			if !slices.Contains(f.values, v) {
				return true
			}
			continue
		}
		if slices.ContainsFunc(f.values, func(want string) bool {
			switch f.op {
			case InventoryQueryOperatorTypeBeginWith:
				return strings.HasPrefix(v, want)
			case InventoryQueryOperatorTypeLessThan:
				return compareFilterValues(v, want) < 0
			case InventoryQueryOperatorTypeGreaterThan:
				return compareFilterValues(v, want) > 0
			}
			return v == want
		}) {
			return true
		}
	}
	return false
}

// GetInventory lists the managed nodes that have inventory of the result
// type (ResultAttributes, AWS:InstanceInformation by default) and pass
// every filter, by instance id; each entity's Data holds the item of the
// result type. Aggregators are not implemented.
func (s *Service) GetInventory(ctx context.Context, in *GetInventoryRequest) (*GetInventoryResult, error) {
	if len(in.Aggregators) > 0 {
		return nil, orgstack.NotImplemented("SSM", "GetInventory with Aggregators")
	}
	resultType := typeInstanceInformation
	if len(in.ResultAttributes) > 0 {
		resultType = in.ResultAttributes[0].TypeName
		if strings.HasPrefix(resultType, "AWS:") && !slices.Contains(awsInventoryTypes(), resultType) {
			return nil, newErr("InvalidResultAttributeException", "The result attribute "+resultType+" is not valid.") // unconfirmed
		}
	}
	filters, err := compileInventoryFilters(in.Filters)
	if err != nil {
		return nil, err
	}
	out := &GetInventoryResult{Entities: []InventoryResultEntity{}}
	err = s.read(ctx, func(sc *scope) error {
		all, err := loadInventory(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		byNode := make(map[string]map[string]*inventoryRecord)
		var nodes []string
		for _, r := range all {
			if byNode[r.InstanceId] == nil {
				byNode[r.InstanceId] = make(map[string]*inventoryRecord)
				nodes = append(nodes, r.InstanceId)
			}
			byNode[r.InstanceId][r.TypeName] = r
		}
		var entities []InventoryResultEntity
		var keys []string
		for _, id := range nodes {
			items := byNode[id]
			res := items[resultType]
			if res == nil || slices.ContainsFunc(filters, func(f inventoryFilter) bool { return !f.match(items[f.typeName]) }) {
				continue
			}
			entities = append(entities, InventoryResultEntity{Id: id, Data: map[string]InventoryResultItem{
				resultType: {TypeName: res.TypeName, SchemaVersion: res.SchemaVersion, CaptureTime: res.CaptureTime,
					ContentHash: res.ContentHash, Content: res.Content},
			}})
			keys = append(keys, id)
		}
		lo, hi, next, err := opsDataPage(sc, "GetInventory", keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out.Entities = append(out.Entities, entities[lo:hi]...)
		out.NextToken = next
		return nil
	})
	return out, err
}

// instanceInformation is a node's AWS:InstanceInformation as
// DescribeInstanceInformation reports it, and false for a node that is
// Stopped or Terminated (which the operation leaves out, as documented).
// An InstanceStatus of Active (or none) reads as PingStatus Online.
func (r *inventoryRecord) instanceInformation() (InstanceInformation, bool) {
	d := r.data()
	info := InstanceInformation{InstanceId: d.InstanceId, AgentVersion: d.AgentVersion,
		PlatformType: PlatformType(d.PlatformType), PlatformName: d.PlatformName, PlatformVersion: d.PlatformVersion,
		ResourceType: ResourceType(d.ResourceType), IPAddress: d.IpAddress, ComputerName: d.ComputerName, SourceId: d.InstanceId}
	switch d.InstanceStatus {
	case "Stopped", "Terminated":
		return info, false
	case "ConnectionLost", "Inactive":
		info.PingStatus = PingStatus(d.InstanceStatus)
	default:
		info.PingStatus = PingStatusOnline
	}
	if t, err := time.Parse(time.RFC3339, d.CaptureTime); err == nil {
		info.LastPingDateTime = t
	}
	if strings.HasPrefix(d.InstanceId, "mi-") {
		info.SourceType = SourceTypeAWSSSMManagedInstance
		if info.ResourceType == "" {
			info.ResourceType = ResourceTypeManagedInstance
		}
	} else {
		info.SourceType = SourceTypeAWSEC2Instance
		if info.ResourceType == "" {
			info.ResourceType = ResourceTypeEC2Instance
		}
	}
	return info, true
}
