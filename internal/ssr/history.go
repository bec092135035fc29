package ssr

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout:
//
//	ssr/acct/<account>/<TYPE>/<date>   report (an account's)
//	ssr/org/<org>/<TYPE>/<date>        report (an organization's)
//	ssr/accounts/<account>             accounts whose reports are generated daily
//	ssr/orgs/<org>                     organizations whose reports are generated daily
//	ssr/schedule                       the daily generation chain
func kAccountReports(account, typ string) string { return "ssr/acct/" + account + "/" + typ + "/" }
func kOrgReports(org, typ string) string         { return "ssr/org/" + org + "/" + typ + "/" }
func kAccountRegistry(account string) string     { return "ssr/accounts/" + account }
func kOrgRegistry(org string) string             { return "ssr/orgs/" + org }

const kSchedule = "ssr/schedule"

// reportsPrefix is where the reports of a type live for a scope.
func reportsPrefix(scope, owner, typ string) string {
	if scope == string(ReportScopeOrganization) {
		return kOrgReports(owner, typ)
	}
	return kAccountReports(owner, typ)
}

func putReport(tx store.Tx, r *report) error {
	owner := r.Account
	if r.Scope == string(ReportScopeOrganization) {
		owner = r.Org
	}
	return store.PutJSON(tx, reportsPrefix(r.Scope, owner, r.Type)+r.Date, r)
}

// getReport returns the report of a date, or the latest when date is "".
func getReport(tx store.Tx, scope, owner, typ, date string) (*report, error) {
	p := reportsPrefix(scope, owner, typ)
	var r report
	if date != "" {
		err := store.GetJSON(tx, p+date, &r)
		if err != nil {
			return nil, err
		}
		return &r, nil
	}
	var last []byte
	if err := tx.Scan(p, "", func(_ string, v []byte) (bool, error) {
		last = v
		return true, nil
	}); err != nil {
		return nil, err
	}
	if last == nil {
		return nil, store.ErrNotFound
	}
	return &r, json.Unmarshal(last, &r)
}

// listReports lists the reports of a type, newest first.
func listReports(tx store.Tx, scope, owner, typ string) ([]*report, error) {
	var out []*report
	err := tx.Scan(reportsPrefix(scope, owner, typ), "", func(_ string, v []byte) (bool, error) {
		var r report
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		out = append(out, &r)
		return true, nil
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// prune deletes the reports under prefix older than the history: today
// and the HistoryDays-1 days before are kept.
func (s *Service) prune(tx store.Tx, prefix string, now time.Time) error {
	oldest := day(now.AddDate(0, 0, 1-s.opt.HistoryDays))
	var stale []string
	if err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		if k[strings.LastIndexByte(k, '/')+1:] >= oldest {
			return false, nil
		}
		stale = append(stale, k)
		return true, nil
	}); err != nil {
		return err
	}
	for _, k := range stale {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// generateAccount computes and stores an account's report of a type as
// the report of today, and writes its dataset.
func (s *Service) generateAccount(tx store.Tx, typ, account string, now time.Time) (*report, error) {
	rows, err := s.accountRows(tx, typ, account, now)
	if err != nil {
		return nil, err
	}
	r := &report{Type: typ, Scope: string(ReportScopeAccount), Account: account, Date: day(now), GeneratedAt: now,
		Accounts: []string{account}, Rows: rows}
	if typ == string(ReportTypeIncident) {
		r.PeriodStart, r.PeriodEnd = now.Add(-incidentPeriod), now
	}
	if err := s.store(tx, r, now); err != nil {
		return nil, err
	}
	return r, nil
}

// store keeps a report, prunes the history of its kind and writes the
// report's dataset.
func (s *Service) store(tx store.Tx, r *report, now time.Time) error {
	if err := putReport(tx, r); err != nil {
		return err
	}
	owner := r.Account
	if r.Scope == string(ReportScopeOrganization) {
		owner = r.Org
	}
	if err := s.prune(tx, reportsPrefix(r.Scope, owner, r.Type), now); err != nil {
		return err
	}
	return s.writeDataset(r)
}

// register makes the daily generation include an account (or an
// organization) from now on.
func (s *Service) register(tx store.Tx, key string, now time.Time) error {
	if ok, err := store.Exists(tx, key); err != nil || ok {
		return err
	}
	if err := tx.Put(key, []byte(now.UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	return s.ensureSchedule(tx, now)
}

const jobDaily = "ssr.daily"

type schedule struct {
	Generation int       `json:"generation"`
	Next       time.Time `json:"next"`
}

type dailyJob struct {
	Generation int `json:"generation"`
}

// nextMidnight is the next 00:00 UTC after now.
func nextMidnight(now time.Time) time.Time {
	d := now.UTC().Truncate(24 * time.Hour)
	return d.Add(24 * time.Hour)
}

// ensureSchedule makes sure the daily generation is scheduled.
func (s *Service) ensureSchedule(tx store.Tx, now time.Time) error {
	var sc schedule
	err := store.GetJSON(tx, kSchedule, &sc)
	if err == nil && !sc.Next.Before(now.Add(-time.Hour)) {
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.scheduleDaily(tx, &sc, now)
}

func (s *Service) scheduleDaily(tx store.Tx, sc *schedule, now time.Time) error {
	sc.Generation++
	sc.Next = nextMidnight(now)
	if err := store.PutJSON(tx, kSchedule, sc); err != nil {
		return err
	}
	_, err := s.opt.Jobs.Enqueue(tx, jobDaily, dailyJob{Generation: sc.Generation}, now, sc.Next)
	return err
}

// runDaily generates the day's reports: patch and backup reports every
// day, incident reports on Mondays, for every registered account and
// every organization whose trusted access is still enabled; then it
// schedules the next day.
func (s *Service) runDaily(_ context.Context, tx store.Tx, now time.Time, job *jobs.Job) error {
	var p dailyJob
	if err := job.Decode(&p); err != nil {
		return err
	}
	var sc schedule
	if err := store.GetJSON(tx, kSchedule, &sc); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	if sc.Generation != p.Generation {
		return nil
	}
	types := []string{string(ReportTypePatch), string(ReportTypeBackup)}
	if now.UTC().Weekday() == time.Monday {
		types = append(types, string(ReportTypeIncident))
	}
	accounts, err := registered(tx, "ssr/accounts/")
	if err != nil {
		return err
	}
	for _, a := range accounts {
		for _, typ := range types {
			if _, err := s.generateAccount(tx, typ, a, now); err != nil {
				return err
			}
		}
	}
	orgs, err := registered(tx, "ssr/orgs/")
	if err != nil {
		return err
	}
	for _, org := range orgs {
		enabled, _, err := s.opt.Org.AccessEnabled(tx, org, Principal)
		if err != nil {
			return err
		}
		if !enabled {
			// Collection stops; the history stays.
			if err := tx.Delete(kOrgRegistry(org)); err != nil {
				return err
			}
			continue
		}
		for _, typ := range types {
			if _, err := s.generateOrg(tx, typ, org, now); err != nil {
				return err
			}
		}
	}
	return s.scheduleDaily(tx, &sc, now)
}

func registered(tx store.Tx, prefix string) ([]string, error) {
	var out []string
	err := tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
		out = append(out, strings.TrimPrefix(k, prefix))
		return true, nil
	})
	return out, err
}
