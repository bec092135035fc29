package ssr

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// reportType describes one type of report: its columns (the rows' keys,
// in order) and how often it is generated on its own.
type reportType struct {
	Type, Name, Description string
	Frequency               ReportFrequency
	Columns                 []Column
}

func col(name, doc string) Column { return Column{Name: name, Description: doc} }

// reportTypes is the catalogue, in the order ListReportTypes answers.
func reportTypes() []reportType {
	return []reportType{
		{Type: string(ReportTypePatch), Name: "Patch report", Frequency: ReportFrequencyDaily,
			Description: "The patch compliance of each managed instance, from Systems Manager patch compliance and inventory.",
			Columns: []Column{
				col("account_id", "The account of the instance."),
				col("region", "The Region of the instance."),
				col("instance_id", "The managed instance."),
				col("patch_group", "The instance's patch group (its Patch Group tag)."),
				col("compliance_state", "COMPLIANT, NON_COMPLIANT, or UNREPORTED when the instance has no patch compliance."),
				col("installed_count", "Patches installed."),
				col("missing_count", "Patches missing."),
				col("failed_count", "Patches that failed to install."),
				col("critical_missing_count", "Missing patches of critical severity."),
				col("last_scan_time", "When patch compliance was last reported."),
			}},
		{Type: string(ReportTypeBackup), Name: "Backup report", Frequency: ReportFrequencyDaily,
			Description: "The backup protection of each resource, from AWS Backup jobs over the resources Systems Manager knows.",
			Columns: []Column{
				col("account_id", "The account of the resource."),
				col("region", "The Region of the resource."),
				col("resource_arn", "The resource."),
				col("resource_type", "The type of resource, as AWS Backup names it."),
				col("protected", "true when the resource has a completed backup."),
				col("last_backup_job_id", "The resource's last backup job."),
				col("last_backup_job_state", "The state of that job."),
				col("last_backup_time", "When that job completed (or was created, while it runs)."),
			}},
		{Type: string(ReportTypeIncident), Name: "Incident report", Frequency: ReportFrequencyWeekly,
			Description: "The incidents (OpsCenter OpsItems of type /aws/issue) of the week up to the report's generation: opened, resolved, still open.",
			Columns: []Column{
				col("account_id", "The account of the incident."),
				col("region", "The Region of the incident."),
				col("ops_item_id", "The OpsItem."),
				col("title", "Its title."),
				col("severity", "Its severity (1 to 4)."),
				col("status", "Its status."),
				col("opened_time", "When it was opened."),
				col("resolved_time", "When it was resolved, if it is."),
				col("time_to_resolve_hours", "Hours from opening to resolution, if resolved."),
			}},
	}
}

func reportTypeOf(t ReportType) (reportType, bool) {
	for _, rt := range reportTypes() {
		if rt.Type == string(t) {
			return rt, true
		}
	}
	return reportType{}, false
}

func (rt reportType) columnNames() []string {
	out := make([]string, len(rt.Columns))
	for i, c := range rt.Columns {
		out[i] = c.Name
	}
	return out
}

// incidentPeriod is how far back an incident report looks.
const incidentPeriod = 7 * 24 * time.Hour

// report is a generated report as stored: its rows, in column order.
type report struct {
	Type        string     `json:"type"`
	Scope       string     `json:"scope"`
	Account     string     `json:"account"`
	Org         string     `json:"org,omitempty"`
	Date        string     `json:"date"`
	GeneratedAt time.Time  `json:"generatedAt"`
	PeriodStart time.Time  `json:"periodStart,omitzero"`
	PeriodEnd   time.Time  `json:"periodEnd,omitzero"`
	Accounts    []string   `json:"accounts"`
	Rows        [][]string `json:"rows"`
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// accountRows computes an account's rows of a report type now.
func (s *Service) accountRows(tx store.Tx, typ, account string, now time.Time) ([][]string, error) {
	var rows [][]string
	switch typ {
	case string(ReportTypePatch):
		ps, err := s.opt.Sources.Patches(tx, account)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			rows = append(rows, []string{account, p.Region, p.InstanceID, p.PatchGroup, p.State,
				strconv.Itoa(p.Installed), strconv.Itoa(p.Missing), strconv.Itoa(p.Failed), strconv.Itoa(p.CriticalMissing), isoTime(p.LastScan)})
		}
	case string(ReportTypeBackup):
		bs, err := s.opt.Sources.Backups(tx, account)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			rows = append(rows, []string{account, b.Region, b.ResourceArn, b.ResourceType, strconv.FormatBool(b.Protected),
				b.LastJobID, b.LastJobState, isoTime(b.LastJobTime)})
		}
	case string(ReportTypeIncident):
		is, err := s.opt.Sources.Incidents(tx, account)
		if err != nil {
			return nil, err
		}
		start := now.Add(-incidentPeriod)
		for _, in := range is {
			if in.Created.After(now) {
				continue
			}
			resolvedBefore := !in.Resolved.IsZero() && in.Resolved.Before(start)
			if resolvedBefore {
				continue // resolved before the period: not the period's business
			}
			ttr := ""
			if !in.Resolved.IsZero() {
				ttr = strconv.FormatFloat(round2(in.Resolved.Sub(in.Created).Hours()), 'f', -1, 64)
			}
			rows = append(rows, []string{account, in.Region, in.ID, in.Title, in.Severity, in.Status,
				isoTime(in.Created), isoTime(in.Resolved), ttr})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for k := 1; k < 3; k++ {
			if rows[i][k] != rows[j][k] {
				return rows[i][k] < rows[j][k]
			}
		}
		return false
	})
	return rows, nil
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func pct(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := round2(float64(part) * 100 / float64(whole))
	return &v
}

func atoi(s string) int32 {
	n, _ := strconv.Atoi(s)
	return int32(n)
}

func i32(n int) *int32 { v := int32(n); return &v }

// summarize totals the rows of a report (all of them, or those of one
// account).
func summarize(r *report, rows [][]string) *ReportSummary {
	switch r.Type {
	case string(ReportTypePatch):
		var instances, compliant, nonCompliant, unreported int
		var installed, missing, critical, failed int32
		for _, row := range rows {
			instances++
			switch row[4] {
			case "COMPLIANT":
				compliant++
			case "NON_COMPLIANT":
				nonCompliant++
			default:
				unreported++
			}
			installed += atoi(row[5])
			missing += atoi(row[6])
			failed += atoi(row[7])
			critical += atoi(row[8])
		}
		return &ReportSummary{Patch: &PatchSummary{Instances: i32(instances), CompliantInstances: i32(compliant),
			NonCompliantInstances: i32(nonCompliant), UnreportedInstances: i32(unreported),
			CompliancePercentage: pct(compliant, compliant+nonCompliant),
			InstalledPatches:     &installed, MissingPatches: &missing, CriticalMissingPatches: &critical, FailedPatches: &failed}}
	case string(ReportTypeBackup):
		var protected, failed int
		for _, row := range rows {
			if row[4] == "true" {
				protected++
			}
			if row[6] == "FAILED" {
				failed++
			}
		}
		return &ReportSummary{Backup: &BackupSummary{Resources: i32(len(rows)), ProtectedResources: i32(protected),
			UnprotectedResources: i32(len(rows) - protected), CoveragePercentage: pct(protected, len(rows)), FailedLastJobs: i32(failed)}}
	case string(ReportTypeIncident):
		var opened, resolved, open int
		var hours float64
		bySeverity, byStatus := map[string]int32{}, map[string]int32{}
		for _, row := range rows {
			created, _ := time.Parse(time.RFC3339, row[6])
			res, _ := time.Parse(time.RFC3339, row[7])
			if !created.Before(r.PeriodStart) {
				opened++
				sev := row[4]
				if sev == "" {
					sev = "NONE"
				}
				bySeverity[sev]++
				byStatus[row[5]]++
			}
			if row[7] != "" && !res.Before(r.PeriodStart) {
				resolved++
				hours += res.Sub(created).Hours()
			}
			if row[7] == "" {
				open++
			}
		}
		sum := &IncidentSummary{Opened: i32(opened), Resolved: i32(resolved), Open: i32(open), BySeverity: bySeverity, ByStatus: byStatus}
		if resolved > 0 {
			m := round2(hours / float64(resolved))
			sum.MeanTimeToResolveHours = &m
		}
		return &ReportSummary{Incident: sum}
	}
	return &ReportSummary{}
}
