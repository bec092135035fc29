package ssm

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestCreateDescribeAndGetDocument(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := opsAs(cmAdmin, "eu-west-1")
	created := mustOK[*CreateDocumentResult](t)(f.svc.CreateDocument(ctx, &CreateDocumentRequest{
		Name: "RestartWeb", Content: cmRunbook, DocumentType: DocumentTypeAutomation, DocumentFormat: DocumentFormatYaml,
		VersionName: "v1.0", DisplayName: "Restart web", Tags: []Tag{{Key: "team", Value: "web"}},
	})).DocumentDescription
	if created.Status != "Creating" || created.DocumentVersion != "1" || created.Owner != cmAdmin {
		t.Fatalf("created: %+v", created)
	}
	d := mustOK[*DescribeDocumentResult](t)(f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: "RestartWeb"})).Document
	if d.Status != "Active" || d.DocumentType != "Automation" || d.DocumentFormat != "YAML" || d.SchemaVersion != "0.3" ||
		d.Description != "Restarts the web tier." || d.LatestVersion != "1" || d.DefaultVersion != "1" || d.VersionName != "v1.0" ||
		d.DisplayName != "Restart web" || d.HashType != "Sha256" || len(d.Hash) != 64 || d.ReviewStatus != "" ||
		len(d.Tags) != 1 || d.Tags[0].Value != "web" || !slices.Contains(d.PlatformTypes, "Linux") {
		t.Fatalf("described: %+v", d)
	}
	if len(d.Parameters) != 2 || d.Parameters[0].Name != "AutomationAssumeRole" || d.Parameters[1].Name != "Tier" ||
		d.Parameters[1].Type != "String" || d.Parameters[1].Description != "Which tier" {
		t.Fatalf("parameters: %+v", d.Parameters)
	}
	// By ARN and by version name.
	arn := "arn:aws:ssm:eu-west-1:" + cmAdmin + ":document/RestartWeb"
	mustOK[*DescribeDocumentResult](t)(f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: arn, VersionName: "v1.0"}))

	g := mustOK[*GetDocumentResult](t)(f.svc.GetDocument(ctx, &GetDocumentRequest{Name: "RestartWeb"}))
	if g.Content != cmRunbook || g.DocumentFormat != "YAML" || g.Status != "Active" {
		t.Fatalf("get: %+v", g)
	}
	g = mustOK[*GetDocumentResult](t)(f.svc.GetDocument(ctx, &GetDocumentRequest{Name: "RestartWeb", DocumentFormat: DocumentFormatJson}))
	var body map[string]any
	if err := json.Unmarshal([]byte(g.Content), &body); err != nil || body["schemaVersion"] != "0.3" || g.DocumentFormat != "JSON" {
		t.Fatalf("as JSON: %v\n%s", err, g.Content)
	}

	// Documents are per account and region.
	wantErr(t, "InvalidDocument", func() error {
		_, err := f.svc.DescribeDocument(opsAs(cmAdmin, "us-east-1"), &DescribeDocumentRequest{Name: "RestartWeb"})
		return err
	})
	wantErr(t, "InvalidDocument", func() error {
		_, err := f.svc.GetDocument(opsAs(cmMemberA, "eu-west-1"), &GetDocumentRequest{Name: arn})
		return err
	})
}

func TestCreateDocumentRefusals(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := opsAs(cmAdmin, "us-east-1")
	create := func(name, content string, typ DocumentType, format DocumentFormat) func() error {
		return func() error {
			_, err := f.svc.CreateDocument(ctx, &CreateDocumentRequest{Name: name, Content: content, DocumentType: typ, DocumentFormat: format})
			return err
		}
	}
	mustOK[*CreateDocumentResult](t)(f.svc.CreateDocument(ctx, &CreateDocumentRequest{Name: "Existing", Content: cmRunbook,
		DocumentType: DocumentTypeAutomation, DocumentFormat: DocumentFormatYaml}))
	for _, c := range []struct {
		code string
		fn   func() error
	}{
		{"InvalidDocumentContent", create("Broken", `{"schemaVersion": "0.3",`, DocumentTypeAutomation, "")},
		{"InvalidDocumentContent", create("Broken", "a: [1,\n", DocumentTypeAutomation, DocumentFormatYaml)},
		{"InvalidDocumentContent", create("Broken", `["not", "an", "object"]`, DocumentTypeCommand, "")},
		{"InvalidDocumentContent", create("NoSteps", `{"schemaVersion": "0.3"}`, DocumentTypeAutomation, "")},
		{"InvalidDocumentContent", create("NoSchema", `{"mainSteps": []}`, DocumentTypeAutomation, "")},
		{"InvalidDocumentSchemaVersion", create("OldSchema", `{"schemaVersion": "0.2", "mainSteps": [{"name": "a", "action": "aws:sleep"}]}`, DocumentTypeAutomation, "")},
		{"InvalidDocumentContent", create("Text", "plain", DocumentTypeAutomation, DocumentFormatText)},
		{"MaxDocumentSizeExceeded", create("Huge", `{"schemaVersion": "2.2", "description": "`+strings.Repeat("x", 70000)+`"}`, DocumentTypeCommand, "")},
		{"DocumentAlreadyExists", create("Existing", cmRunbook, DocumentTypeAutomation, DocumentFormatYaml)},
		{"ValidationException", create("AWS-Mine", cmRunbook, DocumentTypeAutomation, DocumentFormatYaml)},
		{"ValidationException", create("amazonThing", cmRunbook, DocumentTypeAutomation, DocumentFormatYaml)},
	} {
		wantErr(t, c.code, c.fn)
	}
	wantErr(t, "InvalidDocumentVersion", func() error {
		_, err := f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: "Existing", DocumentVersion: "2"})
		return err
	})
	wantErr(t, "InvalidDocumentVersion", func() error {
		_, err := f.svc.GetDocument(ctx, &GetDocumentRequest{Name: "Existing", VersionName: "nope"})
		return err
	})
}

func TestDocumentVersions(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := opsAs(cmAdmin, "us-east-1")
	cmd := func(text string) string {
		return `{"schemaVersion":"2.2","description":"` + text + `","mainSteps":[{"name":"run","action":"aws:runShellScript","inputs":{"runCommand":["echo ` + text + `"]}}]}`
	}
	mustOK[*CreateDocumentResult](t)(f.svc.CreateDocument(ctx, &CreateDocumentRequest{Name: "Echo", Content: cmd("one"), VersionName: "one"}))
	up := mustOK[*UpdateDocumentResult](t)(f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "Echo", Content: cmd("two"), VersionName: "two", DocumentVersion: "$LATEST"})).DocumentDescription
	if up.DocumentVersion != "2" || up.LatestVersion != "2" || up.DefaultVersion != "1" || up.Status != "Updating" ||
		up.DocumentType != "Command" || !slices.Equal(up.PlatformTypes, []PlatformType{"Linux", "MacOS"}) {
		t.Fatalf("updated: %+v", up)
	}
	wantErr(t, "DuplicateDocumentContent", func() error {
		_, err := f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "Echo", Content: cmd("two")})
		return err
	})
	wantErr(t, "DuplicateDocumentVersionName", func() error {
		_, err := f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "Echo", Content: cmd("three"), VersionName: "one"})
		return err
	})
	wantErr(t, "InvalidDocumentVersion", func() error {
		_, err := f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "Echo", Content: cmd("three"), DocumentVersion: "1"})
		return err
	})
	wantErr(t, "InvalidDocument", func() error {
		_, err := f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "AWS-HelloWorld", Content: cmd("three")})
		return err
	})
	if d := mustOK[*DescribeDocumentResult](t)(f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: "Echo"})).Document; d.Description != "one" {
		t.Fatalf("the default version is still 1: %+v", d)
	}
	def := mustOK[*UpdateDocumentDefaultVersionResult](t)(f.svc.UpdateDocumentDefaultVersion(ctx, &UpdateDocumentDefaultVersionRequest{Name: "Echo", DocumentVersion: "2"}))
	if def.Description.DefaultVersion != "2" || def.Description.DefaultVersionName != "two" {
		t.Fatalf("default: %+v", def.Description)
	}
	if d := mustOK[*DescribeDocumentResult](t)(f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: "Echo"})).Document; d.Description != "two" {
		t.Fatalf("the default version is now 2: %+v", d)
	}
	versions := mustOK[*ListDocumentVersionsResult](t)(f.svc.ListDocumentVersions(ctx, &ListDocumentVersionsRequest{Name: "Echo"})).DocumentVersions
	if len(versions) != 2 || *versions[0].IsDefaultVersion || !*versions[1].IsDefaultVersion || versions[1].VersionName != "two" {
		t.Fatalf("versions: %+v", versions)
	}
	wantErr(t, "InvalidDocumentOperation", func() error {
		_, err := f.svc.DeleteDocument(ctx, &DeleteDocumentRequest{Name: "Echo", DocumentVersion: "2"})
		return err
	})
	mustOK[*DeleteDocumentResult](t)(f.svc.DeleteDocument(ctx, &DeleteDocumentRequest{Name: "Echo", VersionName: "one"}))
	versions = mustOK[*ListDocumentVersionsResult](t)(f.svc.ListDocumentVersions(ctx, &ListDocumentVersionsRequest{Name: "Echo"})).DocumentVersions
	if len(versions) != 1 || versions[0].DocumentVersion != "2" {
		t.Fatalf("after deleting version 1: %+v", versions)
	}
	mustOK[*DeleteDocumentResult](t)(f.svc.DeleteDocument(ctx, &DeleteDocumentRequest{Name: "Echo"}))
	wantErr(t, "InvalidDocument", func() error {
		_, err := f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: "Echo"})
		return err
	})
}

func TestListDocuments(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := f.setupChange(t, cmAdmin, false, false)
	mustOK[*CreateDocumentResult](t)(f.svc.CreateDocument(ctx, &CreateDocumentRequest{Name: "Echo", Tags: []Tag{{Key: "team", Value: "ops"}},
		Content: `{"schemaVersion":"2.2","mainSteps":[{"name":"run","action":"aws:runPowerShellScript"}]}`}))
	names := func(in *ListDocumentsRequest) []string {
		t.Helper()
		var out []string
		for {
			res := mustOK[*ListDocumentsResult](t)(f.svc.ListDocuments(ctx, in))
			for _, id := range res.DocumentIdentifiers {
				out = append(out, id.Name)
			}
			if res.NextToken == "" {
				return out
			}
			in.NextToken = res.NextToken
		}
	}
	one := int32(1)
	for _, c := range []struct {
		in   *ListDocumentsRequest
		want []string
	}{
		{&ListDocumentsRequest{}, []string{"AWS-HelloWorld", "AWS-HelloWorldChangeTemplate", "Echo", "RestartWeb", "WebChange"}},
		{&ListDocumentsRequest{MaxResults: &one}, []string{"AWS-HelloWorld", "AWS-HelloWorldChangeTemplate", "Echo", "RestartWeb", "WebChange"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "Owner", Values: []string{"Self"}}}}, []string{"Echo", "RestartWeb", "WebChange"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "Owner", Values: []string{"Amazon"}}}}, []string{"AWS-HelloWorld", "AWS-HelloWorldChangeTemplate"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "DocumentType", Values: []string{"Automation.ChangeTemplate"}}}}, []string{"AWS-HelloWorldChangeTemplate", "WebChange"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "DocumentType", Values: []string{"Automation", "Command"}}, {Key: "Owner", Values: []string{"Self"}}}}, []string{"Echo", "RestartWeb"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "Name", Values: []string{"Re"}}}}, []string{"RestartWeb"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "tag:team", Values: []string{"ops"}}}}, []string{"Echo"}},
		{&ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "PlatformTypes", Values: []string{"Windows"}}, {Key: "Owner", Values: []string{"Self"}}}}, []string{"Echo", "RestartWeb", "WebChange"}},
		{&ListDocumentsRequest{DocumentFilterList: []DocumentFilter{{Key: "DocumentType", Value: "Command"}}}, []string{"Echo"}},
	} {
		if got := names(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.in.Filters, got, c.want)
		}
	}
	ids := mustOK[*ListDocumentsResult](t)(f.svc.ListDocuments(ctx, &ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "Name", Values: []string{"WebChange"}}}})).DocumentIdentifiers
	if len(ids) != 1 || ids[0].ReviewStatus != "NOT_REVIEWED" || ids[0].Owner != cmAdmin || ids[0].DocumentVersion != "1" || ids[0].SchemaVersion != "0.3" {
		t.Fatalf("identifier: %+v", ids)
	}
	wantErr(t, "InvalidFilterKey", func() error {
		_, err := f.svc.ListDocuments(ctx, &ListDocumentsRequest{Filters: []DocumentKeyValuesFilter{{Key: "Colour", Values: []string{"red"}}}})
		return err
	})
	wantErr(t, "InvalidNextToken", func() error {
		_, err := f.svc.ListDocuments(ctx, &ListDocumentsRequest{NextToken: "bogus"})
		return err
	})
}
