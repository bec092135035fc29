package app

import (
	"context"
	"encoding/json"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/console"
	"github.com/orgstack/orgstack/internal/wire"
)

// newConsole builds the web console over the server's invoker.
func (m *Main) newConsole() (*console.Console, error) {
	return console.New(console.Options{
		Invoker:        serverInvoker{m},
		Enforce:        m.Config.Auth == string(auth.Enforce),
		DefaultAccount: m.Config.DefaultAccount,
		Catalogue:      m.Catalogue,
		TrustedServices: func(ctx context.Context, orgID string) ([]byte, error) {
			views, err := m.Organizations.TrustedServices(ctx, orgID)
			if err != nil {
				return nil, err
			}
			return json.Marshal(views)
		},
		Logger: m.Logger,
	})
}

// serverInvoker is the server as the console's invoker; the server is
// built after the console, which it serves.
type serverInvoker struct{ m *Main }

func (i serverInvoker) Invoke(ctx context.Context, caller orgstack.Caller, service, operation string, input map[string]any, remoteAddr string) (*wire.Operation, any, error) {
	return i.m.Server.Invoke(ctx, caller, service, operation, input, remoteAddr)
}

func (i serverInvoker) Authenticate(ctx context.Context, accessKey, secret, sessionToken, region string) (orgstack.Caller, error) {
	return i.m.Server.Authenticate(ctx, accessKey, secret, sessionToken, region)
}
