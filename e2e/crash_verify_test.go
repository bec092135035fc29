package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// orgTree is the organization as its listings show it.
type orgTree struct {
	ouParent    map[string]string // OU id → parent id
	ouName      map[string]string // OU id → name
	ouByName    map[string]string // OU name → id
	acctParent  map[string]string // account id → parent id
	accounts    map[string]types.Account
	acctByEmail map[string]string
}

// walkTree lists the root's tree and every account, and checks that they
// agree: each account listed is under exactly one parent, which ListParents
// names; each OU is under exactly one parent; names and e-mails are unique.
func walkTree(t testing.TB, s *srv, root string) *orgTree {
	ctx := context.Background()
	c := s.orgs(mgmt)
	tr := &orgTree{ouParent: map[string]string{}, ouName: map[string]string{}, ouByName: map[string]string{},
		acctParent: map[string]string{}, accounts: map[string]types.Account{}, acctByEmail: map[string]string{}}
	queue := []string{root}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		ous := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for ous.HasMorePages() {
			page, err := ous.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListOrganizationalUnitsForParent %s: %v", parent, err)
			}
			for _, ou := range page.OrganizationalUnits {
				id, name := aws.ToString(ou.Id), aws.ToString(ou.Name)
				if p, dup := tr.ouParent[id]; dup {
					t.Errorf("OU %s listed under %s and %s", id, p, parent)
					continue
				}
				if other, dup := tr.ouByName[name]; dup {
					t.Errorf("OU name %s on %s and %s", name, other, id)
				}
				tr.ouParent[id], tr.ouName[id], tr.ouByName[name] = parent, name, id
				queue = append(queue, id)
			}
		}
		accts := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for accts.HasMorePages() {
			page, err := accts.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccountsForParent %s: %v", parent, err)
			}
			for _, a := range page.Accounts {
				id := aws.ToString(a.Id)
				if p, dup := tr.acctParent[id]; dup {
					t.Errorf("account %s listed under %s and %s", id, p, parent)
				}
				tr.acctParent[id] = parent
			}
		}
	}
	all := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
	for all.HasMorePages() {
		page, err := all.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		for _, a := range page.Accounts {
			id, email := aws.ToString(a.Id), aws.ToString(a.Email)
			if _, dup := tr.accounts[id]; dup {
				t.Errorf("account %s listed twice", id)
			}
			if other, dup := tr.acctByEmail[email]; dup {
				t.Errorf("e-mail %s on accounts %s and %s", email, other, id)
			}
			if a.State != types.AccountStateActive {
				t.Errorf("account %s is %s", id, a.State)
			}
			tr.accounts[id], tr.acctByEmail[email] = a, id
		}
	}
	for id := range tr.accounts {
		if _, ok := tr.acctParent[id]; !ok {
			t.Errorf("account %s is listed but under no parent", id)
		}
	}
	for id := range tr.acctParent {
		if _, ok := tr.accounts[id]; !ok {
			t.Errorf("account %s is under a parent but not listed", id)
		}
	}
	check := func(child, want string) {
		out, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
		if err != nil {
			t.Errorf("ListParents %s: %v", child, err)
			return
		}
		if len(out.Parents) != 1 || aws.ToString(out.Parents[0].Id) != want {
			t.Errorf("ListParents %s: %v, want exactly %s", child, out.Parents, want)
		}
	}
	for id, p := range tr.acctParent {
		if id != mgmt {
			check(id, p)
		}
	}
	for id, p := range tr.ouParent {
		check(id, p)
	}
	return tr
}

func (tr *orgTree) parentName(id, root string) string {
	if id == root {
		return "root"
	}
	return tr.ouName[id]
}

// verify checks the restarted server against the model and the
// invariants, then pins the model to what is there. It returns how many
// objects it checked.
func (run *crashRun) verify(s *srv, round int) int {
	t, m, ctx := run.t, run.m, context.Background()
	c := s.orgs(mgmt)
	if code, h := s.admin(t, "GET", "/_orgstack/health", ""); code != 200 || h["status"] != "ready" {
		t.Fatalf("round %d: health %d %v", round, code, h)
	}

	// The jobs the killed process left behind finish: account creations…
	eventually(t, fmt.Sprintf("round %d: account creations to finish", round), func() bool {
		out, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []types.CreateAccountState{types.CreateAccountStateInProgress}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.CreateAccountStatuses) == 0
	})
	tr := walkTree(t, s, run.root)

	// CreateAccountStatus SUCCEEDED ⇔ the account exists; every
	// acknowledged request succeeded.
	succeeded := map[string]string{}
	statuses := organizations.NewListCreateAccountStatusPaginator(c, &organizations.ListCreateAccountStatusInput{})
	for statuses.HasMorePages() {
		page, err := statuses.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.CreateAccountStatuses {
			id := aws.ToString(st.Id)
			switch st.State {
			case types.CreateAccountStateSucceeded:
				acct := aws.ToString(st.AccountId)
				succeeded[id] = acct
				if _, ok := tr.accounts[acct]; !ok {
					t.Errorf("round %d: request %s SUCCEEDED with account %s, which is not in the organization", round, id, acct)
				}
			case types.CreateAccountStateFailed:
				if st.FailureReason == "" {
					t.Errorf("round %d: request %s FAILED without a reason", round, id)
				}
			default:
				t.Errorf("round %d: request %s is %s after the jobs settled", round, id, st.State)
			}
		}
	}
	created := map[string]bool{}
	for _, acct := range succeeded {
		if created[acct] {
			t.Errorf("round %d: account %s created by two requests", round, acct)
		}
		created[acct] = true
	}
	for id, a := range tr.accounts {
		if a.JoinedMethod == types.AccountJoinedMethodCreated && !created[id] {
			t.Errorf("round %d: account %s joined CREATED without a SUCCEEDED request", round, id)
		}
	}
	m.mu.Lock()
	for req, email := range m.requests {
		if _, ok := succeeded[req]; !ok {
			t.Errorf("round %d: acknowledged CreateAccount %s (%s) did not succeed", round, req, email)
		}
	}
	m.mu.Unlock()

	checked := 0
	// Accounts and OUs the structure clients own.
	for _, k := range m.keys("acct/") {
		email := strings.TrimPrefix(k, "acct/")
		actual := "absent"
		if id, ok := tr.acctByEmail[email]; ok {
			actual = "parent:" + tr.parentName(tr.acctParent[id], run.root)
			m.learn(m.accountID, email, id)
		}
		m.check(t, round, k, actual)
		checked++
	}
	for _, k := range m.keys("ou/") {
		name := strings.TrimPrefix(k, "ou/")
		actual := "absent"
		if id, ok := tr.ouByName[name]; ok {
			actual = "parent:" + tr.parentName(tr.ouParent[id], run.root)
			m.learn(m.ouID, name, id)
		} else if id, ok := m.lookup(m.ouID, name); ok {
			// Not in the tree: it must not exist at all (no orphan).
			_, err := c.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)})
			var nf *types.OrganizationalUnitNotFoundException
			if !errors.As(err, &nf) {
				t.Errorf("round %d: OU %s (%s) is not in the tree; DescribeOrganizationalUnit: %v", round, id, name, err)
			}
		}
		m.check(t, round, k, actual)
		checked++
	}

	// Trusted access: each service listed once; the models' services in
	// the state the client left them.
	enabled := map[string]bool{}
	access := organizations.NewListAWSServiceAccessForOrganizationPaginator(c, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for access.HasMorePages() {
		page, err := access.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.EnabledServicePrincipals {
			if enabled[aws.ToString(p.ServicePrincipal)] {
				t.Errorf("round %d: %s listed twice", round, aws.ToString(p.ServicePrincipal))
			}
			enabled[aws.ToString(p.ServicePrincipal)] = true
		}
	}
	if !enabled[crashSLRService] {
		t.Errorf("round %d: trusted access for %s lost", round, crashSLRService)
	}
	onOff := map[bool]string{true: "on", false: "off"}
	for _, p := range []string{crashToggled, crashSingleDA} {
		m.check(t, round, "trusted/"+p, onOff[enabled[p]])
		checked++
	}

	// Delegated administrators: within the catalogue's limit, members,
	// and the same from the service's and from the account's side.
	byAccount := map[string]map[string]bool{}
	for p, max := range map[string]int{crashSLRService: 3, crashSingleDA: 1} {
		out, err := c.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(p)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DelegatedAdministrators) > max {
			t.Errorf("round %d: %d delegated administrators for %s, at most %d", round, len(out.DelegatedAdministrators), p, max)
		}
		is := map[string]bool{}
		for _, da := range out.DelegatedAdministrators {
			id := aws.ToString(da.Id)
			if _, ok := tr.accounts[id]; !ok {
				t.Errorf("round %d: delegated administrator %s of %s is not a member", round, id, p)
			}
			is[id] = true
			if byAccount[id] == nil {
				byAccount[id] = map[string]bool{}
			}
			byAccount[id][p] = true
		}
		for _, a := range run.daAcc {
			m.check(t, round, "da/"+p+"/"+a, map[bool]string{true: "yes", false: "no"}[is[a]])
			checked++
		}
	}
	for _, a := range run.daAcc {
		out, err := c.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(a)})
		var notReg *types.AccountNotRegisteredException
		if err != nil && !errors.As(err, &notReg) {
			t.Fatal(err)
		}
		got := map[string]bool{}
		if out != nil {
			for _, d := range out.DelegatedServices {
				got[aws.ToString(d.ServicePrincipal)] = true
			}
		}
		if len(got) != len(byAccount[a]) {
			t.Errorf("round %d: account %s delegated for %v by its own listing, %v by the services'", round, a, got, byAccount[a])
		}
		for p := range byAccount[a] {
			if !got[p] {
				t.Errorf("round %d: account %s delegated for %s by the service's listing, not by its own", round, a, p)
			}
		}
	}

	// Handshakes: valid states; an invitation is ACCEPTED exactly when its
	// account is a member; each recipient sees its invitation.
	valid := map[types.HandshakeState]bool{types.HandshakeStateRequested: true, types.HandshakeStateOpen: true,
		types.HandshakeStateCanceled: true, types.HandshakeStateAccepted: true, types.HandshakeStateDeclined: true, types.HandshakeStateExpired: true}
	invited := map[string]types.Handshake{}
	hs := organizations.NewListHandshakesForOrganizationPaginator(c, &organizations.ListHandshakesForOrganizationInput{})
	for hs.HasMorePages() {
		page, err := hs.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page.Handshakes {
			if !valid[h.State] {
				t.Errorf("round %d: handshake %s in state %q", round, aws.ToString(h.Id), h.State)
			}
			for _, party := range h.Parties {
				if party.Type == types.HandshakePartyTypeAccount {
					target := aws.ToString(party.Id)
					if _, dup := invited[target]; dup {
						t.Errorf("round %d: two invitations for %s", round, target)
					}
					invited[target] = h
				}
			}
		}
	}
	for _, k := range m.keys("hs/") {
		target := strings.TrimPrefix(k, "hs/")
		h, ok := invited[target]
		actual := "none"
		if ok {
			actual = string(h.State)
			m.learn(m.handshake, target, aws.ToString(h.Id))
		}
		_, member := tr.accounts[target]
		if member != (actual == "ACCEPTED") {
			t.Errorf("round %d: invitation of %s is %s and the account is a member: %v", round, target, actual, member)
		}
		if !member {
			_, err := s.orgs(target).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
			var notInUse *types.AWSOrganizationsNotInUseException
			if !errors.As(err, &notInUse) {
				t.Errorf("round %d: %s is not a member; its DescribeOrganization: %v", round, target, err)
			}
		}
		if ok {
			out, err := s.orgs(target).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{})
			if err != nil {
				t.Fatal(err)
			}
			seen := false
			for _, own := range out.Handshakes {
				if aws.ToString(own.Id) == aws.ToString(h.Id) {
					seen = own.State == h.State
				}
			}
			if !seen {
				t.Errorf("round %d: %s does not see its invitation %s in state %s", round, target, aws.ToString(h.Id), h.State)
			}
		}
		m.check(t, round, k, actual)
		checked++
	}

	// IAM roles and policies: as the client left them, and a policy's
	// attachment count matches the roles it is attached to.
	ic := s.iam(mgmt)
	attachments := map[string]int32{}
	for _, k := range m.keys("role/") {
		role := strings.TrimPrefix(k, "role/")
		actual := "absent"
		if hasRole(t, s, mgmt, role) {
			inl, err := ic.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
			if err != nil {
				t.Fatal(err)
			}
			att, err := ic.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
			if err != nil {
				t.Fatal(err)
			}
			attached := ""
			for _, p := range att.AttachedPolicies {
				attached += aws.ToString(p.PolicyName)
				attachments[aws.ToString(p.PolicyName)]++
			}
			actual = fmt.Sprintf("inline=%v attached=%s", len(inl.PolicyNames) > 0, attached)
		}
		m.check(t, round, k, actual)
		checked++
	}
	for _, k := range m.keys("policy/") {
		name := strings.TrimPrefix(k, "policy/")
		actual := "absent"
		out, err := ic.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(crashPolicyARN(name))})
		var nse *iamtypes.NoSuchEntityException
		switch {
		case err == nil:
			actual = "present"
			if n := aws.ToInt32(out.Policy.AttachmentCount); n != attachments[name] {
				t.Errorf("round %d: policy %s counts %d attachments, %d roles have it", round, name, n, attachments[name])
			}
		case errors.As(err, &nse):
			if attachments[name] > 0 {
				t.Errorf("round %d: policy %s is gone but attached to %d roles", round, name, attachments[name])
			}
		default:
			t.Fatal(err)
		}
		m.check(t, round, k, actual)
		checked++
	}

	// Service-linked roles: every member has the role of the service
	// enabled throughout, created accounts their access role, the
	// management account the role of Systems Manager while it is enabled.
	eventually(t, fmt.Sprintf("round %d: service-linked roles in every account", round), func() bool {
		for id, a := range tr.accounts {
			if !hasRole(t, s, id, crashSLRRole) || (id != mgmt && !hasRole(t, s, id, "AWSServiceRoleForOrganizations")) {
				return false
			}
			if a.JoinedMethod == types.AccountJoinedMethodCreated && !hasRole(t, s, id, "OrganizationAccountAccessRole") {
				t.Errorf("round %d: created account %s has no OrganizationAccountAccessRole", round, id)
			}
		}
		return !enabled[crashSingleDA] || hasRole(t, s, mgmt, crashSingleRole)
	})
	return checked
}
