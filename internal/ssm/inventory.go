package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// typeInstanceInformation is the inventory type that describes a managed
// node; DescribeInstanceInformation and Explorer read it.
const typeInstanceInformation = "AWS:InstanceInformation"

// maxCustomInventoryTypes is the documented "maximum of 20 custom
// inventory types per AWS account" (counted here per account and region).
const maxCustomInventoryTypes = 20

// awsInventoryTypes are the AWS: inventory types Systems Manager defines;
// PutInventory refuses other AWS: names.
func awsInventoryTypes() []string {
	return []string{"AWS:AWSComponent", "AWS:Application", "AWS:BillingInfo", "AWS:ComplianceItem",
		"AWS:ComplianceSummary", "AWS:File", typeInstanceInformation, "AWS:InstanceDetailedInformation",
		"AWS:Network", "AWS:PatchSummary", "AWS:ResourceGroup", "AWS:Service", "AWS:Tag",
		"AWS:WindowsRegistry", "AWS:WindowsRole", "AWS:WindowsUpdate"}
}

// instanceInformationAttributes are the attributes of
// AWS:InstanceInformation (its GetInventorySchema attributes).
func instanceInformationAttributes() []string {
	return []string{"AgentType", "AgentVersion", "ComputerName", "InstanceId", "InstanceStatus", "IpAddress",
		"PlatformName", "PlatformType", "PlatformVersion", "ResourceType"}
}

// inventoryRecord is the latest inventory item of one type on one node.
type inventoryRecord struct {
	InstanceId    string              `json:"instanceId"`
	TypeName      string              `json:"typeName"`
	SchemaVersion string              `json:"schemaVersion"`
	CaptureTime   string              `json:"captureTime"`
	ContentHash   string              `json:"contentHash,omitempty"`
	Content       []map[string]string `json:"content"`
	Context       map[string]string   `json:"context,omitempty"`
	Updated       time.Time           `json:"updated"`
}

func inventoryKey(account, region, instanceID, typeName string) string {
	return opsDataPrefix(account, region) + kindInventory + opsDataSeg(instanceID) + "/" + opsDataSeg(typeName)
}

// loadInventory reads every inventory item of an account and region,
// sorted by instance id and type name.
func loadInventory(tx store.Tx, account, region string) ([]*inventoryRecord, error) {
	var out []*inventoryRecord
	err := tx.Scan(opsDataPrefix(account, region)+kindInventory, "", func(_ string, v []byte) (bool, error) {
		var r inventoryRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		out = append(out, &r)
		return true, nil
	})
	slices.SortFunc(out, func(a, b *inventoryRecord) int {
		if c := strings.Compare(a.InstanceId, b.InstanceId); c != 0 {
			return c
		}
		return strings.Compare(a.TypeName, b.TypeName)
	})
	return out, err
}

// loadInstances reads the AWS:InstanceInformation item of every node of
// an account and region, sorted by instance id.
func loadInstances(tx store.Tx, account, region string) ([]*inventoryRecord, error) {
	all, err := loadInventory(tx, account, region)
	return slices.DeleteFunc(all, func(r *inventoryRecord) bool { return r.TypeName != typeInstanceInformation }), err
}

// attr is the value of an attribute in the item's first row that has it.
func (r *inventoryRecord) attr(name string) string {
	for _, row := range r.Content {
		if v, ok := row[name]; ok {
			return v
		}
	}
	return ""
}

// data is an AWS:InstanceInformation item as OpsData carries it.
func (r *inventoryRecord) data() InstanceData {
	return InstanceData{InstanceId: r.InstanceId, AgentType: r.attr("AgentType"), AgentVersion: r.attr("AgentVersion"),
		ComputerName: r.attr("ComputerName"), InstanceStatus: r.attr("InstanceStatus"), IpAddress: r.attr("IpAddress"),
		PlatformName: r.attr("PlatformName"), PlatformType: r.attr("PlatformType"),
		PlatformVersion: r.attr("PlatformVersion"), ResourceType: r.attr("ResourceType"), CaptureTime: r.CaptureTime}
}

// inventoryAttributeKey splits a filter key TypeName.Attribute (the type
// starting with AWS: or Custom:) at its last dot.
func inventoryAttributeKey(key string) (typeName, attr string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i <= 0 || i == len(key)-1 || !(strings.HasPrefix(key, "AWS:") || strings.HasPrefix(key, "Custom:")) {
		return "", "", false
	}
	return key[:i], key[i+1:], true
}

// inventoryAttribute is the value of an attribute of a node's inventory
// item of a type ("" when the node has no such item or attribute).
func inventoryAttribute(tx store.Tx, account, region, instanceID, typeName, attr string) (string, error) {
	var r inventoryRecord
	err := store.GetJSON(tx, inventoryKey(account, region, instanceID, typeName), &r)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return r.attr(attr), err
}

// checkInventoryItem checks one item of a PutInventory request.
func checkInventoryItem(instanceID string, it *InventoryItem) error {
	if strings.HasPrefix(it.TypeName, "AWS:") && !slices.Contains(awsInventoryTypes(), it.TypeName) {
		return newErr("InvalidTypeNameException", "The inventory type name "+it.TypeName+" is not valid.") // unconfirmed
	}
	if len(it.Context) > 0 && it.TypeName != "AWS:ComplianceItem" {
		return newErr("UnsupportedInventoryItemContextException", "").With("TypeName", it.TypeName)
	}
	if it.TypeName != typeInstanceInformation {
		return nil
	}
	if it.SchemaVersion != "1.0" {
		return newErr("UnsupportedInventorySchemaVersionException", "The schema version "+it.SchemaVersion+" of "+it.TypeName+" is not supported. Supported version: 1.0.") // unconfirmed
	}
	if len(it.Content) > 1 {
		return newErr("InvalidItemContentException", "AWS:InstanceInformation takes exactly one content entry.").With("TypeName", it.TypeName) // unconfirmed
	}
	for _, row := range it.Content {
		for k, v := range row {
			if !slices.Contains(instanceInformationAttributes(), k) {
				return newErr("InvalidItemContentException", "The attribute "+k+" is not part of the AWS:InstanceInformation schema.").With("TypeName", it.TypeName) // unconfirmed
			}
			if k == "InstanceId" && v != instanceID {
				return newErr("InvalidItemContentException", "The InstanceId attribute "+v+" does not match the instance "+instanceID+".").With("TypeName", it.TypeName) // unconfirmed
			}
		}
	}
	return nil
}

// PutInventory adds or replaces inventory items of a managed node: one
// item per type, the latest put winning. An item whose ContentHash equals
// the stored one is left alone, as documented. AWS: types must be ones
// Systems Manager defines (InvalidTypeNameException); Custom: types are
// free, up to 20 per account and region
// (CustomSchemaCountLimitExceededException). AWS:InstanceInformation
// (schema 1.0, one entry with its documented attributes) is what makes a
// node appear in GetInventory, DescribeInstanceInformation and Explorer.
// Context is accepted for AWS:ComplianceItem only.
func (s *Service) PutInventory(ctx context.Context, in *PutInventoryRequest) (*PutInventoryResult, error) {
	seen := make(map[string]bool)
	for i := range in.Items {
		it := &in.Items[i]
		if err := checkInventoryItem(in.InstanceId, it); err != nil {
			return nil, err
		}
		if seen[it.TypeName] {
			return nil, newErr("InvalidItemContentException", "The inventory type "+it.TypeName+" appears more than once.").With("TypeName", it.TypeName) // unconfirmed
		}
		seen[it.TypeName] = true
	}
	err := s.write(ctx, func(sc *scope) error {
		custom, err := customInventoryTypes(sc)
		if err != nil {
			return err
		}
		for i := range in.Items {
			it := &in.Items[i]
			key := inventoryKey(sc.account, sc.region, in.InstanceId, it.TypeName)
			var old inventoryRecord
			err := store.GetJSON(sc.tx, key, &old)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err == nil && it.ContentHash != "" && it.ContentHash == old.ContentHash {
				continue
			}
			if strings.HasPrefix(it.TypeName, "Custom:") && !custom[it.TypeName] {
				if len(custom) >= maxCustomInventoryTypes {
					return newErr("CustomSchemaCountLimitExceededException", "")
				}
				custom[it.TypeName] = true
			}
			content := it.Content
			if content == nil {
				content = []map[string]string{}
			}
			r := inventoryRecord{InstanceId: in.InstanceId, TypeName: it.TypeName, SchemaVersion: it.SchemaVersion,
				CaptureTime: it.CaptureTime, ContentHash: it.ContentHash, Content: content, Context: it.Context, Updated: sc.now}
			if err := store.PutJSON(sc.tx, key, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutInventoryResult{}, nil
}

// customInventoryTypes is the set of Custom: types with data in the scope.
func customInventoryTypes(sc *scope) (map[string]bool, error) {
	all, err := loadInventory(sc.tx, sc.account, sc.region)
	set := make(map[string]bool)
	for _, r := range all {
		if strings.HasPrefix(r.TypeName, "Custom:") {
			set[r.TypeName] = true
		}
	}
	return set, err
}
