package backup

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/paging"
	"github.com/orgstack/orgstack/internal/store"
)

// pageSize is the page size when MaxResults is left out; AWS does not
// document it (choice: the model's maximum, 1000).
const pageSize = 1000

// jobHistory is how far back ListBackupJobs looks: "the last 30 days"
// (the model's documentation).
const jobHistory = 30 * 24 * time.Hour

// listing walks one listing a page at a time. NextToken is opaque: it binds
// the listing (its name and filters), the account and region, and the last
// key returned; any other token, or one altered by hand, is refused with
// InvalidParameterValueException (message unconfirmed).
type listing struct {
	bound  string
	prefix string
	after  string
	limit  int
}

func newListing(sc *scope, name, prefix, token string, max *int32) (*listing, error) {
	l := &listing{bound: "v1\x00" + name + "\x00" + sc.account + "/" + sc.region + "\x00", prefix: prefix, limit: pageSize}
	if max != nil && *max > 0 {
		l.limit = int(*max)
	}
	if token == "" {
		return l, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	rest, ok := strings.CutPrefix(string(raw), l.bound)
	if err != nil || !ok || !strings.HasPrefix(rest, prefix) {
		return nil, errInvalid("The NextToken is not valid for this request.", "NextToken")
	}
	l.after = rest
	return l, nil
}

func (l *listing) page(tx store.Tx, filter func(key string, value []byte) (bool, error), collect func(key string, value []byte) error) (string, error) {
	last, more, err := paging.Range{Prefix: l.prefix, After: l.after, Limit: l.limit}.Page(tx, filter, collect)
	if err != nil || !more {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString([]byte(l.bound + last)), nil
}

// ListBackupJobs lists the jobs of the caller's account and region created
// in the last 30 days, oldest first (choice: AWS does not document the
// order), with the filters of the request. ByAccountId may only name the
// caller's own account: orgstack does not implement listing other
// accounts' jobs and refuses with NotImplemented.
func (s *Service) ListBackupJobs(ctx context.Context, in *ListBackupJobsInput) (*ListBackupJobsOutput, error) {
	out := &ListBackupJobsOutput{BackupJobs: []BackupJob{}}
	err := s.read(ctx, func(sc *scope) error {
		if in.ByAccountId != "" && in.ByAccountId != sc.account {
			return errCrossAccount(in.ByAccountId)
		}
		filters := *in
		filters.NextToken, filters.MaxResults = "", nil
		name, err := json.Marshal(filters)
		if err != nil {
			return err
		}
		prefix := kJobsPrefix(sc.account, sc.region)
		l, err := newListing(sc, "ListBackupJobs"+string(name), prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		since := sc.now.Add(-jobHistory)
		var current *jobRecord
		filter := func(k string, _ []byte) (bool, error) {
			id := k[strings.LastIndexByte(k, '/')+1:]
			j, err := getJob(sc.tx, sc.account, sc.region, id)
			if err != nil {
				return false, fmt.Errorf("backup: index entry %s: %w", k, err)
			}
			current = j
			return !j.Created.Before(since) && matches(j, in), nil
		}
		out.NextToken, err = l.page(sc.tx, filter, func(string, []byte) error {
			out.BackupJobs = append(out.BackupJobs, s.api(current, sc.now))
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// matches reports whether a job passes ListBackupJobs' filters. Dates are
// exclusive bounds; a job that has not finished matches no completion
// filter. No job has a parent, so ByParentJobId matches nothing.
func matches(j *jobRecord, in *ListBackupJobsInput) bool {
	switch {
	case in.ByResourceArn != "" && j.ResourceArn != in.ByResourceArn,
		in.ByState != "" && j.State != string(in.ByState),
		in.ByBackupVaultName != "" && j.Vault != in.ByBackupVaultName,
		in.ByResourceType != "" && j.ResourceType != in.ByResourceType,
		!in.ByCreatedBefore.IsZero() && !j.Created.Before(in.ByCreatedBefore),
		!in.ByCreatedAfter.IsZero() && !j.Created.After(in.ByCreatedAfter),
		!in.ByCompleteBefore.IsZero() && (j.Completed.IsZero() || !j.Completed.Before(in.ByCompleteBefore)),
		!in.ByCompleteAfter.IsZero() && (j.Completed.IsZero() || !j.Completed.After(in.ByCompleteAfter)),
		in.ByParentJobId != "":
		return false
	}
	if in.ByMessageCategory != "" {
		category := ""
		if j.State == stateCompleted {
			category = "SUCCESS"
		}
		if !strings.EqualFold(in.ByMessageCategory, category) {
			return false
		}
	}
	return true
}

// ListProtectedResources lists the resources of the caller's account and
// region that have at least one COMPLETED backup job, by ARN, with their
// last backup.
func (s *Service) ListProtectedResources(ctx context.Context, in *ListProtectedResourcesInput) (*ListProtectedResourcesOutput, error) {
	out := &ListProtectedResourcesOutput{Results: []ProtectedResource{}}
	err := s.read(ctx, func(sc *scope) error {
		l, err := newListing(sc, "ListProtectedResources", kResourcesPrefix(sc.account, sc.region), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		var current resourceRecord
		filter := func(_ string, v []byte) (bool, error) {
			current = resourceRecord{}
			if err := json.Unmarshal(v, &current); err != nil {
				return false, err
			}
			return !current.LastBackup.IsZero(), nil
		}
		out.NextToken, err = l.page(sc.tx, filter, func(string, []byte) error {
			out.Results = append(out.Results, ProtectedResource{
				ResourceArn: current.ARN, ResourceType: current.Type, ResourceName: current.Name,
				LastBackupTime: current.LastBackup, LastBackupVaultArn: current.LastVaultArn, LastRecoveryPointArn: current.LastRecoveryPoint,
			})
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
