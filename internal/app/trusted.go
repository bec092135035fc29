package app

import (
	"fmt"
	"os"

	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// loadCatalogue returns the built-in catalogue of trusted services,
// extended by the file when one is configured.
func loadCatalogue(path string) (*trusted.Catalogue, error) {
	c := trusted.Default()
	if path == "" {
		return c, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trusted-services: %w", err)
	}
	defer f.Close()
	ext, err := c.Extend(f)
	if err != nil {
		return nil, fmt.Errorf("trusted-services: %s: %w", path, err)
	}
	return ext, nil
}

// serviceRoles gives IAM what it needs to know about service-linked roles:
// their definitions from the catalogue, and from Organizations whether a
// service still uses one.
type serviceRoles struct {
	catalogue *trusted.Catalogue
	org       *organizations.Service
}

var _ iam.ServiceRoles = (*serviceRoles)(nil)

func (r *serviceRoles) ServiceRole(principal string) (iam.ServiceRoleDefinition, bool) {
	d, ok := r.catalogue.Role(principal)
	if !ok {
		return iam.ServiceRoleDefinition{}, false
	}
	return iam.ServiceRoleDefinition{RoleName: d.RoleName, PolicyARN: d.PolicyARN, Description: d.Description, CustomSuffixAllowed: d.CustomSuffixAllowed}, true
}

// usageRegion is where Organizations, a global service, reports its use of
// a role.
const usageRegion = "us-east-1"

func (r *serviceRoles) InUse(tx store.Tx, account, principal, roleName string) (bool, string, []iam.RoleUsage, error) {
	inUse, reason, resources, err := r.org.ServiceLinkedRoleInUse(tx, account, principal, roleName)
	if err != nil || !inUse {
		return false, "", nil, err
	}
	return true, reason, []iam.RoleUsage{{Region: usageRegion, Resources: resources}}, nil
}
