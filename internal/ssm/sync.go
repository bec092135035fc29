package ssm

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Explorer resource data syncs. A sync belongs to the account and region
// that created it. Store layout:
//
//	ssm/<owner>/<region>/sync/<name>                          syncRecord
//	ssm/<owner>/<region>/syncdata/<name>/<account>/<region>   OpsData snapshot
//	ssmorg/<org>/<owner>/<region>/<name>                      the organization's syncs ("")
func kSync(owner, region, name string) string { return "ssm/" + owner + "/" + region + "/sync/" + name }
func kSyncPrefix(owner, region string) string { return "ssm/" + owner + "/" + region + "/sync/" }
func kSyncData(owner, region, name string) string {
	return "ssm/" + owner + "/" + region + "/syncdata/" + name + "/"
}
func kOrgSyncPrefix(org string) string { return "ssmorg/" + org + "/" }
func kOrgSync(org, owner, region, name string) string {
	return kOrgSyncPrefix(org) + owner + "/" + region + "/" + name
}

// Sync kinds, sources, states and statuses (the model's strings).
const (
	syncFromSource    = "SyncFromSource"
	syncToDestination = "SyncToDestination"
	sourceOrg         = "AwsOrganizations"
	sourceSingle      = "SingleAccountMultiRegions"
	orgEntire         = "EntireOrganization"
	orgUnits          = "OrganizationalUnits"

	stateActive          = "Active"
	stateTADisabled      = "TrustedAccessDisabled"
	stateNoOrganization  = "OrganizationNotExists"
	stateInvalidOU       = "InvalidOrganizationalUnit"
	statusSuccessful     = "Successful"
	statusFailed         = "Failed"
	statusInProgress     = "InProgress"
	maxSyncsPerRegion    = 5
	maxDelegatedOrgSyncs = 5
	ssmPrincipal         = "ssm.amazonaws.com"
	discoveryPrincipal   = "accountdiscovery.ssm.amazonaws.com"
)

type syncRecord struct {
	Name               string                 `json:"name"`
	Type               string                 `json:"type"`
	Source             ResourceDataSyncSource `json:"source"`
	State              string                 `json:"state"`
	Owner              string                 `json:"owner"`
	Region             string                 `json:"region"`
	Partition          string                 `json:"partition"`
	OrgID              string                 `json:"orgId,omitempty"`
	ByDelegatedAdmin   bool                   `json:"byDelegatedAdmin,omitempty"`
	Created            time.Time              `json:"created"`
	Modified           time.Time              `json:"modified"`
	LastSync           time.Time              `json:"lastSync,omitzero"`
	LastSuccessfulSync time.Time              `json:"lastSuccessfulSync,omitzero"`
	LastStatus         string                 `json:"lastStatus"`
	LastStatusMessage  string                 `json:"lastStatusMessage,omitempty"`
	Generation         int                    `json:"generation"`
	CollectedAccounts  []string               `json:"collectedAccounts,omitempty"`
}

func (r *syncRecord) item() ResourceDataSyncItem {
	src := &ResourceDataSyncSourceWithState{
		SourceType: r.Source.SourceType, AwsOrganizationsSource: r.Source.AwsOrganizationsSource, SourceRegions: r.Source.SourceRegions,
		IncludeFutureRegions: r.Source.IncludeFutureRegions, EnableAllOpsDataSources: r.Source.EnableAllOpsDataSources, State: r.State,
	}
	return ResourceDataSyncItem{
		SyncName: r.Name, SyncType: r.Type, SyncSource: src, LastSyncTime: r.LastSync, LastSuccessfulSyncTime: r.LastSuccessfulSync,
		SyncLastModifiedTime: r.Modified, LastStatus: LastResourceDataSyncStatus(r.LastStatus), SyncCreatedTime: r.Created,
		LastSyncStatusMessage: r.LastStatusMessage,
	}
}

func getSync(tx store.Tx, owner, region, name string) (*syncRecord, error) {
	var r syncRecord
	if err := store.GetJSON(tx, kSync(owner, region, name), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func putSync(tx store.Tx, r *syncRecord) error {
	return store.PutJSON(tx, kSync(r.Owner, r.Region, r.Name), r)
}

func errSyncNotFound(name, typ string) error {
	return newErr("ResourceDataSyncNotFoundException", "The specified sync "+name+" doesn't exist.").
		With("SyncName", name).With("SyncType", typ)
}

func errInvalidSync(msg string) error {
	return newErr("ResourceDataSyncInvalidConfigurationException", msg)
}

// CreateResourceDataSync creates an Explorer sync from source: the
// caller's account across regions, or the accounts of its organization.
// The management account's first organization sync enables trusted
// access for Systems Manager and creates
// AWSServiceRoleForAmazonSSM_AccountDiscovery (enabling through the
// service). Collection starts at once and repeats.
func (s *Service) CreateResourceDataSync(ctx context.Context, in *CreateResourceDataSyncRequest) (*CreateResourceDataSyncResult, error) {
	err := s.write(ctx, func(sc *scope) error {
		typ := in.SyncType
		if typ == "" {
			typ = syncToDestination
		}
		if typ != syncFromSource {
			return errInvalidSync("orgstack supports resource data syncs of type SyncFromSource (Explorer) only; SyncToDestination needs an S3 bucket.")
		}
		if in.SyncSource == nil {
			return errInvalidSync("A SyncFromSource resource data sync needs a SyncSource.")
		}
		if ok, err := store.Exists(sc.tx, kSync(sc.account, sc.region, in.SyncName)); err != nil {
			return err
		} else if ok {
			return newErr("ResourceDataSyncAlreadyExistsException", "A sync configuration with the name "+in.SyncName+" already exists.").With("SyncName", in.SyncName)
		}
		n := 0
		if err := sc.tx.Scan(kSyncPrefix(sc.account, sc.region), "", func(string, []byte) (bool, error) { n++; return true, nil }); err != nil {
			return err
		}
		if n >= maxSyncsPerRegion {
			return newErr("ResourceDataSyncCountExceededException", "You have exceeded the allowed maximum sync configurations.")
		}
		r := &syncRecord{
			Name: in.SyncName, Type: syncFromSource, Source: *in.SyncSource, State: stateActive, Owner: sc.account, Region: sc.region,
			Partition: sc.caller.Partition(), Created: sc.now, Modified: sc.now, LastStatus: statusInProgress,
		}
		switch in.SyncSource.SourceType {
		case sourceSingle:
			if in.SyncSource.AwsOrganizationsSource != nil {
				return errInvalidSync("An AwsOrganizationsSource is only for syncs of source type AwsOrganizations.")
			}
		case sourceOrg:
			if err := s.prepareOrgSync(sc, r); err != nil {
				return err
			}
		default:
			return errInvalidSync("SourceType must be AwsOrganizations or SingleAccountMultiRegions.")
		}
		if err := putSync(sc.tx, r); err != nil {
			return err
		}
		if r.OrgID != "" {
			if err := sc.tx.Put(kOrgSync(r.OrgID, r.Owner, r.Region, r.Name), nil); err != nil {
				return err
			}
		}
		return s.scheduleCollection(sc.tx, sc.now, r, 0)
	})
	if err != nil {
		return nil, err
	}
	return &CreateResourceDataSyncResult{}, nil
}

// prepareOrgSync checks who may create an organization sync and does the
// management account's set-up: trusted access and the discovery role.
func (s *Service) prepareOrgSync(sc *scope, r *syncRecord) error {
	src := r.Source.AwsOrganizationsSource
	if src == nil {
		return errInvalidSync("A sync of source type AwsOrganizations needs an AwsOrganizationsSource.")
	}
	switch src.OrganizationSourceType {
	case orgEntire:
	case orgUnits:
		if len(src.OrganizationalUnits) == 0 {
			return errInvalidSync("OrganizationalUnits is required when OrganizationSourceType is OrganizationalUnits.")
		}
	default:
		return errInvalidSync("OrganizationSourceType must be EntireOrganization or OrganizationalUnits.")
	}
	org, mgmt, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account)
	if err != nil {
		return err
	}
	if !ok {
		return errInvalidSync("The account is not a member of an organization in AWS Organizations.")
	}
	r.OrgID = org
	if sc.account != mgmt {
		admins, err := s.opt.Org.DelegatedAdministrators(sc.tx, org, ssmPrincipal)
		if err != nil {
			return err
		}
		if !contains(admins, sc.account) {
			return errInvalidSync("Only the management account of the organization or the delegated administrator for Systems Manager can create a resource data sync of source type AwsOrganizations.")
		}
		enabled, _, err := s.opt.Org.AccessEnabled(sc.tx, org, ssmPrincipal)
		if err != nil {
			return err
		}
		if !enabled {
			return errInvalidSync("Trusted access between Systems Manager and AWS Organizations is not enabled.")
		}
		r.ByDelegatedAdmin = true
		mine := 0
		if err := sc.tx.Scan(kOrgSyncPrefix(org)+sc.account+"/", "", func(string, []byte) (bool, error) { mine++; return true, nil }); err != nil {
			return err
		}
		if mine >= maxDelegatedOrgSyncs {
			return newErr("ResourceDataSyncCountExceededException", "The delegated administrator account can have at most 5 resource data syncs of source type AwsOrganizations.")
		}
	} else {
		// Enabling through the service: trusted access and the role that
		// discovers the organization's accounts.
		if err := s.opt.Org.EnableAccess(sc.tx, sc.now, org, ssmPrincipal); err != nil {
			return err
		}
		if def, ok := s.opt.Catalogue.Role(discoveryPrincipal); ok {
			if err := s.opt.Org.CreateServiceLinkedRole(sc.tx, sc.now, org, mgmt, ssmPrincipal, def.ServiceLinkedRole()); err != nil {
				return err
			}
		}
	}
	if src.OrganizationSourceType == orgUnits {
		var ous []string
		for _, ou := range src.OrganizationalUnits {
			ous = append(ous, ou.OrganizationalUnitId)
		}
		if _, err := s.opt.Org.AccountsUnder(sc.tx, org, ous); err != nil {
			if errors.Is(err, trusted.ErrNoSuchParent) {
				return errInvalidSync("The organizational unit doesn't exist in the organization: " + strings.TrimPrefix(err.Error(), trusted.ErrNoSuchParent.Error()+": "))
			}
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ListResourceDataSync lists the caller's syncs in its region, of one type
// (SyncToDestination when the type is left out, as AWS does).
func (s *Service) ListResourceDataSync(ctx context.Context, in *ListResourceDataSyncRequest) (*ListResourceDataSyncResult, error) {
	out := &ListResourceDataSyncResult{ResourceDataSyncItems: []ResourceDataSyncItem{}}
	err := s.read(ctx, func(sc *scope) error {
		typ := in.SyncType
		if typ == "" {
			typ = syncToDestination
		}
		prefix := kSyncPrefix(sc.account, sc.region)
		after := ""
		if in.NextToken != "" {
			raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
			if err != nil || !strings.HasPrefix(string(raw), prefix) {
				return newErr("InvalidNextToken", "The specified token isn't valid.")
			}
			after = string(raw)
		}
		limit := 50
		if in.MaxResults != nil {
			limit = int(*in.MaxResults)
		}
		last := ""
		return sc.tx.Scan(prefix, after, func(k string, _ []byte) (bool, error) {
			r, err := getSync(sc.tx, sc.account, sc.region, k[len(prefix):])
			if err != nil {
				return false, err
			}
			if r.Type != typ {
				return true, nil
			}
			if len(out.ResourceDataSyncItems) == limit {
				out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(last))
				return false, nil
			}
			out.ResourceDataSyncItems = append(out.ResourceDataSyncItems, r.item())
			last = k
			return true, nil
		})
	})
	return out, err
}

// UpdateResourceDataSync changes the source of a SyncFromSource sync. It
// cannot switch between a single account and an organization.
func (s *Service) UpdateResourceDataSync(ctx context.Context, in *UpdateResourceDataSyncRequest) (*UpdateResourceDataSyncResult, error) {
	err := s.write(ctx, func(sc *scope) error {
		if in.SyncType != syncFromSource {
			return errInvalidSync("Only resource data syncs of type SyncFromSource can be updated.")
		}
		r, err := getSync(sc.tx, sc.account, sc.region, in.SyncName)
		if errors.Is(err, store.ErrNotFound) {
			return errSyncNotFound(in.SyncName, in.SyncType)
		} else if err != nil {
			return err
		}
		if in.SyncSource.SourceType != r.Source.SourceType {
			return errInvalidSync("You can't change the source type of a resource data sync; delete it and create a new one.")
		}
		if r.State == stateTADisabled {
			return errInvalidSync("Trusted access with AWS Organizations was disabled; create a new resource data sync.")
		}
		r.Source = *in.SyncSource
		if r.OrgID != "" {
			if err := s.prepareOrgSync(sc, r); err != nil {
				return err
			}
		}
		r.Modified = sc.now
		r.LastStatus = statusInProgress
		if err := putSync(sc.tx, r); err != nil {
			return err
		}
		return s.scheduleCollection(sc.tx, sc.now, r, 0)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateResourceDataSyncResult{}, nil
}

// DeleteResourceDataSync deletes a sync and the data it collected. When
// the management account deletes its last organization sync, Systems
// Manager cleans up by disabling trusted access (disabling through the
// service); re-enabling needs a new sync.
func (s *Service) DeleteResourceDataSync(ctx context.Context, in *DeleteResourceDataSyncRequest) (*DeleteResourceDataSyncResult, error) {
	err := s.write(ctx, func(sc *scope) error {
		r, err := getSync(sc.tx, sc.account, sc.region, in.SyncName)
		if errors.Is(err, store.ErrNotFound) {
			return errSyncNotFound(in.SyncName, in.SyncType)
		} else if err != nil {
			return err
		}
		if in.SyncType != "" && in.SyncType != r.Type {
			return errSyncNotFound(in.SyncName, in.SyncType)
		}
		if err := deleteSync(sc.tx, r); err != nil {
			return err
		}
		if r.OrgID == "" || r.ByDelegatedAdmin {
			return nil
		}
		_, mgmt, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account)
		if err != nil || !ok || mgmt != sc.account {
			return err
		}
		others := false
		if err := sc.tx.Scan(kOrgSyncPrefix(r.OrgID)+mgmt+"/", "", func(string, []byte) (bool, error) { others = true; return false, nil }); err != nil {
			return err
		}
		if others {
			return nil
		}
		return s.opt.Org.DisableAccess(sc.tx, sc.now, r.OrgID, ssmPrincipal)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteResourceDataSyncResult{}, nil
}

// deleteSync removes a sync, its index entry and its collected data.
func deleteSync(tx store.Tx, r *syncRecord) error {
	if err := store.DeletePrefix(tx, kSyncData(r.Owner, r.Region, r.Name)); err != nil {
		return err
	}
	if r.OrgID != "" {
		if err := tx.Delete(kOrgSync(r.OrgID, r.Owner, r.Region, r.Name)); err != nil {
			return err
		}
	}
	return tx.Delete(kSync(r.Owner, r.Region, r.Name))
}
