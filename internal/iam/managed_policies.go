package iam

import (
	"encoding/base64"
	"strings"

	"github.com/orgstack/orgstack"
)

// managedPolicy is an AWS-managed policy.
type managedPolicy struct {
	Name, Path, Description, Document string
}

// awsManagedPolicies are the AWS-managed policies orgstack knows, by path
// and name. Policies under /aws-service-role/ belong to service-linked
// roles and are recognized by their path.
var awsManagedPolicies = map[string]managedPolicy{
	"/AdministratorAccess": {Name: "AdministratorAccess", Path: "/", Description: "Provides full access to AWS services and resources.",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	"/ReadOnlyAccess": {Name: "ReadOnlyAccess", Path: "/", Description: "Provides read-only access to AWS services and resources.",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","organizations:Describe*","organizations:List*","ssm:Describe*","ssm:Get*","ssm:List*","auditmanager:Get*","auditmanager:List*","sts:GetCallerIdentity"],"Resource":"*"}]}`},
	"/AWSOrganizationsFullAccess": {Name: "AWSOrganizationsFullAccess", Path: "/", Description: "Provides full access to AWS Organizations.",
		Document: `{"Version":"2012-10-17","Statement":[{"Sid":"AWSOrganizationsFullAccess","Effect":"Allow","Action":"organizations:*","Resource":"*"},{"Sid":"AWSOrganizationsFullAccessAccount","Effect":"Allow","Action":["account:PutAlternateContact","account:DeleteAlternateContact","account:GetAlternateContact","account:GetContactInformation","account:PutContactInformation","account:ListRegions","account:EnableRegion","account:DisableRegion","account:GetRegionOptStatus"],"Resource":"*"},{"Sid":"AWSOrganizationsFullAccessCreateSLR","Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"organizations.amazonaws.com"}}}]}`},
	"/AWSOrganizationsReadOnlyAccess": {Name: "AWSOrganizationsReadOnlyAccess", Path: "/", Description: "Provides read-only access to AWS Organizations.",
		Document: `{"Version":"2012-10-17","Statement":[{"Sid":"AWSOrganizationsReadOnly","Effect":"Allow","Action":["organizations:Describe*","organizations:List*"],"Resource":"*"}]}`},
}

// managedPolicy finds the managed policy an ARN names. Customer-managed
// policies are not supported yet and are reported as missing.
func (s *Service) managedPolicy(arn string) (*managedPolicy, error) {
	a, err := orgstack.ParseARN(arn)
	notFound := errNoSuchEntity("Policy " + arn + " does not exist or is not attachable.")
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "policy/") {
		return nil, errInvalidInput("ARN " + arn + " is not valid.")
	}
	if a.AccountID != "aws" {
		return nil, notFound
	}
	path := policyPath(arn)
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	if path == "/aws-service-role/" {
		return &managedPolicy{Name: name, Path: path}, nil
	}
	p, ok := awsManagedPolicies[path+name]
	if !ok {
		return nil, notFound
	}
	return &p, nil
}

// pageStrings pages an in-memory, sorted list with IAM's Marker/MaxItems.
func pageStrings(list []string, marker string, maxItems *int32) ([]string, string, error) {
	limit := defaultMaxItems
	if maxItems != nil {
		limit = int(*maxItems)
	}
	start := 0
	if marker != "" {
		raw, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil {
			return nil, "", errInvalidMarker()
		}
		after := string(raw)
		for start < len(list) && list[start] <= after {
			start++
		}
	}
	end := min(start+limit, len(list))
	page := append([]string{}, list[start:end]...)
	if end < len(list) {
		return page, base64.RawURLEncoding.EncodeToString([]byte(list[end-1])), nil
	}
	return page, "", nil
}
