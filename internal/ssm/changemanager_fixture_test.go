package ssm

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Accounts of the test organization.
const (
	cmMgmt     = "111111111111"
	cmAdmin    = "222222222222" // delegated administrator for ssm.amazonaws.com
	cmMemberA  = "333333333333"
	cmMemberB  = "444444444444"
	cmMemberC  = "555555555555" // in cmOU
	cmOutsider = "999999999999"
	cmOrg      = "o-abcdefghij"
	cmRoot     = "r-ab12"
	cmOU       = "ou-ab12-workload1"
)

// fakeOrg is an organization as Systems Manager sees it.
type fakeOrg struct {
	enabled bool
	admins  []string
}

func (o *fakeOrg) members() []string {
	return []string{cmMgmt, cmAdmin, cmMemberA, cmMemberB, cmMemberC}
}

func (o *fakeOrg) CreateServiceLinkedRole(store.Tx, time.Time, string, string, string, orgstack.ServiceLinkedRole) error {
	return nil
}
func (o *fakeOrg) AccessEnabled(store.Tx, string, string) (bool, time.Time, error) {
	return o.enabled, time.Time{}, nil
}
func (o *fakeOrg) EnableAccess(store.Tx, time.Time, string, string) error  { return nil }
func (o *fakeOrg) DisableAccess(store.Tx, time.Time, string, string) error { return nil }
func (o *fakeOrg) Members(_ store.Tx, _ string, fn func(string) bool) error {
	for _, a := range o.members() {
		if !fn(a) {
			break
		}
	}
	return nil
}
func (o *fakeOrg) MembersAfter(_ store.Tx, _ string, after string, fn func(string) bool) error {
	for _, a := range o.members() {
		if after != "" && a <= after {
			continue
		}
		if !fn(a) {
			break
		}
	}
	return nil
}
func (o *fakeOrg) HasRole(store.Tx, string, string) (bool, error) { return false, nil }
func (o *fakeOrg) Continue(store.Tx, time.Time, trusted.Event) error {
	return nil
}
func (o *fakeOrg) OrganizationOf(_ store.Tx, account string) (string, string, bool, error) {
	if slices.Contains(o.members(), account) {
		return cmOrg, cmMgmt, true, nil
	}
	return "", "", false, nil
}
func (o *fakeOrg) AccountsUnder(_ store.Tx, _ string, parents []string) ([]string, error) {
	var out []string
	for _, p := range parents {
		switch p {
		case cmRoot:
			out = append(out, o.members()...)
		case cmOU:
			out = append(out, cmMemberC)
		default:
			return nil, fmt.Errorf("%w: %s", trusted.ErrNoSuchParent, p)
		}
	}
	return out, nil
}
func (o *fakeOrg) DelegatedAdministrators(store.Tx, string, string) ([]string, error) {
	return o.admins, nil
}
func (o *fakeOrg) RegisterDelegatedAdmin(store.Tx, time.Time, string, string, string) error {
	return nil
}
func (o *fakeOrg) DeregisterDelegatedAdmin(store.Tx, time.Time, string, string, string) error {
	return nil
}

// cmFixture is Systems Manager over a memory store, with a running job
// queue and the test organization.
type cmFixture struct {
	st    store.Store
	clock *orgstack.OffsetClock
	q     *jobs.Queue
	org   *fakeOrg
	svc   *Service
}

// newCMFixture starts the service; run says whether its queue runs jobs.
func newCMFixture(t *testing.T, run bool) *cmFixture {
	t.Helper()
	f := &cmFixture{st: memory.New(), clock: &orgstack.OffsetClock{}, org: &fakeOrg{enabled: true, admins: []string{cmAdmin}}}
	f.start(t, run)
	return f
}

// start (re)creates the service and its queue over the fixture's store,
// as a restarted server would.
func (f *cmFixture) start(t *testing.T, run bool) {
	t.Helper()
	f.q = jobs.New(f.st, f.clock, slog.New(slog.DiscardHandler))
	f.svc = New(Options{Store: f.st, Clock: f.clock, Jobs: f.q, Org: f.org})
	f.svc.registerChangeManagerJobs()
	if run {
		ctx, cancel := context.WithCancel(context.Background())
		f.q.Start(ctx)
		q := f.q
		t.Cleanup(func() { cancel(); q.Wait() })
	}
}

// settle runs every job that is due.
func (f *cmFixture) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.q.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

const cmRunbook = `schemaVersion: '0.3'
description: Restarts the web tier.
parameters:
  AutomationAssumeRole:
    type: String
    default: ''
  Tier:
    type: String
    description: Which tier
mainSteps:
  - name: restart
    action: aws:sleep
    inputs:
      Duration: PT1S
`

const cmTemplate = `{
  "schemaVersion": "0.3",
  "description": "Template for web restarts",
  "templateInformation": "Restart the web tier across the organization.",
  "parameters": {"Approver": {"type": "String", "description": "Who approves"}},
  "executableRunBooks": [{"name": "RestartWeb", "version": "$DEFAULT"}],
  "autoApprovable": %t,
  "mainSteps": [{"name": "Approve", "action": "aws:approve", "inputs": {"Approvers": [{"approver": "{{ Approver }}", "type": "IamUser", "minRequiredApprovals": 1}]}}]
}`

// setupChange creates, in account's us-east-1, the RestartWeb runbook and
// the WebChange template, approved (or only created when approve is
// false), and returns the caller context.
func (f *cmFixture) setupChange(t *testing.T, account string, approve, autoApprovable bool) context.Context {
	t.Helper()
	ctx := opsAs(account, "us-east-1")
	mustOK[*CreateDocumentResult](t)(f.svc.CreateDocument(ctx, &CreateDocumentRequest{Name: "RestartWeb", Content: cmRunbook,
		DocumentType: DocumentTypeAutomation, DocumentFormat: DocumentFormatYaml}))
	mustOK[*CreateDocumentResult](t)(f.svc.CreateDocument(ctx, &CreateDocumentRequest{Name: "WebChange",
		Content: fmt.Sprintf(cmTemplate, autoApprovable), DocumentType: DocumentTypeAutomationChangeTemplate}))
	if approve {
		for _, a := range []DocumentReviewAction{DocumentReviewActionSendForReview, DocumentReviewActionApprove} {
			mustOK[*UpdateDocumentMetadataResponse](t)(f.svc.UpdateDocumentMetadata(ctx, &UpdateDocumentMetadataRequest{
				Name: "WebChange", DocumentReviews: &DocumentReviews{Action: a}}))
		}
	}
	return ctx
}

// changeRequest is a request of WebChange targeting accounts in regions.
func changeRequest(name string, accounts, regions []string) *StartChangeRequestExecutionRequest {
	in := &StartChangeRequestExecutionRequest{
		DocumentName: "WebChange", ChangeRequestName: name, Parameters: map[string][]string{"Approver": {"alice"}},
		Runbooks: []Runbook{{DocumentName: "RestartWeb", Parameters: map[string][]string{"Tier": {"web"}}}},
	}
	if accounts != nil {
		in.Runbooks[0].TargetLocations = []TargetLocation{{Accounts: accounts, Regions: regions}}
	}
	return in
}

// execution reads a change request.
func (f *cmFixture) execution(t *testing.T, ctx context.Context, id string) *AutomationExecution {
	t.Helper()
	return mustOK[*GetAutomationExecutionResult](t)(f.svc.GetAutomationExecution(ctx, &GetAutomationExecutionRequest{AutomationExecutionId: id})).AutomationExecution
}

// opsItemStatus is the status of an OpsItem of the caller's.
func (f *cmFixture) opsItemStatus(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	return string(mustOK[*GetOpsItemResponse](t)(f.svc.GetOpsItem(ctx, &GetOpsItemRequest{OpsItemId: id})).OpsItem.Status)
}
