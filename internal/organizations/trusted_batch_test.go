package organizations_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
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

// countingStore counts write transactions.
type countingStore struct {
	store.Store
	updates atomic.Int64
}

func (c *countingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	c.updates.Add(1)
	return c.Store.Update(ctx, fn)
}

// batchFixture is an organization of members member accounts on st, whose
// trusted services create member roles memberBatch accounts per job.
type batchFixture struct {
	o       *organizations.Service
	im      *iam.Service
	mgmt    context.Context
	members []string
	clock   *orgstack.OffsetClock
	settle  func() // runs the queue until no job is due
}

func newBatchFixture(t *testing.T, st store.Store, roles func(*iam.Service) organizations.Roles, members int) *batchFixture {
	t.Helper()
	clock := &orgstack.OffsetClock{}
	q := jobs.New(st, clock, slog.New(slog.DiscardHandler))
	im := iam.New(iam.Options{Store: st, Clock: clock, Jobs: q})
	o := organizations.New(organizations.Options{Store: st, Clock: clock, Jobs: q, Roles: roles(im), Catalogue: trusted.Default(), MaxAccounts: 20})
	o.SetDefaultPlugin(&trusted.Generic{Catalogue: trusted.Default(), Org: o, MemberBatch: 3})
	f := &batchFixture{o: o, im: im, clock: clock, mgmt: orgstack.WithCaller(context.Background(), orgstack.RootCaller("111111111111", "us-east-1"))}
	// The queue runs only while settle waits for it.
	f.settle = func() {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer func() { cancel(); q.Wait() }()
		q.Start(ctx)
		if err := q.Settle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.CreateOrganization(f.mgmt, &organizations.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	for i := range members {
		car, err := o.CreateAccount(f.mgmt, &organizations.CreateAccountRequest{Email: fmt.Sprintf("m%d@example.com", i), AccountName: fmt.Sprint("M", i)})
		if err != nil {
			t.Fatal(err)
		}
		f.settle()
		s, err := o.DescribeCreateAccountStatus(f.mgmt, &organizations.DescribeCreateAccountStatusRequest{CreateAccountRequestId: car.CreateAccountStatus.Id})
		if err != nil || s.CreateAccountStatus.State != "SUCCEEDED" {
			t.Fatalf("account %d: %+v %v", i, s, err)
		}
		f.members = append(f.members, s.CreateAccountStatus.AccountId)
	}
	return f
}

// TestMemberRolesInBatches checks that enabling a service whose role goes
// into every member creates it in every member, a batch of accounts per
// transaction, and that a service disabled before its batches ran stops
// creating roles.
func TestMemberRolesInBatches(t *testing.T) {
	st := &countingStore{Store: memory.New()}
	f := newBatchFixture(t, st, func(im *iam.Service) organizations.Roles { return im }, 10)
	o, im, mgmt, settle, members := f.o, f.im, f.mgmt, f.settle, f.members
	has := func(account, role string) bool {
		t.Helper()
		var ok bool
		if err := st.View(context.Background(), func(tx store.Tx) error {
			var err error
			ok, err = im.HasRole(tx, account, role)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	before := st.updates.Load()
	if err := o.EnableAWSServiceAccess(mgmt, &organizations.EnableAWSServiceAccessRequest{ServicePrincipal: "config.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	settle()
	for _, a := range members {
		if !has(a, "AWSServiceRoleForConfig") {
			t.Errorf("member %s has no AWSServiceRoleForConfig", a)
		}
	}
	// The request, then 11 accounts (10 members and the management
	// account) three at a time: at least four job transactions.
	if n := st.updates.Load() - before; n < 5 {
		t.Errorf("enabling took %d write transactions; want the member roles split over at least 4 jobs", n)
	}

	// Enabled then disabled before any batch ran: no role is created.
	if err := o.DisableAWSServiceAccess(mgmt, &organizations.DisableAWSServiceAccessRequest{ServicePrincipal: "securityhub.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	if err := o.EnableAWSServiceAccess(mgmt, &organizations.EnableAWSServiceAccessRequest{ServicePrincipal: "securityhub.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	if err := o.DisableAWSServiceAccess(mgmt, &organizations.DisableAWSServiceAccessRequest{ServicePrincipal: "securityhub.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	settle()
	for _, a := range members {
		if has(a, "AWSServiceRoleForSecurityHub") {
			t.Errorf("member %s got AWSServiceRoleForSecurityHub though access was disabled before it was created", a)
		}
	}
}

// countingRoles counts the role lookups Organizations makes.
type countingRoles struct {
	organizations.Roles
	lookups atomic.Int64
}

func (c *countingRoles) HasRole(tx store.Tx, account, role string) (bool, error) {
	c.lookups.Add(1)
	return c.Roles.HasRole(tx, account, role)
}

// TestSupersededEnableDoesNoWork checks that a service enabled, disabled
// and enabled again before its roles were created gets them once: the
// first enabling's event finds a later enabling and leaves the work to it.
func TestSupersededEnableDoesNoWork(t *testing.T) {
	st := memory.New()
	var roles *countingRoles
	f := newBatchFixture(t, st, func(im *iam.Service) organizations.Roles {
		roles = &countingRoles{Roles: im}
		return roles
	}, 6)
	o, im, mgmt, settle, members := f.o, f.im, f.mgmt, f.settle, f.members
	clock := f.clock
	enable := func(p string) {
		t.Helper()
		if err := o.EnableAWSServiceAccess(mgmt, &organizations.EnableAWSServiceAccessRequest{ServicePrincipal: p}); err != nil {
			t.Fatal(err)
		}
	}
	hasAll := func(role string) {
		t.Helper()
		for _, a := range members {
			var ok bool
			if err := st.View(context.Background(), func(tx store.Tx) error {
				var err error
				ok, err = im.HasRole(tx, a, role)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if !ok {
				t.Errorf("member %s has no %s", a, role)
			}
		}
	}

	// The work of one enabling, measured on a service enabled once.
	before := roles.lookups.Load()
	enable("securityhub.amazonaws.com")
	settle()
	hasAll("AWSServiceRoleForSecurityHub")
	once := roles.lookups.Load() - before

	// A service with as many roles, enabled, disabled and enabled again
	// before its roles were created: the same work, done once.
	before = roles.lookups.Load()
	enable("config.amazonaws.com")
	if err := o.DisableAWSServiceAccess(mgmt, &organizations.DisableAWSServiceAccessRequest{ServicePrincipal: "config.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second) // the second enabling is a later one
	enable("config.amazonaws.com")
	settle()
	hasAll("AWSServiceRoleForConfig")
	if n := roles.lookups.Load() - before; n != once {
		t.Errorf("enabling config twice looked roles up %d times; want %d, as for securityhub enabled once", n, once)
	}
}
