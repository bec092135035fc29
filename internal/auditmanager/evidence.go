package auditmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Evidence store layout, under the assessment owner's prefix:
//
//	evidence/<assessment>/state                                collectState
//	evidence/<assessment>/folder/<control set>/<control>/<day> folderRecord
//	evidence/<assessment>/fid/<folder id>                      folder key
//	evidence/<assessment>/item/<folder id>/<seq>               evidenceRecord
//	evidence/<assessment>/eid/<evidence id>                    item key
func kEvidencePrefix(owner, region, assessment string) string {
	return prefix(owner, region) + "evidence/" + assessment + "/"
}
func kCollectState(owner, region, assessment string) string {
	return kEvidencePrefix(owner, region, assessment) + "state"
}
func kFolderPrefix(owner, region, assessment string) string {
	return kEvidencePrefix(owner, region, assessment) + "folder/"
}
func kControlFolderPrefix(owner, region, assessment, controlSet, control string) string {
	return kFolderPrefix(owner, region, assessment) + url.PathEscape(controlSet) + "/" + url.PathEscape(control) + "/"
}
func kFolder(owner, region, assessment, controlSet, control, day string) string {
	return kControlFolderPrefix(owner, region, assessment, controlSet, control) + day
}
func kFolderID(owner, region, assessment, folder string) string {
	return kEvidencePrefix(owner, region, assessment) + "fid/" + folder
}
func kItemPrefix(owner, region, assessment, folder string) string {
	return kEvidencePrefix(owner, region, assessment) + "item/" + folder + "/"
}
func kEvidenceID(owner, region, assessment, evidence string) string {
	return kEvidencePrefix(owner, region, assessment) + "eid/" + evidence
}

const jobCollectEvidence = "auditmanager.collect"

// defaultEvidenceInterval is "a day": how often DAILY sources collect
// when the configuration does not say.
const defaultEvidenceInterval = 24 * time.Hour

// Data source and evidence type of evidence collected with API calls.
const (
	dataSourceAPICalls     = "AWS API calls"
	evidenceTypeConfigData = "Configuration data"
	sourceTypeAPICall      = "AWS_API_Call"
)

// APICall is one AWS API call Audit Manager can collect evidence with,
// named in a control's data source by its keyword (serviceprefix_Action,
// such as iam_ListRoles). Collect answers the call in an account and
// region from orgstack's state: one snapshot per resource, each of which
// becomes one piece of evidence.
type APICall struct {
	// EventSource is the service called (iam.amazonaws.com).
	EventSource string
	// EventName is the action (ListRoles).
	EventName string
	// Action is the IAM action the call needs (iam:ListRoles).
	Action  string
	Collect func(tx store.Tx, account, region string) ([]Snapshot, error)
}

// Snapshot is the configuration of one resource.
type Snapshot struct {
	ARN string
	// Value is encoded as JSON into the evidence's resource value.
	Value any
}

type collectJob struct {
	Owner      string `json:"owner"`
	Region     string `json:"region"`
	Assessment string `json:"assessment"`
	Generation int    `json:"generation"`
}

// collectState is an assessment's evidence collection: the generation of
// its current chain of collection jobs, and when each source last
// collected from each account.
type collectState struct {
	Generation int                  `json:"generation"`
	Last       map[string]time.Time `json:"last,omitempty"`
	Seq        int64                `json:"seq"`
	// Problems are the accounts evidence could not be collected from at
	// the last collection, and why.
	Problems []string  `json:"problems,omitempty"`
	LastRun  time.Time `json:"lastRun"`
}

func getCollectState(tx store.Tx, owner, region, assessment string) (*collectState, error) {
	var st collectState
	err := store.GetJSON(tx, kCollectState(owner, region, assessment), &st)
	if errors.Is(err, store.ErrNotFound) {
		return &collectState{}, nil
	}
	return &st, err
}

type folderRecord struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Date         time.Time `json:"date"`
	ControlSetID string    `json:"controlSetId"`
	ControlID    string    `json:"controlId"`
	ControlName  string    `json:"controlName"`
	DataSource   string    `json:"dataSource"`
	Total        int       `json:"total"`
	ConfigData   int       `json:"configData"`
	Resources    int       `json:"resources"`
	Services     []string  `json:"services,omitempty"`
	Key          string    `json:"-"`
}

type evidenceRecord struct {
	Evidence
	ControlSetID string `json:"controlSetId"`
}

func (s *Service) evidenceInterval() time.Duration {
	if s.opt.EvidenceInterval > 0 {
		return s.opt.EvidenceInterval
	}
	return defaultEvidenceInterval
}

// frequencyDays is how many "days" (evidence intervals) a source's
// frequency spans.
func frequencyDays(f string) int {
	switch f {
	case "WEEKLY":
		return 7
	case "MONTHLY":
		return 30
	}
	return 1
}

// scheduleEvidence starts a new chain of evidence collection for an
// assessment, after delay, replacing any chain running; an assessment
// that is not ACTIVE (or no longer exists) stops collecting.
func (s *Service) scheduleEvidence(tx store.Tx, now time.Time, owner, region, assessment string, delay time.Duration) error {
	st, err := getCollectState(tx, owner, region, assessment)
	if err != nil {
		return err
	}
	st.Generation++
	if err := store.PutJSON(tx, kCollectState(owner, region, assessment), st); err != nil {
		return err
	}
	a, err := getAssessment(tx, owner, region, assessment)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.Status != statusActive {
		return nil
	}
	_, err = s.opt.Jobs.Enqueue(tx, jobCollectEvidence, collectJob{Owner: owner, Region: region, Assessment: assessment, Generation: st.Generation}, now, now.Add(delay))
	return err
}

// CollectEvidence collects evidence now, whatever the sources'
// frequencies, for one assessment or, with an empty id, for every active
// assessment, and returns how many collected. Evidence is stored when it
// returns; the regular schedule restarts from now. It serves orgstack's
// on-demand collection endpoint.
func (s *Service) CollectEvidence(ctx context.Context, assessment string) (int, error) {
	n := 0
	err := s.opt.Store.Update(ctx, func(tx store.Tx) error {
		now := s.opt.Clock.Now()
		var due []*assessmentRecord
		err := eachAssessment(tx, func(a *assessmentRecord) error {
			if (assessment == "" || a.ID == assessment) && a.Status == statusActive {
				due = append(due, a)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, a := range due {
			st, err := getCollectState(tx, a.Owner, a.Region, a.ID)
			if err != nil {
				return err
			}
			if err := s.collect(tx, now, a, st, true); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (s *Service) registerEvidenceJobs() {
	if s.opt.Jobs != nil {
		s.opt.Jobs.Handle(jobCollectEvidence, s.runCollect)
	}
}

// runCollect collects an assessment's evidence from every account in its
// scope, then schedules the next collection one evidence interval later.
func (s *Service) runCollect(_ context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	var p collectJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	st, err := getCollectState(tx, p.Owner, p.Region, p.Assessment)
	if err != nil || st.Generation != p.Generation {
		return err
	}
	a, err := getAssessment(tx, p.Owner, p.Region, p.Assessment)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.Status != statusActive {
		return nil
	}
	return s.collect(tx, now, a, st, false)
}

// collect runs one collection of an assessment's evidence and schedules
// the next one evidence interval later, as a new chain.
func (s *Service) collect(tx store.Tx, now time.Time, a *assessmentRecord, st *collectState, force bool) error {
	c := &collection{s: s, tx: tx, now: now, a: a, st: st, force: force}
	if err := c.run(); err != nil {
		return err
	}
	st.Generation++
	st.LastRun = now
	if err := store.PutJSON(tx, kCollectState(a.Owner, a.Region, a.ID), st); err != nil {
		return err
	}
	_, err := s.opt.Jobs.Enqueue(tx, jobCollectEvidence, collectJob{Owner: a.Owner, Region: a.Region, Assessment: a.ID, Generation: st.Generation}, now, now.Add(s.evidenceInterval()))
	return err
}

// collection is one run of an assessment's evidence collection.
type collection struct {
	s     *Service
	tx    store.Tx
	now   time.Time
	a     *assessmentRecord
	st    *collectState
	force bool
	// folders caches the folders touched by this run, by key.
	folders map[string]*folderRecord
}

func (c *collection) run() error {
	c.st.Problems = nil
	if c.st.Last == nil {
		c.st.Last = make(map[string]time.Time)
	}
	owner, err := getAccount(c.tx, c.a.Owner, c.a.Region)
	if err != nil {
		return err
	}
	if owner.Status != string(AccountStatusActive) {
		// Audit Manager is disabled for the owner: nothing is collected
		// until it registers again.
		c.st.Problems = []string{c.a.Owner + ": the account isn't registered with Audit Manager"}
		return nil
	}
	org, mgmt, inOrg, err := c.s.opt.Org.OrganizationOf(c.tx, c.a.Owner)
	if err != nil {
		return err
	}
	var admin string
	if inOrg {
		if admin, err = adminOf(c.tx, org, c.a.Region); err != nil {
			return err
		}
	}
	for _, account := range c.a.ScopeAccounts {
		if err := c.mayCollect(account, org, mgmt, admin, inOrg); err != nil {
			var no errNoCollect
			if !errors.As(err, &no) {
				return err
			}
			c.st.Problems = append(c.st.Problems, account+": "+err.Error())
			continue
		}
		if err := c.collectFrom(account); err != nil {
			var denied *orgstack.Error
			if errors.As(err, &denied) {
				c.st.Problems = append(c.st.Problems, account+": "+denied.Message)
				continue
			}
			return err
		}
	}
	for key, f := range c.folders {
		if err := store.PutJSON(c.tx, key, f); err != nil {
			return err
		}
	}
	return nil
}

// errNoCollect explains why no evidence is collected from an account.
type errNoCollect string

func (e errNoCollect) Error() string { return string(e) }

// mayCollect says whether the assessment's owner may have evidence
// collected from account: its own account always (unless it is the
// management account and the organization has a delegated administrator
// for Audit Manager in the region); another account only when the owner
// is the organization's delegated administrator (or its management
// account, while there is none), the account is in the organization, and
// trusted access for Audit Manager is enabled. In another account, Audit
// Manager acts through its service-linked role there, which Organizations
// creates on first use.
func (c *collection) mayCollect(account, org, mgmt, admin string, inOrg bool) error {
	if inOrg && c.a.Owner == mgmt && admin != "" {
		return errNoCollect("the organization's delegated administrator for Audit Manager in " + c.a.Region + " is " + admin + "; the management account's assessments no longer collect evidence")
	}
	if account == c.a.Owner {
		return nil
	}
	if !inOrg || (c.a.Owner != admin && !(c.a.Owner == mgmt && admin == "")) {
		return errNoCollect("the assessment's account is not the organization's delegated administrator for Audit Manager")
	}
	accountOrg, _, ok, err := c.s.opt.Org.OrganizationOf(c.tx, account)
	if err != nil {
		return err
	}
	if !ok || accountOrg != org {
		return errNoCollect("the account is not a member of the organization")
	}
	enabled, _, err := c.s.opt.Org.AccessEnabled(c.tx, org, principal)
	if err != nil {
		return err
	}
	if !enabled {
		return errNoCollect("trusted access for Audit Manager is not enabled in the organization")
	}
	def, ok := c.s.opt.Catalogue.Role(principal)
	if !ok {
		return errors.New("no service-linked role defined for " + principal)
	}
	if err := c.s.opt.Org.CreateServiceLinkedRole(c.tx, c.now, org, account, principal, def.ServiceLinkedRole()); err != nil {
		if errors.Is(err, trusted.ErrAccessNotEnabled) || errors.Is(err, trusted.ErrNoOrganizationsRole) || errors.Is(err, trusted.ErrNotMember) {
			return errNoCollect(err.Error())
		}
		return err
	}
	return nil
}

// actor is Audit Manager acting in an account through its service-linked
// role there: SCPs never restrict it.
func (c *collection) actor(account string) orgstack.Caller {
	partition := partitionOf(c.a.ARN)
	def, _ := c.s.opt.Catalogue.Role(principal)
	role := def.ServiceLinkedRole().RoleName
	return orgstack.Caller{
		AccountID: account, Type: orgstack.PrincipalService, ServicePrincipal: principal, RoleName: role, Region: c.a.Region,
		RoleARN: "arn:" + partition + ":iam::" + account + ":role/aws-service-role/" + principal + "/" + role,
		ARN:     "arn:" + partition + ":sts::" + account + ":assumed-role/" + role + "/auditmanager",
	}
}

// partitionOf is the partition of an ARN ("aws" when it has none).
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) == 3 && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// collectFrom runs every due API-call source of the assessment's controls
// in account.
func (c *collection) collectFrom(account string) error {
	path := ""
	if c.s.opt.AccountPath != nil {
		p, err := c.s.opt.AccountPath(c.tx, account)
		if err != nil {
			return err
		}
		path = p
	}
	for _, cs := range c.a.ControlSets {
		for _, ctl := range cs.Controls {
			if ctl.Status == string(ControlStatusInactive) {
				continue
			}
			for _, src := range ctl.Sources {
				if src.SourceType != sourceTypeAPICall {
					continue
				}
				call, ok := c.s.opt.APICalls[src.KeywordValue]
				if !ok {
					continue
				}
				lastKey := cs.ID + "/" + ctl.ID + "/" + src.SourceID + "/" + account
				if !c.due(lastKey, src.Frequency) {
					continue
				}
				if c.s.opt.Authorize != nil {
					if err := c.s.opt.Authorize(c.tx, c.actor(account), call.Action, "*", nil); err != nil {
						return err
					}
				}
				snaps, err := call.Collect(c.tx, account, c.a.Region)
				if err != nil {
					return fmt.Errorf("auditmanager: collecting %s in %s: %w", src.KeywordValue, account, err)
				}
				for _, snap := range snaps {
					if err := c.addEvidence(cs.ID, ctl, account, path, call, snap); err != nil {
						return err
					}
				}
				c.st.Last[lastKey] = c.now
			}
		}
	}
	return nil
}

// due says whether a source collects now: on demand always, otherwise
// once per frequency (a DAILY source once per evidence interval).
func (c *collection) due(key, frequency string) bool {
	last, ok := c.st.Last[key]
	if c.force || !ok {
		return true
	}
	period := time.Duration(frequencyDays(frequency)) * c.s.evidenceInterval()
	return c.now.Sub(last) >= period-c.s.evidenceInterval()/2
}

// folder returns the control's evidence folder for today, creating it.
func (c *collection) folder(controlSet string, ctl assessedControl) (*folderRecord, error) {
	day := c.now.UTC().Format("2006-01-02")
	key := kFolder(c.a.Owner, c.a.Region, c.a.ID, controlSet, ctl.ID, day)
	if f, ok := c.folders[key]; ok {
		return f, nil
	}
	if c.folders == nil {
		c.folders = make(map[string]*folderRecord)
	}
	var f folderRecord
	err := store.GetJSON(c.tx, key, &f)
	switch {
	case errors.Is(err, store.ErrNotFound):
		f = folderRecord{ID: orgstack.NewUUID(), Name: day, Date: c.now, ControlSetID: controlSet, ControlID: ctl.ID,
			ControlName: ctl.Name, DataSource: dataSourceAPICalls}
		if err := c.tx.Put(kFolderID(c.a.Owner, c.a.Region, c.a.ID, f.ID), []byte(key)); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	c.folders[key] = &f
	return &f, nil
}

func (c *collection) addEvidence(controlSet string, ctl assessedControl, account, path string, call APICall, snap Snapshot) error {
	f, err := c.folder(controlSet, ctl)
	if err != nil {
		return err
	}
	value, err := json.Marshal(snap.Value)
	if err != nil {
		return err
	}
	c.st.Seq++
	e := evidenceRecord{ControlSetID: controlSet, Evidence: Evidence{
		Id:                        orgstack.NewUUID(),
		EvidenceFolderId:          f.ID,
		DataSource:                dataSourceAPICalls,
		EvidenceByType:            evidenceTypeConfigData,
		EvidenceAwsAccountId:      account,
		AwsAccountId:              account,
		AwsOrganization:           path,
		EventSource:               call.EventSource,
		EventName:                 call.EventName,
		Time:                      c.now,
		ResourcesIncluded:         []Resource{{Arn: snap.ARN, Value: string(value)}},
		AssessmentReportSelection: "No",
	}}
	itemKey := fmt.Sprintf("%s%020d", kItemPrefix(c.a.Owner, c.a.Region, c.a.ID, f.ID), c.st.Seq)
	if err := store.PutJSON(c.tx, itemKey, &e); err != nil {
		return err
	}
	if err := c.tx.Put(kEvidenceID(c.a.Owner, c.a.Region, c.a.ID, e.Id), []byte(itemKey)); err != nil {
		return err
	}
	f.Total++
	f.ConfigData++
	f.Resources++
	if !contains(f.Services, call.EventSource) {
		f.Services = append(f.Services, call.EventSource)
	}
	return nil
}
