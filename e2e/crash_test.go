package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
)

// The crash tests run a mixed write workload from several concurrent
// clients against the orgstack binary and kill it with SIGKILL at random
// moments, many times. After every restart on the same state they check
// that the store opened, that every write a client saw acknowledged is
// there, that writes whose response never arrived are either whole or
// absent, that the records agree with each other, and that the jobs the
// killed process left behind finish.
//
// Each client owns its own objects (accounts, OUs, handshakes, roles), so
// the test knows, for every object, the states it may be in: the state of
// the last acknowledged write, plus the state an unanswered write would
// have left.

// crashRounds is how many times the server is killed:
// ORGSTACK_CRASH_ROUNDS, or 10.
func crashRounds(t *testing.T) int {
	t.Helper()
	if v := os.Getenv("ORGSTACK_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ORGSTACK_CRASH_ROUNDS=%q is not a positive number", v)
		}
		return n
	}
	return 10
}

// choosesOwnStore skips a test that picks its stores itself in the
// end-to-end pass that runs every server on PostgreSQL: the first pass
// already ran it on every store it uses.
func choosesOwnStore(t *testing.T) {
	t.Helper()
	if os.Getenv("ORGSTACK_E2E_STORE") == "postgres" {
		t.Skip("chooses its own stores; ran in the first pass")
	}
}

// TestCrashKillLoop kills the server on the embedded store.
func TestCrashKillLoop(t *testing.T) {
	choosesOwnStore(t)
	t.Parallel()
	runCrashLoop(t, []string{"--data-dir", t.TempDir()})
}

// TestCrashKillLoopPostgres kills the server on the PostgreSQL store.
func TestCrashKillLoopPostgres(t *testing.T) {
	choosesOwnStore(t)
	t.Parallel()
	store := sharedStore(t)
	runCrashLoop(t, []string{"--store", store, "--data-dir", t.TempDir(), "--job-poll-interval", "200ms"})
}

// outcome classifies a write's result.
type outcome int

const (
	applied    outcome = iota // 2xx: the write is there
	refused                   // an AWS error: nothing changed
	unanswered                // no response: whole or absent
)

// classify turns a call's error into an outcome; a server fault fails the
// test (a killed server answers nothing, never a 5xx).
func classify(t *testing.T, op string, err error) outcome {
	if err == nil {
		return applied
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return unanswered // the connection failed: no status, no error code
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		t.Errorf("%s: server fault %v", op, err)
	}
	return refused
}

// crashModel holds, per object, the states it may be in.
type crashModel struct {
	mu      sync.Mutex
	allowed map[string]map[string]bool

	// What the clients learned about the objects they own.
	accountID map[string]string // email → account id
	requests  map[string]string // create-account request id → email (acknowledged)
	ouID      map[string]string // OU name → id
	handshake map[string]string // invited account → handshake id

	acked, unanswered int // writes by outcome
}

func newCrashModel() *crashModel {
	return &crashModel{
		allowed:   map[string]map[string]bool{},
		accountID: map[string]string{},
		requests:  map[string]string{},
		ouID:      map[string]string{},
		handshake: map[string]string{},
	}
}

// set records an acknowledged write: key is now in state.
func (m *crashModel) set(key, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allowed[key] = map[string]bool{state: true}
}

// maybe records an unanswered write: key may also be in state.
func (m *crashModel) maybe(key, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.allowed[key] == nil {
		m.allowed[key] = map[string]bool{}
	}
	m.allowed[key][state] = true
}

// record applies a write's outcome to key.
func (m *crashModel) record(o outcome, key, state string) {
	switch o {
	case applied:
		m.set(key, state)
		m.mu.Lock()
		m.acked++
		m.mu.Unlock()
	case unanswered:
		m.maybe(key, state)
		m.mu.Lock()
		m.unanswered++
		m.mu.Unlock()
	}
}

// certain is key's state when only one is possible.
func (m *crashModel) certain(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.allowed[key]) != 1 {
		return "", false
	}
	for s := range m.allowed[key] {
		return s, true
	}
	return "", false
}

// states lists the states key may be in.
func (m *crashModel) states(key string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for s := range m.allowed[key] {
		out = append(out, s)
	}
	return out
}

// keys lists the keys with the prefix, sorted.
func (m *crashModel) keys(prefix string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.allowed {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// check compares key's actual state with the allowed ones and then pins
// it to the actual state.
func (m *crashModel) check(t *testing.T, round int, key, actual string) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	allowed := m.allowed[key]
	if !allowed[actual] {
		var want []string
		for s := range allowed {
			want = append(want, s)
		}
		sort.Strings(want)
		t.Errorf("round %d: %s is %q after the restart, want one of %q", round, key, actual, want)
	}
	m.allowed[key] = map[string]bool{actual: true}
}

func (m *crashModel) lookup(table map[string]string, k string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := table[k]
	return v, ok
}

func (m *crashModel) learn(table map[string]string, k, v string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	table[k] = v
}

// crashRun is one test's fixed setting.
type crashRun struct {
	t     *testing.T
	m     *crashModel
	root  string
	org   string
	daAcc []string // accounts the trusted-access client registers as delegated administrators
}

const (
	crashSLRService = "config.amazonaws.com" // enabled throughout; its role goes into every account
	crashSLRRole    = "AWSServiceRoleForConfig"
	crashToggled    = "ram.amazonaws.com" // enabled and disabled
	crashSingleDA   = "ssm.amazonaws.com" // enabled and disabled; one delegated administrator at most
	crashSingleRole = "AWSServiceRoleForAmazonSSM_AccountDiscovery"
)

func runCrashLoop(t *testing.T, storeArgs []string) {
	rounds := crashRounds(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("%d rounds, seed %d", rounds, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	args := append(slices.Clone(storeArgs), "--max-accounts", "1000",
		"--create-account-delay", "40ms", "--service-role-delay", "40ms")
	ctx := context.Background()

	p := startProcess(t, args...)
	s := &srv{t: t, endpoint: p.endpoint}
	o, root := newOrg(t, s, types.OrganizationFeatureSetAll)
	run := &crashRun{t: t, m: newCrashModel(), root: root, org: aws.ToString(o.Id)}
	if _, err := s.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(crashSLRService)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		run.daAcc = append(run.daAcc, sdkCreateAccount(t, s.orgs(mgmt), fmt.Sprintf("da%d@example.com", i), fmt.Sprintf("da%d", i)))
	}
	run.m.set("trusted/"+crashToggled, "off")
	run.m.set("trusted/"+crashSingleDA, "off")
	for _, a := range run.daAcc {
		run.m.set("da/"+crashSLRService+"/"+a, "no")
		run.m.set("da/"+crashSingleDA+"/"+a, "no")
	}

	clients := []func(*srv, *rand.Rand, <-chan struct{}){
		func(s *srv, r *rand.Rand, stop <-chan struct{}) { run.structure(s, r, stop, 0) },
		func(s *srv, r *rand.Rand, stop <-chan struct{}) { run.structure(s, r, stop, 1) },
		run.trustedAccess,
		run.handshakes,
		run.iamWrites,
	}
	acked := 0
	for round := 1; round <= rounds; round++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			r := rand.New(rand.NewPCG(rng.Uint64(), uint64(i)))
			go func(i int) {
				defer wg.Done()
				c(s, r, stop)
			}(i)
		}
		time.Sleep(time.Duration(150+rng.IntN(650)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}

		p = startProcess(t, args...)
		s = &srv{t: t, endpoint: p.endpoint}
		acked += run.verify(s, round)
		if t.Failed() {
			t.Fatalf("round %d: invariants broken after the restart (seed %d)", round, seed)
		}
	}
	t.Logf("%d kills; %d acknowledged writes, %d unanswered; %d object states checked", rounds, run.m.acked, run.m.unanswered, acked)
}

// stopped reports whether the round is over.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// structure creates accounts and OUs, moves accounts between the root and
// its OUs and deletes its empty OUs.
func (run *crashRun) structure(s *srv, r *rand.Rand, stop <-chan struct{}, w int) {
	t, m, ctx := run.t, run.m, context.Background()
	c := s.orgs(mgmt)
	prefix := fmt.Sprintf("s%d-", w)
	for !stopped(stop) {
		var o outcome
		switch n := r.IntN(10); {
		case n < 2 && len(m.keys("acct/"+prefix)) < 12:
			email := fmt.Sprintf("%s%d@example.com", prefix, len(m.keys("acct/"+prefix)))
			m.set("acct/"+email, "absent")
			out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(email), AccountName: aws.String(strings.TrimSuffix(email, "@example.com"))})
			o = classify(t, "CreateAccount", err)
			m.record(o, "acct/"+email, "parent:root")
			if o == applied {
				m.learn(m.requests, aws.ToString(out.CreateAccountStatus.Id), email)
			}
		case n < 4:
			parent, parentName := run.root, "root"
			if ous := run.certainOUs(prefix); len(ous) > 0 && r.IntN(2) == 0 {
				name := ous[r.IntN(len(ous))]
				if st, _ := m.certain("ou/" + name); st == "parent:root" {
					parent, _ = m.lookup(m.ouID, name)
					parentName = name
				}
			}
			name := fmt.Sprintf("%sou%d", prefix, len(m.keys("ou/"+prefix)))
			m.set("ou/"+name, "absent")
			out, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(name)})
			o = classify(t, "CreateOrganizationalUnit", err)
			m.record(o, "ou/"+name, "parent:"+parentName)
			if o == applied {
				m.learn(m.ouID, name, aws.ToString(out.OrganizationalUnit.Id))
			}
		case n < 5:
			ous := run.certainOUs(prefix)
			if len(ous) == 0 {
				continue
			}
			name := ous[r.IntN(len(ous))]
			id, _ := m.lookup(m.ouID, name)
			_, err := c.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)})
			o = classify(t, "DeleteOrganizationalUnit", err)
			m.record(o, "ou/"+name, "absent")
		case n < 9:
			var movable []string
			for _, k := range m.keys("acct/" + prefix) {
				email := strings.TrimPrefix(k, "acct/")
				if st, ok := m.certain(k); ok && st != "absent" {
					if _, known := m.lookup(m.accountID, email); known {
						movable = append(movable, email)
					}
				}
			}
			if len(movable) == 0 {
				run.resolveRequests(c)
				continue
			}
			email := movable[r.IntN(len(movable))]
			id, _ := m.lookup(m.accountID, email)
			from, _ := m.certain("acct/" + email)
			fromID := run.parentID(strings.TrimPrefix(from, "parent:"))
			to := "root"
			if ous := run.certainOUs(prefix); len(ous) > 0 && r.IntN(3) > 0 {
				to = ous[r.IntN(len(ous))]
			}
			if "parent:"+to == from || fromID == "" {
				continue
			}
			_, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(fromID), DestinationParentId: aws.String(run.parentID(to))})
			o = classify(t, "MoveAccount", err)
			m.record(o, "acct/"+email, "parent:"+to)
		default:
			run.resolveRequests(c)
		}
		if o == unanswered {
			return
		}
	}
}

// certainOUs are the client's OUs known to exist.
func (run *crashRun) certainOUs(prefix string) []string {
	var out []string
	for _, k := range run.m.keys("ou/" + prefix) {
		name := strings.TrimPrefix(k, "ou/")
		if st, ok := run.m.certain(k); ok && st != "absent" {
			if _, known := run.m.lookup(run.m.ouID, name); known {
				out = append(out, name)
			}
		}
	}
	return out
}

func (run *crashRun) parentID(name string) string {
	if name == "root" {
		return run.root
	}
	id, _ := run.m.lookup(run.m.ouID, name)
	return id
}

// resolveRequests learns the ids of accounts whose creation finished.
func (run *crashRun) resolveRequests(c *organizations.Client) {
	run.m.mu.Lock()
	var reqs []string
	for id, email := range run.m.requests {
		if _, ok := run.m.accountID[email]; !ok {
			reqs = append(reqs, id)
		}
	}
	run.m.mu.Unlock()
	for _, id := range reqs {
		out, err := c.DescribeCreateAccountStatus(context.Background(), &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(id)})
		if err != nil {
			return
		}
		if out.CreateAccountStatus.State == types.CreateAccountStateSucceeded {
			email, _ := run.m.lookup(run.m.requests, id)
			run.m.learn(run.m.accountID, email, aws.ToString(out.CreateAccountStatus.AccountId))
		}
	}
}

// trustedAccess enables and disables trusted access and registers and
// deregisters delegated administrators.
func (run *crashRun) trustedAccess(s *srv, r *rand.Rand, stop <-chan struct{}) {
	t, m, ctx := run.t, run.m, context.Background()
	c := s.orgs(mgmt)
	for !stopped(stop) {
		var o outcome
		switch n := r.IntN(4); n {
		case 0, 1:
			principal := crashToggled
			if n == 1 {
				principal = crashSingleDA
			}
			key := "trusted/" + principal
			st, ok := m.certain(key)
			if !ok {
				continue
			}
			if st == "off" {
				_, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)})
				o = classify(t, "EnableAWSServiceAccess", err)
				m.record(o, key, "on")
			} else {
				_, err := c.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)})
				o = classify(t, "DisableAWSServiceAccess", err)
				m.record(o, key, "off")
			}
			if o == refused {
				t.Errorf("changing trusted access for %s refused", principal)
			}
		default:
			principal := crashSLRService
			if n == 3 {
				principal = crashSingleDA
			}
			acct := run.daAcc[r.IntN(len(run.daAcc))]
			key := "da/" + principal + "/" + acct
			st, ok := m.certain(key)
			if !ok {
				continue
			}
			if st == "no" {
				_, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(acct), ServicePrincipal: aws.String(principal)})
				o = classify(t, "RegisterDelegatedAdministrator", err)
				m.record(o, key, "yes")
			} else {
				_, err := c.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(acct), ServicePrincipal: aws.String(principal)})
				o = classify(t, "DeregisterDelegatedAdministrator", err)
				m.record(o, key, "no")
			}
		}
		if o == unanswered {
			return
		}
	}
}

// handshakes invites standalone accounts, which accept or decline, or the
// management account cancels.
func (run *crashRun) handshakes(s *srv, r *rand.Rand, stop <-chan struct{}) {
	t, m, ctx := run.t, run.m, context.Background()
	c := s.orgs(mgmt)
	for !stopped(stop) {
		var o outcome
		var open []string
		for _, k := range m.keys("hs/") {
			target := strings.TrimPrefix(k, "hs/")
			if st, ok := m.certain(k); ok && st == "REQUESTED" {
				if _, known := m.lookup(m.handshake, target); known {
					open = append(open, target)
				}
			}
		}
		if len(open) == 0 || (r.IntN(3) == 0 && len(m.keys("hs/")) < 40) {
			target := fmt.Sprintf("3000000%05d", len(m.keys("hs/")))
			m.set("hs/"+target, "none")
			out, err := c.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &types.HandshakeParty{Id: aws.String(target), Type: types.HandshakePartyTypeAccount}})
			o = classify(t, "InviteAccountToOrganization", err)
			m.record(o, "hs/"+target, "REQUESTED") // parity/0021: an invitation starts REQUESTED
			if o == applied {
				m.learn(m.handshake, target, aws.ToString(out.Handshake.Id))
			}
		} else {
			target := open[r.IntN(len(open))]
			id, _ := m.lookup(m.handshake, target)
			var err error
			state := ""
			switch r.IntN(3) {
			case 0:
				_, err = s.orgs(target).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(id)})
				state = "ACCEPTED"
			case 1:
				_, err = s.orgs(target).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: aws.String(id)})
				state = "DECLINED"
			default:
				_, err = c.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: aws.String(id)})
				state = "CANCELED"
			}
			o = classify(t, state, err)
			if o == refused {
				t.Errorf("handshake %s → %s refused: %v", id, state, err)
			}
			m.record(o, "hs/"+target, state)
		}
		if o == unanswered {
			return
		}
	}
}

// iamWrites creates, changes and deletes roles and managed policies in
// the management account.
func (run *crashRun) iamWrites(s *srv, r *rand.Rand, stop <-chan struct{}) {
	t, m, ctx := run.t, run.m, context.Background()
	c := s.iam(mgmt)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	roleState := func(inline bool, attached string) string {
		return fmt.Sprintf("inline=%v attached=%s", inline, attached)
	}
	parse := func(st string) (inline bool, attached string) {
		_, err := fmt.Sscanf(st, "inline=%t attached=%s", &inline, &attached)
		if err != nil {
			inline = strings.HasPrefix(st, "inline=true")
		}
		return inline, attached
	}
	for !stopped(stop) {
		var o outcome
		var roles, policies []string
		attachedTo := map[string]bool{}
		for _, k := range m.keys("role/") {
			if st, ok := m.certain(k); ok && st != "absent" {
				roles = append(roles, strings.TrimPrefix(k, "role/"))
			}
			for _, st := range m.states(k) {
				if _, a := parse(st); a != "" {
					attachedTo[a] = true
				}
			}
		}
		for _, k := range m.keys("policy/") {
			if st, ok := m.certain(k); ok && st == "present" {
				policies = append(policies, strings.TrimPrefix(k, "policy/"))
			}
		}
		n := r.IntN(8)
		switch {
		case n == 0 || len(roles) == 0:
			name := fmt.Sprintf("crash-r%d", len(m.keys("role/")))
			m.set("role/"+name, "absent")
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
			o = classify(t, "CreateRole", err)
			m.record(o, "role/"+name, roleState(false, ""))
		case n == 1 || len(policies) == 0:
			name := fmt.Sprintf("crash-p%d", len(m.keys("policy/")))
			m.set("policy/"+name, "absent")
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
			o = classify(t, "CreatePolicy", err)
			m.record(o, "policy/"+name, "present")
		case n == 2:
			p := policies[r.IntN(len(policies))]
			if attachedTo[p] {
				continue
			}
			_, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(crashPolicyARN(p))})
			o = classify(t, "DeletePolicy", err)
			m.record(o, "policy/"+p, "absent")
		default:
			role := roles[r.IntN(len(roles))]
			st, _ := m.certain("role/" + role)
			inline, attached := parse(st)
			switch {
			case !inline && n <= 4:
				_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)})
				o = classify(t, "PutRolePolicy", err)
				m.record(o, "role/"+role, roleState(true, attached))
			case inline && n <= 4:
				_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("inline")})
				o = classify(t, "DeleteRolePolicy", err)
				m.record(o, "role/"+role, roleState(false, attached))
			case attached == "" && n == 5:
				p := policies[r.IntN(len(policies))]
				_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(crashPolicyARN(p))})
				o = classify(t, "AttachRolePolicy", err)
				m.record(o, "role/"+role, roleState(inline, p))
			case attached != "" && n == 5:
				_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(crashPolicyARN(attached))})
				o = classify(t, "DetachRolePolicy", err)
				m.record(o, "role/"+role, roleState(inline, ""))
			default:
				// Deleting a role that still has policies is refused
				// with DeleteConflict, which changes nothing.
				_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(role)})
				o = classify(t, "DeleteRole", err)
				if o == refused && !inline && attached == "" {
					t.Errorf("DeleteRole %s with no policies refused: %v", role, err)
				}
				if o == applied && (inline || attached != "") {
					t.Errorf("DeleteRole %s succeeded with policies attached", role)
				}
				m.record(o, "role/"+role, "absent")
			}
		}
		if o == unanswered {
			return
		}
	}
}

func crashPolicyARN(name string) string { return "arn:aws:iam::" + mgmt + ":policy/" + name }
