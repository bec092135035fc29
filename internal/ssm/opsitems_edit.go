package ssm

import (
	"context"
	"slices"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Statuses an OpsCenter OpsItem (/aws/issue, /aws/insight) can take; the
// rest of the OpsItemStatus enumeration belongs to change requests.
// // unconfirmed (AWS's answer to a change-request status on an issue)
func issueStatuses() []string {
	return []string{string(OpsItemStatusOpen), string(OpsItemStatusInProgress), string(OpsItemStatusResolved)}
}

// resolveOpsItem finds the OpsItem a call names by id and, optionally, by
// ARN. An ARN of another account is OpsItemAccessDeniedException (there is
// no cross-account OpsCenter here), one of another region or of a missing
// OpsItem OpsItemNotFoundException, one that names another id
// OpsItemInvalidParameterException.
func resolveOpsItem(sc *scope, id, arn string) (*opsItemRecord, error) {
	if arn != "" {
		a, err := orgstack.ParseARN(arn)
		if err != nil || a.Service != "ssm" {
			return nil, errOpsItemParam("The OpsItem ARN "+arn+" is not valid.", "OpsItemArn") // unconfirmed
		}
		if a.AccountID != sc.account {
			return nil, errOpsItemAccess()
		}
		if a.Resource != "opsitem/"+id {
			return nil, errOpsItemParam("The OpsItem ARN "+arn+" does not match the OpsItem ID "+id+".", "OpsItemArn", "OpsItemId") // unconfirmed
		}
		if a.Region != sc.region {
			return nil, errOpsItemNotFound()
		}
	}
	return getOpsItem(sc.tx, sc.account, sc.region, id)
}

// GetOpsItem returns an OpsItem of the caller's account and region, with
// all of its OperationalData (searchable or not). Notifications and
// RelatedOpsItems are always present, empty when there are none.
func (s *Service) GetOpsItem(ctx context.Context, in *GetOpsItemRequest) (*GetOpsItemResponse, error) {
	var out *GetOpsItemResponse
	err := s.read(ctx, func(sc *scope) error {
		r, err := resolveOpsItem(sc, in.OpsItemId, in.OpsItemArn)
		if err != nil {
			return err
		}
		out = &GetOpsItemResponse{OpsItem: r.opsItem()}
		return nil
	})
	return out, err
}

// UpdateOpsItem edits an OpsItem: the members present replace the stored
// ones (Notifications and RelatedOpsItems as whole lists);
// OperationalData is merged key by key and OperationalDataToDelete then
// removes keys. The deduplication string (/aws/dedup) can't change after
// creation. OpsCenter OpsItems take the statuses Open, InProgress and
// Resolved; change requests any status of the enumeration. Every update
// sets LastModifiedTime and LastModifiedBy and increases Version.
func (s *Service) UpdateOpsItem(ctx context.Context, in *UpdateOpsItemRequest) (*UpdateOpsItemResponse, error) {
	if err := checkOpsDataKeys(in.OperationalData); err != nil {
		return nil, err
	}
	if _, ok := in.OperationalData[opsDataKeyDedup]; ok || slices.Contains(in.OperationalDataToDelete, opsDataKeyDedup) {
		return nil, errOpsItemParam("You can't change the deduplication string of an OpsItem.", "OperationalData") // unconfirmed
	}
	err := s.write(ctx, func(sc *scope) error {
		r, err := resolveOpsItem(sc, in.OpsItemId, in.OpsItemArn)
		if err != nil {
			return err
		}
		if err := checkOpsItemFields(r.Type, in.Priority, in.Severity, in.RelatedOpsItems); err != nil {
			return err
		}
		if in.Status != "" {
			if r.Type != opsItemTypeChangeRequest && !slices.Contains(issueStatuses(), string(in.Status)) {
				return errOpsItemParam("The status "+string(in.Status)+" is not valid for an OpsItem of type "+r.Type+".", "Status") // unconfirmed
			}
			r.setStatus(string(in.Status), sc.now)
		}
		r.applyUpdate(in)
		r.LastModifiedBy = sc.caller.ARN
		r.LastModifiedTime = sc.now
		r.Version++
		return store.PutJSON(sc.tx, opsItemKey(sc.account, sc.region, r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateOpsItemResponse{}, nil
}

// applyUpdate copies the members of an update that are present.
func (r *opsItemRecord) applyUpdate(in *UpdateOpsItemRequest) {
	if in.Title != "" {
		r.Title = in.Title
	}
	if in.Description != "" {
		r.Description = in.Description
	}
	if in.Priority != nil {
		r.Priority = *in.Priority
	}
	if in.Severity != "" {
		r.Severity = in.Severity
	}
	if in.Category != "" {
		r.Category = in.Category
	}
	if in.Notifications != nil {
		r.setNotifications(in.Notifications)
	}
	if in.RelatedOpsItems != nil {
		r.setRelated(in.RelatedOpsItems)
	}
	for _, t := range [...]struct{ dst, src *time.Time }{
		{&r.ActualStartTime, &in.ActualStartTime},
		{&r.ActualEndTime, &in.ActualEndTime},
		{&r.PlannedStartTime, &in.PlannedStartTime},
		{&r.PlannedEndTime, &in.PlannedEndTime},
	} {
		if !t.src.IsZero() {
			*t.dst = *t.src
		}
	}
	r.setOperationalData(in.OperationalData, in.OperationalDataToDelete)
}

// DeleteOpsItem deletes an OpsItem of the caller's account and region. As
// documented, it is idempotent: deleting a missing OpsItem succeeds.
func (s *Service) DeleteOpsItem(ctx context.Context, in *DeleteOpsItemRequest) (*DeleteOpsItemResponse, error) {
	err := s.write(ctx, func(sc *scope) error {
		return sc.tx.Delete(opsItemKey(sc.account, sc.region, in.OpsItemId))
	})
	if err != nil {
		return nil, err
	}
	return &DeleteOpsItemResponse{}, nil
}
