package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auditmanager"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/backup"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/protocol/awsjson"
	"github.com/orgstack/orgstack/internal/protocol/awsquery"
	"github.com/orgstack/orgstack/internal/protocol/restjson"
	"github.com/orgstack/orgstack/internal/server"
	"github.com/orgstack/orgstack/internal/ssm"
	"github.com/orgstack/orgstack/internal/ssr"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/bolt"
	"github.com/orgstack/orgstack/internal/store/logstore"
	"github.com/orgstack/orgstack/internal/store/memory"
	"github.com/orgstack/orgstack/internal/store/postgres"
	"github.com/orgstack/orgstack/internal/sts"
	"github.com/orgstack/orgstack/internal/trusted"
)

// Main is a running orgstack: configuration, store, services and the
// HTTP server. Create it with NewMain, adjust Config (or call
// Config.FlagSet), then Run; Close stops it.
type Main struct {
	Config Config
	Logger *slog.Logger

	Store  store.Store
	Clock  *orgstack.OffsetClock
	Jobs   *jobs.Queue
	Server *server.Server

	Organizations *organizations.Service
	IAM           *iam.Service
	STS           *sts.Service
	SSM           *ssm.Service
	AuditManager  *auditmanager.Service
	Backup        *backup.Service
	SSR           *ssr.Service
	Catalogue     *trusted.Catalogue
	Authorizer    *auth.Authorizer

	// Seeder applies Config.SeedFile once the server listens (cmd/orgstack
	// plugs in internal/seed); while it runs /_orgstack/health answers
	// 503 "seeding", and its failure stops the server with its error.
	Seeder Seeder

	ident       *auth.Identity
	seeding     atomic.Bool
	seedCancel  context.CancelFunc
	seedDone    chan struct{}
	failMu      sync.Mutex
	failure     error
	httpServer  *http.Server
	pprofServer *http.Server
	listener    net.Listener
	cancel      context.CancelFunc
	served      chan error
	closeOnce   sync.Once
}

// jobYield is how long queued jobs wait for a pause in requests before
// they run anyway.
const jobYield = 10 * time.Millisecond

// NewMain returns a Main with the default configuration.
func NewMain() *Main { return &Main{Config: DefaultConfig()} }

// Addr is the address the server listens on (valid after Run).
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// Endpoint is the server's URL (valid after Run).
func (m *Main) Endpoint() string { return "http://" + m.Addr() }

// Run opens the store, builds the services and starts serving. It returns
// once the server accepts connections; errors of the server loop after
// that are reported by Wait.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if m.Config.SeedFile != "" && m.Seeder == nil {
		return errNoSeeder
	}
	if m.Logger == nil {
		m.Logger = newLogger(m.Config, os.Stderr)
	}
	st, err := m.openStore()
	if err != nil {
		return err
	}
	m.Store = st
	m.Clock = &orgstack.OffsetClock{}
	if err := m.loadClock(ctx); err != nil {
		_ = st.Close()
		return err
	}
	m.Jobs = jobs.New(st, m.Clock, m.Logger)
	if m.Config.Store != "" {
		// Other processes queue jobs this one must be ready to run (when
		// their process dies, say): look for them now and then.
		m.Jobs.SetPoll(m.Config.JobPollInterval)
	}

	catalogue, err := loadCatalogue(m.Config.TrustedServicesFile)
	if err != nil {
		_ = st.Close()
		return err
	}
	m.Catalogue = catalogue
	roles := &serviceRoles{catalogue: catalogue}
	m.IAM = iam.New(iam.Options{Store: st, Clock: m.Clock, Jobs: m.Jobs, ServiceRoles: roles})
	m.Organizations = organizations.New(organizations.Options{
		Store: st, Clock: m.Clock, Jobs: m.Jobs, Roles: m.IAM, Catalogue: catalogue,
		CreateAccountDelay: m.Config.CreateAccountDelay,
		CloseAccountDelay:  m.Config.CloseAccountDelay,
		ServiceRoleDelay:   m.Config.ServiceRoleDelay,
		MaxAccounts:        m.Config.MaxAccounts,
	})
	roles.org = m.Organizations
	m.Organizations.SetDefaultPlugin(&trusted.Generic{Catalogue: catalogue, Org: m.Organizations, Log: m.Logger})
	m.Authorizer = &auth.Authorizer{Store: st, Principals: iamPrincipals{m.IAM}, Organizations: m.Organizations, Clock: m.Clock}
	m.STS = sts.New(sts.Options{Store: st, Clock: m.Clock, Roles: m.IAM, Keys: m.Authorizer})
	m.Authorizer.Sessions = m.STS
	m.SSM = ssm.New(ssm.Options{Store: st, Clock: m.Clock, Jobs: m.Jobs, Org: m.Organizations, Catalogue: catalogue, SyncInterval: m.Config.ExplorerSyncInterval})
	generic := &trusted.Generic{Catalogue: catalogue, Org: m.Organizations, Log: m.Logger}
	m.Organizations.RegisterPlugin("ssm.amazonaws.com", &ssm.Plugin{Service: m.SSM, Fallback: generic})
	m.AuditManager = auditmanager.New(auditmanager.Options{Store: st, Clock: m.Clock, Jobs: m.Jobs, Org: m.Organizations, Roles: m.IAM, Catalogue: catalogue,
		EvidenceInterval: m.Config.AuditEvidenceInterval, APICalls: m.auditAPICalls(), AccountPath: m.accountPath})
	m.Organizations.RegisterPlugin("auditmanager.amazonaws.com", &auditmanager.Plugin{Service: m.AuditManager, Fallback: generic})
	m.Backup = backup.New(backup.Options{Store: st, Clock: m.Clock, Jobs: m.Jobs, Roles: m.IAM, Resources: m.backupResources, JobDuration: m.Config.BackupJobDuration})
	m.SSR = ssr.New(ssr.Options{Store: st, Clock: m.Clock, Jobs: m.Jobs, Org: m.Organizations, Catalogue: catalogue, Sources: m.ssrSources(),
		HistoryDays: m.Config.SSRHistoryDays, DataDir: m.ssrDatasets(), Log: m.Logger})
	m.Organizations.RegisterPlugin(ssr.Principal, &ssr.Plugin{Service: m.SSR, Fallback: generic})
	m.IAM.SetSimulator(m.Authorizer)
	identity, err := m.identity()
	if err != nil {
		_ = st.Close()
		return err
	}
	m.ident = identity
	var authorizer server.Authorizer
	if m.Config.Auth == string(auth.Enforce) {
		authorizer = m.Authorizer
		authorizeTx := func(tx store.Tx, c orgstack.Caller, action, resource string, keys map[string][]string) error {
			return m.Authorizer.AuthorizeTx(tx, c, auth.Request{Action: action, Resources: []string{resource}, Context: keys}, "")
		}
		m.Organizations.SetAuthorize(authorizeTx)
		m.SSM.SetAuthorize(authorizeTx)
		m.AuditManager.SetAuthorize(authorizeTx)
	}
	con, err := m.newConsole()
	if err != nil {
		_ = st.Close()
		return err
	}
	reg, observe := m.newMetrics()
	m.Server = server.New(server.Config{
		Services:   m.services(),
		Identity:   identity,
		Authorizer: authorizer,
		Admin:      m.adminHandler(),
		Fallback:   con,
		Logger:     m.Logger,
		Metrics:    reg,
		Observe:    observe,

		MaxBodyBytes: m.Config.MaxBodyBytes,
		RateLimit:    m.Config.RateLimit,
		RateBurst:    m.Config.RateBurst,
	})

	// Trusted services' reactions and other asynchronous work wait for
	// a pause in requests, at most jobYield: under load they run in rounds.
	m.Jobs.SetBusy(m.Server.Busy, jobYield)

	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		_ = st.Close()
		return err
	}
	m.listener = ln
	if err := m.startPprof(); err != nil {
		_ = ln.Close()
		_ = st.Close()
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.Jobs.Start(runCtx)
	m.httpServer = &http.Server{Handler: m.Server, ReadHeaderTimeout: 30 * time.Second}
	m.served = make(chan error, 1)
	go func() { m.served <- m.httpServer.Serve(ln) }()
	m.startSeed() // before the log line: health says "seeding" from the first request
	m.Logger.Info("orgstack listening", "addr", m.Addr(), "version", Version, "memory", m.Config.Memory, "store", m.storeForLog(), "data_dir", m.dataDirForLog())
	return nil
}

// storeForLog names the store without a password.
func (m *Main) storeForLog() string {
	switch {
	case m.Config.Store != "":
		if u, err := url.Parse(m.Config.Store); err == nil {
			return u.Redacted()
		}
		return "postgres"
	case m.Config.Memory:
		return "memory"
	}
	return "embedded"
}

func (m *Main) dataDirForLog() string {
	if m.Config.Memory {
		return ""
	}
	return m.Config.DataDir
}

func (m *Main) openStore() (store.Store, error) {
	if m.Config.Store != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return postgres.Open(ctx, m.Config.Store)
	}
	if m.Config.Memory {
		return memory.New(), nil
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data-dir: %w", err)
	}
	st, err := logstore.Open(filepath.Join(m.Config.DataDir, storeDir), logstore.Options{})
	if err != nil {
		return nil, err
	}
	if err := m.importBoltFile(st); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// storeDir is the data directory's subdirectory that holds the state.
const storeDir = "store"

// boltFile is where earlier versions kept the state, in one bbolt file in
// the data directory.
const boltFile = "orgstack.db"

// importBoltFile moves the state of an earlier version's bolt file into
// st, when st is empty, and renames the file to orgstack.db.imported. (A
// crash between the two leaves the file, which later starts then ignore
// with a warning, the state being in st.)
func (m *Main) importBoltFile(st *logstore.Store) error {
	path := filepath.Join(m.Config.DataDir, boltFile)
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	keys, _, err := st.Size()
	if err != nil {
		return err
	}
	if keys > 0 {
		m.Logger.Warn("data directory has state in both formats; using the newer one", "ignored", path)
		return nil
	}
	old, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		return err
	}
	var records []store.Record
	ctx := context.Background()
	err = old.View(ctx, func(tx store.Tx) error {
		return tx.Scan("", "", func(k string, v []byte) (bool, error) {
			records = append(records, store.Record{Key: k, Value: append([]byte(nil), v...)})
			return true, nil
		})
	})
	if cerr := old.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	if err := st.Replace(ctx, records); err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	if err := os.Rename(path, path+".imported"); err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	m.Logger.Info("imported the state of an earlier version", "from", path, "keys", len(records), "into", st.Dir())
	return nil
}

func (m *Main) services() []*server.Service {
	return []*server.Service{
		{
			Model: organizations.ServiceModel(), Handlers: organizations.BindHandlers(m.Organizations), Codec: awsjson.Codec{},
			Validation: organizations.Validation, ActionPrefix: "organizations", Describe: m.Organizations.Describe, AccessDenied: organizations.AccessDenied,
		},
		{
			Model: iam.ServiceModel(), Handlers: iam.BindHandlers(m.IAM), Codec: awsquery.Codec{URLEncodeShapes: map[string]bool{"policyDocumentType": true}},
			Validation: iam.Validation, ActionPrefix: "iam", Describe: m.IAM.Describe, AccessDenied: iam.AccessDenied,
		},
		{
			Model: sts.ServiceModel(), Handlers: sts.BindHandlers(m.STS), Codec: awsquery.Codec{},
			Validation: sts.Validation, ActionPrefix: "sts", Describe: sts.Describe, AccessDenied: sts.AccessDenied,
		},
		{
			Model: ssm.ServiceModel(), Handlers: ssm.BindHandlers(m.SSM), Codec: awsjson.Codec{},
			Validation: ssm.Validation, ActionPrefix: "ssm", AccessDenied: ssm.AccessDenied,
		},
		{
			Model: auditmanager.ServiceModel(), Handlers: auditmanager.BindHandlers(m.AuditManager), Codec: restjson.Codec{},
			Validation: auditmanager.Validation, ActionPrefix: "auditmanager", AccessDenied: auditmanager.AccessDenied,
		},
		{
			Model: backup.ServiceModel(), Handlers: backup.BindHandlers(m.Backup), Codec: restjson.Codec{},
			Validation: backup.Validation, ActionPrefix: "backup", AccessDenied: backup.AccessDenied,
		},
		{
			Model: ssr.ServiceModel(), Handlers: ssr.BindHandlers(m.SSR), Codec: awsjson.Codec{},
			Validation: ssr.Validation, ActionPrefix: "selfservicereporting", AccessDenied: ssr.AccessDenied,
		},
	}
}

// Wait blocks until the server stops and returns why.
func (m *Main) Wait() error {
	err := <-m.served
	m.served <- err
	if errors.Is(err, http.ErrServerClosed) {
		m.failMu.Lock()
		defer m.failMu.Unlock()
		return m.failure
	}
	return err
}

// Close stops accepting requests, lets in-flight ones finish (up to
// Config.ShutdownTimeout; those still running then are cut off and Close
// returns an error), stops the job worker (jobs not yet run, and one cut
// short, stay queued in the store for the next start) and closes the
// store.
func (m *Main) Close() error {
	var err error
	m.closeOnce.Do(func() {
		if m.seedCancel != nil {
			m.seedCancel()
			<-m.seedDone
		}
		if m.httpServer != nil {
			ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
			if err = m.httpServer.Shutdown(ctx); err != nil {
				m.Logger.Warn("requests still in flight at the shutdown timeout were cut off", "timeout", m.Config.ShutdownTimeout)
				_ = m.httpServer.Close()
			}
			cancel()
		}
		if m.pprofServer != nil {
			_ = m.pprofServer.Close()
		}
		if m.cancel != nil {
			m.cancel()
			m.Jobs.Wait()
		}
		if m.Store != nil {
			if cerr := m.Store.Close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

func newLogger(c Config, w *os.File) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
