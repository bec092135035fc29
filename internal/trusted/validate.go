package trusted

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// document is the JSON form of catalogue.json, slrs.json and of the
// documents Extend reads.
type document struct {
	Services           []Service        `json:"services"`
	ServiceLinkedRoles []RoleDefinition `json:"serviceLinkedRoles"`
}

// Limits and patterns from the Organizations and IAM models.
var (
	// ServicePrincipal (Organizations) and AWSServiceName (IAM): 1-128.
	principalPattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	// RoleName: 1-64.
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// AWS-managed policies, in the "aws" partition.
	policyARNPattern = regexp.MustCompile(`^arn:aws:iam::aws:policy/(aws-service-role/)?[\w+=,.@-]{1,128}$`)
)

const (
	roleNamePrefix    = "AWSServiceRoleFor"
	maxDescriptionLen = 1000 // IAM's role description limit
)

// The vocabularies, as functions so that no package-level slice can be
// changed.
func createdInValues() []string {
	return []string{CreatedInManagement, CreatedInMembers, CreatedInAll}
}

func viaValues() []string {
	return []string{ViaServiceOrOrganizations, ViaServiceOnly, ViaOrganizationsOnly}
}

// serviceFields are the field paths a service's "unconfirmed" list may name.
func serviceFields() []string {
	return []string{
		"principal", "name", "serviceLinkedRoles",
		"serviceLinkedRoles.roleName", "serviceLinkedRoles.servicePrincipal",
		"serviceLinkedRoles.createdIn", "serviceLinkedRoles.policyArn",
		"delegatedAdministrator", "delegatedAdministrator.max", "enable", "disable",
	}
}

// roleFields are the field paths a role's "unconfirmed" list may name.
func roleFields() []string {
	return []string{"servicePrincipal", "roleName", "customSuffixAllowed", "policyArn", "description"}
}

// decode reads one JSON document, rejecting unknown fields and trailing
// data. what names the input in errors.
func decode(r io.Reader, what string) (document, error) {
	var doc document
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return document{}, fmt.Errorf("trusted: %s: %w", what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return document{}, fmt.Errorf("trusted: %s: unexpected data after the JSON document", what)
	}
	return doc, nil
}

// validate checks every entry on its own and that no principal appears
// twice; cross-references are checked by merge.
func (d *document) validate() error {
	var errs errorList
	seen := map[string]int{}
	for i := range d.Services {
		s := &d.Services[i]
		at := fmt.Sprintf("services[%d]", i)
		if s.Principal != "" {
			at += " (" + s.Principal + ")"
		}
		s.validate(&errs, at)
		if first, dup := seen[s.Principal]; dup && s.Principal != "" {
			errs.addf("%s.principal: duplicate of services[%d]", at, first)
		} else {
			seen[s.Principal] = i
		}
	}
	seen = map[string]int{}
	for i := range d.ServiceLinkedRoles {
		r := &d.ServiceLinkedRoles[i]
		at := fmt.Sprintf("serviceLinkedRoles[%d]", i)
		if r.ServicePrincipal != "" {
			at += " (" + r.ServicePrincipal + ")"
		}
		r.validate(&errs, at)
		if first, dup := seen[r.ServicePrincipal]; dup && r.ServicePrincipal != "" {
			errs.addf("%s.servicePrincipal: duplicate of serviceLinkedRoles[%d]", at, first)
		} else {
			seen[r.ServicePrincipal] = i
		}
	}
	return errs.err()
}

func (s *Service) validate(errs *errorList, at string) {
	switch {
	case !principalPattern.MatchString(s.Principal):
		errs.addf("%s.principal: %q is not 1-128 characters of [\\w+=,.@-]", at, s.Principal)
	case s.Principal == OrganizationsPrincipal:
		errs.addf("%s.principal: %s is not a trusted service (EnableAWSServiceAccess does not take it); define its role under serviceLinkedRoles", at, s.Principal)
	}
	if strings.TrimSpace(s.Name) == "" {
		errs.addf("%s.name: must not be empty", at)
	}
	for j, r := range s.ServiceLinkedRoles {
		rat := fmt.Sprintf("%s.serviceLinkedRoles[%d]", at, j)
		checkRoleName(errs, rat+".roleName", r.RoleName)
		if !principalPattern.MatchString(r.ServicePrincipal) {
			errs.addf("%s.servicePrincipal: %q is not 1-128 characters of [\\w+=,.@-]", rat, r.ServicePrincipal)
		}
		checkOneOf(errs, rat+".createdIn", r.CreatedIn, createdInValues())
		checkPolicyARN(errs, rat+".policyArn", r.PolicyARN)
		checkDescription(errs, rat+".description", r.Description)
	}
	if s.DelegatedAdmin != nil && s.DelegatedAdmin.Max < 1 {
		errs.addf("%s.delegatedAdministrator.max: %d is less than 1 (leave delegatedAdministrator out when the service supports none)", at, s.DelegatedAdmin.Max)
	}
	checkOneOf(errs, at+".enable", s.Enable, viaValues())
	checkOneOf(errs, at+".disable", s.Disable, viaValues())
	checkTags(errs, at, s.Sources, s.Unconfirmed, serviceFields())
}

func (r *RoleDefinition) validate(errs *errorList, at string) {
	if !principalPattern.MatchString(r.ServicePrincipal) {
		errs.addf("%s.servicePrincipal: %q is not 1-128 characters of [\\w+=,.@-]", at, r.ServicePrincipal)
	}
	checkRoleName(errs, at+".roleName", r.RoleName)
	checkPolicyARN(errs, at+".policyArn", r.PolicyARN)
	checkDescription(errs, at+".description", r.Description)
	checkTags(errs, at, r.Sources, r.Unconfirmed, roleFields())
}

func checkRoleName(errs *errorList, at, name string) {
	switch {
	case !roleNamePattern.MatchString(name):
		errs.addf("%s: %q is not 1-64 characters of [\\w+=,.@-]", at, name)
	case !strings.HasPrefix(name, roleNamePrefix):
		errs.addf("%s: %q does not start with %s", at, name, roleNamePrefix)
	}
}

func checkPolicyARN(errs *errorList, at, arn string) {
	if arn != "" && !policyARNPattern.MatchString(arn) {
		errs.addf("%s: %q is not an AWS-managed policy ARN (arn:aws:iam::aws:policy/...)", at, arn)
	}
}

func checkDescription(errs *errorList, at, d string) {
	if len(d) > maxDescriptionLen {
		errs.addf("%s: longer than %d characters", at, maxDescriptionLen)
	}
}

func checkOneOf(errs *errorList, at, v string, allowed []string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	errs.addf("%s: %q is not one of %s", at, v, strings.Join(allowed, ", "))
}

func checkTags(errs *errorList, at string, sources, unconfirmed, fields []string) {
	for k, src := range sources {
		if strings.TrimSpace(src) == "" {
			errs.addf("%s.sources[%d]: must not be empty", at, k)
		}
	}
	for k, f := range unconfirmed {
		known := false
		for _, ok := range fields {
			known = known || f == ok
		}
		if !known {
			errs.addf("%s.unconfirmed[%d]: %q is not a field (one of %s)", at, k, f, strings.Join(fields, ", "))
		}
	}
}

// errorList collects validation problems; err joins them, prefixed with
// the package name.
type errorList []error

func (l *errorList) addf(format string, args ...any) {
	*l = append(*l, fmt.Errorf("trusted: "+format, args...))
}

func (l errorList) err() error { return errors.Join(l...) }
