package ssm

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
)

// The life of a change request (AutomationExecutionStatus, and the status
// of its /aws/changerequest OpsItem):
//
//	PendingApproval (OpsItem PendingApproval)
//	  --Approve signal, or AutoApprove--> Approved (Approved), or
//	                                      Scheduled (Scheduled) while ScheduledTime is ahead
//	  --at ScheduledTime, or at once--> RunbookInProgress (RunbookInProgress)
//	  --the runbook finishes--> Success (CompletedWithSuccess)
//	PendingApproval --Reject signal--> Rejected (Rejected)
//
// The runbook is a documented no-op: when the request starts running,
// orgstack records one step execution per target account and region
// (action aws:executeAutomation, InProgress), and when it finishes each
// step and the request succeed. Both moves after approval are jobs of the
// durable queue, so a restart resumes a request where it was. One Approve
// is enough, whatever approvers the template names.
const jobChangeRequest = "ssm-change-request"

// Phases of jobChangeRequest.
const (
	phaseStart  = "start"
	phaseFinish = "finish"
)

// changeRunJob is the payload of jobChangeRequest.
type changeRunJob struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	ID      string `json:"id"`
	Phase   string `json:"phase"`
}

// registerChangeManagerJobs registers the job handler that runs approved
// change requests. New calls it once, before the queue starts.
func (s *Service) registerChangeManagerJobs() {
	if s.opt.Jobs != nil {
		s.opt.Jobs.Handle(jobChangeRequest, s.runChangeRequest)
	}
}

// setChangeStatus sets the status of r and of its OpsItem.
func setChangeStatus(tx store.Tx, now time.Time, r *execRecord, status AutomationExecutionStatus, opsStatus OpsItemStatus) error {
	r.Status = status
	if r.OpsItemID != "" {
		err := updateOpsItemStatusTx(tx, now, r.Account, r.Region, r.OpsItemID, string(opsStatus))
		// The OpsItem may have been deleted; the request goes on without it.
		if e, ok := orgstack.AsError(err); err != nil && (!ok || e.Code != "OpsItemNotFoundException") {
			return err
		}
	}
	return putExec(tx, r)
}

// approveChange approves r: Approved, or Scheduled when its ScheduledTime
// is ahead, and its run is queued for then. Without a job queue the run
// happens at once, inside tx.
func (s *Service) approveChange(tx store.Tx, now time.Time, r *execRecord) error {
	runAt := now
	status, opsStatus := AutomationExecutionStatusApproved, OpsItemStatusApproved
	if r.ScheduledTime.After(now) {
		runAt, status, opsStatus = r.ScheduledTime, AutomationExecutionStatusScheduled, OpsItemStatusScheduled
	}
	if err := setChangeStatus(tx, now, r, status, opsStatus); err != nil {
		return err
	}
	if s.opt.Jobs == nil {
		if err := startRunbook(tx, now, r); err != nil {
			return err
		}
		return finishRunbook(tx, now, r)
	}
	_, err := s.opt.Jobs.Enqueue(tx, jobChangeRequest, changeRunJob{Account: r.Account, Region: r.Region, ID: r.ID, Phase: phaseStart}, now, runAt)
	return err
}

// runChangeRequest is the job handler: it moves a request one phase on,
// and does nothing when the request has moved already (a job may run
// twice).
func (s *Service) runChangeRequest(_ context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	var p changeRunJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	r, err := loadExec(tx, p.Account, p.Region, p.ID)
	if err != nil {
		if e, ok := orgstack.AsError(err); ok && e.Code == "AutomationExecutionNotFoundException" {
			return nil
		}
		return err
	}
	switch {
	case p.Phase == phaseStart && (r.Status == AutomationExecutionStatusApproved || r.Status == AutomationExecutionStatusScheduled):
		if err := startRunbook(tx, now, r); err != nil {
			return err
		}
		_, err := s.opt.Jobs.Enqueue(tx, jobChangeRequest, changeRunJob{Account: r.Account, Region: r.Region, ID: r.ID, Phase: phaseFinish}, now, now)
		return err
	case p.Phase == phaseFinish && r.Status == AutomationExecutionStatusRunbookInProgress:
		return finishRunbook(tx, now, r)
	}
	return nil
}

// startRunbook starts the runbook of r: one InProgress step per target.
func startRunbook(tx store.Tx, now time.Time, r *execRecord) error {
	rb := r.Runbooks[0]
	params, _ := json.Marshal(rb.Parameters)
	r.Steps = nil
	for _, t := range r.Targets {
		r.Steps = append(r.Steps, stepRecord{
			ID: orgstack.NewUUID(), Name: rb.DocumentName, Action: "aws:executeAutomation",
			Status: AutomationExecutionStatusInProgress, Start: now, Target: t,
			Inputs: map[string]string{"DocumentName": rb.DocumentName, "DocumentVersion": rb.DocumentVersion,
				"RuntimeParameters": string(params), "TargetAccount": t.Account, "TargetRegion": t.Region},
		})
	}
	return setChangeStatus(tx, now, r, AutomationExecutionStatusRunbookInProgress, OpsItemStatusRunbookInProgress)
}

// finishRunbook ends r: every step and the request succeed.
func finishRunbook(tx store.Tx, now time.Time, r *execRecord) error {
	for i := range r.Steps {
		r.Steps[i].Status, r.Steps[i].End = AutomationExecutionStatusSuccess, now
		r.Steps[i].Outputs = map[string][]string{"ExecutionStatus": {string(AutomationExecutionStatusSuccess)}}
	}
	r.End = now
	return setChangeStatus(tx, now, r, AutomationExecutionStatusSuccess, OpsItemStatusCompletedWithSuccess)
}

// SendAutomationSignal approves or rejects a change request of the
// caller's account and region that is PendingApproval; Payload Comment is
// kept with the signal. Approve starts the request's run (see the life of
// a change request above); Reject ends it Rejected. Errors:
// AutomationExecutionNotFoundException, and InvalidAutomationSignalException
// for any other signal, or for a request that is not waiting for approval.
func (s *Service) SendAutomationSignal(ctx context.Context, in *SendAutomationSignalRequest) (*SendAutomationSignalResult, error) {
	err := s.write(ctx, func(sc *scope) error {
		r, err := loadExec(sc.tx, sc.account, sc.region, in.AutomationExecutionId)
		if err != nil {
			return err
		}
		if in.SignalType != SignalTypeApprove && in.SignalType != SignalTypeReject {
			return newErr("InvalidAutomationSignalException", "The signal "+string(in.SignalType)+" isn't valid for a change request; send Approve or Reject.") // unconfirmed
		}
		if r.Status != AutomationExecutionStatusPendingApproval {
			return newErr("InvalidAutomationSignalException", "The signal "+string(in.SignalType)+" isn't valid for automation execution "+r.ID+
				" in status "+string(r.Status)+"; it needs status PendingApproval.") // unconfirmed
		}
		r.Signals = append(r.Signals, signalRecord{Type: in.SignalType, Comment: strings.Join(in.Payload["Comment"], "\n"), By: sc.caller.ARN, At: sc.now})
		if in.SignalType == SignalTypeApprove {
			return s.approveChange(sc.tx, sc.now, r)
		}
		r.End = sc.now
		return setChangeStatus(sc.tx, sc.now, r, AutomationExecutionStatusRejected, OpsItemStatusRejected)
	})
	if err != nil {
		return nil, err
	}
	return &SendAutomationSignalResult{}, nil
}
