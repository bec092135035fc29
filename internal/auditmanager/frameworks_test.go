package auditmanager

import (
	"testing"
)

func TestFrameworkLifecycle(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	ctx := as(fixtureOutsider)
	roles := f.apiControl(t, fixtureOutsider, "roles", "iam_ListRoles")
	manual, err := f.am.CreateControl(ctx, &CreateControlRequest{Name: "minutes", ControlMappingSources: []CreateControlMappingSource{
		{SourceName: "upload", SourceType: SourceTypeManual}}})
	if err != nil {
		t.Fatal(err)
	}

	_, err = f.am.CreateAssessmentFramework(ctx, &CreateAssessmentFrameworkRequest{Name: "bad", ControlSets: []CreateAssessmentFrameworkControlSet{
		{Name: "s", Controls: []CreateAssessmentFrameworkControl{{Id: "00000000-0000-4000-8000-000000000000"}}}}})
	if e := wantError(t, err, "ResourceNotFoundException"); e.Fields["resourceType"] != resourceControl {
		t.Fatalf("%+v", e)
	}
	_, err = f.am.CreateAssessmentFramework(ctx, &CreateAssessmentFrameworkRequest{Name: "dup", ControlSets: []CreateAssessmentFrameworkControlSet{
		{Name: "s", Controls: []CreateAssessmentFrameworkControl{{Id: roles.Id}}}, {Name: "s", Controls: []CreateAssessmentFrameworkControl{{Id: roles.Id}}}}})
	wantError(t, err, "ValidationException")

	created, err := f.am.CreateAssessmentFramework(ctx, &CreateAssessmentFrameworkRequest{
		Name: "Access reviews", Description: "Who has access", ComplianceType: "SOC 2", Tags: map[string]string{"team": "audit"},
		ControlSets: []CreateAssessmentFrameworkControlSet{
			{Name: "Identities", Controls: []CreateAssessmentFrameworkControl{{Id: roles.Id}, {Id: roles.Id}}},
			{Name: "Meetings", Controls: []CreateAssessmentFrameworkControl{{Id: manual.Control.Id}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	fw := created.Framework
	if !uuidRE.MatchString(fw.Id) || fw.Arn != "arn:aws:auditmanager:us-east-1:"+fixtureOutsider+":assessmentFramework/"+fw.Id ||
		fw.Type != FrameworkTypeCustom || fw.ControlSources != "AWS API calls, Manual" || fw.Tags["team"] != "audit" {
		t.Fatalf("framework %+v", fw)
	}
	if len(fw.ControlSets) != 2 || fw.ControlSets[0].Id != "Identities" || fw.ControlSets[0].Name != "Identities" ||
		len(fw.ControlSets[0].Controls) != 1 || fw.ControlSets[0].Controls[0].Id != roles.Id || fw.ControlSets[0].Controls[0].Type != ControlTypeCustom {
		t.Fatalf("control sets %+v", fw.ControlSets)
	}

	got, err := f.am.GetAssessmentFramework(ctx, &GetAssessmentFrameworkRequest{FrameworkId: fw.Id})
	if err != nil || got.Framework.Name != "Access reviews" || got.Framework.ComplianceType != "SOC 2" {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := f.am.ListAssessmentFrameworks(ctx, &ListAssessmentFrameworksRequest{FrameworkType: FrameworkTypeCustom})
	if err != nil || len(list.FrameworkMetadataList) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if m := list.FrameworkMetadataList[0]; m.Id != fw.Id || *m.ControlsCount != 2 || *m.ControlSetsCount != 2 || m.Type != FrameworkTypeCustom {
		t.Fatalf("metadata %+v", m)
	}
	std, err := f.am.ListAssessmentFrameworks(ctx, &ListAssessmentFrameworksRequest{FrameworkType: FrameworkTypeStandard})
	if err != nil || std.FrameworkMetadataList == nil || len(std.FrameworkMetadataList) != 0 {
		t.Fatalf("standard: %+v %v", std, err)
	}

	// A set named by its id is renamed; a set without an id is new; an id
	// the framework doesn't have is refused.
	_, err = f.am.UpdateAssessmentFramework(ctx, &UpdateAssessmentFrameworkRequest{FrameworkId: fw.Id, Name: "x",
		ControlSets: []UpdateAssessmentFrameworkControlSet{{Id: "Nope", Name: "n", Controls: []CreateAssessmentFrameworkControl{{Id: roles.Id}}}}})
	wantError(t, err, "ValidationException")
	up, err := f.am.UpdateAssessmentFramework(ctx, &UpdateAssessmentFrameworkRequest{FrameworkId: fw.Id, Name: "Access reviews v2",
		ControlSets: []UpdateAssessmentFrameworkControlSet{
			{Id: "Identities", Name: "People", Controls: []CreateAssessmentFrameworkControl{{Id: roles.Id}}},
			{Name: "Paper", Controls: []CreateAssessmentFrameworkControl{{Id: manual.Control.Id}, {Id: roles.Id}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if u := up.Framework; u.Name != "Access reviews v2" || u.Description != "" || len(u.ControlSets) != 2 ||
		u.ControlSets[0].Id != "People" || u.ControlSets[1].Id != "Paper" || len(u.ControlSets[1].Controls) != 2 || u.Tags["team"] != "audit" {
		t.Fatalf("updated %+v", u)
	}

	// Deleting a control takes it out of the framework.
	if _, err := f.am.DeleteControl(ctx, &DeleteControlRequest{ControlId: roles.Id}); err != nil {
		t.Fatal(err)
	}
	got, err = f.am.GetAssessmentFramework(ctx, &GetAssessmentFrameworkRequest{FrameworkId: fw.Id})
	if err != nil || len(got.Framework.ControlSets[0].Controls) != 0 || len(got.Framework.ControlSets[1].Controls) != 1 ||
		got.Framework.ControlSources != "Manual" {
		t.Fatalf("after deleting a control: %+v %v", got, err)
	}

	if _, err := f.am.DeleteAssessmentFramework(ctx, &DeleteAssessmentFrameworkRequest{FrameworkId: fw.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = f.am.GetAssessmentFramework(ctx, &GetAssessmentFrameworkRequest{FrameworkId: fw.Id})
	if e := wantError(t, err, "ResourceNotFoundException"); e.Fields["resourceType"] != resourceFramework || e.Fields["resourceId"] != fw.Id {
		t.Fatalf("%+v", e)
	}
}

// TestFrameworkShowsItsControlsAsTheyAre: unlike an assessment, a
// framework holds its controls by reference.
func TestFrameworkShowsItsControlsAsTheyAre(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	ctx := as(fixtureOutsider)
	c := f.apiControl(t, fixtureOutsider, "Roles", "iam_ListRoles")
	fw := f.framework(t, fixtureOutsider, "fw", c.Id)
	if _, err := f.am.UpdateControl(ctx, &UpdateControlRequest{ControlId: c.Id, Name: "Renamed", ControlMappingSources: []ControlMappingSource{
		{SourceName: "m", SourceType: SourceTypeManual}}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.am.GetAssessmentFramework(ctx, &GetAssessmentFrameworkRequest{FrameworkId: fw.Id})
	if err != nil {
		t.Fatal(err)
	}
	if ctl := got.Framework.ControlSets[0].Controls[0]; ctl.Name != "Renamed" || got.Framework.ControlSources != "Manual" {
		t.Fatalf("framework shows %+v", got.Framework)
	}
}
