package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// SSM documents. A document belongs to the account and region that
// created it; each version is stored apart. Store layout:
//
//	ssm/<account>/<region>/document/<name>              docRecord
//	ssm/<account>/<region>/docversion/<name>/<%010d>    docVersionRecord
//
// Documents are created Active at once: CreateDocument and UpdateDocument
// answer Creating and Updating as AWS does, and every later read says
// Active. Sharing (ModifyDocumentPermission) is not implemented, so a
// document ARN must name the caller's own account and region.
const (
	kindDocument   = "document/"
	kindDocVersion = "docversion/"
)

// Limits AWS documents for documents.
const (
	maxDocuments        = 500
	maxDocumentVersions = 1000
)

// docRecord is a stored document: what all its versions share.
type docRecord struct {
	Name            string
	Owner           string // the owning account, or "Amazon"
	Type            DocumentType
	TargetType      string
	Tags            []Tag
	Requires        []DocumentRequires
	Created         time.Time
	Author          string
	DefaultVersion  int
	LatestVersion   int
	ApprovedVersion int // change templates: the version approved for use
	PendingVersion  int // change templates: the version under review
}

// docVersionRecord is one version of a document.
type docVersionRecord struct {
	Version     int
	VersionName string
	DisplayName string
	Content     string
	Format      DocumentFormat
	Created     time.Time
	Review      ReviewStatus // change templates only
	Reviews     []docReview
}

// docReview is one response in a change template version's review
// history (ListDocumentMetadataHistory).
type docReview struct {
	Status   ReviewStatus
	Comment  []DocumentReviewCommentSource
	Reviewer string
	Created  time.Time
	Updated  time.Time
}

func docKey(account, region, name string) string {
	return opsDataPrefix(account, region) + kindDocument + name
}

func docVersionPrefix(account, region, name string) string {
	return opsDataPrefix(account, region) + kindDocVersion + name + "/"
}

func docVersionKey(account, region, name string, v int) string {
	return docVersionPrefix(account, region, name) + fmt.Sprintf("%010d", v)
}

func errNoDocument() error { return newErr("InvalidDocument", "") }

func errDocVersion() error { return newErr("InvalidDocumentVersion", "") }

// docName turns a name or a document ARN of account and region into a
// name; an ARN of another account or region gives ok false.
func docName(account, region, nameOrARN string) (string, bool) {
	if !strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN, true
	}
	a, err := orgstack.ParseARN(nameOrARN)
	if err != nil || a.Service != "ssm" || a.AccountID != account || a.Region != region || !strings.HasPrefix(a.Resource, "document/") {
		return "", false
	}
	return strings.TrimPrefix(a.Resource, "document/"), true
}

// loadDoc reads a document of account and region by name or ARN, or one
// of AWS's own when withAWS is set; a missing one is InvalidDocument.
func loadDoc(tx store.Tx, account, region, nameOrARN string, withAWS bool) (*docRecord, error) {
	name, ok := docName(account, region, nameOrARN)
	if !ok {
		return nil, errNoDocument()
	}
	if withAWS {
		if d, _, ok := awsDocument(name); ok {
			return d, nil
		}
	}
	var d docRecord
	err := store.GetJSON(tx, docKey(account, region, name), &d)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoDocument()
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// loadDocVersion reads version v of d, or InvalidDocumentVersion.
func loadDocVersion(tx store.Tx, account, region string, d *docRecord, v int) (*docVersionRecord, error) {
	if d.Owner == awsOwner {
		_, versions, _ := awsDocument(d.Name)
		if v >= 1 && v <= len(versions) {
			return versions[v-1], nil
		}
		return nil, errDocVersion()
	}
	var r docVersionRecord
	err := store.GetJSON(tx, docVersionKey(account, region, d.Name, v), &r)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDocVersion()
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// loadDocVersions reads every version of d, oldest first.
func loadDocVersions(tx store.Tx, account, region string, d *docRecord) ([]*docVersionRecord, error) {
	if d.Owner == awsOwner {
		_, versions, _ := awsDocument(d.Name)
		return versions, nil
	}
	var out []*docVersionRecord
	err := tx.Scan(docVersionPrefix(account, region, d.Name), "", func(_ string, b []byte) (bool, error) {
		var r docVersionRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return false, err
		}
		out = append(out, &r)
		return true, nil
	})
	return out, err
}

// resolveDocVersion finds the version a request names: a number, $LATEST
// or $DEFAULT (the default version when empty), and/or a version name,
// which must agree. Anything else is InvalidDocumentVersion.
func resolveDocVersion(tx store.Tx, account, region string, d *docRecord, version, versionName string) (*docVersionRecord, error) {
	if versionName != "" {
		all, err := loadDocVersions(tx, account, region, d)
		if err != nil {
			return nil, err
		}
		for _, v := range all {
			if v.VersionName == versionName {
				if version != "" && docVersionNumber(d, version) != v.Version {
					return nil, errDocVersion()
				}
				return v, nil
			}
		}
		return nil, errDocVersion()
	}
	n := docVersionNumber(d, version)
	if n == 0 {
		return nil, errDocVersion()
	}
	return loadDocVersion(tx, account, region, d, n)
}

// docVersionNumber reads a DocumentVersion value: "", $DEFAULT, $LATEST or
// a number; 0 when it is none of them.
func docVersionNumber(d *docRecord, version string) int {
	switch version {
	case "", "$DEFAULT":
		return d.DefaultVersion
	case "$LATEST":
		return d.LatestVersion
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func putDoc(tx store.Tx, account, region string, d *docRecord) error {
	return store.PutJSON(tx, docKey(account, region, d.Name), d)
}

func putDocVersion(tx store.Tx, account, region, name string, v *docVersionRecord) error {
	return store.PutJSON(tx, docVersionKey(account, region, name, v.Version), v)
}

// isChangeTemplate reports whether versions of d are reviewed.
func (d *docRecord) isChangeTemplate() bool { return d.Type == DocumentTypeAutomationChangeTemplate }

// description is DescribeDocument's view of version v, with status.
func (d *docRecord) description(v *docVersionRecord, status DocumentStatus) *DocumentDescription {
	c, _ := readDocContent(d.Type, v.Format, v.Content)
	if c == nil {
		c = &docContent{}
	}
	out := &DocumentDescription{
		Hash: contentHash(v.Content), HashType: DocumentHashTypeSha256, Name: d.Name, DisplayName: v.DisplayName,
		VersionName: v.VersionName, Owner: d.Owner, CreatedDate: v.Created, Status: status,
		DocumentVersion: strconv.Itoa(v.Version), Description: c.description, Parameters: c.parameters,
		PlatformTypes: c.platforms, DocumentType: d.Type, SchemaVersion: c.schemaVersion,
		LatestVersion: strconv.Itoa(d.LatestVersion), DefaultVersion: strconv.Itoa(d.DefaultVersion),
		DocumentFormat: v.Format, TargetType: d.TargetType, Tags: append([]Tag{}, d.Tags...), Requires: d.Requires,
		Author: d.Author,
	}
	if d.isChangeTemplate() {
		out.ReviewStatus = v.Review
		out.ApprovedVersion = versionText(d.ApprovedVersion)
		out.PendingReviewVersion = versionText(d.PendingVersion)
		for _, r := range v.Reviews {
			if r.Status == ReviewStatusApproved || r.Status == ReviewStatusRejected {
				out.ReviewInformation = append(out.ReviewInformation, ReviewInformation{ReviewedTime: r.Updated, Status: r.Status, Reviewer: r.Reviewer})
			}
		}
	}
	return out
}

func versionText(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

// reservedDocPrefix reports whether name starts with a prefix AWS keeps
// for its own documents.
func reservedDocPrefix(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "aws") || strings.HasPrefix(l, "amazon") || strings.HasPrefix(l, "amzn")
}

// CreateDocument creates version 1 of a document in the caller's account
// and region, its default and latest version. DocumentType defaults to
// Command and DocumentFormat to JSON; the content is checked by
// readDocContent and kept as sent. A change template
// (Automation.ChangeTemplate) starts NOT_REVIEWED: it cannot be used in a
// change request until a version is approved (UpdateDocumentMetadata).
// Errors: DocumentAlreadyExists, DocumentLimitExceeded (500 documents),
// InvalidDocumentContent, InvalidDocumentSchemaVersion,
// MaxDocumentSizeExceeded, and ValidationException for a reserved name
// prefix.
func (s *Service) CreateDocument(ctx context.Context, in *CreateDocumentRequest) (*CreateDocumentResult, error) {
	if reservedDocPrefix(in.Name) {
		return nil, newErr("ValidationException", "The document name can't begin with aws, amazon or amzn; these prefixes are reserved.") // unconfirmed
	}
	typ := in.DocumentType
	if typ == "" {
		typ = DocumentTypeCommand
	}
	format := formatOrJSON(in.DocumentFormat)
	if _, err := readDocContent(typ, format, in.Content); err != nil {
		return nil, err
	}
	var out *CreateDocumentResult
	err := s.write(ctx, func(sc *scope) error {
		if ok, err := store.Exists(sc.tx, docKey(sc.account, sc.region, in.Name)); err != nil {
			return err
		} else if ok {
			return newErr("DocumentAlreadyExists", "Document with same name "+in.Name+" already exists") // unconfirmed
		}
		n := 0
		if err := sc.tx.Scan(sc.prefix()+kindDocument, "", func(string, []byte) (bool, error) { n++; return true, nil }); err != nil {
			return err
		}
		if n >= maxDocuments {
			return newErr("DocumentLimitExceeded", "")
		}
		d := &docRecord{
			Name: in.Name, Owner: sc.account, Type: typ, TargetType: in.TargetType, Tags: in.Tags, Requires: in.Requires,
			Created: sc.now, Author: sc.caller.ARN, DefaultVersion: 1, LatestVersion: 1,
		}
		v := &docVersionRecord{Version: 1, VersionName: in.VersionName, DisplayName: in.DisplayName, Content: in.Content, Format: format, Created: sc.now}
		if d.isChangeTemplate() {
			v.Review = ReviewStatusNotReviewed
		}
		if err := putDoc(sc.tx, sc.account, sc.region, d); err != nil {
			return err
		}
		if err := putDocVersion(sc.tx, sc.account, sc.region, d.Name, v); err != nil {
			return err
		}
		out = &CreateDocumentResult{DocumentDescription: d.description(v, DocumentStatusCreating)}
		return nil
	})
	return out, err
}

// DescribeDocument describes a version of a document (the default one
// unless DocumentVersion or VersionName says otherwise), including the
// review status of change templates. Errors: InvalidDocument,
// InvalidDocumentVersion.
func (s *Service) DescribeDocument(ctx context.Context, in *DescribeDocumentRequest) (*DescribeDocumentResult, error) {
	var out *DescribeDocumentResult
	err := s.read(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, true)
		if err != nil {
			return err
		}
		v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, in.DocumentVersion, in.VersionName)
		if err != nil {
			return err
		}
		out = &DescribeDocumentResult{Document: d.description(v, DocumentStatusActive)}
		return nil
	})
	return out, err
}

// GetDocument returns the content of a version of a document, converted
// to DocumentFormat when that differs from the stored format. Errors:
// InvalidDocument, InvalidDocumentVersion.
func (s *Service) GetDocument(ctx context.Context, in *GetDocumentRequest) (*GetDocumentResult, error) {
	var out *GetDocumentResult
	err := s.read(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, true)
		if err != nil {
			return err
		}
		v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, in.DocumentVersion, in.VersionName)
		if err != nil {
			return err
		}
		format := v.Format
		if in.DocumentFormat != "" {
			format = in.DocumentFormat
		}
		content, err := convertDocContent(v.Content, v.Format, format)
		if err != nil {
			return err
		}
		out = &GetDocumentResult{
			Name: d.Name, CreatedDate: v.Created, DisplayName: v.DisplayName, VersionName: v.VersionName,
			DocumentVersion: strconv.Itoa(v.Version), Status: DocumentStatusActive, Content: content,
			DocumentType: d.Type, DocumentFormat: format, Requires: d.Requires,
		}
		if d.isChangeTemplate() {
			out.ReviewStatus = v.Review
		}
		return nil
	})
	return out, err
}

// UpdateDocument adds a new latest version to a document of the caller's
// (the default version stays). DocumentVersion, if given, must name the
// latest version; DocumentFormat defaults to JSON; DisplayName defaults to
// the latest version's. A new change template version is NOT_REVIEWED.
// Errors: InvalidDocument, InvalidDocumentVersion,
// DuplicateDocumentContent (same content as the latest version),
// DuplicateDocumentVersionName, DocumentVersionLimitExceeded, and the
// content errors of CreateDocument.
func (s *Service) UpdateDocument(ctx context.Context, in *UpdateDocumentRequest) (*UpdateDocumentResult, error) {
	var out *UpdateDocumentResult
	err := s.write(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, false)
		if err != nil {
			return err
		}
		if in.DocumentVersion != "" && docVersionNumber(d, in.DocumentVersion) != d.LatestVersion {
			return newErr("InvalidDocumentVersion", "You can only update the latest version of a document, version "+strconv.Itoa(d.LatestVersion)+".") // unconfirmed
		}
		format := formatOrJSON(in.DocumentFormat)
		if _, err := readDocContent(d.Type, format, in.Content); err != nil {
			return err
		}
		all, err := loadDocVersions(sc.tx, sc.account, sc.region, d)
		if err != nil {
			return err
		}
		if len(all) >= maxDocumentVersions {
			return newErr("DocumentVersionLimitExceeded", "")
		}
		latest, err := loadDocVersion(sc.tx, sc.account, sc.region, d, d.LatestVersion)
		if err != nil {
			return err
		}
		if latest.Content == in.Content {
			return newErr("DuplicateDocumentContent", "The content of the document matches the latest version, "+strconv.Itoa(latest.Version)+".") // unconfirmed
		}
		for _, v := range all {
			if in.VersionName != "" && v.VersionName == in.VersionName {
				return newErr("DuplicateDocumentVersionName", "")
			}
		}
		v := &docVersionRecord{Version: d.LatestVersion + 1, VersionName: in.VersionName, DisplayName: in.DisplayName,
			Content: in.Content, Format: format, Created: sc.now}
		if v.DisplayName == "" {
			v.DisplayName = latest.DisplayName
		}
		if d.isChangeTemplate() {
			v.Review = ReviewStatusNotReviewed
		}
		d.LatestVersion = v.Version
		if in.TargetType != "" {
			d.TargetType = in.TargetType
		}
		if err := putDoc(sc.tx, sc.account, sc.region, d); err != nil {
			return err
		}
		if err := putDocVersion(sc.tx, sc.account, sc.region, d.Name, v); err != nil {
			return err
		}
		out = &UpdateDocumentResult{DocumentDescription: d.description(v, DocumentStatusUpdating)}
		return nil
	})
	return out, err
}

// DeleteDocument deletes one version of a document of the caller's
// (DocumentVersion or VersionName), or the whole document when neither is
// given. The default version can only go with the whole document
// (InvalidDocumentOperation). Errors: InvalidDocument,
// InvalidDocumentVersion, InvalidDocumentOperation.
func (s *Service) DeleteDocument(ctx context.Context, in *DeleteDocumentRequest) (*DeleteDocumentResult, error) {
	err := s.write(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, false)
		if err != nil {
			return err
		}
		all, err := loadDocVersions(sc.tx, sc.account, sc.region, d)
		if err != nil {
			return err
		}
		if in.DocumentVersion == "" && in.VersionName == "" {
			for _, v := range all {
				if err := sc.tx.Delete(docVersionKey(sc.account, sc.region, d.Name, v.Version)); err != nil {
					return err
				}
			}
			return sc.tx.Delete(docKey(sc.account, sc.region, d.Name))
		}
		v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, in.DocumentVersion, in.VersionName)
		if err != nil {
			return err
		}
		if v.Version == d.DefaultVersion {
			return newErr("InvalidDocumentOperation", "You can't delete the default version of a document. Set another default version first, or delete the document.") // unconfirmed
		}
		if err := sc.tx.Delete(docVersionKey(sc.account, sc.region, d.Name, v.Version)); err != nil {
			return err
		}
		if d.LatestVersion == v.Version {
			d.LatestVersion = 0
			for _, o := range all {
				if o.Version != v.Version {
					d.LatestVersion = max(d.LatestVersion, o.Version)
				}
			}
		}
		if d.ApprovedVersion == v.Version {
			d.ApprovedVersion = 0
		}
		if d.PendingVersion == v.Version {
			d.PendingVersion = 0
		}
		return putDoc(sc.tx, sc.account, sc.region, d)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteDocumentResult{}, nil
}

// UpdateDocumentDefaultVersion makes a version of a document of the
// caller's its default version. Errors: InvalidDocument,
// InvalidDocumentVersion.
func (s *Service) UpdateDocumentDefaultVersion(ctx context.Context, in *UpdateDocumentDefaultVersionRequest) (*UpdateDocumentDefaultVersionResult, error) {
	var out *UpdateDocumentDefaultVersionResult
	err := s.write(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, false)
		if err != nil {
			return err
		}
		v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, in.DocumentVersion, "")
		if err != nil {
			return err
		}
		d.DefaultVersion = v.Version
		out = &UpdateDocumentDefaultVersionResult{Description: &DocumentDefaultVersionDescription{
			Name: d.Name, DefaultVersion: strconv.Itoa(v.Version), DefaultVersionName: v.VersionName}}
		return putDoc(sc.tx, sc.account, sc.region, d)
	})
	return out, err
}
