package console

import (
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/orgstack/orgstack"
)

// AMS Self-Service Reporting: the patch, backup and incident reports of
// the signed-in account, or of its organization for the management
// account and the delegated administrator of Self-Service Reporting once
// trusted access is enabled. Everything shown comes from the
// selfservicereporting API (ListReportTypes, ListReports, GetReport,
// GenerateReport, ExportReport) and, for the delegated-administrator
// panel, from Organizations.

// ssrPrincipal is Self-Service Reporting's service principal.
const ssrPrincipal = "selfservicereporting.managedservices.amazonaws.com"

// ssrService is the API's name for Self-Service Reporting.
const ssrService = "selfservicereporting"

// reportsPath is the page's path.
const reportsPath = "/managed-services/reports"

// reportsPageSize is how many rows the table shows at a time.
const reportsPageSize = 50

// reportsTrendDays is how many days of history the trend shows by default.
const reportsTrendDays = 30

func (c *Console) reportsRoutes() {
	c.handle("GET "+reportsPath, c.page(c.reportsPage))
	c.handle("POST "+reportsPath+"/generate", c.action(c.generateReport))
	c.handle("GET "+reportsPath+"/export", c.exportReport)
}

// reportColumn is a column of a report type.
type reportColumn struct {
	Name, Label, Description string
}

// reportTypeInfo is one type of report (ListReportTypes).
type reportTypeInfo struct {
	Type, Slug, Name, Description, Frequency string
	Columns                                  []reportColumn
	URL                                      string
}

// reportsParams are what the page's URL asks for.
type reportsParams struct {
	Type     string // PATCH, BACKUP, INCIDENT
	Scope    string // "", "account" or "organization" as asked
	Account  string // the account filter (organization view)
	From, To string // the date range
	Search   string
	Page     int
	// Filters are the column filters: column → value.
	Filters map[string]string
}

// reportsFilterColumns are the columns each type of report is filtered
// by in the table, offered with the values the report holds.
var reportsFilterColumns = map[string][]string{
	"PATCH":    {"compliance_state", "patch_group"},
	"BACKUP":   {"protected", "last_backup_job_state", "resource_type"},
	"INCIDENT": {"status", "severity"},
}

// reportsIDColumn is the column naming a row's resource in each type.
var reportsIDColumn = map[string]string{"PATCH": "instance_id", "BACKUP": "resource_arn", "INCIDENT": "ops_item_id"}

func parseReportsParams(v url.Values) reportsParams {
	p := reportsParams{Type: strings.ToUpper(strings.TrimSpace(v.Get("type"))), Scope: strings.ToLower(v.Get("scope")),
		Account: strings.TrimSpace(v.Get("account")), From: v.Get("from"), To: v.Get("to"),
		Search: strings.TrimSpace(v.Get("q")), Filters: map[string]string{}}
	if _, ok := reportsFilterColumns[p.Type]; !ok {
		p.Type = "PATCH"
	}
	if p.Scope != "account" && p.Scope != "organization" {
		p.Scope = ""
	}
	if !isAccountID(p.Account) {
		p.Account = ""
	}
	p.Page, _ = strconv.Atoi(v.Get("page"))
	if p.Page < 1 {
		p.Page = 1
	}
	for _, col := range reportsFilterColumns[p.Type] {
		if val := v.Get(col); val != "" {
			p.Filters[col] = val
		}
	}
	return p
}

func isAccountID(s string) bool { return len(s) == 12 && strings.Trim(s, "0123456789") == "" }

// url is the page's URL for these parameters; set overrides some of them
// ("type", "scope", "account", "from", "to", "q", "page", a filter
// column), an empty value dropping one.
func (p reportsParams) url(set ...string) string {
	v := url.Values{}
	v.Set("type", strings.ToLower(p.Type))
	if p.Scope != "" {
		v.Set("scope", p.Scope)
	}
	for k, val := range map[string]string{"account": p.Account, "from": p.From, "to": p.To, "q": p.Search} {
		if val != "" {
			v.Set(k, val)
		}
	}
	for k, val := range p.Filters {
		v.Set(k, val)
	}
	if p.Page > 1 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return reportsPath + "?" + v.Encode()
}

// apiFilters are the column filters as GetReport and ExportReport take
// them.
func (p reportsParams) apiFilters() []any {
	var out []any
	for _, col := range reportsFilterColumns[p.Type] {
		if val, ok := p.Filters[col]; ok {
			out = append(out, map[string]any{"Name": col, "Values": []any{val}})
		}
	}
	return out
}

// reportsData is the reports page.
type reportsData struct {
	Types  []reportTypeInfo
	Type   reportTypeInfo
	Params reportsParams
	// Scope is the scope shown: ACCOUNT or ORGANIZATION.
	Scope string
	// OrgAllowed is set when the caller may see the organization view;
	// OrgRefused is why not (the API's error), OrgAsked that the user
	// asked for it.
	OrgAllowed bool
	OrgRefused *orgstack.Error
	OrgAsked   bool
	AccountURL string
	OrgURL     string
	// Accounts are the accounts of the organization report, for the
	// account filter.
	Accounts []accountOption
	Names    map[string]string
	// Dates are the kept reports' dates, newest first; InRange those of
	// the range shown, oldest first.
	Dates   []string
	InRange []string
	// Report is the report shown (the newest of the range): its metadata.
	Report  map[string]any
	Summary map[string]any
	Stats   []reportStat
	Gauge   template.HTML
	Trend   template.HTML
	Bars    template.HTML
	// TrendTitle and BarsTitle head the charts.
	TrendTitle, BarsTitle string
	// Table
	Filters    []rowFilter
	Columns    []reportColumn
	Rows       []tableRow
	Matching   int // rows after the filters and the search
	AllRows    int // rows of the accounts shown
	FirstRow   int
	LastRow    int
	PrevURL    string
	NextURL    string
	ClearURL   string
	ExportCSV  string
	ExportJSON string
	Dataset    string
	Admin      ssrAdminPanel
}

type accountOption struct {
	ID, Name string
}

// reportStat is one number of the report's totals.
type reportStat struct {
	Label, Value, Class string
	Key                 string
}

// rowFilter is a select of the table's filters.
type rowFilter struct {
	Column, Label, Value string
	Options              []filterOption
}

type filterOption struct {
	Value, Label string
	Count        int
}

// tableRow is one row of the report's table.
type tableRow struct {
	ID, Account string
	Cells       []tableCell
}

type tableCell struct {
	Text, Title, Class, Badge string
}

func (c *Console) reportsPage(q *req) (string, *view) {
	v := &view{Title: "Reports", Section: "reports"}
	p := parseReportsParams(q.r.URL.Query())
	d := &reportsData{Params: p, Names: map[string]string{}}
	v.Data = d
	d.Admin = q.ssrAdminPanel()
	types, err := q.reportTypes(p)
	if !q.try(v, err) {
		return "reports", v
	}
	d.Types = types
	for _, t := range types {
		if t.Type == p.Type {
			d.Type = t
		}
	}
	v.Title = d.Type.Name

	// The organization view: offered when the API lets the caller list
	// the organization's reports.
	_, err = q.call(ssrService, "ListReports", map[string]any{"ReportType": p.Type, "Scope": "ORGANIZATION", "MaxResults": int64(1)})
	d.OrgAllowed = err == nil
	if err != nil {
		d.OrgRefused = q.c.apiError(err)
	}
	d.Scope = "ACCOUNT"
	switch {
	case p.Scope == "organization" && d.OrgAllowed, p.Scope == "" && d.OrgAllowed:
		d.Scope = "ORGANIZATION"
	case p.Scope == "organization":
		d.OrgAsked = true
	}
	if d.Scope == "ACCOUNT" {
		p.Account = ""
	}
	d.AccountURL = p.url("scope", "account", "account", "", "page", "")
	d.OrgURL = p.url("scope", "organization", "page", "")
	d.Params = p

	// The history.
	reports, err := q.callAll(ssrService, "ListReports", map[string]any{"ReportType": p.Type, "Scope": d.Scope}, "Reports")
	if !q.try(v, err) {
		return "reports", v
	}
	for _, r := range reports {
		if date := toString(get(r, "Date")); date != "" {
			d.Dates = append(d.Dates, date)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(d.Dates)))
	if len(d.Dates) == 0 {
		d.drawEmpty()
		return "reports", v
	}
	p.From, p.To = reportsRange(d.Dates, p.From, p.To)
	d.Params = p
	for i := len(d.Dates) - 1; i >= 0; i-- {
		if d.Dates[i] >= p.From && d.Dates[i] <= p.To {
			d.InRange = append(d.InRange, d.Dates[i])
		}
	}
	base := map[string]any{"ReportType": p.Type, "Scope": d.Scope}
	if p.Account != "" {
		base["AccountIds"] = []any{p.Account}
	}

	// The report of the range's last day, every row of the accounts shown.
	in := cloneInput(base)
	in["Date"] = p.To
	first, rows, err := q.reportRows(in)
	if !q.try(v, err) {
		return "reports", v
	}
	d.Report, _ = first["Report"].(map[string]any)
	d.Summary, _ = get(first, "Summary", reportSummaryKey(p.Type)).(map[string]any)
	if d.Scope == "ORGANIZATION" {
		if accounts, err := q.callAll("organizations", "ListAccounts", nil, "Accounts"); err == nil {
			for _, a := range accounts {
				d.Names[toString(get(a, "Id"))] = toString(get(a, "Name"))
			}
		}
		full := map[string]any{"ReportType": p.Type, "Scope": d.Scope, "Date": p.To, "MaxResults": int64(1)}
		all, err := q.call(ssrService, "GetReport", full)
		if !q.try(v, err) {
			return "reports", v
		}
		for _, a := range stringList(get(all, "Report", "Accounts")) {
			d.Accounts = append(d.Accounts, accountOption{ID: a, Name: d.Names[a]})
		}
	}

	// The trend over the range: each day's totals.
	var days []map[string]any
	for _, date := range d.InRange {
		if date == p.To {
			days = append(days, d.Summary)
			continue
		}
		in := cloneInput(base)
		in["Date"] = date
		in["MaxResults"] = int64(1)
		out, err := q.call(ssrService, "GetReport", in)
		if !q.try(v, err) {
			return "reports", v
		}
		s, _ := get(out, "Summary", reportSummaryKey(p.Type)).(map[string]any)
		days = append(days, s)
	}
	d.drawTrend(days)
	d.drawOverview(first, rows)

	// The table: the column filters (through the API) and the search.
	d.Filters = reportsFilters(p, rows)
	d.AllRows = len(rows)
	shown := rows
	if filters := p.apiFilters(); len(filters) > 0 {
		in := cloneInput(base)
		in["Date"] = p.To
		in["Filters"] = filters
		_, shown, err = q.reportRows(in)
		if !q.try(v, err) {
			return "reports", v
		}
	}
	d.table(shown)
	d.links()
	return "reports", v
}

func cloneInput(in map[string]any) map[string]any {
	out := make(map[string]any, len(in)+2)
	for k, v := range in {
		out[k] = v
	}
	return out
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, toString(x))
	}
	return out
}

// reportTypes lists the report types (ListReportTypes).
func (q *req) reportTypes(p reportsParams) ([]reportTypeInfo, error) {
	out, err := q.call(ssrService, "ListReportTypes", nil)
	if err != nil {
		return nil, err
	}
	var types []reportTypeInfo
	for _, t := range listOf(out["ReportTypes"]) {
		rt := reportTypeInfo{Type: toString(get(t, "ReportType")), Name: toString(get(t, "Name")),
			Description: toString(get(t, "Description")), Frequency: toString(get(t, "Frequency"))}
		rt.Slug = strings.ToLower(rt.Type)
		tp := p
		tp.Type, tp.Filters, tp.Search, tp.Page, tp.From, tp.To = rt.Type, nil, "", 1, "", ""
		rt.URL = tp.url()
		for _, c := range listOf(get(t, "Columns")) {
			name := toString(get(c, "Name"))
			rt.Columns = append(rt.Columns, reportColumn{Name: name, Label: columnLabel(name), Description: toString(get(c, "Description"))})
		}
		types = append(types, rt)
	}
	return types, nil
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// reportRows runs GetReport following NextToken: the first answer (the
// report, its totals) and every row.
func (q *req) reportRows(in map[string]any) (map[string]any, []map[string]any, error) {
	in = cloneInput(in)
	var first map[string]any
	var rows []map[string]any
	for page := 0; page < 1000; page++ {
		out, err := q.call(ssrService, "GetReport", in)
		if err != nil {
			return nil, nil, err
		}
		if first == nil {
			first = out
		}
		for _, r := range listOf(out["Rows"]) {
			if m, ok := r.(map[string]any); ok {
				rows = append(rows, m)
			}
		}
		next, _ := out["NextToken"].(string)
		if next == "" {
			break
		}
		in["NextToken"] = next
	}
	return first, rows, nil
}

// reportsRange is the date range shown: the dates asked for when the
// history has them, by default the last reportsTrendDays reports.
func reportsRange(dates []string, from, to string) (string, string) {
	has := func(d string) bool {
		for _, x := range dates {
			if x == d {
				return true
			}
		}
		return false
	}
	if !has(to) {
		to = dates[0]
	}
	if !has(from) {
		from = dates[min(len(dates), reportsTrendDays)-1]
		if from > to {
			from = to
		}
	}
	if from > to {
		from, to = to, from
	}
	return from, to
}

func reportSummaryKey(typ string) string {
	switch typ {
	case "BACKUP":
		return "Backup"
	case "INCIDENT":
		return "Incident"
	}
	return "Patch"
}

// nums reads a summary's number; NaN when it has none.
func summaryNum(s map[string]any, key string) float64 {
	v, ok := s[key]
	if !ok || v == nil {
		return math.NaN()
	}
	return toFloat(v)
}

func pctOf(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// shortDate writes a report date for an axis: "Nov 23".
func shortDate(date string) string {
	if t, ok := timeOf(date + "T00:00:00Z"); ok {
		return t.Format("Jan 2")
	}
	return date
}

// drawEmpty draws the charts of a history without any report.
func (d *reportsData) drawEmpty() {
	d.drawTrend(nil)
	d.drawOverview(nil, nil)
}

// trendSpec is what the trend of a report type plots.
func trendSpec(typ string) (title string, series []chartSeries, keys []string, unit string, maxV float64) {
	switch typ {
	case "BACKUP":
		return "Backup coverage over time", []chartSeries{{Name: "Coverage", Color: colorGreen}}, []string{"CoveragePercentage"}, "%", 100
	case "INCIDENT":
		return "Incidents over time", []chartSeries{{Name: "Opened", Color: colorBlue}, {Name: "Resolved", Color: colorGreen}, {Name: "Open", Color: colorAmber}},
			[]string{"Opened", "Resolved", "Open"}, "", 0
	}
	return "Patch compliance over time", []chartSeries{{Name: "Compliance", Color: colorGreen}}, []string{"CompliancePercentage"}, "%", 100
}

// drawTrend draws the trend over the range from each day's totals (in
// the order of d.InRange).
func (d *reportsData) drawTrend(days []map[string]any) {
	typ := d.Params.Type
	title, series, keys, unit, maxV := trendSpec(typ)
	d.TrendTitle = title
	labels := make([]string, len(days))
	for i := range days {
		labels[i] = shortDate(d.InRange[i])
	}
	for i := range series {
		series[i].Values = make([]float64, len(days))
		for j, s := range days {
			series[i].Values[j] = summaryNum(s, keys[i])
		}
	}
	chart := lineChart{ID: "trend-chart", Title: title + scopeTitle(d), Labels: labels, Series: series, Max: maxV, Unit: unit,
		Integer: unit == "", Empty: "No reports yet"}
	if len(days) > 0 {
		chart.Empty = "Nothing to measure in these reports"
	}
	chart.Desc = trendDesc(d.InRange, series, unit)
	d.Trend = chart.SVG()
}

func scopeTitle(d *reportsData) string {
	s := " (this account)"
	if d.Scope == "ORGANIZATION" {
		s = " (organization)"
		if d.Params.Account != "" {
			s = " (account " + d.Params.Account + ")"
		}
	}
	return s
}

// trendDesc says in words what the trend shows: each series' first,
// last, lowest and highest values over the range.
func trendDesc(dates []string, series []chartSeries, unit string) string {
	if len(dates) == 0 || !hasData(seriesValues(series)...) {
		return "No reports yet."
	}
	var b strings.Builder
	b.WriteString("From " + dates[0] + " to " + dates[len(dates)-1] + " (" + strconv.Itoa(len(dates)) + " reports). ")
	for _, s := range series {
		lo, hi, last := math.Inf(1), math.Inf(-1), math.NaN()
		for _, v := range s.Values {
			if math.IsNaN(v) {
				continue
			}
			lo, hi, last = math.Min(lo, v), math.Max(hi, v), v
		}
		if math.IsNaN(last) {
			b.WriteString(s.Name + ": no data. ")
			continue
		}
		b.WriteString(s.Name + ": " + formatValue(last, unit) + " on the last day, lowest " + formatValue(lo, unit) + ", highest " + formatValue(hi, unit) + ". ")
	}
	return strings.TrimSpace(b.String())
}

func seriesValues(series []chartSeries) [][]float64 {
	out := make([][]float64, len(series))
	for i, s := range series {
		out[i] = s.Values
	}
	return out
}

// drawOverview draws the totals of the report shown: the stats, the
// gauge and the per-account bars.
func (d *reportsData) drawOverview(report map[string]any, rows []map[string]any) {
	typ := d.Params.Type
	s := d.Summary
	stat := func(key, label string, class string) {
		v := summaryNum(s, key)
		val := "—"
		if !math.IsNaN(v) {
			val = formatValue(v, "")
			if strings.HasSuffix(key, "Percentage") {
				val = formatValue(v, "%")
			}
		}
		d.Stats = append(d.Stats, reportStat{Key: key, Label: label, Value: val, Class: class})
	}
	var segments []barSegment
	var gaugeValue *float64
	var gaugeLabel string
	switch typ {
	case "PATCH":
		stat("Instances", "Managed instances", "")
		stat("CompliantInstances", "Compliant", "stat-good")
		stat("NonCompliantInstances", "Non-compliant", "stat-bad")
		stat("UnreportedInstances", "Unreported", "")
		stat("MissingPatches", "Missing patches", "")
		stat("CriticalMissingPatches", "Critical missing", "stat-bad")
		stat("FailedPatches", "Failed patches", "stat-bad")
		segments = []barSegment{{Name: "Compliant", Color: colorGreen}, {Name: "Non-compliant", Color: colorRed}, {Name: "Unreported", Color: colorGrey}}
		gaugeValue, gaugeLabel = pctOf(summaryNum(s, "CompliancePercentage")), "compliant"
		d.BarsTitle = "Instances by compliance, per account"
	case "BACKUP":
		stat("Resources", "Resources", "")
		stat("ProtectedResources", "Protected", "stat-good")
		stat("UnprotectedResources", "Not protected", "stat-bad")
		stat("FailedLastJobs", "Last job failed", "stat-bad")
		segments = []barSegment{{Name: "Protected", Color: colorGreen}, {Name: "Last job failed", Color: colorRed}, {Name: "Not protected", Color: colorAmber}}
		gaugeValue, gaugeLabel = pctOf(summaryNum(s, "CoveragePercentage")), "protected"
		d.BarsTitle = "Resources by backup status, per account"
	case "INCIDENT":
		stat("Opened", "Opened", "")
		stat("Resolved", "Resolved", "stat-good")
		stat("Open", "Still open", "stat-bad")
		stat("MeanTimeToResolveHours", "Mean hours to resolve", "")
		segments = []barSegment{{Name: "Resolved", Color: colorGreen}, {Name: "Open", Color: colorAmber}}
		d.BarsTitle = "Incidents by status, per account"
		opened, resolved := summaryNum(s, "Opened"), summaryNum(s, "Resolved")
		if opened > 0 {
			gaugeValue = pctOf(math.Round(resolved*10000/opened) / 100)
		}
		gaugeLabel = "resolved"
	}
	if report != nil {
		g := gauge{ID: "report-gauge", Title: d.Type.Name + ": " + gaugeLabel, Value: gaugeValue, Label: gaugeLabel, Color: levelColor(gaugeValue)}
		d.Gauge = g.SVG()
	}

	// One bar per account: the organization report's per-account totals,
	// or the account's own.
	type acct struct {
		id      string
		summary map[string]any
	}
	var accounts []acct
	if report != nil {
		if list := listOf(report["AccountSummaries"]); list != nil {
			for _, a := range list {
				sum, _ := get(a, "Summary", reportSummaryKey(typ)).(map[string]any)
				accounts = append(accounts, acct{toString(get(a, "AccountId")), sum})
			}
		} else {
			accounts = append(accounts, acct{toString(get(report, "Report", "AccountId")), s})
		}
	}
	// Backups by state come from the rows: protected with a good last
	// job, last job failed, never protected.
	backupSegs := map[string][3]float64{}
	if typ == "BACKUP" {
		for _, r := range rows {
			a := toString(r["account_id"])
			v := backupSegs[a]
			switch {
			case toString(r["last_backup_job_state"]) == "FAILED":
				v[1]++
			case toString(r["protected"]) == "true":
				v[0]++
			default:
				v[2]++
			}
			backupSegs[a] = v
		}
	}
	var bars []barRow
	for _, a := range accounts {
		row := barRow{Label: a.id, Key: a.id}
		if n := d.Names[a.id]; n != "" {
			row.Label, row.Detail = n, n+" ("+a.id+")"
		}
		switch typ {
		case "PATCH":
			row.Values = []float64{summaryNum(a.summary, "CompliantInstances"), summaryNum(a.summary, "NonCompliantInstances"), summaryNum(a.summary, "UnreportedInstances")}
			row.Note = noteValue(summaryNum(a.summary, "CompliancePercentage"), "%")
		case "BACKUP":
			v := backupSegs[a.id]
			row.Values = v[:]
			row.Note = noteValue(summaryNum(a.summary, "CoveragePercentage"), "%")
		case "INCIDENT":
			row.Values = []float64{summaryNum(a.summary, "Resolved"), summaryNum(a.summary, "Open")}
		}
		bars = append(bars, row)
	}
	chart := stackedBars{ID: "accounts-chart", Title: d.BarsTitle, Segments: segments, Rows: bars, KeyAttr: "account", Empty: "No reports yet"}
	if report != nil {
		chart.Empty = "No account of this report is shown"
	}
	if report != nil && len(bars) > 0 {
		chart.Desc = barsDesc(d.Params.To, segments, bars)
	} else {
		chart.Desc = "No reports yet."
	}
	d.Bars = chart.SVG()
}

func noteValue(v float64, unit string) string {
	if math.IsNaN(v) {
		return "—"
	}
	return formatValue(v, unit)
}

// barsDesc says in words what the bars show.
func barsDesc(date string, segments []barSegment, bars []barRow) string {
	var b strings.Builder
	b.WriteString("Report of " + date + ", " + strconv.Itoa(len(bars)) + " accounts. ")
	for _, r := range bars {
		name := r.Detail
		if name == "" {
			name = r.Label
		}
		b.WriteString(name + ":")
		for i, s := range segments {
			v := 0.0
			if i < len(r.Values) && !math.IsNaN(r.Values[i]) {
				v = r.Values[i]
			}
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(" " + formatValue(v, "") + " " + strings.ToLower(s.Name))
		}
		b.WriteString(". ")
	}
	return strings.TrimSpace(b.String())
}

// reportsFilters are the table's selects, with the values the report
// holds and how many rows have each.
func reportsFilters(p reportsParams, rows []map[string]any) []rowFilter {
	var out []rowFilter
	for _, col := range reportsFilterColumns[p.Type] {
		counts := map[string]int{}
		for _, r := range rows {
			counts[toString(r[col])]++
		}
		f := rowFilter{Column: col, Label: columnLabel(col), Value: p.Filters[col]}
		if _, ok := counts[f.Value]; f.Value != "" && !ok {
			counts[f.Value] = 0
		}
		values := make([]string, 0, len(counts))
		for val := range counts {
			values = append(values, val)
		}
		sort.Strings(values)
		for _, val := range values {
			if val == "" {
				continue // the API filters on values, not on their absence
			}
			out := valueLabel(col, val)
			f.Options = append(f.Options, filterOption{Value: val, Label: out, Count: counts[val]})
		}
		out = append(out, f)
	}
	return out
}

// table fills the table's page from the rows the filters keep.
func (d *reportsData) table(rows []map[string]any) {
	p := d.Params
	d.Columns = d.Type.Columns
	idCol := reportsIDColumn[p.Type]
	if p.Search != "" {
		needle := strings.ToLower(p.Search)
		var kept []map[string]any
		for _, r := range rows {
			hay := strings.ToLower(toString(r[idCol]) + " " + toString(r["title"]) + " " + toString(r["account_id"]))
			if strings.Contains(hay, needle) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	d.Matching = len(rows)
	pages := max(1, (len(rows)+reportsPageSize-1)/reportsPageSize)
	page := min(p.Page, pages)
	start := (page - 1) * reportsPageSize
	end := min(start+reportsPageSize, len(rows))
	if len(rows) > 0 {
		d.FirstRow, d.LastRow = start+1, end
	}
	if page > 1 {
		d.PrevURL = p.url("page", strconv.Itoa(page-1))
	}
	if page < pages {
		d.NextURL = p.url("page", strconv.Itoa(page+1))
	}
	for _, r := range rows[start:end] {
		tr := tableRow{ID: toString(r[idCol]), Account: toString(r["account_id"])}
		for _, c := range d.Columns {
			tr.Cells = append(tr.Cells, d.cell(c.Name, toString(r[c.Name])))
		}
		d.Rows = append(d.Rows, tr)
	}
}

// links are the page's export links and the dataset's location.
func (d *reportsData) links() {
	p := d.Params
	clear := p
	clear.Filters, clear.Search, clear.Page = nil, "", 1
	d.ClearURL = clear.url()
	v := url.Values{}
	v.Set("type", strings.ToLower(p.Type))
	v.Set("scope", strings.ToLower(d.Scope))
	v.Set("date", p.To)
	if p.Account != "" {
		v.Set("account", p.Account)
	}
	for k, val := range p.Filters {
		v.Set(k, val)
	}
	v.Set("format", "csv")
	d.ExportCSV = reportsPath + "/export?" + v.Encode()
	v.Set("format", "json")
	d.ExportJSON = reportsPath + "/export?" + v.Encode()
	owner := toString(get(d.Report, "AccountId"))
	if owner != "" {
		dir := "ams-reporting-data-a" + owner + "/"
		if d.Scope == "ORGANIZATION" {
			dir += "organization/"
		}
		d.Dataset = dir + strings.ToLower(p.Type) + "/" + p.To + ".csv"
	}
}

// columnLabel is a column's heading.
func columnLabel(col string) string {
	if l, ok := map[string]string{
		"account_id": "Account", "region": "Region", "instance_id": "Instance", "patch_group": "Patch group",
		"compliance_state": "Compliance", "installed_count": "Installed", "missing_count": "Missing", "failed_count": "Failed",
		"critical_missing_count": "Critical missing", "last_scan_time": "Last scan", "resource_arn": "Resource",
		"resource_type": "Resource type", "protected": "Protection", "last_backup_job_id": "Last backup job",
		"last_backup_job_state": "Last job state", "last_backup_time": "Last backup", "ops_item_id": "OpsItem",
		"title": "Title", "severity": "Severity", "status": "Status", "opened_time": "Opened", "resolved_time": "Resolved",
		"time_to_resolve_hours": "Hours to resolve",
	}[col]; ok {
		return l
	}
	s := strings.ReplaceAll(col, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// valueLabel is how a value of a column reads, and badgeOf its badge.
func valueLabel(col, val string) string {
	switch col {
	case "compliance_state":
		switch val {
		case "COMPLIANT":
			return "Compliant"
		case "NON_COMPLIANT":
			return "Non-compliant"
		case "UNREPORTED":
			return "Unreported"
		}
	case "protected":
		if val == "true" {
			return "Protected"
		}
		return "Not protected"
	case "last_backup_job_state":
		if val == "" {
			return "No job"
		}
	}
	return val
}

func badgeOf(col, val string) string {
	switch col {
	case "compliance_state":
		switch val {
		case "COMPLIANT":
			return "badge-green"
		case "NON_COMPLIANT":
			return "badge-red"
		}
		return "badge-grey"
	case "protected":
		if val == "true" {
			return "badge-green"
		}
		return "badge-amber"
	case "last_backup_job_state":
		switch val {
		case "COMPLETED":
			return "badge-green"
		case "FAILED", "ABORTED", "EXPIRED":
			return "badge-red"
		case "":
			return ""
		}
		return "badge-blue"
	case "status":
		switch val {
		case "Resolved":
			return "badge-green"
		case "Open":
			return "badge-amber"
		}
		return "badge-blue"
	}
	return ""
}

// cell renders one value of a column.
func (d *reportsData) cell(col, val string) tableCell {
	c := tableCell{Text: val}
	switch {
	case val == "" && col != "protected":
		c.Text, c.Class = "—", "muted"
		return c
	case col == "account_id":
		c.Class, c.Title = "mono", d.Names[val]
	case col == "instance_id" || col == "ops_item_id" || col == "last_backup_job_id":
		c.Class = "mono"
	case col == "resource_arn":
		c.Class, c.Title, c.Text = "mono", val, shortARN(val)
	case col == "title":
		c.Class = "wrap"
	case strings.HasSuffix(col, "_count") || col == "time_to_resolve_hours":
		c.Class = "num"
	case strings.HasSuffix(col, "_time"):
		c.Text, c.Title = formatDateTime(val), val
	}
	if b := badgeOf(col, val); b != "" {
		c.Badge, c.Text = b, valueLabel(col, val)
	}
	return c
}
