package ssm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Change Manager. A change request is an automation execution of subtype
// ChangeRequest started from an approved change template
// (Automation.ChangeTemplate) with exactly one Automation runbook, and an
// OpsItem of type /aws/changerequest in the same account and region whose
// status follows the request's. Run across an organization, the request
// is made in the delegated administrator account for ssm.amazonaws.com
// (or the management account) and its runbook targets accounts and OUs of
// the organization; see changemanager_targets.go and changemanager_run.go
// for the targets and the life of a request.

// changeTokenRecord remembers the request a ClientToken started.
type changeTokenRecord struct {
	ID     string
	Digest string
}

func changeTokenKey(account, region, token string) string {
	return opsDataPrefix(account, region) + kindChangeToken + strings.ToLower(token)
}

func errChangeParams(format string, args ...any) error {
	return newErr("InvalidAutomationExecutionParametersException", fmt.Sprintf(format, args...)) // unconfirmed (message)
}

// requestDigest identifies a request's parameters, ClientToken aside.
func requestDigest(in *StartChangeRequestExecutionRequest) string {
	c := *in
	c.ClientToken = ""
	b, _ := json.Marshal(&c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// automationDoc finds a document a change request names (its template or
// its runbook) and the version asked for, with Change Manager's errors:
// AutomationDefinitionNotFoundException for a missing document,
// AutomationDefinitionVersionNotFoundException for a missing version, and
// InvalidAutomationExecutionParametersException for a document of another
// type than want.
func automationDoc(sc *scope, name, version string, want DocumentType) (*docRecord, *docVersionRecord, *docContent, error) {
	d, err := loadDoc(sc.tx, sc.account, sc.region, name, true)
	if err != nil {
		if e, ok := orgstack.AsError(err); ok && e.Code == "InvalidDocument" {
			return nil, nil, nil, newErr("AutomationDefinitionNotFoundException", "The document "+name+" doesn't exist in account "+sc.account+" and region "+sc.region+".") // unconfirmed
		}
		return nil, nil, nil, err
	}
	if d.Type != want {
		return nil, nil, nil, errChangeParams("The document %s is of type %s; a change request needs a document of type %s here.", d.Name, d.Type, want)
	}
	v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, version, "")
	if err != nil {
		if e, ok := orgstack.AsError(err); ok && e.Code == "InvalidDocumentVersion" {
			return nil, nil, nil, newErr("AutomationDefinitionVersionNotFoundException", "Version "+version+" of document "+d.Name+" doesn't exist.") // unconfirmed
		}
		return nil, nil, nil, err
	}
	c, err := readDocContent(d.Type, v.Format, v.Content)
	if err != nil {
		return nil, nil, nil, err
	}
	return d, v, c, nil
}

// checkParameters compares the parameters given with those a document
// declares: each given one must be declared, and each declared one
// without a default must be given.
func checkParameters(doc string, c *docContent, given map[string][]string) error {
	declared := map[string]bool{}
	for _, p := range c.parameters {
		declared[p.Name] = true
	}
	for _, k := range sortedKeys(given) {
		if !declared[k] {
			return errChangeParams("Parameter %s isn't declared in document %s.", k, doc)
		}
	}
	for _, p := range c.parameters {
		if _, ok := given[p.Name]; !ok && !hasDefault(c.body, p.Name) {
			return errChangeParams("Parameter %s of document %s is required.", p.Name, doc)
		}
	}
	return nil
}

// templateRunbooks lists the runbooks a change template allows
// (executableRunBooks); nil when it names none, and then any runbook goes.
func templateRunbooks(c *docContent) []string {
	list, _ := c.body["executableRunBooks"].([]any)
	var out []string
	for _, it := range list {
		m, _ := it.(map[string]any)
		if n := scalarText(m["name"]); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// templateAutoApprovable reports whether a change template allows change
// requests that approve themselves (autoApprovable: true; the older
// spelling autoApprove is read too).
func templateAutoApprovable(c *docContent) bool {
	for _, k := range []string{"autoApprovable", "autoApprove"} {
		if b, ok := c.body[k].(bool); ok && b {
			return true
		}
	}
	return false
}

// StartChangeRequestExecution creates a change request in the caller's
// account and region and returns its AutomationExecutionId (a UUID).
//
// DocumentName must name a change template whose version (DocumentVersion,
// else the default version) is APPROVED, otherwise
// AutomationDefinitionNotApprovedException; unknown documents and versions
// are AutomationDefinitionNotFoundException and
// AutomationDefinitionVersionNotFoundException. The one runbook must be an
// Automation document the template allows (executableRunBooks), and the
// parameters of both must match what they declare
// (InvalidAutomationExecutionParametersException). The runbook's
// TargetLocations are resolved against Organizations (see changeTargets).
// AutoApprove needs a template that allows it.
//
// The request starts PendingApproval, or is approved at once with
// AutoApprove; an OpsItem of type /aws/changerequest is created with the
// same status. A repeated ClientToken with the same parameters returns the
// first request's id; with other parameters it is
// IdempotentParameterMismatch.
func (s *Service) StartChangeRequestExecution(ctx context.Context, in *StartChangeRequestExecutionRequest) (*StartChangeRequestExecutionResult, error) {
	var out *StartChangeRequestExecutionResult
	err := s.write(ctx, func(sc *scope) error {
		digest := requestDigest(in)
		if in.ClientToken != "" {
			var t changeTokenRecord
			err := store.GetJSON(sc.tx, changeTokenKey(sc.account, sc.region, in.ClientToken), &t)
			if err == nil {
				if t.Digest != digest {
					return newErr("IdempotentParameterMismatch", "The client token "+in.ClientToken+" was used with other parameters.") // unconfirmed
				}
				out = &StartChangeRequestExecutionResult{AutomationExecutionId: t.ID}
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		r, err := s.newChangeRequest(sc, in)
		if err != nil {
			return err
		}
		if in.ClientToken != "" {
			if err := store.PutJSON(sc.tx, changeTokenKey(sc.account, sc.region, in.ClientToken), &changeTokenRecord{ID: r.ID, Digest: digest}); err != nil {
				return err
			}
		}
		out = &StartChangeRequestExecutionResult{AutomationExecutionId: r.ID}
		return nil
	})
	return out, err
}

// newChangeRequest checks a request, then stores it with its OpsItem.
func (s *Service) newChangeRequest(sc *scope, in *StartChangeRequestExecutionRequest) (*execRecord, error) {
	td, tv, tc, err := automationDoc(sc, in.DocumentName, in.DocumentVersion, DocumentTypeAutomationChangeTemplate)
	if err != nil {
		return nil, err
	}
	if tv.Review != ReviewStatusApproved {
		return nil, newErr("AutomationDefinitionNotApprovedException", fmt.Sprintf("Version %d of change template %s isn't approved; its review status is %s.", tv.Version, td.Name, tv.Review)) // unconfirmed
	}
	if err := checkParameters(td.Name, tc, in.Parameters); err != nil {
		return nil, err
	}
	if len(in.Runbooks) != 1 {
		return nil, errChangeParams("A change request runs exactly one runbook; %d were given.", len(in.Runbooks))
	}
	rb := in.Runbooks[0]
	rd, rv, rc, err := automationDoc(sc, rb.DocumentName, rb.DocumentVersion, DocumentTypeAutomation)
	if err != nil {
		return nil, err
	}
	if allowed := templateRunbooks(tc); allowed != nil && !slices.Contains(allowed, rd.Name) {
		return nil, errChangeParams("The change template %s doesn't allow the runbook %s; it allows %s.", td.Name, rd.Name, strings.Join(allowed, ", "))
	}
	if err := checkParameters(rd.Name, rc, rb.Parameters); err != nil {
		return nil, err
	}
	autoApprove := in.AutoApprove != nil && *in.AutoApprove
	if autoApprove && !templateAutoApprovable(tc) {
		return nil, errChangeParams("The change template %s doesn't allow change requests to be approved automatically.", td.Name)
	}
	targets, typ, err := s.changeTargets(sc, rb.TargetLocations)
	if err != nil {
		return nil, err
	}
	rb.DocumentName, rb.DocumentVersion = rd.Name, fmt.Sprint(rv.Version)
	r := &execRecord{
		ID: orgstack.NewUUID(), Account: sc.account, Region: sc.region, DocumentName: td.Name,
		DocumentVersion: fmt.Sprint(tv.Version), Status: AutomationExecutionStatusPendingApproval,
		Subtype: AutomationSubtypeChangeRequest, Type: typ, ChangeRequestName: in.ChangeRequestName,
		Parameters: in.Parameters, Runbooks: []Runbook{rb}, TargetLocations: rb.TargetLocations, Targets: targets,
		ScheduledTime: in.ScheduledTime, ScheduledEndTime: in.ScheduledEndTime, ChangeDetails: in.ChangeDetails,
		Tags: in.Tags, ExecutedBy: sc.caller.ARN, Start: sc.now,
	}
	if err := s.createChangeOpsItem(sc, r, td, tc); err != nil {
		return nil, err
	}
	if autoApprove {
		return r, s.approveChange(sc.tx, sc.now, r)
	}
	if err := updateOpsItemStatusTx(sc.tx, sc.now, r.Account, r.Region, r.OpsItemID, string(OpsItemStatusPendingApproval)); err != nil {
		return nil, err
	}
	return r, putExec(sc.tx, r)
}

// createChangeOpsItem creates the /aws/changerequest OpsItem of r, named
// after the request and linked to it through /aws/automations.
func (s *Service) createChangeOpsItem(sc *scope, r *execRecord, td *docRecord, tc *docContent) error {
	title := r.ChangeRequestName
	if title == "" {
		title = td.Name
	}
	desc := r.ChangeDetails
	if desc == "" {
		desc, _ = tc.body["templateInformation"].(string)
	}
	if desc == "" {
		desc = "Change request using change template " + td.Name + "."
	}
	if len(desc) > 2048 {
		desc = desc[:2048]
	}
	link, _ := json.Marshal([]map[string]string{{"automationId": r.ID, "automationType": "AWS::SSM::Automation"}})
	oi, err := createOpsItemTx(sc.tx, sc.now, sc.account, sc.region, &CreateOpsItemRequest{
		Title: title, Description: desc, Source: "ChangeManager", OpsItemType: opsItemTypeChangeRequest, // unconfirmed (Source)
		OperationalData:  map[string]OpsItemDataValue{opsDataKeyAutomations: {Value: string(link), Type: OpsItemDataTypeSearchableString}},
		PlannedStartTime: r.ScheduledTime, PlannedEndTime: r.ScheduledEndTime, Tags: r.Tags,
	}, sc.caller.ARN)
	if err != nil {
		return err
	}
	r.OpsItemID = oi.ID
	return nil
}
