package app

import (
	"fmt"
	"strings"

	"github.com/orgstack/orgstack/internal/auditmanager"
	"github.com/orgstack/orgstack/internal/backup"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/server"
	"github.com/orgstack/orgstack/internal/ssm"
	"github.com/orgstack/orgstack/internal/ssr"
	"github.com/orgstack/orgstack/internal/sts"
)

// OperationStatus says whether one modeled operation is implemented.
type OperationStatus struct {
	Service     string
	Operation   string
	Implemented bool
}

// catalogue builds the services without state, to read their handler
// tables.
func catalogue() []*server.Service {
	m := &Main{Config: DefaultConfig(), Organizations: &organizations.Service{}, IAM: &iam.Service{}, STS: &sts.Service{}, SSM: &ssm.Service{}, AuditManager: &auditmanager.Service{}, Backup: &backup.Service{}, SSR: &ssr.Service{}}
	return m.services()
}

// Operations lists every operation of every served model, in service
// order, and whether orgstack implements it.
func Operations() []OperationStatus {
	var out []OperationStatus
	for _, s := range catalogue() {
		for _, op := range s.Model.Operations {
			_, ok := s.Handlers[op.Name]
			out = append(out, OperationStatus{Service: s.Model.ServiceID, Operation: op.Name, Implemented: ok})
		}
	}
	return out
}

// FeatureTable renders README's table of implemented operations.
func FeatureTable() string {
	var b strings.Builder
	b.WriteString("| service | implemented | operations |\n|---|---|---|\n")
	var (
		service string
		done    []string
		total   int
	)
	flush := func() {
		if service == "" {
			return
		}
		list := "—"
		if len(done) > 0 {
			list = strings.Join(done, ", ")
		}
		fmt.Fprintf(&b, "| %s | %d of %d | %s |\n", service, len(done), total, list)
	}
	for _, o := range Operations() {
		if o.Service != service {
			flush()
			service, done, total = o.Service, nil, 0
		}
		total++
		if o.Implemented {
			done = append(done, o.Operation)
		}
	}
	flush()
	return b.String()
}
