package ssm

import (
	"context"
	"slices"
	"strings"
)

// instancePageSize is DescribeInstanceInformation's documented default
// page size ("The default value is 10 items").
const instancePageSize = 10

// instanceFilter is one filter of DescribeInstanceInformation, from either
// of its filter lists.
type instanceFilter struct {
	key    string
	values []string
}

// instanceFilterValues are the valid values of the filter keys that take
// an enumeration.
func instanceFilterValues(key string) []string {
	switch key {
	case "PingStatus":
		return []string{"Online", "ConnectionLost", "Inactive"}
	case "PlatformTypes", "PlatformType":
		return []string{"Windows", "Linux", "MacOS"}
	case "ResourceType":
		return []string{"EC2Instance", "ManagedInstance"}
	case "AssociationStatus":
		return []string{"Success", "Pending", "Failed"}
	case "SourceTypes":
		return []string{"AWS::EC2::Instance", "AWS::IoT::Thing", "AWS::SSM::ManagedInstance"}
	}
	return nil
}

// instanceFilters gathers and checks the filters of a
// DescribeInstanceInformation request. Using both lists, or a key neither
// documents, is InvalidFilterKey; a value outside a key's enumeration is
// InvalidInstanceInformationFilterValue.
func instanceFilters(in *DescribeInstanceInformationRequest) ([]instanceFilter, error) {
	if len(in.InstanceInformationFilterList) > 0 && len(in.Filters) > 0 {
		return nil, newErr("InvalidFilterKey", "You can't use InstanceInformationFilterList and Filters in the same request.") // unconfirmed
	}
	var out []instanceFilter
	for _, f := range in.InstanceInformationFilterList {
		out = append(out, instanceFilter{key: string(f.Key), values: f.ValueSet})
	}
	known := []string{"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes", "PlatformType", "ActivationIds",
		"IamRole", "ResourceType", "AssociationStatus", "SourceIds", "SourceTypes"}
	for _, f := range in.Filters {
		if !slices.Contains(known, f.Key) && f.Key != "tag-key" && !strings.HasPrefix(f.Key, "tag:") {
			return nil, newErr("InvalidFilterKey", "The filter key "+f.Key+" is not valid.") // unconfirmed
		}
		out = append(out, instanceFilter{key: f.Key, values: f.Values})
	}
	for _, f := range out {
		allowed := instanceFilterValues(f.key)
		for _, v := range f.values {
			if allowed != nil && !slices.Contains(allowed, v) {
				return nil, newErr("InvalidInstanceInformationFilterValue", "The filter value "+v+" is not valid for "+f.key+".") // unconfirmed
			}
		}
	}
	return out, nil
}

// instanceField is a node's value for a filter key. Nodes here have no
// activation, IAM role, association or tags, so those keys match nothing.
func instanceField(info *InstanceInformation, key string) string {
	switch key {
	case "InstanceIds", "SourceIds":
		return info.InstanceId
	case "AgentVersion":
		return info.AgentVersion
	case "PingStatus":
		return string(info.PingStatus)
	case "PlatformTypes", "PlatformType":
		return string(info.PlatformType)
	case "ResourceType":
		return string(info.ResourceType)
	case "SourceTypes":
		return string(info.SourceType)
	}
	return "\x00none"
}

// DescribeInstanceInformation lists the managed nodes of the caller's
// account and region, by instance id, as their AWS:InstanceInformation
// inventory describes them; Stopped and Terminated nodes are left out. A
// filter passes when the node's value is among its values. Naming an
// instance id (InstanceIds) that is malformed or not a managed node here
// is InvalidInstanceId.
func (s *Service) DescribeInstanceInformation(ctx context.Context, in *DescribeInstanceInformationRequest) (*DescribeInstanceInformationResult, error) {
	filters, err := instanceFilters(in)
	if err != nil {
		return nil, err
	}
	out := &DescribeInstanceInformationResult{InstanceInformationList: []InstanceInformation{}}
	err = s.read(ctx, func(sc *scope) error {
		nodes, err := loadInstances(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		for _, f := range filters {
			if f.key != "InstanceIds" {
				continue
			}
			for _, id := range f.values {
				if !isInstanceID(id) || !slices.ContainsFunc(nodes, func(r *inventoryRecord) bool { return r.InstanceId == id }) {
					return newErr("InvalidInstanceId", "Instance "+id+" is not a managed node of account "+sc.account+".") // unconfirmed
				}
			}
		}
		var infos []InstanceInformation
		var keys []string
		for _, r := range nodes {
			info, ok := r.instanceInformation()
			if !ok || slices.ContainsFunc(filters, func(f instanceFilter) bool { return !slices.Contains(f.values, instanceField(&info, f.key)) }) {
				continue
			}
			infos = append(infos, info)
			keys = append(keys, info.InstanceId)
		}
		lo, hi, next, err := opsDataPage(sc, "DescribeInstanceInformation", keys, in.NextToken, in.MaxResults, instancePageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out.InstanceInformationList = append(out.InstanceInformationList, infos[lo:hi]...)
		out.NextToken = next
		return nil
	})
	return out, err
}
