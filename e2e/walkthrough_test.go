package e2e

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/orgstack/orgstack/internal/metrics/metricstest"
)

// TestNewUserWalkthrough is what README's quick start promises a new
// user: start orgstack, seed the example organization, export it, reset,
// import the export and find the same organization — each step with the
// orgstack command, the organization read with boto3 and the aws CLI — and
// /metrics counting the requests made.
func TestNewUserWalkthrough(t *testing.T) {
	t.Parallel()
	s := start(t, maxAccounts(100))

	if r := orgstackSeed(t, s.clientEnv(mgmt), "--quiet", exampleOrg); r.code != 0 {
		t.Fatalf("seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	members := []string{"Audit", "Shared Services"}
	seeded, seededRaw := s.dumpOrg(t, mgmt, members...)
	if len(seeded.Accounts) != 49 || len(seeded.OUs) != 19 {
		t.Fatalf("seeded %d accounts and %d OUs, want 49 and 19", len(seeded.Accounts), len(seeded.OUs))
	}

	before := scrapeMetrics(t, s)
	snap := s.stateOK(t, nil, "export")
	s.stateOK(t, nil, "reset")
	s.awsErr(t, mgmt, "AWSOrganizationsNotInUseException", "organizations", "describe-organization")
	if r := s.aws(t, mgmt, "iam", "get-role", "--role-name", "AWSServiceRoleForOrganizations"); r.errCode() != "NoSuchEntity" {
		t.Fatalf("after reset, the management account's roles remain: %s %s", r.stdout, r.stderr)
	}

	s.stateOK(t, []byte(snap), "import", "-")
	_, importedRaw := s.dumpOrg(t, mgmt, members...)
	if importedRaw != seededRaw {
		t.Fatalf("the imported organization differs from the seeded one\nseeded:\n%s\nimported:\n%s", seededRaw, importedRaw)
	}
	out := s.awsOK(t, mgmt, "organizations", "describe-organization")
	if got := str(out, "Organization", "MasterAccountId"); got != mgmt {
		t.Fatalf("imported organization's management account %q", got)
	}

	// The requests of the walkthrough are counted.
	after := scrapeMetrics(t, s)
	created, _ := after.Value("orgstack_requests_total", "", map[string]string{"service": "Organizations", "operation": "CreateAccount", "code": ""})
	if created != 48 {
		t.Errorf("orgstack_requests_total counts %v CreateAccount requests, want the seed's 48", created)
	}
	refusedBefore, _ := before.Value("orgstack_requests_total", "", map[string]string{"operation": "DescribeOrganization", "code": "AWSOrganizationsNotInUseException"})
	refused, _ := after.Value("orgstack_requests_total", "", map[string]string{"operation": "DescribeOrganization", "code": "AWSOrganizationsNotInUseException"})
	if refused-refusedBefore != 1 {
		t.Errorf("orgstack_requests_total counts %v refused DescribeOrganization requests since the seed, want 1", refused-refusedBefore)
	}
	adminBefore, _ := before.Value("orgstack_requests_total", "", map[string]string{"kind": "admin"})
	admin, _ := after.Value("orgstack_requests_total", "", map[string]string{"kind": "admin"})
	if admin-adminBefore != 3 {
		t.Errorf("orgstack_requests_total counts %v admin requests since the seed, want the export, the reset and the import", admin-adminBefore)
	}
}

// scrapeMetrics reads and parses s's /metrics.
func scrapeMetrics(t *testing.T, s *srv) metricstest.Metrics {
	t.Helper()
	resp, err := http.Get(s.endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m, err := metricstest.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	return m
}
