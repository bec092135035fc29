package console

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
)

// auditManagerRoutes registers the pages of this area of the console:
// assessments with their evidence per account, and Audit Manager's
// settings (registration and the organization's delegated administrator).
func (c *Console) auditManagerRoutes() {
	c.handle("GET /audit-manager/assessments", c.page(c.assessmentsPage))
	c.handle("GET /audit-manager/assessments/{id}", c.page(c.assessmentPage))
	c.auditSettingsRoutes()
}

// amPrincipal is Audit Manager's service principal in Organizations.
const amPrincipal = "auditmanager.amazonaws.com"

// assessmentRow is one assessment in the list.
type assessmentRow struct {
	ID             string
	Name           string
	Status         smStatus
	Framework      string
	FrameworkID    string
	ComplianceType string
	Accounts       int
	Controls       int
	Created        any
	Updated        any
}

// frameworkUse is a framework and the assessments that use it.
type frameworkUse struct {
	ID             string
	Name           string
	ComplianceType string
	Type           string
	Controls       any
	Assessments    []string
}

// assessmentsData is the assessments page.
type assessmentsData struct {
	Region      string
	Status      string // GetAccountStatus: ACTIVE or INACTIVE
	Assessments []assessmentRow
	Frameworks  []frameworkUse
	Active      int
	Accounts    int
	// Refused is Audit Manager's refusal to list the assessments of an
	// account where it isn't set up: the page explains it, with the
	// refusal in AWS's words, instead of showing it as the page's error.
	Refused *orgstack.Error
}

// amStatus is the caller's Audit Manager status in the session's region
// (GetAccountStatus answers every account).
func (q *req) amStatus() string {
	out, err := q.call("auditmanager", "GetAccountStatus", nil)
	if err != nil {
		return ""
	}
	return toString(out["status"])
}

// assessmentsPage lists the caller's assessments (ListAssessments, then
// GetAssessment for each one's framework and scope) and the frameworks
// they use.
func (c *Console) assessmentsPage(q *req) (string, *view) {
	v := &view{Title: "Assessments", Section: "audit-manager"}
	d := &assessmentsData{Region: q.s.Region}
	v.Data = d
	d.Status = q.amStatus()
	list, err := q.callAll("auditmanager", "ListAssessments", nil, "assessmentMetadata")
	if err != nil && d.Status == "INACTIVE" {
		d.Refused = q.c.apiError(err)
		return "am-assessments", v
	}
	if !q.try(v, err) {
		return "am-assessments", v
	}
	frameworks := map[string]*frameworkUse{}
	scope := map[string]bool{}
	for _, m := range list {
		r := assessmentRow{ID: toString(get(m, "id")), Name: toString(get(m, "name")), Status: smStatusOf(toString(get(m, "status"))),
			ComplianceType: toString(get(m, "complianceType")), Created: get(m, "creationTime"), Updated: get(m, "lastUpdated")}
		if r.Status.Value == "ACTIVE" {
			d.Active++
		}
		if a, err := q.call("auditmanager", "GetAssessment", map[string]any{"assessmentId": r.ID}); err == nil {
			r.FrameworkID = toString(get(a, "assessment", "framework", "id"))
			r.Framework = toString(get(a, "assessment", "framework", "metadata", "name"))
			accounts := asList(get(a, "assessment", "metadata", "scope", "awsAccounts"))
			r.Accounts = len(accounts)
			for _, acct := range accounts {
				scope[toString(get(acct, "id"))] = true
			}
			for _, cs := range asList(get(a, "assessment", "framework", "controlSets")) {
				r.Controls += len(asList(get(cs, "controls")))
			}
			if r.FrameworkID != "" {
				fu := frameworks[r.FrameworkID]
				if fu == nil {
					fu = &frameworkUse{ID: r.FrameworkID, Name: r.Framework, ComplianceType: r.ComplianceType}
					frameworks[r.FrameworkID] = fu
				}
				fu.Assessments = append(fu.Assessments, r.Name)
			}
		}
		d.Assessments = append(d.Assessments, r)
	}
	d.Accounts = len(scope)
	// What the framework library says of the frameworks in use (the
	// framework may since have been deleted: the assessment keeps a copy).
	for _, typ := range []string{"Custom", "Standard"} {
		fl, err := q.callAll("auditmanager", "ListAssessmentFrameworks", map[string]any{"frameworkType": typ}, "frameworkMetadataList")
		if err != nil {
			continue
		}
		for _, f := range fl {
			if fu := frameworks[toString(get(f, "id"))]; fu != nil {
				fu.Type, fu.Controls = typ, get(f, "controlsCount")
			}
		}
	}
	for _, fu := range frameworks {
		d.Frameworks = append(d.Frameworks, *fu)
	}
	sort.Slice(d.Frameworks, func(i, j int) bool {
		return strings.ToLower(d.Frameworks[i].Name) < strings.ToLower(d.Frameworks[j].Name)
	})
	sort.SliceStable(d.Assessments, func(i, j int) bool {
		return strings.ToLower(d.Assessments[i].Name) < strings.ToLower(d.Assessments[j].Name)
	})
	return "am-assessments", v
}

// evidenceAccount is the evidence of one account of an assessment.
type evidenceAccount struct {
	ID        string
	Name      string
	Email     string
	InScope   bool
	Evidence  int
	Folders   int
	Controls  int
	Last      time.Time
	ByControl map[string]int
}

// LastTime is the time of the account's newest evidence, for the
// templates' date functions.
func (a evidenceAccount) LastTime() any {
	if a.Last.IsZero() {
		return nil
	}
	return a.Last
}

// assessedControl is a control of an assessment with its evidence.
type amControl struct {
	ID       string
	Name     string
	Set      string
	Status   smStatus
	Sources  []string
	Evidence int
}

// assessmentData is one assessment's page.
type assessmentData struct {
	Assessment  map[string]any
	Status      smStatus
	Framework   string
	Accounts    []evidenceAccount
	Controls    []amControl
	Folders     int
	Evidence    int
	Max         int
	EvidenceErr any
}

// Count is an account's evidence for a control.
func (d *assessmentData) Count(account evidenceAccount, control string) int {
	return account.ByControl[control]
}

// assessmentPage shows an assessment (GetAssessment) and the evidence
// collected in each account in its scope: every evidence folder
// (GetEvidenceFoldersByAssessment, one per control per day) read with
// GetEvidenceByEvidenceFolder and counted by the account the evidence
// was collected from.
func (c *Console) assessmentPage(q *req) (string, *view) {
	id := q.r.PathValue("id")
	v := &view{Title: "Assessment", Section: "audit-manager"}
	d := &assessmentData{}
	v.Data = d
	out, err := q.call("auditmanager", "GetAssessment", map[string]any{"assessmentId": id})
	if !q.try(v, err) {
		if v.Error != nil && v.Error.Code == "ResourceNotFoundException" {
			c.errorPage(q.w, q.r, http.StatusNotFound, v.Error.Code+": "+v.Error.Message)
			return "", nil
		}
		return "am-assessment", v
	}
	a, _ := out["assessment"].(map[string]any)
	d.Assessment = a
	d.Status = smStatusOf(toString(get(a, "metadata", "status")))
	d.Framework = toString(get(a, "framework", "metadata", "name"))
	v.Title = toString(get(a, "metadata", "name"))
	accounts := map[string]*evidenceAccount{}
	var order []string
	account := func(id string) *evidenceAccount {
		if accounts[id] == nil {
			accounts[id] = &evidenceAccount{ID: id, ByControl: map[string]int{}}
			order = append(order, id)
		}
		return accounts[id]
	}
	for _, acct := range asList(get(a, "metadata", "scope", "awsAccounts")) {
		e := account(toString(get(acct, "id")))
		e.InScope, e.Name, e.Email = true, toString(get(acct, "name")), toString(get(acct, "emailAddress"))
	}
	controls := map[string]*amControl{}
	var controlOrder []string
	for _, cs := range asList(get(a, "framework", "controlSets")) {
		for _, ctl := range asList(get(cs, "controls")) {
			ac := &amControl{ID: toString(get(ctl, "id")), Name: toString(get(ctl, "name")), Set: toString(get(cs, "id")),
				Status: smStatusOf(toString(get(ctl, "status")))}
			for _, s := range asList(get(ctl, "evidenceSources")) {
				ac.Sources = append(ac.Sources, toString(s))
			}
			controls[ac.ID] = ac
			controlOrder = append(controlOrder, ac.ID)
		}
	}
	folders, err := q.callAll("auditmanager", "GetEvidenceFoldersByAssessment", map[string]any{"assessmentId": id}, "evidenceFolders")
	if err != nil {
		d.EvidenceErr = q.smError(err)
	}
	d.Folders = len(folders)
	for _, f := range folders {
		control := toString(get(f, "controlId"))
		evidence, err := q.callAll("auditmanager", "GetEvidenceByEvidenceFolder", map[string]any{
			"assessmentId": id, "controlSetId": get(f, "controlSetId"), "evidenceFolderId": get(f, "id"),
		}, "evidence")
		if err != nil {
			d.EvidenceErr = q.smError(err)
			break
		}
		inFolder := map[string]bool{}
		for _, e := range evidence {
			acct := toString(get(e, "evidenceAwsAccountId"))
			if acct == "" {
				acct = toString(get(e, "awsAccountId"))
			}
			ea := account(acct)
			ea.Evidence++
			d.Evidence++
			if ea.ByControl[control] == 0 {
				ea.Controls++
			}
			ea.ByControl[control]++
			if !inFolder[acct] {
				inFolder[acct] = true
				ea.Folders++
			}
			if t, ok := timeOf(get(e, "time")); ok && t.After(ea.Last) {
				ea.Last = t
			}
			if ac := controls[control]; ac != nil {
				ac.Evidence++
			}
		}
	}
	// Names of accounts the scope left unnamed, when the caller may list
	// the organization's accounts.
	names := map[string]string{}
	if accts, err := q.callAll("organizations", "ListAccounts", nil, "Accounts"); err == nil {
		for _, x := range accts {
			names[toString(get(x, "Id"))] = toString(get(x, "Name"))
		}
	}
	for _, id := range order {
		e := accounts[id]
		if e.Name == "" {
			e.Name = names[id]
		}
		if e.Evidence > d.Max {
			d.Max = e.Evidence
		}
		d.Accounts = append(d.Accounts, *e)
	}
	for _, id := range controlOrder {
		d.Controls = append(d.Controls, *controls[id])
	}
	return "am-assessment", v
}
