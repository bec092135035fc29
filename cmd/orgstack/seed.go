package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/orgstack/orgstack/internal/app"
	"github.com/orgstack/orgstack/internal/seed"
)

const seedUsage = `usage: orgstack seed [flags] FILE.yaml

Creates the organization FILE.yaml describes — OUs, accounts, policies and
their attachments, trusted services, delegated administrators, IAM users
and roles — on a running server, through the AWS APIs, acting as the
management account of the credentials. What exists already (matched by
name, accounts by e-mail) is kept; running it twice changes nothing.
The file is checked before any call is made.

Standard AWS settings: credentials from the environment, the shared files
or a profile (--profile, AWS_PROFILE), the region (--region, AWS_REGION;
default us-east-1), the endpoint (--endpoint-url, AWS_ENDPOINT_URL, a
profile's endpoint_url; default http://127.0.0.1:4590).

flags:
`

func seedCommand(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("orgstack seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, seedUsage)
		fs.PrintDefaults()
	}
	endpoint := fs.String("endpoint-url", "", "the server's `URL`")
	region := fs.String("region", "", "the `REGION` to sign for")
	profile := fs.String("profile", "", "the shared-configuration `PROFILE`")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	check := fs.Bool("check", false, "only check the file; call nothing")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	f, err := seed.Parse(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *check {
		if !*quiet {
			fmt.Fprintf(stdout, "%s: ok\n", path)
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := seedConfig(ctx, *endpoint, *region, *profile, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "orgstack seed:", err)
		return 1
	}
	start := time.Now()
	res, err := seed.Apply(ctx, f, seed.Options{Config: cfg, Progress: seed.NewProgress(stderr, isTerminal(stderr), *quiet)})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stdout, "%s: organization %s (management account %s): %s in %s\n",
			path, res.OrganizationID, res.ManagementAccount, res.Counts, time.Since(start).Round(time.Millisecond))
	}
	return 0
}

// seedConfig loads the standard AWS configuration, with orgstack's
// address when no endpoint is configured anywhere.
func seedConfig(ctx context.Context, endpoint, region, profile string, getenv func(string) string) (aws.Config, error) {
	cfg, err := loadAWSConfig(ctx, region, profile)
	if err != nil {
		return cfg, err
	}
	switch {
	case endpoint != "":
		cfg.BaseEndpoint = aws.String(endpoint)
	case cfg.BaseEndpoint != nil, serviceEndpointSet(getenv):
	default:
		cfg.BaseEndpoint = aws.String(defaultEndpoint(getenv))
	}
	return cfg, nil
}

// loadAWSConfig loads the standard AWS configuration (environment, shared
// files), with the region and profile given on the command line if any;
// the region defaults to us-east-1.
func loadAWSConfig(ctx context.Context, region, profile string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err == nil && cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, err
}

// serviceEndpointSet reports whether every service seed calls has its own
// endpoint variable.
func serviceEndpointSet(getenv func(string) string) bool {
	for _, s := range []string{"ORGANIZATIONS", "IAM", "STS"} {
		if getenv("AWS_ENDPOINT_URL_"+s) == "" {
			return false
		}
	}
	return true
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// fileSeeder is serve's --seed: the file is parsed before the server
// starts, and applied against its own listener as the management
// account's root user.
type fileSeeder struct {
	file *seed.File
}

func (s *fileSeeder) Seed(ctx context.Context, t app.SeedTarget) error {
	account := s.file.ManagementAccount.Value
	if account == "" {
		account = t.DefaultAccount
	}
	key, secret, err := t.RootCredentials(account)
	if err != nil {
		return err
	}
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, "")),
		BaseEndpoint: aws.String(t.Endpoint),
	}
	start := time.Now()
	t.Logger.Info("seeding", "file", t.File, "management_account", account)
	res, err := seed.Apply(ctx, s.file, seed.Options{Config: cfg})
	if err != nil {
		return err
	}
	t.Logger.Info("seeded", "file", t.File, "organization", res.OrganizationID, "created", res.Created,
		"updated", res.Updated, "unchanged", res.Unchanged, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// withSeeder parses --seed's file, if any, and plugs a seeder into m.
func withSeeder(m *app.Main) error {
	if strings.TrimSpace(m.Config.SeedFile) == "" {
		return nil
	}
	f, err := seed.Parse(m.Config.SeedFile)
	if err != nil {
		return err
	}
	m.Seeder = &fileSeeder{file: f}
	return nil
}
