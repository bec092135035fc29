// Package trusted is the catalogue of AWS services that integrate with AWS
// Organizations through trusted access, and the registry of service-linked
// roles that IAM's CreateServiceLinkedRole knows how to create.
//
// Both are data, not code: catalogue.json lists one entry per trusted-access
// service principal (the value EnableAWSServiceAccess and
// RegisterDelegatedAdministrator take), and slrs.json lists the
// service-linked roles keyed by the service principal each role trusts (the
// AWSServiceName parameter of CreateServiceLinkedRole). Both files are
// embedded; Default returns them. Extend layers a further JSON document
// (the same format) on top, so new principals can be added without a
// rebuild.
//
// A Catalogue is immutable once built and safe for concurrent use. Every
// value it returns is a fresh copy the caller may modify.
package trusted

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/orgstack/orgstack"
)

// Where a service-linked role is created (SLR.CreatedIn).
const (
	// CreatedInManagement: in the management account when trusted access
	// is enabled.
	CreatedInManagement = "management"
	// CreatedInMembers: in member accounts, when the service acts there.
	CreatedInMembers = "members"
	// CreatedInAll: in the management account and in member accounts.
	CreatedInAll = "all"
)

// How AWS documents enabling or disabling trusted access for a service
// (Service.Enable, Service.Disable). These describe AWS's guidance; the
// Organizations API itself accepts EnableAWSServiceAccess and
// DisableAWSServiceAccess for every catalogued principal.
const (
	// ViaServiceOrOrganizations: the service's own console or API, or the
	// Organizations tools.
	ViaServiceOrOrganizations = "service-or-organizations"
	// ViaServiceOnly: only the service's own console or API.
	ViaServiceOnly = "service-only"
	// ViaOrganizationsOnly: only the Organizations console, CLI or API.
	ViaOrganizationsOnly = "organizations-only"
)

// OrganizationsPrincipal is the service principal of AWS Organizations
// itself. It has a service-linked role in the registry but is never a
// trusted service: EnableAWSServiceAccess does not take it.
const OrganizationsPrincipal = "organizations.amazonaws.com"

// Service is one trusted-access service principal.
type Service struct {
	// Principal is the trusted-access service principal, compared
	// case-sensitively as AWS does.
	Principal string `json:"principal"`
	// Name is the display name, as AWS's console and documentation show it.
	// Several principals of one product share a name.
	Name string `json:"name"`
	// ServiceLinkedRoles are the roles the integration creates. Each names
	// a role of the registry (same role name, same trust principal).
	ServiceLinkedRoles []SLR `json:"serviceLinkedRoles"`
	// DelegatedAdmin is nil when the service supports no delegated
	// administrator.
	DelegatedAdmin *DelegatedAdmin `json:"delegatedAdministrator,omitempty"`
	// Enable and Disable say how AWS documents turning trusted access on and
	// off: one of ViaServiceOrOrganizations, ViaServiceOnly,
	// ViaOrganizationsOnly.
	Enable  string `json:"enable"`
	Disable string `json:"disable"`
	// Sources are provenance tags (seed, docs22, docs, model, observed,
	// moto, issues, code).
	Sources []string `json:"sources"`
	// Unconfirmed names the fields whose values are defaults rather than
	// confirmed facts, e.g. "delegatedAdministrator.max".
	Unconfirmed []string `json:"unconfirmed"`
}

// DelegatedAdmin describes a service's delegated-administrator support.
type DelegatedAdmin struct {
	// Max is how many accounts may be registered at once; at least 1.
	Max int `json:"max"`
}

// SLR is a service-linked role a trusted service creates.
type SLR struct {
	// RoleName is AWS's name for the role.
	RoleName string `json:"roleName"`
	// ServicePrincipal is the principal the role trusts; the role's path is
	// /aws-service-role/<ServicePrincipal>/. It may differ from the
	// trusted-access principal (Systems Manager's role trusts
	// accountdiscovery.ssm.amazonaws.com).
	ServicePrincipal string `json:"servicePrincipal"`
	// CreatedIn is CreatedInManagement, CreatedInMembers or CreatedInAll.
	CreatedIn string `json:"createdIn"`
	// PolicyARN and Description come from the registry entry of
	// ServicePrincipal. PolicyARN is empty when AWS's policy is not known.
	PolicyARN   string `json:"policyArn,omitempty"`
	Description string `json:"description,omitempty"`
}

// Path is the IAM path of the role: /aws-service-role/<ServicePrincipal>/.
func (s SLR) Path() string { return "/aws-service-role/" + s.ServicePrincipal + "/" }

// RoleDefinition is what IAM's CreateServiceLinkedRole needs to create the
// service-linked role of one service principal.
type RoleDefinition struct {
	// ServicePrincipal is the AWSServiceName the role is created for and
	// trusts.
	ServicePrincipal string `json:"servicePrincipal"`
	// RoleName is AWS's hand-chosen role name. With a custom suffix the
	// role is named RoleName + "_" + suffix.
	RoleName string `json:"roleName"`
	// CustomSuffixAllowed reports whether CreateServiceLinkedRole accepts a
	// CustomSuffix for this principal.
	CustomSuffixAllowed bool `json:"customSuffixAllowed"`
	// PolicyARN is the AWS-managed policy attached to the role (partition
	// "aws"; callers substitute theirs). Empty when not known.
	PolicyARN string `json:"policyArn"`
	// Description is the role description used when the caller gives none.
	Description string `json:"description"`
	// Sources and Unconfirmed are as for Service.
	Sources     []string `json:"sources"`
	Unconfirmed []string `json:"unconfirmed"`
}

// Path is the IAM path of the role: /aws-service-role/<ServicePrincipal>/.
func (r *RoleDefinition) Path() string { return "/aws-service-role/" + r.ServicePrincipal + "/" }

// ServiceLinkedRole returns the role in the vocabulary the rest of orgstack
// shares.
func (r *RoleDefinition) ServiceLinkedRole() orgstack.ServiceLinkedRole {
	slr := orgstack.ServiceLinkedRole{
		RoleName:         r.RoleName,
		ServicePrincipal: r.ServicePrincipal,
		Description:      r.Description,
	}
	if r.PolicyARN != "" {
		slr.PolicyARNs = []string{r.PolicyARN}
	}
	return slr
}

// Catalogue is an immutable set of trusted services and service-linked
// role definitions. The zero value is not usable; use Default or Extend.
type Catalogue struct {
	services map[string]*Service // by principal
	ordered  []*Service          // by Name, then Principal
	roles    map[string]*RoleDefinition
	roleList []*RoleDefinition // by ServicePrincipal
}

//go:embed catalogue.json
var catalogueJSON []byte

//go:embed slrs.json
var slrsJSON []byte

var defaultCatalogue = sync.OnceValue(func() *Catalogue {
	c, err := loadEmbedded()
	if err != nil {
		panic("trusted: embedded catalogue is invalid: " + err.Error())
	}
	return c
})

// Default returns the catalogue built from the embedded catalogue.json and
// slrs.json. It is built once and shared. It panics only if the embedded
// files are invalid, which the package's tests rule out.
func Default() *Catalogue { return defaultCatalogue() }

func loadEmbedded() (*Catalogue, error) {
	services, err := decode(bytes.NewReader(catalogueJSON), "catalogue.json")
	if err != nil {
		return nil, err
	}
	roles, err := decode(bytes.NewReader(slrsJSON), "slrs.json")
	if err != nil {
		return nil, err
	}
	doc := document{Services: services.Services, ServiceLinkedRoles: roles.ServiceLinkedRoles}
	empty := &Catalogue{services: map[string]*Service{}, roles: map[string]*RoleDefinition{}}
	return empty.merge(doc)
}

// Extend returns a new catalogue: c plus the services and roles of the
// JSON document read from r, which has the form
//
//	{"services": [ ...Service... ], "serviceLinkedRoles": [ ...RoleDefinition... ]}
//
// (either key may be left out). A service whose principal c already has
// replaces it, and so does a role whose service principal c already has.
// An SLR of a service in the document may leave out policyArn and
// description, which are then taken from the registry; if given they must
// match it. SLRs of services kept from c follow their registry entry, so
// replacing a role updates them.
//
// The document is rejected whole if it is not valid JSON, has unknown
// fields, names a principal twice, or any entry is invalid; the error
// names each failing entry and field. c is never changed.
func (c *Catalogue) Extend(r io.Reader) (*Catalogue, error) {
	doc, err := decode(r, "document")
	if err != nil {
		return nil, err
	}
	return c.merge(doc)
}

// Service returns the trusted service with that principal, compared
// case-sensitively. organizations.amazonaws.com is never one.
func (c *Catalogue) Service(principal string) (*Service, bool) {
	s, ok := c.services[principal]
	if !ok {
		return nil, false
	}
	return s.clone(), true
}

// Services returns every trusted service, ordered by Name and then by
// Principal. The order is the same on every call.
func (c *Catalogue) Services() []*Service {
	out := make([]*Service, len(c.ordered))
	for i, s := range c.ordered {
		out[i] = s.clone()
	}
	return out
}

// Role returns the service-linked role IAM creates for servicePrincipal
// (CreateServiceLinkedRole's AWSServiceName), compared case-sensitively.
func (c *Catalogue) Role(servicePrincipal string) (*RoleDefinition, bool) {
	r, ok := c.roles[servicePrincipal]
	if !ok {
		return nil, false
	}
	return r.clone(), true
}

// Roles returns every role definition, ordered by service principal.
func (c *Catalogue) Roles() []*RoleDefinition {
	out := make([]*RoleDefinition, len(c.roleList))
	for i, r := range c.roleList {
		out[i] = r.clone()
	}
	return out
}

// SupportsDelegatedAdmin reports whether accounts can be registered as
// delegated administrators for the service.
func (s *Service) SupportsDelegatedAdmin() bool { return s.DelegatedAdmin != nil }

// ManagementRoles returns the roles created in the management account:
// those with CreatedIn CreatedInManagement or CreatedInAll, in catalogue
// order.
func (s *Service) ManagementRoles() []SLR {
	return s.rolesWhere(func(in string) bool { return in == CreatedInManagement || in == CreatedInAll })
}

// MemberRoles returns the roles created in member accounts: those with
// CreatedIn CreatedInMembers or CreatedInAll, in catalogue order.
func (s *Service) MemberRoles() []SLR {
	return s.rolesWhere(func(in string) bool { return in == CreatedInMembers || in == CreatedInAll })
}

func (s *Service) rolesWhere(keep func(string) bool) []SLR {
	var out []SLR
	for _, r := range s.ServiceLinkedRoles {
		if keep(r.CreatedIn) {
			out = append(out, r)
		}
	}
	return out
}

func (s *Service) clone() *Service {
	c := *s
	c.ServiceLinkedRoles = append([]SLR(nil), s.ServiceLinkedRoles...)
	if s.DelegatedAdmin != nil {
		da := *s.DelegatedAdmin
		c.DelegatedAdmin = &da
	}
	c.Sources = append([]string(nil), s.Sources...)
	c.Unconfirmed = append([]string(nil), s.Unconfirmed...)
	return &c
}

func (r *RoleDefinition) clone() *RoleDefinition {
	c := *r
	c.Sources = append([]string(nil), r.Sources...)
	c.Unconfirmed = append([]string(nil), r.Unconfirmed...)
	return &c
}

// merge builds a new catalogue from c and doc; see Extend.
func (c *Catalogue) merge(doc document) (*Catalogue, error) {
	if err := doc.validate(); err != nil {
		return nil, err
	}

	roles := make(map[string]*RoleDefinition, len(c.roles)+len(doc.ServiceLinkedRoles))
	for k, r := range c.roles {
		roles[k] = r
	}
	for i := range doc.ServiceLinkedRoles {
		r := doc.ServiceLinkedRoles[i].clone()
		roles[r.ServicePrincipal] = r
	}

	var errs errorList
	byName := map[string]string{} // role name -> service principal
	for _, sp := range sortedKeys(roles) {
		name := roles[sp].RoleName
		if other, dup := byName[name]; dup {
			errs.addf("serviceLinkedRoles: role name %q is defined for both %s and %s", name, other, sp)
			continue
		}
		byName[name] = sp
	}

	services := make(map[string]*Service, len(c.services)+len(doc.Services))
	replaced := map[string]bool{}
	for i := range doc.Services {
		replaced[doc.Services[i].Principal] = true
	}
	for p, s := range c.services {
		if replaced[p] {
			continue
		}
		s = s.clone()
		for j := range s.ServiceLinkedRoles {
			slr := &s.ServiceLinkedRoles[j]
			at := fmt.Sprintf("service %s: serviceLinkedRoles[%d]", p, j)
			if def := resolve(&errs, at, slr, roles); def != nil {
				slr.PolicyARN, slr.Description = def.PolicyARN, def.Description
			}
		}
		services[p] = s
	}
	for i := range doc.Services {
		s := doc.Services[i].clone()
		for j := range s.ServiceLinkedRoles {
			slr := &s.ServiceLinkedRoles[j]
			at := fmt.Sprintf("services[%d] (%s): serviceLinkedRoles[%d]", i, s.Principal, j)
			def := resolve(&errs, at, slr, roles)
			if def == nil {
				continue
			}
			switch {
			case slr.PolicyARN == "":
				slr.PolicyARN = def.PolicyARN
			case slr.PolicyARN != def.PolicyARN:
				errs.addf("%s.policyArn: %q differs from the registry's %q for %s", at, slr.PolicyARN, def.PolicyARN, def.ServicePrincipal)
			}
			switch {
			case slr.Description == "":
				slr.Description = def.Description
			case slr.Description != def.Description:
				errs.addf("%s.description: differs from the registry's description for %s", at, def.ServicePrincipal)
			}
		}
		services[s.Principal] = s
	}
	if err := errs.err(); err != nil {
		return nil, err
	}

	out := &Catalogue{services: services, roles: roles}
	for _, s := range services {
		out.ordered = append(out.ordered, s)
	}
	sort.Slice(out.ordered, func(i, j int) bool {
		a, b := out.ordered[i], out.ordered[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Principal < b.Principal
	})
	for _, sp := range sortedKeys(roles) {
		out.roleList = append(out.roleList, roles[sp])
	}
	return out, nil
}

// resolve finds the registry role slr names and checks that it has the
// same role name; it records a problem and returns nil otherwise.
func resolve(errs *errorList, at string, slr *SLR, roles map[string]*RoleDefinition) *RoleDefinition {
	def, ok := roles[slr.ServicePrincipal]
	if !ok {
		errs.addf("%s.servicePrincipal: no service-linked role is registered for %q", at, slr.ServicePrincipal)
		return nil
	}
	if def.RoleName != slr.RoleName {
		errs.addf("%s.roleName: %q, but the registry's role for %s is %q", at, slr.RoleName, slr.ServicePrincipal, def.RoleName)
		return nil
	}
	return def
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
