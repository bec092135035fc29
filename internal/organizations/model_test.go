package organizations

import (
	"testing"

	"github.com/orgstack/orgstack/internal/wire"
)

func TestModelBindsAndValidates(t *testing.T) {
	m := ServiceModel()
	op := m.Operation("RegisterDelegatedAdministrator")
	if op == nil || op.Input == nil {
		t.Fatal("operation missing from model")
	}
	var in RegisterDelegatedAdministratorRequest
	vs := wire.Bind(op.Input, map[string]any{"AccountId": "abc", "ServicePrincipal": "ssm.amazonaws.com"}, &in)
	if in.AccountId != "abc" || in.ServicePrincipal != "ssm.amazonaws.com" {
		t.Fatalf("bound %+v", in)
	}
	if len(vs) != 1 || vs[0].Rule != wire.RulePattern || vs[0].Path != "accountId" {
		t.Fatalf("violations %+v", vs)
	}
	if got := vs[0].String(); got != `Value 'abc' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\d{12}$` {
		t.Fatalf("message %q", got)
	}
	vs = wire.Bind(op.Input, map[string]any{}, &in)
	if len(vs) != 2 || vs[0].Rule != wire.RuleRequired {
		t.Fatalf("violations %+v", vs)
	}
	if ReasonMessage("InvalidInputException", "INVALID_PATTERN") == "" {
		t.Fatal("reason sentences missing")
	}
}
