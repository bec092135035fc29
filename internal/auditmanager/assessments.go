package auditmanager

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// assessmentRecord is an assessment as stored under kAssessment. It is
// also what evidence collection reads (through getAssessment): who owns
// the assessment and where, whether it is ACTIVE, the accounts in scope,
// and the controls with their data sources.
//
// The controls are a copy taken from the framework when the assessment
// was created: later edits of the framework or of a control do not change
// it (deleting a control removes it, as AWS documents).
type assessmentRecord struct {
	// ID is the assessment's UUID, ARN its ARN.
	ID  string `json:"id"`
	ARN string `json:"arn"`
	// Owner and Region are the account that created the assessment and
	// the region it lives in (its store prefix is am/<Owner>/<Region>/).
	Owner  string `json:"owner"`
	Region string `json:"region"`
	Name   string `json:"name"`
	// Status is ACTIVE or INACTIVE; INACTIVE is final.
	Status string `json:"status"`
	// ScopeAccounts are the ids of the accounts in scope, in the order
	// given, without duplicates; Accounts holds the same accounts with the
	// email addresses and names the caller gave.
	ScopeAccounts []string            `json:"scopeAccounts"`
	Accounts      []scopeAccount      `json:"accounts"`
	ControlSets   []controlSetRecord  `json:"controlSets"`
	Created       time.Time           `json:"created"`
	Updated       time.Time           `json:"updated"`
	Description   string              `json:"description,omitempty"`
	Roles         []roleRecord        `json:"roles"`
	Destination   destinationRecord   `json:"destination"`
	Framework     frameworkCopyRecord `json:"framework"`
	Tags          map[string]string   `json:"tags,omitempty"`
}

// controlSetRecord is a control set of an assessment. ID is the set's
// name, as AWS uses it in assessment APIs (controlSetId); Status is
// ACTIVE, UNDER_REVIEW or REVIEWED.
type controlSetRecord struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Status   string            `json:"status,omitempty"`
	Controls []assessedControl `json:"controls"`
}

// assessedControl is a control of an assessment: the control's id and
// name, and its data sources as they were when the assessment was
// created. Status is UNDER_REVIEW, REVIEWED or INACTIVE; Response (MANUAL,
// AUTOMATE, DEFER, IGNORE) is empty until someone sets it.
type assessedControl struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Status      string          `json:"status,omitempty"`
	Response    string          `json:"response,omitempty"`
	Sources     []controlSource `json:"sources"`
}

// controlSource is one data source of an assessed control. SourceID is a
// UUID given when the assessment was created, unique within the
// assessment and stable for its life. SourceType is a SourceType
// (AWS_API_Call, AWS_Cloudtrail, ...), KeywordValue what to collect (for
// example iam_ListRoles), Frequency DAILY, WEEKLY, MONTHLY or "".
type controlSource struct {
	SourceID         string `json:"sourceId"`
	SourceName       string `json:"sourceName"`
	SourceType       string `json:"sourceType"`
	KeywordInputType string `json:"keywordInputType,omitempty"`
	KeywordValue     string `json:"keywordValue,omitempty"`
	Frequency        string `json:"frequency,omitempty"`
}

// scopeAccount is an account in an assessment's scope.
type scopeAccount struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// roleRecord is a role of an assessment (PROCESS_OWNER or RESOURCE_OWNER).
type roleRecord struct {
	Type string `json:"type"`
	ARN  string `json:"arn"`
}

// destinationRecord is where assessment reports go.
type destinationRecord struct {
	Type        string `json:"type,omitempty"`
	Destination string `json:"destination,omitempty"`
}

// frameworkCopyRecord is what an assessment keeps of its framework.
type frameworkCopyRecord struct {
	ID             string `json:"id"`
	ARN            string `json:"arn"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	ComplianceType string `json:"complianceType,omitempty"`
}

// statusActive is the Status of an assessment that collects evidence.
const statusActive = string(AssessmentStatusActive)

// kAssessmentIndex is the key of an assessment in the index of every
// assessment (amassessment/<owner>/<region>/<id>, empty value), written
// and deleted with the assessment so eachAssessment need not walk every
// account's data.
func kAssessmentIndex(owner, region, id string) string {
	return "amassessment/" + owner + "/" + region + "/" + id
}

// errAssessmentNotFound is the ResourceNotFoundException for an
// assessment id the caller has none of.
func errAssessmentNotFound(id string) error { return errNoSuch(resourceAssessment, id) }

// missingAssessment is getAssessment's error for an unknown id: it is
// store.ErrNotFound to errors.Is, and Audit Manager's
// ResourceNotFoundException to errors.As (and so to isNotFound and to
// clients).
type missingAssessment struct{ notFound error }

func (e missingAssessment) Error() string   { return e.notFound.Error() }
func (e missingAssessment) Unwrap() []error { return []error{e.notFound, store.ErrNotFound} }

// getAssessment reads an assessment of owner in region. When there is
// none of that id the error satisfies errors.Is(err, store.ErrNotFound)
// and is also the ResourceNotFoundException a client should see. It works
// in any transaction and checks nothing about the caller.
func getAssessment(tx store.Tx, owner, region, id string) (*assessmentRecord, error) {
	var a assessmentRecord
	err := store.GetJSON(tx, kAssessment(owner, region, id), &a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, missingAssessment{notFound: errAssessmentNotFound(id)}
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// putAssessment stores an assessment and its index entry.
func putAssessment(tx store.Tx, a *assessmentRecord) error {
	if err := tx.Put(kAssessmentIndex(a.Owner, a.Region, a.ID), nil); err != nil {
		return err
	}
	return store.PutJSON(tx, kAssessment(a.Owner, a.Region, a.ID), a)
}

// deleteAssessment deletes an assessment and its index entry.
func deleteAssessment(tx store.Tx, a *assessmentRecord) error {
	if err := tx.Delete(kAssessmentIndex(a.Owner, a.Region, a.ID)); err != nil {
		return err
	}
	return tx.Delete(kAssessment(a.Owner, a.Region, a.ID))
}

// eachAssessment calls fn with every assessment of every account and
// region, until fn returns an error (which it returns). fn may write to
// tx: the assessments are read before the first call. Index entries whose
// assessment is gone (deleted with its account's data) are skipped.
func eachAssessment(tx store.Tx, fn func(a *assessmentRecord) error) error {
	type ref struct{ owner, region, id string }
	var refs []ref
	err := tx.Scan("amassessment/", "", func(k string, _ []byte) (bool, error) {
		parts := strings.SplitN(strings.TrimPrefix(k, "amassessment/"), "/", 3)
		if len(parts) == 3 {
			refs = append(refs, ref{parts[0], parts[1], parts[2]})
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, r := range refs {
		a, err := getAssessment(tx, r.owner, r.region, r.id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// callerAssessment reads one of the caller's assessments
// (ResourceNotFoundException when it has none of that id).
func callerAssessment(sc *scope, id string) (*assessmentRecord, error) {
	return getAssessment(sc.tx, sc.account, sc.region, id)
}

// hasControl reports whether the assessment's control set (by its id)
// contains the control.
func (a *assessmentRecord) hasControl(controlSetID, controlID string) bool {
	for _, cs := range a.ControlSets {
		if cs.ID != controlSetID {
			continue
		}
		for _, c := range cs.Controls {
			if c.ID == controlID {
				return true
			}
		}
	}
	return false
}

// setScope records the accounts in scope.
func (a *assessmentRecord) setScope(accounts []scopeAccount) {
	a.Accounts = accounts
	a.ScopeAccounts = make([]string, len(accounts))
	for i, acct := range accounts {
		a.ScopeAccounts[i] = acct.ID
	}
}

// copyControlSets copies a framework's control sets, with the caller's
// controls as they are now, into assessment control sets: every set
// ACTIVE, every control UNDER_REVIEW, every source a fresh SourceID.
func copyControlSets(sc *scope, f *frameworkRecord) ([]controlSetRecord, error) {
	out := make([]controlSetRecord, 0, len(f.ControlSets))
	for _, cs := range f.ControlSets {
		set := controlSetRecord{ID: cs.Name, Name: cs.Name, Status: string(ControlSetStatusActive), Controls: []assessedControl{}}
		for _, id := range cs.Controls {
			c, err := getControl(sc, id)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			ac := assessedControl{ID: c.ID, Name: c.Name, Description: c.Description,
				Status: string(ControlStatusUnderReview), Sources: []controlSource{}}
			for _, src := range c.Sources {
				ac.Sources = append(ac.Sources, controlSource{
					SourceID: orgstack.NewUUID(), SourceName: src.Name, SourceType: src.Type,
					KeywordInputType: src.KeywordInputType, KeywordValue: src.KeywordValue, Frequency: src.Frequency,
				})
			}
			set.Controls = append(set.Controls, ac)
		}
		out = append(out, set)
	}
	return out, nil
}

// CreateAssessment creates an ACTIVE assessment from one of the caller's
// custom frameworks, over the accounts of scope.awsAccounts (see
// checkScope for who may put which accounts in scope; the organization's
// management account can create none once the organization has a
// delegated administrator for Audit Manager in the region). Roles may
// only be PROCESS_OWNERs, at least one; the caller's default process
// owners (settings) join them (unconfirmed). scope.awsServices is ignored
// and returned empty, as AWS documents. Evidence collection starts.
func (s *Service) CreateAssessment(ctx context.Context, in *CreateAssessmentRequest) (*CreateAssessmentResponse, error) {
	var out *CreateAssessmentResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		org, err := s.orgView(sc)
		if err != nil {
			return err
		}
		if org.inOrg && org.management == sc.account && org.admin != "" {
			return errValidation("The management account can't create assessments after a delegated administrator for Audit Manager " +
				"has been designated in this Region. Create the assessment from the delegated administrator account " + org.admin + ".") // unconfirmed
		}
		f, err := getFramework(sc, in.FrameworkId)
		if err != nil {
			return err
		}
		roles, err := checkRoles(in.Roles, true)
		if err != nil {
			return err
		}
		accounts, err := s.checkScope(sc, org, in.Scope)
		if err != nil {
			return err
		}
		sets, err := copyControlSets(sc, f)
		if err != nil {
			return err
		}
		acct, err := getAccount(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		for _, r := range acct.Settings.DefaultProcessOwners {
			roles = addRole(roles, roleRecord{Type: string(r.RoleType), ARN: r.RoleArn})
		}
		id := orgstack.NewUUID()
		a := &assessmentRecord{
			ID: id, ARN: libraryARN(sc, "assessment", id), Owner: sc.account, Region: sc.region, Name: in.Name,
			Status: string(AssessmentStatusActive), ControlSets: sets, Created: sc.now, Updated: sc.now,
			Description: in.Description, Roles: roles, Tags: tagsCopy(in.Tags),
			Framework: frameworkCopyRecord{ID: f.ID, ARN: libraryARN(sc, "assessmentFramework", f.ID), Name: f.Name,
				Description: f.Description, ComplianceType: f.ComplianceType},
		}
		if d := in.AssessmentReportsDestination; d != nil {
			a.Destination = destinationRecord{Type: string(d.DestinationType), Destination: d.Destination}
		}
		a.setScope(accounts)
		if err := putAssessment(sc.tx, a); err != nil {
			return err
		}
		if err := s.assessmentChanged(sc.tx, sc.now, a.Owner, a.Region, a.ID); err != nil {
			return err
		}
		out = &CreateAssessmentResponse{Assessment: a.assessment()}
		return nil
	})
	return out, err
}

// GetAssessment returns one of the caller's assessments, and the caller's
// role in it when the caller acts through a role the assessment names.
func (s *Service) GetAssessment(ctx context.Context, in *GetAssessmentRequest) (*GetAssessmentResponse, error) {
	var out *GetAssessmentResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := callerAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		out = &GetAssessmentResponse{Assessment: a.assessment()}
		for _, r := range a.Roles {
			if sc.caller.RoleARN != "" && r.ARN == sc.caller.RoleARN {
				out.UserRole = &Role{RoleType: RoleType(r.Type), RoleArn: r.ARN}
				break
			}
		}
		return nil
	})
	return out, err
}

// ListAssessments lists the caller's assessments in its region, all or
// those of one status.
func (s *Service) ListAssessments(ctx context.Context, in *ListAssessmentsRequest) (*ListAssessmentsResponse, error) {
	var out *ListAssessmentsResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		l, err := newListing(sc, "assessments:"+string(in.Status), kAssessmentPrefix(sc.account, sc.region), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &ListAssessmentsResponse{AssessmentMetadata: []AssessmentMetadataItem{}}
		var filter func(string, []byte) (bool, error)
		if in.Status != "" {
			filter = func(_ string, v []byte) (bool, error) {
				var a struct {
					Status string `json:"status"`
				}
				err := json.Unmarshal(v, &a)
				return err == nil && a.Status == string(in.Status), err
			}
		}
		out.NextToken, err = l.page(sc.tx, filter, func(_ string, v []byte) error {
			var a assessmentRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out.AssessmentMetadata = append(out.AssessmentMetadata, AssessmentMetadataItem{
				Name: a.Name, Id: a.ID, ComplianceType: a.Framework.ComplianceType, Status: AssessmentStatus(a.Status),
				Roles: a.roles(), Delegations: []Delegation{}, CreationTime: a.Created, LastUpdated: a.Updated,
			})
			return nil
		})
		return err
	})
	return out, err
}

// roles renders the assessment's roles.
func (a *assessmentRecord) roles() []Role {
	out := make([]Role, len(a.Roles))
	for i, r := range a.Roles {
		out[i] = Role{RoleType: RoleType(r.Type), RoleArn: r.ARN}
	}
	return out
}

// assessment renders the record as the API's Assessment, shaped like the
// API reference's GetAssessment example: the owner's account id, no
// delegations or comments yet, each control set's id and description its
// name, each control's evidenceSources the display names of its source
// types, evidence counts 0 (evidence lives elsewhere).
func (a *assessmentRecord) assessment() *Assessment {
	accounts := make([]AWSAccount, len(a.Accounts))
	for i, acct := range a.Accounts {
		accounts[i] = AWSAccount{Id: acct.ID, EmailAddress: acct.Email, Name: acct.Name}
	}
	out := &Assessment{
		Arn:        a.ARN,
		AwsAccount: &AWSAccount{Id: a.Owner},
		Metadata: &AssessmentMetadata{
			Name: a.Name, Id: a.ID, Description: a.Description, ComplianceType: a.Framework.ComplianceType,
			Status: AssessmentStatus(a.Status), Scope: &Scope{AwsAccounts: accounts, AwsServices: []AWSService{}},
			Roles: a.roles(), Delegations: []Delegation{}, CreationTime: a.Created, LastUpdated: a.Updated,
		},
		Framework: &AssessmentFramework{
			Id: a.Framework.ID, Arn: a.Framework.ARN,
			Metadata: &FrameworkMetadata{Name: a.Framework.Name, Description: a.Framework.Description,
				ComplianceType: a.Framework.ComplianceType},
			ControlSets: []AssessmentControlSet{},
		},
		Tags: tagsCopy(a.Tags),
	}
	if a.Destination != (destinationRecord{}) {
		out.Metadata.AssessmentReportsDestination = &AssessmentReportsDestination{
			DestinationType: AssessmentReportDestinationType(a.Destination.Type), Destination: a.Destination.Destination}
	}
	zero := int32(0)
	for _, cs := range a.ControlSets {
		set := AssessmentControlSet{Id: cs.ID, Description: cs.Name, Status: ControlSetStatus(cs.Status), Roles: a.roles(),
			Controls: []AssessmentControl{}, Delegations: []Delegation{}, SystemEvidenceCount: &zero, ManualEvidenceCount: &zero}
		for _, c := range cs.Controls {
			types := make([]string, len(c.Sources))
			for i, src := range c.Sources {
				types[i] = src.SourceType
			}
			set.Controls = append(set.Controls, AssessmentControl{
				Id: c.ID, Name: c.Name, Description: c.Description, Status: ControlStatus(c.Status),
				Response: ControlResponse(c.Response), Comments: []ControlComment{}, EvidenceSources: displayNames(types),
				EvidenceCount: &zero, AssessmentReportEvidenceCount: &zero,
			})
		}
		out.Framework.ControlSets = append(out.Framework.ControlSets, set)
	}
	return out
}
