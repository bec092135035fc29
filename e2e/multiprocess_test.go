package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
)

// sharedStore is a fresh schema of the test PostgreSQL server for
// processes that share one state. Without ORGSTACK_TEST_POSTGRES the test
// is skipped, unless ORGSTACK_REQUIRE_POSTGRES=1 (scripts/test sets both).
func sharedStore(t *testing.T) string {
	t.Helper()
	if os.Getenv("ORGSTACK_TEST_POSTGRES") == "" {
		if os.Getenv("ORGSTACK_REQUIRE_POSTGRES") == "1" {
			t.Fatal("ORGSTACK_TEST_POSTGRES is not set")
		}
		t.Skip("ORGSTACK_TEST_POSTGRES is not set (scripts/test starts a PostgreSQL server and sets it)")
	}
	return postgresSchema(t)
}

// startShared starts an orgstack process on the shared store.
func startShared(t *testing.T, store string) (*process, *srv) {
	t.Helper()
	p := startProcess(t, "--store", store, "--data-dir", t.TempDir(), "--max-accounts", "1000",
		"--create-account-delay", "150ms", "--job-poll-interval", "200ms")
	return p, &srv{t: t, endpoint: p.endpoint}
}

// codeOf is an error's AWS code and Reason ("" for nil).
func codeOf(err error) (code, reason string) {
	if err == nil {
		return "", ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "transport: " + err.Error(), ""
	}
	var cv *types.ConstraintViolationException
	if errors.As(err, &cv) {
		return ae.ErrorCode(), string(cv.Reason)
	}
	return ae.ErrorCode(), ""
}

// finalStatus waits for a CreateAccount request to finish and returns its
// status.
func finalStatus(t *testing.T, c *organizations.Client, id string) *types.CreateAccountStatus {
	t.Helper()
	var st *types.CreateAccountStatus
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeCreateAccountStatus(context.Background(), &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeCreateAccountStatus %s: %v", id, err)
		}
		st = out.CreateAccountStatus
		if st.State != types.CreateAccountStateInProgress {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("CreateAccount request %s still IN_PROGRESS after 30s", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allAccounts lists the organization's accounts through s.
func allAccounts(t *testing.T, s *srv) []types.Account {
	t.Helper()
	var out []types.Account
	pg := organizations.NewListAccountsPaginator(s.orgs(mgmt), &organizations.ListAccountsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Accounts...)
	}
	return out
}

// TestMultiProcessRaces: two orgstack processes on one PostgreSQL state,
// many concurrent clients through both, racing on the rules that must
// hold across processes. Every invariant holds afterwards, through either
// process, and no client ever sees an error AWS would not give.
func TestMultiProcessRaces(t *testing.T) {
	t.Parallel()
	store := sharedStore(t)
	_, a := startShared(t, store)
	_, b := startShared(t, store)
	procs := []*srv{a, b}
	ctx := context.Background()
	newOrg(t, a, types.OrganizationFeatureSetAll)

	// Accounts: distinct emails all succeed; one email raced by eight
	// requests makes exactly one account.
	const distinct, same = 12, 8
	ids := make([]string, distinct+same)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			email := fmt.Sprintf("m%02d@example.com", i)
			if i >= distinct {
				email = "same@example.com"
			}
			out, err := procs[i%2].orgs(mgmt).CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(email), AccountName: aws.String(fmt.Sprintf("m%02d", i))})
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("CreateAccount %s: %v", email, err))
				mu.Unlock()
				return
			}
			ids[i] = aws.ToString(out.CreateAccountStatus.Id)
		}(i)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("CreateAccount failed:\n%v", errs)
	}
	var members []string
	sameSucceeded := 0
	for i, id := range ids {
		st := finalStatus(t, procs[(i+1)%2].orgs(mgmt), id)
		switch {
		case i < distinct && st.State != types.CreateAccountStateSucceeded:
			t.Fatalf("request %s for a distinct email ended %s %s", id, st.State, st.FailureReason)
		case i >= distinct && st.State == types.CreateAccountStateSucceeded:
			sameSucceeded++
		case i >= distinct && st.FailureReason != types.CreateAccountFailureReasonEmailAlreadyExists:
			t.Fatalf("request %s for the raced email ended %s %s, want SUCCEEDED or FAILED EMAIL_ALREADY_EXISTS", id, st.State, st.FailureReason)
		}
		if st.State == types.CreateAccountStateSucceeded {
			members = append(members, aws.ToString(st.AccountId))
		}
	}
	if sameSucceeded != 1 {
		t.Fatalf("%d accounts created for one email, want exactly 1", sameSucceeded)
	}
	for _, s := range procs {
		accts := allAccounts(t, s)
		emails := map[string]int{}
		byID := map[string]bool{}
		for _, acct := range accts {
			emails[aws.ToString(acct.Email)]++
			byID[aws.ToString(acct.Id)] = true
		}
		for e, n := range emails {
			if n > 1 {
				t.Fatalf("email %s is on %d accounts", e, n)
			}
		}
		if len(accts) != 1+len(members) {
			t.Fatalf("%d accounts listed, want the management account and the %d created", len(accts), len(members))
		}
		for _, id := range members {
			if !byID[id] {
				t.Fatalf("created account %s not listed by %s", id, s.endpoint)
			}
		}
	}

	// One delegated administrator for a service that allows one, raced by
	// every member through both processes.
	if _, err := a.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	var winners []string
	errs = nil
	for i, id := range members {
		wg.Add(1)
		go func(i int, id string) {
			defer wg.Done()
			_, err := procs[i%2].orgs(mgmt).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(id), ServicePrincipal: aws.String("ssm.amazonaws.com")})
			mu.Lock()
			defer mu.Unlock()
			code, reason := codeOf(err)
			switch {
			case err == nil:
				winners = append(winners, id)
			case code != "ConstraintViolationException" || reason != "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE":
				errs = append(errs, fmt.Sprintf("RegisterDelegatedAdministrator %s: %s %s", id, code, reason))
			}
		}(i, id)
	}
	wg.Wait()
	if len(errs) > 0 || len(winners) != 1 {
		t.Fatalf("%d registrations succeeded (want 1); unexpected errors: %v", len(winners), errs)
	}
	for _, s := range procs {
		out, err := s.orgs(mgmt).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("ssm.amazonaws.com")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DelegatedAdministrators) != 1 || aws.ToString(out.DelegatedAdministrators[0].Id) != winners[0] {
			t.Fatalf("delegated administrators for ssm through %s: %d, want exactly %s", s.endpoint, len(out.DelegatedAdministrators), winners[0])
		}
	}

	// Enable and disable raced: every call succeeds, as in AWS, and the
	// service ends in the state of the last call, listed once.
	const principal = "config.amazonaws.com"
	errs = nil
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := procs[i%2].orgs(mgmt)
			var err error
			if i%3 == 0 {
				_, err = c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)})
			} else {
				_, err = c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)})
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("enable/disable races surfaced errors: %v", errs)
	}
	listed := func(s *srv) int {
		out, err := s.orgs(mgmt).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range out.EnabledServicePrincipals {
			if aws.ToString(p.ServicePrincipal) == principal {
				n++
			}
		}
		return n
	}
	if _, err := b.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)}); err != nil {
		t.Fatal(err)
	}
	for _, s := range procs {
		if n := listed(s); n != 1 {
			t.Fatalf("%s listed %d times after a final enable through %s", principal, n, s.endpoint)
		}
	}
	if _, err := a.orgs(mgmt).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)}); err != nil {
		t.Fatal(err)
	}
	for _, s := range procs {
		if n := listed(s); n != 0 {
			t.Fatalf("%s listed %d times after a final disable", principal, n)
		}
	}

	// Acknowledged writes through either process are all there.
	roots, err := a.orgs(mgmt).ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	root := aws.ToString(roots.Roots[0].Id)
	var acked []string
	errs = nil
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := procs[i%2].orgs(mgmt).CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String(fmt.Sprintf("ou-%02d", i))})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err.Error())
				return
			}
			acked = append(acked, aws.ToString(out.OrganizationalUnit.Id))
		}(i)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("CreateOrganizationalUnit surfaced errors: %v", errs)
	}
	for _, s := range procs {
		have := ouIDs(t, s, root)
		for _, id := range acked {
			if !have[id] {
				t.Fatalf("acknowledged OU %s missing through %s", id, s.endpoint)
			}
		}
		if len(have) != len(acked) {
			t.Fatalf("%d OUs through %s, want %d", len(have), s.endpoint, len(acked))
		}
	}
}

func ouIDs(t *testing.T, s *srv, parent string) map[string]bool {
	t.Helper()
	have := map[string]bool{}
	pg := organizations.NewListOrganizationalUnitsForParentPaginator(s.orgs(mgmt), &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, ou := range out.OrganizationalUnits {
			have[aws.ToString(ou.Id)] = true
		}
	}
	return have
}

// TestMultiProcessKillLosesNothing: one of two processes is killed with
// SIGKILL in the middle of a workload through both. Every write either
// process acknowledged is there afterwards, and every account creation
// either acknowledged completes, the survivor running the jobs the dead
// process had queued or left half-done.
func TestMultiProcessKillLosesNothing(t *testing.T) {
	t.Parallel()
	store := sharedStore(t)
	victim, a := startShared(t, store)
	_, b := startShared(t, store)
	ctx := context.Background()
	_, root := newOrg(t, b, types.OrganizationFeatureSetAll)

	type ack struct{ kind, id string }
	var mu sync.Mutex
	var acks []ack
	stop := make(chan struct{})
	var wg sync.WaitGroup
	work := func(s *srv, worker int) {
		defer wg.Done()
		c := s.orgs(mgmt)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(fmt.Sprintf("k%d-%03d@example.com", worker, i)), AccountName: aws.String(fmt.Sprintf("k%d-%03d", worker, i))})
				if err != nil {
					if s == a {
						return // the victim is gone
					}
					t.Errorf("CreateAccount through the survivor: %v", err)
					return
				}
				mu.Lock()
				acks = append(acks, ack{"account", aws.ToString(out.CreateAccountStatus.Id)})
				mu.Unlock()
			} else {
				out, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String(fmt.Sprintf("k%d-%03d", worker, i))})
				if err != nil {
					if s == a {
						return
					}
					t.Errorf("CreateOrganizationalUnit through the survivor: %v", err)
					return
				}
				mu.Lock()
				acks = append(acks, ack{"ou", aws.ToString(out.OrganizationalUnit.Id)})
				mu.Unlock()
			}
		}
	}
	for w := 0; w < 6; w++ {
		wg.Add(1)
		if w%2 == 0 {
			go work(a, w)
		} else {
			go work(b, w)
		}
	}
	time.Sleep(700 * time.Millisecond)
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	accounts := 0
	have := ouIDs(t, b, root)
	c := b.orgs(mgmt)
	for _, k := range acks {
		switch k.kind {
		case "ou":
			if !have[k.id] {
				t.Fatalf("acknowledged OU %s lost with the killed process", k.id)
			}
		case "account":
			accounts++
			st := finalStatus(t, c, k.id)
			if st.State != types.CreateAccountStateSucceeded {
				t.Fatalf("acknowledged CreateAccount %s ended %s %s", k.id, st.State, st.FailureReason)
			}
		}
	}
	if accounts < 3 || len(acks)-accounts < 3 {
		t.Fatalf("too little work before the kill: %d accounts, %d OUs", accounts, len(acks)-accounts)
	}
	if n := len(allAccounts(t, b)); n != 1+accounts {
		t.Fatalf("%d accounts after the kill, want the management account and the %d acknowledged (each created once)", n, accounts)
	}
	t.Logf("%d acknowledged writes (%d accounts) through two processes, one killed; all there", len(acks), accounts)
}
