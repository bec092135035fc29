package app

import (
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/backup"
	"github.com/orgstack/orgstack/internal/store"
)

// backupResources are the resources AWS Backup can back up in an account:
// its Systems Manager managed EC2 instances (ResourceType EC2Instance,
// ids i-…), in every region, named by their Name tag (choice: AWS Backup
// reports an EC2 instance's Name tag as its ResourceName, unconfirmed).
func (m *Main) backupResources(tx store.Tx, account string) ([]backup.Resource, error) {
	nodes, err := m.SSM.ManagedInstances(tx, account)
	if err != nil {
		return nil, err
	}
	var out []backup.Resource
	for _, n := range nodes {
		if n.ResourceType != "EC2Instance" || !strings.HasPrefix(n.InstanceID, "i-") {
			continue
		}
		out = append(out, backup.Resource{
			Region: n.Region,
			ARN:    "arn:" + orgstack.PartitionOf(n.Region) + ":ec2:" + n.Region + ":" + account + ":instance/" + n.InstanceID,
			Type:   "EC2",
			Name:   n.Tags["Name"],
		})
	}
	return out, nil
}
