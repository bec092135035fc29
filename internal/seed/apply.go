package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
)

// DefaultAccessRole is the role CreateAccount makes in a new account,
// trusting the management account; Apply assumes it to act in members.
const DefaultAccessRole = "OrganizationAccountAccessRole"

// Options configure Apply.
type Options struct {
	// Config carries the management account's credentials, the region
	// and the endpoint (BaseEndpoint).
	Config aws.Config
	// Progress hears of every entry; nil reports nothing.
	Progress Progress
	// Concurrency is how many accounts are worked on at once (default 8).
	Concurrency int
}

// Result is what Apply did.
type Result struct {
	Counts
	OrganizationID    string
	ManagementAccount string
	// Accounts maps the file's account names to their ids.
	Accounts map[string]string
}

type applier struct {
	f         *File
	opt       Options
	org       *organizations.Client
	sts       *sts.Client
	progress  Progress
	mu        sync.Mutex
	counts    Counts
	partition string
	mgmt      string
	rootID    string
	ouIDs     map[*OU]string
	accIDs    map[*Account]string
}

// Apply makes the organization of the caller (the management account of
// opt.Config's credentials) match f: it creates the organization when
// the caller has none, then every OU, policy, account, attachment,
// trusted service, delegated administrator, IAM user and role that is
// missing, and brings tags, policy contents and account placement in
// line. It removes nothing. Existing entities are matched by name (OUs
// under their parent, policies, IAM users and roles) or e-mail (accounts).
func Apply(ctx context.Context, f *File, opt Options) (*Result, error) {
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.Progress == nil {
		opt.Progress = nopProgress{}
	}
	a := &applier{
		f: f, opt: opt, progress: opt.Progress,
		org:    organizations.NewFromConfig(opt.Config),
		sts:    sts.NewFromConfig(opt.Config),
		ouIDs:  map[*OU]string{},
		accIDs: map[*Account]string{},
	}
	a.progress.Start(a.total())
	defer a.progress.Done()
	if err := a.run(ctx); err != nil {
		return nil, err
	}
	res := &Result{Counts: a.counts, ManagementAccount: a.mgmt, Accounts: map[string]string{}}
	for acc, id := range a.accIDs {
		res.Accounts[acc.Name.Value] = id
	}
	if out, err := a.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err == nil {
		res.OrganizationID = aws.ToString(out.Organization.Id)
	}
	return res, nil
}

// total is the number of steps Apply reports.
func (a *applier) total() int {
	n := 1 + len(a.f.Policies) + len(a.f.res.allOUs) + len(a.f.res.allAccounts) + len(a.f.TrustedServices) + len(a.f.DelegatedAdmins)
	n += len(a.f.RootPolicies)
	for _, o := range a.f.res.allOUs {
		n += len(o.Policies)
	}
	iamCount := func(i *IAM) int {
		if i == nil {
			return 0
		}
		return len(i.Users) + len(i.Roles)
	}
	n += iamCount(a.f.IAM)
	for _, acc := range a.f.res.allAccounts {
		n += len(acc.Policies) + iamCount(acc.IAM)
	}
	return n
}

func (a *applier) step(c Change, what string) {
	a.mu.Lock()
	a.counts.add(c)
	a.mu.Unlock()
	a.progress.Step(c, what)
}

// fail is an error about the entry on line.
func (a *applier) fail(line int, what string, err error) error {
	return &Error{File: a.f.Path, Line: line, Msg: what + ": " + describe(err)}
}

// describe is an AWS error as "Code: message", with a hint where one helps.
func describe(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (a *applier) run(ctx context.Context) error {
	id, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("%s: finding who the credentials are (sts GetCallerIdentity): %s", a.f.Path, describe(err))
	}
	a.mgmt = aws.ToString(id.Account)
	a.partition = "aws"
	if parts := strings.SplitN(aws.ToString(id.Arn), ":", 3); len(parts) == 3 {
		a.partition = parts[1]
	}
	if m := a.f.ManagementAccount; m.Value != "" && m.Value != a.mgmt {
		return &Error{File: a.f.Path, Line: m.Line, Msg: fmt.Sprintf("management_account is %s but the credentials are account %s's", m.Value, a.mgmt)}
	}
	if err := a.organization(ctx); err != nil {
		return err
	}
	if err := a.policies(ctx); err != nil {
		return err
	}
	if err := a.ous(ctx); err != nil {
		return err
	}
	if err := a.accounts(ctx); err != nil {
		return err
	}
	if err := a.attachments(ctx); err != nil {
		return err
	}
	if err := a.trustedServices(ctx); err != nil {
		return err
	}
	if err := a.delegatedAdmins(ctx); err != nil {
		return err
	}
	return a.iamAll(ctx)
}

func (a *applier) organization(ctx context.Context) error {
	fs := a.f.FeatureSet
	out, err := a.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	switch {
	case code(err) == "AWSOrganizationsNotInUseException":
		if _, err := a.org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSet(fs.Value)}); err != nil {
			return a.fail(fs.Line, "creating the organization", err)
		}
		a.step(Created, "organization ("+fs.Value+")")
	case err != nil:
		return a.fail(0, "reading the organization", err)
	default:
		o := out.Organization
		if got := aws.ToString(o.MasterAccountId); got != a.mgmt {
			return &Error{File: a.f.Path, Msg: fmt.Sprintf("account %s is a member of organization %s, whose management account is %s; seed with the management account's credentials", a.mgmt, aws.ToString(o.Id), got)}
		}
		if string(o.FeatureSet) != fs.Value {
			return &Error{File: a.f.Path, Line: fs.Line, Msg: fmt.Sprintf("the organization %s exists with feature set %s, the file asks for %s", aws.ToString(o.Id), o.FeatureSet, fs.Value)}
		}
		a.step(Unchanged, "organization "+aws.ToString(o.Id))
	}
	roots, err := a.org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) == 0 {
		return a.fail(0, "listing the roots", err)
	}
	root := roots.Roots[0]
	a.rootID = aws.ToString(root.Id)
	enabled := map[string]bool{}
	for _, t := range root.PolicyTypes {
		if t.Status == types.PolicyTypeStatusEnabled {
			enabled[string(t.Type)] = true
		}
	}
	for _, p := range a.f.Policies {
		t := p.Type.Value
		if enabled[t] {
			continue
		}
		if _, err := a.org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(a.rootID), PolicyType: types.PolicyType(t)}); err != nil && code(err) != "PolicyTypeAlreadyEnabledException" {
			return a.fail(lineOr(p.Type, p.Line), "enabling policy type "+t, err)
		}
		enabled[t] = true
	}
	return nil
}

func orgTags(m map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range sortedNames(m) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// syncTags adds or corrects the tags of an existing resource; it reports
// whether anything changed.
func (a *applier) syncTags(ctx context.Context, id string, want map[string]string) (bool, error) {
	if len(want) == 0 {
		return false, nil
	}
	have := map[string]string{}
	pg := organizations.NewListTagsForResourcePaginator(a.org, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, t := range out.Tags {
			have[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	missing := map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			missing[k] = v
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	_, err := a.org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(id), Tags: orgTags(missing)})
	return err == nil, err
}

func (a *applier) policies(ctx context.Context) error {
	existing := map[string]map[string]string{} // type → name → id
	for _, p := range a.f.Policies {
		t := p.Type.Value
		if existing[t] == nil {
			existing[t] = map[string]string{}
			pg := organizations.NewListPoliciesPaginator(a.org, &organizations.ListPoliciesInput{Filter: types.PolicyType(t)})
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return a.fail(p.Line, "listing policies of type "+t, err)
				}
				for _, s := range out.Policies {
					existing[t][aws.ToString(s.Name)] = aws.ToString(s.Id)
				}
			}
		}
		what := "policy " + quote(p.Name.Value)
		if id, ok := existing[t][p.Name.Value]; ok {
			p.id = id
			d, err := a.org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
			if err != nil {
				return a.fail(p.Line, what, err)
			}
			in := &organizations.UpdatePolicyInput{PolicyId: aws.String(id)}
			change := Unchanged
			if !sameJSON(aws.ToString(d.Policy.Content), p.content) {
				in.Content = aws.String(p.content)
				change = Updated
			}
			if p.Description.Value != aws.ToString(d.Policy.PolicySummary.Description) {
				in.Description = aws.String(p.Description.Value)
				change = Updated
			}
			if change == Updated {
				if _, err := a.org.UpdatePolicy(ctx, in); err != nil {
					return a.fail(p.Line, "updating "+what, err)
				}
			}
			if ch, err := a.syncTags(ctx, id, p.Tags); err != nil {
				return a.fail(p.Line, "tagging "+what, err)
			} else if ch {
				change = Updated
			}
			a.step(change, what)
			continue
		}
		out, err := a.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{
			Name: aws.String(p.Name.Value), Type: types.PolicyType(t), Content: aws.String(p.content),
			Description: aws.String(p.Description.Value), Tags: orgTags(p.Tags),
		})
		if err != nil {
			return a.fail(p.Line, "creating "+what, err)
		}
		p.id = aws.ToString(out.Policy.PolicySummary.Id)
		a.step(Created, what)
	}
	return nil
}

func (a *applier) ous(ctx context.Context) error {
	children := map[string]map[string]string{} // parent id → name → id
	list := func(parent string) (map[string]string, error) {
		if m, ok := children[parent]; ok {
			return m, nil
		}
		m := map[string]string{}
		pg := organizations.NewListOrganizationalUnitsForParentPaginator(a.org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, ou := range out.OrganizationalUnits {
				m[aws.ToString(ou.Name)] = aws.ToString(ou.Id)
			}
		}
		children[parent] = m
		return m, nil
	}
	for _, o := range a.f.res.allOUs {
		parent := a.rootID
		if o.parent != nil {
			parent = a.ouIDs[o.parent]
		}
		what := "organizational unit " + quote(o.Path)
		have, err := list(parent)
		if err != nil {
			return a.fail(o.Line, what, err)
		}
		if id, ok := have[o.Name.Value]; ok {
			a.ouIDs[o] = id
			change := Unchanged
			if ch, err := a.syncTags(ctx, id, o.Tags); err != nil {
				return a.fail(o.Line, "tagging "+what, err)
			} else if ch {
				change = Updated
			}
			a.step(change, what)
			continue
		}
		out, err := a.org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(o.Name.Value), Tags: orgTags(o.Tags)})
		if err != nil {
			return a.fail(o.Line, "creating "+what, err)
		}
		id := aws.ToString(out.OrganizationalUnit.Id)
		a.ouIDs[o] = id
		children[id] = map[string]string{} // new: no children yet
		a.step(Created, what)
	}
	return nil
}

func (a *applier) parentID(acc *Account) string {
	if acc.Parent == nil {
		return a.rootID
	}
	return a.ouIDs[acc.Parent]
}

func (a *applier) accounts(ctx context.Context) error {
	byEmail := map[string]string{}
	pg := organizations.NewListAccountsPaginator(a.org, &organizations.ListAccountsInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return a.fail(0, "listing accounts", err)
		}
		for _, acc := range out.Accounts {
			byEmail[strings.ToLower(aws.ToString(acc.Email))] = aws.ToString(acc.Id)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.opt.Concurrency)
	for _, acc := range a.f.res.allAccounts {
		id := byEmail[strings.ToLower(acc.Email.Value)]
		g.Go(func() error {
			id, err := a.account(gctx, acc, id)
			if err != nil {
				return err
			}
			mu.Lock()
			a.accIDs[acc] = id
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func (a *applier) account(ctx context.Context, acc *Account, id string) (string, error) {
	what := "account " + quote(acc.Name.Value)
	want := a.parentID(acc)
	change := Unchanged
	if id == "" {
		in := &organizations.CreateAccountInput{AccountName: aws.String(acc.Name.Value), Email: aws.String(acc.Email.Value), Tags: orgTags(acc.Tags)}
		if acc.RoleName.Value != "" {
			in.RoleName = aws.String(acc.RoleName.Value)
		}
		out, err := a.org.CreateAccount(ctx, in)
		if err != nil {
			return "", a.fail(acc.Line, "creating "+what, err)
		}
		if id, err = a.waitCreated(ctx, aws.ToString(out.CreateAccountStatus.Id)); err != nil {
			return "", a.fail(acc.Line, "creating "+what, err)
		}
		change = Created
		if want != a.rootID {
			if _, err := a.org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(a.rootID), DestinationParentId: aws.String(want)}); err != nil {
				return "", a.fail(acc.Line, "moving "+what, err)
			}
		}
	} else {
		parents, err := a.org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(id)})
		if err != nil {
			return "", a.fail(acc.Line, what, err)
		}
		if len(parents.Parents) > 0 {
			if have := aws.ToString(parents.Parents[0].Id); have != want {
				if _, err := a.org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(have), DestinationParentId: aws.String(want)}); err != nil {
					return "", a.fail(acc.Line, "moving "+what, err)
				}
				change = Updated
			}
		}
		if ch, err := a.syncTags(ctx, id, acc.Tags); err != nil {
			return "", a.fail(acc.Line, "tagging "+what, err)
		} else if ch {
			change = Updated
		}
	}
	a.step(change, what+" ("+id+")")
	return id, nil
}

// waitCreated polls a CreateAccount request until it ends.
func (a *applier) waitCreated(ctx context.Context, request string) (string, error) {
	delay := 20 * time.Millisecond
	for {
		out, err := a.org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(request)})
		if err != nil {
			return "", err
		}
		st := out.CreateAccountStatus
		switch st.State {
		case types.CreateAccountStateSucceeded:
			return aws.ToString(st.AccountId), nil
		case types.CreateAccountStateFailed:
			msg := "CreateAccount failed: " + string(st.FailureReason)
			if st.FailureReason == types.CreateAccountFailureReasonAccountLimitExceeded {
				msg += " (the organization reached its accounts quota; orgstack's is --max-accounts, 10 by default)"
			}
			return "", errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*3/2, time.Second)
	}
}

type attachTarget struct {
	id, what string
	line     int
	policies []Str
}

func (a *applier) attachments(ctx context.Context) error {
	targets := []attachTarget{{id: a.rootID, what: "the root", policies: a.f.RootPolicies}}
	for _, o := range a.f.res.allOUs {
		targets = append(targets, attachTarget{id: a.ouIDs[o], what: "organizational unit " + quote(o.Path), line: o.Line, policies: o.Policies})
	}
	for _, acc := range a.f.res.allAccounts {
		targets = append(targets, attachTarget{id: a.accIDs[acc], what: "account " + quote(acc.Name.Value), line: acc.Line, policies: acc.Policies})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.opt.Concurrency)
	for _, t := range targets {
		if len(t.policies) == 0 {
			continue
		}
		g.Go(func() error { return a.attach(gctx, t) })
	}
	return g.Wait()
}

func (a *applier) attach(ctx context.Context, t attachTarget) error {
	attached := map[string]bool{} // policy ids
	listed := map[string]bool{}   // types
	for _, ref := range t.policies {
		p := a.f.res.policies[ref.Value]
		typ := p.Type.Value
		if !listed[typ] {
			listed[typ] = true
			pg := organizations.NewListPoliciesForTargetPaginator(a.org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(t.id), Filter: types.PolicyType(typ)})
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return a.fail(lineOr(ref, t.line), t.what, err)
				}
				for _, s := range out.Policies {
					attached[aws.ToString(s.Id)] = true
				}
			}
		}
		what := "attachment of " + quote(p.Name.Value) + " to " + t.what
		if attached[p.id] {
			a.step(Unchanged, what)
			continue
		}
		if _, err := a.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(p.id), TargetId: aws.String(t.id)}); err != nil && code(err) != "DuplicatePolicyAttachmentException" {
			return a.fail(lineOr(ref, t.line), what, err)
		}
		a.step(Created, what)
	}
	return nil
}

func (a *applier) trustedServices(ctx context.Context) error {
	if len(a.f.TrustedServices) == 0 {
		return nil
	}
	enabled := map[string]bool{}
	pg := organizations.NewListAWSServiceAccessForOrganizationPaginator(a.org, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return a.fail(a.f.TrustedServices[0].Line, "listing trusted services", err)
		}
		for _, s := range out.EnabledServicePrincipals {
			enabled[aws.ToString(s.ServicePrincipal)] = true
		}
	}
	for _, s := range a.f.TrustedServices {
		what := "trusted access for " + s.Value
		if enabled[s.Value] {
			a.step(Unchanged, what)
			continue
		}
		if _, err := a.org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(s.Value)}); err != nil {
			return a.fail(s.Line, "enabling "+what, err)
		}
		a.step(Created, what)
	}
	return nil
}

func (a *applier) delegatedAdmins(ctx context.Context) error {
	registered := map[string]map[string]bool{} // service → account ids
	for _, d := range a.f.DelegatedAdmins {
		svc := d.Service.Value
		if registered[svc] == nil {
			registered[svc] = map[string]bool{}
			pg := organizations.NewListDelegatedAdministratorsPaginator(a.org, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(svc)})
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return a.fail(d.Line, "listing delegated administrators of "+svc, err)
				}
				for _, da := range out.DelegatedAdministrators {
					registered[svc][aws.ToString(da.Id)] = true
				}
			}
		}
		acc := a.f.res.accounts[d.Account.Value]
		id := a.accIDs[acc]
		what := "delegated administrator " + quote(d.Account.Value) + " for " + svc
		if registered[svc][id] {
			a.step(Unchanged, what)
			continue
		}
		if _, err := a.org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(id), ServicePrincipal: aws.String(svc)}); err != nil {
			return a.fail(d.Line, "registering "+what, err)
		}
		registered[svc][id] = true
		a.step(Created, what)
	}
	return nil
}

// unescape decodes IAM's URL-encoded policy documents.
func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// sameJSON compares two JSON documents by value.
func sameJSON(x, y string) bool {
	var a, b any
	if json.Unmarshal([]byte(x), &a) != nil || json.Unmarshal([]byte(y), &b) != nil {
		return x == y
	}
	return reflect.DeepEqual(a, b)
}
