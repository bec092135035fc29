package auditmanager

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
	"github.com/orgstack/orgstack/internal/trusted"
)

// libraryFixture is Organizations, IAM and Audit Manager over a memory
// store, with the job queue running.
type libraryFixture struct {
	st  store.Store
	q   *jobs.Queue
	org *organizations.Service
	am  *Service
}

const (
	fixtureMgmt     = "111111111111"
	fixtureOutsider = "999999999999"
	fixtureRegion   = "us-east-1"
)

func newLibraryFixture(t *testing.T) *libraryFixture {
	t.Helper()
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	q := jobs.New(st, clock, slog.New(slog.DiscardHandler))
	im := iam.New(iam.Options{Store: st, Clock: clock, Jobs: q})
	o := organizations.New(organizations.Options{Store: st, Clock: clock, Jobs: q, Roles: im, Catalogue: trusted.Default(), MaxAccounts: 10})
	generic := &trusted.Generic{Catalogue: trusted.Default(), Org: o}
	o.SetDefaultPlugin(generic)
	am := New(Options{Store: st, Clock: clock, Jobs: q, Org: o, Roles: im, Catalogue: trusted.Default()})
	o.RegisterPlugin(principal, &Plugin{Service: am, Fallback: generic})
	ctx, cancel := context.WithCancel(context.Background())
	q.Start(ctx)
	t.Cleanup(func() { cancel(); q.Wait() })
	return &libraryFixture{st: st, q: q, org: o, am: am}
}

// as is a context whose caller is account's root user in us-east-1.
func as(account string) context.Context {
	return orgstack.WithCaller(context.Background(), orgstack.RootCaller(account, fixtureRegion))
}

func (f *libraryFixture) settle(t *testing.T) {
	t.Helper()
	if err := f.q.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// organization creates an all-features organization managed by
// fixtureMgmt with n member accounts and returns the members.
func (f *libraryFixture) organization(t *testing.T, n int) []string {
	t.Helper()
	if _, err := f.org.CreateOrganization(as(fixtureMgmt), &organizations.CreateOrganizationRequest{FeatureSet: "ALL"}); err != nil {
		t.Fatal(err)
	}
	var members []string
	for i := 0; i < n; i++ {
		car, err := f.org.CreateAccount(as(fixtureMgmt), &organizations.CreateAccountRequest{
			Email: "member" + string(rune('a'+i)) + "@example.com", AccountName: "Member " + string(rune('A'+i))})
		if err != nil {
			t.Fatal(err)
		}
		f.settle(t)
		st, err := f.org.DescribeCreateAccountStatus(as(fixtureMgmt), &organizations.DescribeCreateAccountStatusRequest{CreateAccountRequestId: car.CreateAccountStatus.Id})
		if err != nil || st.CreateAccountStatus.State != "SUCCEEDED" {
			t.Fatalf("account creation: %+v %v", st, err)
		}
		members = append(members, st.CreateAccountStatus.AccountId)
	}
	return members
}

// register enables Audit Manager for account in the fixture's region.
func (f *libraryFixture) register(t *testing.T, account string, delegatedAdmin string) {
	t.Helper()
	if _, err := f.am.RegisterAccount(as(account), &RegisterAccountRequest{DelegatedAdminAccount: delegatedAdmin}); err != nil {
		t.Fatalf("registering %s: %v", account, err)
	}
	f.settle(t)
}

// apiControl creates a custom control with one AWS API call source.
func (f *libraryFixture) apiControl(t *testing.T, account, name, keyword string) *Control {
	t.Helper()
	out, err := f.am.CreateControl(as(account), &CreateControlRequest{
		Name: name,
		ControlMappingSources: []CreateControlMappingSource{{
			SourceName: "API " + keyword, SourceType: SourceTypeAWSAPICall,
			SourceKeyword: &SourceKeyword{KeywordInputType: KeywordInputTypeSelectFromList, KeywordValue: keyword},
		}},
	})
	if err != nil {
		t.Fatalf("creating control %s: %v", name, err)
	}
	return out.Control
}

// framework creates a custom framework with one control set holding the
// controls.
func (f *libraryFixture) framework(t *testing.T, account, name string, controls ...string) *Framework {
	t.Helper()
	set := CreateAssessmentFrameworkControlSet{Name: "Set one"}
	for _, c := range controls {
		set.Controls = append(set.Controls, CreateAssessmentFrameworkControl{Id: c})
	}
	out, err := f.am.CreateAssessmentFramework(as(account), &CreateAssessmentFrameworkRequest{
		Name: name, ComplianceType: "Internal", ControlSets: []CreateAssessmentFrameworkControlSet{set}})
	if err != nil {
		t.Fatalf("creating framework %s: %v", name, err)
	}
	return out.Framework
}

// assessmentRequest is a CreateAssessment request over the accounts.
func assessmentRequest(frameworkID string, accounts ...string) *CreateAssessmentRequest {
	in := &CreateAssessmentRequest{
		Name: "Quarterly", FrameworkId: frameworkID,
		AssessmentReportsDestination: &AssessmentReportsDestination{DestinationType: AssessmentReportDestinationTypeS3, Destination: "s3://reports"},
		Roles:                        []Role{{RoleType: RoleTypeProcessOwner, RoleArn: "arn:aws:iam::111111111111:role/Auditor"}},
		Scope:                        &Scope{AwsServices: []AWSService{{ServiceName: "iam"}}},
	}
	for _, a := range accounts {
		in.Scope.AwsAccounts = append(in.Scope.AwsAccounts, AWSAccount{Id: a})
	}
	return in
}

// wantError fails unless err is an Audit Manager error with the code, and
// returns it.
func wantError(t *testing.T, err error, code string) *orgstack.Error {
	t.Helper()
	var e *orgstack.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return e
}
