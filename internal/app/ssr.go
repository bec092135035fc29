package app

import (
	"path/filepath"

	"github.com/orgstack/orgstack/internal/ssr"
	"github.com/orgstack/orgstack/internal/store"
)

// ssrSources are what Self-Service Reporting reads in an account: Systems
// Manager's patch compliance and OpsItems, and AWS Backup's coverage.
func (m *Main) ssrSources() ssr.Sources {
	return ssr.Sources{
		Patches: func(tx store.Tx, account string) ([]ssr.InstancePatch, error) {
			states, err := m.SSM.PatchStates(tx, account)
			out := make([]ssr.InstancePatch, 0, len(states))
			for _, p := range states {
				if p.Stopped {
					continue
				}
				out = append(out, ssr.InstancePatch{Region: p.Region, InstanceID: p.InstanceID, PatchGroup: p.PatchGroup(), State: p.State,
					Installed: p.Installed, Missing: p.Missing, Failed: p.Failed, CriticalMissing: p.CriticalMissing, LastScan: p.LastScan})
			}
			return out, err
		},
		Backups: func(tx store.Tx, account string) ([]ssr.ResourceBackup, error) {
			cov, err := m.Backup.Coverage(tx, account)
			out := make([]ssr.ResourceBackup, len(cov))
			for i, c := range cov {
				out[i] = ssr.ResourceBackup{Region: c.Region, ResourceArn: c.ResourceArn, ResourceType: c.ResourceType, Protected: c.Protected,
					LastJobID: c.LastJobID, LastJobState: c.LastJobState, LastJobTime: c.LastJobTime}
			}
			return out, err
		},
		Incidents: func(tx store.Tx, account string) ([]ssr.Incident, error) {
			items, err := m.SSM.Incidents(tx, account)
			out := make([]ssr.Incident, len(items))
			for i, in := range items {
				out[i] = ssr.Incident{Region: in.Region, ID: in.ID, Title: in.Title, Severity: in.Severity, Status: in.Status,
					Created: in.Created, Resolved: in.ResolvedTime}
			}
			return out, err
		},
	}
}

// ssrDatasets is where Self-Service Reporting writes its datasets: under
// the data directory, none in memory mode.
func (m *Main) ssrDatasets() string {
	if m.Config.Memory {
		return ""
	}
	return filepath.Join(m.Config.DataDir, "datasets")
}
