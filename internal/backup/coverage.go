package backup

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// ResourceStatus is one resource's backup protection in an account.
type ResourceStatus struct {
	Region, ResourceArn, ResourceType string
	Protected                         bool // at least one COMPLETED backup job
	LastJobID, LastJobState           string
	LastJobTime                       time.Time // completion time of the last job, or its creation time if not finished
}

// Coverage lists every resource of the account that orgstack knows
// (managed EC2 instances from Options.Resources, plus any resource that has
// a backup job), by region and ARN, with its backup status. The last job is
// the one created last; a resource without jobs has no last job and is not
// protected. It reads inside tx, for services that report on backups.
func (s *Service) Coverage(tx store.Tx, account string) ([]ResourceStatus, error) {
	type key struct{ region, arn string }
	byKey := make(map[key]*ResourceStatus)
	if s.opt.Resources != nil {
		known, err := s.opt.Resources(tx, account)
		if err != nil {
			return nil, err
		}
		for _, r := range known {
			byKey[key{r.Region, r.ARN}] = &ResourceStatus{Region: r.Region, ResourceArn: r.ARN, ResourceType: r.Type}
		}
	}
	prefix := kResourcesOfAccount(account)
	var records []struct {
		region string
		rec    resourceRecord
	}
	err := tx.Scan(prefix, "", func(k string, v []byte) (bool, error) {
		region, _, ok := strings.Cut(strings.TrimPrefix(k, prefix), "/")
		if !ok {
			return true, nil
		}
		var r resourceRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		records = append(records, struct {
			region string
			rec    resourceRecord
		}{region, r})
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for _, x := range records {
		st := byKey[key{x.region, x.rec.ARN}]
		if st == nil {
			st = &ResourceStatus{Region: x.region, ResourceArn: x.rec.ARN, ResourceType: x.rec.Type}
			byKey[key{x.region, x.rec.ARN}] = st
		}
		st.Protected = !x.rec.LastBackup.IsZero()
		if x.rec.LastJobID == "" {
			continue
		}
		j, err := getJob(tx, account, x.region, x.rec.LastJobID)
		if err != nil {
			return nil, err
		}
		st.LastJobID, st.LastJobState, st.LastJobTime = j.ID, j.State, j.Created
		if !j.Completed.IsZero() {
			st.LastJobTime = j.Completed
		}
	}
	out := make([]ResourceStatus, 0, len(byKey))
	for _, st := range byKey {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].ResourceArn < out[j].ResourceArn
	})
	return out, nil
}
