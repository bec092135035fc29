package auditmanager

import (
	"context"
	"regexp"
	"testing"

	"github.com/orgstack/orgstack"
)

var uuidRE = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)

func TestControlLifecycle(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	ctx := as(fixtureOutsider)

	c := f.apiControl(t, fixtureOutsider, "Roles are reviewed", "iam_ListRoles")
	if !uuidRE.MatchString(c.Id) || c.Arn != "arn:aws:auditmanager:us-east-1:"+fixtureOutsider+":control/"+c.Id {
		t.Fatalf("id %q arn %q", c.Id, c.Arn)
	}
	if c.Type != ControlTypeCustom || c.State != ControlStateActive || c.ControlSources != "AWS API calls" || c.Tags == nil || c.CreatedBy != "root" {
		t.Fatalf("control %+v", c)
	}
	src := c.ControlMappingSources[0]
	if !uuidRE.MatchString(src.SourceId) || src.SourceSetUpOption != SourceSetUpOptionSystemControlsMapping || src.SourceFrequency != SourceFrequencyDaily {
		t.Fatalf("source %+v", src)
	}

	got, err := f.am.GetControl(ctx, &GetControlRequest{ControlId: c.Id})
	if err != nil || got.Control.Name != c.Name || got.Control.ControlMappingSources[0].SourceKeyword.KeywordValue != "iam_ListRoles" {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := f.am.ListControls(ctx, &ListControlsRequest{ControlType: ControlTypeCustom})
	if err != nil || len(list.ControlMetadataList) != 1 || list.ControlMetadataList[0].Id != c.Id || list.ControlMetadataList[0].ControlSources != "AWS API calls" {
		t.Fatalf("list custom: %+v %v", list, err)
	}
	for _, typ := range []ControlType{ControlTypeStandard, ControlTypeCore} {
		list, err := f.am.ListControls(ctx, &ListControlsRequest{ControlType: typ})
		if err != nil || list.ControlMetadataList == nil || len(list.ControlMetadataList) != 0 {
			t.Fatalf("list %s: %+v %v", typ, list, err)
		}
	}
	if list, _ := f.am.ListControls(ctx, &ListControlsRequest{ControlType: ControlTypeCustom, ControlCatalogId: "arn:aws:controlcatalog:::domain/x"}); len(list.ControlMetadataList) != 0 {
		t.Fatalf("a catalog resource lists no custom control: %+v", list)
	}

	// The source named by its id keeps it; a new one gets a new id.
	up, err := f.am.UpdateControl(ctx, &UpdateControlRequest{
		ControlId: c.Id, Name: "Roles and users are reviewed",
		ControlMappingSources: []ControlMappingSource{
			{SourceId: src.SourceId, SourceName: "roles", SourceType: SourceTypeAWSAPICall, SourceFrequency: SourceFrequencyWeekly,
				SourceKeyword: &SourceKeyword{KeywordInputType: KeywordInputTypeSelectFromList, KeywordValue: "iam_ListRoles"}},
			{SourceName: "evidence upload", SourceType: SourceTypeManual,
				SourceKeyword: &SourceKeyword{KeywordInputType: KeywordInputTypeUploadFile, KeywordValue: "review-minutes"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srcs := up.Control.ControlMappingSources
	if len(srcs) != 2 || srcs[0].SourceId != src.SourceId || srcs[1].SourceId == src.SourceId || !uuidRE.MatchString(srcs[1].SourceId) ||
		srcs[1].SourceSetUpOption != SourceSetUpOptionProceduralControlsMapping || srcs[0].SourceFrequency != SourceFrequencyWeekly {
		t.Fatalf("updated sources %+v", srcs)
	}
	if up.Control.ControlSources != "AWS API calls, Manual" || up.Control.Name != "Roles and users are reviewed" || !up.Control.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("updated %+v", up.Control)
	}

	if _, err := f.am.DeleteControl(ctx, &DeleteControlRequest{ControlId: c.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = f.am.GetControl(ctx, &GetControlRequest{ControlId: c.Id})
	e := wantError(t, err, "ResourceNotFoundException")
	if e.Fields["resourceId"] != c.Id || e.Fields["resourceType"] != resourceControl || e.Message != msgNoSuchResource || e.HTTPStatus() != 404 {
		t.Fatalf("not found: %+v", e)
	}
	_, err = f.am.DeleteControl(ctx, &DeleteControlRequest{ControlId: c.Id})
	wantError(t, err, "ResourceNotFoundException")
}

func TestControlSourceValidation(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	for name, src := range map[string]CreateControlMappingSource{
		"automated without keyword": {SourceName: "a", SourceType: SourceTypeAWSConfig},
		"automated typed keyword": {SourceName: "a", SourceType: SourceTypeAWSCloudtrail,
			SourceKeyword: &SourceKeyword{KeywordInputType: KeywordInputTypeInputText, KeywordValue: "x"}},
		"manual from list": {SourceName: "m", SourceType: SourceTypeManual,
			SourceKeyword: &SourceKeyword{KeywordInputType: KeywordInputTypeSelectFromList, KeywordValue: "x"}},
		"wrong set-up option": {SourceName: "m", SourceType: SourceTypeManual, SourceSetUpOption: SourceSetUpOptionSystemControlsMapping},
		"no name":             {SourceType: SourceTypeManual},
		"no type":             {SourceName: "m"},
	} {
		_, err := f.am.CreateControl(as(fixtureOutsider), &CreateControlRequest{Name: "c", ControlMappingSources: []CreateControlMappingSource{src}})
		if e := wantError(t, err, "ValidationException"); e.Fields["reason"] != "fieldValidationFailed" {
			t.Errorf("%s: %+v", name, e)
		}
	}
	out, err := f.am.CreateControl(as(fixtureOutsider), &CreateControlRequest{Name: "manual", ControlMappingSources: []CreateControlMappingSource{
		{SourceName: "m", SourceType: SourceTypeManual}}})
	if err != nil || out.Control.ControlMappingSources[0].SourceSetUpOption != SourceSetUpOptionProceduralControlsMapping || out.Control.ControlSources != "Manual" {
		t.Fatalf("manual: %+v %v", out, err)
	}
}

func TestLibraryListingsPage(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	f.register(t, fixtureMgmt, "")
	ctx := as(fixtureOutsider)
	var ids []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		ids = append(ids, f.apiControl(t, fixtureOutsider, n, "iam_ListUsers").Id)
	}
	f.framework(t, fixtureOutsider, "fw", ids[0])
	two := int32(2)
	seen := map[string]bool{}
	token, pages := "", 0
	for {
		out, err := f.am.ListControls(ctx, &ListControlsRequest{ControlType: ControlTypeCustom, MaxResults: &two, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range out.ControlMetadataList {
			seen[c.Id] = true
		}
		if out.NextToken == "" {
			break
		}
		if !regexp.MustCompile(`^[A-Za-z0-9+/=]+$`).MatchString(out.NextToken) {
			t.Fatalf("token %q breaks the model's pattern", out.NextToken)
		}
		token = out.NextToken
	}
	if pages != 3 || len(seen) != 5 {
		t.Fatalf("%d pages, %d controls", pages, len(seen))
	}

	first, err := f.am.ListControls(ctx, &ListControlsRequest{ControlType: ControlTypeCustom, MaxResults: &two})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"garbage": func() error {
			_, err := f.am.ListControls(ctx, &ListControlsRequest{ControlType: ControlTypeCustom, NextToken: "bm90IGEgdG9rZW4="})
			return err
		},
		"another listing": func() error {
			_, err := f.am.ListAssessmentFrameworks(ctx, &ListAssessmentFrameworksRequest{FrameworkType: FrameworkTypeCustom, NextToken: first.NextToken})
			return err
		},
		"another type": func() error {
			_, err := f.am.ListControls(ctx, &ListControlsRequest{ControlType: ControlTypeStandard, NextToken: first.NextToken})
			return err
		},
		"another account": func() error {
			_, err := f.am.ListControls(as(fixtureMgmt), &ListControlsRequest{ControlType: ControlTypeCustom, NextToken: first.NextToken})
			return err
		},
	} {
		if e := wantError(t, call(), "ValidationException"); e.Fields["reason"] != "fieldValidationFailed" {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

func TestLibraryBelongsToAccountAndRegion(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	c := f.apiControl(t, fixtureOutsider, "mine", "iam_ListRoles")

	// An unregistered account gets AccessDeniedException from every
	// library operation.
	_, err := f.am.ListControls(as(fixtureMgmt), &ListControlsRequest{ControlType: ControlTypeCustom})
	if e := wantError(t, err, "AccessDeniedException"); e.Message != "Your account isn't registered with Audit Manager." {
		t.Fatalf("message %q", e.Message)
	}
	_, err = f.am.CreateAssessmentFramework(as(fixtureMgmt), &CreateAssessmentFrameworkRequest{Name: "x"})
	wantError(t, err, "AccessDeniedException")
	_, err = f.am.ListAssessments(as(fixtureMgmt), &ListAssessmentsRequest{})
	wantError(t, err, "AccessDeniedException")

	f.register(t, fixtureMgmt, "")
	_, err = f.am.GetControl(as(fixtureMgmt), &GetControlRequest{ControlId: c.Id})
	wantError(t, err, "ResourceNotFoundException")
	_, err = f.am.CreateAssessmentFramework(as(fixtureMgmt), &CreateAssessmentFrameworkRequest{Name: "theirs",
		ControlSets: []CreateAssessmentFrameworkControlSet{{Name: "s", Controls: []CreateAssessmentFrameworkControl{{Id: c.Id}}}}})
	if e := wantError(t, err, "ResourceNotFoundException"); e.Fields["resourceId"] != c.Id {
		t.Fatalf("%+v", e)
	}

	west := orgstack.WithCaller(context.Background(), orgstack.RootCaller(fixtureOutsider, "eu-west-1"))
	if _, err := f.am.RegisterAccount(west, &RegisterAccountRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err = f.am.GetControl(west, &GetControlRequest{ControlId: c.Id})
	wantError(t, err, "ResourceNotFoundException")
	cn := orgstack.WithCaller(context.Background(), orgstack.RootCaller(fixtureOutsider, "cn-north-1"))
	if _, err := f.am.RegisterAccount(cn, &RegisterAccountRequest{}); err != nil {
		t.Fatal(err)
	}
	out, err := f.am.CreateControl(cn, &CreateControlRequest{Name: "cn", ControlMappingSources: []CreateControlMappingSource{{SourceName: "m", SourceType: SourceTypeManual}}})
	if err != nil || out.Control.Arn != "arn:aws-cn:auditmanager:cn-north-1:"+fixtureOutsider+":control/"+out.Control.Id {
		t.Fatalf("%+v %v", out, err)
	}
}
