package auditmanager

import (
	"context"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// evidenceFixture is an organization whose first member is Audit
// Manager's delegated administrator, with a fake iam_ListRoles that
// answers one role per account and counts its calls, and a one-hour
// evidence "day".
type evidenceFixture struct {
	*libraryFixture
	clock   *orgstack.OffsetClock
	members []string
	calls   map[string]int
}

func newEvidenceFixture(t *testing.T) *evidenceFixture {
	t.Helper()
	f := &evidenceFixture{libraryFixture: newLibraryFixture(t), calls: map[string]int{}}
	f.clock = f.am.opt.Clock.(*orgstack.OffsetClock)
	f.am.opt.EvidenceInterval = time.Hour
	f.am.opt.APICalls = map[string]APICall{
		"iam_ListRoles": {EventSource: "iam.amazonaws.com", EventName: "ListRoles", Action: "iam:ListRoles",
			Collect: func(_ store.Tx, account, _ string) ([]Snapshot, error) {
				f.calls[account]++
				return []Snapshot{{ARN: "arn:aws:iam::" + account + ":role/Audited", Value: map[string]string{"RoleName": "Audited"}}}, nil
			}},
	}
	f.members = f.organization(t, 3)
	f.register(t, fixtureMgmt, f.members[0])
	return f
}

// assess creates, as the delegated administrator, an assessment over the
// two other members with one control of the given frequency.
func (f *evidenceFixture) assess(t *testing.T, frequency SourceFrequency) string {
	t.Helper()
	admin := f.members[0]
	c, err := f.am.CreateControl(as(admin), &CreateControlRequest{
		Name: "Roles " + string(frequency),
		ControlMappingSources: []CreateControlMappingSource{{
			SourceName: "Roles", SourceType: SourceTypeAWSAPICall, SourceFrequency: frequency,
			SourceKeyword: &SourceKeyword{KeywordInputType: KeywordInputTypeSelectFromList, KeywordValue: "iam_ListRoles"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fw := f.framework(t, admin, "Framework "+string(frequency), c.Control.Id)
	out, err := f.am.CreateAssessment(as(admin), assessmentRequest(fw.Id, f.members[1], f.members[2]))
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	return out.Assessment.Metadata.Id
}

func (f *evidenceFixture) evidenceCount(t *testing.T, assessment string) map[string]int {
	t.Helper()
	n := map[string]int{}
	folders, err := f.am.GetEvidenceFoldersByAssessment(as(f.members[0]), &GetEvidenceFoldersByAssessmentRequest{AssessmentId: assessment})
	if err != nil {
		t.Fatal(err)
	}
	for _, fo := range folders.EvidenceFolders {
		ev, err := f.am.GetEvidenceByEvidenceFolder(as(f.members[0]), &GetEvidenceByEvidenceFolderRequest{
			AssessmentId: assessment, ControlSetId: fo.ControlSetId, EvidenceFolderId: fo.Id})
		if err != nil {
			t.Fatal(err)
		}
		if int(*fo.TotalEvidence) != len(ev.Evidence) {
			t.Fatalf("folder says %d, holds %d", *fo.TotalEvidence, len(ev.Evidence))
		}
		for _, e := range ev.Evidence {
			n[e.EvidenceAwsAccountId]++
		}
	}
	return n
}

// nextDay moves the clock one evidence interval on and runs what is due.
func (f *evidenceFixture) nextDay(t *testing.T) {
	t.Helper()
	f.clock.Advance(time.Hour)
	f.settle(t)
}

func TestEvidenceCollectedAtOnceThenDaily(t *testing.T) {
	f := newEvidenceFixture(t)
	id := f.assess(t, SourceFrequencyDaily)
	m1, m2 := f.members[1], f.members[2]
	if n := f.evidenceCount(t, id); n[m1] != 1 || n[m2] != 1 || len(n) != 2 {
		t.Fatalf("first collection: %v", n)
	}
	f.nextDay(t)
	if n := f.evidenceCount(t, id); n[m1] != 2 || n[m2] != 2 {
		t.Fatalf("after a day: %v", n)
	}
	// Folders are per control per day: the second "day" is a new folder
	// only when the UTC date changes, so count folders by date.
	folders, err := f.am.GetEvidenceFoldersByAssessment(as(f.members[0]), &GetEvidenceFoldersByAssessmentRequest{AssessmentId: id})
	if err != nil {
		t.Fatal(err)
	}
	dates := map[string]bool{}
	for _, fo := range folders.EvidenceFolders {
		if dates[fo.Name] {
			t.Fatalf("two folders for %s: %+v", fo.Name, folders.EvidenceFolders)
		}
		dates[fo.Name] = true
		if fo.Name != fo.Date.UTC().Format("2006-01-02") || fo.DataSource != "AWS API calls" || *fo.EvidenceByTypeConfigurationDataCount != *fo.TotalEvidence {
			t.Fatalf("folder %+v", fo)
		}
	}

	// Inactive: collection stops.
	if _, err := f.am.UpdateAssessmentStatus(as(f.members[0]), &UpdateAssessmentStatusRequest{AssessmentId: id, Status: AssessmentStatusInactive}); err != nil {
		t.Fatal(err)
	}
	before := f.calls[m1]
	f.nextDay(t)
	f.nextDay(t)
	if f.calls[m1] != before {
		t.Fatalf("an inactive assessment collected: %d calls, was %d", f.calls[m1], before)
	}
}

func TestEvidenceWeeklySources(t *testing.T) {
	f := newEvidenceFixture(t)
	id := f.assess(t, SourceFrequencyWeekly)
	m1 := f.members[1]
	for day := 1; day < 7; day++ {
		f.nextDay(t)
	}
	if n := f.evidenceCount(t, id); n[m1] != 1 {
		t.Fatalf("a weekly source collected more than once in six days: %v", n)
	}
	f.nextDay(t)
	if n := f.evidenceCount(t, id); n[m1] != 2 {
		t.Fatalf("a weekly source did not collect on the seventh day: %v", n)
	}
	// On demand, every source collects at once.
	if n, err := f.am.CollectEvidence(context.Background(), id); err != nil || n != 1 {
		t.Fatalf("CollectEvidence: %d %v", n, err)
	}
	if n := f.evidenceCount(t, id); n[m1] != 3 {
		t.Fatalf("on demand: %v", n)
	}
}

func TestEvidenceStopsWithTheDelegatedAdministrator(t *testing.T) {
	f := newEvidenceFixture(t)
	id := f.assess(t, SourceFrequencyDaily)
	m1 := f.members[1]
	if _, err := f.am.DeregisterOrganizationAdminAccount(as(fixtureMgmt), &DeregisterOrganizationAdminAccountRequest{AdminAccountId: f.members[0]}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	before := f.calls[m1]
	f.nextDay(t)
	if f.calls[m1] != before {
		t.Fatal("evidence still collected from a member for a former delegated administrator")
	}
	// Evidence collected before stays readable.
	if n := f.evidenceCount(t, id); n[m1] != 1 {
		t.Fatalf("earlier evidence: %v", n)
	}
}

func TestEvidenceStopsWhileTheOwnerIsDeregistered(t *testing.T) {
	f := newEvidenceFixture(t)
	f.assess(t, SourceFrequencyDaily)
	m1 := f.members[1]
	if _, err := f.am.DeregisterAccount(as(f.members[0]), &DeregisterAccountRequest{}); err != nil {
		t.Fatal(err)
	}
	before := f.calls[m1]
	f.nextDay(t)
	if f.calls[m1] != before {
		t.Fatal("evidence collected for a deregistered account")
	}
	f.register(t, f.members[0], "")
	f.nextDay(t)
	if f.calls[m1] != before+1 {
		t.Fatalf("collection did not resume after registering again: %d calls, was %d", f.calls[m1], before)
	}
}

func TestEvidencePaging(t *testing.T) {
	f := newEvidenceFixture(t)
	id := f.assess(t, SourceFrequencyDaily)
	f.nextDay(t)
	folders, err := f.am.GetEvidenceFoldersByAssessment(as(f.members[0]), &GetEvidenceFoldersByAssessmentRequest{AssessmentId: id})
	if err != nil || len(folders.EvidenceFolders) == 0 {
		t.Fatal(folders, err)
	}
	fo := folders.EvidenceFolders[0]
	one := int32(1)
	var seen []string
	token := ""
	for {
		page, err := f.am.GetEvidenceByEvidenceFolder(as(f.members[0]), &GetEvidenceByEvidenceFolderRequest{
			AssessmentId: id, ControlSetId: fo.ControlSetId, EvidenceFolderId: fo.Id, MaxResults: &one, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Evidence) != 1 {
			t.Fatalf("page of %d", len(page.Evidence))
		}
		seen = append(seen, page.Evidence[0].Id)
		got, err := f.am.GetEvidence(as(f.members[0]), &GetEvidenceRequest{AssessmentId: id, ControlSetId: fo.ControlSetId,
			EvidenceFolderId: fo.Id, EvidenceId: page.Evidence[0].Id})
		if err != nil || got.Evidence.Id != page.Evidence[0].Id {
			t.Fatalf("GetEvidence: %+v %v", got, err)
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	if len(seen) != int(*fo.TotalEvidence) {
		t.Fatalf("paged %d of %d", len(seen), *fo.TotalEvidence)
	}
	_, err = f.am.GetEvidenceByEvidenceFolder(as(f.members[0]), &GetEvidenceByEvidenceFolderRequest{
		AssessmentId: id, ControlSetId: fo.ControlSetId, EvidenceFolderId: fo.Id, NextToken: "!!!"})
	wantError(t, err, "ValidationException")
	// Another control set's id does not reach the folder; another account
	// does not see the assessment.
	_, err = f.am.GetEvidenceFolder(as(f.members[0]), &GetEvidenceFolderRequest{AssessmentId: id, ControlSetId: "Other", EvidenceFolderId: fo.Id})
	wantError(t, err, "ResourceNotFoundException")
	_, err = f.am.GetEvidenceFoldersByAssessment(as(fixtureMgmt), &GetEvidenceFoldersByAssessmentRequest{AssessmentId: id})
	wantError(t, err, "ResourceNotFoundException")
	// Deleting the assessment deletes its evidence.
	if _, err := f.am.DeleteAssessment(as(f.members[0]), &DeleteAssessmentRequest{AssessmentId: id}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(kEvidencePrefix(f.members[0], fixtureRegion, id), "", func(k string, _ []byte) (bool, error) {
			t.Errorf("left behind: %s", k)
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}
