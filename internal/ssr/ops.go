package ssr

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// ListReportTypes lists the report types and their columns.
func (s *Service) ListReportTypes(context.Context, *ListReportTypesRequest) (*ListReportTypesResponse, error) {
	out := &ListReportTypesResponse{}
	for _, rt := range reportTypes() {
		out.ReportTypes = append(out.ReportTypes, ReportTypeInfo{ReportType: ReportType(rt.Type), Name: rt.Name,
			Description: rt.Description, Frequency: rt.Frequency, Columns: rt.Columns})
	}
	return out, nil
}

// call is one request's view: the caller, and the owner of the reports it
// names (the caller's account, or the caller's organization).
type call struct {
	tx     store.Tx
	now    time.Time
	caller orgstack.Caller
	scope  string
	owner  string
}

func (s *Service) newCall(ctx context.Context, tx store.Tx, scope ReportScope) (*call, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	cl := &call{tx: tx, now: s.opt.Clock.Now(), caller: c, scope: string(scope), owner: c.AccountID}
	if cl.scope == "" {
		cl.scope = string(ReportScopeAccount)
	}
	if cl.scope == string(ReportScopeOrganization) {
		org, _, err := s.orgOfViewer(tx, c.AccountID)
		if err != nil {
			return nil, err
		}
		cl.owner = org
	}
	return cl, nil
}

// generate computes the call's report of a type now and registers its
// owner for the daily generation.
func (s *Service) generate(cl *call, typ string) (*report, error) {
	if cl.scope == string(ReportScopeOrganization) {
		if err := s.register(cl.tx, kOrgRegistry(cl.owner), cl.now); err != nil {
			return nil, err
		}
		return s.generateOrg(cl.tx, typ, cl.owner, cl.now)
	}
	if err := s.register(cl.tx, kAccountRegistry(cl.owner), cl.now); err != nil {
		return nil, err
	}
	return s.generateAccount(cl.tx, typ, cl.owner, cl.now)
}

func (r *report) metadata() *ReportMetadata {
	md := &ReportMetadata{ReportType: ReportType(r.Type), Scope: ReportScope(r.Scope), AccountId: r.Account, OrganizationId: r.Org,
		Date: r.Date, GeneratedAt: r.GeneratedAt, PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd,
		Accounts: append([]string{}, r.Accounts...), RowCount: i32(len(r.Rows))}
	return md
}

// GenerateReport generates a report now, as the report of today.
func (s *Service) GenerateReport(ctx context.Context, in *GenerateReportRequest) (*GenerateReportResponse, error) {
	var out *GenerateReportResponse
	err := s.opt.Store.Update(ctx, func(tx store.Tx) error {
		cl, err := s.newCall(ctx, tx, in.Scope)
		if err != nil {
			return err
		}
		r, err := s.generate(cl, string(in.ReportType))
		if err != nil {
			return err
		}
		out = &GenerateReportResponse{Report: r.metadata()}
		return nil
	})
	return out, err
}

// pageToken is an opaque position in a listing, bound to what it lists.
func pageToken(binding string, pos int) string {
	return base64.StdEncoding.EncodeToString([]byte(binding + "|" + strconv.Itoa(pos)))
}

func readToken(token, binding string) (int, error) {
	if token == "" {
		return 0, nil
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	bad := errValidation("The NextToken isn't valid for this request.")
	if err != nil {
		return 0, bad
	}
	b, p, ok := strings.Cut(string(raw), "|")
	if !ok || b != binding {
		return 0, bad
	}
	pos, err := strconv.Atoi(p)
	if err != nil || pos < 0 {
		return 0, bad
	}
	return pos, nil
}

// ListReports lists the kept reports of a type, newest first.
func (s *Service) ListReports(ctx context.Context, in *ListReportsRequest) (*ListReportsResponse, error) {
	out := &ListReportsResponse{Reports: []ReportMetadata{}}
	err := s.opt.Store.View(ctx, func(tx store.Tx) error {
		cl, err := s.newCall(ctx, tx, in.Scope)
		if err != nil {
			return err
		}
		all, err := listReports(tx, cl.scope, cl.owner, string(in.ReportType))
		if err != nil {
			return err
		}
		binding := "list/" + cl.scope + "/" + cl.owner + "/" + string(in.ReportType)
		from, err := readToken(in.NextToken, binding)
		if err != nil {
			return err
		}
		limit := 100
		if in.MaxResults != nil {
			limit = int(*in.MaxResults)
		}
		from = min(from, len(all))
		to := min(from+limit, len(all))
		for _, r := range all[from:to] {
			out.Reports = append(out.Reports, *r.metadata())
		}
		if to < len(all) {
			out.NextToken = pageToken(binding, to)
		}
		return nil
	})
	return out, err
}

// view is a report as a request sees it: the rows of the accounts asked
// for that pass the filters.
type view struct {
	r        *report
	rt       reportType
	accounts []string // the report's accounts kept by AccountIds
	rows     [][]string
	// accountRows are the rows of the kept accounts, before the filters.
	accountRows [][]string
}

// reportView finds the report a request names (the latest when no date
// is given: generated now when none exists yet) and applies the request's
// AccountIds and Filters.
func (s *Service) reportView(cl *call, typ ReportType, date string, accountIDs []string, filters []ReportFilter) (*view, error) {
	rt, _ := reportTypeOf(typ)
	if len(accountIDs) > 0 && cl.scope != string(ReportScopeOrganization) {
		return nil, errValidation("AccountIds applies to organization reports only.")
	}
	cols := rt.columnNames()
	idx := make([]int, len(filters))
	for i, f := range filters {
		idx[i] = slices.Index(cols, f.Name)
		if idx[i] < 0 {
			return nil, errValidation(fmt.Sprintf("The %s report has no column %s. Its columns are %s.", typ, f.Name, strings.Join(cols, ", ")))
		}
	}
	r, err := getReport(cl.tx, cl.scope, cl.owner, string(typ), date)
	if errors.Is(err, store.ErrNotFound) {
		if date != "" {
			return nil, errNotFound(fmt.Sprintf("There is no %s report for %s.", typ, date))
		}
		r, err = s.generate(cl, string(typ))
	}
	if err != nil {
		return nil, err
	}
	v := &view{r: r, rt: rt, accounts: r.Accounts}
	if len(accountIDs) > 0 {
		v.accounts = nil
		for _, a := range r.Accounts {
			if slices.Contains(accountIDs, a) {
				v.accounts = append(v.accounts, a)
			}
		}
	}
rows:
	for _, row := range r.Rows {
		if !slices.Contains(v.accounts, row[0]) {
			continue
		}
		v.accountRows = append(v.accountRows, row)
		for i, f := range filters {
			if !slices.Contains(f.Values, row[idx[i]]) {
				continue rows
			}
		}
		v.rows = append(v.rows, row)
	}
	return v, nil
}

func (v *view) rowMap(row []string) map[string]string {
	m := make(map[string]string, len(row))
	for i, c := range v.rt.Columns {
		m[c.Name] = row[i]
	}
	return m
}

// GetReport returns a report's totals and rows.
func (s *Service) GetReport(ctx context.Context, in *GetReportRequest) (*GetReportResponse, error) {
	var out *GetReportResponse
	err := s.opt.Store.Update(ctx, func(tx store.Tx) error {
		cl, err := s.newCall(ctx, tx, in.Scope)
		if err != nil {
			return err
		}
		v, err := s.reportView(cl, in.ReportType, in.Date, in.AccountIds, in.Filters)
		if err != nil {
			return err
		}
		out = &GetReportResponse{Report: v.r.metadata(), Summary: summarize(v.r, v.accountRows), Columns: v.rt.columnNames(), Rows: []map[string]string{}}
		if v.r.Scope == string(ReportScopeOrganization) {
			out.AccountSummaries = []AccountSummary{}
			for _, a := range v.accounts {
				var rows [][]string
				for _, row := range v.accountRows {
					if row[0] == a {
						rows = append(rows, row)
					}
				}
				out.AccountSummaries = append(out.AccountSummaries, AccountSummary{AccountId: a, Summary: summarize(v.r, rows)})
			}
		}
		binding := "get/" + cl.scope + "/" + cl.owner + "/" + v.r.Type + "/" + v.r.Date + "/" + strconv.FormatInt(v.r.GeneratedAt.UnixNano(), 36)
		from, err := readToken(in.NextToken, binding)
		if err != nil {
			return err
		}
		limit := 1000
		if in.MaxResults != nil {
			limit = int(*in.MaxResults)
		}
		from = min(from, len(v.rows))
		to := min(from+limit, len(v.rows))
		for _, row := range v.rows[from:to] {
			out.Rows = append(out.Rows, v.rowMap(row))
		}
		if to < len(v.rows) {
			out.NextToken = pageToken(binding, to)
		}
		return nil
	})
	return out, err
}

// ExportReport returns a whole report as CSV or JSON.
func (s *Service) ExportReport(ctx context.Context, in *ExportReportRequest) (*ExportReportResponse, error) {
	var out *ExportReportResponse
	err := s.opt.Store.Update(ctx, func(tx store.Tx) error {
		cl, err := s.newCall(ctx, tx, in.Scope)
		if err != nil {
			return err
		}
		v, err := s.reportView(cl, in.ReportType, in.Date, in.AccountIds, in.Filters)
		if err != nil {
			return err
		}
		content, contentType, err := encode(v.rt, v.rows, string(in.Format))
		if err != nil {
			return err
		}
		out = &ExportReportResponse{FileName: fileName(v.r, string(in.Format)), ContentType: contentType, Content: string(content)}
		return nil
	})
	return out, err
}
