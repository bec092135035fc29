package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/sigv4"
	"github.com/orgstack/orgstack/internal/ssr"
	"github.com/orgstack/orgstack/internal/wire"
)

const ssrUsage = `usage: orgstack ssr <command> [flags]

Self-Service Reporting (patch, backup and incident reports), called with
the standard AWS settings: credentials from the environment, the shared
files or a profile (--profile, AWS_PROFILE), the region (--region,
AWS_REGION), and the endpoint (--endpoint-url, AWS_ENDPOINT_URL_SELFSERVICEREPORTING,
AWS_ENDPOINT_URL, or a profile's endpoint_url).

commands:
  report-types                       the report types and their columns
  report   --type T [--organization] [--date YYYY-MM-DD] [--account ID]...
           [--filter column=v1,v2]... [--output table|csv|json]
                                     a report: totals and rows
  generate --type T [--organization] generate a report now
  list     --type T [--organization] the kept reports, newest first

T is PATCH, BACKUP or INCIDENT. --organization is the organization view
(the management account or the delegated administrator).
`

func ssrCommand(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, ssrUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("orgstack ssr "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint-url", "", "the server's `URL`")
	region := fs.String("region", "", "the `REGION` to sign for")
	profile := fs.String("profile", "", "the shared-configuration `PROFILE`")
	typ := fs.String("type", "", "the report type: PATCH, BACKUP or INCIDENT")
	org := fs.Bool("organization", false, "the organization view")
	date := fs.String("date", "", "the report's `DAY` (default: the latest)")
	output := fs.String("output", "table", "table, csv or json")
	var accounts, filters multiFlag
	fs.Var(&accounts, "account", "only this account's rows (organization view; repeatable)")
	fs.Var(&filters, "filter", "`column=v1,v2`: only rows whose column is one of the values (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := newSSRClient(*endpoint, *region, *profile, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "orgstack ssr:", err)
		return 1
	}
	scope := ssr.ReportScopeAccount
	if *org {
		scope = ssr.ReportScopeOrganization
	}
	rt := ssr.ReportType(strings.ToUpper(*typ))
	needType := func() bool {
		if rt == "" {
			fmt.Fprintln(stderr, "orgstack ssr "+cmd+": --type is required")
			return false
		}
		return true
	}
	var fl []ssr.ReportFilter
	for _, f := range filters {
		name, values, ok := strings.Cut(f, "=")
		if !ok {
			fmt.Fprintf(stderr, "orgstack ssr: --filter %q is not column=v1,v2\n", f)
			return 2
		}
		fl = append(fl, ssr.ReportFilter{Name: name, Values: strings.Split(values, ",")})
	}
	switch cmd {
	case "report-types":
		var out ssr.ListReportTypesResponse
		if err := c.call("ListReportTypes", &ssr.ListReportTypesRequest{}, &out); err != nil {
			return c.fail(stderr, err)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "TYPE\tNAME\tFREQUENCY\tCOLUMNS")
		for _, t := range out.ReportTypes {
			var cols []string
			for _, col := range t.Columns {
				cols = append(cols, col.Name)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.ReportType, t.Name, t.Frequency, strings.Join(cols, ","))
		}
		_ = w.Flush()
	case "generate":
		if !needType() {
			return 2
		}
		var out ssr.GenerateReportResponse
		if err := c.call("GenerateReport", &ssr.GenerateReportRequest{ReportType: rt, Scope: scope}, &out); err != nil {
			return c.fail(stderr, err)
		}
		fmt.Fprintf(stdout, "%s %s report for %s generated at %s: %d rows\n", out.Report.ReportType, strings.ToLower(string(out.Report.Scope)),
			out.Report.Date, out.Report.GeneratedAt.UTC().Format(time.RFC3339), deref(out.Report.RowCount))
	case "list":
		if !needType() {
			return 2
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "DATE\tGENERATED\tACCOUNTS\tROWS")
		token := ""
		for {
			var out ssr.ListReportsResponse
			if err := c.call("ListReports", &ssr.ListReportsRequest{ReportType: rt, Scope: scope, NextToken: token}, &out); err != nil {
				return c.fail(stderr, err)
			}
			for _, r := range out.Reports {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", r.Date, r.GeneratedAt.UTC().Format(time.RFC3339), len(r.Accounts), deref(r.RowCount))
			}
			if token = out.NextToken; token == "" {
				break
			}
		}
		_ = w.Flush()
	case "report":
		if !needType() {
			return 2
		}
		switch *output {
		case "csv":
			var out ssr.ExportReportResponse
			if err := c.call("ExportReport", &ssr.ExportReportRequest{ReportType: rt, Scope: scope, Date: *date, AccountIds: accounts,
				Filters: fl, Format: ssr.ExportFormatCsv}, &out); err != nil {
				return c.fail(stderr, err)
			}
			fmt.Fprint(stdout, out.Content)
			return 0
		case "table", "json":
		default:
			fmt.Fprintf(stderr, "orgstack ssr: --output %q is not table, csv or json\n", *output)
			return 2
		}
		var all ssr.GetReportResponse
		token := ""
		for {
			var out ssr.GetReportResponse
			if err := c.call("GetReport", &ssr.GetReportRequest{ReportType: rt, Scope: scope, Date: *date, AccountIds: accounts,
				Filters: fl, NextToken: token}, &out); err != nil {
				return c.fail(stderr, err)
			}
			rows := append(all.Rows, out.Rows...)
			all = out
			all.Rows = rows
			if token = out.NextToken; token == "" {
				break
			}
		}
		if *output == "json" {
			op := ssr.ServiceModel().Operation("GetReport")
			b := protocol.AppendJSON(nil, op.Output, reflect.ValueOf(&all), false)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, b, "", "  "); err != nil {
				return c.fail(stderr, err)
			}
			fmt.Fprintln(stdout, pretty.String())
			return 0
		}
		printReport(stdout, &all)
	default:
		fmt.Fprintf(stderr, "orgstack ssr: unknown command %q\n\n%s", cmd, ssrUsage)
		return 2
	}
	return 0
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// printReport prints a report's metadata, totals (per account for an
// organization report) and rows as tables.
func printReport(w io.Writer, r *ssr.GetReportResponse) {
	md := r.Report
	fmt.Fprintf(w, "%s report, %s, %s (generated %s)\n", md.ReportType, strings.ToLower(string(md.Scope)), md.Date, md.GeneratedAt.UTC().Format(time.RFC3339))
	if md.OrganizationId != "" {
		fmt.Fprintf(w, "organization %s, %d accounts\n", md.OrganizationId, len(md.Accounts))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	names, total := summaryFields(r.Summary)
	fmt.Fprintln(tw, "ACCOUNT\t"+strings.Join(names, "\t"))
	for _, a := range r.AccountSummaries {
		_, vals := summaryFields(a.Summary)
		fmt.Fprintln(tw, a.AccountId+"\t"+strings.Join(vals, "\t"))
	}
	fmt.Fprintln(tw, "TOTAL\t"+strings.Join(total, "\t"))
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(r.Columns, "\t")))
	for _, row := range r.Rows {
		vals := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			vals[i] = row[c]
		}
		fmt.Fprintln(tw, strings.Join(vals, "\t"))
	}
	_ = tw.Flush()
}

// summaryFields flattens a summary into column names and values.
func summaryFields(s *ssr.ReportSummary) (names, values []string) {
	add := func(name string, v any) {
		names = append(names, name)
		switch x := v.(type) {
		case *int32:
			values = append(values, strconv.Itoa(int(deref(x))))
		case *float64:
			if x == nil {
				values = append(values, "-")
			} else {
				values = append(values, strconv.FormatFloat(*x, 'f', 2, 64))
			}
		}
	}
	switch {
	case s == nil:
	case s.Patch != nil:
		p := s.Patch
		add("INSTANCES", p.Instances)
		add("COMPLIANT", p.CompliantInstances)
		add("NON_COMPLIANT", p.NonCompliantInstances)
		add("UNREPORTED", p.UnreportedInstances)
		add("COMPLIANT_%", p.CompliancePercentage)
		add("MISSING", p.MissingPatches)
		add("CRITICAL_MISSING", p.CriticalMissingPatches)
		add("FAILED", p.FailedPatches)
	case s.Backup != nil:
		b := s.Backup
		add("RESOURCES", b.Resources)
		add("PROTECTED", b.ProtectedResources)
		add("UNPROTECTED", b.UnprotectedResources)
		add("COVERAGE_%", b.CoveragePercentage)
		add("FAILED_LAST_JOBS", b.FailedLastJobs)
	case s.Incident != nil:
		in := s.Incident
		add("OPENED", in.Opened)
		add("RESOLVED", in.Resolved)
		add("OPEN", in.Open)
		add("MTTR_HOURS", in.MeanTimeToResolveHours)
		var sev []string
		for k := range in.BySeverity {
			sev = append(sev, k)
		}
		slices.Sort(sev)
		for _, k := range sev {
			names = append(names, "SEV_"+k)
			values = append(values, strconv.Itoa(int(in.BySeverity[k])))
		}
	}
	return names, values
}

// ssrClient calls the Self-Service Reporting API with SigV4.
type ssrClient struct {
	endpoint, region   string
	key, secret, token string
	http               *http.Client
	op                 string
}

func newSSRClient(endpoint, region, profile string, getenv func(string) string) (*ssrClient, error) {
	ctx := context.Background()
	cfg, err := loadAWSConfig(ctx, region, profile)
	if err != nil {
		return nil, err
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials found")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials: %w", err)
	}
	switch {
	case endpoint != "":
	case getenv("AWS_ENDPOINT_URL_SELFSERVICEREPORTING") != "":
		endpoint = getenv("AWS_ENDPOINT_URL_SELFSERVICEREPORTING")
	case cfg.BaseEndpoint != nil:
		endpoint = *cfg.BaseEndpoint
	default:
		endpoint = defaultEndpoint(getenv)
	}
	return &ssrClient{endpoint: strings.TrimRight(endpoint, "/") + "/", region: cfg.Region, key: creds.AccessKeyID,
		secret: creds.SecretAccessKey, token: creds.SessionToken, http: &http.Client{Timeout: 60 * time.Second}}, nil
}

// apiError is an error answered by the service.
type apiError struct{ code, message string }

func (e *apiError) Error() string { return e.code + ": " + e.message }

// call runs one operation: in and out are the generated request and
// response types, encoded and decoded with the service model.
func (c *ssrClient) call(op string, in, out any) error {
	c.op = op
	m := ssr.ServiceModel()
	o := m.Operation(op)
	body := protocol.AppendJSON(nil, o.Input, reflect.ValueOf(in), false)
	req, err := http.NewRequest(http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", m.TargetPrefix+"."+op)
	sigv4.Sign(req, body, c.key, c.secret, c.token, c.region, m.SigningName, time.Now())
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	doc, err := protocol.ParseJSON(raw)
	if err != nil {
		return fmt.Errorf("%s: HTTP %d: %s", op, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		e := &apiError{code: "HTTP" + strconv.Itoa(resp.StatusCode)}
		if d, ok := doc.(map[string]any); ok {
			if t, ok := d["__type"].(string); ok {
				e.code = t[strings.LastIndexByte(t, '#')+1:]
			}
			for _, k := range []string{"message", "Message"} {
				if msg, ok := d[k].(string); ok {
					e.message = msg
				}
			}
		}
		return e
	}
	v, err := protocol.FromJSON(o.Output, doc)
	if err != nil {
		return err
	}
	if vs := wire.Bind(o.Output, v.(map[string]any), out); len(vs) > 0 {
		return fmt.Errorf("%s: unexpected response: %s", op, wire.Message(vs))
	}
	return nil
}

// fail prints an error the way the AWS CLI does.
func (c *ssrClient) fail(stderr io.Writer, err error) int {
	var e *apiError
	if errors.As(err, &e) {
		fmt.Fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n", e.code, c.op, e.message)
		return 254
	}
	fmt.Fprintln(stderr, "orgstack ssr:", err)
	return 1
}
