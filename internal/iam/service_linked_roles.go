package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout of deletion tasks:
//
//	iam/<account>/slr-task/<uuid>              slrTask
//	iam/<account>/slr-pending/<lower role>     uuid of the task not yet run
func kTask(account, id string) string { return "iam/" + account + "/slr-task/" + id }
func kTaskPending(account, role string) string {
	return "iam/" + account + "/slr-pending/" + strings.ToLower(role)
}

type slrTask struct {
	UUID      string      `json:"uuid"`
	TaskID    string      `json:"taskId"`
	Account   string      `json:"account"`
	RoleName  string      `json:"roleName"`
	Principal string      `json:"principal"`
	Status    string      `json:"status"` // NOT_STARTED, IN_PROGRESS, SUCCEEDED, FAILED
	Reason    string      `json:"reason,omitempty"`
	Usage     []RoleUsage `json:"usage,omitempty"`
	Created   time.Time   `json:"created"`
}

// CreateServiceLinkedRole creates the role an AWS service defines for
// itself in the caller's account.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, in *CreateServiceLinkedRoleRequest) (*CreateServiceLinkedRoleResponse, error) {
	var out *CreateServiceLinkedRoleResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		def, ok := s.opt.ServiceRoles.ServiceRole(in.AWSServiceName)
		if !ok {
			return errInvalidInput("Invalid service name: " + in.AWSServiceName)
		}
		name := def.RoleName
		if in.CustomSuffix != "" {
			if !def.CustomSuffixAllowed {
				return errInvalidInput("Custom suffix is not allowed for " + in.AWSServiceName)
			}
			name += "_" + in.CustomSuffix
		}
		if ok, err := s.HasRole(tx, c.AccountID, name); err != nil {
			return err
		} else if ok {
			return errInvalidInput("Service role name " + name + " has been taken in this account, please try a different suffix.")
		}
		desc := in.Description
		if desc == "" {
			desc = def.Description
		}
		var policies []string
		if def.PolicyARN != "" {
			policies = []string{def.PolicyARN}
		}
		if _, err := s.EnsureServiceLinkedRole(tx, now, c.Partition(), c.AccountID, orgstack.ServiceLinkedRole{
			RoleName: name, ServicePrincipal: in.AWSServiceName, Description: desc, PolicyARNs: policies,
		}); err != nil {
			return err
		}
		r, err := getRole(tx, c.AccountID, name)
		if err != nil {
			return err
		}
		role := r.api(false)
		out = &CreateServiceLinkedRoleResponse{Role: &role}
		return nil
	})
	return out, err
}

// DeleteServiceLinkedRole starts deleting a service-linked role and
// returns the deletion task. While a task for the role has not run yet,
// asking again returns the same task. The task fails when the service
// still uses the role.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, in *DeleteServiceLinkedRoleRequest) (*DeleteServiceLinkedRoleResponse, error) {
	var out *DeleteServiceLinkedRoleResponse
	err := s.write(ctx, func(tx store.Tx, c orgstack.Caller, now time.Time) error {
		r, err := roleOf(tx, c.AccountID, in.RoleName)
		if err != nil {
			return err
		}
		if r.ServicePrincipal == "" {
			return errNoSuchEntity("Role " + r.Name + " is not a service-linked role.")
		}
		if id, err := tx.Get(kTaskPending(c.AccountID, r.Name)); err == nil {
			var t slrTask
			if err := store.GetJSON(tx, kTask(c.AccountID, string(id)), &t); err != nil {
				return err
			}
			out = &DeleteServiceLinkedRoleResponse{DeletionTaskId: t.TaskID}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		u := orgstack.NewUUID()
		t := &slrTask{
			UUID: u, TaskID: "task/aws-service-role/" + r.ServicePrincipal + "/" + r.Name + "/" + u,
			Account: c.AccountID, RoleName: r.Name, Principal: r.ServicePrincipal, Status: "NOT_STARTED", Created: now,
		}
		if err := store.PutJSON(tx, kTask(c.AccountID, u), t); err != nil {
			return err
		}
		if err := tx.Put(kTaskPending(c.AccountID, r.Name), []byte(u)); err != nil {
			return err
		}
		if _, err := s.opt.Jobs.Enqueue(tx, jobDeleteSLR, deleteSLRJob{Account: c.AccountID, UUID: u}, now, now); err != nil {
			return err
		}
		out = &DeleteServiceLinkedRoleResponse{DeletionTaskId: t.TaskID}
		return nil
	})
	return out, err
}

type deleteSLRJob struct {
	Account string `json:"account"`
	UUID    string `json:"uuid"`
}

// runDeleteSLR carries out a deletion task: the role goes unless its
// service still uses it, in which case the task fails and says where.
func (s *Service) runDeleteSLR(_ context.Context, tx store.Tx, _ time.Time, job *jobs.Job) error {
	var p deleteSLRJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	var t slrTask
	if err := store.GetJSON(tx, kTask(p.Account, p.UUID), &t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	if err := tx.Delete(kTaskPending(p.Account, t.RoleName)); err != nil {
		return err
	}
	r, err := getRole(tx, p.Account, t.RoleName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t.Status = "SUCCEEDED"
	case err != nil:
		return err
	default:
		inUse, reason, usage, err := s.opt.ServiceRoles.InUse(tx, p.Account, r.ServicePrincipal, r.Name)
		if err != nil {
			return err
		}
		if inUse {
			t.Status, t.Reason, t.Usage = "FAILED", reason, usage
		} else {
			t.Status = "SUCCEEDED"
			if err := tx.Delete(kRole(p.Account, r.Name)); err != nil {
				return err
			}
		}
	}
	return store.PutJSON(tx, kTask(p.Account, p.UUID), &t)
}

// GetServiceLinkedRoleDeletionStatus reports on a deletion task.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, in *GetServiceLinkedRoleDeletionStatusRequest) (*GetServiceLinkedRoleDeletionStatusResponse, error) {
	var out *GetServiceLinkedRoleDeletionStatusResponse
	err := s.read(ctx, func(tx store.Tx, c orgstack.Caller) error {
		parts := strings.Split(in.DeletionTaskId, "/")
		if len(parts) != 5 || parts[0] != "task" || parts[1] != "aws-service-role" {
			return errInvalidInput("Invalid deletion task id: " + in.DeletionTaskId)
		}
		var t slrTask
		if err := store.GetJSON(tx, kTask(c.AccountID, parts[4]), &t); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errNoSuchEntity("Deletion task " + in.DeletionTaskId + " cannot be found.")
			}
			return err
		}
		if t.TaskID != in.DeletionTaskId {
			return errNoSuchEntity("Deletion task " + in.DeletionTaskId + " cannot be found.")
		}
		out = &GetServiceLinkedRoleDeletionStatusResponse{Status: DeletionTaskStatusType(t.Status)}
		if t.Status == "FAILED" {
			reason := &DeletionTaskFailureReasonType{Reason: t.Reason, RoleUsageList: []RoleUsageType{}}
			for _, u := range t.Usage {
				reason.RoleUsageList = append(reason.RoleUsageList, RoleUsageType(u))
			}
			out.Reason = reason
		}
		return nil
	})
	return out, err
}
