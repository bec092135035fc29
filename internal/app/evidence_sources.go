package app

import (
	"encoding/json"
	"reflect"

	"github.com/orgstack/orgstack/internal/auditmanager"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/ssm"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/wire"
)

// auditAPICalls are the AWS API calls Audit Manager's custom controls can
// collect evidence with (keywords of AWS_API_Call data sources), each
// answered from orgstack's own state in the account evidence is collected
// from: one snapshot per resource.
func (m *Main) auditAPICalls() map[string]auditmanager.APICall {
	role := resultShape(iam.ServiceModel(), "ListRoles", "Roles")
	user := resultShape(iam.ServiceModel(), "ListUsers", "Users")
	org := resultShape(organizations.ServiceModel(), "DescribeOrganization", "Organization")
	summary := resultShape(ssm.ServiceModel(), "ListComplianceSummaries", "ComplianceSummaryItems")
	return map[string]auditmanager.APICall{
		"iam_ListRoles": {EventSource: "iam.amazonaws.com", EventName: "ListRoles", Action: "iam:ListRoles",
			Collect: func(tx store.Tx, account, _ string) ([]auditmanager.Snapshot, error) {
				roles, err := m.IAM.Roles(tx, account)
				out := make([]auditmanager.Snapshot, len(roles))
				for i, r := range roles {
					out[i] = auditmanager.Snapshot{ARN: r.Arn, Value: asJSON(role, r)}
				}
				return out, err
			}},
		"iam_ListUsers": {EventSource: "iam.amazonaws.com", EventName: "ListUsers", Action: "iam:ListUsers",
			Collect: func(tx store.Tx, account, _ string) ([]auditmanager.Snapshot, error) {
				users, err := m.IAM.Users(tx, account)
				out := make([]auditmanager.Snapshot, len(users))
				for i, u := range users {
					out[i] = auditmanager.Snapshot{ARN: u.Arn, Value: asJSON(user, u)}
				}
				return out, err
			}},
		"organizations_DescribeOrganization": {EventSource: "organizations.amazonaws.com", EventName: "DescribeOrganization", Action: "organizations:DescribeOrganization",
			Collect: func(tx store.Tx, account, _ string) ([]auditmanager.Snapshot, error) {
				o, _, ok, err := m.Organizations.OrganizationSnapshot(tx, account)
				if err != nil || !ok {
					return nil, err
				}
				return []auditmanager.Snapshot{{ARN: o.Arn, Value: asJSON(org, o)}}, nil
			}},
		"ssm_ListComplianceSummaries": {EventSource: "ssm.amazonaws.com", EventName: "ListComplianceSummaries", Action: "ssm:ListComplianceSummaries",
			Collect: func(tx store.Tx, account, region string) ([]auditmanager.Snapshot, error) {
				items, err := m.SSM.ComplianceSummaries(tx, account, region)
				out := make([]auditmanager.Snapshot, len(items))
				for i, it := range items {
					out[i] = auditmanager.Snapshot{Value: asJSON(summary, it)}
				}
				return out, err
			}},
	}
}

// accountPath is an account's path in its organization, for evidence.
func (m *Main) accountPath(tx store.Tx, account string) (string, error) {
	_, path, _, err := m.Organizations.OrganizationSnapshot(tx, account)
	return path, err
}

// resultShape is the shape of one member of an operation's result (of
// its elements, for a list): what the API returns for one resource.
func resultShape(svc *wire.Service, op, member string) *wire.Shape {
	for _, o := range svc.Operations {
		if o.Name != op {
			continue
		}
		s := o.Output.MemberByName(member).Shape
		if s.Kind == wire.List {
			s = s.Member.Shape
		}
		return s
	}
	panic("app: no operation " + op)
}

// asJSON is a resource as its service's API shows it.
func asJSON(s *wire.Shape, v any) json.RawMessage {
	return protocol.AppendJSON(nil, s, reflect.ValueOf(v), false)
}
