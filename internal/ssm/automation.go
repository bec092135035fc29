package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// Automation executions. The only executions orgstack starts are change
// requests (StartChangeRequestExecution); the operations here read them.
// An execution belongs to the account and region that started it. Store
// layout:
//
//	ssm/<account>/<region>/automation/<id>     execRecord
//	ssm/<account>/<region>/crtoken/<token>     changeTokenRecord (ClientToken idempotency)
const (
	kindAutomation  = "automation/"
	kindChangeToken = "crtoken/"
)

// execRecord is a stored automation execution.
type execRecord struct {
	ID                string
	Account           string
	Region            string
	DocumentName      string
	DocumentVersion   string
	Status            AutomationExecutionStatus
	Subtype           AutomationSubtype
	Type              AutomationType
	ChangeRequestName string
	Parameters        map[string][]string
	Runbooks          []Runbook
	TargetLocations   []TargetLocation
	Targets           []execTarget // the accounts and regions the runbook runs in
	ScheduledTime     time.Time
	ScheduledEndTime  time.Time
	ChangeDetails     string
	Tags              []Tag
	OpsItemID         string
	ExecutedBy        string
	Start             time.Time
	End               time.Time
	Steps             []stepRecord
	Signals           []signalRecord
}

// execTarget is one account and region a runbook runs in.
type execTarget struct {
	Account string
	Region  string
}

// stepRecord is one step execution.
type stepRecord struct {
	ID      string
	Name    string
	Action  string
	Status  AutomationExecutionStatus
	Start   time.Time
	End     time.Time
	Inputs  map[string]string
	Outputs map[string][]string
	Target  execTarget
}

// signalRecord is an Approve or Reject sent to a change request.
type signalRecord struct {
	Type    SignalType
	Comment string
	By      string
	At      time.Time
}

func execKey(account, region, id string) string {
	return opsDataPrefix(account, region) + kindAutomation + id
}

func errNoExecution() error { return newErr("AutomationExecutionNotFoundException", "") }

// loadExec reads an execution, or AutomationExecutionNotFoundException.
func loadExec(tx store.Tx, account, region, id string) (*execRecord, error) {
	var r execRecord
	err := store.GetJSON(tx, execKey(account, region, id), &r)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoExecution()
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func putExec(tx store.Tx, r *execRecord) error {
	return store.PutJSON(tx, execKey(r.Account, r.Region, r.ID), r)
}

// loadExecs reads every execution of an account and region.
func loadExecs(tx store.Tx, account, region string) ([]*execRecord, error) {
	var out []*execRecord
	err := tx.Scan(opsDataPrefix(account, region)+kindAutomation, "", func(_ string, b []byte) (bool, error) {
		var r execRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return false, err
		}
		out = append(out, &r)
		return true, nil
	})
	return out, err
}

func (st *stepRecord) execution() StepExecution {
	tl := &TargetLocation{Accounts: []string{st.Target.Account}, Regions: []string{st.Target.Region}}
	return StepExecution{
		StepName: st.Name, Action: st.Action, ExecutionStartTime: st.Start, ExecutionEndTime: st.End,
		StepStatus: st.Status, Inputs: st.Inputs, Outputs: st.Outputs, StepExecutionId: st.ID, TargetLocation: tl,
	}
}

// currentStep is the step running now, if any.
func (r *execRecord) currentStep() *stepRecord {
	for i := range r.Steps {
		if r.Steps[i].Status == AutomationExecutionStatusInProgress {
			return &r.Steps[i]
		}
	}
	return nil
}

// execution is GetAutomationExecution's view of r.
func (r *execRecord) execution() *AutomationExecution {
	steps := []StepExecution{}
	var ok int32
	for i := range r.Steps {
		steps = append(steps, r.Steps[i].execution())
		if r.Steps[i].Status == AutomationExecutionStatusSuccess {
			ok++
		}
	}
	total, zero, no := int32(len(r.Steps)), int32(0), false
	out := &AutomationExecution{
		AutomationExecutionId: r.ID, DocumentName: r.DocumentName, DocumentVersion: r.DocumentVersion,
		ExecutionStartTime: r.Start, ExecutionEndTime: r.End, AutomationExecutionStatus: r.Status,
		StepExecutions: steps, StepExecutionsTruncated: &no, Parameters: r.Parameters, Mode: ExecutionModeAuto,
		ExecutedBy: r.ExecutedBy, TargetLocations: r.TargetLocations,
		ProgressCounters:  &ProgressCounters{TotalSteps: &total, SuccessSteps: &ok, FailedSteps: &zero, CancelledSteps: &zero, TimedOutSteps: &zero},
		AutomationSubtype: r.Subtype, ScheduledTime: r.ScheduledTime, Runbooks: r.Runbooks, OpsItemId: r.OpsItemID,
		ChangeRequestName: r.ChangeRequestName,
	}
	if st := r.currentStep(); st != nil {
		out.CurrentStepName, out.CurrentAction = st.Name, st.Action
	}
	return out
}

// metadata is DescribeAutomationExecutions' view of r.
func (r *execRecord) metadata() AutomationExecutionMetadata {
	e := r.execution()
	return AutomationExecutionMetadata{
		AutomationExecutionId: r.ID, DocumentName: r.DocumentName, DocumentVersion: r.DocumentVersion,
		AutomationExecutionStatus: r.Status, ExecutionStartTime: r.Start, ExecutionEndTime: r.End, ExecutedBy: r.ExecutedBy,
		Mode: e.Mode, CurrentStepName: e.CurrentStepName, CurrentAction: e.CurrentAction, AutomationType: r.Type,
		AutomationSubtype: r.Subtype, ScheduledTime: r.ScheduledTime, Runbooks: r.Runbooks, OpsItemId: r.OpsItemID,
		ChangeRequestName: r.ChangeRequestName,
	}
}

// GetAutomationExecution returns an execution of the caller's account and
// region with its step executions. Error:
// AutomationExecutionNotFoundException.
func (s *Service) GetAutomationExecution(ctx context.Context, in *GetAutomationExecutionRequest) (*GetAutomationExecutionResult, error) {
	var out *GetAutomationExecutionResult
	err := s.read(ctx, func(sc *scope) error {
		r, err := loadExec(sc.tx, sc.account, sc.region, in.AutomationExecutionId)
		if err != nil {
			return err
		}
		out = &GetAutomationExecutionResult{AutomationExecution: r.execution()}
		return nil
	})
	return out, err
}

// parseFilterTime reads a StartTimeBefore/After value: RFC 3339, or a date
// and time without zone (UTC), or a date.
func parseFilterTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, newErr("InvalidFilterValue", "The filter value "+v+" isn't a valid time; use a format such as 2026-01-31T15:00:00Z.") // unconfirmed
}

// execMatches reports whether r passes one filter (any of its values).
func execMatches(r *execRecord, f AutomationExecutionFilter) (bool, error) {
	for _, v := range f.Values {
		var ok bool
		switch f.Key {
		case AutomationExecutionFilterKeyExecutionId:
			ok = r.ID == v
		case AutomationExecutionFilterKeyDocumentNamePrefix:
			ok = strings.HasPrefix(r.DocumentName, v)
		case AutomationExecutionFilterKeyExecutionStatus:
			ok = string(r.Status) == v
		case AutomationExecutionFilterKeyAutomationSubtype:
			ok = string(r.Subtype) == v
		case AutomationExecutionFilterKeyAutomationType:
			ok = string(r.Type) == v
		case AutomationExecutionFilterKeyOpsItemId:
			ok = r.OpsItemID == v
		case AutomationExecutionFilterKeyCurrentAction:
			st := r.currentStep()
			ok = st != nil && st.Action == v
		case AutomationExecutionFilterKeyTagKey:
			ok = slices.ContainsFunc(r.Tags, func(t Tag) bool { return t.Key == v })
		case AutomationExecutionFilterKeyStartTimeBefore, AutomationExecutionFilterKeyStartTimeAfter:
			t, err := parseFilterTime(v)
			if err != nil {
				return false, err
			}
			if f.Key == AutomationExecutionFilterKeyStartTimeBefore {
				ok = r.Start.Before(t)
			} else {
				ok = r.Start.After(t)
			}
		case AutomationExecutionFilterKeyParentExecutionId, AutomationExecutionFilterKeyTargetResourceGroup:
			// Change requests have no parent execution and no resource group.
		default:
			return false, newErr("InvalidFilterKey", "")
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// DescribeAutomationExecutions lists the executions of the caller's
// account and region, newest first, that pass every filter (a filter
// passes when any of its values matches). Errors: InvalidFilterKey,
// InvalidFilterValue (a time that does not parse), InvalidNextToken.
func (s *Service) DescribeAutomationExecutions(ctx context.Context, in *DescribeAutomationExecutionsRequest) (*DescribeAutomationExecutionsResult, error) {
	var out *DescribeAutomationExecutionsResult
	err := s.read(ctx, func(sc *scope) error {
		all, err := loadExecs(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		var keep []*execRecord
		for _, r := range all {
			pass := true
			for _, f := range in.Filters {
				ok, err := execMatches(r, f)
				if err != nil {
					return err
				}
				pass = pass && ok
			}
			if pass {
				keep = append(keep, r)
			}
		}
		keys := make([]string, len(keep))
		for i, r := range keep {
			keys[i] = fmt.Sprintf("%020d/%s", math.MaxInt64-r.Start.UnixNano(), r.ID)
		}
		idx := make([]int, len(keep))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		sorted := make([]string, len(idx))
		for i, j := range idx {
			sorted[i] = keys[j]
		}
		lo, hi, next, err := opsDataPage(sc, "DescribeAutomationExecutions", sorted, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out = &DescribeAutomationExecutionsResult{AutomationExecutionMetadataList: []AutomationExecutionMetadata{}, NextToken: next}
		for _, j := range idx[lo:hi] {
			out.AutomationExecutionMetadataList = append(out.AutomationExecutionMetadataList, keep[j].metadata())
		}
		return nil
	})
	return out, err
}

// stepMatches reports whether a step passes one filter.
func stepMatches(st *stepRecord, f StepExecutionFilter) (bool, error) {
	for _, v := range f.Values {
		var ok bool
		switch f.Key {
		case StepExecutionFilterKeyStepExecutionStatus:
			ok = string(st.Status) == v
		case StepExecutionFilterKeyStepName:
			ok = st.Name == v
		case StepExecutionFilterKeyStepExecutionId:
			ok = st.ID == v
		case StepExecutionFilterKeyAction:
			ok = st.Action == v
		case StepExecutionFilterKeyStartTimeBefore, StepExecutionFilterKeyStartTimeAfter:
			t, err := parseFilterTime(v)
			if err != nil {
				return false, err
			}
			if f.Key == StepExecutionFilterKeyStartTimeBefore {
				ok = !st.Start.IsZero() && st.Start.Before(t)
			} else {
				ok = st.Start.After(t)
			}
		case StepExecutionFilterKeyParentStepExecutionId, StepExecutionFilterKeyParentStepIteration, StepExecutionFilterKeyParentStepIteratorValue:
			// The steps of a change request are not inside loops.
		default:
			return false, newErr("InvalidFilterKey", "")
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// DescribeAutomationStepExecutions lists the step executions of an
// execution of the caller's, in the order they run (reversed with
// ReverseOrder), that pass every filter. Errors:
// AutomationExecutionNotFoundException, InvalidFilterKey,
// InvalidFilterValue, InvalidNextToken.
func (s *Service) DescribeAutomationStepExecutions(ctx context.Context, in *DescribeAutomationStepExecutionsRequest) (*DescribeAutomationStepExecutionsResult, error) {
	var out *DescribeAutomationStepExecutionsResult
	err := s.read(ctx, func(sc *scope) error {
		r, err := loadExec(sc.tx, sc.account, sc.region, in.AutomationExecutionId)
		if err != nil {
			return err
		}
		steps := slices.Clone(r.Steps)
		if in.ReverseOrder != nil && *in.ReverseOrder {
			slices.Reverse(steps)
		}
		var keep []StepExecution
		for i := range steps {
			pass := true
			for _, f := range in.Filters {
				ok, err := stepMatches(&steps[i], f)
				if err != nil {
					return err
				}
				pass = pass && ok
			}
			if pass {
				keep = append(keep, steps[i].execution())
			}
		}
		keys := make([]string, len(keep))
		for i := range keep {
			keys[i] = fmt.Sprintf("%06d", i)
		}
		lo, hi, next, err := opsDataPage(sc, "DescribeAutomationStepExecutions/"+r.ID, keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out = &DescribeAutomationStepExecutionsResult{StepExecutions: append([]StepExecution{}, keep[lo:hi]...), NextToken: next}
		return nil
	})
	return out, err
}
