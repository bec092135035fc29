package app

import (
	"reflect"
	"testing"

	"github.com/orgstack/orgstack/internal/auditmanager"
	"github.com/orgstack/orgstack/internal/backup"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/ssm"
	"github.com/orgstack/orgstack/internal/ssr"
	"github.com/orgstack/orgstack/internal/sts"
	"github.com/orgstack/orgstack/internal/wire"
)

// TestEveryOperationMethodBinds catches a handler whose signature drifted
// from the model: a method named after an operation that BindHandlers does
// not pick up would answer NotImplemented.
func TestEveryOperationMethodBinds(t *testing.T) {
	for _, c := range []struct {
		impl     any
		model    *wire.Service
		handlers map[string]wire.Handler
	}{
		{&organizations.Service{}, organizations.ServiceModel(), organizations.BindHandlers(&organizations.Service{})},
		{&iam.Service{}, iam.ServiceModel(), iam.BindHandlers(&iam.Service{})},
		{&sts.Service{}, sts.ServiceModel(), sts.BindHandlers(&sts.Service{})},
		{&ssm.Service{}, ssm.ServiceModel(), ssm.BindHandlers(&ssm.Service{})},
		{&auditmanager.Service{}, auditmanager.ServiceModel(), auditmanager.BindHandlers(&auditmanager.Service{})},
		{&backup.Service{}, backup.ServiceModel(), backup.BindHandlers(&backup.Service{})},
		{&ssr.Service{}, ssr.ServiceModel(), ssr.BindHandlers(&ssr.Service{})},
	} {
		typ := reflect.TypeOf(c.impl)
		for i := 0; i < typ.NumMethod(); i++ {
			name := typ.Method(i).Name
			if c.model.Operation(name) == nil {
				continue
			}
			if _, ok := c.handlers[name]; !ok {
				t.Errorf("%s.%s has the name of an operation but not its signature", c.model.ServiceID, name)
			}
		}
	}
}
