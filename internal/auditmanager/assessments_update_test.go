package auditmanager

import (
	"context"
	"errors"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// TestAssessmentKeepsItsCopy: editing the control or the framework leaves
// an assessment as it was; deleting the control takes it out.
func TestAssessmentKeepsItsCopy(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	ctx := as(fixtureOutsider)
	c := f.apiControl(t, fixtureOutsider, "Roles", "iam_ListRoles")
	keep := f.apiControl(t, fixtureOutsider, "Users", "iam_ListUsers")
	fw := f.framework(t, fixtureOutsider, "fw", c.Id, keep.Id)
	out, err := f.am.CreateAssessment(ctx, assessmentRequest(fw.Id, fixtureOutsider))
	if err != nil {
		t.Fatal(err)
	}
	id := out.Assessment.Metadata.Id

	if _, err := f.am.UpdateControl(ctx, &UpdateControlRequest{ControlId: c.Id, Name: "Renamed", ControlMappingSources: []ControlMappingSource{
		{SourceName: "m", SourceType: SourceTypeManual}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.am.DeleteAssessmentFramework(ctx, &DeleteAssessmentFrameworkRequest{FrameworkId: fw.Id}); err != nil {
		t.Fatal(err)
	}
	got, err := f.am.GetAssessment(ctx, &GetAssessmentRequest{AssessmentId: id})
	if err != nil {
		t.Fatal(err)
	}
	ctls := got.Assessment.Framework.ControlSets[0].Controls
	if len(ctls) != 2 || ctls[0].Name != "Roles" || ctls[0].EvidenceSources[0] != "AWS API calls" || got.Assessment.Framework.Metadata.Name != "fw" {
		t.Fatalf("assessment changed with its control: %+v", ctls)
	}

	if _, err := f.am.DeleteControl(ctx, &DeleteControlRequest{ControlId: c.Id}); err != nil {
		t.Fatal(err)
	}
	got, err = f.am.GetAssessment(ctx, &GetAssessmentRequest{AssessmentId: id})
	if err != nil {
		t.Fatal(err)
	}
	if ctls := got.Assessment.Framework.ControlSets[0].Controls; len(ctls) != 1 || ctls[0].Id != keep.Id {
		t.Fatalf("the deleted control stayed: %+v", ctls)
	}
}

func TestAssessmentUpdateStatusAndDelete(t *testing.T) {
	f := newLibraryFixture(t)
	m := f.organization(t, 2)
	f.register(t, fixtureMgmt, m[0])
	admin := m[0]
	ctx := as(admin)
	c := f.apiControl(t, admin, "c", "iam_ListRoles")
	fw := f.framework(t, admin, "fw", c.Id)
	var ids []string
	for i := 0; i < 3; i++ {
		out, err := f.am.CreateAssessment(ctx, assessmentRequest(fw.Id, admin))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Assessment.Metadata.Id)
	}
	id := ids[0]

	_, err := f.am.UpdateAssessment(ctx, &UpdateAssessmentRequest{AssessmentId: id, Scope: &Scope{AwsAccounts: []AWSAccount{{Id: fixtureOutsider}}}})
	wantError(t, err, "ValidationException")
	up, err := f.am.UpdateAssessment(ctx, &UpdateAssessmentRequest{AssessmentId: id, AssessmentName: "Renamed",
		Scope: &Scope{AwsAccounts: []AWSAccount{{Id: admin}, {Id: m[1], EmailAddress: "b@example.com", Name: "B"}}}})
	if err != nil {
		t.Fatal(err)
	}
	md := up.Assessment.Metadata
	if md.Name != "Renamed" || len(md.Scope.AwsAccounts) != 2 || md.Scope.AwsAccounts[1].EmailAddress != "b@example.com" ||
		len(md.Roles) != 1 || md.AssessmentReportsDestination == nil || !md.LastUpdated.After(md.CreationTime) && !md.LastUpdated.Equal(md.CreationTime) {
		t.Fatalf("updated %+v", md)
	}
	_, err = f.am.UpdateAssessment(ctx, &UpdateAssessmentRequest{AssessmentId: id, Scope: &Scope{AwsAccounts: []AWSAccount{{Id: admin}}},
		Roles: []Role{{RoleType: RoleTypeResourceOwner, RoleArn: "arn:aws:iam::111111111111:role/R"}}})
	wantError(t, err, "ValidationException")

	st, err := f.am.UpdateAssessmentStatus(ctx, &UpdateAssessmentStatusRequest{AssessmentId: id, Status: AssessmentStatusInactive})
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Assessment; a.Metadata.Status != AssessmentStatusInactive || a.Framework.ControlSets[0].Status != ControlSetStatusReviewed ||
		a.Framework.ControlSets[0].Controls[0].Status != ControlStatusReviewed {
		t.Fatalf("inactive %+v", a.Framework.ControlSets)
	}
	if _, err := f.am.UpdateAssessmentStatus(ctx, &UpdateAssessmentStatusRequest{AssessmentId: id, Status: AssessmentStatusInactive}); err != nil {
		t.Fatalf("inactive again: %v", err)
	}
	_, err = f.am.UpdateAssessmentStatus(ctx, &UpdateAssessmentStatusRequest{AssessmentId: id, Status: AssessmentStatusActive})
	wantError(t, err, "ValidationException")
	_, err = f.am.UpdateAssessment(ctx, &UpdateAssessmentRequest{AssessmentId: id, Scope: &Scope{AwsAccounts: []AWSAccount{{Id: admin}}}})
	wantError(t, err, "ValidationException")

	inactive, err := f.am.ListAssessments(ctx, &ListAssessmentsRequest{Status: AssessmentStatusInactive})
	if err != nil || len(inactive.AssessmentMetadata) != 1 || inactive.AssessmentMetadata[0].Id != id || inactive.AssessmentMetadata[0].Name != "Renamed" {
		t.Fatalf("inactive list: %+v %v", inactive, err)
	}
	one := int32(1)
	seen, token := map[string]bool{}, ""
	for {
		page, err := f.am.ListAssessments(ctx, &ListAssessmentsRequest{Status: AssessmentStatusActive, MaxResults: &one, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.AssessmentMetadata {
			if a.Status != AssessmentStatusActive || a.Delegations == nil {
				t.Fatalf("item %+v", a)
			}
			seen[a.Id] = true
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	if len(seen) != 2 || seen[id] {
		t.Fatalf("active: %v", seen)
	}
	// A token of the ACTIVE listing is no token of the whole listing.
	page, err := f.am.ListAssessments(ctx, &ListAssessmentsRequest{Status: AssessmentStatusActive, MaxResults: &one})
	if err != nil || page.NextToken == "" {
		t.Fatalf("%+v %v", page, err)
	}
	_, err = f.am.ListAssessments(ctx, &ListAssessmentsRequest{NextToken: page.NextToken})
	wantError(t, err, "ValidationException")

	if _, err := f.am.DeleteAssessment(ctx, &DeleteAssessmentRequest{AssessmentId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = f.am.GetAssessment(ctx, &GetAssessmentRequest{AssessmentId: id})
	if e := wantError(t, err, "ResourceNotFoundException"); e.Fields["resourceType"] != resourceAssessment || e.Fields["resourceId"] != id {
		t.Fatalf("%+v", e)
	}
	_, err = f.am.DeleteAssessment(ctx, &DeleteAssessmentRequest{AssessmentId: id})
	wantError(t, err, "ResourceNotFoundException")
	if err := f.st.View(context.Background(), func(tx store.Tx) error {
		if _, err := getAssessment(tx, admin, fixtureRegion, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted assessment: %v", err)
		}
		n := 0
		err := eachAssessment(tx, func(*assessmentRecord) error { n++; return nil })
		if n != 2 {
			t.Errorf("eachAssessment saw %d", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
