package auditmanager

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/store"
)

// TestAssessmentScopeFollowsTheOrganization walks the scope rules: the
// delegated administrator assesses member accounts, nobody assesses an
// account outside the organization, a plain member assesses only itself,
// and the management account creates nothing once there is a delegated
// administrator.
func TestAssessmentScopeFollowsTheOrganization(t *testing.T) {
	f := newLibraryFixture(t)
	m := f.organization(t, 3)
	admin, plain, other := m[0], m[1], m[2]
	f.register(t, fixtureMgmt, admin)
	f.register(t, plain, "")

	c := f.apiControl(t, admin, "Roles are reviewed", "iam_ListRoles")
	fw := f.framework(t, admin, "Access", c.Id)
	out, err := f.am.CreateAssessment(as(admin), assessmentRequest(fw.Id, plain, other, plain))
	if err != nil {
		t.Fatal(err)
	}
	a := out.Assessment
	md := a.Metadata
	if a.Arn != "arn:aws:auditmanager:us-east-1:"+admin+":assessment/"+md.Id || a.AwsAccount.Id != admin || md.Status != AssessmentStatusActive ||
		len(md.Scope.AwsAccounts) != 2 || md.Scope.AwsServices == nil || len(md.Scope.AwsServices) != 0 || md.Delegations == nil ||
		md.ComplianceType != "Internal" || md.AssessmentReportsDestination.Destination != "s3://reports" || a.Tags == nil {
		t.Fatalf("assessment %+v / %+v", a, md)
	}
	cs := a.Framework.ControlSets
	if a.Framework.Id != fw.Id || a.Framework.Arn != fw.Arn || len(cs) != 1 || cs[0].Id != "Set one" || cs[0].Status != ControlSetStatusActive ||
		len(cs[0].Roles) != 1 || len(cs[0].Controls) != 1 {
		t.Fatalf("framework %+v", a.Framework)
	}
	ctl := cs[0].Controls[0]
	if ctl.Id != c.Id || ctl.Status != ControlStatusUnderReview || ctl.Comments == nil || len(ctl.EvidenceSources) != 1 ||
		ctl.EvidenceSources[0] != "AWS API calls" || *ctl.EvidenceCount != 0 {
		t.Fatalf("control %+v", ctl)
	}

	// What evidence collection reads.
	if err := f.st.View(context.Background(), func(tx store.Tx) error {
		rec, err := getAssessment(tx, admin, fixtureRegion, md.Id)
		if err != nil {
			return err
		}
		if rec.Owner != admin || rec.Region != fixtureRegion || rec.Status != statusActive || strings.Join(rec.ScopeAccounts, ",") != plain+","+other {
			t.Errorf("record %+v", rec)
		}
		src := rec.ControlSets[0].Controls[0].Sources
		if len(src) != 1 || !uuidRE.MatchString(src[0].SourceID) || src[0].SourceID == c.ControlMappingSources[0].SourceId ||
			src[0].SourceType != "AWS_API_Call" || src[0].KeywordValue != "iam_ListRoles" || src[0].Frequency != "DAILY" {
			t.Errorf("sources %+v", src)
		}
		if !rec.hasControl("Set one", c.Id) || rec.hasControl("Set two", c.Id) {
			t.Errorf("hasControl")
		}
		_, err = getAssessment(tx, admin, fixtureRegion, "00000000-0000-4000-8000-000000000000")
		if !errors.Is(err, store.ErrNotFound) || !isNotFound(err) {
			t.Errorf("missing assessment: %v", err)
		}
		n := 0
		err = eachAssessment(tx, func(a *assessmentRecord) error { n++; return nil })
		if n != 1 {
			t.Errorf("eachAssessment saw %d", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	got, err := f.am.GetAssessment(as(admin), &GetAssessmentRequest{AssessmentId: md.Id})
	if err != nil || got.Assessment.Metadata.Name != "Quarterly" {
		t.Fatalf("get: %+v %v", got, err)
	}
	_, err = f.am.GetAssessment(as(plain), &GetAssessmentRequest{AssessmentId: md.Id})
	wantError(t, err, "ResourceNotFoundException")

	// Outside the organization.
	_, err = f.am.CreateAssessment(as(admin), assessmentRequest(fw.Id, plain, fixtureOutsider))
	if e := wantError(t, err, "ValidationException"); !strings.Contains(e.Message, fixtureOutsider) {
		t.Fatalf("message %q", e.Message)
	}
	// A plain member assesses itself only.
	pc := f.apiControl(t, plain, "own", "iam_ListUsers")
	pfw := f.framework(t, plain, "own", pc.Id)
	_, err = f.am.CreateAssessment(as(plain), assessmentRequest(pfw.Id, plain, other))
	if e := wantError(t, err, "ValidationException"); !strings.Contains(e.Message, other) {
		t.Fatalf("message %q", e.Message)
	}
	if _, err := f.am.CreateAssessment(as(plain), assessmentRequest(pfw.Id, plain)); err != nil {
		t.Fatal(err)
	}
	// The management account, once there is a delegated administrator.
	mc := f.apiControl(t, fixtureMgmt, "mgmt", "iam_ListUsers")
	mfw := f.framework(t, fixtureMgmt, "mgmt", mc.Id)
	_, err = f.am.CreateAssessment(as(fixtureMgmt), assessmentRequest(mfw.Id, fixtureMgmt))
	wantError(t, err, "ValidationException")
}

func TestManagementAssessesUntilThereIsAnAdministrator(t *testing.T) {
	f := newLibraryFixture(t)
	m := f.organization(t, 1)
	f.register(t, fixtureMgmt, "")
	c := f.apiControl(t, fixtureMgmt, "c", "iam_ListRoles")
	fw := f.framework(t, fixtureMgmt, "fw", c.Id)
	out, err := f.am.CreateAssessment(as(fixtureMgmt), assessmentRequest(fw.Id, fixtureMgmt, m[0]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.am.RegisterOrganizationAdminAccount(as(fixtureMgmt), &RegisterOrganizationAdminAccountRequest{AdminAccountId: m[0]}); err != nil {
		t.Fatal(err)
	}
	// Its existing assessment can no longer reach other accounts.
	_, err = f.am.UpdateAssessment(as(fixtureMgmt), &UpdateAssessmentRequest{AssessmentId: out.Assessment.Metadata.Id,
		Scope: &Scope{AwsAccounts: []AWSAccount{{Id: fixtureMgmt}, {Id: m[0]}}}})
	wantError(t, err, "ValidationException")
}

func TestCreateAssessmentValidation(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	ctx := as(fixtureOutsider)
	c := f.apiControl(t, fixtureOutsider, "c", "iam_ListRoles")
	fw := f.framework(t, fixtureOutsider, "fw", c.Id)

	_, err := f.am.CreateAssessment(ctx, assessmentRequest("00000000-0000-4000-8000-000000000000", fixtureOutsider))
	if e := wantError(t, err, "ResourceNotFoundException"); e.Fields["resourceType"] != resourceFramework {
		t.Fatalf("%+v", e)
	}
	in := assessmentRequest(fw.Id, fixtureOutsider)
	in.Roles = append(in.Roles, Role{RoleType: RoleTypeResourceOwner, RoleArn: "arn:aws:iam::999999999999:role/R"})
	_, err = f.am.CreateAssessment(ctx, in)
	wantError(t, err, "ValidationException")
	in = assessmentRequest(fw.Id, fixtureOutsider)
	in.Roles = nil
	_, err = f.am.CreateAssessment(ctx, in)
	wantError(t, err, "ValidationException")
	_, err = f.am.CreateAssessment(ctx, assessmentRequest(fw.Id))
	wantError(t, err, "ValidationException")
	// A standalone account assesses only itself.
	_, err = f.am.CreateAssessment(ctx, assessmentRequest(fw.Id, fixtureOutsider, fixtureMgmt))
	if e := wantError(t, err, "ValidationException"); !strings.Contains(e.Message, fixtureMgmt) {
		t.Fatalf("message %q", e.Message)
	}
}

// TestDefaultProcessOwnersJoin: the caller's default process owners
// (settings) join the roles an assessment is created with.
func TestDefaultProcessOwnersJoin(t *testing.T) {
	f := newLibraryFixture(t)
	f.register(t, fixtureOutsider, "")
	ctx := as(fixtureOutsider)
	owner := Role{RoleType: RoleTypeProcessOwner, RoleArn: "arn:aws:iam::999999999999:role/ComplianceLead"}
	if _, err := f.am.UpdateSettings(ctx, &UpdateSettingsRequest{DefaultProcessOwners: []Role{owner}}); err != nil {
		t.Fatal(err)
	}
	fw := f.framework(t, fixtureOutsider, "fw", f.apiControl(t, fixtureOutsider, "c", "iam_ListRoles").Id)
	out, err := f.am.CreateAssessment(ctx, assessmentRequest(fw.Id, fixtureOutsider))
	if err != nil {
		t.Fatal(err)
	}
	if roles := out.Assessment.Metadata.Roles; len(roles) != 2 || roles[1] != owner {
		t.Fatalf("roles %+v", roles)
	}
}
