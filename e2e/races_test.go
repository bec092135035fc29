package e2e

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// TestRaceInvariants: many clients race conflicting operations against one
// server; every rule holds afterwards and each loser gets AWS's error for
// what it lost to. On the embedded store (and on PostgreSQL in the suite's
// PostgreSQL pass).
func TestRaceInvariants(t *testing.T) {
	t.Parallel()
	s := start(t, maxAccounts(1000))
	raceInvariants(t, []*srv{s})
}

// TestRaceInvariantsMultiProcess: the same races through two processes on
// one PostgreSQL state, alternating between them.
func TestRaceInvariantsMultiProcess(t *testing.T) {
	choosesOwnStore(t)
	t.Parallel()
	store := sharedStore(t)
	_, a := startShared(t, store)
	_, b := startShared(t, store)
	raceInvariants(t, []*srv{a, b})
}

// raceTally counts the outcomes of racing calls by error code (and
// Reason), "" for success.
type raceTally struct {
	mu  sync.Mutex
	got map[string][]int // outcome → racer indexes
}

func (r *raceTally) add(i int, err error) {
	code, reason := codeOf(err)
	var hcv *types.HandshakeConstraintViolationException
	if errors.As(err, &hcv) {
		reason = string(hcv.Reason)
	}
	if reason != "" {
		code += " " + reason
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string][]int{}
	}
	r.got[code] = append(r.got[code], i)
}

// winners are the racers that succeeded.
func (r *raceTally) winners() []int { return r.got[""] }

func (r *raceTally) String() string {
	var parts []string
	for k, v := range r.got {
		if k == "" {
			k = "success"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", k, len(v)))
	}
	sort.Strings(parts)
	return fmt.Sprint(parts)
}

// race runs f for racers 0..n-1 at once and waits for them all.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			f(i)
		}(i)
	}
	close(start)
	wg.Wait()
}

func raceInvariants(t *testing.T, procs []*srv) {
	ctx := context.Background()
	via := func(i int) *srv { return procs[i%len(procs)] }
	const racers = 24

	// One organization per account: CreateOrganization raced from one
	// account.
	const other = "222200000001"
	var created raceTally
	orgIDs := make([]string, racers)
	race(racers, func(i int) {
		out, err := via(i).orgs(other).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll})
		created.add(i, err)
		if err == nil {
			orgIDs[i] = aws.ToString(out.Organization.Id)
		}
	})
	if len(created.winners()) != 1 || len(created.got["AlreadyInOrganizationException"]) != racers-1 {
		t.Fatalf("CreateOrganization raced from one account: %v, want one success and AlreadyInOrganizationException for the rest", &created)
	}
	otherOrg := orgIDs[created.winners()[0]]
	for _, s := range procs {
		out, err := s.orgs(other).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		if err != nil || aws.ToString(out.Organization.Id) != otherOrg {
			t.Fatalf("after the race %s is in %v (%v), want %s", other, out, err, otherOrg)
		}
	}

	// Unique e-mails: CreateAccount raced on one address makes one
	// account; distinct addresses all succeed.
	_, root := newOrg(t, procs[0], types.OrganizationFeatureSetAll)
	const distinct = 8
	requests := make([]string, racers)
	var asked raceTally
	race(racers, func(i int) {
		email := "same@example.com"
		if i < distinct {
			email = fmt.Sprintf("r%02d@example.com", i)
		}
		out, err := via(i).orgs(mgmt).CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(email), AccountName: aws.String(fmt.Sprintf("r%02d", i))})
		asked.add(i, err)
		if err == nil {
			requests[i] = aws.ToString(out.CreateAccountStatus.Id)
		}
	})
	if len(asked.winners()) != racers {
		t.Fatalf("CreateAccount requests: %v, want every one accepted (failures are asynchronous)", &asked)
	}
	var members []string
	sameOK := 0
	for i, id := range requests {
		st := finalStatus(t, via(i+1).orgs(mgmt), id)
		switch {
		case st.State == types.CreateAccountStateSucceeded:
			if i >= distinct {
				sameOK++
			} else {
				members = append(members, aws.ToString(st.AccountId))
			}
		case i < distinct || st.FailureReason != types.CreateAccountFailureReasonEmailAlreadyExists:
			t.Fatalf("request %d ended %s %s", i, st.State, st.FailureReason)
		}
	}
	if sameOK != 1 {
		t.Fatalf("%d accounts for one e-mail, want 1", sameOK)
	}
	walkTree(t, procs[0], root) // unique e-mails, one parent each
	if t.Failed() {
		t.FailNow()
	}

	// One administrator for a service whose catalogue limit is 1, raced by
	// every member (three racers each).
	if _, err := procs[0].orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("ssm.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	var registered raceTally
	race(racers, func(i int) {
		_, err := via(i).orgs(mgmt).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(members[i%distinct]), ServicePrincipal: aws.String("ssm.amazonaws.com")})
		registered.add(i, err)
	})
	if len(registered.winners()) != 1 {
		t.Fatalf("RegisterDelegatedAdministrator raced: %v, want one success", &registered)
	}
	admin := members[registered.winners()[0]%distinct]
	for code, who := range registered.got {
		for _, i := range who {
			want := "ConstraintViolationException DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE"
			if members[i%distinct] == admin {
				want = "AccountAlreadyRegisteredException"
			}
			if code != "" && code != want {
				t.Errorf("racer %d registering %s got %s, want %s", i, members[i%distinct], code, want)
			}
		}
	}
	for _, s := range procs {
		out, err := s.orgs(mgmt).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("ssm.amazonaws.com")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DelegatedAdministrators) != 1 || aws.ToString(out.DelegatedAdministrators[0].Id) != admin {
			t.Fatalf("delegated administrators of ssm: %d, want exactly %s", len(out.DelegatedAdministrators), admin)
		}
	}

	// One organization per account: two organizations invite one account,
	// which accepts both at once, many times.
	const invitee = "333300000001"
	inviteOf := func(from string) string {
		out, err := procs[0].orgs(from).InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &types.HandshakeParty{Id: aws.String(invitee), Type: types.HandshakePartyTypeAccount}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Handshake.Id)
	}
	invitations := []string{inviteOf(mgmt), inviteOf(other)}
	var accepted raceTally
	race(racers, func(i int) {
		_, err := via(i/2).orgs(invitee).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(invitations[i%2])})
		accepted.add(i, err)
	})
	if len(accepted.winners()) != 1 {
		t.Fatalf("AcceptHandshake of two organizations' invitations raced: %v, want one success", &accepted)
	}
	won := accepted.winners()[0] % 2
	for code, who := range accepted.got {
		for _, i := range who {
			want := "HandshakeConstraintViolationException ALREADY_IN_AN_ORGANIZATION"
			if i%2 == won {
				want = "HandshakeAlreadyInStateException"
			}
			if code != "" && code != want {
				t.Errorf("racer %d accepting %s got %s, want %s", i, invitations[i%2], code, want)
			}
		}
	}
	wantOrg := map[int]string{0: aws.ToString(describeOrg(t, procs[0], mgmt).Id), 1: otherOrg}[won]
	for _, s := range procs {
		if got := aws.ToString(describeOrg(t, s, invitee).Id); got != wantOrg {
			t.Fatalf("%s is in %s, want %s", invitee, got, wantOrg)
		}
	}
	for i, from := range []string{mgmt, other} {
		out, err := procs[0].orgs(from).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String(invitations[i])})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]types.HandshakeState{true: types.HandshakeStateAccepted, false: types.HandshakeStateRequested}[i == won]; out.Handshake.State != want {
			t.Fatalf("invitation from %s is %s, want %s", from, out.Handshake.State, want)
		}
	}

	// The handshake state machine: accept, decline and cancel raced on
	// each of several invitations; one transition wins, every other call
	// gets the error for the state it found.
	const invitations2 = 6
	targets := make([]string, invitations2)
	handshakes := make([]string, invitations2)
	for k := range targets {
		targets[k] = fmt.Sprintf("3333000001%02d", k)
		out, err := procs[0].orgs(mgmt).InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &types.HandshakeParty{Id: aws.String(targets[k]), Type: types.HandshakePartyTypeAccount}})
		if err != nil {
			t.Fatal(err)
		}
		handshakes[k] = aws.ToString(out.Handshake.Id)
	}
	tallies := make([]raceTally, invitations2)
	actions := []string{"ACCEPTED", "DECLINED", "CANCELED"}
	race(invitations2*9, func(i int) {
		k, action := i/9, actions[i%3]
		id := aws.String(handshakes[k])
		var err error
		switch action {
		case "ACCEPTED":
			_, err = via(i).orgs(targets[k]).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: id})
		case "DECLINED":
			_, err = via(i).orgs(targets[k]).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: id})
		default:
			_, err = via(i).orgs(mgmt).CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: id})
		}
		tallies[k].add(i, err)
	})
	for k := range targets {
		tl := &tallies[k]
		if len(tl.winners()) != 1 {
			t.Fatalf("handshake %s: %v, want exactly one transition", handshakes[k], tl)
		}
		final := actions[tl.winners()[0]%3]
		for code, who := range tl.got {
			for _, i := range who {
				want := "InvalidHandshakeTransitionException"
				if actions[i%3] == final {
					want = "HandshakeAlreadyInStateException"
				}
				if code != "" && code != want {
					t.Errorf("handshake %s: %s after %s got %s, want %s", handshakes[k], actions[i%3], final, code, want)
				}
			}
		}
		for _, s := range procs {
			out, err := s.orgs(mgmt).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String(handshakes[k])})
			if err != nil {
				t.Fatal(err)
			}
			if string(out.Handshake.State) != final {
				t.Fatalf("handshake %s is %s; the winning call made it %s", handshakes[k], out.Handshake.State, final)
			}
		}
		_, err := procs[0].orgs(targets[k]).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		if (final == "ACCEPTED") != (err == nil) {
			t.Fatalf("handshake %s ended %s; its account's DescribeOrganization: %v", handshakes[k], final, err)
		}
	}

	// The OU tree: an OU deleted while accounts move into it and OUs are
	// created under it. Either the deletion wins and every other call finds
	// no parent, or a child arrives first, the deletion is refused as not
	// empty and every child arrives.
	const contested = 6
	ous := make([]string, contested)
	for k := range ous {
		out, err := procs[0].orgs(mgmt).CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String(fmt.Sprintf("contested-%d", k))})
		if err != nil {
			t.Fatal(err)
		}
		ous[k] = aws.ToString(out.OrganizationalUnit.Id)
	}
	const perOU = 4 // a deletion, a move, two creations
	deletes := make([]error, contested)
	children := make([]raceTally, contested)
	race(contested*perOU, func(i int) {
		k, c := i/perOU, via(i).orgs(mgmt)
		var err error
		switch i % perOU {
		case 0:
			_, err = c.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(ous[k])})
			deletes[k] = err
			return
		case 1:
			_, err = c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(members[k]), SourceParentId: aws.String(root), DestinationParentId: aws.String(ous[k])})
		default:
			_, err = c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(ous[k]), Name: aws.String(fmt.Sprintf("child-%d", i))})
		}
		children[k].add(i, err)
	})
	tree := walkTree(t, procs[len(procs)-1], root)
	for k, ou := range ous {
		code, _ := codeOf(deletes[k])
		switch code {
		case "":
			for code, who := range children[k].got {
				for _, i := range who {
					want := "ParentNotFoundException"
					if i%perOU == 1 {
						want = "DestinationParentNotFoundException"
					}
					if code != want {
						t.Errorf("OU %s deleted; racer %d got %q, want %s", ou, i, code, want)
					}
				}
			}
			if _, ok := tree.ouParent[ou]; ok {
				t.Errorf("OU %s deleted but still in the tree", ou)
			}
			if tree.acctParent[members[k]] != root {
				t.Errorf("OU %s deleted; account %s is under %s", ou, members[k], tree.acctParent[members[k]])
			}
		case "OrganizationalUnitNotEmptyException":
			if len(children[k].winners()) != perOU-1 {
				t.Errorf("OU %s kept; its children: %v, want every one to arrive", ou, &children[k])
			}
			if tree.acctParent[members[k]] != ou {
				t.Errorf("OU %s kept; account %s is under %s", ou, members[k], tree.acctParent[members[k]])
			}
			n := 0
			for _, p := range tree.ouParent {
				if p == ou {
					n++
				}
			}
			if n != perOU-2 {
				t.Errorf("OU %s kept with %d OUs under it, want %d", ou, n, perOU-2)
			}
		default:
			t.Errorf("DeleteOrganizationalUnit %s: %v", ou, deletes[k])
		}
	}
}

func describeOrg(t *testing.T, s *srv, account string) *types.Organization {
	t.Helper()
	out, err := s.orgs(account).DescribeOrganization(context.Background(), &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatalf("DescribeOrganization as %s: %v", account, err)
	}
	return out.Organization
}
