package iam

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// managedPolicy is an AWS-managed policy.
type managedPolicy struct {
	Name, Path, Description, Document string
}

// awsManagedPolicies returns the AWS-managed policies orgstack knows, by
// path and name. Each has one version, v1, holding Document. Policies
// under /aws-service-role/ belong to service-linked roles; those not in
// the table are recognized by their path and have no document.
func awsManagedPolicies() map[string]managedPolicy {
	return map[string]managedPolicy{
		"/AdministratorAccess": {Name: "AdministratorAccess", Path: "/", Description: "Provides full access to AWS services and resources.",
			Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		"/ReadOnlyAccess": {Name: "ReadOnlyAccess", Path: "/", Description: "Provides read-only access to AWS services and resources.",
			Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","organizations:Describe*","organizations:List*","ssm:Describe*","ssm:Get*","ssm:List*","auditmanager:Get*","auditmanager:List*","sts:GetCallerIdentity"],"Resource":"*"}]}`},
		"/AWSOrganizationsFullAccess": {Name: "AWSOrganizationsFullAccess", Path: "/", Description: "Provides full access to AWS Organizations.",
			Document: `{"Version":"2012-10-17","Statement":[{"Sid":"AWSOrganizationsFullAccess","Effect":"Allow","Action":"organizations:*","Resource":"*"},{"Sid":"AWSOrganizationsFullAccessAccount","Effect":"Allow","Action":["account:PutAlternateContact","account:DeleteAlternateContact","account:GetAlternateContact","account:GetContactInformation","account:PutContactInformation","account:ListRegions","account:EnableRegion","account:DisableRegion","account:GetRegionOptStatus"],"Resource":"*"},{"Sid":"AWSOrganizationsFullAccessCreateSLR","Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"organizations.amazonaws.com"}}}]}`},
		"/aws-service-role/AWSOrganizationsServiceTrustPolicy": {Name: "AWSOrganizationsServiceTrustPolicy", Path: "/aws-service-role/",
			Description: "Policy to enable AWS Organizations to share trust with other AWS services.",
			Document:    `{"Version":"2012-10-17","Statement":[{"Sid":"AllowDeletionOfServiceLinkedRoleForOrganizations","Effect":"Allow","Action":["iam:DeleteRole"],"Resource":["arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*"]},{"Sid":"AllowCreationOfServiceLinkedRoles","Effect":"Allow","Action":["iam:CreateServiceLinkedRole"],"Resource":"*"}]}`},
		// The two service-linked-role policies of Systems Manager, reduced to
		// the actions orgstack's Systems Manager performs through them.
		"/aws-service-role/AmazonSSMServiceRolePolicy": {Name: "AmazonSSMServiceRolePolicy", Path: "/aws-service-role/",
			Description: "Provides access to AWS Resources managed or used by Amazon SSM.",
			Document:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:Get*","ssm:List*","ssm:Describe*"],"Resource":"*"}]}`},
		"/aws-service-role/AWSSystemsManagerAccountDiscoveryServicePolicy": {Name: "AWSSystemsManagerAccountDiscoveryServicePolicy", Path: "/aws-service-role/",
			Description: "Policy used by the AWSServiceRoleForAmazonSSM_AccountDiscovery service-linked role.",
			Document:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:ListAccounts","organizations:ListAWSServiceAccessForOrganization","organizations:ListChildren","organizations:ListParents","organizations:ListDelegatedServicesForAccount","organizations:ListDelegatedAdministrators","organizations:ListRoots"],"Resource":"*"}]}`},
		// Audit Manager's service-linked-role policy, reduced to the API calls
		// orgstack's Audit Manager collects evidence with.
		"/aws-service-role/AWSAuditManagerServiceRolePolicy": {Name: "AWSAuditManagerServiceRolePolicy", Path: "/aws-service-role/",
			Description: "Allows AWS Audit Manager to access the AWS services and resources it uses or manages.",
			Document:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:ListUsers","organizations:DescribeOrganization","ssm:ListComplianceSummaries"],"Resource":"*"}]}`},
		"/AWSOrganizationsReadOnlyAccess": {Name: "AWSOrganizationsReadOnlyAccess", Path: "/", Description: "Provides read-only access to AWS Organizations.",
			Document: `{"Version":"2012-10-17","Statement":[{"Sid":"AWSOrganizationsReadOnly","Effect":"Allow","Action":["organizations:Describe*","organizations:List*"],"Resource":"*"}]}`},
	}
}

// awsPolicyDate is the creation date reported for every AWS-managed
// policy (AdministratorAccess's; the others' are unconfirmed).
func awsPolicyDate() time.Time { return time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC) }

// awsPolicyID is the stable policy id orgstack gives an AWS-managed
// policy: ANPA and 17 characters derived from its path and name.
func awsPolicyID(pathName string) string {
	sum := sha256.Sum256([]byte(pathName))
	b := make([]byte, 17)
	for i := range b {
		b[i] = orgstack.UpperAlnum[int(sum[i])%len(orgstack.UpperAlnum)]
	}
	return "ANPA" + string(b)
}

// resolvedPolicy is the managed policy an ARN names, AWS-managed or
// customer-managed.
type resolvedPolicy struct {
	// ARN is the policy's own ARN (for a customer-managed policy as
	// stored, whatever the letter case of the ARN asked for).
	ARN, Name, Path, Description string
	// AWS is set for AWS-managed policies.
	AWS bool
	// Document is the default version's document; "" for the
	// service-role policies orgstack knows only by name.
	Document string
	// record is the customer-managed policy; nil for AWS-managed ones.
	record *policyRecord
}

// resolvePolicy finds the managed policy arn names as account sees it:
// an AWS-managed policy orgstack knows, or a customer-managed policy of
// account. found is false when there is none; a text that is not a
// policy ARN is InvalidInput.
func resolvePolicy(tx store.Tx, account, arn string) (p *resolvedPolicy, found bool, err error) {
	a, err := orgstack.ParseARN(arn)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "policy/") {
		return nil, false, errInvalidInput("ARN " + arn + " is not valid.")
	}
	path := policyPath(arn)
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	switch a.AccountID {
	case "aws":
		m, ok := awsManagedPolicies()[path+name]
		if !ok && strings.HasPrefix(path, "/aws-service-role/") {
			return &resolvedPolicy{ARN: arn, Name: name, Path: path, AWS: true}, true, nil
		}
		if !ok {
			return nil, false, nil
		}
		return &resolvedPolicy{ARN: arn, Name: m.Name, Path: m.Path, Description: m.Description, AWS: true, Document: m.Document}, true, nil
	case account:
		r, err := getPolicy(tx, account, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if r.Path != path {
			return nil, false, nil
		}
		return &resolvedPolicy{ARN: r.ARN, Name: r.Name, Path: r.Path, Description: r.Description, Document: r.document(r.DefaultVersion), record: r}, true, nil
	}
	return nil, false, nil
}

// attachablePolicy is resolvePolicy for attaching a policy to a user or
// role: a missing policy is NoSuchEntity "Policy ARN does not exist or
// is not attachable." (AttachRolePolicy errors quoted in public Terraform
// and openshift/rosa reports).
func attachablePolicy(tx store.Tx, account, arn string) (*resolvedPolicy, error) {
	p, ok, err := resolvePolicy(tx, account, arn)
	if err == nil && !ok {
		err = errNoSuchEntity("Policy " + arn + " does not exist or is not attachable.")
	}
	return p, err
}

// boundaryPolicy is resolvePolicy for a permissions boundary: a missing
// policy is NoSuchEntity "Scope ARN: ARN does not exist or is not
// attachable." (github.com/hashicorp/boundary pull 4255, CreateUser).
func boundaryPolicy(tx store.Tx, account, arn string) (*resolvedPolicy, error) {
	p, ok, err := resolvePolicy(tx, account, arn)
	if err == nil && !ok {
		err = errNoSuchEntity("Scope ARN: " + arn + " does not exist or is not attachable.")
	}
	return p, err
}

// namedPolicy is resolvePolicy for the operations on a policy itself
// (GetPolicy, DeletePolicy, the version operations).
func namedPolicy(tx store.Tx, account, arn string) (*resolvedPolicy, error) {
	p, ok, err := resolvePolicy(tx, account, arn)
	if err == nil && !ok {
		err = errNoSuchEntity("Policy " + arn + " was not found.") // unconfirmed
	}
	return p, err
}

// managedPolicy finds the AWS-managed policy an ARN names (one of the
// table, or a service-role policy known by name only, without document).
// Customer-managed policies need the account and a transaction: see
// resolvePolicy.
func (s *Service) managedPolicy(arn string) (*managedPolicy, error) {
	a, err := orgstack.ParseARN(arn)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "policy/") {
		return nil, errInvalidInput("ARN " + arn + " is not valid.")
	}
	notFound := errNoSuchEntity("Policy " + arn + " does not exist or is not attachable.")
	if a.AccountID != "aws" {
		return nil, notFound
	}
	path := policyPath(arn)
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	p, ok := awsManagedPolicies()[path+name]
	if !ok && strings.HasPrefix(path, "/aws-service-role/") {
		return &managedPolicy{Name: name, Path: path}, nil
	}
	if !ok {
		return nil, notFound
	}
	return &p, nil
}

// errAWSManaged refuses to change an AWS-managed policy.
func errAWSManaged(arn string) error {
	return errUnmodifiable("Cannot perform the operation on the AWS managed policy " + arn + ".") // unconfirmed
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
