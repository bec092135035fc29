package ssm

import (
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// The accessors below read an account's Systems Manager state inside a
// transaction, for services that report on it (AWS Managed Services
// Self-Service Reporting, AWS Backup). They cover every region of the
// account that has data.

// ManagedInstance is a managed node as inventory describes it.
type ManagedInstance struct {
	Region       string
	InstanceID   string
	ResourceType string // EC2Instance or ManagedInstance
	PlatformType string
	ComputerName string
	// Stopped is true for nodes inventory reports stopped or terminated.
	Stopped bool
	// Tags are the node's tags from its AWS:Tag inventory.
	Tags map[string]string
}

// PatchGroup is the node's patch group: its "Patch Group" (or
// "PatchGroup") tag, as Patch Manager reads it.
func (m ManagedInstance) PatchGroup() string {
	if g, ok := m.Tags["Patch Group"]; ok {
		return g
	}
	return m.Tags["PatchGroup"]
}

// ManagedInstances lists the account's managed nodes, by region and id.
func (s *Service) ManagedInstances(tx store.Tx, account string) ([]ManagedInstance, error) {
	regions, err := regionsWithData(tx, account)
	if err != nil {
		return nil, err
	}
	var out []ManagedInstance
	for _, region := range regions {
		recs, err := loadInventory(tx, account, region)
		if err != nil {
			return nil, err
		}
		tags := make(map[string]map[string]string)
		for _, r := range recs {
			if r.TypeName != "AWS:Tag" {
				continue
			}
			t := make(map[string]string)
			for _, c := range r.Content {
				if k, ok := c["Key"]; ok {
					t[k] = c["Value"]
				}
			}
			tags[r.InstanceId] = t
		}
		for _, r := range recs {
			if r.TypeName != typeInstanceInformation {
				continue
			}
			info, running := r.instanceInformation()
			out = append(out, ManagedInstance{Region: region, InstanceID: r.InstanceId, ResourceType: string(info.ResourceType),
				PlatformType: string(info.PlatformType), ComputerName: info.ComputerName, Stopped: !running, Tags: tags[r.InstanceId]})
		}
	}
	return out, nil
}

// PatchState is a managed node's patch compliance: the counts of its
// Patch compliance items by patch state, and when it was last scanned.
// State is COMPLIANT, NON_COMPLIANT, or UNREPORTED when the node has no
// patch compliance.
type PatchState struct {
	ManagedInstance
	State           string
	Installed       int
	Missing         int
	Failed          int
	CriticalMissing int
	LastScan        time.Time
}

// Patch states of a compliance item (its PatchState detail, as Patch
// Manager reports it).
func patchStateOf(it complianceItemRecord) string {
	switch it.Details["PatchState"] {
	case "Installed", "InstalledOther", "InstalledPendingReboot", "InstalledRejected":
		return "installed"
	case "Missing":
		return "missing"
	case "Failed":
		return "failed"
	case "NotApplicable":
		return ""
	}
	if it.Status == string(ComplianceStatusNonCompliant) {
		return "missing"
	}
	return "installed"
}

// PatchStates reports the patch compliance of every managed node of the
// account, from its compliance items of type Patch. An item's state is its
// PatchState detail when it has one (Installed…, Missing, Failed,
// NotApplicable), else NON_COMPLIANT counts as missing and COMPLIANT as
// installed; a missing item is critical when its severity is CRITICAL (or
// its PatchSeverity detail is Critical).
func (s *Service) PatchStates(tx store.Tx, account string) ([]PatchState, error) {
	nodes, err := s.ManagedInstances(tx, account)
	if err != nil {
		return nil, err
	}
	out := make([]PatchState, 0, len(nodes))
	records := make(map[string]map[string]*complianceRecord) // region → node → Patch record
	for _, n := range nodes {
		byNode, ok := records[n.Region]
		if !ok {
			recs, err := loadComplianceRecords(tx, account, n.Region)
			if err != nil {
				return nil, err
			}
			byNode = make(map[string]*complianceRecord)
			for _, r := range recs {
				if r.ComplianceType == "Patch" {
					byNode[r.ResourceId] = r
				}
			}
			records[n.Region] = byNode
		}
		ps := PatchState{ManagedInstance: n, State: "UNREPORTED"}
		if r := byNode[n.InstanceID]; r != nil {
			ps.LastScan = r.ExecutionTime
			for _, it := range r.Items {
				switch patchStateOf(it) {
				case "installed":
					ps.Installed++
				case "missing":
					ps.Missing++
					if it.Severity == "CRITICAL" || strings.EqualFold(it.Details["PatchSeverity"], "Critical") {
						ps.CriticalMissing++
					}
				case "failed":
					ps.Failed++
				}
			}
			ps.State = string(ComplianceStatusCompliant)
			if ps.Missing > 0 || ps.Failed > 0 {
				ps.State = string(ComplianceStatusNonCompliant)
			}
		}
		out = append(out, ps)
	}
	return out, nil
}

// Incident is an OpsCenter OpsItem of type /aws/issue.
type Incident struct {
	Region       string
	ID           string
	Title        string
	Severity     string
	Status       string
	Source       string
	Created      time.Time
	ResolvedTime time.Time // zero unless Status is Resolved
}

// Incidents lists the account's /aws/issue OpsItems, by region and id.
func (s *Service) Incidents(tx store.Tx, account string) ([]Incident, error) {
	regions, err := regionsWithData(tx, account)
	if err != nil {
		return nil, err
	}
	var out []Incident
	for _, region := range regions {
		items, err := loadOpsItems(tx, account, region)
		if err != nil {
			return nil, err
		}
		for _, r := range items {
			if r.Type != opsItemTypeIssue {
				continue
			}
			out = append(out, Incident{Region: region, ID: r.ID, Title: r.Title, Severity: r.Severity, Status: r.Status,
				Source: r.Source, Created: r.CreatedTime, ResolvedTime: r.ResolvedTime})
		}
	}
	return out, nil
}
