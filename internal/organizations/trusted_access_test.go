package organizations_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
	"github.com/orgstack/orgstack/internal/trusted"
)

// fixture is Organizations and IAM over a memory store, with the job
// queue running.
type fixture struct {
	st   store.Store
	q    *jobs.Queue
	org  *organizations.Service
	iam  *iam.Service
	mgmt context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	q := jobs.New(st, clock, slog.New(slog.DiscardHandler))
	im := iam.New(iam.Options{Store: st, Clock: clock, Jobs: q})
	o := organizations.New(organizations.Options{Store: st, Clock: clock, Jobs: q, Roles: im, Catalogue: trusted.Default(), MaxAccounts: 10})
	o.SetDefaultPlugin(&trusted.Generic{Catalogue: trusted.Default(), Org: o})
	ctx, cancel := context.WithCancel(context.Background())
	q.Start(ctx)
	t.Cleanup(func() { cancel(); q.Wait() })
	return &fixture{st: st, q: q, org: o, iam: im, mgmt: orgstack.WithCaller(context.Background(), orgstack.RootCaller("111111111111", "us-east-1"))}
}

func (f *fixture) settle(t *testing.T) {
	t.Helper()
	if err := f.q.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// recorder is a plug-in that records what it hears.
type recorder struct {
	mu     sync.Mutex
	events []trusted.Event
}

func (r *recorder) HandleEvent(_ context.Context, _ store.Tx, _ time.Time, e trusted.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) kinds() []trusted.EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []trusted.EventKind
	for _, e := range r.events {
		out = append(out, e.Kind)
	}
	return out
}

func TestMemberRoleCreationRefusals(t *testing.T) {
	f := newFixture(t)
	out, err := f.org.CreateOrganization(f.mgmt, &organizations.CreateOrganizationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	orgID := out.Organization.Id
	car, err := f.org.CreateAccount(f.mgmt, &organizations.CreateAccountRequest{Email: "m@example.com", AccountName: "M"})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	st, err := f.org.DescribeCreateAccountStatus(f.mgmt, &organizations.DescribeCreateAccountStatusRequest{CreateAccountRequestId: car.CreateAccountStatus.Id})
	if err != nil || st.CreateAccountStatus.State != "SUCCEEDED" {
		t.Fatalf("account: %+v %v", st, err)
	}
	member := st.CreateAccountStatus.AccountId
	slr := orgstack.ServiceLinkedRole{RoleName: "AWSServiceRoleForSecurityHub", ServicePrincipal: "securityhub.amazonaws.com"}
	create := func(account string) error {
		return f.st.Update(context.Background(), func(tx store.Tx) error {
			return f.org.CreateServiceLinkedRole(tx, time.Now(), orgID, account, "securityhub.amazonaws.com", slr)
		})
	}
	if err := create(member); !errors.Is(err, trusted.ErrAccessNotEnabled) {
		t.Fatalf("without trusted access: %v", err)
	}
	if err := f.org.EnableAWSServiceAccess(f.mgmt, &organizations.EnableAWSServiceAccessRequest{ServicePrincipal: "securityhub.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	if err := create("123451234512"); !errors.Is(err, trusted.ErrNotMember) {
		t.Fatalf("outside the organization: %v", err)
	}
	// An account without AWSServiceRoleForOrganizations (as after it was
	// deleted in a consolidated-billing organization) gets no role.
	if err := f.st.Update(context.Background(), func(tx store.Tx) error {
		return tx.Delete("iam/" + member + "/role/awsservicerolefororganizations")
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Update(context.Background(), func(tx store.Tx) error {
		return tx.Delete("iam/" + member + "/role/awsserviceroleforsecurityhub")
	}); err != nil {
		t.Fatal(err)
	}
	if err := create(member); !errors.Is(err, trusted.ErrNoOrganizationsRole) {
		t.Fatalf("without AWSServiceRoleForOrganizations: %v", err)
	}
	if err := create("111111111111"); err != nil {
		t.Fatalf("management account: %v", err)
	}
}

func TestEnableThroughTheServiceTellsIt(t *testing.T) {
	f := newFixture(t)
	rec := &recorder{}
	f.org.RegisterPlugin("auditmanager.amazonaws.com", rec)
	out, err := f.org.CreateOrganization(f.mgmt, &organizations.CreateOrganizationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	orgID := out.Organization.Id
	// The service enables trusted access on the user's behalf.
	if err := f.st.Update(context.Background(), func(tx store.Tx) error {
		return f.org.EnableAccess(tx, time.Now(), orgID, "auditmanager.amazonaws.com")
	}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	list, err := f.org.ListAWSServiceAccessForOrganization(f.mgmt, &organizations.ListAWSServiceAccessForOrganizationRequest{})
	if err != nil || len(list.EnabledServicePrincipals) != 1 {
		t.Fatalf("after enabling through the service: %+v %v", list, err)
	}
	// Disabling directly in Organizations tells the service.
	if err := f.org.DisableAWSServiceAccess(f.mgmt, &organizations.DisableAWSServiceAccessRequest{ServicePrincipal: "auditmanager.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	kinds := rec.kinds()
	if len(kinds) != 2 || kinds[0] != trusted.AccessEnabled || kinds[1] != trusted.AccessDisabled {
		t.Fatalf("events %v", kinds)
	}
	rec.mu.Lock()
	byService := rec.events[0].ByService
	direct := rec.events[1].ByService
	rec.mu.Unlock()
	if !byService || direct {
		t.Fatalf("ByService: enable %v, disable %v", byService, direct)
	}
}

func TestServicesHearOfDelegatedAdministrators(t *testing.T) {
	f := newFixture(t)
	rec := &recorder{}
	f.org.RegisterPlugin("securityhub.amazonaws.com", rec)
	if _, err := f.org.CreateOrganization(f.mgmt, &organizations.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	car, err := f.org.CreateAccount(f.mgmt, &organizations.CreateAccountRequest{Email: "d@example.com", AccountName: "D"})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	st, _ := f.org.DescribeCreateAccountStatus(f.mgmt, &organizations.DescribeCreateAccountStatusRequest{CreateAccountRequestId: car.CreateAccountStatus.Id})
	member := st.CreateAccountStatus.AccountId
	if err := f.org.EnableAWSServiceAccess(f.mgmt, &organizations.EnableAWSServiceAccessRequest{ServicePrincipal: "securityhub.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	req := &organizations.RegisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: "securityhub.amazonaws.com"}
	if err := f.org.RegisterDelegatedAdministrator(f.mgmt, req); err != nil {
		t.Fatal(err)
	}
	if err := f.org.DeregisterDelegatedAdministrator(f.mgmt, &organizations.DeregisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: "securityhub.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	want := []trusted.EventKind{trusted.AccessEnabled, trusted.DelegatedAdminRegistered, trusted.DelegatedAdminDeregistered}
	got := rec.kinds()
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.events[1].Account != member {
		t.Fatalf("registered event names account %q", rec.events[1].Account)
	}
}
