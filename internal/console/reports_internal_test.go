package console

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReportsRange(t *testing.T) {
	var dates []string // newest first
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 35; i++ {
		dates = append(dates, day.AddDate(0, 0, -i).Format("2006-01-02"))
	}
	for _, c := range []struct{ from, to, wantFrom, wantTo string }{
		{"", "", dates[29], dates[0]},                   // the last 30 reports by default
		{dates[3], dates[1], dates[3], dates[1]},        // as asked
		{dates[1], dates[3], dates[3], dates[1]},        // reversed
		{"2001-01-01", "nonsense", dates[29], dates[0]}, // not in the history
		{"", dates[34], dates[34], dates[34]},           // to before the default from
	} {
		from, to := reportsRange(dates, c.from, c.to)
		if from != c.wantFrom || to != c.wantTo {
			t.Errorf("reportsRange(%q, %q) = %q, %q; want %q, %q", c.from, c.to, from, to, c.wantFrom, c.wantTo)
		}
	}
	if from, to := reportsRange([]string{"2026-11-23"}, "", ""); from != "2026-11-23" || to != from {
		t.Errorf("one report: %s %s", from, to)
	}
}

func TestReportsParams(t *testing.T) {
	p := parseReportsParams(url.Values{"type": {"Backup"}, "scope": {"organization"}, "account": {"12345"}, "protected": {"true"},
		"compliance_state": {"COMPLIANT"}, "page": {"-3"}, "q": {" i-01 "}})
	if p.Type != "BACKUP" || p.Scope != "organization" || p.Account != "" || p.Page != 1 || p.Search != "i-01" ||
		len(p.Filters) != 1 || p.Filters["protected"] != "true" {
		t.Fatalf("params: %+v", p)
	}
	if p := parseReportsParams(url.Values{"type": {"<script>"}, "scope": {"everything"}}); p.Type != "PATCH" || p.Scope != "" {
		t.Fatalf("unknown type and scope: %+v", p)
	}
	// The URL keeps the parameters; set overrides or drops them.
	u, _ := url.Parse(p.url())
	if u.Path != reportsPath || u.Query().Get("type") != "backup" || u.Query().Get("protected") != "true" || u.Query().Get("q") != "i-01" {
		t.Fatalf("url %s", p.url())
	}
	p = parseReportsParams(url.Values{"type": {"backup"}, "protected": {"false"}, "page": {"3"}})
	u, _ = url.Parse(p.url("page", "", "account", "222222222222"))
	if q := u.Query(); q.Get("page") != "" || q.Get("account") != "222222222222" || q.Get("protected") != "false" {
		t.Fatalf("url with overrides: %s", u)
	}
	if f := p.apiFilters(); len(f) != 1 || get(f[0], "Name") != "protected" {
		t.Fatalf("API filters: %v", f)
	}
}

func TestReportsTablePages(t *testing.T) {
	var rows []map[string]any
	for i := 0; i < 120; i++ {
		rows = append(rows, map[string]any{"account_id": "222222222222", "instance_id": "i-" + strconv.Itoa(1000+i), "compliance_state": "COMPLIANT"})
	}
	cols := []reportColumn{{Name: "account_id"}, {Name: "instance_id"}, {Name: "compliance_state"}}
	page := func(n int, search string) *reportsData {
		d := &reportsData{Params: parseReportsParams(url.Values{"page": {strconv.Itoa(n)}, "q": {search}}), Type: reportTypeInfo{Columns: cols}}
		d.table(rows)
		return d
	}
	d := page(1, "")
	if len(d.Rows) != 50 || d.FirstRow != 1 || d.LastRow != 50 || d.PrevURL != "" || !strings.Contains(d.NextURL, "page=2") ||
		d.Rows[0].ID != "i-1000" || d.Rows[0].Cells[2].Badge != "badge-green" || d.Rows[0].Cells[2].Text != "Compliant" {
		t.Fatalf("page 1: %+v", d)
	}
	d = page(3, "")
	if len(d.Rows) != 20 || d.FirstRow != 101 || d.LastRow != 120 || d.NextURL != "" || !strings.Contains(d.PrevURL, "page=2") {
		t.Fatalf("page 3: %d rows, %d–%d, %q %q", len(d.Rows), d.FirstRow, d.LastRow, d.PrevURL, d.NextURL)
	}
	// Past the last page: the last page.
	if d = page(9, ""); d.FirstRow != 101 {
		t.Fatalf("page 9: %d", d.FirstRow)
	}
	// The search keeps what matches, from the first page.
	if d = page(2, "i-110"); d.Matching != 10 || len(d.Rows) != 10 || d.Rows[0].ID != "i-1100" {
		t.Fatalf("search: %d %+v", d.Matching, d.Rows)
	}
}
