package ssm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

const jobCollect = "ssm.sync-collect"

// defaultSyncInterval is how often a sync collects when the
// configuration does not say.
const defaultSyncInterval = 30 * time.Second

type collectJob struct {
	Owner      string `json:"owner"`
	Region     string `json:"region"`
	Name       string `json:"name"`
	Generation int    `json:"generation"`
}

// scheduleCollection queues the sync's next collection after delay. Each
// (re)schedule bumps the sync's generation so that only the newest chain
// of collections keeps running.
func (s *Service) scheduleCollection(tx store.Tx, now time.Time, r *syncRecord, delay time.Duration) error {
	r.Generation++
	if err := putSync(tx, r); err != nil {
		return err
	}
	_, err := s.opt.Jobs.Enqueue(tx, jobCollect, collectJob{Owner: r.Owner, Region: r.Region, Name: r.Name, Generation: r.Generation}, now, now.Add(delay))
	return err
}

func (s *Service) interval() time.Duration {
	if s.opt.SyncInterval > 0 {
		return s.opt.SyncInterval
	}
	return defaultSyncInterval
}

// runCollect collects a sync's data: from every account it covers, in
// every region it covers, through Systems Manager's service-linked role
// in each account (created on first use, through Organizations).
func (s *Service) runCollect(_ context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	var p collectJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	r, err := getSync(tx, p.Owner, p.Region, p.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Generation != p.Generation || r.State != stateActive {
		return nil
	}
	accounts := []string{r.Owner}
	var problems []string
	if r.OrgID != "" {
		enabled, _, err := s.opt.Org.AccessEnabled(tx, r.OrgID, ssmPrincipal)
		if err != nil {
			return err
		}
		if !enabled {
			return s.failSync(tx, now, r, stateTADisabled, "Trusted access between Systems Manager and AWS Organizations is disabled; OpsData isn't synchronized.")
		}
		if accounts, err = s.coveredAccounts(tx, r); err != nil {
			if errors.Is(err, trusted.ErrNoSuchParent) {
				return s.failSync(tx, now, r, stateInvalidOU, "An organizational unit of the sync no longer exists.")
			}
			return err
		}
	}
	var collected []string
	for _, account := range accounts {
		if r.OrgID != "" {
			if err := s.actIn(tx, now, r, account); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", account, err))
				continue
			}
		}
		regions, err := s.regionsFor(tx, r, account)
		if err != nil {
			return err
		}
		for _, region := range regions {
			data, err := collectOpsData(tx, account, region)
			if err != nil {
				return err
			}
			if err := store.PutJSON(tx, kSyncData(r.Owner, r.Region, r.Name)+account+"/"+region, &data); err != nil {
				return err
			}
		}
		collected = append(collected, account)
	}
	r.LastSync = now
	r.CollectedAccounts = collected
	if len(problems) == 0 {
		r.LastStatus, r.LastSuccessfulSync, r.LastStatusMessage = statusSuccessful, now, ""
	} else {
		r.LastStatus = statusFailed
		r.LastStatusMessage = "OpsData could not be collected from some accounts: " + strings.Join(problems, "; ")
	}
	return s.scheduleCollection(tx, now, r, s.interval())
}

// failSync marks a sync as no longer collecting, for the reason state.
func (s *Service) failSync(tx store.Tx, now time.Time, r *syncRecord, state, message string) error {
	r.State, r.LastStatus, r.LastStatusMessage, r.LastSync = state, statusFailed, message, now
	return putSync(tx, r)
}

// coveredAccounts lists the accounts an organization sync covers now.
func (s *Service) coveredAccounts(tx store.Tx, r *syncRecord) ([]string, error) {
	src := r.Source.AwsOrganizationsSource
	if src != nil && src.OrganizationSourceType == orgUnits {
		var ous []string
		for _, ou := range src.OrganizationalUnits {
			ous = append(ous, ou.OrganizationalUnitId)
		}
		return s.opt.Org.AccountsUnder(tx, r.OrgID, ous)
	}
	var out []string
	err := s.opt.Org.Members(tx, r.OrgID, func(a string) bool { out = append(out, a); return true })
	return out, err
}

// regionsFor lists the regions of an account a sync collects: its source
// regions, plus every region with data when future regions are included.
func (s *Service) regionsFor(tx store.Tx, r *syncRecord, account string) ([]string, error) {
	regions := append([]string{}, r.Source.SourceRegions...)
	if r.Source.IncludeFutureRegions != nil && *r.Source.IncludeFutureRegions {
		more, err := regionsWithData(tx, account)
		if err != nil {
			return nil, err
		}
		for _, m := range more {
			if !contains(regions, m) {
				regions = append(regions, m)
			}
		}
	}
	return regions, nil
}

// actIn makes sure Systems Manager can act in an account of the
// organization: its service-linked role there (created through
// Organizations on first use) and, in enforce mode, the permission of that
// role — which SCPs never restrict.
func (s *Service) actIn(tx store.Tx, now time.Time, r *syncRecord, account string) error {
	def, ok := s.opt.Catalogue.Role(ssmPrincipal)
	if !ok {
		return errors.New("no service-linked role defined for " + ssmPrincipal)
	}
	slr := def.ServiceLinkedRole()
	if err := s.opt.Org.CreateServiceLinkedRole(tx, now, r.OrgID, account, ssmPrincipal, slr); err != nil {
		return err
	}
	if s.opt.Authorize == nil {
		return nil
	}
	actor := orgstack.Caller{
		AccountID: account, Type: orgstack.PrincipalService, ServicePrincipal: ssmPrincipal, RoleName: slr.RoleName, Region: r.Region,
		RoleARN: "arn:" + r.Partition + ":iam::" + account + ":role/aws-service-role/" + ssmPrincipal + "/" + slr.RoleName,
		ARN:     "arn:" + r.Partition + ":sts::" + account + ":assumed-role/" + slr.RoleName + "/ssm",
	}
	return s.opt.Authorize(tx, actor, "ssm:GetOpsSummary", "*", nil)
}

// Plugin is Systems Manager's side of its integration with Organizations.
type Plugin struct {
	Service *Service
	// Fallback does what every trusted service does (the generic plug-in:
	// the management-account role when access is enabled).
	Fallback trusted.Plugin
}

// HandleEvent implements trusted.Plugin.
func (p *Plugin) HandleEvent(ctx context.Context, tx store.Tx, now time.Time, e trusted.Event) error {
	if p.Fallback != nil {
		if err := p.Fallback.HandleEvent(ctx, tx, now, e); err != nil {
			return err
		}
	}
	syncs, err := orgSyncs(tx, e.OrgID)
	if err != nil {
		return err
	}
	s := p.Service
	for _, r := range syncs {
		switch e.Kind {
		case trusted.AccessDisabled:
			// Disabled in Organizations: the syncs stop and say why.
			if r.State == stateActive {
				if err := s.failSync(tx, now, r, stateTADisabled, "Trusted access between Systems Manager and AWS Organizations is disabled; OpsData isn't synchronized."); err != nil {
					return err
				}
			}
		case trusted.DelegatedAdminDeregistered:
			// The administrator's syncs go with its delegation.
			if r.ByDelegatedAdmin && r.Owner == e.Account {
				if err := deleteSync(tx, r); err != nil {
					return err
				}
			}
		case trusted.AccountJoined:
			// Collect at once so the new account shows up.
			if r.State == stateActive {
				if err := s.scheduleCollection(tx, now, r, 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// orgSyncs lists an organization's syncs.
func orgSyncs(tx store.Tx, org string) ([]*syncRecord, error) {
	prefix := kOrgSyncPrefix(org)
	var out []*syncRecord
	err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		parts := strings.SplitN(k[len(prefix):], "/", 3)
		if len(parts) != 3 {
			return true, nil
		}
		r, err := getSync(tx, parts[0], parts[1], parts[2])
		if err != nil {
			return false, err
		}
		out = append(out, r)
		return true, nil
	})
	return out, err
}
