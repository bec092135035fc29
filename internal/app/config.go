// Package app assembles orgstack: it reads the configuration, opens the
// store, builds every service and serves them. cmd/orgstack is a thin
// shell around Main, and the end-to-end tests boot the same Main.
package app

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Version is orgstack's version, set at build time with
// -ldflags "-X github.com/orgstack/orgstack/internal/app.Version=...".
var Version = "0.1.0-dev"

// DefaultAddr is where orgstack listens unless told otherwise.
const DefaultAddr = "127.0.0.1:4590"

// Config is orgstack's configuration. Every field has a flag and an
// ORGSTACK_* environment variable; flags win over the environment.
type Config struct {
	Addr    string
	DataDir string
	Memory  bool
	// Store, when set, is a postgres:// URL: state lives in PostgreSQL,
	// shared by every orgstack process given the same URL and schema.
	Store string
	// JobPollInterval is how often the job queue looks for work that
	// other processes sharing the store queued (PostgreSQL only).
	JobPollInterval    time.Duration
	LogLevel           string
	LogFormat          string
	DefaultAccount     string
	CreateAccountDelay time.Duration
	CloseAccountDelay  time.Duration
	MaxAccounts        int
	ClockControl       bool
	// StateControl allows, in enforce mode, the state endpoints
	// (/_orgstack/state, /_orgstack/reset) from clients that are not on
	// loopback. In open mode they are always allowed.
	StateControl bool
	// ServiceRoleDelay is how long a trusted service takes to create its
	// service-linked roles after it hears of a change.
	ServiceRoleDelay time.Duration
	// TrustedServicesFile extends the catalogue of trusted services.
	TrustedServicesFile string
	// Auth is "open" (identity from the access key, every call allowed)
	// or "enforce" (signatures verified, every call authorized).
	Auth string
	// RootSecret is, in enforce mode, the secret of every account's root
	// access key (whose id is the 12-digit account id).
	RootSecret string
	// ExplorerSyncInterval is how often Explorer's resource data syncs
	// collect OpsData.
	ExplorerSyncInterval time.Duration
	// AuditEvidenceInterval is "a day" of Audit Manager's evidence
	// collection: DAILY sources collect once per interval, WEEKLY once per
	// 7, MONTHLY once per 30.
	AuditEvidenceInterval time.Duration
	// BackupJobDuration is how long an AWS Backup job stays RUNNING.
	BackupJobDuration time.Duration
	// SSRHistoryDays is how many days of Self-Service Reporting reports
	// are kept.
	SSRHistoryDays int
	// PprofAddr, when set, serves Go's profiler on that loopback address.
	PprofAddr string
	// RootKeysFile lists root access keys: [{"accessKeyId","accountId","secretAccessKey"}].
	RootKeysFile string
	// MaxBodyBytes caps request bodies; longer ones are answered 413.
	MaxBodyBytes int64
	// RateLimit is the requests per second each calling account may make
	// on average (0: no limit); RateBurst how many it may make at once.
	RateLimit float64
	RateBurst int
	// ShutdownTimeout is how long Close waits for in-flight requests.
	ShutdownTimeout time.Duration
	// SeedFile is a seed file (see internal/seed) applied once the server
	// listens; Main.Seeder applies it.
	SeedFile string
}

// DefaultDataDir is $XDG_DATA_HOME/orgstack, or ~/.local/share/orgstack.
func DefaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "orgstack")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "orgstack")
	}
	return ".orgstack"
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Addr:           DefaultAddr,
		DataDir:        DefaultDataDir(),
		LogLevel:       "info",
		LogFormat:      "text",
		DefaultAccount: "123456789012",
		MaxAccounts:    10,
		Auth:           "open",

		ExplorerSyncInterval:  30 * time.Second,
		AuditEvidenceInterval: 24 * time.Hour,
		SSRHistoryDays:        90,
		BackupJobDuration:     2 * time.Second,
		JobPollInterval:       time.Second,
		MaxBodyBytes:          10 << 20,
		RateBurst:             20,
		ShutdownTimeout:       10 * time.Second,
	}
}

// FlagSet returns the flags of `orgstack serve`, bound to c, with defaults
// taken from c and then from the environment (getenv).
func (c *Config) FlagSet(name string, getenv func(string) string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("ORGSTACK_ADDR", c.Addr), "listen address `HOST:PORT` (ORGSTACK_ADDR); port 0 picks a free port")
	fs.StringVar(&c.DataDir, "data-dir", env("ORGSTACK_DATA_DIR", c.DataDir), "`DIR` for durable state (ORGSTACK_DATA_DIR)")
	fs.StringVar(&c.Store, "store", env("ORGSTACK_STORE", c.Store), "postgres://`URL` of a PostgreSQL database to keep state in, shared with every orgstack process given the same URL (ORGSTACK_STORE); ?schema=NAME picks the schema (default orgstack)")
	fs.DurationVar(&c.JobPollInterval, "job-poll-interval", envDuration(env("ORGSTACK_JOB_POLL_INTERVAL", ""), c.JobPollInterval), "with --store, how often to look for jobs other processes queued (ORGSTACK_JOB_POLL_INTERVAL)")
	fs.BoolVar(&c.Memory, "memory", envBool(env("ORGSTACK_MEMORY", ""), c.Memory), "keep state in memory only, nothing persisted (ORGSTACK_MEMORY)")
	fs.StringVar(&c.LogLevel, "log-level", env("ORGSTACK_LOG_LEVEL", c.LogLevel), "debug, info, warn or error (ORGSTACK_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("ORGSTACK_LOG_FORMAT", c.LogFormat), "text or json (ORGSTACK_LOG_FORMAT)")
	fs.StringVar(&c.DefaultAccount, "default-account", env("ORGSTACK_DEFAULT_ACCOUNT", c.DefaultAccount), "account that unrecognized access keys act as (ORGSTACK_DEFAULT_ACCOUNT)")
	fs.DurationVar(&c.CreateAccountDelay, "create-account-delay", envDuration(env("ORGSTACK_CREATE_ACCOUNT_DELAY", ""), c.CreateAccountDelay), "how long CreateAccount stays IN_PROGRESS (ORGSTACK_CREATE_ACCOUNT_DELAY)")
	fs.DurationVar(&c.CloseAccountDelay, "close-account-delay", envDuration(env("ORGSTACK_CLOSE_ACCOUNT_DELAY", ""), c.CloseAccountDelay), "how long CloseAccount stays PENDING_CLOSURE (ORGSTACK_CLOSE_ACCOUNT_DELAY)")
	fs.IntVar(&c.MaxAccounts, "max-accounts", envInt(env("ORGSTACK_MAX_ACCOUNTS", ""), c.MaxAccounts), "accounts-per-organization quota (ORGSTACK_MAX_ACCOUNTS)")
	fs.DurationVar(&c.ServiceRoleDelay, "service-role-delay", envDuration(env("ORGSTACK_SERVICE_ROLE_DELAY", ""), c.ServiceRoleDelay), "how long trusted services take to create their service-linked roles (ORGSTACK_SERVICE_ROLE_DELAY)")
	fs.StringVar(&c.TrustedServicesFile, "trusted-services", env("ORGSTACK_TRUSTED_SERVICES", c.TrustedServicesFile), "JSON `FILE` adding to or replacing entries of the trusted-service catalogue (ORGSTACK_TRUSTED_SERVICES)")
	fs.DurationVar(&c.ExplorerSyncInterval, "explorer-sync-interval", envDuration(env("ORGSTACK_EXPLORER_SYNC_INTERVAL", ""), c.ExplorerSyncInterval), "how often Systems Manager Explorer's resource data syncs collect OpsData (ORGSTACK_EXPLORER_SYNC_INTERVAL)")
	fs.DurationVar(&c.AuditEvidenceInterval, "audit-evidence-interval", envDuration(env("ORGSTACK_AUDIT_EVIDENCE_INTERVAL", ""), c.AuditEvidenceInterval), "Audit Manager's evidence \"day\": DAILY sources collect once per interval, WEEKLY once per 7, MONTHLY once per 30 (ORGSTACK_AUDIT_EVIDENCE_INTERVAL)")
	fs.DurationVar(&c.BackupJobDuration, "backup-job-duration", envDuration(env("ORGSTACK_BACKUP_JOB_DURATION", ""), c.BackupJobDuration), "how long an AWS Backup job stays RUNNING before it completes (ORGSTACK_BACKUP_JOB_DURATION)")
	fs.IntVar(&c.SSRHistoryDays, "ssr-history-days", envInt(env("ORGSTACK_SSR_HISTORY_DAYS", ""), c.SSRHistoryDays), "how many days of Self-Service Reporting reports are kept (ORGSTACK_SSR_HISTORY_DAYS)")
	fs.StringVar(&c.Auth, "auth", env("ORGSTACK_AUTH", c.Auth), "open (identity from the access key, every call allowed) or enforce (signatures verified, every call authorized) (ORGSTACK_AUTH)")
	fs.StringVar(&c.RootSecret, "root-secret", env("ORGSTACK_ROOT_SECRET", c.RootSecret), "enforce mode: the secret of each account's root key, whose id is the account id (ORGSTACK_ROOT_SECRET)")
	fs.StringVar(&c.RootKeysFile, "root-keys", env("ORGSTACK_ROOT_KEYS", c.RootKeysFile), "JSON `FILE` of root access keys [{\"accessKeyId\",\"accountId\",\"secretAccessKey\"}] (ORGSTACK_ROOT_KEYS)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("ORGSTACK_PPROF_ADDR", c.PprofAddr), "serve Go's profiler (/debug/pprof/) on this loopback `HOST:PORT`, for profiling benchmarks (ORGSTACK_PPROF_ADDR)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", envInt64(env("ORGSTACK_MAX_BODY_BYTES", ""), c.MaxBodyBytes), "largest request body accepted, in bytes; longer ones are answered 413 RequestEntityTooLarge (ORGSTACK_MAX_BODY_BYTES)")
	fs.Float64Var(&c.RateLimit, "rate-limit", envFloat(env("ORGSTACK_RATE_LIMIT", ""), c.RateLimit), "requests per second each calling account may make on average, 0 for no limit; over it a caller gets its service's throttling error (ORGSTACK_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", envInt(env("ORGSTACK_RATE_BURST", ""), c.RateBurst), "with --rate-limit, how many requests a calling account may make at once (ORGSTACK_RATE_BURST)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDuration(env("ORGSTACK_SHUTDOWN_TIMEOUT", ""), c.ShutdownTimeout), "on SIGTERM or SIGINT, how long to wait for in-flight requests before closing (ORGSTACK_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.SeedFile, "seed", env("ORGSTACK_SEED", c.SeedFile), "YAML `FILE` describing an organization to create at start, as orgstack seed does; /_orgstack/health answers 503 until it is done (ORGSTACK_SEED)")
	fs.BoolVar(&c.ClockControl, "clock-control", envBool(env("ORGSTACK_CLOCK_CONTROL", ""), c.ClockControl), "allow POST /_orgstack/clock to move orgstack's clock forward (ORGSTACK_CLOCK_CONTROL)")
	fs.BoolVar(&c.StateControl, "state-control", envBool(env("ORGSTACK_STATE_CONTROL", ""), c.StateControl), "enforce mode: allow exporting, importing and resetting the state (/_orgstack/state, /_orgstack/reset) from clients not on loopback (ORGSTACK_STATE_CONTROL)")
	return fs
}

func envBool(s string, def bool) bool {
	if b, err := strconv.ParseBool(s); err == nil {
		return b
	}
	return def
}

func envDuration(s string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil {
		return d
	}
	return def
}

func envInt64(s string, def int64) int64 {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return def
}

func envFloat(s string, def float64) float64 {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return def
}

func envInt(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// Validate reports the first invalid setting, naming it.
func (c *Config) Validate() error {
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log-format: %q is not text or json", c.LogFormat)
	}
	if len(c.DefaultAccount) != 12 || strings.Trim(c.DefaultAccount, "0123456789") != "" {
		return fmt.Errorf("default-account: %q is not a 12-digit account id", c.DefaultAccount)
	}
	if c.MaxAccounts < 1 {
		return errors.New("max-accounts: must be at least 1")
	}
	if c.ExplorerSyncInterval <= 0 {
		return errors.New("explorer-sync-interval: must be positive")
	}
	if c.SSRHistoryDays < 1 {
		return errors.New("ssr-history-days: must be at least 1")
	}
	if c.AuditEvidenceInterval <= 0 {
		return errors.New("audit-evidence-interval: must be positive")
	}
	if c.BackupJobDuration <= 0 {
		return errors.New("backup-job-duration: must be positive")
	}
	if c.MaxBodyBytes < 1 {
		return errors.New("max-body-bytes: must be at least 1")
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return errors.New("rate-limit: must be a number of requests per second, 0 for no limit")
	}
	if c.RateBurst < 1 {
		return errors.New("rate-burst: must be at least 1")
	}
	if c.ShutdownTimeout < 0 {
		return errors.New("shutdown-timeout: may not be negative")
	}
	for name, d := range map[string]time.Duration{"create-account-delay": c.CreateAccountDelay, "close-account-delay": c.CloseAccountDelay, "service-role-delay": c.ServiceRoleDelay} {
		if d < 0 {
			return fmt.Errorf("%s: may not be negative", name)
		}
	}
	switch c.Auth {
	case "open":
	case "enforce":
		if c.RootSecret == "" && c.RootKeysFile == "" {
			return errors.New("auth: enforce mode needs --root-secret or --root-keys, or no request could ever be signed")
		}
	default:
		return fmt.Errorf("auth: %q is not open or enforce", c.Auth)
	}
	if c.Store != "" {
		if c.Memory {
			return errors.New("store: --store and --memory cannot both be set")
		}
		if !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") {
			return errors.New("store: must be a postgres:// URL")
		}
		if c.JobPollInterval <= 0 {
			return errors.New("job-poll-interval: must be positive")
		}
	}
	if !c.Memory && c.DataDir == "" {
		return errors.New("data-dir: required unless --memory is set")
	}
	return nil
}
