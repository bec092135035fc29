package ssr

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/orgstack/orgstack/internal/protocol"
)

// encode renders rows as CSV (a header line, then one line per row) or as
// a JSON array of objects whose keys are the columns, in column order.
func encode(rt reportType, rows [][]string, format string) ([]byte, string, error) {
	cols := rt.columnNames()
	var b bytes.Buffer
	switch format {
	case string(ExportFormatCsv):
		w := csv.NewWriter(&b)
		if err := w.Write(cols); err != nil {
			return nil, "", err
		}
		if err := w.WriteAll(rows); err != nil {
			return nil, "", err
		}
		return b.Bytes(), "text/csv", nil
	case string(ExportFormatJson):
		buf := []byte{'['}
		for i, row := range rows {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '{')
			for j, c := range cols {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = protocol.AppendJSONString(buf, c)
				buf = append(buf, ':')
				buf = protocol.AppendJSONString(buf, row[j])
			}
			buf = append(buf, '}')
		}
		return append(buf, ']', '\n'), "application/json", nil
	}
	return nil, "", errValidation(fmt.Sprintf("The format %s isn't CSV or JSON.", format))
}

// fileName is a report's file name: <type>-<scope>-<date>.<ext>.
func fileName(r *report, format string) string {
	return strings.ToLower(r.Type) + "-" + strings.ToLower(r.Scope) + "-" + r.Date + "." + strings.ToLower(format)
}

// Bucket is the name of the bucket AMS delivers an account's datasets to.
func Bucket(account string) string { return "ams-reporting-data-a" + account }

// datasetDir is where a report's dataset files go: the bucket of the
// report's account (the management account for an organization report),
// by report type, organization reports under organization/.
func (s *Service) datasetDir(r *report) string {
	dir := filepath.Join(s.opt.DataDir, Bucket(r.Account))
	if r.Scope == string(ReportScopeOrganization) {
		dir = filepath.Join(dir, "organization")
	}
	return filepath.Join(dir, strings.ToLower(r.Type))
}

// writeDataset writes a report as <date>.csv and <date>.json in its
// dataset directory (nothing without a data directory). Files are
// replaced atomically; they are copies of the stored report, rewritten
// whenever it is.
func (s *Service) writeDataset(r *report) error {
	if s.opt.DataDir == "" {
		return nil
	}
	rt, ok := reportTypeOf(ReportType(r.Type))
	if !ok {
		return nil
	}
	dir := s.datasetDir(r)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, format := range []string{string(ExportFormatCsv), string(ExportFormatJson)} {
		content, _, err := encode(rt, r.Rows, format)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, r.Date+"."+strings.ToLower(format))
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, content, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return nil
}
