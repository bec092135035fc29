package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run or a scale run against one server.
type Report struct {
	Label       string       `json:"label"`
	Endpoint    string       `json:"endpoint"`
	Started     time.Time    `json:"started"`
	DurationSec float64      `json:"durationSecondsPerMeasurement"`
	Server      *ServerInfo  `json:"server,omitempty"`
	Setup       *SetupResult `json:"setup,omitempty"`
	Memory      Memory       `json:"memory"`
	Results     []OpResult   `json:"results,omitempty"`
	Scale       []ScalePoint `json:"scale,omitempty"`
}

// ServerInfo is the measured server process.
type ServerInfo struct {
	PID       int    `json:"pid"`
	Command   string `json:"command"`
	PeakBytes int64  `json:"peakResidentBytes"` // VmHWM at the last sample
}

// Memory is the server's resident memory (VmRSS) at points of the run;
// zero when the server process is unknown.
type Memory struct {
	AfterOrganizationBytes int64 `json:"afterOrganizationBytes"`
	AfterSetupBytes        int64 `json:"afterSetupBytes"`
	AfterRunBytes          int64 `json:"afterRunBytes,omitempty"`
}

func mb(b int64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}

// table prints a run's report for a terminal.
func (r *Report) table(w io.Writer) {
	fmt.Fprintf(w, "%s (%s)\n", r.Label, r.Endpoint)
	if r.Server != nil {
		fmt.Fprintf(w, "server: pid %d: %s\n", r.Server.PID, r.Server.Command)
	}
	if s := r.Setup; s != nil {
		fmt.Fprintf(w, "setup: CreateOrganization %.1f ms; %d accounts in %.2f s (%.0f accounts/s, %d at a time)", s.CreateOrganizationMs, s.Accounts, s.CreateAccountsSec, s.AccountsPerSec, s.Concurrency)
		if len(s.Errors) > 0 {
			fmt.Fprintf(w, "; failed: %s", codes(s.Errors))
		}
		fmt.Fprintln(w)
	}
	if r.Server != nil {
		fmt.Fprintf(w, "resident memory: after CreateOrganization %s, after setup %s", mb(r.Memory.AfterOrganizationBytes), mb(r.Memory.AfterSetupBytes))
		if r.Memory.AfterRunBytes != 0 {
			fmt.Fprintf(w, ", after the run %s", mb(r.Memory.AfterRunBytes))
		}
		fmt.Fprintf(w, ", peak %s\n", mb(r.Server.PeakBytes))
	}
	if len(r.Results) > 0 {
		fmt.Fprintln(w)
		resultsTable(w, r.Results)
	}
	if len(r.Scale) > 0 {
		fmt.Fprintln(w)
		scaleTable(w, r.Scale)
	}
}

func resultsTable(w io.Writer, results []OpResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tconc\tops/s\treq/s\tp50 ms\tp99 ms\tmax ms\terrors\t")
	for _, res := range results {
		if res.Unsupported != "" {
			fmt.Fprintf(tw, "%s\t%d\tunsupported (%s)\t\t\t\t\t\t\n", res.Op, res.Concurrency, res.Unsupported)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f\t%.2f\t%.1f\t%s\t\n", res.Op, res.Concurrency, res.OpsPerSec, res.CallsPerSec, res.P50Ms, res.P99Ms, res.MaxMs, errorsText(res))
	}
	tw.Flush()
}

func errorsText(res OpResult) string {
	if res.Errors == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", res.Errors, codes(res.ErrorCodes))
}

func codes(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s×%d", k, v))
	}
	return strings.Join(parts, ", ")
}

func readReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &r, nil
}

// runCompare prints run reports side by side as Markdown: each report's
// requests per second and p99, and its ratio to the baseline's, then the
// issue's targets, each marked as holding or not.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orgbench compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baseline := fs.String("baseline", "", "the report the others are compared with (moto's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *baseline == "" || fs.NArg() == 0 {
		return usageError{errors.New("compare: want --baseline BASE.json and at least one other report")}
	}
	base, err := readReport(*baseline)
	if err != nil {
		return err
	}
	var others []*Report
	for _, p := range fs.Args() {
		r, err := readReport(p)
		if err != nil {
			return err
		}
		others = append(others, r)
	}
	compareTable(stdout, base, others)
	fmt.Fprintln(stdout)
	targetsTable(stdout, base, others)
	return nil
}

func find(r *Report, op string, conc int) *OpResult {
	for i := range r.Results {
		if r.Results[i].Op == op && r.Results[i].Concurrency == conc {
			return &r.Results[i]
		}
	}
	return nil
}

func rateCell(res *OpResult) string {
	switch {
	case res == nil:
		return "—"
	case res.Unsupported != "":
		return "unsupported"
	}
	s := fmt.Sprintf("%.0f", res.CallsPerSec)
	if res.Errors > 0 {
		s += fmt.Sprintf(" (%d errors)", res.Errors)
	}
	return s
}

func ratio(x, base float64) string {
	if x == 0 || base == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f×", x/base)
}

// usable says whether res measured something comparable.
func usable(res *OpResult) bool {
	return res != nil && res.Unsupported == "" && res.Calls > 0
}

func compareTable(w io.Writer, base *Report, others []*Report) {
	head := "| operation | conc | " + base.Label + " req/s | p99 ms"
	sep := "|---|--:|--:|--:"
	for _, o := range others {
		head += " | " + o.Label + " req/s | × " + base.Label + " | p99 ms"
		sep += "|--:|--:|--:"
	}
	fmt.Fprintln(w, head+" |")
	fmt.Fprintln(w, sep+"|")
	for _, b := range base.Results {
		line := fmt.Sprintf("| %s | %d | %s | %s", b.Op, b.Concurrency, rateCell(&b), p99Cell(&b))
		for _, o := range others {
			res := find(o, b.Op, b.Concurrency)
			x := "—"
			if usable(res) && usable(&b) {
				x = ratio(res.CallsPerSec, b.CallsPerSec)
			}
			line += fmt.Sprintf(" | %s | %s | %s", rateCell(res), x, p99Cell(res))
		}
		fmt.Fprintln(w, line+" |")
	}
	if base.Setup != nil {
		line := fmt.Sprintf("| setup: %d accounts, seconds | %d | %.2f | ", base.Setup.Accounts, base.Setup.Concurrency, base.Setup.TotalSec)
		for _, o := range others {
			if o.Setup == nil {
				line += " | — | — | "
				continue
			}
			line += fmt.Sprintf(" | %.2f | %s faster | ", o.Setup.TotalSec, ratio(base.Setup.TotalSec, o.Setup.TotalSec))
		}
		fmt.Fprintln(w, line+" |")
	}
	line := "| resident memory after setup | | " + mb(base.Memory.AfterSetupBytes) + " | "
	for _, o := range others {
		line += " | " + mb(o.Memory.AfterSetupBytes) + " | | "
	}
	fmt.Fprintln(w, line+" |")
	line = "| peak resident memory (whole run) | | " + peakMB(base) + " | "
	for _, o := range others {
		line += " | " + peakMB(o) + " | | "
	}
	fmt.Fprintln(w, line+" |")
}

func peakMB(r *Report) string {
	if r.Server == nil {
		return "n/a"
	}
	return mb(r.Server.PeakBytes)
}

func p99Cell(res *OpResult) string {
	if !usable(res) {
		return "—"
	}
	return fmt.Sprintf("%.2f", res.P99Ms)
}

// targetsTable checks the targets the benchmark exists for, against the
// baseline, for each other report.
func targetsTable(w io.Writer, base *Report, others []*Report) {
	fmt.Fprintf(w, "| target (concurrency 8, against %s) |", base.Label)
	sep := "|---|"
	for _, o := range others {
		fmt.Fprintf(w, " %s |", o.Label)
		sep += "---|"
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, sep)
	verdict := func(ok bool, format string, args ...any) string {
		mark := "misses"
		if ok {
			mark = "holds"
		}
		return mark + ": " + fmt.Sprintf(format, args...)
	}
	row := func(name string, cell func(o *Report) string) {
		fmt.Fprintf(w, "| %s |", name)
		for _, o := range others {
			fmt.Fprintf(w, " %s |", cell(o))
		}
		fmt.Fprintln(w)
	}
	speedup := func(op string, want float64) func(o *Report) string {
		return func(o *Report) string {
			b, res := find(base, op, 8), find(o, op, 8)
			if !usable(res) {
				return "not measured"
			}
			if !usable(b) {
				return fmt.Sprintf("%s has no comparable figure", base.Label)
			}
			x := res.CallsPerSec / b.CallsPerSec
			return verdict(x >= want && res.Errors == 0, "%.1f×", x)
		}
	}
	row(opDescribeOrganization+" ≥ 20× req/s", speedup(opDescribeOrganization, 20))
	row(opListServiceAccess+" ≥ 20× req/s", speedup(opListServiceAccess, 20))
	row("trusted-access write cycles ≥ 10×", speedup(opTrustedAccess, 10))
	row("delegated-administrator write cycles ≥ 10×", speedup(opDelegatedAdmin, 10))
	row("accounts created ≥ 7× faster", func(o *Report) string {
		if base.Setup == nil || o.Setup == nil || o.Setup.TotalSec == 0 {
			return "not measured"
		}
		x := base.Setup.TotalSec / o.Setup.TotalSec
		return verdict(x >= 7, "%.1f× (%d accounts: %.2f s against %.2f s)", x, o.Setup.Accounts, o.Setup.TotalSec, base.Setup.TotalSec)
	})
	row("resident memory after 1,000 accounts ≤ 50 MB", func(o *Report) string {
		if o.Memory.AfterSetupBytes == 0 || o.Setup == nil {
			return "not measured"
		}
		if o.Setup.Accounts < 1000 {
			return fmt.Sprintf("not measured (%d accounts)", o.Setup.Accounts)
		}
		return verdict(o.Memory.AfterSetupBytes <= 50<<20, "%s", mb(o.Memory.AfterSetupBytes))
	})
	row("p99 < 10 ms for every request", func(o *Report) string {
		worst, name, n := 0.0, "", 0
		for _, res := range o.Results {
			if res.Concurrency != 8 || !usable(&res) {
				continue
			}
			n++
			if res.P99Ms > worst {
				worst, name = res.P99Ms, res.Op
			}
		}
		if n == 0 {
			return "not measured"
		}
		return verdict(worst < 10, "worst %.2f ms (%s)", worst, name)
	})
}
