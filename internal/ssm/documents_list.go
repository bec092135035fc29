package ssm

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// awsOwner is the Owner of the documents AWS provides.
const awsOwner = "Amazon"

// awsDocumentsCreated is when AWS's documents say they were created.
var awsDocumentsCreated = time.Date(2020, 12, 1, 0, 0, 0, 0, time.UTC)

// awsDocument returns one of the few AWS-owned documents orgstack knows:
// AWS-HelloWorld, the runbook of AWS's Change Manager examples, and
// AWS-HelloWorldChangeTemplate, an approved change template that runs it.
// Their content is illustrative, not AWS's text. Every account and region
// sees them; nobody can change them.
func awsDocument(name string) (*docRecord, []*docVersionRecord, bool) {
	var typ DocumentType
	var content string
	switch name {
	case "AWS-HelloWorld":
		typ, content = DocumentTypeAutomation, awsHelloWorld
	case "AWS-HelloWorldChangeTemplate":
		typ, content = DocumentTypeAutomationChangeTemplate, awsHelloWorldChangeTemplate
	default:
		return nil, nil, false
	}
	d := &docRecord{Name: name, Owner: awsOwner, Type: typ, Created: awsDocumentsCreated, DefaultVersion: 1, LatestVersion: 1}
	v := &docVersionRecord{Version: 1, Content: content, Format: DocumentFormatJson, Created: awsDocumentsCreated}
	if d.isChangeTemplate() {
		d.ApprovedVersion, v.Review = 1, ReviewStatusApproved
	}
	return d, []*docVersionRecord{v}, true
}

func awsDocumentNames() []string {
	return []string{"AWS-HelloWorld", "AWS-HelloWorldChangeTemplate"}
}

const awsHelloWorld = `{
  "schemaVersion": "0.3",
  "description": "Prints Hello World.",
  "assumeRole": "{{ AutomationAssumeRole }}",
  "parameters": {
    "AutomationAssumeRole": {"type": "String", "description": "(Optional) The role that runs the automation.", "default": ""}
  },
  "mainSteps": [
    {"name": "PrintHelloWorld", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}
  ]
}`

const awsHelloWorldChangeTemplate = `{
  "schemaVersion": "0.3",
  "description": "A change template that runs AWS-HelloWorld after one approval.",
  "templateInformation": "Runs the AWS-HelloWorld runbook after one approval.",
  "parameters": {
    "ApproverSnsTopicArn": {"type": "String", "description": "Amazon SNS topic for approvers."},
    "Approver": {"type": "String", "description": "The approver."},
    "ApproverType": {"type": "String", "description": "IamUser, IamGroup, IamRole, SSOGroup or SSOUser."}
  },
  "executableRunBooks": [{"name": "AWS-HelloWorld", "version": "1"}],
  "emergencyChange": false,
  "autoApprovable": false,
  "mainSteps": [
    {"name": "ApproveAction1", "action": "aws:approve", "timeoutSeconds": 3600,
     "inputs": {"Message": "A change request is waiting for your review.",
                "EnhancedApprovals": {"NotificationArn": "{{ ApproverSnsTopicArn }}",
                                      "Approvers": [{"approver": "{{ Approver }}", "type": "{{ ApproverType }}", "minRequiredApprovals": 1}]}}}
  ]
}`

// identifier is ListDocuments' view of a document (its default version).
func (d *docRecord) identifier(v *docVersionRecord) DocumentIdentifier {
	desc := d.description(v, DocumentStatusActive)
	return DocumentIdentifier{
		Name: d.Name, CreatedDate: d.Created, DisplayName: v.DisplayName, Owner: d.Owner, VersionName: v.VersionName,
		PlatformTypes: desc.PlatformTypes, DocumentVersion: desc.DocumentVersion, DocumentType: d.Type,
		SchemaVersion: desc.SchemaVersion, DocumentFormat: v.Format, TargetType: d.TargetType, Tags: desc.Tags,
		Requires: d.Requires, ReviewStatus: desc.ReviewStatus, Author: d.Author,
	}
}

// docFilter is one ListDocuments filter: a key and the values any of
// which may match.
type docFilter struct {
	key    string
	values []string
}

// docFilters merges Filters and the deprecated DocumentFilterList.
// Unknown keys are InvalidFilterKey.
func docFilters(in *ListDocumentsRequest) ([]docFilter, error) {
	var out []docFilter
	for _, f := range in.DocumentFilterList {
		out = append(out, docFilter{key: string(f.Key), values: []string{f.Value}})
	}
	for _, f := range in.Filters {
		out = append(out, docFilter{key: f.Key, values: f.Values})
	}
	for _, f := range out {
		switch {
		case strings.HasPrefix(f.key, "tag:") && len(f.key) > 4:
		case slices.Contains([]string{"Owner", "Name", "PlatformTypes", "DocumentType", "TargetType", "SearchKeyword"}, f.key):
		default:
			return nil, newErr("InvalidFilterKey", "")
		}
		if f.key == "Owner" && len(f.values) != 1 {
			return nil, newErr("InvalidFilterValue", "Only one Owner can be specified in a request.") // unconfirmed
		}
	}
	return out, nil
}

// matches reports whether every filter but Owner matches the identifier.
func (f docFilter) matches(id *DocumentIdentifier, tags []Tag) bool {
	return slices.ContainsFunc(f.values, func(v string) bool {
		switch {
		case f.key == "Owner":
			return true
		case f.key == "Name":
			return strings.HasPrefix(id.Name, v)
		case f.key == "SearchKeyword":
			return strings.Contains(strings.ToLower(id.Name), strings.ToLower(v))
		case f.key == "PlatformTypes":
			return slices.Contains(id.PlatformTypes, PlatformType(v))
		case f.key == "DocumentType":
			return string(id.DocumentType) == v
		case f.key == "TargetType":
			return id.TargetType == v
		}
		key := strings.TrimPrefix(f.key, "tag:")
		return slices.ContainsFunc(tags, func(t Tag) bool { return t.Key == key && t.Value == v })
	})
}

// ListDocuments lists the documents the caller can use in its account
// and region, by name: its own and AWS's unless an Owner filter (Self,
// Private, Amazon, All; Public and ThirdParty match nothing) says
// otherwise. Name filters match name prefixes; tag:<key> filters match
// tag values. Errors: InvalidFilterKey, InvalidNextToken.
func (s *Service) ListDocuments(ctx context.Context, in *ListDocumentsRequest) (*ListDocumentsResult, error) {
	filters, err := docFilters(in)
	if err != nil {
		return nil, err
	}
	own, aws := true, true
	for _, f := range filters {
		if f.key == "Owner" {
			own = slices.Contains([]string{"Self", "Private", "All"}, f.values[0])
			aws = slices.Contains([]string{"Amazon", "All"}, f.values[0])
		}
	}
	var out *ListDocumentsResult
	err = s.read(ctx, func(sc *scope) error {
		var docs []*docRecord
		if own {
			if err := sc.tx.Scan(sc.prefix()+kindDocument, "", func(_ string, b []byte) (bool, error) {
				var d docRecord
				if err := json.Unmarshal(b, &d); err != nil {
					return false, err
				}
				docs = append(docs, &d)
				return true, nil
			}); err != nil {
				return err
			}
		}
		if aws {
			for _, n := range awsDocumentNames() {
				d, _, _ := awsDocument(n)
				docs = append(docs, d)
			}
		}
		slices.SortFunc(docs, func(a, b *docRecord) int { return strings.Compare(a.Name, b.Name) })
		var ids []DocumentIdentifier
		var keys []string
		for _, d := range docs {
			v, err := loadDocVersion(sc.tx, sc.account, sc.region, d, d.DefaultVersion)
			if err != nil {
				return err
			}
			id := d.identifier(v)
			if !slices.ContainsFunc(filters, func(f docFilter) bool { return !f.matches(&id, d.Tags) }) {
				ids, keys = append(ids, id), append(keys, d.Name)
			}
		}
		lo, hi, next, err := opsDataPage(sc, "ListDocuments", keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out = &ListDocumentsResult{DocumentIdentifiers: append([]DocumentIdentifier{}, ids[lo:hi]...), NextToken: next}
		return nil
	})
	return out, err
}

// ListDocumentVersions lists every version of a document, oldest first.
// Errors: InvalidDocument, InvalidNextToken.
func (s *Service) ListDocumentVersions(ctx context.Context, in *ListDocumentVersionsRequest) (*ListDocumentVersionsResult, error) {
	var out *ListDocumentVersionsResult
	err := s.read(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, true)
		if err != nil {
			return err
		}
		all, err := loadDocVersions(sc.tx, sc.account, sc.region, d)
		if err != nil {
			return err
		}
		keys := make([]string, len(all))
		for i, v := range all {
			keys[i] = fmt.Sprintf("%010d", v.Version)
		}
		lo, hi, next, err := opsDataPage(sc, "ListDocumentVersions/"+d.Name, keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out = &ListDocumentVersionsResult{DocumentVersions: []DocumentVersionInfo{}, NextToken: next}
		for _, v := range all[lo:hi] {
			isDefault := v.Version == d.DefaultVersion
			info := DocumentVersionInfo{
				Name: d.Name, DisplayName: v.DisplayName, DocumentVersion: strconv.Itoa(v.Version), VersionName: v.VersionName,
				CreatedDate: v.Created, IsDefaultVersion: &isDefault, DocumentFormat: v.Format, Status: DocumentStatusActive,
			}
			if d.isChangeTemplate() {
				info.ReviewStatus = v.Review
			}
			out.DocumentVersions = append(out.DocumentVersions, info)
		}
		return nil
	})
	return out, err
}
