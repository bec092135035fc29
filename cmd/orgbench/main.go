// Command orgbench measures an AWS Organizations endpoint on this machine
// — orgstack, moto's server, or any other emulator — with aws-sdk-go-v2.
//
//	orgbench run [flags]      set up an organization of N accounts, then load it
//	orgbench scale [flags]    per-request cost and memory as the organization grows
//	orgbench compare --baseline moto.json orgstack.json ...
//	                          a side-by-side Markdown table of run reports, with ratios
//
// run creates an organization (CreateOrganization, then CreateAccount and
// DescribeCreateAccountStatus until each account exists), timing it, then
// for a fixed time at each concurrency runs DescribeOrganization,
// ListAccounts through every page, EnableAWSServiceAccess/
// DisableAWSServiceAccess cycles, RegisterDelegatedAdministrator/
// DeregisterDelegatedAdministrator cycles and
// ListAWSServiceAccessForOrganization, and reports requests per second,
// p50 and p99 latency per request, errors per operation, and the server's
// resident memory. Every request is signed (SigV4) with the given keys, so
// a server in an enforcing mode verifies and authorizes each one.
//
// It only talks to loopback addresses, and it wipes the server's state
// first (POST /moto-api/reset) unless --reset=false.
//
// The client shares the machine with the server it measures, so it keeps
// its own footprint small: unless GOGC is set, its garbage collector runs
// a quarter as often as Go's default (GOGC=400). The SDK allocates a lot
// per response, and a collector that takes a CPU away from the server
// shows up in the server's latency.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clientGOGC is the client's GOGC when the environment sets none.
const clientGOGC = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(clientGOGC)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  orgbench run [flags]       set up an organization, then load it (orgbench run -h)
  orgbench scale [flags]     per-request cost and memory at growing sizes (orgbench scale -h)
  orgbench compare --baseline BASE.json OTHER.json...   side-by-side Markdown table
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = runLoad(ctx, args[1:], stdout, stderr)
	case "scale":
		err = runScale(ctx, args[1:], stdout, stderr)
	case "compare":
		err = runCompare(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "orgbench: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "orgbench:", err)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "orgbench:", err)
		return 1
	}
	return 0
}

type usageError struct{ error }

// common are the flags of run and scale.
type common struct {
	target
	label            string
	serverPID        int
	reset            bool
	setupConcurrency int
	duration         time.Duration
	warmup           time.Duration
	timeout          time.Duration
	jsonOut          string
	cpuProfile       string
}

func (c *common) flags(fs *flag.FlagSet) {
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:4590"
	}
	fs.StringVar(&c.Endpoint, "endpoint", endpoint, "the server's URL; loopback addresses only")
	fs.StringVar(&c.label, "label", "", "a name for the server in reports (default: the endpoint)")
	fs.StringVar(&c.AccessKey, "access-key", "111111111111", "access key id; a 12-digit id is that account's root user on orgstack and moto (on orgstack in enforce mode its secret is --root-secret)")
	fs.StringVar(&c.SecretKey, "secret-key", "orgbench", "secret access key")
	fs.StringVar(&c.Region, "region", "us-east-1", "region to sign for")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the server's process id, for its resident memory (default: the process listening on the endpoint's port)")
	fs.BoolVar(&c.reset, "reset", true, "wipe the server's state first with POST /moto-api/reset")
	fs.IntVar(&c.setupConcurrency, "setup-concurrency", 8, "accounts created at a time during setup")
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "how long each operation runs at each concurrency (after the warmup)")
	fs.DurationVar(&c.warmup, "warmup", 300*time.Millisecond, "unmeasured time before each measurement")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Minute, "stop everything after this long")
	fs.StringVar(&c.jsonOut, "json", "", "also write the report as JSON to this file (- for standard output, instead of the table)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write orgbench's own CPU profile (pprof) to this file: how much of the machine the client takes")
}

// profile starts orgbench's CPU profile when --cpuprofile asks for one;
// the returned function stops it.
func (c *common) profile() (stop func(), err error) {
	if c.cpuProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(c.cpuProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// prepare checks the endpoint and finds the server's process.
func (c *common) prepare(ctx context.Context, stderr io.Writer) (*Report, error) {
	if err := checkLoopback(ctx, c.Endpoint); err != nil {
		return nil, err
	}
	if c.duration <= 0 || c.warmup < 0 || c.setupConcurrency < 1 {
		return nil, usageError{errors.New("--duration must be positive, --warmup not negative, --setup-concurrency at least 1")}
	}
	r := &Report{Label: c.label, Endpoint: c.Endpoint, Started: time.Now().UTC(), DurationSec: c.duration.Seconds()}
	if r.Label == "" {
		r.Label = c.Endpoint
	}
	pid := c.serverPID
	if pid == 0 {
		var err error
		if pid, err = listeningPID(c.Endpoint); err != nil {
			fmt.Fprintf(stderr, "orgbench: the server's memory will not be reported: %v\n", err)
		}
	}
	if pid != 0 {
		if _, _, err := residentMemory(pid); err != nil {
			return nil, fmt.Errorf("--server-pid %d: %v", pid, err)
		}
		r.Server = &ServerInfo{PID: pid, Command: commandLine(pid)}
	}
	if c.reset {
		if err := resetServer(ctx, c.Endpoint); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// memory samples the server's resident memory, or 0 when unknown.
func (r *Report) memory() int64 {
	if r.Server == nil {
		return 0
	}
	rss, peak, err := residentMemory(r.Server.PID)
	if err != nil {
		return 0
	}
	r.Server.PeakBytes = max(r.Server.PeakBytes, peak)
	return rss
}

func commandLine(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orgbench run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.flags(fs)
	accounts := fs.Int("accounts", 100, "member accounts to create (the server's quota must allow them: orgstack serve --max-accounts)")
	concList := fs.String("concurrency", "1,8", "comma-separated numbers of concurrent clients")
	opsList := fs.String("ops", strings.Join(opNames(), ","), "comma-separated operations to run: "+strings.Join(opNames(), ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	concs, err := intList(*concList)
	if err != nil {
		return usageError{fmt.Errorf("--concurrency: %v", err)}
	}
	ops, err := parseOps(*opsList)
	if err != nil {
		return usageError{err}
	}
	if *accounts < 0 {
		return usageError{errors.New("--accounts must not be negative")}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	r, err := c.prepare(ctx, stderr)
	if err != nil {
		return err
	}
	stopProfile, err := c.profile()
	if err != nil {
		return err
	}
	defer stopProfile()
	client := newClient(c.target, max(slicesMax(concs), c.setupConcurrency))

	progress(stderr, r.Label, "creating an organization and %d accounts", *accounts)
	start := time.Now()
	org, took, err := createOrganization(ctx, client)
	if err != nil {
		return err
	}
	r.Memory.AfterOrganizationBytes = r.memory()
	setup, err := grow(ctx, client, org, *accounts, c.setupConcurrency)
	setup.CreateOrganizationMs = ms(took)
	setup.TotalSec = time.Since(start).Seconds()
	r.Setup = &setup
	if err != nil {
		return err
	}
	r.Memory.AfterSetupBytes = r.memory()
	progress(stderr, r.Label, "%d accounts in %.1fs", setup.Accounts, setup.TotalSec)

	w := newWorkload(ctx, client, org)
	for _, conc := range concs {
		for _, op := range ops {
			progress(stderr, r.Label, "%s at concurrency %d", op, conc)
			res := w.measure(ctx, op, conc, c.warmup, c.duration)
			if err := ctx.Err(); err != nil {
				return err
			}
			r.Results = append(r.Results, res)
		}
	}
	r.Memory.AfterRunBytes = r.memory()
	return r.write(c.jsonOut, stdout)
}

func opNames() []string { return allOps }

func parseOps(s string) ([]string, error) {
	var ops []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found := ""
		for _, op := range allOps {
			if strings.EqualFold(op, name) || strings.EqualFold(strings.Fields(op)[0], name) {
				found = op
			}
		}
		if found == "" {
			return nil, fmt.Errorf("--ops: unknown operation %q (known: %s)", name, strings.Join(allOps, ", "))
		}
		ops = append(ops, found)
	}
	if len(ops) == 0 {
		return nil, errors.New("--ops: no operation")
	}
	return ops, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ReplaceAll(f, "_", ""))
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func progress(w io.Writer, label, format string, args ...any) {
	fmt.Fprintf(w, "orgbench: %s: %s\n", label, fmt.Sprintf(format, args...))
}

// write prints the report as a table, or as JSON to a file or to stdout.
func (r *Report) write(jsonOut string, stdout io.Writer) error {
	if jsonOut != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if jsonOut == "-" {
			_, err = stdout.Write(b)
			return err
		}
		if err := os.WriteFile(jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	r.table(stdout)
	return nil
}
